//! Loading one file into the database: references resolved per chunk, rows compared with what
//! is stored and the new and changed ones upserted, all in the file's one transaction.

use super::cell::Cell;
use super::formats;
use super::progress::Progress;
use super::read::{self, Message, Row};
use super::spec::{FileSpec, Lookup, Skip, Source, Type, WriteTarget};
use super::{Actor, FileSummary, ImportError, ImportKind, MAX_ERRORS, RowError};
use crate::error::ApiError;
use crate::sql::Params;
use crate::sql::bulk::Sql;
use crate::sql::copy::{CopyTransaction, Counted};
use roaring::RoaringBitmap;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, Statement, TransactionSession, Value,
};
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use tokio::sync::mpsc;

/// Imports the file at `path` as `kind`, in one transaction.
pub async fn import_file(
    db: &DatabaseConnection,
    kind: ImportKind,
    path: &Path,
    actor: &Actor,
    progress: &mut dyn Progress,
) -> Result<FileSummary, ImportError> {
    let name = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let unreadable = |e: std::io::Error| ImportError::Unreadable {
        file: name.clone(),
        reason: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let size = file.metadata().map_err(unreadable)?.len();
    progress.start(&name, Some(size));
    let result = import_source(
        db,
        kind,
        &name,
        Box::new(std::io::BufReader::new(file)),
        actor,
        progress,
    )
    .await;
    progress.finish(result.as_ref().ok());
    result
}

/// What importing a directory did: the files loaded, in order, and the first that failed
/// (the files after it are not read).
#[derive(Debug)]
pub struct DirReport {
    pub loaded: Vec<FileSummary>,
    pub failed: Option<ImportError>,
    /// `.csv` files in the directory that are not import files.
    pub ignored: Vec<String>,
}

/// Imports every import file present in `dir`, in the order of [`ImportKind::ALL`], each in
/// its own transaction; stops at the first file refused.
pub async fn import_dir(
    db: &DatabaseConnection,
    dir: &Path,
    actor: &Actor,
    progress: &mut dyn Progress,
) -> Result<DirReport, ImportError> {
    let listing = std::fs::read_dir(dir).map_err(|e| ImportError::Unreadable {
        file: dir.display().to_string(),
        reason: e.to_string(),
    })?;
    let mut ignored: Vec<String> = listing
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".csv") && ImportKind::from_file_name(name).is_none())
        .collect();
    ignored.sort();
    let present: Vec<ImportKind> = ImportKind::ALL
        .iter()
        .copied()
        .filter(|kind| dir.join(kind.file_name()).is_file())
        .collect();
    if present.is_empty() {
        return Err(ImportError::Unreadable {
            file: dir.display().to_string(),
            reason: "holds none of the import files (organizations.csv, staff.csv, …)".to_owned(),
        });
    }
    let mut report = DirReport {
        loaded: Vec::new(),
        failed: None,
        ignored,
    };
    for kind in present {
        match import_file(db, kind, &dir.join(kind.file_name()), actor, progress).await {
            Ok(summary) => report.loaded.push(summary),
            Err(error) => {
                report.failed = Some(error);
                break;
            }
        }
    }
    if !report.loaded.is_empty() {
        crate::db::analyze(db).await?;
        crate::measures::maintained::refresh(db).await;
    }
    Ok(report)
}

/// Imports `source`, the content of a file of `kind` named `file`, in one transaction: every
/// row is written or none is. On PostgreSQL the rows are copied into a staging table and
/// loaded set-based (`staged.rs`); on SQLite they are loaded chunk by chunk.
pub async fn import_source(
    db: &DatabaseConnection,
    kind: ImportKind,
    file: &str,
    source: Box<dyn Read + Send>,
    actor: &Actor,
    progress: &mut dyn Progress,
) -> Result<FileSummary, ImportError> {
    let spec = formats::spec(kind);
    let (tx, mut rx) = mpsc::channel(2);
    let columns = spec.columns.clone();
    let name = file.to_owned();
    let reader = tokio::task::spawn_blocking(move || read::read(&name, source, &columns, &tx));
    let result = if db.get_database_backend() == DbBackend::Postgres {
        staged_file(db, kind, &spec, file, &mut rx, actor, progress).await
    } else {
        chunked_file(db, kind, &spec, file, &mut rx, actor, progress).await
    };
    // A load that stopped early leaves the reader nobody to send to: it stops too.
    drop(rx);
    reader
        .await
        .map_err(|e| ApiError::internal(anyhow::anyhow!("the reader of {file} stopped: {e}")))?;
    let summary = result?;
    crate::metrics::imported(kind.stem(), summary.inserted, summary.updated, summary.unchanged);
    tracing::info!(
        file,
        rows = summary.rows,
        inserted = summary.inserted,
        updated = summary.updated,
        unchanged = summary.unchanged,
        "imported"
    );
    Ok(summary)
}

