//! Security and compliance checklists from a built-in catalogue. For each
//! framework asked for, its baseline items always apply; any other item
//! applies when the spec mentions one of its keywords (whole words, any
//! case, plurals included). Each entry says why it is there. When the caller
//! names no framework, [`suggest_frameworks`] picks them from the spec's
//! words, falling back to OWASP. The catalogue paraphrases each framework's
//! intent as one check; it is a prompt for review, not a certification.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{phrases_in, quoted};
use crate::DomainError;

/// A security or compliance framework the catalogue covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Framework {
    Owasp,
    Soc2,
    Gdpr,
    Pci,
    Hipaa,
}

impl Framework {
    pub const ALL: &'static [Framework] =
        &[Self::Owasp, Self::Soc2, Self::Gdpr, Self::Pci, Self::Hipaa];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owasp => "owasp",
            Self::Soc2 => "soc2",
            Self::Gdpr => "gdpr",
            Self::Pci => "pci",
            Self::Hipaa => "hipaa",
        }
    }

    /// The name people write, for reasons shown to them.
    pub fn label(self) -> &'static str {
        match self {
            Self::Owasp => "OWASP",
            Self::Soc2 => "SOC 2",
            Self::Gdpr => "GDPR",
            Self::Pci => "PCI DSS",
            Self::Hipaa => "HIPAA",
        }
    }
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Framework {
    type Err = DomainError;

    /// Any case, with spaces, dashes and underscores ignored ("SOC 2", "pci-dss").
    fn from_str(s: &str) -> Result<Self, DomainError> {
        let wanted: String = s
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
            .to_lowercase();
        let wanted = if wanted == "pcidss" {
            "pci"
        } else {
            wanted.as_str()
        };
        Self::ALL
            .iter()
            .copied()
            .find(|f| f.as_str() == wanted)
            .ok_or_else(|| {
                let allowed = Self::ALL
                    .iter()
                    .map(|f| f.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                DomainError::new(
                    "framework",
                    format!("invalid framework '{s}': expected one of {allowed}"),
                )
            })
    }
}

/// One item of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CheckItem {
    pub framework: Framework,
    pub id: &'static str,
    pub title: &'static str,
    /// What to verify, in one sentence.
    pub check: &'static str,
    /// Words in a spec that make the item relevant.
    pub keywords: &'static [&'static str],
    /// Always included for its framework.
    pub baseline: bool,
}

/// One item of a checklist, with why it was included.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ChecklistEntry {
    pub framework: Framework,
    pub id: &'static str,
    pub title: &'static str,
    pub check: &'static str,
    /// "baseline for OWASP", or "the spec mentions 'password', 'login'", or both.
    pub reason: String,
    /// The spec's words that matched the item's keywords.
    pub matched: Vec<String>,
}

use Framework::{Gdpr, Hipaa, Owasp, Pci, Soc2};

const fn item(
    framework: Framework,
    id: &'static str,
    baseline: bool,
    title: &'static str,
    check: &'static str,
    keywords: &'static [&'static str],
) -> CheckItem {
    CheckItem {
        framework,
        id,
        title,
        check,
        keywords,
        baseline,
    }
}

