//! GraphQL types of the organization-and-people area. They wrap entity models and expose
//! chosen fields only; relations resolve through the request's loader.

use super::relations::*;
use crate::error::{ApiError, ApiResult};
use crate::evaluation::relations::{EvaluationsByEvaluateeId, EvaluationsByEvaluatorId, EvaluationsBySchoolId};
use crate::evaluation::types::{Evaluation, EvaluationFilter, EvaluationOrder};
use crate::graphql::loader::{children, maybe_one};
use crate::graphql::relay::{Page, PageArgs, Sort, encode_id};
use crate::graphql::scalars::Date;
use crate::order_by;
use crate::survey::relations::{AdministrationsBySectionId, AdministrationsByTeacherId};
use crate::survey::types::{AdministrationFilter, AdministrationOrder, SurveyAdministration, administrations_of};
use crate::training::types::{CompletionFilter, CompletionOrder, TrainingCompletion, completions_of_staff};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, ResultExt};
use entity::{assignment, employee_group, organization, section, section_teacher, staff};

/// What an organization is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::OrganizationKind")]
pub enum OrganizationKind {
    /// The school district: the root of the tree.
    District,
    /// A region (local district) grouping schools.
    Region,
    /// A school.
    School,
    /// A central or regional office.
    Office,
}

/// A staff member's role in a section (Ed-Fi ClassroomPosition).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::SectionRole")]
pub enum SectionRole {
    /// The teacher of record: the classroom the SFS target counts.
    TeacherOfRecord,
    /// A co-teacher.
    CoTeacher,
    /// Support staff in the section.
    Support,
}

order_by! {
    /// How to order organizations.
    OrganizationOrder, OrganizationOrderField {
        /// By natural key.
        Code => ("code", Text),
        /// By name.
        Name => ("name", Text),
    }
}

order_by! {
    /// How to order staff.
    StaffOrder, StaffOrderField {
        /// By employee number.
        EmployeeNumber => ("employee_number", Text),
        /// By last name.
        LastName => ("last_name", Text),
        /// By hire date.
        HireDate => ("hire_date", Date),
    }
}

order_by! {
    /// How to order sections.
    SectionOrder, SectionOrderField {
        /// By section code.
        SectionCode => ("section_code", Text),
        /// By course name.
        CourseName => ("course_name", Text),
        /// By enrolment.
        EnrolledCount => ("enrolled_count", Int),
    }
}

/// An education organization (Ed-Fi EducationOrganization): the district, a region, a school
/// or an office.
pub struct Organization(pub organization::Model);

/// Filters of an organization's staff.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct StaffFilter {
    /// Only staff whose last or first name starts with this text, ignoring case (`gar` finds
    /// Garcia and Gary); answered from an index, so it suits a search box.
    pub name: Option<String>,
    /// Only staff of the employee group with this code.
    pub employee_group: Option<String>,
    /// Only active (true) or inactive (false) staff.
    pub active: Option<bool>,
    /// Only staff holding (true) or not holding (false) a supervisory or management position.
    pub supervisory: Option<bool>,
}

/// The longest name prefix a search takes.
const MAX_NAME_PREFIX: usize = 100;

impl StaffFilter {
    /// The filter given (none: every row), its name prefix checked: at most 100 characters
    /// and no NUL (which PostgreSQL cannot hold in text).
    pub fn parse(filter: Option<Self>) -> ApiResult<Self> {
        let filter = filter.unwrap_or_default();
        if let Some(name) = &filter.name {
            if name.chars().count() > MAX_NAME_PREFIX {
                return Err(ApiError::bad_input(
                    "filter.name",
                    format!("at most {MAX_NAME_PREFIX} characters"),
                ));
            }
            if name.contains('\0') {
                return Err(ApiError::bad_input("filter.name", "must not contain a NUL character"));
            }
        }
        Ok(filter)
    }
}

