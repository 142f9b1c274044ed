//! Training (DESIGN.md §2 "Training"): courses (Ed-Fi ProfessionalDevelopmentEvent) and who
//! completed them when — the evidence of the supervisor-training and wellness-PD measures. HR records completions
//! (`mutation.rs`, `service.rs`).

pub mod mutation;
pub mod query;
pub mod relations;
pub mod service;
pub mod types;