/// The file through PostgreSQL's COPY and set-based statements, in one transaction.
async fn staged_file(
    db: &DatabaseConnection,
    kind: ImportKind,
    spec: &FileSpec,
    file: &str,
    rx: &mut mpsc::Receiver<Message>,
    actor: &Actor,
    progress: &mut dyn Progress,
) -> Result<FileSummary, ImportError> {
    let txn = Counted::new(CopyTransaction::begin(db).await?);
    let outcome = async {
        take_turns(&txn, kind).await?;
        let mut tally = Tally::default();
        let read = super::staged::load(&txn, spec, file, rx, &mut tally, progress).await?;
        conclude(&txn, kind, file, read, tally, actor).await
    }
    .await;
    settle(txn, file, outcome).await
}

/// The file chunk by chunk (SQLite), in one transaction.
async fn chunked_file(
    db: &DatabaseConnection,
    kind: ImportKind,
    spec: &FileSpec,
    file: &str,
    rx: &mut mpsc::Receiver<Message>,
    actor: &Actor,
    progress: &mut dyn Progress,
) -> Result<FileSummary, ImportError> {
    let txn = Counted::new(crate::db::begin_write(db).await?);
    let outcome = async {
        take_turns(&txn, kind).await?;
        let mut loader = Loader::new(&txn, spec, file);
        let mut done = None;
        while let Some(message) = rx.recv().await {
            match message {
                Message::Chunk { rows, errors, bytes } => {
                    let read = (rows.len() + errors.len()) as u64;
                    for error in errors {
                        loader.tally.refuse(error);
                    }
                    loader.chunk(rows).await?;
                    progress.advance(read, bytes);
                }
                Message::Refused(errors) => {
                    for error in errors {
                        loader.tally.refuse(error);
                    }
                }
                Message::Done { sha256, rows } => done = Some((sha256, rows)),
            }
        }
        if loader.tally.total_errors == 0 {
            loader.finish().await?;
        }
        conclude(&txn, kind, file, done, loader.tally, actor).await
    }
    .await;
    settle(txn, file, outcome).await
}

/// Commits the file's transaction when it loaded (the summary then says how many statements
/// it took), else rolls it back.
async fn settle<T: TransactionSession>(
    txn: Counted<T>,
    file: &str,
    outcome: Result<FileSummary, ImportError>,
) -> Result<FileSummary, ImportError> {
    let statements = txn.statements();
    let txn = txn.into_inner();
    match outcome {
        Ok(summary) => {
            txn.commit().await?;
            Ok(FileSummary { statements, ..summary })
        }
        Err(error) => {
            // A lost connection fails the rollback too; the database has rolled back anyway.
            if let Err(rollback) = txn.rollback().await {
                tracing::debug!(file, error = %rollback, "the refused file's rollback failed");
            }
            Err(error)
        }
    }
}

/// Two imports of one kind take turns on PostgreSQL (the second waits for the first's commit
/// rather than racing it to the same rows); imports of different kinds run side by side. (On
/// SQLite a write transaction holds the write lock from its start.)
async fn take_turns(conn: &impl ConnectionTrait, kind: ImportKind) -> Result<(), ImportError> {
    if conn.get_database_backend() == DbBackend::Postgres {
        Params::new()
            .set("kind", kind as i32)
            .execute(conn, "SELECT pg_advisory_xact_lock(1397180749, CAST(:kind AS INTEGER))")
            .await?;
    }
    Ok(())
}

