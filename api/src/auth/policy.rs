//! The row rules of DESIGN.md §4, one per entity: which rows each role may read, as a SQL
//! condition on the entity's table. Reference data (the organization tree, employee groups,
//! frameworks and rubrics, processes and cycles, surveys and their questions, courses) is
//! public; rows about people follow the role.

use super::{Role, Viewer};
use crate::error::{ApiError, ApiResult};
use crate::sql::current;
use crate::sql::tree::Scope;
use entity::enums::OrganizationKind;
use entity::*;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query, QueryStatementBuilder, SelectStatement, UnionType};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait};

/// Which rows of an entity a viewer may see: a condition every read path adds to its SQL —
/// the loaders by id and by parent, and every top-level list (`graphql::loader`). Nothing is
/// filtered after loading, so totals, pages and `node(id:)` agree, and a row the viewer may
/// not see is indistinguishable from one that does not exist.
pub trait Visibility: EntityTrait {
    /// The condition on this entity's table for `viewer`; everything by default (reference
    /// data).
    fn visible_to(viewer: &Viewer) -> Condition {
        let _ = viewer;
        Condition::all()
    }
}

/// No row.
fn nothing() -> Condition {
    Condition::all().add(Expr::val(1).eq(0))
}

/// `table.column` of entity `E`.
fn col<E: EntityTrait>(column: E::Column) -> Expr {
    Expr::col((E::default(), column))
}

/// `column = the viewer's own staff id` (nothing when the token names no one).
fn own<E: EntityTrait>(viewer: &Viewer, column: E::Column) -> Condition {
    match viewer.staff_id {
        Some(me) => Condition::all().add(col::<E>(column).eq(me)),
        None => nothing(),
    }
}

/// Staff at a principal's schools: a current assignment there, or an evaluation there in a
/// recent cycle ([`recent_cycles`]) — someone who left is seen while their last evaluations
/// are the school's business, not forever.
fn staff_of_schools(viewer: &Viewer) -> SelectStatement {
    let evaluated = Query::select()
        .column(evaluation::Column::EvaluateeId)
        .from(evaluation::Entity)
        .and_where(evaluation::Column::SchoolId.is_in(viewer.school_ids.clone()))
        .and_where(evaluation::Column::CycleId.in_subquery(recent_cycles()))
        .to_owned();
    Query::select()
        .column(assignment::Column::StaffId)
        .from(assignment::Entity)
        .and_where(assignment::Column::OrganizationId.is_in(viewer.school_ids.clone()))
        .cond_where(current("assignment"))
        .union(UnionType::Distinct, evaluated)
        .to_owned()
}

/// The evaluation cycles of the latest school year that has any, and of the year before: the
/// current and previous school year of the district's data. Counted from the data rather than
/// from today's date, so that a district whose latest cycle is not yet loaded (or a demo
/// district of a fixed year) keeps the same window.
fn recent_cycles() -> SelectStatement {
    let latest = Query::select()
        .expr(Expr::col(evaluation_cycle::Column::SchoolYear).max())
        .from(evaluation_cycle::Entity)
        .to_owned();
    Query::select()
        .column(evaluation_cycle::Column::Id)
        .from(evaluation_cycle::Entity)
        .and_where(
            Expr::col(evaluation_cycle::Column::SchoolYear)
                .gte(Expr::expr(Expr::SubQuery(None, Box::new(latest.into_sub_query_statement()))).sub(1)),
        )
        .to_owned()
}

/// Sections of a principal's schools.
fn sections_of_schools(viewer: &Viewer) -> SelectStatement {
    Query::select()
        .column(section::Column::Id)
        .from(section::Entity)
        .and_where(section::Column::SchoolId.is_in(viewer.school_ids.clone()))
        .to_owned()
}

/// The evaluations a viewer may see, as a condition on the `evaluation` table.
fn evaluations(viewer: &Viewer) -> Condition {
    match viewer.role {
        Role::Admin | Role::Hr => Condition::all(),
        Role::Principal => {
            let mut rule = Condition::any()
                .add(col::<evaluation::Entity>(evaluation::Column::SchoolId).is_in(viewer.school_ids.clone()));
            if let Some(me) = viewer.staff_id {
                rule = rule.add(col::<evaluation::Entity>(evaluation::Column::EvaluatorId).eq(me));
            }
            rule
        }
        Role::Employee => own::<evaluation::Entity>(viewer, evaluation::Column::EvaluateeId),
        Role::Analyst | Role::Public => nothing(),
    }
}

