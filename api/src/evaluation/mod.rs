//! Evaluations (DESIGN.md §2 "Evaluation frameworks and evaluations"): the evaluation
//! processes, their yearly cycles, each person's evaluation, its events (observations,
//! conferences) and element ratings. Evaluators write events, ratings and the status
//! (`mutation.rs`, `service.rs`, the rules in `domain.rs`).

pub mod domain;
pub mod mutation;
pub mod query;
pub mod relations;
pub mod service;
pub mod types;
