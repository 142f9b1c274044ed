//! Surveys (DESIGN.md §2 "Surveys"): the Stakeholder Feedback Survey and the School Experience
//! Survey, their questions, and the administrations of the SFS in each classroom — the unit the
//! 75% target counts. Responses and answers are anonymous and never leave the database as
//! rows; they reach the API only as suppressed aggregates (the measures and access issues).

pub mod query;
pub mod relations;
pub mod results;
pub mod types;
