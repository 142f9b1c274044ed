//! Loading one file into PostgreSQL set-based: the file's rows are streamed with `COPY … FROM
//! STDIN` into a temporary staging table, and everything else is a few statements over the
//! whole file, however many rows it has (SQLite, which has no COPY, loads chunk by chunk:
//! `load.rs`):
//!
//! 1. the reader thread parses and checks each cell and the rules across a row's cells, as for
//!    SQLite; the rows that pass are copied into `import_rows` (typed columns `f0…`, and the
//!    row's physical `line`);
//! 2. a row naming the same record as an earlier line is refused (one `GROUP BY`);
//! 3. every reference is resolved for the whole file in one `CREATE TABLE … AS` joining each
//!    lookup of the format (the same SQL as SQLite's, over `k`: the distinct keys of the
//!    staging table) — ids in `r0…`, found in `h0…`, a problem with the row found in `p0…`;
//! 4. the rows whose references fail are refused with their first failing reference, and a
//!    parent named with two sets of values is refused — each check one statement returning the
//!    offending lines (the first [`MAX_ERRORS`], and how many);
//! 5. only then is anything written, and only what is new or changed: the parents (noted in
//!    `import_parents`, then `INSERT … SELECT … ON CONFLICT … DO UPDATE`), the rows counted as
//!    new, changed or unchanged (one statement) and upserted (one), the references to rows
//!    later in the same file set, and a table that refers to itself checked for cycles; then
//!    the tables written are analyzed, for the next file's lookups. A file stored exactly as
//!    it is sends no write.
//!
//! Every step runs in the file's one transaction: a refused or interrupted file leaves nothing.

use super::cell::Cell;
use super::load::{Tally, check_acyclic, unknown};
use super::progress::Progress;
use super::read::Message;
use super::spec::{FileSpec, Lookup, Skip, Source, Type, WriteTarget};
use super::{ImportError, MAX_ERRORS};
use crate::sql::copy::{CopyTransaction, Counted};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};
use std::fmt::Write as _;
use tokio::sync::mpsc;

/// What a file left once its rows are in the staging table: the reader's checksum and row
/// count, when it read to the end.
pub(super) type Read = Option<(String, u64)>;

/// The SQL type of a staging column.
fn sql_type(ty: &Type) -> &'static str {
    match ty {
        Type::Text { .. } | Type::Enum(_) => "text",
        Type::Int { .. } => "integer",
        Type::Float { .. } => "double precision",
        Type::Bool => "boolean",
        Type::Date => "date",
    }
}

/// `cell` in COPY's text format: `\N` for NULL, backslash escapes for the characters that
/// delimit fields and rows.
fn copy_text(out: &mut Vec<u8>, cell: &Cell) {
    match cell {
        Cell::Null => out.extend_from_slice(b"\\N"),
        Cell::Text(text) => {
            for byte in text.bytes() {
                match byte {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    _ => out.push(byte),
                }
            }
        }
        Cell::Bool(true) => out.push(b't'),
        Cell::Bool(false) => out.push(b'f'),
        other => out.extend_from_slice(other.text().as_bytes()),
    }
}

fn quoted(name: &str) -> String {
    format!("\"{name}\"")
}

/// `SELECT …` of an error query: the offending rows `d` (from a CTE) in line order, the first
/// [`MAX_ERRORS`], each with how many there are in all.
fn first_errors(columns: &str) -> String {
    format!("SELECT {columns}, count(*) OVER () AS total FROM d ORDER BY d.line LIMIT {MAX_ERRORS}")
}

/// Written columns with the SQL of their values.
type Columns = Vec<(&'static str, String)>;

struct Staged<'a> {
    txn: &'a Counted<CopyTransaction>,
    spec: &'a FileSpec,
    file: &'a str,
    tally: &'a mut Tally,
}