/// An education organization (Ed-Fi EducationOrganization): the district, a region, a school
/// or an office.
#[Object]
impl Organization {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode_id("Organization", self.0.id)
    }

    /// Natural key, e.g. `SCH-101`; what import files use.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What the organization is.
    async fn kind(&self) -> OrganizationKind {
        self.0.kind.into()
    }

    /// SENI equity tier of a school, when it has one.
    async fn equity_tier(&self) -> Option<&str> {
        self.0.equity_tier.as_deref()
    }

    /// The organization above this one; null for the district.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        maybe_one::<organization::Entity, _>(ctx, self.0.parent_id, Organization).await
    }

    /// The organizations directly below this one (a district's regions and offices, a
    /// region's schools).
    async fn children(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only children of this kind.")] kind: Option<OrganizationKind>,
        #[graphql(desc = "Order of the rows; creation order when omitted.")] order_by: Option<OrganizationOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<Organization>> {
        let filter = kind.map(Into::into);
        children::<ChildrenByParentId, _>(
            ctx,
            self.0.id,
            PageArgs::new(first, after, last, before),
            OrganizationOrder::sort(order_by),
            filter,
            Organization,
        )
        .await
    }

    /// Staff with a current assignment at this organization (not its descendants; use the
    /// top-level `staff` query for a whole region).
    async fn staff(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows matching every filter given.")] filter: Option<StaffFilter>,
        #[graphql(desc = "Order of the rows; creation order when omitted.")] order_by: Option<StaffOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<Staff>> {
        let filter = StaffFilter::parse(filter).extend()?;
        children::<StaffByOrganizationId, _>(
            ctx,
            self.0.id,
            PageArgs::new(first, after, last, before),
            StaffOrder::sort(order_by),
            filter,
            Staff,
        )
        .await
    }

    /// Class sections of this school.
    async fn sections(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only sections of this school year (ending year: 2026 is 2025-26).")] school_year: Option<i32>,
        #[graphql(desc = "Order of the rows; creation order when omitted.")] order_by: Option<SectionOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<Section>> {
        children::<SectionsBySchoolId, _>(
            ctx,
            self.0.id,
            PageArgs::new(first, after, last, before),
            SectionOrder::sort(order_by),
            school_year,
            Section,
        )
        .await
    }

    /// Evaluations that take place at this organization.
    async fn evaluations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows matching every filter given.")] filter: Option<EvaluationFilter>,
        #[graphql(desc = "Order of the rows; creation order when omitted.")] order_by: Option<EvaluationOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<Evaluation>> {
        let filter = filter.unwrap_or_default();
        children::<EvaluationsBySchoolId, _>(
            ctx,
            self.0.id,
            PageArgs::new(first, after, last, before),
            EvaluationOrder::sort(order_by),
            filter,
            Evaluation,
        )
        .await
    }
}

/// An employee group (a bargaining unit or classification family).
pub struct EmployeeGroup(pub employee_group::Model);

/// An employee group (a bargaining unit or classification family).
#[Object]
impl EmployeeGroup {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode_id("EmployeeGroup", self.0.id)
    }
    /// Natural key, e.g. `TCH`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Certificated groups are the denominator of the multiple-measures target.
    async fn certificated(&self) -> bool {
        self.0.certificated
    }
    /// The bargaining unit that represents the group.
    async fn bargaining_unit(&self) -> Option<&str> {
        self.0.bargaining_unit.as_deref()
    }
    /// The group's staff.
    async fn staff(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows matching every filter given.")] filter: Option<StaffFilter>,
        #[graphql(desc = "Order of the rows; creation order when omitted.")] order_by: Option<StaffOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<Staff>> {
        let (sort, filter) = (StaffOrder::sort(order_by), StaffFilter::parse(filter).extend()?);
        children::<StaffByGroupId, _>(
            ctx,
            self.0.id,
            PageArgs::new(first, after, last, before),
            sort,
            filter,
            Staff,
        )
        .await
    }
}

/// A district employee (Ed-Fi Staff).
pub struct Staff(pub staff::Model);