/// The end of a file, however its rows went in: refused with its errors in line order, or
/// the process versions moved (an import of process groups), the audit event appended (in
/// the file's transaction: no event without the rows) and the summary returned for the
/// caller to commit.
async fn conclude(
    conn: &impl ConnectionTrait,
    kind: ImportKind,
    file: &str,
    read: Option<(String, u64)>,
    tally: Tally,
    actor: &Actor,
) -> Result<FileSummary, ImportError> {
    let Tally {
        mut errors,
        total_errors,
        inserted,
        updated,
        unchanged,
    } = tally;
    let (sha256, rows) = match read {
        Some(done) if total_errors == 0 => done,
        _ => {
            // Reasons come from the reader and from the checks in the database: listed in
            // line order (a file's own problems, without a line, first).
            errors.sort_by_key(|error| error.line);
            errors.truncate(MAX_ERRORS);
            return Err(ImportError::Refused {
                file: file.to_owned(),
                total: total_errors.max(1),
                errors,
            });
        }
    };
    if kind == ImportKind::EvaluationProcessGroups && inserted + updated > 0 {
        // Which groups a process serves is versioned on the process (ADMIN's
        // setEvaluationProcessGroups): an import that changes them moves every process's
        // version, so that an edit made from the groups read before is a CONFLICT.
        conn.execute_unprepared("UPDATE evaluation_process SET version = version + 1")
            .await?;
    }
    let summary = FileSummary {
        kind,
        file: file.to_owned(),
        rows,
        inserted,
        updated,
        unchanged,
        sha256,
        statements: 0,
    };
    let after = serde_json::to_value(&summary).unwrap_or_default();
    let change = crate::audit::Change {
        action: "IMPORT",
        entity: kind.stem(),
        entity_id: Some(summary.file.clone()),
        row_id: None,
        before: None,
        after: Some(after),
    };
    crate::audit::record(conn, actor, change).await?;
    Ok(summary)
}

/// A file's errors and counts so far.
#[derive(Debug, Default)]
pub(super) struct Tally {
    /// The first errors by line ([`MAX_ERRORS`] once the file is refused).
    pub errors: Vec<RowError>,
    pub total_errors: usize,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl Tally {
    pub fn refuse(&mut self, error: RowError) {
        self.total_errors += 1;
        self.errors.push(error);
        if self.errors.len() >= 2 * MAX_ERRORS {
            // Keep the first by line, whichever check found them.
            self.errors.sort_by_key(|error| error.line);
            self.errors.truncate(MAX_ERRORS);
        }
    }

    pub fn error(&mut self, file: &str, line: Option<u64>, column: Option<&str>, reason: String) {
        self.refuse(RowError {
            file: file.to_owned(),
            line,
            column: column.map(str::to_owned),
            reason,
        });
    }

    /// Errors counted but not listed (beyond the first of a check).
    pub fn unlisted(&mut self, more: usize) {
        self.total_errors += more;
    }
}

/// The reason for a reference that names no row: `no school with school_code 'X'`.
pub(super) fn unknown(lookup: &Lookup, cells: &[Cell]) -> String {
    let named: Vec<String> = lookup
        .keys
        .iter()
        .zip(cells)
        .map(|(k, c)| format!("{k} {}", super::cell::shown(&c.text())))
        .collect();
    format!("no {} with {}", lookup.what, named.join(", "))
}

/// Starts `sql` with `WITH k(i, c0, c1, …) AS (…) ` over `tuples`, `i` being each tuple's
/// index.
fn keys(sql: &mut Sql, width: usize, tuples: impl Iterator<Item = Vec<Value>>) -> Result<(), ApiError> {
    sql.push("WITH k(i");
    for c in 0..width {
        sql.push(&format!(", c{c}"));
    }
    sql.push(") AS (");
    let rows = tuples
        .enumerate()
        .map(|(i, tuple)| std::iter::once(Value::Int(Some(i as i32))).chain(tuple).collect())
        .collect();
    sql.relation(rows)?.push(") ");
    Ok(())
}

fn quoted(name: &str) -> String {
    format!("\"{name}\"")
}

/// The text naming a tuple of cells (for maps and messages).
fn key_text<'c>(cells: impl Iterator<Item = &'c Cell>) -> String {
    cells.map(Cell::text).collect::<Vec<_>>().join("\u{1f}")
}

