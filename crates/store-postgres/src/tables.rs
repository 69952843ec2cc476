//! Whole tables as portable rows (see `lazypm_store::tables`).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use lazypm_store::tables::{Kind, Row, Table, Tables};
use lazypm_store::{Result, StoreError};
use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{Postgres, QueryBuilder, Row as _};

use super::PgTx;

/// The tables whose first column is an identity, moved on after a copy.
const IDENTITIES: &[(&str, &str)] = &[
    ("projects", "id"),
    ("issues", "id"),
    ("tasks", "id"),
    ("work_logs", "id"),
    ("comments", "id"),
    ("sprints", "id"),
    ("events", "seq"),
];

#[async_trait]
impl Tables for PgTx {
    async fn read_rows(&mut self, table: &Table, offset: i64, limit: i64) -> Result<Vec<Row>> {
        // Each column cast to the one type its kind is read as.
        let columns: Vec<String> = table
            .columns
            .iter()
            .map(|(c, kind)| match kind {
                Kind::Int => format!("{c}::bigint AS {c}"),
                Kind::Real => format!("{c}::float8 AS {c}"),
                _ => (*c).to_string(),
            })
            .collect();
        let key: Vec<&str> = table.column_names().take(table.key_columns).collect();
        let sql = format!(
            "SELECT {} FROM {} ORDER BY {} LIMIT $1 OFFSET $2",
            columns.join(", "),
            table.name,
            key.join(", ")
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(limit)
            .bind(offset)
            .fetch_all(self.conn()?)
            .await?;
        rows.iter().map(|r| portable(table, r)).collect()
    }

    async fn write_rows(&mut self, table: &Table, rows: &[Row]) -> Result<()> {
        // The newest event may change: read it again before chaining to it.
        self.last_hash = None;
        let names: Vec<&str> = table.column_names().collect();
        // PostgreSQL allows 65535 bound values per statement.
        let per_statement = (60_000 / names.len()).max(1);
        for chunk in rows.chunks(per_statement) {
            let mut b = QueryBuilder::<Postgres>::new(format!(
                "INSERT INTO {} ({}) ",
                table.name,
                names.join(", ")
            ));
            let mut failure = None;
            b.push_values(chunk, |mut values, row| {
                for (name, kind) in table.columns {
                    let v = row.get(*name).unwrap_or(&Value::Null);
                    let wrong = || format!("{}.{name}: expected {kind:?}, got {v}", table.name);
                    let null = v.is_null();
                    match kind {
                        Kind::Int => {
                            let x = v.as_i64();
                            if x.is_none() && !null {
                                failure.get_or_insert_with(wrong);
                            }
                            values.push_bind(x);
                        }
                        Kind::Real => {
                            let x = v.as_f64();
                            if x.is_none() && !null {
                                failure.get_or_insert_with(wrong);
                            }
                            values.push_bind(x);
                        }
                        Kind::Bool => {
                            let x = v.as_bool();
                            if x.is_none() && !null {
                                failure.get_or_insert_with(wrong);
                            }
                            values.push_bind(x);
                        }
                        Kind::Text => {
                            let x = v.as_str().map(str::to_string);
                            if x.is_none() && !null {
                                failure.get_or_insert_with(wrong);
                            }
                            values.push_bind(x);
                        }
                        Kind::Time => {
                            let x = v.as_str().and_then(|t| {
                                DateTime::parse_from_rfc3339(t)
                                    .ok()
                                    .map(|t| t.with_timezone(&Utc))
                            });
                            if x.is_none() && !null {
                                failure.get_or_insert_with(wrong);
                            }
                            values.push_bind(x);
                        }
                        Kind::Date => {
                            let x = v
                                .as_str()
                                .and_then(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok());
                            if x.is_none() && !null {
                                failure.get_or_insert_with(wrong);
                            }
                            values.push_bind(x);
                        }
                        Kind::Json => {
                            values.push_bind((!null).then(|| Json(v.clone())));
                        }
                    }
                }
            });
            if let Some(why) = failure {
                return Err(StoreError::Corrupt(why));
            }
            b.build().execute(self.conn()?).await?;
        }
        Ok(())
    }

    async fn clear(&mut self, table: &Table) -> Result<u64> {
        self.last_hash = None;
        let done = sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {}", table.name)))
            .execute(self.conn()?)
            .await?;
        Ok(done.rows_affected())
    }

    async fn count_rows(&mut self, table: &Table) -> Result<i64> {
        Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM {}",
            table.name
        )))
        .fetch_one(self.conn()?)
        .await?)
    }

    async fn after_copy(&mut self) -> Result<()> {
        for (table, column) in IDENTITIES {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
                 coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)"
            )))
            .execute(self.conn()?)
            .await?;
        }
        Ok(())
    }
}

/// A stored row in the portable form.
fn portable(table: &Table, r: &PgRow) -> Result<Row> {
    let mut row = Row::new();
    for (name, kind) in table.columns {
        let value = match kind {
            Kind::Int => r.try_get::<Option<i64>, _>(*name)?.map(Value::from),
            Kind::Real => r.try_get::<Option<f64>, _>(*name)?.map(Value::from),
            Kind::Bool => r.try_get::<Option<bool>, _>(*name)?.map(Value::Bool),
            Kind::Text => r.try_get::<Option<String>, _>(*name)?.map(Value::String),
            Kind::Time => r
                .try_get::<Option<DateTime<Utc>>, _>(*name)?
                .map(|t| Value::String(t.to_rfc3339_opts(SecondsFormat::Micros, true))),
            Kind::Date => r
                .try_get::<Option<NaiveDate>, _>(*name)?
                .map(|d| Value::String(d.to_string())),
            Kind::Json => r.try_get::<Option<Json<Value>>, _>(*name)?.map(|j| j.0),
        };
        row.insert((*name).to_string(), value.unwrap_or(Value::Null));
    }
    Ok(row)
}