/// The built-in catalogue, grouped by framework.
#[rustfmt::skip] // a catalogue reads best as one block per item
pub const CATALOGUE: &[CheckItem] = &[
    item(Owasp, "OWASP-A01", true, "Broken access control",
        "Every request is authorised on the server against the caller's role and ownership of the record, denying by default.",
        &["role", "permission", "admin", "owner", "share", "tenant", "access", "private"]),
    item(Owasp, "OWASP-A02", false, "Cryptographic failures",
        "Sensitive data is encrypted in transit and at rest, and passwords are stored only as slow salted hashes (argon2, bcrypt, scrypt).",
        &["password", "encrypt", "encryption", "tls", "https", "secret", "token", "hash", "card", "personal data"]),
    item(Owasp, "OWASP-A03", true, "Injection",
        "Input reaching SQL, shell commands, templates or HTML is parameterised or escaped; no query is built by concatenating strings.",
        &["sql", "query", "search", "input", "form", "filter", "html", "template", "command", "upload"]),
    item(Owasp, "OWASP-A04", false, "Insecure design",
        "Abuse cases were designed against: rate limits, limits on quantities and amounts, and business rules enforced on the server.",
        &["workflow", "rate limit", "rate-limit", "checkout", "coupon", "quota", "signup", "sign up", "transfer", "abuse"]),
    item(Owasp, "OWASP-A05", false, "Security misconfiguration",
        "Defaults are hardened: debug off, security headers and CORS set on purpose, no default accounts, no public storage buckets.",
        &["config", "configuration", "cors", "header", "deploy", "debug", "bucket", "cloud"]),
    item(Owasp, "OWASP-A06", false, "Vulnerable and outdated components",
        "New or upgraded dependencies are maintained and free of known vulnerabilities, checked by an audit tool in CI.",
        &["dependency", "dependencies", "library", "libraries", "package", "sdk", "upgrade", "third-party", "plugin"]),
    item(Owasp, "OWASP-A07", false, "Identification and authentication failures",
        "Login resists brute force and credential stuffing, sessions rotate on login and expire, and reset tokens are single-use.",
        &["password", "login", "log in", "sign in", "signed in", "signed-in", "reset", "session", "mfa", "2fa", "authentication", "credential", "sso", "oauth"]),
    item(Owasp, "OWASP-A08", false, "Software and data integrity failures",
        "Updates, plugins, webhooks and serialised data from outside are verified (signatures, pinned versions, no untrusted deserialisation).",
        &["webhook", "deserialize", "deserialise", "serialization", "update", "plugin", "pipeline", "import", "signature"]),
    item(Owasp, "OWASP-A09", false, "Security logging and monitoring failures",
        "Logins, refused access and high-value actions are logged with who and when, without secrets, and alerts reach a person.",
        &["log", "logging", "audit", "monitor", "monitoring", "alert"]),
    item(Owasp, "OWASP-A10", false, "Server-side request forgery",
        "Any URL the server fetches for a user is checked against an allow-list; internal addresses and metadata endpoints are unreachable.",
        &["url", "webhook", "callback", "fetch", "link preview", "proxy", "import from"]),
    item(Soc2, "SOC2-ACCESS-REVIEW", true, "Access reviews",
        "Access to production and customer data is granted by role, reviewed each quarter and removed promptly when people leave.",
        &["admin", "role", "permission", "employee", "staff", "support"]),
    item(Soc2, "SOC2-CHANGE-MGMT", true, "Change management",
        "The change is reviewed, tested and approved before release, with a record linking it to its ticket.",
        &["deploy", "release", "migration", "pipeline"]),
    item(Soc2, "SOC2-LOGGING", true, "Logging and monitoring",
        "Security-relevant events are logged centrally, retained, and watched by alerts.",
        &["log", "logging", "audit", "monitor", "monitoring", "alert"]),
    item(Soc2, "SOC2-ENCRYPTION", false, "Encryption",
        "Customer data is encrypted in transit and at rest, with keys managed and rotated.",
        &["encrypt", "encryption", "tls", "customer data", "database", "storage", "file"]),
    item(Soc2, "SOC2-INCIDENT", false, "Incident response",
        "The incident response plan covers this system: detection, escalation, customer notice and a post-mortem.",
        &["incident", "outage", "breach", "on-call", "downtime"]),
    item(Soc2, "SOC2-BACKUP", false, "Backups and recovery",
        "Data is backed up, backups are encrypted, and restores are tested against the recovery objectives.",
        &["backup", "restore", "database", "storage", "disaster recovery", "data loss"]),
    item(Soc2, "SOC2-VENDOR", false, "Vendor management",
        "Third parties that receive customer data are assessed and under contract.",
        &["vendor", "third-party", "provider", "integration", "saas"]),
    item(Soc2, "SOC2-AVAILABILITY", false, "Availability",
        "Uptime and capacity are monitored against the committed SLA, with redundancy for critical parts.",
        &["uptime", "availability", "sla", "capacity", "scaling", "load"]),
    item(Gdpr, "GDPR-LAWFUL-BASIS", true, "Lawful basis",
        "Each use of personal data has a recorded lawful basis and is described in the privacy notice.",
        &["personal data", "privacy"]),
    item(Gdpr, "GDPR-MINIMISATION", true, "Data minimisation",
        "Only the personal data the feature needs is collected, shown and kept; optional fields stay optional.",
        &["form", "profile", "signup", "sign up", "field"]),
    item(Gdpr, "GDPR-CONSENT", false, "Consent",
        "Consent is opt-in, specific, recorded with its time and wording, and as easy to withdraw as to give.",
        &["consent", "marketing", "newsletter", "cookie", "tracking", "analytics", "opt-in", "opt in"]),
    item(Gdpr, "GDPR-ERASURE", false, "Right to erasure",
        "A person's data can be erased on request, including search indexes, caches and processors, legal holds respected.",
        &["delete", "deletion", "erase", "erasure", "account", "profile", "forgotten"]),
    item(Gdpr, "GDPR-PORTABILITY", false, "Access and portability",
        "A person can obtain a copy of their data in a common machine-readable format.",
        &["export", "download", "portability", "profile", "access request", "my data"]),
    item(Gdpr, "GDPR-RETENTION", false, "Retention",
        "Each kind of personal data has a retention period after which it is deleted or anonymised.",
        &["retention", "retain", "archive", "history", "log", "backup"]),
    item(Gdpr, "GDPR-BREACH", false, "Breach notification (72 hours)",
        "A personal data breach can be detected, assessed and reported to the authority within 72 hours, and to people at high risk.",
        &["breach", "incident", "leak", "security"]),
    item(Gdpr, "GDPR-DPA", false, "Processors under agreement",
        "Every processor receiving personal data (hosting, email, analytics, support) has a data processing agreement.",
        &["processor", "vendor", "third-party", "provider", "email", "analytics", "integration"]),
    item(Gdpr, "GDPR-TRANSFER", false, "Transfers outside the EEA",
        "Personal data leaving the EEA is covered by an adequacy decision or standard contractual clauses.",
        &["transfer", "region", "hosting", "cloud", "international", "cross-border"]),
    item(Pci, "PCI-NO-SAD", true, "No sensitive authentication data",
        "The card verification code, full track data and PIN are never stored after authorisation, not even in logs.",
        &["cvv", "cvc", "pin", "track data"]),
    item(Pci, "PCI-PAN", true, "Card numbers protected",
        "The full card number is not stored unless strongly encrypted, and is masked when shown (last four digits).",
        &["card number", "pan", "receipt"]),
    item(Pci, "PCI-TOKENISATION", false, "Tokenisation",
        "Card entry goes through the payment provider's hosted fields or tokenisation, so the system keeps tokens only.",
        &["token", "tokenise", "tokenize", "stripe", "gateway", "payment provider", "checkout", "card"]),
    item(Pci, "PCI-TLS", false, "Strong cryptography in transit",
        "Card data crosses networks only over strong TLS, and never in URLs, email or chat.",
        &["api", "transmit", "email", "https", "tls", "network", "url"]),
    item(Pci, "PCI-KEY-MGMT", false, "Key management",
        "Keys protecting card data are generated and stored in a KMS or HSM, rotated, and never held by one person alone.",
        &["key", "encrypt", "encryption", "kms", "hsm", "rotate"]),
    item(Pci, "PCI-ACCESS-LOG", false, "Access logging",
        "Every access to card data and every admin action is logged with user and time, kept a year and reviewed.",
        &["log", "logging", "audit", "admin", "access", "support"]),
    item(Pci, "PCI-SEGMENTATION", false, "Network segmentation",
        "Systems handling card data are segmented from the rest of the network to keep the card data environment small.",
        &["network", "server", "infrastructure", "environment", "segment", "vpc", "database"]),
    item(Pci, "PCI-SCRIPTS", false, "Payment page scripts",
        "Scripts on payment pages are inventoried and integrity-checked (CSP, SRI) to stop skimming.",
        &["checkout", "payment page", "script", "javascript", "iframe"]),
    item(Hipaa, "HIPAA-ACCESS", true, "PHI access control",
        "Only authenticated users whose role needs it reach PHI, with unique user ids and a defined emergency access procedure.",
        &["role", "access", "permission", "staff", "doctor", "nurse"]),
    item(Hipaa, "HIPAA-AUDIT", true, "Audit controls",
        "Every read and change of PHI is recorded in a tamper-evident log with user, time and record.",
        &["log", "logging", "audit", "history"]),
    item(Hipaa, "HIPAA-MIN-NECESSARY", true, "Minimum necessary",
        "Screens, exports and APIs disclose only the PHI needed for their purpose.",
        &["export", "report", "api", "search", "dashboard"]),
    item(Hipaa, "HIPAA-ENCRYPT-REST", false, "Encryption at rest",
        "PHI is encrypted at rest: databases, files, backups and devices.",
        &["store", "storage", "database", "backup", "file", "upload", "attachment", "device", "mobile"]),
    item(Hipaa, "HIPAA-ENCRYPT-TRANSIT", false, "Encryption in transit",
        "PHI travels only over TLS and never by plain email or SMS.",
        &["api", "email", "sms", "send", "transmit", "sync", "message", "notification"]),
    item(Hipaa, "HIPAA-BAA", false, "Business associate agreements",
        "Every vendor that stores or processes PHI (hosting, email, analytics, support) has signed a business associate agreement.",
        &["vendor", "third-party", "provider", "cloud", "hosting", "integration", "email", "sms", "analytics"]),
    item(Hipaa, "HIPAA-BREACH", false, "Breach notification",
        "A breach of unsecured PHI is assessed and notified to the people affected within 60 days, and to HHS.",
        &["breach", "incident", "leak", "security"]),
    item(Hipaa, "HIPAA-SESSION", false, "Automatic logoff",
        "Sessions lock or end after inactivity, above all on shared workstations.",
        &["session", "timeout", "logout", "log out", "workstation", "shared device", "kiosk"]),
];