/// A row on its way through a chunk.
struct Live {
    line: u64,
    cells: Vec<Cell>,
    /// Each lookup's id (None: NULL, or not resolved yet).
    refs: Vec<Option<i32>>,
    /// A deferrable reference not found yet: (lookup, its key cells).
    deferred: Option<(usize, Vec<Cell>)>,
    failed: bool,
    /// The natural key of the row's parent, once the parents are resolved.
    parent: Option<String>,
    /// The row changes beyond its own cells (its parent changed, or a deferred reference
    /// will be set): it counts as updated even when its cells are stored as they are.
    also_changed: bool,
}

/// A deferrable reference to resolve once the file is written.
struct Pending {
    line: u64,
    lookup: usize,
    /// The row's natural key in the table.
    key: Vec<Cell>,
    /// The reference's key cells.
    reference: Vec<Cell>,
}

/// How a row compares with what is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stored {
    New,
    Changed(i32),
    Same(i32),
}

struct Loader<'a> {
    txn: &'a Counted<DatabaseTransaction>,
    backend: DbBackend,
    spec: &'a FileSpec,
    file: String,
    tally: Tally,
    /// Ids of the table's rows this file has named so far: a second mention is a repeat.
    named: RoaringBitmap,
    /// Ids of parent rows this file has named so far.
    named_parents: RoaringBitmap,
    pending: Vec<Pending>,
}

impl<'a> Loader<'a> {
    fn new(txn: &'a Counted<DatabaseTransaction>, spec: &'a FileSpec, file: &str) -> Self {
        Self {
            txn,
            backend: txn.get_database_backend(),
            spec,
            file: file.to_owned(),
            tally: Tally::default(),
            named: RoaringBitmap::new(),
            named_parents: RoaringBitmap::new(),
            pending: Vec::new(),
        }
    }

    fn error(&mut self, line: Option<u64>, column: Option<&str>, reason: String) {
        self.tally.error(&self.file, line, column, reason);
    }

    fn fail(&mut self, row: &mut Live, column: Option<&str>, reason: String) {
        row.failed = true;
        self.error(Some(row.line), column, reason);
    }

    /// The type a table column is read and bound with.
    fn target_type(&self, source: Source) -> Type {
        match source {
            Source::Column(name) => self
                .spec
                .position(name)
                .and_then(|i| self.spec.columns.get(i))
                .map_or(Type::Text { max: None }, |c| c.ty.clone()),
            Source::Lookup(_) | Source::Parent => Type::Int {
                min: i32::MIN,
                max: i32::MAX,
            },
        }
    }

    fn types(&self, table: &WriteTarget) -> Vec<Type> {
        table.targets.iter().map(|(_, s)| self.target_type(*s)).collect()
    }