/// `SELECT evaluation.id FROM evaluation WHERE <what the viewer may see>`.
fn visible_evaluation_ids(viewer: &Viewer) -> SelectStatement {
    Query::select()
        .column((evaluation::Entity, evaluation::Column::Id))
        .from(evaluation::Entity)
        .cond_where(evaluations(viewer))
        .to_owned()
}

/// The audit trail: ADMIN reads all of it; anyone else only the history of the evaluations
/// they may see (`Evaluation.history`) — never the rows about element ratings, which HR may
/// not see, nor those of any other record.
impl Visibility for audit_event::Entity {
    fn visible_to(viewer: &Viewer) -> Condition {
        match viewer.role {
            Role::Admin => Condition::all(),
            _ => Condition::all()
                .add(col::<Self>(audit_event::Column::Entity).eq("Evaluation"))
                .add(col::<Self>(audit_event::Column::RowId).in_subquery(visible_evaluation_ids(viewer))),
        }
    }
}

macro_rules! public {
    ($($module:ident),+ $(,)?) => {$(
        impl Visibility for $module::Entity {}
    )+};
}

public!(
    organization,
    employee_group,
    framework,
    framework_standard,
    framework_component,
    framework_element,
    rating_level,
    evaluation_process,
    evaluation_process_measure,
    evaluation_process_group,
    evaluation_cycle,
    survey,
    survey_question,
    training_course,
    training_requirement,
);

impl Visibility for staff::Entity {
    fn visible_to(viewer: &Viewer) -> Condition {
        match viewer.role {
            Role::Admin | Role::Hr => Condition::all(),
            Role::Principal => {
                Condition::all().add(col::<Self>(staff::Column::Id).in_subquery(staff_of_schools(viewer)))
            }
            Role::Employee => own::<Self>(viewer, staff::Column::Id),
            Role::Analyst | Role::Public => nothing(),
        }
    }
}

impl Visibility for assignment::Entity {
    fn visible_to(viewer: &Viewer) -> Condition {
        match viewer.role {
            Role::Admin | Role::Hr => Condition::all(),
            Role::Principal => {
                Condition::all().add(col::<Self>(assignment::Column::OrganizationId).is_in(viewer.school_ids.clone()))
            }
            Role::Employee => own::<Self>(viewer, assignment::Column::StaffId),
            Role::Analyst | Role::Public => nothing(),
        }
    }
}

impl Visibility for section::Entity {
    fn visible_to(viewer: &Viewer) -> Condition {
        match viewer.role {
            // A section is a classroom (a course and a head count), not a person.
            Role::Admin | Role::Hr | Role::Analyst => Condition::all(),
            Role::Principal => {
                Condition::all().add(col::<Self>(section::Column::SchoolId).is_in(viewer.school_ids.clone()))
            }
            Role::Employee => match viewer.staff_id {
                Some(me) => Condition::all().add(
                    col::<Self>(section::Column::Id).in_subquery(
                        Query::select()
                            .column(section_teacher::Column::SectionId)
                            .from(section_teacher::Entity)
                            .and_where(section_teacher::Column::StaffId.eq(me))
                            .to_owned(),
                    ),
                ),
                None => nothing(),
            },
            Role::Public => nothing(),
        }
    }
}

impl Visibility for section_teacher::Entity {
    fn visible_to(viewer: &Viewer) -> Condition {
        match viewer.role {
            Role::Admin | Role::Hr => Condition::all(),
            Role::Principal => Condition::all()
                .add(col::<Self>(section_teacher::Column::SectionId).in_subquery(sections_of_schools(viewer))),
            Role::Employee => own::<Self>(viewer, section_teacher::Column::StaffId),
            Role::Analyst | Role::Public => nothing(),
        }
    }
}

impl Visibility for evaluation::Entity {
    fn visible_to(viewer: &Viewer) -> Condition {
        evaluations(viewer)
    }
}

impl Visibility for evaluation_event::Entity {
    fn visible_to(viewer: &Viewer) -> Condition {
        match viewer.role {
            Role::Admin | Role::Hr => Condition::all(),
            _ => Condition::all()
                .add(col::<Self>(evaluation_event::Column::EvaluationId).in_subquery(visible_evaluation_ids(viewer))),
        }
    }
}

