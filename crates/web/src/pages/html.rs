//! The three kinds of text a page may emit unescaped: markdown after ammonia
//! has cleaned it, the output of our own (auto-escaping) templates, and the
//! SVG of our charts module (which escapes every text it draws). Nothing
//! else is ever marked safe.

use std::fmt;
use std::sync::LazyLock;

use askama::Template;
use askama::filters::HtmlSafe;
use pulldown_cmark::{Options, Parser};

/// HTML that ammonia produced or an askama template rendered.
#[derive(Debug, Clone, Default)]
pub struct Safe(String);

impl fmt::Display for Safe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl HtmlSafe for Safe {}

impl Safe {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A chart drawn by `crate::charts`, whose every text is escaped there.
pub fn chart(svg: String) -> Safe {
    Safe(svg)
}

/// Renders one of our templates (every value in it is escaped by askama).
pub fn render(t: &impl Template) -> Result<Safe, askama::Error> {
    t.render().map(Safe)
}

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .add_tags(["input"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            // Task-list boxes only, and never clickable.
            ("input", "type") => (value == "checkbox").then(|| value.into()),
            ("input", "disabled") => Some(value.into()),
            // Images only from this server: a page never makes a request elsewhere.
            ("img", "src") => {
                (value.starts_with('/') && !value.starts_with("//")).then(|| value.into())
            }
            _ => Some(value.into()),
        });
    b
});

/// Markdown → HTML → ammonia.
pub fn markdown(src: &str) -> Safe {
    if src.trim().is_empty() {
        return Safe::default();
    }
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let mut html = String::with_capacity(src.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(src, options));
    Safe(CLEANER.clean(&html).to_string())
}

/// A short markdown text (a criterion, a summary) without its paragraph.
pub fn markdown_inline(src: &str) -> Safe {
    let full = markdown(src).0;
    let trimmed = full.trim();
    let inner = trimmed
        .strip_prefix("<p>")
        .and_then(|s| s.strip_suffix("</p>"))
        .filter(|s| !s.contains("<p>"))
        .unwrap_or(trimmed);
    Safe(inner.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_cleaned_of_script_and_foreign_requests() {
        let out = markdown(
            "# Hi\n<script>alert(1)</script>\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>\n\
             ![a](https://evil.example/p.png) <iframe src=//evil></iframe> <svg onload=alert(1)></svg>\n\
             - [x] done",
        );
        let html = out.as_str();
        assert!(html.contains("<h1>Hi</h1>"), "{html}");
        for bad in [
            "<script",
            "javascript:",
            "onerror",
            "evil.example",
            "<iframe",
            "onload",
            "<svg",
        ] {
            assert!(!html.contains(bad), "{bad} survived: {html}");
        }
        assert!(html.contains("type=\"checkbox\""), "{html}");
        assert_eq!(
            markdown_inline("**bold** text").as_str(),
            "<strong>bold</strong> text"
        );
    }
}
