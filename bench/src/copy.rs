//! Import speed: `staffgraph import` of a directory into a scratch database, beside
//! PostgreSQL's COPY of the same files into text tables (the floor of getting the bytes in).

use api::config::DatabaseTarget;
use api::import::progress::Quiet;
use api::import::{Actor, ImportKind, import_file};
use migration::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;
use sea_orm::sqlx::postgres::PgPoolCopyExt;
use std::fmt::Write as _;
use std::io::{BufRead, Read};
use std::path::Path;
use std::time::Instant;

/// Times the import of `dir` into a scratch database next to `target`, and on PostgreSQL the
/// COPY of the same files; returns the report's section.
pub async fn compare(target: &DatabaseTarget, dir: &Path) -> anyhow::Result<String> {
    let postgres = target.url.starts_with("postgres");
    let scratch_dir = tempfile_dir()?;
    let (scratch, maintenance, name) = if postgres {
        let base = target.url.split('?').next().unwrap_or(&target.url);
        let slash = base
            .rfind('/')
            .ok_or_else(|| anyhow::anyhow!("a PostgreSQL URL names a database"))?;
        let name = format!("{}_bench_import", &base[slash + 1..]);
        let maintenance = format!("{}/postgres", &base[..slash]);
        let admin = sea_orm::Database::connect(&maintenance).await?;
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await?;
        admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await?;
        admin.close().await?;
        (format!("{}/{name}", &base[..slash]), Some(maintenance), name)
    } else {
        let url = format!("sqlite://{}", scratch_dir.join("import.db").display());
        (url, None, String::new())
    };
    let db = api::db::connect(&DatabaseTarget {
        url: scratch.clone(),
        embedded_default: false,
    })
    .await?;
    Migrator::up(&db, None).await?;

    // What `staffgraph import DIR` does (`import_dir`), file by file so that each is timed:
    // every file in load order, then the statistics and the maintained measure counts.
    let started = Instant::now();
    let actor = Actor::os_user();
    let mut files = Vec::new();
    for &kind in ImportKind::ALL {
        let path = dir.join(kind.file_name());
        if !path.is_file() {
            continue;
        }
        let file_started = Instant::now();
        let summary = import_file(&db, kind, &path, &actor, &mut Quiet)
            .await
            .map_err(|e| anyhow::anyhow!("the import failed: {e}"))?;
        files.push((summary, file_started.elapsed()));
    }
    anyhow::ensure!(!files.is_empty(), "{} holds no import file", dir.display());
    let after_started = Instant::now();
    api::db::analyze(&db).await?;
    api::measures::maintained::refresh(&db).await;
    let after = after_started.elapsed();
    let import_time = started.elapsed();
    let rows: u64 = files.iter().map(|(s, _)| s.rows).sum();
    let import_rate = rows as f64 / import_time.as_secs_f64();

    let mut out = String::new();
    writeln!(
        out,
        "### Import of {} ({rows} rows in {} files)\n",
        dir.display(),
        files.len()
    )?;
    writeln!(
        out,
        "`staffgraph import`: {:.1} s, {import_rate:.0} rows/s (validation, references, upserts, one transaction per file; \
         then ANALYZE and the maintained measure counts, {:.1} s).\n",
        import_time.as_secs_f64(),
        after.as_secs_f64()
    )?;
    writeln!(out, "| file | rows | s | rows/s | statements |")?;
    writeln!(out, "|---|---:|---:|---:|---:|")?;
    for (summary, time) in &files {
        writeln!(
            out,
            "| {} | {} | {:.2} | {:.0} | {} |",
            summary.file,
            summary.rows,
            time.as_secs_f64(),
            summary.rows as f64 / time.as_secs_f64().max(1e-9),
            summary.statements
        )?;
    }
    writeln!(out)?;

    if postgres {
        let pool = db.get_postgres_connection_pool().clone();
        let started = Instant::now();
        let mut copied = 0u64;
        for &kind in ImportKind::ALL {
            let path = dir.join(kind.file_name());
            if !path.is_file() {
                continue;
            }
            let header = std::io::BufReader::new(std::fs::File::open(&path)?)
                .lines()
                .next()
                .transpose()?
                .unwrap_or_default();
            let columns: Vec<String> = header.split(',').map(|c| format!("\"{}\" text", c.trim())).collect();
            let table = format!("copy_{}", kind.stem());
            db.execute_unprepared(&format!("CREATE UNLOGGED TABLE {table} ({})", columns.join(", ")))
                .await?;
            let mut copy = pool
                .copy_in_raw(&format!("COPY {table} FROM STDIN WITH (FORMAT csv, HEADER true)"))
                .await?;
            let mut file = std::fs::File::open(&path)?;
            let mut buffer = vec![0u8; 1 << 20];
            loop {
                let n = file.read(&mut buffer)?;
                if n == 0 {
                    break;
                }
                copy.send(&buffer[..n]).await?;
            }
            copied += copy.finish().await?;
        }
        let copy_time = started.elapsed();
        let copy_rate = copied as f64 / copy_time.as_secs_f64();
        writeln!(
            out,
            "PostgreSQL `COPY … FROM STDIN (FORMAT csv)` of the same files into text tables: {:.1} s, {copy_rate:.0} rows/s.",
            copy_time.as_secs_f64()
        )?;
        writeln!(
            out,
            "Import ÷ COPY: {:.2} (target ≥ 0.5).",
            import_rate / copy_rate.max(1e-9)
        )?;
    } else {
        writeln!(out, "(SQLite has no COPY: the import figure stands alone.)")?;
    }
    db.close().await?;
    if let Some(maintenance) = maintenance {
        let admin = sea_orm::Database::connect(&maintenance).await?;
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await?;
        admin.close().await?;
    }
    let _ = std::fs::remove_dir_all(&scratch_dir);
    Ok(out)
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("staffgraph-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
