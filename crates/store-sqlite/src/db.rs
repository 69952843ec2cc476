//! Statements on a rusqlite connection, called in place.
//!
//! SQLite runs in this process, so a statement is a function call: no
//! worker thread, no channel hop per statement, and a prepared-statement
//! cache per connection. The builders keep the shape the store's code is
//! written in (`query(sql).bind(v).fetch_all(conn)`): each binds owned
//! values, runs when fetched, and returns owned rows. The fetches are
//! `async` only so call sites read the same as on PostgreSQL; they never
//! wait on anything but SQLite itself.

use std::borrow::Cow;
use std::marker::PhantomData;
use std::sync::Arc;

use rusqlite::types::{FromSql, ToSql, ToSqlOutput, Value, ValueRef};
use rusqlite::{Connection, ErrorCode};

use lazypm_store::{Result, StoreError};

/// What a write statement changed.
pub(crate) struct Done {
    rows: u64,
}

impl Done {
    pub(crate) fn rows_affected(&self) -> u64 {
        self.rows
    }
}

/// A statement with its bound values.
pub(crate) struct Query {
    sql: Cow<'static, str>,
    args: Vec<Value>,
    /// A value that could not be bound, reported when the statement runs.
    bad: Option<String>,
}

/// `sql` with `?` placeholders, to be bound in order.
pub(crate) fn query(sql: impl Into<Cow<'static, str>>) -> Query {
    Query {
        sql: sql.into(),
        args: Vec::new(),
        bad: None,
    }
}

/// A statement whose rows are read as their first column, decoded as `T`.
pub(crate) fn query_scalar<T: FromSql>(sql: impl Into<Cow<'static, str>>) -> Scalar<T> {
    Scalar {
        query: query(sql),
        _t: PhantomData,
    }
}

fn owned(value: &dyn ToSql) -> std::result::Result<Value, String> {
    match value.to_sql().map_err(|e| e.to_string())? {
        ToSqlOutput::Owned(v) => Ok(v),
        ToSqlOutput::Borrowed(v) => Value::try_from(v).map_err(|e| e.to_string()),
        other => Err(format!("unsupported bound value {other:?}")),
    }
}

impl Query {
    pub(crate) fn bind<T: ToSql>(mut self, value: T) -> Self {
        self.push(&value);
        self
    }

    fn push(&mut self, value: &dyn ToSql) {
        match owned(value) {
            Ok(v) => self.args.push(v),
            Err(e) => {
                self.bad.get_or_insert(e);
                self.args.push(Value::Null);
            }
        }
    }

    fn check(&self) -> Result<()> {
        match &self.bad {
            Some(e) => Err(StoreError::Database(format!("cannot bind a value: {e}"))),
            None => Ok(()),
        }
    }

    pub(crate) async fn fetch_all(self, conn: &mut Connection) -> Result<Vec<Row>> {
        self.rows(conn, usize::MAX)
    }

    pub(crate) async fn fetch_optional(self, conn: &mut Connection) -> Result<Option<Row>> {
        Ok(self.rows(conn, 1)?.pop())
    }

    pub(crate) async fn fetch_one(self, conn: &mut Connection) -> Result<Row> {
        self.rows(conn, 1)?
            .pop()
            .ok_or_else(|| StoreError::Database("the statement returned no row".into()))
    }

    pub(crate) async fn execute(self, conn: &mut Connection) -> Result<Done> {
        self.check()?;
        let mut stmt = conn.prepare_cached(&self.sql).map_err(error)?;
        let rows = stmt
            .execute(rusqlite::params_from_iter(self.args.iter()))
            .map_err(error)?;
        Ok(Done { rows: rows as u64 })
    }

    fn rows(&self, conn: &Connection, at_most: usize) -> Result<Vec<Row>> {
        self.check()?;
        let mut stmt = conn.prepare_cached(&self.sql).map_err(error)?;
        let columns: Arc<[String]> = stmt.column_names().into_iter().map(String::from).collect();
        let width = columns.len();
        let mut rows = stmt
            .query(rusqlite::params_from_iter(self.args.iter()))
            .map_err(error)?;
        let mut out = Vec::new();
        while out.len() < at_most {
            let Some(row) = rows.next().map_err(error)? else {
                break;
            };
            let mut values = Vec::with_capacity(width);
            for i in 0..width {
                values.push(row.get::<_, Value>(i).map_err(error)?);
            }
            out.push(Row {
                columns: columns.clone(),
                values,
            });
        }
        Ok(out)
    }
}

