//! Ranked full-text search with FTS5 and bm25. User text never reaches
//! FTS5's query syntax: every word is quoted.

use crate::db::QueryBuilder;
use lazypm_domain::Issue;
use rusqlite::Connection as SqliteConnection;

use std::collections::HashMap;

use super::rows::{self, issue_select_lean};
use lazypm_store::{Result, SearchHit, SearchQuery};

/// Column weights for bm25: title, body (description, acceptance criteria,
/// technical approach), comments.
const BM25: &str = "bm25(issue_fts, 10.0, 4.0, 1.0)";

/// Turns free text into an FTS5 expression of quoted terms joined by `joiner`
/// (`" "` for AND, `" OR "`), or `None` when it holds no searchable word.
pub(crate) fn fts_expression(text: &str, joiner: &str) -> Option<String> {
    let terms: Vec<String> = lazypm_store::search_words(text)
        .into_iter()
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect();
    if terms.is_empty() {
        None
    } else {
        Some(terms.join(joiner))
    }
}

pub(crate) async fn search(conn: &mut SqliteConnection, q: &SearchQuery) -> Result<Vec<SearchHit>> {
    if q.any_word {
        return match fts_expression(&q.text, " OR ") {
            Some(any_term) => run(conn, q, &any_term).await,
            None => Ok(Vec::new()),
        };
    }
    let Some(all_terms) = fts_expression(&q.text, " ") else {
        return Ok(Vec::new());
    };
    let hits = run(conn, q, &all_terms).await?;
    if !hits.is_empty() {
        return Ok(hits);
    }
    // Nothing has every word: fall back to any word, still ranked.
    match fts_expression(&q.text, " OR ") {
        Some(any_term) if any_term != all_terms => run(conn, q, &any_term).await,
        _ => Ok(hits),
    }
}

/// Ranks inside FTS5 alone (no join: joining every match to `issues` costs
/// 3x for common words), over-fetching so filters can drop some; then applies
/// the project/status filters to that short list with lean rows, and computes
/// snippets for the final page only. Fetches wider when filters drop too much.
async fn run(conn: &mut SqliteConnection, q: &SearchQuery, expr: &str) -> Result<Vec<SearchHit>> {
    let mut fetch = (q.limit * 3).max(60);
    loop {
        let ranked: Vec<(i64, f64)> = crate::db::query(format!(
            "SELECT rowid AS id, -{BM25} AS score FROM issue_fts WHERE issue_fts MATCH ? \
             ORDER BY {BM25}, rowid LIMIT ?"
        ))
        .bind(expr)
        .bind(fetch)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("score")?)))
        .collect::<Result<_>>()?;
        let exhausted = (ranked.len() as i64) < fetch;
        let mut kept = filtered(conn, q, &ranked).await?;
        let page: Vec<(Issue, f64)> = ranked
            .into_iter()
            .filter_map(|(id, score)| kept.remove(&id).map(|i| (i, score)))
            .take(q.limit.max(0) as usize)
            .collect();
        if page.len() as i64 >= q.limit || exhausted {
            let mut snippets = snippets(conn, expr, &page).await?;
            return Ok(page
                .into_iter()
                .map(|(issue, score)| SearchHit {
                    snippet: snippets.remove(&issue.id).unwrap_or_default(),
                    score: significant(score, 4),
                    issue,
                })
                .collect());
        }
        fetch = fetch.saturating_mul(8);
    }
}

/// The ranked issues that pass the query's filters, as lean rows by id.
async fn filtered(
    conn: &mut SqliteConnection,
    q: &SearchQuery,
    ranked: &[(i64, f64)],
) -> Result<HashMap<i64, Issue>> {
    if ranked.is_empty() {
        return Ok(HashMap::new());
    }
    // The unary `+` keeps SQLite from answering through the (project, archived,
    // ...) indexes, which scans the whole project; the ranked ids are the way in.
    let mut b = QueryBuilder::new(concat!(issue_select_lean!(), " WHERE +i.project_id = "));
    b.push_bind(q.project_id);
    if !q.include_archived {
        b.push(" AND +i.archived = 0");
    }
    if !q.statuses.is_empty() {
        b.push(" AND +i.status IN (");
        let mut sep = b.separated(", ");
        for s in &q.statuses {
            sep.push_bind(s.as_str());
        }
        b.push(")");
    }
    b.push(" AND i.id IN (");
    let mut sep = b.separated(", ");
    for (id, _) in ranked {
        sep.push_bind(*id);
    }
    b.push(")");
    let rows = b.build().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| rows::issue(r).map(|i| (i.id, i)))
        .collect()
}

/// Snippets of the page's issues, by id.
async fn snippets(
    conn: &mut SqliteConnection,
    expr: &str,
    page: &[(Issue, f64)],
) -> Result<HashMap<i64, String>> {
    if page.is_empty() {
        return Ok(HashMap::new());
    }
    let mut b = QueryBuilder::new(
        "SELECT rowid AS id, snippet(issue_fts, -1, '«', '»', '…', 12) AS snippet FROM issue_fts WHERE issue_fts MATCH ",
    );
    b.push_bind(expr.to_string());
    b.push(" AND rowid IN (");
    let mut sep = b.separated(", ");
    for (issue, _) in page {
        sep.push_bind(issue.id);
    }
    b.push(")");
    let rows = b.build().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("snippet")?)))
        .collect()
}

/// Rounds to `digits` significant digits: bm25 scores of common words are
/// tiny, and fixed decimals would flatten them all to zero.
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
    fn keeps_small_scores_distinct() {
        assert_eq!(significant(0.000_012_345_6, 4), 0.000_012_35);
        assert_eq!(significant(12.3456, 4), 12.35);
        assert!(significant(0.000_001_1, 4) > significant(0.000_001_0, 4));
    }

    #[test]
    fn quotes_every_term() {
        assert_eq!(
            fts_expression("c++ foo-bar", " ").as_deref(),
            Some("\"c\" \"foo\" \"bar\"")
        );
        assert_eq!(
            fts_expression("say \"hi\" NEAR(x)", " ").as_deref(),
            Some("\"say\" \"hi\" \"NEAR\" \"x\"")
        );
        assert_eq!(
            fts_expression("a b", " OR ").as_deref(),
            Some("\"a\" OR \"b\"")
        );
        assert_eq!(fts_expression("*** --- ()", " "), None);
        assert_eq!(fts_expression("", " "), None);
    }
}
