//! Evaluation frameworks and evaluations (DESIGN.md §2): the rubric tree of each framework,
//! its rating levels, the evaluation processes with the measures they use and the groups
//! they serve, and the yearly cycles, evaluations, events and element ratings.

use crate::spec::{TableSpec, table_migration};
use sea_orm_migration::{prelude::*, schema::*};

fn tables() -> Vec<TableSpec> {
    vec![
        TableSpec::new("framework")
            .col(string_len("code", 16))
            .col(string("name"))
            .col(string_len("version", 32))
            .unique(&["code"]),
        TableSpec::new("framework_standard")
            .col(integer("framework_id"))
            .col(string_len("code", 16))
            .col(string("title"))
            .col(integer("sort_order"))
            .part_of("framework_id", "framework")
            .unique(&["framework_id", "code"]),
        TableSpec::new("framework_component")
            .col(integer("standard_id"))
            .col(string_len("code", 16))
            .col(string("title"))
            .col(integer("sort_order"))
            .part_of("standard_id", "framework_standard")
            .unique(&["standard_id", "code"]),
        TableSpec::new("framework_element")
            .col(integer("component_id"))
            .col(string_len("code", 16))
            .col(string("title"))
            .col(integer("sort_order"))
            .col(boolean("focus"))
            .part_of("component_id", "framework_component")
            .unique(&["component_id", "code"]),
        TableSpec::new("rating_level")
            .col(integer("framework_id"))
            .col(string_len("scale", 16))
            .col(integer("ordinal"))
            .col(string("label"))
            .part_of("framework_id", "framework")
            .unique(&["framework_id", "scale", "ordinal"])
            .unique(&["framework_id", "scale", "label"]),
        TableSpec::new("evaluation_process")
            .col(string_len("code", 16))
            .col(string("name"))
            .col(integer("framework_id"))
            .col(boolean("requires_sfs"))
            .references("framework_id", "framework")
            .unique(&["code"]),
        // The measure kinds a process uses; two or more make it multiple-measures (§3).
        TableSpec::new("evaluation_process_measure")
            .col(integer("process_id"))
            .col(string_len("measure", 32))
            .part_of("process_id", "evaluation_process")
            .unique(&["process_id", "measure"]),
        // Which employee groups a process serves: district data, imported.
        TableSpec::new("evaluation_process_group")
            .col(integer("process_id"))
            .col(integer("employee_group_id"))
            .part_of("process_id", "evaluation_process")
            .part_of("employee_group_id", "employee_group")
            .unique(&["process_id", "employee_group_id"]),
        // Ed-Fi PerformanceEvaluation.
        TableSpec::new("evaluation_cycle")
            .col(integer("process_id"))
            .col(integer("school_year"))
            .col(date("roster_cutoff"))
            .col(date("final_due_date"))
            .references("process_id", "evaluation_process")
            .unique(&["process_id", "school_year"])
            .index(&["school_year"]),
        // Ed-Fi PerformanceEvaluationRating.
        TableSpec::new("evaluation")
            .col(integer("cycle_id"))
            .col(integer("evaluatee_id"))
            .col(integer_null("evaluator_id"))
            .col(integer("school_id"))
            .col(string_len("status", 16))
            .col(date("rostered_on"))
            .col(integer_null("final_rating_id"))
            .col(date_null("completed_on"))
            .col(integer("version").default(1).take())
            .references("cycle_id", "evaluation_cycle")
            .references("evaluatee_id", "staff")
            .references("evaluator_id", "staff")
            .references("school_id", "organization")
            .references("final_rating_id", "rating_level")
            .unique(&["cycle_id", "evaluatee_id"])
            .index(&["status"]),
        // Ed-Fi EvaluationRating: an observation, conference or self-assessment.
        TableSpec::new("evaluation_event")
            .col(integer("evaluation_id"))
            .col(string_len("kind", 24))
            .col(date("occurred_on"))
            .col(integer_null("section_id"))
            .col(string_len("status", 16))
            .part_of("evaluation_id", "evaluation")
            .references("section_id", "section")
            .unique(&["evaluation_id", "kind", "occurred_on"])
            .index(&["occurred_on"]),
        // Ed-Fi EvaluationElementRating.
        TableSpec::new("element_rating")
            .col(integer("event_id"))
            .col(integer("element_id"))
            .col(integer("rating_level_id"))
            .col(text_null("feedback"))
            .part_of("event_id", "evaluation_event")
            .references("element_id", "framework_element")
            .references("rating_level_id", "rating_level")
            .unique(&["event_id", "element_id"]),
    ]
}

table_migration!(tables());