impl Staged<'_> {
    /// The staging column of the file column `name`.
    fn column(&self, alias: &str, name: &str) -> String {
        let at = self.spec.position(name).unwrap_or_default();
        format!("{alias}.f{at}")
    }

    /// Every staging column of the file's columns, `alias.f0, alias.f1, …`.
    fn all_columns(&self, alias: &str) -> String {
        (0..self.spec.columns.len())
            .map(|i| format!("{alias}.f{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The file's cells of a returned row whose file columns start at `from`.
    fn cells(&self, row: &QueryResult, from: usize) -> Result<Vec<Cell>, ImportError> {
        let mut cells = Vec::with_capacity(self.spec.columns.len());
        for (i, column) in self.spec.columns.iter().enumerate() {
            cells.push(Cell::read(row, from + i, &column.ty)?);
        }
        Ok(cells)
    }

    /// Why `lookup` refuses a returned row: the `problem` with the row it found, or no row
    /// for the key cells (the file's cells start at column `from`), with `more` said after.
    fn failure(
        &self,
        lookup: &Lookup,
        row: &QueryResult,
        problem: Option<String>,
        from: usize,
        more: &str,
    ) -> Result<(Option<&'static str>, String), ImportError> {
        Ok(match problem {
            Some(problem) => (lookup.problem.map(|(column, _)| column), problem),
            None => {
                let cells = self.cells(row, from)?;
                let keys: Vec<Cell> = lookup.keys.iter().map(|k| self.spec.cell(&cells, k).clone()).collect();
                (lookup.keys.last().copied(), format!("{}{more}", unknown(lookup, &keys)))
            }
        })
    }

    /// The condition under which lookup `index` is asked (a row where it is skipped takes
    /// NULL), over the staging row `alias`.
    fn asked(&self, alias: &str, lookup: &Lookup) -> String {
        match lookup.skip {
            Skip::Never => "true".to_owned(),
            Skip::IfEmpty(column) => format!("{} IS NOT NULL", self.column(alias, column)),
            Skip::IfGiven(column) => format!("{} IS NULL", self.column(alias, column)),
        }
    }

    /// Whether lookup `index` refuses the row `alias`: a problem with the row it found, or —
    /// unless it may be resolved once the file is written — no row found.
    fn fails(&self, alias: &str, index: usize, lookup: &Lookup) -> String {
        let problem = format!("{alias}.p{index} IS NOT NULL");
        if lookup.deferrable {
            problem
        } else {
            format!(
                "(({}) AND NOT {alias}.h{index}) OR {problem}",
                self.asked(alias, lookup)
            )
        }
    }

    /// `lookup` asked once per distinct key of the rows of `rows` (a table aliased `s`) that
    /// meet `condition`: a relation `(c0…, id, problem, found)`, one row per key found (the
    /// lowest id, should the lookup's joins ever match two, so that a line is never doubled),
    /// and the condition joining it, as `alias`, back to a row `s`.
    fn by_key(&self, lookup: &Lookup, rows: &str, condition: &str, alias: &str) -> (String, String) {
        let keys: Vec<String> = lookup.keys.iter().map(|k| self.column("s", k)).collect();
        let names: Vec<String> = (0..keys.len()).map(|c| format!("c{c}")).collect();
        let distinct: Vec<String> = names.iter().map(|n| format!("k.{n}")).collect();
        let problem = lookup.problem.map_or("CAST(NULL AS text)", |(_, sql)| sql);
        let relation = format!(
            "WITH k({names}) AS (SELECT DISTINCT {keys} FROM {rows} s WHERE {condition}) \
             SELECT DISTINCT ON ({distinct}) k.*, {id} AS id, {problem} AS problem, true AS found \
             FROM k {joins} ORDER BY {distinct}, {id}",
            names = names.join(", "),
            keys = keys.join(", "),
            distinct = distinct.join(", "),
            id = lookup.id,
            joins = lookup.joins,
        );
        let on: Vec<String> = keys
            .iter()
            .zip(&names)
            .map(|(key, name)| format!("{alias}.{name} = {key}"))
            .collect();
        (relation, format!("{} AND {condition}", on.join(" AND ")))
    }

    /// The value of a written column, over the resolved row `s` (and its parent `p`).
    fn source(&self, source: Source) -> String {
        match source {
            Source::Column(name) => self.column("s", name),
            Source::Lookup(index) => format!("s.r{index}"),
            Source::Parent => "p.id".to_owned(),
        }
    }

    fn error(&mut self, line: i64, column: Option<&str>, reason: String) {
        self.tally.error(self.file, Some(line as u64), column, reason);
    }

    /// Runs an error query whose rows start `(line, …)` and end in the total, turning each row
    /// into an error with `describe`.
    async fn refuse_each(
        &mut self,
        sql: String,
        mut describe: impl FnMut(&Self, &QueryResult) -> Result<(Option<&'static str>, String), ImportError>,
    ) -> Result<(), ImportError> {
        let rows = self
            .txn
            .query_all_raw(Statement::from_string(DbBackend::Postgres, sql))
            .await?;
        let mut total = 0;
        let mut listed = 0;
        for row in &rows {
            let line: i64 = row.try_get_by_index(0)?;
            total = row.try_get_by_index::<i64>(row_width(row) - 1)?;
            let (column, reason) = describe(self, row)?;
            self.error(line, column, reason);
            listed += 1;
        }
        // The rest are counted, not listed.
        self.tally.unlisted(usize::try_from(total - listed).unwrap_or_default());
        Ok(())
    }

    /// Rows naming the same record (the format's row key) as an earlier line.
    async fn repeats(&mut self) -> Result<(), ImportError> {
        let spec = self.spec;
        let keys: Vec<String> = spec.row_key.iter().map(|k| self.column("s", k)).collect();
        let names: Vec<String> = spec.row_key.iter().map(|k| self.column("g", k)).collect();
        // `=` where a value is required (a hash join), NULL-safe where a cell may be empty.
        let same: Vec<String> = spec
            .row_key
            .iter()
            .zip(keys.iter().zip(&names))
            .map(|(column, (key, name))| {
                let nullable = spec
                    .position(column)
                    .and_then(|i| spec.columns.get(i))
                    .is_none_or(|c| c.nullable);
                if nullable {
                    format!("{key} IS NOT DISTINCT FROM {name}")
                } else {
                    format!("{key} = {name}")
                }
            })
            .collect();
        let sql = format!(
            "WITH d AS (DELETE FROM import_rows s USING (SELECT {keys}, min(s.line) AS first \
             FROM import_rows s GROUP BY {keys} HAVING count(*) > 1) g \
             WHERE {same} AND s.line <> g.first RETURNING s.line, g.first) {select}",
            keys = keys.join(", "),
            same = same.join(" AND "),
            select = first_errors("d.line, d.first"),
        );
        let what = spec.row_key.join(", ");
        self.refuse_each(sql, |_, row| {
            let first: i64 = row.try_get_by_index(1)?;
            Ok((None, format!("repeats the {what} of line {first}")))
        })
        .await
    }

    /// Resolves every lookup for the whole file into `import_resolved`. Each lookup is
    /// asked once per distinct key ([`by_key`](Self::by_key): a file of 2.4 million answers
    /// names 2 surveys and 8 questions), and its answers are joined back to the rows that ask
    /// it.
    async fn resolve(&self) -> Result<(), ImportError> {
        let mut select = String::from("SELECT s.*");
        let mut joins = String::new();
        for (index, lookup) in self.spec.lookups.iter().enumerate() {
            let _ = write!(
                select,
                ", l{index}.id AS r{index}, l{index}.found IS NOT NULL AS h{index}, l{index}.problem AS p{index}"
            );
            let (relation, on) = self.by_key(lookup, "import_rows", &self.asked("s", lookup), &format!("l{index}"));
            let _ = write!(joins, " LEFT JOIN ({relation}) l{index} ON {on}");
        }
        let sql = format!("CREATE TEMP TABLE import_resolved ON COMMIT DROP AS {select} FROM import_rows s{joins}");
        self.txn.execute_unprepared(&sql).await?;
        self.txn.execute_unprepared("ANALYZE import_resolved").await?;
        Ok(())
    }

    /// Rows whose references fail, each with its first failing reference in the format's
    /// order.
    async fn refuse_unresolved(&mut self) -> Result<(), ImportError> {
        let spec = self.spec;
        if spec.lookups.is_empty() {
            return Ok(());
        }
        let fails = |alias: &str| -> Vec<String> {
            spec.lookups
                .iter()
                .enumerate()
                .map(|(index, lookup)| self.fails(alias, index, lookup))
                .collect()
        };
        let any = fails("s")
            .iter()
            .map(|f| format!("({f})"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let mut at = String::from("CASE");
        let mut problem = String::from("CASE");
        for (index, fail) in fails("d").iter().enumerate() {
            let _ = write!(at, " WHEN {fail} THEN {index}");
            let _ = write!(problem, " WHEN {fail} THEN d.p{index}");
        }
        let sql = format!(
            "WITH d AS (DELETE FROM import_resolved s WHERE {any} RETURNING s.*) {select}",
            select = first_errors(&format!("d.line, {at} END, {problem} END, {}", self.all_columns("d"))),
        );
        self.refuse_each(sql, |staged, row| {
            let index: i32 = row.try_get_by_index(1)?;
            let problem: Option<String> = row.try_get_by_index(2)?;
            let Some(lookup) = staged.spec.lookups.get(index as usize) else {
                return Ok((None, "has a reference that could not be resolved".to_owned()));
            };
            staged.failure(lookup, row, problem, 3, "")
        })
        .await
    }

    /// The key and the other values of `table` over the resolved row `s`.
    fn split(&self, table: &WriteTarget) -> (Columns, Columns) {
        table
            .targets
            .iter()
            .map(|(column, source)| (*column, self.source(*source)))
            .partition(|(column, _)| table.key.contains(column))
    }

    /// Rows that give their parent (named by its key) other values than the parent's first
    /// line.
    async fn refuse_disagreeing_parents(&mut self, parent: &WriteTarget) -> Result<(), ImportError> {
        let (keys, others) = self.split(parent);
        if others.is_empty() {
            return Ok(());
        }
        let group: Vec<&str> = keys.iter().map(|(_, e)| e.as_str()).collect();
        let named: Vec<String> = keys
            .iter()
            .enumerate()
            .map(|(i, (_, e))| format!("{e} AS k{i}"))
            .collect();
        let firsts: Vec<String> = others
            .iter()
            .enumerate()
            .map(|(i, (_, e))| format!("{e} AS o{i}"))
            .collect();
        let same_key: Vec<String> = keys
            .iter()
            .enumerate()
            .map(|(i, (_, e))| format!("{e} = f.k{i}"))
            .collect();
        let mine: Vec<&str> = others.iter().map(|(_, e)| e.as_str()).collect();
        let theirs: Vec<String> = (0..others.len()).map(|i| format!("f.o{i}")).collect();
        let sql = format!(
            "WITH g AS (SELECT {named}, min(s.line) AS first FROM import_resolved s GROUP BY {group} \
             HAVING count(*) > 1), \
             f AS (SELECT g.*, {firsts} FROM g JOIN import_resolved s ON s.line = g.first), \
             d AS (DELETE FROM import_resolved s USING f WHERE {same_key} AND s.line <> f.first \
             AND ({mine}) IS DISTINCT FROM ({theirs}) RETURNING s.line, f.first) {select}",
            named = named.join(", "),
            group = group.join(", "),
            firsts = firsts.join(", "),
            same_key = same_key.join(" AND "),
            mine = mine.join(", "),
            theirs = theirs.join(", "),
            select = first_errors("d.line, d.first"),
        );
        let name = parent.name;
        self.refuse_each(sql, |_, row| {
            let first: i64 = row.try_get_by_index(1)?;
            Ok((None, format!("gives its {name} other values than line {first}")))
        })
        .await
    }

    /// `INSERT INTO table … SELECT <rows> ON CONFLICT (key) DO UPDATE … WHERE changed`.
    fn upsert(&self, table: &WriteTarget, rows: &str) -> String {
        let name = quoted(table.name);
        let columns: Vec<String> = table.targets.iter().map(|(c, _)| quoted(c)).collect();
        let keys: Vec<String> = table.key.iter().map(|k| quoted(k)).collect();
        let others: Vec<String> = table
            .targets
            .iter()
            .filter(|(c, _)| !table.key.contains(c))
            .map(|(c, _)| quoted(c))
            .collect();
        let mut sql = format!(
            "INSERT INTO {name} AS w ({}) {rows} ON CONFLICT ({}) ",
            columns.join(", "),
            keys.join(", ")
        );
        if others.is_empty() {
            sql.push_str("DO NOTHING");
        } else {
            let mut set: Vec<String> = others.iter().map(|c| format!("{c} = excluded.{c}")).collect();
            if table.versioned {
                set.push("\"version\" = w.\"version\" + 1".to_owned());
            }
            let stored: Vec<String> = others.iter().map(|c| format!("w.{c}")).collect();
            let given: Vec<String> = others.iter().map(|c| format!("excluded.{c}")).collect();
            let _ = write!(
                sql,
                "DO UPDATE SET {} WHERE ({}) IS DISTINCT FROM ({})",
                set.join(", "),
                stored.join(", "),
                given.join(", ")
            );
        }
        sql
    }

    /// Whether the stored row `t` of `table` differs from the resolved row `s` in a column
    /// that is not its key (SQL; `false` for a table of keys only).
    fn differs(&self, table: &WriteTarget) -> String {
        let (_, others) = self.split(table);
        if others.is_empty() {
            return "false".to_owned();
        }
        let stored: Vec<String> = others.iter().map(|(c, _)| format!("t.{}", quoted(c))).collect();
        let given: Vec<&str> = others.iter().map(|(_, e)| e.as_str()).collect();
        format!("({}) IS DISTINCT FROM ({})", stored.join(", "), given.join(", "))
    }

    /// `LEFT JOIN table t` on the natural key of `table` given by the resolved row `s`.
    fn stored(&self, table: &WriteTarget) -> String {
        let (keys, _) = self.split(table);
        let on: Vec<String> = keys.iter().map(|(c, e)| format!("t.{} = {e}", quoted(c))).collect();
        format!(" LEFT JOIN {} t ON {}", quoted(table.name), on.join(" AND "))
    }

    /// Writes the parents of the file's rows that are new or changed, one per key (its first
    /// line's), after noting them in `import_parents`; returns whether there were any.
    async fn write_parents(&self, parent: &WriteTarget) -> Result<bool, ImportError> {
        let (keys, _) = self.split(parent);
        let group: Vec<&str> = keys.iter().map(|(_, e)| e.as_str()).collect();
        let values: Vec<String> = parent
            .targets
            .iter()
            .map(|(column, source)| format!("{} AS {}", self.source(*source), quoted(column)))
            .collect();
        let sql = format!(
            "CREATE TEMP TABLE import_parents ON COMMIT DROP AS SELECT {} FROM import_resolved s{} \
             WHERE s.line IN (SELECT min(s.line) FROM import_resolved s GROUP BY {}) AND (t.id IS NULL OR {}) \
             ORDER BY s.line",
            values.join(", "),
            self.stored(parent),
            group.join(", "),
            self.differs(parent),
        );
        let noted = self.txn.execute_unprepared(&sql).await?.rows_affected();
        if noted == 0 {
            return Ok(false);
        }
        let columns: Vec<String> = parent.targets.iter().map(|(c, _)| quoted(c)).collect();
        let rows = format!("SELECT {} FROM import_parents", columns.join(", "));
        self.txn.execute_unprepared(&self.upsert(parent, &rows)).await?;
        Ok(true)
    }

    /// `FROM import_resolved s` joined to each row's parent `p` and its stored row `t` (none:
    /// new).
    fn rows_with_stored(&self) -> String {
        let spec = self.spec;
        let mut from = String::from("FROM import_resolved s");
        if let Some(parent) = &spec.parent {
            let (keys, _) = self.split(parent);
            let on: Vec<String> = keys.iter().map(|(c, e)| format!("p.{} = {e}", quoted(c))).collect();
            let _ = write!(from, " JOIN {} p ON {}", quoted(parent.name), on.join(" AND "));
        }
        from.push_str(&self.stored(&spec.table));
        from
    }

    /// The rows that reference a row later in the same file, to be set once it is written.
    fn pending(&self) -> String {
        let pending: Vec<String> = self
            .spec
            .lookups
            .iter()
            .enumerate()
            .filter(|(_, l)| l.deferrable)
            .map(|(index, lookup)| format!("(({}) AND NOT s.h{index})", self.asked("s", lookup)))
            .collect();
        if pending.is_empty() {
            "false".to_owned()
        } else {
            pending.join(" OR ")
        }
    }

    /// Counts the rows as new, changed and unchanged — a row also counts as changed when its
    /// parent was written or a reference of it is set once the file is written — and returns
    /// how many must be written and how many wait for a reference.
    async fn count(&mut self) -> Result<(u64, u64), ImportError> {
        let spec = self.spec;
        let differs = self.differs(&spec.table);
        let pending = self.pending();
        let mut changed = format!("{differs} OR {pending}");
        if let Some(parent) = &spec.parent {
            let (keys, _) = self.split(parent);
            let same: Vec<String> = keys.iter().map(|(c, _)| format!("x.{0} = p.{0}", quoted(c))).collect();
            let _ = write!(
                changed,
                " OR EXISTS (SELECT 1 FROM import_parents x WHERE {})",
                same.join(" AND ")
            );
        }
        let sql = format!(
            "SELECT count(*) FILTER (WHERE t.id IS NULL), \
             count(*) FILTER (WHERE t.id IS NOT NULL AND ({changed})), \
             count(*) FILTER (WHERE t.id IS NOT NULL AND NOT ({changed})), \
             count(*) FILTER (WHERE t.id IS NULL OR {differs}), \
             count(*) FILTER (WHERE {pending}) {}",
            self.rows_with_stored()
        );
        let row = self
            .txn
            .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
            .await?;
        let read = |at: usize| -> Result<u64, ImportError> {
            let n: i64 = match &row {
                Some(row) => row.try_get_by_index(at)?,
                None => 0,
            };
            Ok(u64::try_from(n).unwrap_or_default())
        };
        self.tally.inserted = read(0)?;
        self.tally.updated = read(1)?;
        self.tally.unchanged = read(2)?;
        Ok((read(3)?, read(4)?))
    }

    /// Upserts the file's new and changed rows, in file order (the rows stored as they are
    /// are not sent: no row locked, no id drawn, nothing for the measures to notice).
    async fn write(&self) -> Result<(), ImportError> {
        let table = &self.spec.table;
        let values: Vec<String> = table.targets.iter().map(|(_, s)| self.source(*s)).collect();
        let rows = format!(
            "SELECT {} {} WHERE t.id IS NULL OR {} ORDER BY s.line",
            values.join(", "),
            self.rows_with_stored(),
            self.differs(table)
        );
        self.txn.execute_unprepared(&self.upsert(table, &rows)).await?;
        Ok(())
    }

    /// Sets the references to rows that came later in the same file (an organization's
    /// parent), and refuses those neither stored nor in the file.
    async fn resolve_deferred(&mut self, waiting: u64) -> Result<(), ImportError> {
        let spec = self.spec;
        let table = &spec.table;
        for (index, lookup) in spec.lookups.iter().enumerate().filter(|(_, l)| l.deferrable) {
            let Some(column) = table.fed_by(index) else {
                continue;
            };
            if waiting == 0 {
                check_acyclic(self.txn, spec, index, self.file, self.tally).await?;
                continue;
            }
            let pending = format!("({}) AND NOT s.h{index}", self.asked("s", lookup));
            let (relation, on) = self.by_key(lookup, "import_resolved", &pending, "x");
            let (keys, _) = self.split(table);
            let same: Vec<String> = keys.iter().map(|(c, e)| format!("w.{} = {e}", quoted(c))).collect();
            let sql = format!(
                "WITH x AS ({relation}), \
                 u AS (UPDATE {name} w SET {column} = x.id FROM x JOIN import_resolved s ON {on} \
                 WHERE {same} AND x.problem IS NULL RETURNING w.id), \
                 d AS (SELECT s.*, x.problem FROM import_resolved s LEFT JOIN x ON {on} \
                 WHERE {pending} AND (x.found IS NULL OR x.problem IS NOT NULL)) {select}",
                name = quoted(table.name),
                column = quoted(column),
                same = same.join(" AND "),
                select = first_errors(&format!("d.line, d.problem, {}", self.all_columns("d"))),
            );
            self.refuse_each(sql, |staged, row| {
                let problem: Option<String> = row.try_get_by_index(1)?;
                staged.failure(lookup, row, problem, 2, " (neither stored nor in this file)")
            })
            .await?;
            check_acyclic(self.txn, spec, index, self.file, self.tally).await?;
        }
        Ok(())
    }
}

/// The number of columns of a result row.
fn row_width(row: &QueryResult) -> usize {
    row.column_names().len()
}

/// Loads what the reader sends for `file` into PostgreSQL through `txn`, set-based; the
/// errors and counts go to `tally`. Returns what the reader said at the end of the file.
pub(super) async fn load(
    txn: &Counted<CopyTransaction>,
    spec: &FileSpec,
    file: &str,
    rx: &mut mpsc::Receiver<Message>,
    tally: &mut Tally,
    progress: &mut dyn Progress,
) -> Result<Read, ImportError> {
    let columns: Vec<String> = spec
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("f{i} {}", sql_type(&c.ty)))
        .collect();
    // A file's statements are not held to a request's time limit (the server's
    // `statement_timeout`): each is over the whole file, and `importCsv` is bounded as a whole
    // by the upload limit. Their grouping and hashing over millions of rows get memory to do
    // it in (PostgreSQL's default, 4 MB, spills each to disk).
    txn.execute_unprepared(&format!(
        "SET LOCAL statement_timeout = 0; SET LOCAL work_mem = '128MB'; \
         CREATE TEMP TABLE import_rows (line bigint NOT NULL, {}) ON COMMIT DROP",
        columns.join(", ")
    ))
    .await?;
    let names: String = (0..spec.columns.len()).map(|i| format!(", f{i}")).collect();
    let copy = format!("COPY import_rows (line{names}) FROM STDIN");
    let (blocks, copied) = mpsc::channel::<Vec<u8>>(2);
    // The reader's rows, checked across their cells, become blocks of COPY text while the
    // database takes the blocks before them.
    let produce = async move {
        let mut done: Read = None;
        while let Some(message) = rx.recv().await {
            match message {
                Message::Chunk { rows, errors, bytes } => {
                    let read = (rows.len() + errors.len()) as u64;
                    for error in errors {
                        tally.refuse(error);
                    }
                    let mut block = Vec::with_capacity(rows.len() * 64);
                    for row in rows {
                        if let Some((column, reason)) = spec.check(&row.cells) {
                            tally.error(file, Some(row.line), Some(column), reason);
                            continue;
                        }
                        block.extend_from_slice(row.line.to_string().as_bytes());
                        for cell in &row.cells {
                            block.push(b'\t');
                            copy_text(&mut block, cell);
                        }
                        block.push(b'\n');
                    }
                    progress.advance(read, bytes);
                    if !block.is_empty() && blocks.send(block).await.is_err() {
                        // The copy failed: its error is the file's.
                        break;
                    }
                }
                Message::Refused(errors) => {
                    for error in errors {
                        tally.refuse(error);
                    }
                }
                Message::Done { sha256, rows } => done = Some((sha256, rows)),
            }
        }
        (done, tally)
    };
    // `copy_in` holds the transaction's connection until the blocks end: `produce` must not
    // send a statement of its own, or the two would wait on each other.
    let (copy_result, (done, tally)) = tokio::join!(txn.copy_in(&copy, copied), produce);
    copy_result?;
    if done.is_none() {
        // The header was refused or the file could not be read: nothing to check further.
        return Ok(done);
    }
    txn.execute_unprepared("ANALYZE import_rows").await?;

    let mut staged = Staged { txn, spec, file, tally };
    staged.repeats().await?;
    staged.resolve().await?;
    staged.refuse_unresolved().await?;
    if let Some(parent) = &spec.parent {
        staged.refuse_disagreeing_parents(parent).await?;
    }
    if staged.tally.total_errors > 0 {
        return Ok(done);
    }
    let parents_written = match &spec.parent {
        Some(parent) => staged.write_parents(parent).await?,
        None => false,
    };
    let (to_write, pending) = staged.count().await?;
    // A file stored as it is sends no write at all (and so marks no measure out of date).
    if to_write > 0 {
        staged.write().await?;
    }
    staged.resolve_deferred(pending).await?;
    if parents_written || to_write > 0 {
        // The next file's lookups join the tables this one filled: without statistics (none
        // are gathered before autovacuum comes by) PostgreSQL takes a table of millions of
        // rows for an empty one and resolves them by nested loops — minutes, not seconds.
        let written: Vec<String> = spec
            .parent
            .iter()
            .chain(std::iter::once(&spec.table))
            .map(|table| quoted(table.name))
            .collect();
        txn.execute_unprepared(&format!("ANALYZE {}", written.join(", ")))
            .await?;
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_what_delimits_fields_and_rows() {
        let mut out = Vec::new();
        copy_text(&mut out, &Cell::Text("a\tb\\c\nd\re".to_owned()));
        assert_eq!(out, b"a\\tb\\\\c\\nd\\re");
        for (cell, text) in [
            (Cell::Null, "\\N"),
            (Cell::Bool(true), "t"),
            (Cell::Int(-3), "-3"),
            (Cell::Float(0.1), "0.1"),
        ] {
            let mut out = Vec::new();
            copy_text(&mut out, &cell);
            assert_eq!(out, text.as_bytes());
        }
    }
}