    /// Validates, resolves and writes one chunk of parsed rows.
    async fn chunk(&mut self, rows: Vec<Row>) -> Result<(), ImportError> {
        let spec = self.spec;
        let mut live: Vec<Live> = rows
            .into_iter()
            .map(|row| Live {
                line: row.line,
                cells: row.cells,
                refs: vec![None; spec.lookups.len()],
                deferred: None,
                failed: false,
                parent: None,
                also_changed: false,
            })
            .collect();

        // Rules across columns, and a row named twice in the chunk.
        let mut first_line: HashMap<String, u64> = HashMap::new();
        for row in &mut live {
            if let Some((column, reason)) = spec.check(&row.cells) {
                self.fail(row, Some(column), reason);
                continue;
            }
            let key = key_text(spec.row_key.iter().map(|c| spec.cell(&row.cells, c)));
            if let Some(first) = first_line.get(&key) {
                let reason = format!("repeats the {} of line {first}", spec.row_key.join(", "));
                self.fail(row, None, reason);
            } else {
                first_line.insert(key, row.line);
            }
        }

        for (index, lookup) in spec.lookups.iter().enumerate() {
            self.resolve(index, lookup, &mut live).await?;
        }
        live.retain(|row| !row.failed);

        let parent_ids = match &spec.parent {
            Some(parent) => Some(self.parents(parent, &mut live).await?),
            None => None,
        };
        live.retain(|row| !row.failed);

        let table = &spec.table;
        let rows: Vec<Vec<Cell>> = live
            .iter()
            .map(|row| self.targets(table, row, parent_ids.as_ref()))
            .collect();
        let stored = self.classify(table, &rows).await?;
        let mut write = Vec::new();
        for ((row, cells), stored) in live.iter_mut().zip(rows).zip(stored) {
            let id = match stored {
                Stored::Changed(id) | Stored::Same(id) => Some(id),
                Stored::New => None,
            };
            if let Some(id) = id
                && !self.named.insert(id as u32)
            {
                let reason = format!("repeats the {} of an earlier row", spec.row_key.join(", "));
                self.fail(row, None, reason);
                continue;
            }
            if let Some((lookup, reference)) = row.deferred.take() {
                self.pending.push(Pending {
                    line: row.line,
                    lookup,
                    key: table.key_positions().into_iter().map(|i| cells[i].clone()).collect(),
                    reference,
                });
                // The row will change once its reference is resolved.
                row.also_changed = true;
            }
            match stored {
                Stored::New => self.tally.inserted += 1,
                Stored::Changed(_) => self.tally.updated += 1,
                Stored::Same(_) if row.also_changed => self.tally.updated += 1,
                Stored::Same(_) => self.tally.unchanged += 1,
            }
            if matches!(stored, Stored::New | Stored::Changed(_)) {
                write.push(cells);
            }
        }
        for id in self.write(table, &write).await?.into_values() {
            self.named.insert(id as u32);
        }
        Ok(())
    }

    /// The cells of `table`'s targets for a row.
    fn targets(&self, table: &WriteTarget, row: &Live, parents: Option<&HashMap<String, i32>>) -> Vec<Cell> {
        table
            .targets
            .iter()
            .map(|(_, source)| match source {
                Source::Column(name) => self.spec.cell(&row.cells, name).clone(),
                Source::Lookup(i) => row.refs.get(*i).copied().flatten().map_or(Cell::Null, Cell::Int),
                Source::Parent => row
                    .parent
                    .as_ref()
                    .zip(parents)
                    .and_then(|(key, ids)| ids.get(key))
                    .map_or(Cell::Null, |id| Cell::Int(*id)),
            })
            .collect()
    }

    /// Resolves lookup `index` for the chunk in one statement.
    async fn resolve(&mut self, index: usize, lookup: &Lookup, live: &mut [Live]) -> Result<(), ImportError> {
        let spec = self.spec;
        let skipped = |row: &Live| match lookup.skip {
            Skip::Never => false,
            Skip::IfEmpty(column) => spec.cell(&row.cells, column).is_null(),
            Skip::IfGiven(column) => !spec.cell(&row.cells, column).is_null(),
        };
        let key_cells =
            |row: &Live| -> Vec<Cell> { lookup.keys.iter().map(|k| spec.cell(&row.cells, k).clone()).collect() };
        let mut distinct: HashMap<String, usize> = HashMap::new();
        let mut tuples: Vec<Vec<Cell>> = Vec::new();
        for row in live.iter().filter(|r| !r.failed && !skipped(r)) {
            let cells = key_cells(row);
            distinct.entry(key_text(cells.iter())).or_insert_with(|| {
                tuples.push(cells);
                tuples.len() - 1
            });
        }
        let found = self.lookup(lookup, &tuples).await?;
        for row in live.iter_mut().filter(|r| !r.failed && !skipped(r)) {
            let cells = key_cells(row);
            let Some(&at) = distinct.get(&key_text(cells.iter())) else {
                continue;
            };
            match found.get(&at) {
                Some((_, Some(problem))) => {
                    let column = lookup.problem.map(|(c, _)| c);
                    self.fail(row, column, problem.clone());
                }
                Some((id, None)) => row.refs[index] = *id,
                None if lookup.deferrable => row.deferred = Some((index, cells)),
                None => {
                    let reason = unknown(lookup, &cells);
                    self.fail(row, lookup.keys.last().copied(), reason);
                }
            }
        }
        Ok(())
    }

