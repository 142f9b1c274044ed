//! The to-many relations of the organization-and-people area, named by key. Each is answered
//! by `graphql::loader` in one statement per batch of parents.

use super::types::StaffFilter;
use crate::auth::{Viewer, Visibility};
use crate::children_by;
use crate::graphql::loader::ChildRelation;
use crate::sql::{current, ids_where};
use entity::enums::OrganizationKind;
use entity::{assignment, employee_group, organization, section, section_teacher, staff};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::{ColumnTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, QueryTrait, RelationTrait};

/// An organization's children, optionally of one kind.
pub struct ChildrenByParentId;

impl ChildRelation for ChildrenByParentId {
    type Entity = organization::Entity;
    type Filter = Option<OrganizationKind>;
    const PARENT: (&'static str, &'static str) = ("organization", "parent_id");

    fn select(kind: &Self::Filter, _: &Viewer, _: DbBackend) -> SelectStatement {
        let mut select = organization::Entity::find();
        if let Some(kind) = kind {
            select = select.filter(organization::Column::Kind.eq(*kind));
        }
        select.into_query()
    }
}

/// Staff whose last or first name starts with `prefix`, ignoring case: a range on
/// `lower(name)` in code-point order, so that the `ix_staff_*_name_lower` indexes answer it
/// (LIKE would not use an index on SQLite, nor on PostgreSQL outside the C collation).
pub fn name_starts_with(prefix: &str, backend: DbBackend) -> Condition {
    // In code-point order, every string that starts with `p` lies in [p, p + U+10FFFF).
    let range = |column: &str| {
        let lowered = match backend {
            DbBackend::Postgres => format!("(lower(\"staff\".\"{column}\") COLLATE \"C\")"),
            _ => format!("lower(\"staff\".\"{column}\")"),
        };
        // sea-query's custom expressions number their values on PostgreSQL (`$1`) and take
        // them in order elsewhere (`?`).
        let (low, high) = match backend {
            DbBackend::Postgres => ("(lower($1) COLLATE \"C\")", "(lower($2) COLLATE \"C\")"),
            _ => ("lower(?)", "lower(?)"),
        };
        Expr::cust_with_values(
            format!("{lowered} >= {low} AND {lowered} < {high}"),
            [prefix.to_owned(), format!("{prefix}\u{10FFFF}")],
        )
    };
    Condition::any().add(range("last_name")).add(range("first_name"))
}

/// Applies a [`StaffFilter`] to a select of staff, as `viewer` may: whether someone holds a
/// supervisory position is read from the assignments the viewer may see.
pub fn filter_staff(select: &mut SelectStatement, filter: &StaffFilter, viewer: &Viewer, backend: DbBackend) {
    if let Some(prefix) = &filter.name {
        select.cond_where(name_starts_with(prefix, backend));
    }
    if let Some(code) = &filter.employee_group {
        select.and_where(
            Expr::col((staff::Entity, staff::Column::EmployeeGroupId))
                .in_subquery(ids_where(employee_group::Column::Code, code.as_str())),
        );
    }
    if let Some(active) = filter.active {
        select.and_where(Expr::col((staff::Entity, staff::Column::Active)).eq(active));
    }
    if let Some(supervisory) = filter.supervisory {
        let holds = Query::select()
            .expr(Expr::val(1))
            .from(assignment::Entity)
            .and_where(Expr::cust("\"assignment\".\"staff_id\" = \"staff\".\"id\""))
            .cond_where(
                Condition::any()
                    .add(Expr::col((assignment::Entity, assignment::Column::Supervisory)).eq(true))
                    .add(Expr::col((assignment::Entity, assignment::Column::Management)).eq(true)),
            )
            .cond_where(current("assignment"))
            .cond_where(assignment::Entity::visible_to(viewer))
            .to_owned();
        let exists = Expr::exists(holds);
        select.and_where(if supervisory { exists } else { exists.not() });
    }
}

/// Staff with a current assignment at an organization (each person once, however many
/// assignments they hold there).
pub struct StaffByOrganizationId;

impl ChildRelation for StaffByOrganizationId {
    type Entity = staff::Entity;
    type Filter = StaffFilter;
    const PARENT: (&'static str, &'static str) = ("current_assignment", "organization_id");

    /// Placements are assignments: only those the viewer may see place anyone (a principal
    /// does not learn where else the people they see work).
    fn select(filter: &Self::Filter, viewer: &Viewer, backend: DbBackend) -> SelectStatement {
        let current_assignments = Query::select()
            .distinct()
            .columns([assignment::Column::StaffId, assignment::Column::OrganizationId])
            .from(assignment::Entity)
            .cond_where(current("assignment"))
            .cond_where(assignment::Entity::visible_to(viewer))
            .to_owned();
        let mut select = staff::Entity::find().into_query();
        select.join_subquery(
            JoinType::InnerJoin,
            current_assignments,
            Alias::new("current_assignment"),
            Expr::cust("\"current_assignment\".\"staff_id\" = \"staff\".\"id\""),
        );
        filter_staff(&mut select, filter, viewer, backend);
        select
    }
}

/// The staff of an employee group.
pub struct StaffByGroupId;

impl ChildRelation for StaffByGroupId {
    type Entity = staff::Entity;
    type Filter = StaffFilter;
    const PARENT: (&'static str, &'static str) = ("staff", "employee_group_id");

    fn select(filter: &Self::Filter, viewer: &Viewer, backend: DbBackend) -> SelectStatement {
        let mut select = staff::Entity::find().into_query();
        filter_staff(&mut select, filter, viewer, backend);
        select
    }
}

/// A school's sections, optionally of one school year.
pub struct SectionsBySchoolId;

impl ChildRelation for SectionsBySchoolId {
    type Entity = section::Entity;
    type Filter = Option<i32>;
    const PARENT: (&'static str, &'static str) = ("section", "school_id");

    fn select(school_year: &Self::Filter, _: &Viewer, _: DbBackend) -> SelectStatement {
        let mut select = section::Entity::find();
        if let Some(year) = school_year {
            select = select.filter(section::Column::SchoolYear.eq(*year));
        }
        select.into_query()
    }
}

/// The sections a staff member teaches or supports.
pub struct SectionsByStaffId;

impl ChildRelation for SectionsByStaffId {
    type Entity = section::Entity;
    type Filter = Option<i32>;
    const PARENT: (&'static str, &'static str) = ("section_teacher", "staff_id");

    fn select(school_year: &Self::Filter, _: &Viewer, _: DbBackend) -> SelectStatement {
        let mut select = section::Entity::find().join(
            sea_orm::JoinType::InnerJoin,
            section_teacher::Relation::Section.def().rev(),
        );
        if let Some(year) = school_year {
            select = select.filter(section::Column::SchoolYear.eq(*year));
        }
        select.into_query()
    }
}

children_by! {
    /// The teachers of a section, with their roles.
    TeachersBySectionId: section_teacher.section_id
}

children_by! {
    /// A staff member's assignments.
    AssignmentsByStaffId: assignment.staff_id
}
