//! The `staffgraph` command line: `serve` (the default), `migrate`, `seed`, `import`, `export`,
//! `schema`, `token`.
//! Configuration is parsed once, here, from flags and the environment.

use crate::auth::Role;
use crate::auth::token::{self, Claims, Keys};
use crate::config::Config;
use crate::http::Application;
use crate::import::{self, ImportKind};
use crate::seed::{self, SeedError};
use crate::{db, schema, telemetry};
use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use migration::{Migrator, MigratorTrait};
use std::process::ExitCode;

/// The seed the server uses when it fills an empty embedded database with the demo district.
pub const DEMO_SEED: u64 = 2026;

/// staffgraph: a GraphQL backend for a school district's staff evaluation, survey, training
/// and wellness data.
#[derive(Debug, Parser)]
#[command(name = "staffgraph", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the GraphQL API and GraphiQL (the default). Applies pending migrations first; on
    /// the embedded default database, loads the demo district when it is empty.
    Serve,
    /// Apply, revert or inspect database migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Load a generated district into an empty, migrated database.
    Seed {
        /// Which district to generate.
        #[arg(long, value_enum, default_value_t = Profile::Demo)]
        profile: Profile,
        /// Random seed: the same seed gives the same rows.
        #[arg(long, default_value_t = DEMO_SEED)]
        seed: u64,
    },
    /// Load the CSV files of DESIGN.md §5: every import file in a directory (in load order),
    /// or one file with --kind. Each file is one transaction; a refused file loads nothing.
    Import {
        /// A directory of import files, or one file.
        path: std::path::PathBuf,
        /// The kind of a single file (default: from its name, e.g. staff.csv).
        #[arg(long, value_enum)]
        kind: Option<ImportKind>,
    },
    /// The maintained measure counts: rebuild them from the raw rows (after a restore or a
    /// manual SQL fix; imports and seeds rebuild them on their own), or check every figure
    /// they give against a recount from the rows.
    Measures {
        #[command(subcommand)]
        action: MeasuresAction,
    },
    /// Write the database as the import files of DESIGN.md §5 into a directory.
    Export {
        /// Where to write the files (created when missing; files there are replaced).
        dir: std::path::PathBuf,
    },
    /// Print the GraphQL schema (SDL, fields sorted). Needs no database.
    Schema,
    /// Mint a bearer token signed with STAFFGRAPH_JWT_SECRET.
    Token {
        /// The role (any case: PRINCIPAL or principal).
        #[arg(long, value_enum, ignore_case = true)]
        role: Role,
        /// A school (organization code) a PRINCIPAL's token covers; repeat for several.
        #[arg(long = "school")]
        schools: Vec<String>,
        /// The subject's employee number (required for EMPLOYEE).
        #[arg(long)]
        employee: Option<String>,
        /// How long the token is valid, e.g. 8h, 30m, 7d.
        #[arg(long, default_value = "8h", value_parser = token::parse_ttl)]
        ttl: std::time::Duration,
    },
}

#[derive(Debug, Subcommand)]
pub enum MeasuresAction {
    /// Recompute every count from the raw rows, in one transaction.
    Rebuild,
    /// Recount every figure of every built year, measure and organization, as of each month's
    /// last day, from the raw rows, and list any that differ (exit 1 when one does). Slow at
    /// the district's scale: minutes.
    Check,
}

#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Revert the most recent migrations.
    Down {
        /// How many migrations to revert.
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List migrations and whether each is applied.
    Status,
    /// Drop every table and apply all migrations again: deletes all data.
    Fresh {
        /// Confirm that every row may be deleted.
        #[arg(long)]
        yes: bool,
    },
}

/// Generated districts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// About 600 staff in 12 schools: complete but small.
    Demo,
    /// DESIGN.md's scale: 1,000 schools in 6 regions, about 75,000 staff, 125,000 sections and
    /// 2.4 million SFS responses (a fifth of the questions answered each), for benchmarks.
    District,
    /// Ten times the district: 10,000 schools, about 750,000 staff and 24 million SFS
    /// responses (PostgreSQL: about 22 minutes, 3 GB of memory, 7 GB on disk), for the
    /// state-wide benchmark.
    State,
}

/// Parses the command line, runs it and reports a failure with its cause chain.
pub async fn main() -> ExitCode {
    main_from(std::env::args_os()).await
}

