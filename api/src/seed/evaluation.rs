//! Evaluations (DESIGN.md §2, "Evaluation frameworks and evaluations"): which processes serve
//! which employee groups, one cycle per process for the year, and evaluations of teachers,
//! coaches, counselors, school leaders, principal supervisors, classified and adult-education
//! staff in every status. Those under way have their events, and observations under the
//! Teaching and Learning Framework their element ratings. Adult-education teachers are served
//! only by STULL, a single measure, so MULTIPLE_MEASURES (§3) has a certificated group it does
//! not cover.

use super::{DEMO_YEAR, Generator, School, add_row, date, plus};
use chrono::NaiveDate;
use entity::enums::{EvaluationStatus, EventKind, EventStatus, RatingScale};
use entity::{element_rating, evaluation, evaluation_cycle, evaluation_event, evaluation_process_group};
use rand::Rng;
use std::collections::HashMap;

/// An observation's written feedback, when it has some.
const FEEDBACK: &[&str] = &[
    "Clear learning objective posted and referenced throughout the lesson.",
    "Questions were mostly recall; plan higher-order prompts.",
    "Students explained their reasoning to partners using academic language.",
    "Checks for understanding informed the regrouping of students.",
];

impl Generator<'_> {
    pub(super) fn process_groups(&mut self) {
        // Which processes serve which groups (district data). Adult-education teachers are
        // served only by the legacy single-measure STULL process: the uncovered group.
        for (process, group) in [
            ("EDST", "TCH"),
            ("EDSNCT", "NCT"),
            ("EDSC", "CNS"),
            ("EDSSL", "ADM"),
            ("PSL", "PSUP"),
            ("CPM", "CLS"),
            ("CPM", "CMG"),
            ("STULL", "ADT"),
        ] {
            let process_id = self.reference.process(process);
            let employee_group_id = self.groups[group];
            add_row(&mut self.data.process_groups, |id| evaluation_process_group::Model {
                id,
                process_id,
                employee_group_id,
            });
        }
    }

    pub(super) fn evaluations(&mut self, schools: &[School], supervisors: &[i32]) {
        let mut cycles = HashMap::new();
        for code in ["EDST", "EDSNCT", "EDSC", "EDSSL", "PSL", "CPM", "STULL"] {
            let process_id = self.reference.process(code);
            let id = add_row(&mut self.data.cycles, |id| evaluation_cycle::Model {
                version: 1,
                id,
                process_id,
                school_year: DEMO_YEAR,
                roster_cutoff: date(DEMO_YEAR - 1, 10, 31),
                final_due_date: date(DEMO_YEAR, 5, 15),
            });
            cycles.insert(code, id);
        }
        for (r, school) in schools.iter().enumerate() {
            let people = &school.staff;
            // Regions follow the district (id 1) in order, as do their supervisors.
            let region_supervisor = usize::try_from(school.region_id - 2)
                .ok()
                .and_then(|i| supervisors.get(i))
                .copied();
            for &teacher in &people.teachers {
                if self.rng.random_bool(self.shape.evaluated_share) {
                    let evaluator = if self.rng.random_bool(0.6) {
                        people.principal
                    } else {
                        people.assistant_principal
                    };
                    self.evaluate(cycles["EDST"], "TLF", teacher, Some(evaluator), school.id);
                }
            }
            for &coach in &people.non_classroom {
                self.evaluate(cycles["EDSNCT"], "TLF", coach, Some(people.principal), school.id);
            }
            for &counselor in &people.counselors {
                self.evaluate(cycles["EDSC"], "SCF", counselor, Some(people.principal), school.id);
            }
            self.evaluate(cycles["EDSSL"], "SLF", people.principal, region_supervisor, school.id);
            self.evaluate(
                cycles["EDSSL"],
                "SLF",
                people.assistant_principal,
                Some(people.principal),
                school.id,
            );
            for (n, &classified) in people.classified.iter().enumerate() {
                if (n + r) % 2 == 0 {
                    self.evaluate(cycles["CPM"], "CPF", classified, Some(people.principal), school.id);
                }
            }
        }
        for supervisor in supervisors {
            let region = self
                .data
                .assignments
                .iter()
                .find(|a| a.staff_id == *supervisor)
                .map(|a| a.organization_id)
                .unwrap_or_default();
            self.evaluate(cycles["PSL"], "PSLF", *supervisor, None, region);
        }
        let adult_group = self.groups["ADT"];
        let adult: Vec<(i32, i32)> = self
            .data
            .staff
            .iter()
            .filter(|s| s.employee_group_id == adult_group)
            .filter_map(|s| {
                let org = self
                    .data
                    .assignments
                    .iter()
                    .find(|a| a.staff_id == s.id)?
                    .organization_id;
                Some((s.id, org))
            })
            .collect();
        for (n, (teacher, office)) in adult.into_iter().enumerate() {
            if n % 5 < 3 {
                self.evaluate(cycles["STULL"], "TLF", teacher, None, office);
            }
        }
    }

    fn evaluate(&mut self, cycle_id: i32, framework: &str, evaluatee: i32, evaluator: Option<i32>, school: i32) {
        let roll: f64 = self.rng.random();
        let status = match roll {
            r if r < 0.05 => EvaluationStatus::Withdrawn,
            r if r < 0.60 => EvaluationStatus::Complete,
            r if r < 0.90 => EvaluationStatus::InProgress,
            _ => EvaluationStatus::Rostered,
        };
        let complete = status == EvaluationStatus::Complete;
        let completed_on = complete.then(|| plus(date(DEMO_YEAR, 4, 1), self.rng.random_range(0..44)));
        let final_rating = complete.then(|| {
            let label = if self.rng.random_bool(0.92) {
                "Meets Standard Performance"
            } else {
                "Below Standard Performance"
            };
            self.reference.level(framework, RatingScale::Overall, label)
        });
        let id = add_row(&mut self.data.evaluations, |id| evaluation::Model {
            withdrawn_reason: None,
            id,
            cycle_id,
            evaluatee_id: evaluatee,
            evaluator_id: evaluator,
            school_id: school,
            status,
            rostered_on: plus(date(DEMO_YEAR - 1, 9, 15), self.rng.random_range(0..40)),
            final_rating_id: final_rating,
            completed_on,
            version: 1,
        });
        if status == EvaluationStatus::Withdrawn || status == EvaluationStatus::Rostered {
            return;
        }
        let observed_section = self.first_section.get(&evaluatee).copied();
        self.event(
            id,
            EventKind::InitialPlanning,
            date(DEMO_YEAR - 1, 10, 20),
            None,
            EventStatus::Complete,
        );
        let observed = plus(date(DEMO_YEAR, 1, 12), self.rng.random_range(0..60));
        let observation_done = complete || self.rng.random_bool(0.6);
        let status = if observation_done {
            EventStatus::Complete
        } else {
            EventStatus::Scheduled
        };
        let observation = self.event(id, EventKind::FormalObservation, observed, observed_section, status);
        if observation_done && framework == "TLF" {
            for element in self.reference.tlf_focus_elements.clone() {
                let label = match self.rng.random_range(0..100) {
                    0..4 => "Ineffective",
                    4..22 => "Developing",
                    22..88 => "Effective",
                    _ => "Highly Effective",
                };
                let rating_level_id = self.reference.level("TLF", RatingScale::Element, label);
                let feedback = self
                    .rng
                    .random_bool(0.3)
                    .then(|| FEEDBACK[self.rng.random_range(0..FEEDBACK.len())].to_owned());
                add_row(&mut self.data.element_ratings, |id| element_rating::Model {
                    id,
                    event_id: observation,
                    element_id: element,
                    rating_level_id,
                    feedback,
                });
            }
        }
        if let Some(day) = completed_on {
            self.event(id, EventKind::FinalConference, day, None, EventStatus::Complete);
        }
    }

    fn event(
        &mut self,
        evaluation_id: i32,
        kind: EventKind,
        on: NaiveDate,
        section: Option<i32>,
        status: EventStatus,
    ) -> i32 {
        add_row(&mut self.data.events, |id| evaluation_event::Model {
            version: 1,
            id,
            evaluation_id,
            kind,
            occurred_on: on,
            section_id: section,
            status,
        })
    }
}
