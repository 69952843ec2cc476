//! Reading the JSON aggregate columns of an issue's detail row (their
//! shapes and assembly are `lazypm_store::detail`'s).

use crate::db::Row as SqliteRow;

use lazypm_store::Result;

pub(super) fn json_col<T: serde::de::DeserializeOwned>(
    row: &SqliteRow,
    col: &str,
) -> Result<Vec<T>> {
    let text: Option<String> = row.try_get(col)?;
    match text {
        Some(t) => Ok(serde_json::from_str(&t)?),
        None => Ok(Vec::new()),
    }
}