/// A statement read as single values.
pub(crate) struct Scalar<T> {
    query: Query,
    _t: PhantomData<T>,
}

impl<T: FromSql> Scalar<T> {
    pub(crate) fn bind<V: ToSql>(mut self, value: V) -> Self {
        self.query = self.query.bind(value);
        self
    }

    pub(crate) async fn fetch_one(self, conn: &mut Connection) -> Result<T> {
        self.query.fetch_one(conn).await?.try_get(0)
    }

    pub(crate) async fn fetch_optional(self, conn: &mut Connection) -> Result<Option<T>> {
        match self.query.fetch_optional(conn).await? {
            Some(row) => Ok(Some(row.try_get(0)?)),
            None => Ok(None),
        }
    }

    pub(crate) async fn fetch_all(self, conn: &mut Connection) -> Result<Vec<T>> {
        self.query
            .fetch_all(conn)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect()
    }
}

/// One result row, owned.
pub(crate) struct Row {
    columns: Arc<[String]>,
    values: Vec<Value>,
}

/// A column by name or by position.
pub(crate) trait ColumnIndex {
    fn position(&self, columns: &[String]) -> Option<usize>;
    fn describe(&self) -> String;
}

impl ColumnIndex for &str {
    fn position(&self, columns: &[String]) -> Option<usize> {
        columns.iter().position(|c| c == self)
    }
    fn describe(&self) -> String {
        format!("column '{self}'")
    }
}

impl ColumnIndex for usize {
    fn position(&self, columns: &[String]) -> Option<usize> {
        (*self < columns.len()).then_some(*self)
    }
    fn describe(&self) -> String {
        format!("column {self}")
    }
}

impl Row {
    pub(crate) fn try_get<T: FromSql, I: ColumnIndex>(&self, index: I) -> Result<T> {
        let at = index
            .position(&self.columns)
            .ok_or_else(|| StoreError::Database(format!("the row has no {}", index.describe())))?;
        T::column_result(ValueRef::from(&self.values[at]))
            .map_err(|e| StoreError::Corrupt(format!("{} of the row: {e}", index.describe())))
    }
}

/// Builds a statement from SQL fragments and bound values.
pub(crate) struct QueryBuilder {
    query: Query,
}

impl QueryBuilder {
    pub(crate) fn new(init: impl Into<String>) -> Self {
        Self {
            query: query(init.into()),
        }
    }

    pub(crate) fn push(&mut self, sql: impl std::fmt::Display) -> &mut Self {
        use std::fmt::Write as _;
        let _ = write!(self.query.sql.to_mut(), "{sql}");
        self
    }

    pub(crate) fn push_bind<T: ToSql>(&mut self, value: T) -> &mut Self {
        self.query.sql.to_mut().push('?');
        self.query.push(&value);
        self
    }

    /// Values pushed through the result are separated by `separator`.
    pub(crate) fn separated(&mut self, separator: &'static str) -> Separated<'_> {
        Separated {
            builder: self,
            separator,
            first: true,
        }
    }

    /// `VALUES (…), (…)`: one parenthesised group per item.
    pub(crate) fn push_values<I, F>(&mut self, items: I, mut each: F) -> &mut Self
    where
        I: IntoIterator,
        F: FnMut(Separated<'_>, I::Item),
    {
        self.push("VALUES ");
        for (n, item) in items.into_iter().enumerate() {
            if n > 0 {
                self.push(", ");
            }
            self.push("(");
            each(self.separated(", "), item);
            self.push(")");
        }
        self
    }

    pub(crate) fn build(&mut self) -> Query {
        std::mem::replace(&mut self.query, query(""))
    }
}

/// Pushes into a [`QueryBuilder`] with a separator between values.
pub(crate) struct Separated<'a> {
    builder: &'a mut QueryBuilder,
    separator: &'static str,
    first: bool,
}

impl Separated<'_> {
    pub(crate) fn push_bind<T: ToSql>(&mut self, value: T) -> &mut Self {
        if !self.first {
            self.builder.push(self.separator);
        }
        self.first = false;
        self.builder.push_bind(value);
        self
    }
}

/// SQLite's error as the store's: a broken unique constraint is a
/// duplicate; everything else keeps SQLite's words.
pub(crate) fn error(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, message) = &e
        && f.code == ErrorCode::ConstraintViolation
        && matches!(
            f.extended_code,
            rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        )
    {
        return StoreError::Duplicate(message.clone().unwrap_or_else(|| e.to_string()));
    }
    StoreError::Database(e.to_string())
}