    /// For each key tuple found: its id (NULL allowed) and the problem with it, if any.
    async fn lookup(
        &self,
        lookup: &Lookup,
        tuples: &[Vec<Cell>],
    ) -> Result<HashMap<usize, (Option<i32>, Option<String>)>, ImportError> {
        let mut found = HashMap::new();
        if tuples.is_empty() {
            return Ok(found);
        }
        let types: Vec<Type> = lookup
            .keys
            .iter()
            .map(|k| self.target_type(Source::Column(k)))
            .collect();
        let mut sql = Sql::new(self.backend);
        keys(
            &mut sql,
            types.len(),
            tuples
                .iter()
                .map(|cells| cells.iter().zip(&types).map(|(c, t)| c.value(t)).collect()),
        )?;
        sql.push(&format!("SELECT k.i, {}", lookup.id));
        if let Some((_, problem)) = lookup.problem {
            sql.push(&format!(", {problem}"));
        }
        sql.push(" FROM k ").push(lookup.joins);
        for row in self.txn.query_all_raw(sql.statement()).await? {
            let i: i32 = row.try_get_by_index(0)?;
            let id: Option<i32> = row.try_get_by_index(1)?;
            let problem: Option<String> = match lookup.problem {
                Some(_) => row.try_get_by_index(2)?,
                None => None,
            };
            found.insert(i as usize, (id, problem));
        }
        Ok(found)
    }

    /// Writes the parents of the chunk's rows (survey responses of answers); returns their
    /// ids by key.
    async fn parents(&mut self, parent: &WriteTarget, live: &mut [Live]) -> Result<HashMap<String, i32>, ImportError> {
        // One parent row per key; rows naming the same parent must agree on it.
        let key_at = parent.key_positions();
        let mut first: HashMap<String, (usize, u64)> = HashMap::new();
        let (mut rows, mut keys): (Vec<Vec<Cell>>, Vec<String>) = (Vec::new(), Vec::new());
        for row in live.iter_mut() {
            let cells = self.targets(parent, row, None);
            let key = key_text(key_at.iter().map(|&i| &cells[i]));
            match first.get(&key) {
                Some(&(at, line)) if rows[at] != cells => {
                    let reason = format!("gives its {} other values than line {line}", parent.name);
                    self.fail(row, None, reason);
                }
                Some(_) => {}
                None => {
                    first.insert(key.clone(), (rows.len(), row.line));
                    rows.push(cells);
                    keys.push(key.clone());
                }
            }
            row.parent = Some(key);
        }
        let stored = self.classify(parent, &rows).await?;
        let mut ids = HashMap::new();
        let mut write = Vec::new();
        let mut changed = std::collections::HashSet::new();
        for ((cells, stored), key) in rows.into_iter().zip(stored).zip(keys) {
            match stored {
                Stored::Same(id) => {
                    self.named_parents.insert(id as u32);
                    ids.insert(key, id);
                }
                Stored::Changed(id) if self.named_parents.contains(id as u32) => {
                    // Written earlier in this file with other values.
                    for row in live.iter_mut().filter(|r| !r.failed && r.parent.as_ref() == Some(&key)) {
                        let reason = format!("gives its {} other values than an earlier row", parent.name);
                        self.fail(row, None, reason);
                    }
                }
                Stored::Changed(_) | Stored::New => {
                    changed.insert(key);
                    write.push(cells);
                }
            }
        }
        for (key, id) in self.write(parent, &write).await? {
            self.named_parents.insert(id as u32);
            ids.insert(key, id);
        }
        for row in live.iter_mut() {
            if row.parent.as_ref().is_some_and(|key| changed.contains(key)) {
                row.also_changed = true;
            }
        }
        Ok(ids)
    }