/// [`main`] with the arguments given (the first is the program's name): how `staffgraph-bench`
/// runs `staffgraph serve` as the server under test.
pub async fn main_from<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = Cli::parse_from(args);
    telemetry::init(&cli.config.logging);
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Schema => {
            print!("{}", schema::sdl());
            Ok(())
        }
        Command::Serve => serve(&config).await,
        Command::Measures { action } => measures(&config, action).await,
        Command::Token {
            role,
            schools,
            employee,
            ttl,
        } => {
            let secret = config
                .jwt_secret
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .context("set STAFFGRAPH_JWT_SECRET (or --jwt-secret) to the server's secret to mint a token")?;
            let secret = token::checked_secret(secret).map_err(|e| anyhow::anyhow!(e))?;
            let claims = Claims::new(role, schools, employee, ttl).map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "{}",
                Keys::from_secret(secret)
                    .with_max_ttl(config.token_max_ttl)
                    .mint(&claims)
                    .map_err(|e| anyhow::anyhow!("{e}"))?
            );
            Ok(())
        }
        Command::Migrate { action } => migrate(&config, action).await,
        Command::Import { path, kind } => import(&config, &path, kind).await,
        Command::Export { dir } => {
            let db = db::connect_bounded(&config.database.target(), batch_bounds(&config)).await?;
            Migrator::up(&db, None).await.context("applying migrations")?;
            let written = import::export_dir(&db, &dir).await.map_err(import_error)?;
            println!("wrote {} files to {}", written.len(), dir.display());
            for (kind, rows) in written {
                println!("  {:<32} {rows:>9} rows", kind.file_name());
            }
            Ok(())
        }
        Command::Seed { profile, seed } => {
            let db = db::connect_bounded(&config.database.target(), batch_bounds(&config)).await?;
            Migrator::up(&db, None).await.context("applying migrations")?;
            let started = std::time::Instant::now();
            let (name, shape) = match profile {
                Profile::Demo => ("demo", seed::demo::Shape::DEMO),
                Profile::District => ("full-size", seed::demo::Shape::DISTRICT),
                Profile::State => ("state-size", seed::demo::Shape::STATE),
            };
            let report = seed::seed_shaped(&db, seed, shape).await.map_err(seed_error)?;
            println!(
                "loaded the {name} district: {} rows in {:.1?}",
                report.total(),
                started.elapsed()
            );
            for (table, rows) in &report.rows {
                println!("  {table:<26} {rows:>8}");
            }
            Ok(())
        }
    }
}

/// `staffgraph import`: a directory or one file; prints a summary per file, every error of a
/// refused file, and fails (non-zero exit) when a file was refused.
async fn import(config: &Config, path: &std::path::Path, kind: Option<ImportKind>) -> anyhow::Result<()> {
    let db = db::connect_bounded(&config.database.target(), batch_bounds(config)).await?;
    Migrator::up(&db, None).await.context("applying migrations")?;
    let actor = import::Actor::os_user();
    let mut progress = import::progress::Announce::new(&db, import::progress::for_stderr());
    let started = std::time::Instant::now();
    let (loaded, failed) = if path.is_dir() {
        if kind.is_some() {
            anyhow::bail!("--kind names the kind of one file; {} is a directory", path.display());
        }
        let report = import::import_dir(&db, path, &actor, &mut progress)
            .await
            .map_err(import_error)?;
        for name in &report.ignored {
            eprintln!("ignored {name}: not an import file");
        }
        (report.loaded, report.failed)
    } else {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let kind = kind
            .or_else(|| ImportKind::from_file_name(&name))
            .with_context(|| format!("{name}: not an import file name; say which file it is with --kind"))?;
        match import::import_file(&db, kind, path, &actor, &mut progress).await {
            Ok(summary) => {
                crate::measures::maintained::refresh(&db).await;
                (vec![summary], None)
            }
            Err(error) => (Vec::new(), Some(error)),
        }
    };
    // Every file's end reaches the subscribers before the command exits.
    progress.flushed().await;
    if !loaded.is_empty() {
        println!(
            "{:<32} {:>9} {:>9} {:>9} {:>9}",
            "file", "rows", "inserted", "updated", "unchanged"
        );
        for s in &loaded {
            println!(
                "{:<32} {:>9} {:>9} {:>9} {:>9}",
                s.file, s.rows, s.inserted, s.updated, s.unchanged
            );
        }
        let rows: u64 = loaded.iter().map(|s| s.rows).sum();
        println!("{} file(s), {rows} rows in {:.1?}", loaded.len(), started.elapsed());
    }
    match failed {
        None => Ok(()),
        Some(error) => Err(import_error(error)),
    }
}

/// An import failure for the terminal: every listed error on its own line.
/// The limits of the batch commands, with the configured wait for SQLite's write lock.
fn batch_bounds(config: &Config) -> db::Bounds {
    db::Bounds::batch(config.database.database_busy_timeout)
}

