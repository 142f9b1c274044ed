//! Evaluations (DESIGN.md §2 "Evaluation frameworks and evaluations"): the evaluation
//! processes, their yearly cycles, each person's evaluation, its events (observations,
//! conferences) and element ratings.

pub mod query;
pub mod relations;
pub mod types;
