//! Writing the database back as the import files: each file's export query, streamed row by
//! row into CSV, so that importing the directory reproduces the database.

use super::cell::Cell;
use super::{ImportError, ImportKind, formats};
use futures_util::TryStreamExt;
use sea_orm::{DatabaseConnection, Statement, StreamTrait};
use std::path::Path;

/// Writes every import file into `dir` (created when missing); returns the rows per file.
pub async fn export_dir(db: &DatabaseConnection, dir: &Path) -> Result<Vec<(ImportKind, u64)>, ImportError> {
    let unwritable = |file: String| {
        move |e: std::io::Error| ImportError::Unreadable {
            file,
            reason: e.to_string(),
        }
    };
    std::fs::create_dir_all(dir).map_err(unwritable(dir.display().to_string()))?;
    let mut written = Vec::new();
    for &kind in ImportKind::ALL {
        let path = dir.join(kind.file_name());
        let file = std::fs::File::create(&path).map_err(unwritable(path.display().to_string()))?;
        let rows = export_file(db, kind, std::io::BufWriter::new(file))
            .await
            .map_err(|e| match e {
                ExportError::Io(e) => unwritable(path.display().to_string())(e),
                ExportError::Db(e) => e.into(),
            })?;
        written.push((kind, rows));
    }
    Ok(written)
}

enum ExportError {
    Io(std::io::Error),
    Db(sea_orm::DbErr),
}

impl From<sea_orm::DbErr> for ExportError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Db(e)
    }
}

impl From<csv::Error> for ExportError {
    fn from(e: csv::Error) -> Self {
        Self::Io(e.into())
    }
}

/// Writes the file of `kind` to `out`; returns its data rows.
async fn export_file(db: &DatabaseConnection, kind: ImportKind, out: impl std::io::Write) -> Result<u64, ExportError> {
    let spec = formats::spec(kind);
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(spec.columns.iter().map(|c| c.name))?;
    let statement = Statement::from_string(db.get_database_backend(), spec.export);
    let mut stream = db.stream_raw(statement).await?;
    let mut rows = 0;
    let mut record = Vec::with_capacity(spec.columns.len());
    while let Some(row) = stream.try_next().await? {
        record.clear();
        for (i, column) in spec.columns.iter().enumerate() {
            record.push(Cell::read(&row, i, &column.ty)?.text());
        }
        writer.write_record(&record)?;
        rows += 1;
    }
    writer.flush().map_err(ExportError::Io)?;
    Ok(rows)
}