fn import_error(error: import::ImportError) -> anyhow::Error {
    match error {
        import::ImportError::Refused { file, errors, total } => {
            for e in &errors {
                eprintln!("{e}");
            }
            if total > errors.len() {
                eprintln!("… and {} more", total - errors.len());
            }
            anyhow::anyhow!("{file} was refused with {total} error(s); nothing of it was loaded")
        }
        import::ImportError::Api(crate::error::ApiError::Internal(cause)) => anyhow::anyhow!("{cause:#}"),
        // The driver's words ("expected to read 5 bytes, got 0 bytes at EOF") go to the log.
        import::ImportError::Api(crate::error::ApiError::Unavailable(_)) => anyhow::anyhow!(
            "the database could not be reached or was lost during the import; nothing of the file being \
             loaded was kept (files loaded before it stay loaded): run the import again once the database is back"
        ),
        other => anyhow::anyhow!(other.to_string()),
    }
}

fn seed_error(error: SeedError) -> anyhow::Error {
    match error {
        SeedError::Api(crate::error::ApiError::Internal(cause)) => anyhow::anyhow!("seeding: {cause:#}"),
        other => anyhow::anyhow!(other.to_string()),
    }
}

async fn serve(config: &Config) -> anyhow::Result<()> {
    let target = config.database.target();
    let replica_target = config.database.replica()?;
    // The secret is checked before the database is touched: a refused start changes nothing.
    let secret = config.jwt_secret.as_deref().filter(|s| !s.trim().is_empty());
    if let Some(secret) = secret {
        token::checked_secret(secret).map_err(|e| anyhow::anyhow!(e))?;
    } else if !target.embedded_default {
        anyhow::bail!(
            "STAFFGRAPH_JWT_SECRET is not set: a server on {} must verify tokens with a secret of its own \
             (only the embedded demo database makes one up)",
            db::redact(&target.url)
        );
    }
    let bounds = db::Bounds {
        statement_timeout: Some(config.edge.request_timeout),
        acquire_timeout: config.edge.database_wait,
        busy_timeout: config.database.database_busy_timeout,
    };
    // A database that is not up yet (starting beside the server, restarting) is waited for;
    // a signal meanwhile ends the wait, and the server, cleanly.
    let db = tokio::select! {
        db = db::connect_waiting(&target, bounds) => db?,
        () = crate::http::stop_signal() => return Ok(()),
    };
    let (db, seeded) = prepare(&target, db).await?;
    let replica = match &replica_target {
        Some(replica) => tokio::select! {
            db = db::connect_replica(replica, bounds) => Some(db?),
            () = crate::http::stop_signal() => return Ok(()),
        },
        None => None,
    };
    if let Some(report) = seeded {
        println!("loaded the demo district into {} ({} rows)", target.url, report.total());
    }
    let keys = match secret {
        Some(secret) => Keys::from_secret(secret).with_max_ttl(config.token_max_ttl),
        None if target.embedded_default => {
            let (keys, _) = Keys::generate();
            let keys = keys.with_max_ttl(config.token_max_ttl);
            print_demo_tokens(&keys, &db).await?;
            keys
        }
        None => anyhow::bail!(
            "STAFFGRAPH_JWT_SECRET is not set: a server on {} must verify tokens with a secret of its own \
             (only the embedded demo database makes one up)",
            db::redact(&target.url)
        ),
    };
    let mut app = Application::bind(config.bind, db, keys).await?;
    if let (Some(replica), Some(named)) = (replica, &replica_target) {
        println!("queries read the replica at {}", db::redact(&named.url));
        app = app.with_replica(replica);
    }
    let app = app
        .with_edge(config.edge)
        .with_live(config.live)
        .with_cors(config.cors.clone());
    let address = app.address();
    println!("staffgraph is serving GraphiQL at http://{address}/ and GraphQL at http://{address}/graphql");
    app.run_until_stopped().await.context("serving")
}

