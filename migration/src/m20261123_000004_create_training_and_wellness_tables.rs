//! Training and wellness (DESIGN.md §2): courses, the supervisory-entry training requirement,
//! completions, the EASE vendor's aggregate reports (never a per-employee row) and yearly
//! attendance summaries.

use crate::spec::{TableSpec, table_migration};
use sea_orm_migration::{prelude::*, schema::*};

fn tables() -> Vec<TableSpec> {
    vec![
        // Ed-Fi ProfessionalDevelopmentEvent.
        TableSpec::new("training_course")
            .col(string_len("code", 32))
            .col(string("title"))
            .col(string_len("category", 32))
            .col(double("hours"))
            .unique(&["code"])
            .index(&["category"]),
        TableSpec::new("training_requirement")
            .col(string_len("category", 32))
            .col(string_len("applies_to", 32))
            .col(integer("window_days").default(180).take())
            .col(integer("prior_valid_days").default(365).take())
            .unique(&["category", "applies_to"]),
        // Ed-Fi ProfessionalDevelopmentEventAttendance.
        TableSpec::new("training_completion")
            .col(integer("staff_id"))
            .col(integer("course_id"))
            .col(date("completed_on"))
            .col(string_len("source", 32))
            .references("staff_id", "staff")
            .references("course_id", "training_course")
            .unique(&["staff_id", "course_id", "completed_on"])
            .index(&["completed_on"]),
        // EASE is confidential counseling: only the vendor's aggregates, per district or region.
        TableSpec::new("ease_report")
            .col(date("period_start"))
            .col(date("period_end"))
            .col(integer("organization_id"))
            .col(string_len("service_type", 16))
            .col(integer("unique_employees"))
            .col(integer("sessions"))
            .col(integer("eligible_employees"))
            .references("organization_id", "organization")
            .unique(&["organization_id", "service_type", "period_start", "period_end"])
            .index(&["period_start"]),
        TableSpec::new("attendance_summary")
            .col(integer("staff_id"))
            .col(integer("school_year"))
            .col(double("days_expected"))
            .col(double("days_absent"))
            .references("staff_id", "staff")
            .unique(&["staff_id", "school_year"])
            .index(&["school_year"]),
    ]
}

table_migration!(tables());
