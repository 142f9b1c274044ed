//! Surveys (DESIGN.md §2 "Surveys"): the Stakeholder Feedback Survey and the School Experience
//! Survey, their questions, SFS administrations per (section, teacher) and anonymous responses.
//! No column here can hold a student's or a respondent's identity.

use crate::spec::{TableSpec, table_migration};
use sea_orm_migration::{prelude::*, schema::*};

fn tables() -> Vec<TableSpec> {
    vec![
        // Ed-Fi Survey.
        TableSpec::new("survey")
            .col(string_len("code", 32))
            .col(string("title"))
            .col(string_len("kind", 24))
            .col(integer("school_year"))
            .col(date("window_start"))
            .col(date("window_end"))
            .col(integer("min_report_n").default(10).take())
            .col(boolean("confidential"))
            .unique(&["code"])
            .index(&["school_year", "kind"]),
        // Ed-Fi SurveyQuestion.
        TableSpec::new("survey_question")
            .col(integer("survey_id"))
            .col(string_len("code", 64))
            .col(text("text"))
            .col(integer("scale_min"))
            .col(integer("scale_max"))
            .col(integer("favorable_from"))
            .part_of("survey_id", "survey")
            .unique(&["survey_id", "code"]),
        // The unit the 75% SFS target counts (§3 SFS_COVERAGE).
        TableSpec::new("survey_administration")
            .col(integer("survey_id"))
            .col(integer("section_id"))
            .col(integer("teacher_id"))
            .col(string_len("status", 16))
            .col(date_null("administered_on"))
            .col(integer("enrolled_count"))
            .col(integer("response_count"))
            .references("survey_id", "survey")
            .references("section_id", "section")
            .references("teacher_id", "staff")
            .unique(&["survey_id", "section_id", "teacher_id"])
            .index(&["status"]),
        // Ed-Fi SurveyResponse: anonymous; tied to an SFS administration or, for the School
        // Experience Survey, only to a school.
        TableSpec::new("survey_response")
            .col(integer("survey_id"))
            .col(string_len("response_key", 64))
            .col(integer_null("administration_id"))
            .col(integer_null("school_id"))
            .references("survey_id", "survey")
            .part_of("administration_id", "survey_administration")
            .references("school_id", "organization")
            .unique(&["survey_id", "response_key"]),
        // Ed-Fi SurveyQuestionResponse: one numeric value per question.
        TableSpec::new("survey_answer")
            .col(integer("response_id"))
            .col(integer("question_id"))
            .col(integer("value"))
            .part_of("response_id", "survey_response")
            .part_of("question_id", "survey_question")
            .unique(&["response_id", "question_id"]),
    ]
}

table_migration!(tables());