/// On the embedded demo: a ready token for each role (valid 8 hours, signed with this run's
/// random secret), so GraphiQL can be tried as anyone.
async fn print_demo_tokens(keys: &Keys, db: &sea_orm::DatabaseConnection) -> anyhow::Result<()> {
    use entity::{organization, staff};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let school = organization::Entity::find()
        .filter(organization::Column::Kind.eq(entity::enums::OrganizationKind::School))
        .order_by_asc(organization::Column::Code)
        .one(db)
        .await?;
    let employee = staff::Entity::find().order_by_asc(staff::Column::Id).one(db).await?;
    let ttl = std::time::Duration::from_secs(8 * 3600);
    println!("demo tokens (send as `Authorization: Bearer <token>`; no token is PUBLIC):");
    for role in [Role::Admin, Role::Hr, Role::Analyst, Role::Principal, Role::Employee] {
        let schools = match (role, &school) {
            (Role::Principal, Some(school)) => vec![school.code.clone()],
            _ => Vec::new(),
        };
        let subject = match (role, &employee) {
            (Role::Employee, Some(person)) => Some(person.employee_number.clone()),
            _ => None,
        };
        let Ok(claims) = Claims::new(role, schools, subject, ttl) else {
            continue;
        };
        let token = keys.mint(&claims).map_err(|e| anyhow::anyhow!("{e}"))?;
        println!("  {:<9} {token}", format!("{role:?}").to_uppercase());
    }
    Ok(())
}

/// Connects, applies pending migrations and, on the embedded default database only, loads the
/// demo district when the database is empty. A database named by `DATABASE_URL` may be
/// production: it gets demo rows only from an explicit `staffgraph seed`.
pub async fn prepare_database(
    target: &crate::config::DatabaseTarget,
) -> anyhow::Result<(sea_orm::DatabaseConnection, Option<seed::SeedReport>)> {
    prepare(target, db::connect(target).await?).await
}

async fn prepare(
    target: &crate::config::DatabaseTarget,
    db: sea_orm::DatabaseConnection,
) -> anyhow::Result<(sea_orm::DatabaseConnection, Option<seed::SeedReport>)> {
    Migrator::up(&db, None).await.context("applying migrations")?;
    let mut seeded = None;
    if target.embedded_default && db::is_empty(&db).await? {
        tracing::info!("the embedded database is empty: loading the demo district");
        seeded = Some(seed::seed_demo(&db, DEMO_SEED).await.map_err(seed_error)?);
    }
    Ok((db, seeded))
}

/// `staffgraph measures rebuild|check`.
async fn measures(config: &Config, action: MeasuresAction) -> anyhow::Result<()> {
    use crate::measures::maintained;
    let db = db::connect_bounded(&config.database.target(), batch_bounds(config)).await?;
    Migrator::up(&db, None).await.context("applying migrations")?;
    let started = std::time::Instant::now();
    let api = |e: crate::error::ApiError| match e {
        crate::error::ApiError::Internal(cause) => anyhow::anyhow!("{cause:#}"),
        other => anyhow::anyhow!("{other}"),
    };
    match action {
        MeasuresAction::Rebuild => {
            let rebuilt = maintained::rebuild(&db).await.map_err(api)?;
            if rebuilt.skipped {
                println!("another rebuild is running; nothing done");
            } else {
                println!(
                    "rebuilt the measure counts of school years {:?}: {} rows in {:.1?}",
                    rebuilt.years,
                    rebuilt.rows,
                    started.elapsed()
                );
            }
            Ok(())
        }
        MeasuresAction::Check => {
            let drifts = maintained::check(&db).await.map_err(api)?;
            for d in &drifts {
                println!(
                    "{} {} organization {} as of {}: kept {}/{}, counted {}/{}",
                    d.year, d.measure, d.organization_id, d.as_of, d.kept.0, d.kept.1, d.counted.0, d.counted.1
                );
            }
            if drifts.is_empty() {
                println!("every kept figure equals the recount ({:.1?})", started.elapsed());
                Ok(())
            } else {
                anyhow::bail!(
                    "{} figure(s) differ from the recount: run `staffgraph measures rebuild`",
                    drifts.len()
                )
            }
        }
    }
}

async fn migrate(config: &Config, action: MigrateAction) -> anyhow::Result<()> {
    let target = config.database.target();
    let db = match action {
        MigrateAction::Fresh { yes: true } => db::connect_for_rebuild(&target).await?,
        _ => db::connect(&target).await?,
    };
    match action {
        MigrateAction::Up => Migrator::up(&db, None).await.context("applying migrations")?,
        MigrateAction::Down { steps } => Migrator::down(&db, Some(steps)).await.context("reverting migrations")?,
        MigrateAction::Fresh { yes: false } => {
            anyhow::bail!("`migrate fresh` deletes every row of every table; run it again with --yes to confirm")
        }
        MigrateAction::Fresh { yes: true } => Migrator::fresh(&db).await.context("recreating the schema")?,
        MigrateAction::Status => {}
    }
    for migration in Migrator::get_migration_with_status(&db)
        .await
        .context("reading migration status")?
    {
        println!("{:<10} {}", format!("{:?}", migration.status()), migration.name());
    }
    Ok(())
}
