//! Ranked full-text search over the `search` tsvector (title A, body B,
//! comments C), ranked by `ts_rank_cd`, snippets by `ts_headline`. User text
//! never reaches the query syntax as operators: every word is quoted before
//! `websearch_to_tsquery` reads it.

use std::collections::HashMap;

use lazypm_domain::Issue;
use sqlx::postgres::PgConnection;
use sqlx::{Postgres, QueryBuilder, Row};

use super::rows::{self, issue_select_lean};
use lazypm_store::{Result, SearchHit, SearchQuery};

/// The text search configuration of migration 0001: English stemming, no
/// stop words.
pub(crate) const CONFIG: &str = "lazypm_english";

/// The text `ts_headline` picks a snippet from: the same words the
/// tsvector holds, title first.
const DOCUMENT: &str = "i.title || E'\\n' || issue_search_body(i.specification) || E'\\n' \
     || issue_search_comments(i.id)";

/// `ts_headline` options: matched terms between « and », about a dozen
/// words around the best match.
const HEADLINE: &str = "StartSel=«, StopSel=», MaxWords=12, MinWords=4, ShortWord=0, \
     MaxFragments=1, FragmentDelimiter=\" … \"";

/// Turns free text into a `websearch_to_tsquery` input of quoted terms joined
/// by `joiner` (`" "` for AND, `" or "`), or `None` when it holds no
/// searchable word. The same words as the SQLite backend's FTS5 expression.
pub(crate) fn web_query(text: &str, joiner: &str) -> Option<String> {
    let terms: Vec<String> = lazypm_store::search_words(text)
        .into_iter()
        .map(|t| format!("\"{t}\""))
        .collect();
    if terms.is_empty() {
        None
    } else {
        Some(terms.join(joiner))
    }
}

pub(crate) async fn search(conn: &mut PgConnection, q: &SearchQuery) -> Result<Vec<SearchHit>> {
    if q.any_word {
        return match web_query(&q.text, " or ") {
            Some(any_term) => run(conn, q, &any_term).await,
            None => Ok(Vec::new()),
        };
    }
    let Some(all_terms) = web_query(&q.text, " ") else {
        return Ok(Vec::new());
    };
    let hits = run(conn, q, &all_terms).await?;
    if !hits.is_empty() {
        return Ok(hits);
    }
    // Nothing has every word: fall back to any word, still ranked.
    match web_query(&q.text, " or ") {
        Some(any_term) if any_term != all_terms => run(conn, q, &any_term).await,
        _ => Ok(hits),
    }
}

/// One ranked page of matching issues with the query's filters applied, then
/// the snippets of that page.
async fn run(conn: &mut PgConnection, q: &SearchQuery, query: &str) -> Result<Vec<SearchHit>> {
    if q.limit <= 0 {
        return Ok(Vec::new());
    }
    let rows = ranked(conn, q, query).await?;
    let ids: Vec<i64> = rows.iter().map(|(issue, _)| issue.id).collect();
    let mut snippets = snippets(conn, query, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|(issue, score)| SearchHit {
            snippet: snippets.remove(&issue.id).unwrap_or_default(),
            score: significant(score, 4),
            issue,
        })
        .collect())
}

/// The best `q.limit` matches passing the filters, best first, as lean rows.
async fn ranked(
    conn: &mut PgConnection,
    q: &SearchQuery,
    query: &str,
) -> Result<Vec<(Issue, f64)>> {
    let select = issue_select_lean!();
    let (columns, from) = select.split_once(" FROM ").unwrap_or((select, ""));
    let mut b = QueryBuilder::<Postgres>::new(format!(
        "{columns}, ts_rank_cd(i.search, q)::float8 AS score FROM {from} \
         CROSS JOIN websearch_to_tsquery('{CONFIG}', "
    ));
    b.push_bind(query.to_string());
    b.push(") q WHERE i.search @@ q AND i.project_id = ");
    b.push_bind(q.project_id);
    if !q.include_archived {
        b.push(" AND NOT i.archived");
    }
    if !q.statuses.is_empty() {
        b.push(" AND i.status IN (");
        let mut sep = b.separated(", ");
        for s in &q.statuses {
            sep.push_bind(s.as_str());
        }
        b.push(")");
    }
    b.push(" ORDER BY score DESC, i.id LIMIT ");
    b.push_bind(q.limit);
    let rows = b.build().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| Ok((rows::issue(r)?, r.try_get::<f64, _>("score")?)))
        .collect()
}

/// Snippets of the page's issues, by id.
async fn snippets(
    conn: &mut PgConnection,
    query: &str,
    ids: &[i64],
) -> Result<HashMap<i64, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT d.id, ts_headline('{CONFIG}', d.doc, q, '{HEADLINE}') AS snippet, d.doc \
         FROM (SELECT i.id, {DOCUMENT} AS doc FROM issues i WHERE i.id = ANY($2)) d \
         CROSS JOIN websearch_to_tsquery('{CONFIG}', $1) q"
    )))
    .bind(query)
    .bind(ids)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let snippet: String = r.try_get("snippet")?;
            let doc: String = r.try_get("doc")?;
            Ok((r.try_get("id")?, ellipsize(snippet, &doc)))
        })
        .collect()
}

/// Marks where a snippet cuts its document with `…`, as SQLite's snippets do.
fn ellipsize(snippet: String, doc: &str) -> String {
    let plain: String = snippet
        .chars()
        .filter(|c| !matches!(c, '«' | '»'))
        .collect();
    let (plain, doc) = (plain.trim(), doc.trim());
    if plain.is_empty() {
        return snippet;
    }
    let mut out = String::with_capacity(snippet.len() + 6);
    if !doc.starts_with(plain) {
        out.push('…');
    }
    out.push_str(snippet.trim());
    if !doc.ends_with(plain) {
        out.push('…');
    }
    out
}

/// Rounds to `digits` significant digits, as the SQLite backend does.
fn significant(x: f64, digits: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(digits - 1 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_cuts() {
        let doc = "Login page\nthe login link is broken\n\n";
        assert_eq!(ellipsize("«Login» page".into(), doc), "«Login» page…");
        assert_eq!(
            ellipsize("the «login» link".into(), doc),
            "…the «login» link…"
        );
        assert_eq!(
            ellipsize("«Login» page\nthe «login» link is broken".into(), doc),
            "«Login» page\nthe «login» link is broken"
        );
    }

    #[test]
    fn quotes_every_term() {
        assert_eq!(
            web_query("c++ foo-bar", " ").as_deref(),
            Some("\"c\" \"foo\" \"bar\"")
        );
        assert_eq!(
            web_query("say \"hi\" NEAR(x) or", " ").as_deref(),
            Some("\"say\" \"hi\" \"NEAR\" \"x\" \"or\"")
        );
        assert_eq!(web_query("a b", " or ").as_deref(), Some("\"a\" or \"b\""));
        assert_eq!(web_query("*** --- ()", " "), None);
        assert_eq!(web_query("", " "), None);
    }
}