/// A district employee (Ed-Fi Staff).
#[Object]
impl Staff {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode_id("Staff", self.0.id)
    }
    /// Natural key from the HR system.
    async fn employee_number(&self) -> &str {
        &self.0.employee_number
    }
    /// Given name.
    async fn first_name(&self) -> &str {
        &self.0.first_name
    }
    /// Family name.
    async fn last_name(&self) -> &str {
        &self.0.last_name
    }
    /// District email address.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// First day of employment.
    async fn hire_date(&self) -> Date {
        Date(self.0.hire_date)
    }
    /// Currently employed.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// The person's employee group.
    async fn employee_group(&self, ctx: &Context<'_>) -> Result<Option<EmployeeGroup>> {
        maybe_one::<employee_group::Entity, _>(ctx, Some(self.0.employee_group_id), EmployeeGroup).await
    }
    /// Positions held, current and past, newest id last.
    async fn assignments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<Assignment>> {
        children::<AssignmentsByStaffId, _>(
            ctx,
            self.0.id,
            PageArgs::new(first, after, last, before),
            Sort::BY_ID,
            (),
            Assignment,
        )
        .await
    }
    /// Sections this person teaches or supports.
    async fn sections(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only sections of this school year.")] school_year: Option<i32>,
        #[graphql(desc = "Order of the rows; creation order when omitted.")] order_by: Option<SectionOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<Section>> {
        children::<SectionsByStaffId, _>(
            ctx,
            self.0.id,
            PageArgs::new(first, after, last, before),
            SectionOrder::sort(order_by),
            school_year,
            Section,
        )
        .await
    }
    /// This person's own evaluations (as evaluatee).
    async fn evaluations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows matching every filter given.")] filter: Option<EvaluationFilter>,
        #[graphql(desc = "Order of the rows; creation order when omitted.")] order_by: Option<EvaluationOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<Evaluation>> {
        let filter = filter.unwrap_or_default();
        children::<EvaluationsByEvaluateeId, _>(
            ctx,
            self.0.id,
            PageArgs::new(first, after, last, before),
            EvaluationOrder::sort(order_by),
            filter,
            Evaluation,
        )
        .await
    }
    /// Courses this person completed.
    async fn training_completions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows matching every filter given.")] filter: Option<CompletionFilter>,
        #[graphql(desc = "Order of the rows; creation order when omitted.")] order_by: Option<CompletionOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<TrainingCompletion>> {
        completions_of_staff(
            ctx,
            self.0.id,
            filter,
            order_by,
            PageArgs::new(first, after, last, before),
        )
        .await
    }
    /// This teacher's Stakeholder Feedback Survey results of a school year, per question —
    /// visible to the teacher and their evaluator only; withheld below the survey's minimum
    /// report size.
    async fn sfs_results(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "School year, by its ending year.")] school_year: i32,
    ) -> Result<Vec<crate::survey::results::QuestionResult>> {
        crate::survey::query::sfs_results_of(ctx, self.0.id, school_year).await
    }
    /// Survey administrations in this teacher's classrooms.
    async fn survey_administrations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows matching every filter given.")] filter: Option<AdministrationFilter>,
        #[graphql(desc = "Order of the rows; creation order when omitted.")] order_by: Option<AdministrationOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<SurveyAdministration>> {
        administrations_of::<AdministrationsByTeacherId>(
            ctx,
            self.0.id,
            filter,
            order_by,
            PageArgs::new(first, after, last, before),
        )
        .await
    }
    /// The evaluations this person conducts (as evaluator).
    async fn evaluations_given(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows matching every filter given.")] filter: Option<EvaluationFilter>,
        #[graphql(desc = "Order of the rows; creation order when omitted.")] order_by: Option<EvaluationOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<Evaluation>> {
        let (sort, filter) = (EvaluationOrder::sort(order_by), filter.unwrap_or_default());
        children::<EvaluationsByEvaluatorId, _>(
            ctx,
            self.0.id,
            PageArgs::new(first, after, last, before),
            sort,
            filter,
            Evaluation,
        )
        .await
    }
}

/// A position held at an organization (Ed-Fi StaffEducationOrganizationAssignmentAssociation).
pub struct Assignment(pub assignment::Model);

