//! Organizations and people (DESIGN.md §2 "Organization and people"): the district's
//! organization tree, employee groups, staff, their assignments, class sections and who
//! teaches them.

use crate::spec::{TableSpec, table_migration};
use sea_orm_migration::{prelude::*, schema::*};

fn tables() -> Vec<TableSpec> {
    vec![
        // Ed-Fi EducationOrganization: the district, its regions, schools and offices.
        TableSpec::new("organization")
            .col(string("code"))
            .col(string("name"))
            .col(string_len("kind", 16))
            .col(integer_null("parent_id"))
            .col(string_len_null("equity_tier", 16))
            .references("parent_id", "organization")
            .unique(&["code"])
            .index(&["kind"]),
        TableSpec::new("employee_group")
            .col(string("code"))
            .col(string("name"))
            .col(boolean("certificated"))
            .col(string_null("bargaining_unit"))
            .unique(&["code"]),
        // Ed-Fi Staff.
        TableSpec::new("staff")
            .col(string("employee_number"))
            .col(string("first_name"))
            .col(string("last_name"))
            .col(string_null("email"))
            .col(integer("employee_group_id"))
            .col(date("hire_date"))
            .col(boolean("active"))
            .references("employee_group_id", "employee_group")
            .unique(&["employee_number"])
            .index(&["active"]),
        // Ed-Fi StaffEducationOrganizationAssignmentAssociation.
        TableSpec::new("assignment")
            .col(integer("staff_id"))
            .col(integer("organization_id"))
            .col(string("job_title"))
            .col(string_len("job_class_code", 32))
            .col(boolean("supervisory"))
            .col(boolean("management"))
            .col(date("begin_date"))
            .col(date_null("end_date"))
            .references("staff_id", "staff")
            .references("organization_id", "organization")
            .unique(&["staff_id", "organization_id", "job_class_code", "begin_date"])
            .index(&["begin_date"]),
        // Ed-Fi Section: a class section; enrolled_count only, never a student roster.
        TableSpec::new("section")
            .col(integer("school_id"))
            .col(string("section_code"))
            .col(integer("school_year"))
            .col(string("course_name"))
            .col(string_len_null("grade_band", 16))
            .col(integer("enrolled_count"))
            .references("school_id", "organization")
            .unique(&["school_id", "school_year", "section_code"])
            .index(&["school_year"]),
        // Ed-Fi StaffSectionAssociation.
        TableSpec::new("section_teacher")
            .col(integer("section_id"))
            .col(integer("staff_id"))
            .col(string_len("role", 24))
            .col(date_null("begin_date"))
            .col(date_null("end_date"))
            .part_of("section_id", "section")
            .references("staff_id", "staff")
            .unique(&["section_id", "staff_id"])
            .index(&["role"]),
    ]
}

table_migration!(tables());
