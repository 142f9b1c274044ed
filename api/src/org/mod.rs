//! The organization tree (DESIGN.md §2 "Organization and people"): the district, its regions,
//! schools and offices, as GraphQL types, queries and loaders.

pub mod loader;
pub mod query;
pub mod types;
