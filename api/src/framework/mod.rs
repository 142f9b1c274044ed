//! Evaluation frameworks (DESIGN.md §2): each framework's rubric — standards, components,
//! elements — and its rating levels. Reference data, loaded by a migration.

pub mod query;
pub mod relations;
pub mod types;
