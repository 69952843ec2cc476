//! Ranked full-text search with FTS5 and bm25. User text never reaches
//! FTS5's query syntax: every word is quoted.

use lazypm_domain::Issue;
use sqlx::sqlite::SqliteConnection;
use sqlx::{QueryBuilder, Row, Sqlite};

use super::rows::{self, issue_select};
use crate::{Result, SearchHit, SearchQuery};

/// Column weights for bm25: title, body (description, acceptance criteria,
/// technical approach), comments.
const BM25: &str = "bm25(issue_fts, 10.0, 4.0, 1.0)";

/// Turns free text into an FTS5 expression of quoted terms joined by `joiner`
/// (`" "` for AND, `" OR "`), or `None` when it holds no searchable word.
pub(crate) fn fts_expression(text: &str, joiner: &str) -> Option<String> {
    let terms: Vec<String> = text
        .split(|c: char| c.is_whitespace() || (c.is_ascii_punctuation() && c != '_'))
        .filter(|t| t.chars().any(char::is_alphanumeric))
        .take(32)
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect();
    if terms.is_empty() {
        None
    } else {
        Some(terms.join(joiner))
    }
}

pub(crate) async fn search(conn: &mut SqliteConnection, q: &SearchQuery) -> Result<Vec<SearchHit>> {
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

/// Ranks first (ids and scores only, best `limit`), then computes snippets
/// and loads rows for that page alone: snippets and row decoding cost the
/// same whether 20 or 20,000 documents match.
async fn run(conn: &mut SqliteConnection, q: &SearchQuery, expr: &str) -> Result<Vec<SearchHit>> {
    let mut b = QueryBuilder::<Sqlite>::new(format!(
        "SELECT f.rowid AS id, -{BM25} AS score FROM issue_fts f CROSS JOIN issues i ON i.id = f.rowid \
         WHERE issue_fts MATCH "
    ));
    b.push_bind(expr.to_string());
    b.push(" AND i.project_id = ").push_bind(q.project_id);
    if !q.include_archived {
        b.push(" AND i.archived = 0");
    }
    if !q.statuses.is_empty() {
        b.push(" AND i.status IN (");
        let mut sep = b.separated(", ");
        for s in &q.statuses {
            sep.push_bind(s.as_str());
        }
        b.push(")");
    }
    b.push(format!(" ORDER BY {BM25}, f.rowid LIMIT "))
        .push_bind(q.limit);
    let ranked: Vec<(i64, f64)> = b
        .build()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("score")?)))
        .collect::<Result<_>>()?;
    if ranked.is_empty() {
        return Ok(Vec::new());
    }
    let ids = ranked
        .iter()
        .map(|(id, _)| id.to_string())
        .collect::<Vec<_>>()
        .join(",");
    // ids are integers read back from the database, so inlining them is safe.
    let mut b = QueryBuilder::<Sqlite>::new(
        "SELECT d.*, m.snippet FROM (SELECT rowid, snippet(issue_fts, -1, '«', '»', '…', 12) AS snippet \
         FROM issue_fts WHERE issue_fts MATCH ",
    );
    b.push_bind(expr.to_string());
    b.push(format!(
        " AND rowid IN ({ids})) m JOIN ({} WHERE i.id IN ({ids})) d ON d.id = m.rowid",
        issue_select!()
    ));
    let rows = b.build().fetch_all(&mut *conn).await?;
    let mut by_id = std::collections::HashMap::with_capacity(rows.len());
    for r in &rows {
        let issue: Issue = rows::issue(r)?;
        by_id.insert(issue.id, (issue, r.try_get::<String, _>("snippet")?));
    }
    Ok(ranked
        .into_iter()
        .filter_map(|(id, score)| {
            by_id.remove(&id).map(|(issue, snippet)| SearchHit {
                issue,
                score: significant(score, 4),
                snippet,
            })
        })
        .collect())
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
