//! Training (DESIGN.md §2 "Training"): courses (Ed-Fi ProfessionalDevelopmentEvent) and who
//! completed them when — the evidence of the supervisor-training and wellness-PD measures.

pub mod query;
pub mod relations;
pub mod types;