/// The words that suggest each framework applies.
#[rustfmt::skip] // one framework a line
const TRIGGERS: &[(Framework, &[&str])] = &[
    (Owasp, &["web", "api", "http", "https", "endpoint", "input", "form", "login", "log in", "password", "auth", "authentication", "session", "upload", "sql", "url", "browser"]),
    (Soc2, &["audit", "compliance", "customer data", "enterprise", "soc2", "soc 2", "sla", "tenant"]),
    (Gdpr, &["personal data", "email", "e-mail", "eu", "gdpr", "consent", "user profile", "profile", "address", "phone number", "date of birth", "cookie", "tracking", "privacy"]),
    (Pci, &["card", "credit card", "debit card", "payment", "pay", "checkout", "billing", "cvv", "cardholder", "pan", "stripe"]),
    (Hipaa, &["patient", "health", "medical", "phi", "clinical", "diagnosis", "prescription", "hospital", "doctor", "ehr", "hipaa"]),
];

/// The frameworks the spec's words suggest, each with the words that
/// triggered it, in [`Framework::ALL`] order. When none is suggested, OWASP
/// with no trigger words: every feature with users has a web-style surface.
pub fn suggest_frameworks(spec_text: &str) -> Vec<(Framework, Vec<String>)> {
    let lower = spec_text.to_lowercase();
    let found: Vec<(Framework, Vec<String>)> = TRIGGERS
        .iter()
        .map(|(f, words)| {
            (
                *f,
                phrases_in(&lower, words.iter().copied())
                    .into_iter()
                    .map(String::from)
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, words)| !words.is_empty())
        .collect();
    if found.is_empty() {
        vec![(Owasp, Vec::new())]
    } else {
        found
    }
}

/// The checklist for `frameworks` (suggested from the spec when empty):
/// per framework, its baseline items and the items whose keywords the spec
/// mentions, in catalogue order.
pub fn checklist(frameworks: &[Framework], spec_text: &str) -> Vec<ChecklistEntry> {
    let lower = spec_text.to_lowercase();
    let asked: Vec<Framework> = if frameworks.is_empty() {
        suggest_frameworks(spec_text)
            .into_iter()
            .map(|(f, _)| f)
            .collect()
    } else {
        frameworks.to_vec()
    };
    let mut chosen = Vec::new();
    for f in asked {
        if !chosen.contains(&f) {
            chosen.push(f);
        }
    }
    let mut out = Vec::new();
    for framework in chosen {
        for item in CATALOGUE.iter().filter(|i| i.framework == framework) {
            let matched = phrases_in(&lower, item.keywords.iter().copied());
            let (baseline, mentions) = (
                format!("baseline for {}", framework.label()),
                quoted(&matched),
            );
            let reason = match (item.baseline, matched.is_empty()) {
                (false, true) => continue,
                (true, true) => baseline,
                (true, false) => format!("{baseline}; the spec mentions {mentions}"),
                (false, false) => format!("the spec mentions {mentions}"),
            };
            out.push(ChecklistEntry {
                framework,
                id: item.id,
                title: item.title,
                check: item.check,
                reason,
                matched: matched.into_iter().map(String::from).collect(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_and_password_bring_pci_and_owasp_items() {
        let spec = "Checkout takes a credit card; users login with a password.";
        let list = checklist(&[Pci, Owasp, Pci], spec);
        let ids: Vec<&str> = list.iter().map(|e| e.id).collect();
        assert_eq!(
            ids,
            [
                "PCI-NO-SAD",
                "PCI-PAN",
                "PCI-TOKENISATION",
                "PCI-SCRIPTS",
                "OWASP-A01",
                "OWASP-A02",
                "OWASP-A03",
                "OWASP-A04",
                "OWASP-A07"
            ]
        );
        let reason = |id: &str| list.iter().find(|e| e.id == id).map(|e| e.reason.as_str());
        assert_eq!(reason("PCI-NO-SAD"), Some("baseline for PCI DSS"));
        assert_eq!(
            reason("PCI-TOKENISATION"),
            Some("the spec mentions 'checkout', 'card'")
        );
        assert_eq!(
            reason("OWASP-A07"),
            Some("the spec mentions 'password', 'login'")
        );
        assert_eq!(reason("OWASP-A01"), Some("baseline for OWASP"));
        let json = serde_json::to_value(&list[0]).unwrap();
        assert_eq!(json["framework"], "pci");
    }

    #[test]
    fn frameworks_are_suggested_from_the_spec() {
        let got =
            suggest_frameworks("Patients upload scans; we e-mail a summary to the EU clinic.");
        let got: Vec<(Framework, Vec<String>)> = got;
        assert_eq!(
            got,
            [
                (Owasp, vec!["upload".to_string()]),
                (Gdpr, vec!["e-mail".to_string(), "eu".into()]),
                (Hipaa, vec!["patient".to_string()]),
            ]
        );
        assert_eq!(
            suggest_frameworks("Rename a column"),
            [(Owasp, Vec::<String>::new())]
        );
        // No framework named: the suggestion decides, here OWASP's baselines only.
        let ids: Vec<&str> = checklist(&[], "").iter().map(|e| e.id).collect();
        assert_eq!(ids, ["OWASP-A01", "OWASP-A03"]);
    }

    #[test]
    fn catalogue_and_parsing_hold_together() {
        for f in Framework::ALL {
            let items = CATALOGUE.iter().filter(|i| i.framework == *f).count();
            assert!((8..=12).contains(&items), "{f} has {items} items");
            assert_eq!(f.as_str().parse::<Framework>(), Ok(*f));
        }
        let mut ids: Vec<&str> = CATALOGUE.iter().map(|i| i.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CATALOGUE.len());
        assert_eq!("SOC 2".parse::<Framework>(), Ok(Soc2));
        assert_eq!("PCI-DSS".parse::<Framework>(), Ok(Pci));
        let err = "iso".parse::<Framework>().unwrap_err();
        assert_eq!(
            err.message,
            "invalid framework 'iso': expected one of owasp, soc2, gdpr, pci, hipaa"
        );
        assert!(
            checklist(&[Hipaa], "🚀 İİ ẞ \u{0}")
                .iter()
                .all(|e| e.reason.starts_with("baseline"))
        );
    }
}
