//! The strategic-plan measures (DESIGN.md §3, seeded by the reference-data migration) and the
//! append-only audit trail of every write and import (§2 "Strategic plan and audit").

use crate::spec::{TableSpec, table_migration};
use sea_orm_migration::{prelude::*, schema::*};

fn tables() -> Vec<TableSpec> {
    vec![
        TableSpec::new("plan_measure")
            .col(string_len("code", 32))
            .col(string_len("pillar", 64))
            .col(string_len("priority", 8))
            .col(string("title"))
            .col(text("description"))
            .col(double("target_value"))
            .col(string_len("comparator", 24))
            .col(double_null("baseline"))
            .unique(&["code"]),
        TableSpec::new("audit_event")
            .col(timestamp_with_time_zone("occurred_at"))
            .col(string("actor_subject"))
            .col(string_len("actor_role", 16))
            .col(string_len("action", 32))
            .col(string_len("entity", 64))
            .col(string_null("entity_id"))
            .col(json_null("before"))
            .col(json_null("after"))
            .index(&["occurred_at"])
            .index(&["entity", "entity_id"]),
    ]
}

table_migration!(tables());
