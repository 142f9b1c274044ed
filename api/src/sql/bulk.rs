//! Writing many rows at once — the one fast path of the seed and the import. Rows travel as a
//! relation: on SQLite a multi-row `VALUES` list bound cell by cell (a few hundred rows a
//! statement, inside its bind-parameter limit); on PostgreSQL a single JSON parameter unpacked
//! by `jsonb_array_elements`, so a statement's text — and the prepared statement the driver
//! keeps for it — is the same for every chunk, and the server parses one value instead of
//! planning thousands of parameters each time.

use crate::error::{ApiError, ApiResult};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbBackend, EntityTrait, IdenStatic, IntoActiveModel, Iterable, Statement, Value,
};

/// Rows per statement: SQLite binds each cell (at most 32,766 parameters a statement);
/// PostgreSQL receives one JSON document a statement.
pub fn chunk_rows(backend: DbBackend) -> usize {
    match backend {
        DbBackend::Postgres => 5_000,
        _ => 500,
    }
}

/// SQL text with its bound values, placeholders in order.
pub struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`: `$n` on PostgreSQL, a bare `?` on SQLite (whose
    /// driver looks a named or numbered parameter up by walking the list of names, once per
    /// parameter: quadratic in a statement of thousands, and 70% of a bulk load's time).
    pub fn bind(&mut self, value: Value) -> &mut Self {
        self.values.push(value);
        if self.backend == DbBackend::Postgres {
            self.text.push_str(&format!("${}", self.values.len()));
        } else {
            self.text.push('?');
        }
        self
    }

    /// `rows` as a relation with a column per value, in order; every row has the same
    /// shape, and a value's variant is its column's type even when it is NULL. At least one
    /// row. A value of a type the bulk path does not carry is an internal error.
    pub fn relation(&mut self, rows: Vec<Vec<Value>>) -> ApiResult<&mut Self> {
        let Some(first) = rows.first() else {
            return Err(internal("a bulk statement without rows"));
        };
        debug_assert!(
            rows.iter()
                .all(|row| row.len() == first.len() && row.iter().zip(first).all(|(a, b)| same_type(a, b))),
            "the rows of a bulk statement differ in shape"
        );
        if self.backend == DbBackend::Postgres {
            let columns = first
                .iter()
                .enumerate()
                .map(|(c, value)| Ok(format!("(r.e->>{c})::{}", postgres_type(value)?)))
                .collect::<ApiResult<Vec<String>>>()?;
            let json = rows
                .iter()
                .map(|row| row.iter().map(json).collect::<ApiResult<Vec<_>>>().map(Into::into))
                .collect::<ApiResult<Vec<serde_json::Value>>>()?;
            self.push(&format!("SELECT {} FROM jsonb_array_elements(", columns.join(", ")));
            self.bind(Value::Json(Some(Box::new(json.into()))));
            return Ok(self.push(") AS r(e)"));
        }
        self.push("VALUES ");
        for (r, row) in rows.into_iter().enumerate() {
            self.push(if r == 0 { "(" } else { ", (" });
            for (c, value) in row.into_iter().enumerate() {
                if c > 0 {
                    self.push(", ");
                }
                self.bind(value);
            }
            self.push(")");
        }
        Ok(self)
    }

    pub fn statement(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }
}

fn internal(message: &str) -> ApiError {
    ApiError::internal(anyhow::anyhow!("{message}"))
}

/// Whether two values are of the same variant (type), NULL or not.
fn same_type(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// The PostgreSQL type a value of this variant is cast to from its JSON text.
fn postgres_type(value: &Value) -> ApiResult<&'static str> {
    Ok(match value {
        Value::Bool(_) => "bool",
        Value::TinyInt(_) | Value::SmallInt(_) | Value::TinyUnsigned(_) => "int2",
        Value::Int(_) | Value::SmallUnsigned(_) => "int4",
        Value::BigInt(_) | Value::Unsigned(_) => "int8",
        Value::BigUnsigned(_) => "numeric",
        Value::Float(_) => "float4",
        Value::Double(_) => "float8",
        Value::String(_) | Value::Char(_) => "text",
        Value::ChronoDate(_) => "date",
        Value::ChronoDateTime(_) => "timestamp",
        Value::ChronoDateTimeUtc(_) | Value::ChronoDateTimeLocal(_) | Value::ChronoDateTimeWithTimeZone(_) => {
            "timestamptz"
        }
        Value::Json(_) => "jsonb",
        other => return Err(internal(&format!("the bulk path carries no {other:?}"))),
    })
}

/// A value as JSON, read back by `->>` as text and cast to [`postgres_type`]: numbers and
/// booleans as themselves, dates and times in ISO 8601, text as a string, a JSON value as
/// the string of its text (so that strings and `null` inside it survive `->>`).
fn json(value: &Value) -> ApiResult<serde_json::Value> {
    use serde_json::Value as J;
    fn or_null<T>(value: &Option<T>, to: impl Fn(&T) -> J) -> J {
        value.as_ref().map_or(J::Null, to)
    }
    let finite = |x: f64| {
        if x.is_finite() {
            Ok(J::from(x))
        } else {
            Err(internal("the bulk path carries no NaN or infinity"))
        }
    };
    Ok(match value {
        Value::Bool(v) => or_null(v, |b| J::from(*b)),
        Value::TinyInt(v) => or_null(v, |n| J::from(*n)),
        Value::SmallInt(v) => or_null(v, |n| J::from(*n)),
        Value::Int(v) => or_null(v, |n| J::from(*n)),
        Value::BigInt(v) => or_null(v, |n| J::from(*n)),
        Value::TinyUnsigned(v) => or_null(v, |n| J::from(*n)),
        Value::SmallUnsigned(v) => or_null(v, |n| J::from(*n)),
        Value::Unsigned(v) => or_null(v, |n| J::from(*n)),
        Value::BigUnsigned(v) => or_null(v, |n| J::from(*n)),
        Value::Float(v) => v.map_or(Ok(J::Null), |x| finite(f64::from(x)))?,
        Value::Double(v) => v.map_or(Ok(J::Null), finite)?,
        Value::String(v) => or_null(v, |s| J::from(s.as_str())),
        Value::Char(v) => or_null(v, |c| J::from(c.to_string())),
        Value::ChronoDate(v) => or_null(v, |d| J::from(d.format("%Y-%m-%d").to_string())),
        Value::ChronoDateTime(v) => or_null(v, |t| J::from(t.format("%Y-%m-%dT%H:%M:%S%.f").to_string())),
        Value::ChronoDateTimeUtc(v) => or_null(v, |t| J::from(t.to_rfc3339())),
        Value::ChronoDateTimeLocal(v) => or_null(v, |t| J::from(t.to_rfc3339())),
        Value::ChronoDateTimeWithTimeZone(v) => or_null(v, |t| J::from(t.to_rfc3339())),
        Value::Json(v) => or_null(v, |j| J::from(j.to_string())),
        other => return Err(internal(&format!("the bulk path carries no {other:?}"))),
    })
}

/// Inserts `rows` (explicit ids included) in chunks of [`chunk_rows`]; returns how many were
/// written.
pub async fn insert_all<E, M, C>(db: &C, rows: Vec<M>) -> ApiResult<u64>
where
    E: EntityTrait,
    M: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    C: ConnectionTrait,
{
    let backend = db.get_database_backend();
    let total = rows.len() as u64;
    let columns: Vec<E::Column> = E::Column::iter().collect();
    let names: Vec<String> = columns.iter().map(|c| format!("\"{}\"", c.as_str())).collect();
    let table = E::default().table_name().to_owned();
    let insert = format!("INSERT INTO \"{table}\" ({}) ", names.join(", "));
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Value>> = rows
            .by_ref()
            .take(chunk_rows(backend))
            .map(|row| {
                let model = row.into_active_model();
                columns.iter().map(|c| model.get(*c).into_value()).collect()
            })
            .collect::<Option<_>>()
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("a generated row of {table} leaves a column unset")))?;
        let mut sql = Sql::new(backend);
        sql.push(&insert).relation(chunk)?;
        db.execute_raw(sql.statement()).await?;
    }
    Ok(total)
}

/// After rows were inserted with explicit ids, moves PostgreSQL's identity sequences past
/// them so that later inserts get fresh ids.
pub async fn reset_postgres_sequences<C: ConnectionTrait>(
    db: &C,
    tables: impl Iterator<Item = &'static str>,
) -> ApiResult<()> {
    for table in tables {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), COALESCE((SELECT MAX(id) FROM \"{table}\"), 0) + 1, false)"
        );
        db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
            .await?;
    }
    Ok(())
}