    /// Compares `rows` (cells of `table`'s targets) with the stored rows of the same natural
    /// key, in one statement.
    async fn classify(&self, table: &WriteTarget, rows: &[Vec<Cell>]) -> Result<Vec<Stored>, ImportError> {
        let mut stored = vec![Stored::New; rows.len()];
        if rows.is_empty() {
            return Ok(stored);
        }
        let types = self.types(table);
        let key_at = table.key_positions();
        let mut sql = Sql::new(self.backend);
        keys(
            &mut sql,
            key_at.len(),
            rows.iter()
                .map(|cells| key_at.iter().map(|&i| cells[i].value(&types[i])).collect()),
        )?;
        sql.push("SELECT k.i, t.id");
        for (column, _) in &table.targets {
            sql.push(&format!(", t.{}", quoted(column)));
        }
        sql.push(&format!(" FROM k JOIN {} t ON ", quoted(table.name)));
        for (c, &i) in key_at.iter().enumerate() {
            if c > 0 {
                sql.push(" AND ");
            }
            sql.push(&format!("t.{} = k.c{c}", quoted(table.targets[i].0)));
        }
        for row in self.txn.query_all_raw(sql.statement()).await? {
            let i: i32 = row.try_get_by_index(0)?;
            let id: i32 = row.try_get_by_index(1)?;
            let Some(new) = rows.get(i as usize) else { continue };
            let mut same = true;
            for (c, ty) in types.iter().enumerate() {
                if Cell::read(&row, c + 2, ty)? != new[c] {
                    same = false;
                    break;
                }
            }
            stored[i as usize] = if same { Stored::Same(id) } else { Stored::Changed(id) };
        }
        Ok(stored)
    }

    /// Upserts `rows` into `table` in one statement; returns the written rows' ids by key.
    async fn write(&self, table: &WriteTarget, rows: &[Vec<Cell>]) -> Result<HashMap<String, i32>, ImportError> {
        let mut ids = HashMap::new();
        if rows.is_empty() {
            return Ok(ids);
        }
        let types = self.types(table);
        let columns: Vec<String> = table.targets.iter().map(|(c, _)| quoted(c)).collect();
        let mut sql = Sql::new(self.backend);
        sql.push(&format!("INSERT INTO {} ({}) ", quoted(table.name), columns.join(", ")));
        sql.relation(
            rows.iter()
                .map(|cells| cells.iter().zip(&types).map(|(cell, ty)| cell.value(ty)).collect())
                .collect(),
        )?;
        let keys: Vec<String> = table.key.iter().map(|k| quoted(k)).collect();
        let updates: Vec<String> = table
            .targets
            .iter()
            .filter(|(c, _)| !table.key.contains(c))
            .map(|(c, _)| format!("{0} = excluded.{0}", quoted(c)))
            .chain(
                table
                    .versioned
                    .then(|| format!("\"version\" = {}.\"version\" + 1", quoted(table.name))),
            )
            .collect();
        sql.push(&format!(" ON CONFLICT ({}) ", keys.join(", ")));
        if updates.is_empty() {
            sql.push("DO NOTHING");
        } else {
            sql.push(&format!("DO UPDATE SET {}", updates.join(", ")));
        }
        sql.push(&format!(" RETURNING id, {}", keys.join(", ")));
        let key_types: Vec<Type> = table.key_positions().into_iter().map(|i| types[i].clone()).collect();
        for row in self.txn.query_all_raw(sql.statement()).await? {
            let id: i32 = row.try_get_by_index(0)?;
            let mut key = Vec::with_capacity(key_types.len());
            for (c, ty) in key_types.iter().enumerate() {
                key.push(Cell::read(&row, c + 1, ty)?);
            }
            ids.insert(key_text(key.iter()), id);
        }
        Ok(ids)
    }

