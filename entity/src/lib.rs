//! sea-orm entities of staffgraph, one file per table (DESIGN.md §2). This crate knows nothing
//! of GraphQL or HTTP: the API wraps these models in its own types so that no column reaches a
//! client by accident.
//!
//! # Layout
//! - `enums`: the string-backed vocabularies (statuses, kinds, roles).
//! - one module per table, named as the table.

pub mod enums;

pub mod assignment;
pub mod attendance_summary;
pub mod audit_event;
pub mod ease_report;
pub mod element_rating;
pub mod employee_group;
pub mod evaluation;
pub mod evaluation_cycle;
pub mod evaluation_event;
pub mod evaluation_process;
pub mod evaluation_process_group;
pub mod evaluation_process_measure;
pub mod framework;
pub mod framework_component;
pub mod framework_element;
pub mod framework_standard;
pub mod organization;
pub mod plan_measure;
pub mod rating_level;
pub mod section;
pub mod section_teacher;
pub mod staff;
pub mod survey;
pub mod survey_administration;
pub mod survey_answer;
pub mod survey_question;
pub mod survey_response;
pub mod training_completion;
pub mod training_course;
pub mod training_requirement;
