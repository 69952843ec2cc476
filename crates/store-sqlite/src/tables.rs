//! Whole tables as portable rows (see `lazypm_store::tables`).

use crate::db::QueryBuilder;
use crate::db::Row as SqliteRow;
use async_trait::async_trait;
use lazypm_store::tables::{Kind, Row, Table, Tables};
use lazypm_store::{Result, StoreError};
use serde_json::Value;

use super::{SqliteTx, parse_date, parse_ts, ts};

#[async_trait]
impl Tables for SqliteTx {
    async fn read_rows(&mut self, table: &Table, offset: i64, limit: i64) -> Result<Vec<Row>> {
        let columns: Vec<&str> = table.column_names().collect();
        let key: Vec<&str> = columns[..table.key_columns].to_vec();
        let sql = format!(
            "SELECT {} FROM {} ORDER BY {} LIMIT ? OFFSET ?",
            columns.join(", "),
            table.name,
            key.join(", ")
        );
        let rows = crate::db::query(sql)
            .bind(limit)
            .bind(offset)
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(|r| portable(table, r)).collect()
    }

    async fn write_rows(&mut self, table: &Table, rows: &[Row]) -> Result<()> {
        let columns: Vec<&str> = table.column_names().collect();
        // SQLite allows 32766 bound values per statement.
        let per_statement = (30_000 / columns.len()).max(1);
        for chunk in rows.chunks(per_statement) {
            let mut b = QueryBuilder::new(format!(
                "INSERT INTO {} ({}) ",
                table.name,
                columns.join(", ")
            ));
            let mut failure = None;
            b.push_values(chunk, |mut values, row| {
                for (name, kind) in table.columns {
                    let value = row.get(*name).unwrap_or(&Value::Null);
                    match stored(*kind, value) {
                        Ok(Stored::Null) => values.push_bind(None::<String>),
                        Ok(Stored::Int(i)) => values.push_bind(i),
                        Ok(Stored::Real(f)) => values.push_bind(f),
                        Ok(Stored::Text(t)) => values.push_bind(t),
                        Err(e) => {
                            failure.get_or_insert(format!("{}.{name}: {e}", table.name));
                            values.push_bind(None::<String>)
                        }
                    };
                }
            });
            if let Some(why) = failure {
                return Err(StoreError::Corrupt(why));
            }
            b.build().execute(self.conn()).await?;
        }
        Ok(())
    }

    async fn clear(&mut self, table: &Table) -> Result<u64> {
        let done = crate::db::query(format!("DELETE FROM {}", table.name))
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected())
    }

    async fn count_rows(&mut self, table: &Table) -> Result<i64> {
        Ok(
            crate::db::query_scalar(format!("SELECT count(*) FROM {}", table.name))
                .fetch_one(self.conn())
                .await?,
        )
    }

    async fn after_copy(&mut self) -> Result<()> {
        Ok(())
    }
}

/// A stored row in the portable form.
fn portable(table: &Table, r: &SqliteRow) -> Result<Row> {
    let mut row = Row::new();
    for (i, (name, kind)) in table.columns.iter().enumerate() {
        let value = match kind {
            Kind::Int => r.try_get::<Option<i64>, _>(i)?.map(Value::from),
            Kind::Real => r.try_get::<Option<f64>, _>(i)?.map(Value::from),
            Kind::Bool => r.try_get::<Option<i64>, _>(i)?.map(|b| Value::Bool(b != 0)),
            Kind::Text => r.try_get::<Option<String>, _>(i)?.map(Value::String),
            Kind::Time => match r.try_get::<Option<String>, _>(i)? {
                Some(t) => Some(Value::String(ts(parse_ts(&t)?))),
                None => None,
            },
            Kind::Date => match r.try_get::<Option<String>, _>(i)? {
                Some(t) => Some(Value::String(parse_date(&t)?.to_string())),
                None => None,
            },
            Kind::Json => match r.try_get::<Option<String>, _>(i)? {
                Some(t) => Some(serde_json::from_str(&t)?),
                None => None,
            },
        };
        row.insert((*name).to_string(), value.unwrap_or(Value::Null));
    }
    Ok(row)
}

enum Stored {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

/// A portable value as SQLite stores it, checked against its kind.
fn stored(kind: Kind, v: &Value) -> std::result::Result<Stored, String> {
    if v.is_null() && kind != Kind::Json {
        return Ok(Stored::Null);
    }
    let wrong = || format!("expected {kind:?}, got {v}");
    Ok(match kind {
        Kind::Int => Stored::Int(v.as_i64().ok_or_else(wrong)?),
        Kind::Real => Stored::Real(v.as_f64().ok_or_else(wrong)?),
        Kind::Bool => Stored::Int(i64::from(v.as_bool().ok_or_else(wrong)?)),
        Kind::Text => Stored::Text(v.as_str().ok_or_else(wrong)?.to_string()),
        Kind::Time => {
            let t = v.as_str().ok_or_else(wrong)?;
            Stored::Text(ts(parse_ts(t).map_err(|e| e.to_string())?))
        }
        Kind::Date => {
            let t = v.as_str().ok_or_else(wrong)?;
            Stored::Text(parse_date(t).map_err(|e| e.to_string())?.to_string())
        }
        Kind::Json if v.is_null() => Stored::Null,
        Kind::Json => Stored::Text(v.to_string()),
    })
}
