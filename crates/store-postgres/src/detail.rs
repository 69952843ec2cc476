//! Reading the JSON aggregate columns of an issue's detail row (their
//! shapes and assembly are `lazypm_store::detail`'s).

use sqlx::Row;
use sqlx::postgres::PgRow;
use sqlx::types::Json;

use lazypm_store::Result;

pub(super) fn json_col<T: serde::de::DeserializeOwned>(row: &PgRow, col: &str) -> Result<Vec<T>> {
    let value: Option<Json<serde_json::Value>> = row.try_get(col)?;
    match value {
        Some(v) => Ok(serde_json::from_value(v.0)?),
        None => Ok(Vec::new()),
    }
}
