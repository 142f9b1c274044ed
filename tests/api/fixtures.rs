//! A builder of small, hand-made districts for tests whose expected figures are computed by
//! hand: one district, one region, schools on demand; teachers (group TCH, evaluated by the
//! EDST process, which requires the SFS) and adult-education teachers (group ADT, served only by
//! the single-measure STULL process); the 2026 SFS.

use chrono::NaiveDate;
use entity::enums::*;
use entity::*;
use sea_orm::{ActiveValue::NotSet, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

pub const YEAR: i32 = 2026;

pub fn day(text: &str) -> NaiveDate {
    text.parse().expect("a YYYY-MM-DD date")
}

pub struct District {
    pub db: DatabaseConnection,
    pub district: i32,
    pub region: i32,
    pub teachers_group: i32,
    pub adult_group: i32,
    pub edst_cycle: i32,
    pub sfs: i32,
    pub pm_course: i32,
    counter: std::sync::atomic::AtomicU32,
}

async fn process_id(db: &DatabaseConnection, code: &str) -> i32 {
    evaluation_process::Entity::find()
        .filter(evaluation_process::Column::Code.eq(code))
        .one(db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("process {code} in the reference data"))
        .id
}

impl District {
    /// A district with a region, the two certificated groups and their processes, the 2026
    /// cycles, the 2026 SFS and a performance-management course.
    pub async fn new(db: &DatabaseConnection) -> Self {
        let org = |code: &str, kind: OrganizationKind, parent: Option<i32>| organization::ActiveModel {
            id: NotSet,
            code: Set(code.into()),
            name: Set(format!("{code} name")),
            kind: Set(kind),
            parent_id: Set(parent),
            equity_tier: Set(None),
        };
        let district = organization::Entity::insert(org("DIST", OrganizationKind::District, None))
            .exec(db)
            .await
            .unwrap()
            .last_insert_id;
        let region = organization::Entity::insert(org("RGN", OrganizationKind::Region, Some(district)))
            .exec(db)
            .await
            .unwrap()
            .last_insert_id;
        let group = |code: &str| employee_group::ActiveModel {
            id: NotSet,
            code: Set(code.into()),
            name: Set(code.into()),
            certificated: Set(true),
            bargaining_unit: Set(None),
        };
        let teachers_group = employee_group::Entity::insert(group("TCH"))
            .exec(db)
            .await
            .unwrap()
            .last_insert_id;
        let adult_group = employee_group::Entity::insert(group("ADT"))
            .exec(db)
            .await
            .unwrap()
            .last_insert_id;
        let (edst, stull) = (process_id(db, "EDST").await, process_id(db, "STULL").await);
        let mut edst_cycle = 0;
        for (process, group) in [(edst, teachers_group), (stull, adult_group)] {
            evaluation_process_group::Entity::insert(evaluation_process_group::ActiveModel {
                id: NotSet,
                process_id: Set(process),
                employee_group_id: Set(group),
            })
            .exec(db)
            .await
            .unwrap();
            let cycle = evaluation_cycle::Entity::insert(evaluation_cycle::ActiveModel {
                version: NotSet,
                id: NotSet,
                process_id: Set(process),
                school_year: Set(YEAR),
                roster_cutoff: Set(day("2025-10-01")),
                final_due_date: Set(day("2026-05-15")),
            })
            .exec(db)
            .await
            .unwrap()
            .last_insert_id;
            if process == edst {
                edst_cycle = cycle;
            }
        }
        let sfs = survey::Entity::insert(survey::ActiveModel {
            version: NotSet,
            id: NotSet,
            code: Set("SFS-2026".into()),
            title: Set("Stakeholder Feedback Survey".into()),
            kind: Set(SurveyKind::StakeholderFeedback),
            school_year: Set(YEAR),
            window_start: Set(day("2026-02-01")),
            window_end: Set(day("2026-04-30")),
            min_report_n: Set(10),
            confidential: Set(true),
        })
        .exec(db)
        .await
        .unwrap()
        .last_insert_id;
        let pm_course = training_course::Entity::insert(training_course::ActiveModel {
            version: NotSet,
            id: NotSet,
            code: Set("PM-101".into()),
            title: Set("Performance management".into()),
            category: Set(CourseCategory::PerformanceManagement),
            hours: Set(6.0),
        })
        .exec(db)
        .await
        .unwrap()
        .last_insert_id;
        Self {
            db: db.clone(),
            district,
            region,
            teachers_group,
            adult_group,
            edst_cycle,
            sfs,
            pm_course,
            counter: Default::default(),
        }
    }

    fn next(&self) -> u32 {
        self.counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1
    }

    /// An organization of `kind` under `parent`, named "<code> region", "<code> school"…
    pub async fn organization(&self, code: &str, kind: OrganizationKind, parent: i32) -> i32 {
        let word = match kind {
            OrganizationKind::Region => "region",
            OrganizationKind::School => "school",
            _ => "name",
        };
        organization::Entity::insert(organization::ActiveModel {
            id: NotSet,
            code: Set(code.into()),
            name: Set(format!("{code} {word}")),
            kind: Set(kind),
            parent_id: Set(Some(parent)),
            equity_tier: Set(None),
        })
        .exec(&self.db)
        .await
        .unwrap()
        .last_insert_id
    }

    /// Another region of the district.
    pub async fn another_region(&self, code: &str) -> i32 {
        self.organization(code, OrganizationKind::Region, self.district).await
    }

    /// A school in the region.
    pub async fn school(&self, code: &str) -> i32 {
        self.organization(code, OrganizationKind::School, self.region).await
    }

    /// An active staff member of `group` placed at `organization` since 2020.
    pub async fn person(&self, group: i32, organization: i32) -> i32 {
        let n = self.next();
        let id = staff::Entity::insert(staff::ActiveModel {
            id: NotSet,
            employee_number: Set(format!("T{n:05}")),
            first_name: Set("Test".into()),
            last_name: Set(format!("Person {n}")),
            email: Set(None),
            employee_group_id: Set(group),
            hire_date: Set(day("2020-08-01")),
            active: Set(true),
        })
        .exec(&self.db)
        .await
        .unwrap()
        .last_insert_id;
        self.assign(id, organization, false, day("2020-08-01"), None).await;
        id
    }

    /// An assignment.
    pub async fn assign(
        &self,
        staff: i32,
        organization: i32,
        supervisory: bool,
        begin: NaiveDate,
        end: Option<NaiveDate>,
    ) -> i32 {
        assignment::Entity::insert(assignment::ActiveModel {
            id: NotSet,
            staff_id: Set(staff),
            organization_id: Set(organization),
            job_title: Set(if supervisory { "Assistant Principal" } else { "Teacher" }.into()),
            job_class_code: Set("0000".into()),
            supervisory: Set(supervisory),
            management: Set(false),
            begin_date: Set(begin),
            end_date: Set(end),
        })
        .exec(&self.db)
        .await
        .unwrap()
        .last_insert_id
    }

    /// A teacher at `school` with an EDST evaluation of 2026 in `status`.
    pub async fn evaluated_teacher(&self, school: i32, status: EvaluationStatus) -> i32 {
        let teacher = self.person(self.teachers_group, school).await;
        self.evaluate(teacher, school, status).await;
        teacher
    }

    /// An EDST evaluation of 2026 of `teacher` at `school`.
    pub async fn evaluate(&self, teacher: i32, school: i32, status: EvaluationStatus) {
        self.evaluate_in(self.edst_cycle, teacher, school, status).await;
    }

    /// The EDST cycle of school year `year`, created.
    pub async fn edst_cycle_of(&self, year: i32) -> i32 {
        let edst = evaluation_cycle::Entity::find_by_id(self.edst_cycle)
            .one(&self.db)
            .await
            .unwrap()
            .unwrap();
        evaluation_cycle::Entity::insert(evaluation_cycle::ActiveModel {
            version: NotSet,
            id: NotSet,
            process_id: Set(edst.process_id),
            school_year: Set(year),
            roster_cutoff: Set(NaiveDate::from_ymd_opt(year - 1, 10, 1).unwrap()),
            final_due_date: Set(NaiveDate::from_ymd_opt(year, 5, 15).unwrap()),
        })
        .exec(&self.db)
        .await
        .unwrap()
        .last_insert_id
    }

    /// An evaluation in `cycle` of `teacher` at `school`.
    pub async fn evaluate_in(&self, cycle: i32, teacher: i32, school: i32, status: EvaluationStatus) {
        evaluation::Entity::insert(evaluation::ActiveModel {
            withdrawn_reason: Set(None),
            id: NotSet,
            cycle_id: Set(cycle),
            evaluatee_id: Set(teacher),
            evaluator_id: Set(None),
            school_id: Set(school),
            status: Set(status),
            rostered_on: Set(day("2025-09-15")),
            final_rating_id: Set(None),
            completed_on: Set(None),
            version: Set(1),
        })
        .exec(&self.db)
        .await
        .unwrap();
    }

    /// A 2026 section at `school` with `enrolled` students, taught by `teacher` in `role`.
    pub async fn section(&self, school: i32, teacher: i32, role: SectionRole, enrolled: i32) -> i32 {
        let n = self.next();
        let section = section::Entity::insert(section::ActiveModel {
            id: NotSet,
            school_id: Set(school),
            section_code: Set(format!("S{n:05}")),
            school_year: Set(YEAR),
            course_name: Set("Course".into()),
            grade_band: Set(None),
            enrolled_count: Set(enrolled),
        })
        .exec(&self.db)
        .await
        .unwrap()
        .last_insert_id;
        self.teach(section, teacher, role).await;
        section
    }

    /// Adds a teacher to a section.
    pub async fn teach(&self, section: i32, teacher: i32, role: SectionRole) {
        section_teacher::Entity::insert(section_teacher::ActiveModel {
            id: NotSet,
            section_id: Set(section),
            staff_id: Set(teacher),
            role: Set(role),
            begin_date: Set(None),
            end_date: Set(None),
        })
        .exec(&self.db)
        .await
        .unwrap();
    }

    /// An administration of the 2026 SFS in a teacher's section; returns its id.
    pub async fn administer(&self, section: i32, teacher: i32, status: AdministrationStatus, responses: i32) -> i32 {
        survey_administration::Entity::insert(survey_administration::ActiveModel {
            version: NotSet,
            id: NotSet,
            survey_id: Set(self.sfs),
            section_id: Set(section),
            teacher_id: Set(teacher),
            status: Set(status),
            administered_on: Set(Some(day("2026-03-01"))),
            enrolled_count: Set(25),
            response_count: Set(responses),
        })
        .exec(&self.db)
        .await
        .unwrap()
        .last_insert_id
    }

    /// A question of the 2026 SFS (1–4, favorable from 3).
    pub async fn sfs_question(&self) -> i32 {
        let code = format!("Q{}", self.next());
        self.question(self.sfs, &code, "My teacher explains things clearly.")
            .await
    }

    /// A question of `survey` on the scale 1–4, favorable from 3.
    pub async fn question(&self, survey: i32, code: &str, text: &str) -> i32 {
        survey_question::Entity::insert(survey_question::ActiveModel {
            id: NotSet,
            survey_id: Set(survey),
            code: Set(code.into()),
            text: Set(text.into()),
            scale_min: Set(1),
            scale_max: Set(4),
            favorable_from: Set(3),
        })
        .exec(&self.db)
        .await
        .unwrap()
        .last_insert_id
    }

    /// An administered classroom of `teacher` at `school` whose students answered `question`
    /// with `values`; returns the administration's id.
    pub async fn classroom_answers(&self, school: i32, teacher: i32, question: i32, values: &[i32]) -> i32 {
        let section = self.section(school, teacher, SectionRole::TeacherOfRecord, 30).await;
        let count = i32::try_from(values.len()).unwrap();
        let administration = self
            .administer(section, teacher, AdministrationStatus::Administered, count)
            .await;
        self.answers(self.sfs, question, Some(administration), None, values)
            .await;
        administration
    }

    /// Makes `evaluator` the evaluator of `teacher`'s evaluations.
    pub async fn evaluated_by(&self, teacher: i32, evaluator: i32) {
        evaluation::Entity::update_many()
            .col_expr(
                evaluation::Column::EvaluatorId,
                sea_orm::sea_query::Expr::value(evaluator),
            )
            .filter(evaluation::Column::EvaluateeId.eq(teacher))
            .exec(&self.db)
            .await
            .unwrap();
    }

    /// The employee number of staff member `id`.
    pub async fn employee_number(&self, id: i32) -> String {
        staff::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .unwrap()
            .unwrap()
            .employee_number
    }

    /// A performance-management completion.
    pub async fn complete_pm(&self, staff: i32, on: NaiveDate) {
        self.complete(staff, self.pm_course, on).await;
    }

    /// A training course of `category` (6 hours).
    pub async fn course(&self, code: &str, category: CourseCategory) -> i32 {
        training_course::Entity::insert(training_course::ActiveModel {
            version: NotSet,
            id: NotSet,
            code: Set(code.into()),
            title: Set(format!("{code} course")),
            category: Set(category),
            hours: Set(6.0),
        })
        .exec(&self.db)
        .await
        .unwrap()
        .last_insert_id
    }

    /// A completion of `course`.
    pub async fn complete(&self, staff: i32, course: i32, on: NaiveDate) {
        training_completion::Entity::insert(training_completion::ActiveModel {
            id: NotSet,
            staff_id: Set(staff),
            course_id: Set(course),
            completed_on: Set(on),
            source: Set("LMS".into()),
        })
        .exec(&self.db)
        .await
        .unwrap();
    }

    /// A 2026 attendance summary.
    pub async fn attendance(&self, staff: i32, days_expected: f64, days_absent: f64) {
        attendance_summary::Entity::insert(attendance_summary::ActiveModel {
            id: NotSet,
            staff_id: Set(staff),
            school_year: Set(YEAR),
            days_expected: Set(days_expected),
            days_absent: Set(days_absent),
        })
        .exec(&self.db)
        .await
        .unwrap();
    }

    /// A 2026 School Experience Survey with one question, SUPPORTIVE_PLACE (1–4, favorable
    /// from 3); returns (survey, question).
    pub async fn school_experience_survey(&self) -> (i32, i32) {
        let survey = survey::Entity::insert(survey::ActiveModel {
            version: NotSet,
            id: NotSet,
            code: Set("SES-2026".into()),
            title: Set("School Experience Survey".into()),
            kind: Set(SurveyKind::SchoolExperience),
            school_year: Set(YEAR),
            window_start: Set(day("2026-01-10")),
            window_end: Set(day("2026-03-10")),
            min_report_n: Set(10),
            confidential: Set(true),
        })
        .exec(&self.db)
        .await
        .unwrap()
        .last_insert_id;
        let question = self
            .question(survey, "SUPPORTIVE_PLACE", "My school is a supportive place to work.")
            .await;
        (survey, question)
    }

    /// `values.len()` anonymous responses at `school`, one answer each.
    pub async fn respond(&self, survey: i32, question: i32, school: i32, values: &[i32]) {
        self.answers(survey, question, None, Some(school), values).await;
    }

    /// One response per value, to an administration or at a school, each answering `question`.
    async fn answers(
        &self,
        survey: i32,
        question: i32,
        administration: Option<i32>,
        school: Option<i32>,
        values: &[i32],
    ) {
        for value in values {
            let response = self.response(survey, administration, school).await;
            survey_answer::Entity::insert(survey_answer::ActiveModel {
                id: NotSet,
                response_id: Set(response),
                question_id: Set(question),
                value: Set(*value),
            })
            .exec(&self.db)
            .await
            .unwrap();
        }
    }

    /// A response to `survey`, to an administration or at a school, with no answers yet.
    async fn response(&self, survey: i32, administration: Option<i32>, school: Option<i32>) -> i32 {
        let n = self.next();
        survey_response::Entity::insert(survey_response::ActiveModel {
            id: NotSet,
            survey_id: Set(survey),
            response_key: Set(format!("R{n:06}")),
            administration_id: Set(administration),
            school_id: Set(school),
        })
        .exec(&self.db)
        .await
        .unwrap()
        .last_insert_id
    }

    /// One anonymous response at `school` with an answer to each (question, value).
    pub async fn respond_with(&self, survey: i32, school: i32, answers: &[(i32, i32)]) {
        let response = self.response(survey, None, Some(school)).await;
        let answers = answers.iter().map(|&(question, value)| survey_answer::ActiveModel {
            id: NotSet,
            response_id: Set(response),
            question_id: Set(question),
            value: Set(value),
        });
        survey_answer::Entity::insert_many(answers)
            .exec_without_returning(&self.db)
            .await
            .unwrap();
    }

    /// An EASE report for the 2026 school year.
    pub async fn ease(&self, organization: i32, service: ServiceType, unique: i32, sessions: i32, eligible: i32) {
        ease_report::Entity::insert(ease_report::ActiveModel {
            id: NotSet,
            period_start: Set(day("2025-07-01")),
            period_end: Set(day("2026-06-30")),
            organization_id: Set(organization),
            service_type: Set(service),
            unique_employees: Set(unique),
            sessions: Set(sessions),
            eligible_employees: Set(eligible),
        })
        .exec(&self.db)
        .await
        .unwrap();
    }
}