/// A position held at an organization (Ed-Fi StaffEducationOrganizationAssignmentAssociation).
#[Object]
impl Assignment {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode_id("Assignment", self.0.id)
    }
    /// Job title.
    async fn job_title(&self) -> &str {
        &self.0.job_title
    }
    /// HR job classification code.
    async fn job_class_code(&self) -> &str {
        &self.0.job_class_code
    }
    /// Supervises other employees.
    async fn supervisory(&self) -> bool {
        self.0.supervisory
    }
    /// A management position.
    async fn management(&self) -> bool {
        self.0.management
    }
    /// First day in the position.
    async fn begin_date(&self) -> Date {
        Date(self.0.begin_date)
    }
    /// Last day, when it has ended.
    async fn end_date(&self) -> Option<Date> {
        (self.0.end_date).map(Date)
    }
    /// Who holds the position.
    async fn staff(&self, ctx: &Context<'_>) -> Result<Option<Staff>> {
        maybe_one::<staff::Entity, _>(ctx, Some(self.0.staff_id), Staff).await
    }
    /// Where.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        maybe_one::<organization::Entity, _>(ctx, Some(self.0.organization_id), Organization).await
    }
}

/// A class section of a school year (Ed-Fi Section). Only a count of students, never a roster.
pub struct Section(pub section::Model);

/// A class section of a school year (Ed-Fi Section). Only a count of students, never a roster.
#[Object]
impl Section {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode_id("Section", self.0.id)
    }
    /// Code, unique within school and year.
    async fn section_code(&self) -> &str {
        &self.0.section_code
    }
    /// Ending year: 2026 is school year 2025-26.
    async fn school_year(&self) -> i32 {
        self.0.school_year
    }
    /// Course title.
    async fn course_name(&self) -> &str {
        &self.0.course_name
    }
    /// Grade band, e.g. `K-5`.
    async fn grade_band(&self) -> Option<&str> {
        self.0.grade_band.as_deref()
    }
    /// Students enrolled.
    async fn enrolled_count(&self) -> i32 {
        self.0.enrolled_count
    }
    /// The school that offers it.
    async fn school(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        maybe_one::<organization::Entity, _>(ctx, Some(self.0.school_id), Organization).await
    }
    /// Survey administrations in this section.
    async fn administrations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows matching every filter given.")] filter: Option<AdministrationFilter>,
        #[graphql(desc = "Order of the rows; creation order when omitted.")] order_by: Option<AdministrationOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<SurveyAdministration>> {
        administrations_of::<AdministrationsBySectionId>(
            ctx,
            self.0.id,
            filter,
            order_by,
            PageArgs::new(first, after, last, before),
        )
        .await
    }
    /// Who teaches it, with their role.
    async fn teachers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<SectionTeacher>> {
        children::<TeachersBySectionId, _>(
            ctx,
            self.0.id,
            PageArgs::new(first, after, last, before),
            Sort::BY_ID,
            (),
            SectionTeacher,
        )
        .await
    }
}

/// A staff member teaching a section (Ed-Fi StaffSectionAssociation).
pub struct SectionTeacher(pub section_teacher::Model);

/// A staff member teaching a section (Ed-Fi StaffSectionAssociation).
#[Object]
impl SectionTeacher {
    /// The role in the section.
    async fn role(&self) -> SectionRole {
        self.0.role.into()
    }
    /// First day teaching it.
    async fn begin_date(&self) -> Option<Date> {
        (self.0.begin_date).map(Date)
    }
    /// Last day teaching it.
    async fn end_date(&self) -> Option<Date> {
        (self.0.end_date).map(Date)
    }
    /// The teacher.
    async fn staff(&self, ctx: &Context<'_>) -> Result<Option<Staff>> {
        maybe_one::<staff::Entity, _>(ctx, Some(self.0.staff_id), Staff).await
    }
    /// The section.
    async fn section(&self, ctx: &Context<'_>) -> Result<Option<Section>> {
        maybe_one::<section::Entity, _>(ctx, Some(self.0.section_id), Section).await
    }
}
