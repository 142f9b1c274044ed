//! The staffgraph API: a poem server exposing an async-graphql schema over the sea-orm
//! entities of the `entity` crate, with request-scoped DataLoaders, and the `staffgraph`
//! command line.
//!
//! # Layout
//! Domain areas, each owning its GraphQL types, queries, loaders and database code:
//! - `org`: the organization tree (district, regions, schools, offices).
//!
//! Cross-cutting:
//! - `config`: settings from flags and the environment, parsed once.
//! - `db`: connecting to SQLite (embedded default) or PostgreSQL.
//! - `error`: the one error vocabulary (`ApiError`, `extensions.code`).
//! - `schema`: the merged schema root, Relay ids and connections, the request context.
//! - `http`: the poem routes and the bound [`http::Application`].
//! - `telemetry`: logging and tracing.
//! - `seed`: generated districts (the demo) and bulk inserts.
//! - `cli`: the `staffgraph` subcommands.

pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod http;
pub mod org;
pub mod schema;
pub mod seed;
pub mod telemetry;
