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
//! - `wellness`: EASE (confidential counseling) use, as the vendor's aggregates.
//!
//! Cross-cutting (none of these imports an area):
//! - `auth`: the viewer, roles, bearer tokens and the row rule of every entity per role.
//! - `privacy`: every rule about what an aggregate may show (small cells, complements).
//! - `graphql`: the GraphQL kit — request context, loaders and batching, Relay connections,
//!   scalars; depends only on `auth` and `error`.
//! - `sql`: the SQL toolkit — dialect, named parameters, the organization tree, bulk writes.
//! - `calendar`: school years and as-of dates.
//! - `error`: the one error vocabulary (`ApiError`, `extensions.code`).
//! - `audit`: the audit trail every write appends to.
//! - `write`: the write kit of the mutations — one transaction, optimistic versions, the
//!   audit row, idempotency keys.
//! - `config`, `db`, `telemetry`: settings, connections, logging.
//!
//! Entry points (these may import everything above):
//! - `schema`: the schema root — the areas' parts merged, `node(id:)`, `viewer`.
//! - `import`: loading and exporting the CSV files of DESIGN.md §5.
//! - `seed`: generated districts (the demo and the full-size district).
//! - `http`: the poem routes and the bound [`http::Application`].
//! - `cli`: the `staffgraph` subcommands.
//!
//! `tests/api/architecture.rs` checks that no import cycle joins these modules. The benchmark
//! harness is the `staffgraph-bench` binary (`bench/`), built on this library's public items,
//! so that the server does not link it.

pub mod audit;
pub mod auth;
pub mod calendar;
pub mod cli;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod error;
pub mod evaluation;
pub mod framework;
pub mod graphql;
pub mod http;
pub mod import;
pub mod live;
pub mod measures;
pub mod metrics;
pub mod org;
pub mod privacy;
pub mod schema;
pub mod seed;
pub mod sql;
pub mod survey;
pub mod telemetry;
pub mod training;
pub mod wellness;
pub mod write;