impl Visibility for element_rating::Entity {
    fn visible_to(viewer: &Viewer) -> Condition {
        match viewer.role {
            Role::Admin => Condition::all(),
            // HR sees evaluation status, never the ratings behind it.
            Role::Hr | Role::Analyst | Role::Public => nothing(),
            Role::Principal | Role::Employee => {
                let events = Query::select()
                    .column((evaluation_event::Entity, evaluation_event::Column::Id))
                    .from(evaluation_event::Entity)
                    .and_where(
                        Expr::col((evaluation_event::Entity, evaluation_event::Column::EvaluationId))
                            .in_subquery(visible_evaluation_ids(viewer)),
                    )
                    .to_owned();
                Condition::all().add(col::<Self>(element_rating::Column::EventId).in_subquery(events))
            }
        }
    }
}

impl Visibility for survey_administration::Entity {
    fn visible_to(viewer: &Viewer) -> Condition {
        match viewer.role {
            Role::Admin | Role::Hr => Condition::all(),
            Role::Principal => Condition::all()
                .add(col::<Self>(survey_administration::Column::SectionId).in_subquery(sections_of_schools(viewer))),
            Role::Employee => own::<Self>(viewer, survey_administration::Column::TeacherId),
            Role::Analyst | Role::Public => nothing(),
        }
    }
}

impl Visibility for training_completion::Entity {
    fn visible_to(viewer: &Viewer) -> Condition {
        match viewer.role {
            Role::Admin | Role::Hr => Condition::all(),
            Role::Employee => own::<Self>(viewer, training_completion::Column::StaffId),
            Role::Principal | Role::Analyst | Role::Public => nothing(),
        }
    }
}
/// The scopes a viewer may take measures over: the district and its regions for everyone; a
/// school or office for ADMIN, HR, ANALYST and, for their own schools, principals. A principal
/// naming another school gets the answer a code that names nothing gets.
pub fn authorize_scope(viewer: &Viewer, scope: &Scope) -> ApiResult<()> {
    if matches!(
        scope.organization.kind,
        OrganizationKind::District | OrganizationKind::Region
    ) {
        return Ok(());
    }
    match viewer.role {
        Role::Admin | Role::Hr | Role::Analyst => Ok(()),
        Role::Principal if viewer.school_ids.contains(&scope.organization.id) => Ok(()),
        Role::Principal => Err(ApiError::NotFound(format!(
            "organization `{}`",
            scope.organization.code
        ))),
        Role::Employee | Role::Public => Err(ApiError::Forbidden),
    }
}

/// The scope named by `organization` (the district when none), if `viewer` may take
/// measures over it.
pub async fn scope_for(db: &DatabaseConnection, viewer: &Viewer, organization: Option<&str>) -> ApiResult<Scope> {
    let scope = Scope::resolve(db, organization, "organization").await?;
    authorize_scope(viewer, &scope)?;
    Ok(scope)
}

/// The kinds of write of DESIGN.md §4, for [`may_write`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writes {
    /// Survey administrations in classrooms: ADMIN, and principals at their schools.
    Administrations,
    /// Evaluations, their events and element ratings: ADMIN, and principals — on the
    /// evaluations at their schools and those they conduct (the evaluator of record).
    Evaluations,
    /// Training completions: ADMIN and HR.
    Training,
    /// Reference data (surveys, evaluation cycles, courses, the training requirement, which
    /// employee groups a process serves): ADMIN only.
    Reference,
}

/// FORBIDDEN unless the viewer's role makes writes of this kind at all. Which records: a
/// write finds its record through the read rule of the record's entity ([`Visibility`]), and
/// the read rule of a writing role is exactly its write rule (a principal sees, and writes,
/// the administrations of their schools' classrooms and the evaluations at their schools or
/// that they conduct), so a record outside it is NOT_FOUND, as on reads.
pub fn may_write(viewer: &Viewer, writes: Writes) -> ApiResult<()> {
    let roles: &[Role] = match writes {
        Writes::Administrations | Writes::Evaluations => &[Role::Admin, Role::Principal],
        Writes::Training => &[Role::Admin, Role::Hr],
        Writes::Reference => &[Role::Admin],
    };
    viewer.require(roles)
}

/// For a write that creates records at `school` (named by the client as `code`): NOT_FOUND for
/// a principal naming a school not theirs — the answer a code that names nothing gets.
pub fn may_write_at_school(viewer: &Viewer, school: i32, code: &str) -> ApiResult<()> {
    match viewer.role {
        Role::Principal if !viewer.school_ids.contains(&school) => Err(ApiError::NotFound(format!("school `{code}`"))),
        _ => Ok(()),
    }
}
