//! Surveys (DESIGN.md §2 "Surveys"): the Stakeholder Feedback Survey and the School Experience
//! Survey, their questions, and the administrations of the SFS in each classroom — the unit the
//! 75% target counts. Responses and answers are anonymous and never leave the database as
//! rows; they reach the API only as suppressed aggregates (the measures and access issues).
//!
//! Writes: a principal plans the SFS in their school's classrooms and records each
//! administration (`mutation.rs`, `service.rs`, the rules in `domain.rs`).

pub mod domain;
pub mod mutation;
pub mod query;
pub mod relations;
pub mod results;
pub mod service;
pub mod subscription;
pub mod types;