    /// After the last chunk: resolves the references deferred to the end of the file, then
    /// checks that a self-referencing table has no cycle.
    async fn finish(&mut self) -> Result<(), ImportError> {
        let spec = self.spec;
        let pending = std::mem::take(&mut self.pending);
        for batch in pending.chunks(super::CHUNK_ROWS) {
            let lookup_index = batch[0].lookup;
            let Some(lookup) = spec.lookups.get(lookup_index) else {
                continue;
            };
            let tuples: Vec<Vec<Cell>> = batch.iter().map(|p| p.reference.clone()).collect();
            let found = self.lookup(lookup, &tuples).await?;
            let mut resolved = Vec::new();
            for (i, item) in batch.iter().enumerate() {
                match found.get(&i) {
                    Some((Some(id), None)) => resolved.push((item, *id)),
                    Some((_, Some(problem))) => {
                        let column = lookup.problem.map(|(c, _)| c);
                        self.error(Some(item.line), column, problem.clone());
                    }
                    _ => {
                        let reason = format!("{} (neither stored nor in this file)", unknown(lookup, &item.reference));
                        self.error(Some(item.line), lookup.keys.last().copied(), reason);
                    }
                }
            }
            self.set_references(lookup_index, &resolved).await?;
        }
        if let Some(index) = spec.lookups.iter().position(|l| l.deferrable) {
            check_acyclic(self.txn, spec, index, &self.file, &mut self.tally).await?;
        }
        Ok(())
    }

    /// Sets the column fed by lookup `index` for rows named by their key, in one statement.
    async fn set_references(&self, index: usize, resolved: &[(&Pending, i32)]) -> Result<(), ImportError> {
        let table = &self.spec.table;
        let Some(column) = table.fed_by(index) else {
            return Ok(());
        };
        if resolved.is_empty() {
            return Ok(());
        }
        let types = self.types(table);
        let key_types: Vec<&Type> = table.key_positions().into_iter().map(|i| &types[i]).collect();
        let mut sql = Sql::new(self.backend);
        keys(
            &mut sql,
            key_types.len() + 1,
            resolved.iter().map(|(p, id)| {
                p.key
                    .iter()
                    .zip(&key_types)
                    .map(|(c, t)| c.value(t))
                    .chain(std::iter::once(Value::Int(Some(*id))))
                    .collect()
            }),
        )?;
        let name = quoted(table.name);
        let matches: Vec<String> = table
            .key
            .iter()
            .enumerate()
            .map(|(c, k)| format!("k.c{c} = {name}.{}", quoted(k)))
            .collect();
        let reference = format!("k.c{}", key_types.len());
        sql.push(&format!(
            "UPDATE {name} SET {} = (SELECT {reference} FROM k WHERE {matches}) \
             WHERE EXISTS (SELECT 1 FROM k WHERE {matches})",
            quoted(column),
            matches = matches.join(" AND "),
        ));
        self.txn.execute_raw(sql.statement()).await?;
        Ok(())
    }
}

/// A table referencing itself (organizations and their parents) must stay a tree: each row
/// that would be its own ancestor is refused.
pub(super) async fn check_acyclic(
    conn: &impl ConnectionTrait,
    spec: &FileSpec,
    index: usize,
    file: &str,
    tally: &mut Tally,
) -> Result<(), ImportError> {
    let table = &spec.table;
    let Some(column) = table.fed_by(index) else {
        return Ok(());
    };
    let Some(label) = table.key.first() else { return Ok(()) };
    let sql = format!(
        "SELECT id, {}, {} FROM {}",
        quoted(column),
        quoted(label),
        quoted(table.name)
    );
    let rows = conn
        .query_all_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await?;
    let mut parent: HashMap<i32, Option<i32>> = HashMap::new();
    let mut labels: HashMap<i32, String> = HashMap::new();
    for row in rows {
        let id: i32 = row.try_get_by_index(0)?;
        parent.insert(id, row.try_get_by_index(1)?);
        labels.insert(id, row.try_get_by_index(2)?);
    }
    let mut in_cycle: Vec<&String> = Vec::new();
    for &start in parent.keys() {
        let mut at = parent.get(&start).copied().flatten();
        let mut steps = 0;
        while let Some(node) = at {
            if node == start {
                in_cycle.extend(labels.get(&start));
                break;
            }
            steps += 1;
            if steps > parent.len() {
                break;
            }
            at = parent.get(&node).copied().flatten();
        }
    }
    in_cycle.sort();
    let column_name = spec.lookups[index].keys.last().copied();
    let reasons: Vec<String> = in_cycle
        .into_iter()
        .map(|label| format!("{label} would be its own ancestor"))
        .collect();
    for reason in reasons {
        tally.error(file, None, column_name, reason);
    }
    Ok(())
}
