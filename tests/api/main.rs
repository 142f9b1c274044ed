//! Black-box tests of the whole server, one module per capability. Every database test runs on
//! SQLite and on PostgreSQL (see `helpers::on_both_databases!`).

// A failed test should panic with its cause.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bulk;
mod cluster;
mod fixtures;
mod helpers;

mod architecture;
mod auth;
mod dashboard;
mod edge;
mod faults;
mod foundation;
mod import;
mod live;
mod maintained;
mod measures;
mod pagination;
mod privacy;
mod privacy_property;
mod read_api;
mod reference_writes;
mod replica;
mod schema_drift;
mod statements;
mod writes;
