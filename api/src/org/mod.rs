//! The organization tree (DESIGN.md §2 "Organization and people"): the district, its regions,
//! schools and offices, as GraphQL types, queries and the relations the loader batches.

pub mod query;
pub mod relations;
pub mod types;
