//! The staffgraph API: a poem server exposing an async-graphql schema over the sea-orm
//! entities of the `entity` crate, with request-scoped DataLoaders, and the `staffgraph`
//! command line.
//!
//! # Layout
//! Domain areas, each owning its GraphQL types, queries, loaders and database code:
//! - `org`: the organization tree and people: staff, employee groups, assignments, sections.
//! - `framework`: evaluation frameworks, their rubrics and rating levels.
//! - `evaluation`: processes, cycles, evaluations, events and element ratings.
//! - `survey`: surveys, their questions and classroom administrations.
//! - `measures`: the strategic-plan measures, their breakdowns and the lists behind them.
//! - `training`: training courses and completions.
//! - `import`: loading and exporting the CSV files of DESIGN.md §5 (`importCsv`, `staffgraph import|export`).
//!
//! Cross-cutting:
//! - `audit`: the audit trail every bulk write appends to.
//! - `auth`: the viewer and roles every service and loader receives.
//! - `config`: settings from flags and the environment, parsed once.
//! - `db`: connecting to SQLite (embedded default) or PostgreSQL.
//! - `error`: the one error vocabulary (`ApiError`, `extensions.code`).
//! - `schema`: the merged schema root, Relay ids and connections, the request context.
//! - `http`: the poem routes and the bound [`http::Application`].
//! - `telemetry`: logging and tracing.
//! - `seed`: generated districts (the demo and the full-size district).
//! - `bulk`: many rows a statement, the one write path of the seed and the import.
//! - `bench`: the benchmark harness (`staffgraph bench`).
//! - `cli`: the `staffgraph` subcommands.

pub mod audit;
pub mod auth;
pub mod bench;
pub mod bulk;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod evaluation;
pub mod framework;
pub mod http;
pub mod import;
pub mod measures;
pub mod org;
pub mod schema;
pub mod seed;
pub mod survey;
pub mod telemetry;
pub mod training;
