//! Surveys (DESIGN.md §2, "Surveys"): the year's Stakeholder Feedback Survey, administered in
//! the classrooms of the teachers being evaluated (or every classroom, by the shape) in every
//! status, with anonymous student responses, so that SFS_COVERAGE (§3) has eligible classrooms
//! both administered and missing; and the staff School Experience Survey behind SES_SUPPORTIVE.
//! Responses carry no identity, only their administration or school (§4 keeps them aggregate).

use super::{DEMO_YEAR, Generator, School, add_row, date, plus};
use entity::enums::{AdministrationStatus, SectionRole, SurveyKind};
use entity::{survey, survey_administration, survey_answer, survey_question, survey_response};
use rand::Rng;
use std::collections::{HashMap, HashSet};

impl Generator<'_> {
    fn survey(
        &mut self,
        code: &str,
        title: &str,
        kind: SurveyKind,
        questions: &[(&str, &str, i32, i32, i32)],
    ) -> (i32, Vec<i32>) {
        let id = add_row(&mut self.data.surveys, |id| survey::Model {
            version: 1,
            id,
            code: code.to_owned(),
            title: title.to_owned(),
            kind,
            school_year: DEMO_YEAR,
            window_start: date(DEMO_YEAR, 2, 1),
            window_end: date(DEMO_YEAR, 4, 30),
            min_report_n: 10,
            confidential: true,
        });
        let mut ids = Vec::new();
        for (code, text, min, max, favorable) in questions {
            let qid = add_row(&mut self.data.questions, |qid| survey_question::Model {
                id: qid,
                survey_id: id,
                code: (*code).to_owned(),
                text: (*text).to_owned(),
                scale_min: *min,
                scale_max: *max,
                favorable_from: *favorable,
            });
            ids.push(qid);
        }
        (id, ids)
    }

    fn respond(
        &mut self,
        survey_id: i32,
        administration: Option<i32>,
        school: Option<i32>,
        questions: &[i32],
        favorable: f64,
        scale: (i32, i32),
    ) {
        let id = add_row(&mut self.data.responses, |id| survey_response::Model {
            id,
            survey_id,
            response_key: format!("R{id:07}"),
            administration_id: administration,
            school_id: school,
        });
        for question in questions {
            let (low, high) = scale;
            let favorable_from = high - (high - low) / 2;
            let value = if self.rng.random_bool(favorable) {
                self.rng.random_range(favorable_from..=high)
            } else {
                self.rng.random_range(low..favorable_from)
            };
            add_row(&mut self.data.answers, |aid| survey_answer::Model {
                id: aid,
                response_id: id,
                question_id: *question,
                value,
            });
        }
    }

    pub(super) fn surveys(&mut self, schools: &[School]) {
        let (sfs, sfs_questions) = self.survey(
            &format!("SFS-{DEMO_YEAR}"),
            "Stakeholder Feedback Survey (students)",
            SurveyKind::StakeholderFeedback,
            &[
                (
                    "SFS_BELIEVES",
                    "My teacher believes I can do well in this class.",
                    1,
                    4,
                    3,
                ),
                (
                    "SFS_EXPLAINS",
                    "My teacher explains things in a way I understand.",
                    1,
                    4,
                    3,
                ),
                (
                    "SFS_RESPECT",
                    "Students in this class treat each other with respect.",
                    1,
                    4,
                    3,
                ),
                (
                    "SFS_FEEDBACK",
                    "My teacher tells me how I can improve my work.",
                    1,
                    4,
                    3,
                ),
                ("SFS_CHALLENGE", "This class makes me think hard.", 1, 4, 3),
            ],
        );
        let edst = self.reference.process("EDST");
        let edst_cycle = self.data.cycles.iter().find(|c| c.process_id == edst).map(|c| c.id);
        let evaluated: HashSet<i32> = self
            .data
            .evaluations
            .iter()
            .filter(|e| Some(e.cycle_id) == edst_cycle)
            .map(|e| e.evaluatee_id)
            .collect();
        let enrolled: HashMap<i32, i32> = self.data.sections.iter().map(|s| (s.id, s.enrolled_count)).collect();
        let classrooms: Vec<(i32, i32, i32)> = self
            .data
            .section_teachers
            .iter()
            .filter(|st| {
                st.role == SectionRole::TeacherOfRecord
                    && (self.shape.survey_all_classrooms || evaluated.contains(&st.staff_id))
            })
            .filter_map(|st| Some((st.section_id, st.staff_id, *enrolled.get(&st.section_id)?)))
            .collect();
        for (section_id, teacher_id, enrolled) in classrooms {
            let roll: f64 = self.rng.random();
            let [administered, open, planned, cancelled] = self.shape.administration_shares;
            let status = match roll {
                r if r < administered => AdministrationStatus::Administered,
                r if r < open => AdministrationStatus::Open,
                r if r < planned => AdministrationStatus::Planned,
                r if r < cancelled => AdministrationStatus::Cancelled,
                _ => continue, // no administration at all yet
            };
            let administered = status == AdministrationStatus::Administered;
            let responses = if administered && enrolled > 0 && !self.rng.random_bool(0.03) {
                let (numerator, denominator) = self.shape.response_floor;
                self.rng
                    .random_range((enrolled * numerator / denominator).max(1)..=enrolled)
            } else {
                0
            };
            let id = add_row(&mut self.data.administrations, |id| survey_administration::Model {
                version: 1,
                id,
                survey_id: sfs,
                section_id,
                teacher_id,
                status,
                administered_on: administered.then(|| plus(date(DEMO_YEAR, 2, 9), self.rng.random_range(0..70))),
                enrolled_count: enrolled,
                response_count: responses,
            });
            let favorable = self.rng.random_range(0.6..0.95);
            let answered = ((sfs_questions.len() as f64 * self.shape.answers_share).round() as usize)
                .clamp(1, sfs_questions.len());
            for _ in 0..responses {
                self.respond(sfs, Some(id), None, &sfs_questions[..answered], favorable, (1, 4));
            }
        }

        let (ses, ses_questions) = self.survey(
            &format!("SES-STAFF-{DEMO_YEAR}"),
            "School Experience Survey (staff)",
            SurveyKind::SchoolExperience,
            &[
                (
                    "SUPPORTIVE_PLACE",
                    "This school is a supportive and inviting place for staff to work.",
                    1,
                    5,
                    4,
                ),
                ("SAFE_PLACE", "This school is a safe place to work.", 1, 5, 4),
                ("PROUD", "I am proud to work at this school.", 1, 5, 4),
            ],
        );
        for school in schools {
            let people = &school.staff;
            let respondents = people.teachers.len() + people.classified.len() + people.counselors.len() + 2;
            for _ in 0..respondents {
                if self.rng.random_bool(0.65) {
                    self.respond(ses, None, Some(school.id), &ses_questions, 0.93, (1, 5));
                }
            }
        }
    }
}
