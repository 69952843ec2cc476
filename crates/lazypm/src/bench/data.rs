//! Deterministic made-up content for seeding bench stores.

/// Domain words for titles, so searches look like real ones.
pub(super) const WORDS: &[&str] = &[
    "login",
    "session",
    "token",
    "cache",
    "schema",
    "migration",
    "index",
    "query",
    "parser",
    "render",
    "layout",
    "button",
    "dialog",
    "upload",
    "download",
    "export",
    "import",
    "backup",
    "restore",
    "search",
    "filter",
    "sort",
    "pagination",
    "webhook",
    "retry",
    "timeout",
    "queue",
    "worker",
    "scheduler",
    "cron",
    "email",
    "notification",
    "billing",
    "invoice",
    "payment",
    "refund",
    "account",
    "profile",
    "avatar",
    "password",
    "oauth",
    "permission",
    "role",
    "audit",
    "metrics",
    "tracing",
    "logging",
    "alert",
    "dashboard",
    "chart",
    "report",
    "graph",
    "latency",
    "memory",
    "leak",
    "crash",
    "deadlock",
    "race",
    "flaky",
    "test",
    "fixture",
    "benchmark",
    "build",
    "release",
    "deploy",
    "rollback",
    "config",
    "feature",
    "flag",
    "toggle",
    "api",
    "endpoint",
    "client",
    "server",
    "proxy",
    "gateway",
    "socket",
    "stream",
    "batch",
    "bulk",
    "sync",
    "conflict",
    "merge",
    "branch",
    "commit",
    "review",
    "comment",
    "thread",
    "mention",
    "tag",
];

/// A small deterministic generator (xorshift64*), so runs are comparable.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub(super) fn word(&mut self) -> &'static str {
        WORDS[self.below(WORDS.len())]
    }
    /// A made-up word from a vocabulary of 4096, for description text.
    pub(super) fn filler(&mut self) -> String {
        const SYL: &[&str] = &[
            "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "be", "da", "fi", "go", "hu", "ja",
            "ke", "po",
        ];
        let n = self.below(4096);
        (0..3).map(|i| SYL[(n >> (i * 4)) & 15]).collect()
    }
}
