//! Training (DESIGN.md §2, "Training"), and the year's supervisory entries it is measured
//! against: teachers and classified staff promoted into supervisory posts during the year, so
//! that SUPERVISOR_TRAINING (§3) finds entries in every status (on time, late, overdue, pending)
//! and acting posts that are not new entries. Also the courses, the school leaders' evaluator
//! certification, and the wellness completions WELLNESS_PD counts.

use super::{DEMO_YEAR, Generator, School, add_row, date, plus};
use chrono::NaiveDate;
use entity::enums::CourseCategory;
use entity::{training_completion, training_course};
use rand::Rng;

impl Generator<'_> {
    /// New supervisors and managers of the demo year: teachers promoted to assistant principal
    /// and classified staff promoted to plant manager, with training in every status as of the
    /// end of the year (on time, late, overdue, pending). One promotion follows another
    /// supervisory post within 365 days and so is not a new entry.
    pub(super) fn supervisory_entries(&mut self, schools: &mut [School], year_start: NaiveDate) {
        for (n, school) in schools.iter_mut().enumerate() {
            let Some(teacher) = school.staff.teachers.pop() else {
                continue;
            };
            // Spread the entries over the year so that every training status occurs.
            let begin = plus(year_start, [14, 45, 75, 200, 230, 300][n % 6] + n as i64);
            self.promote(
                teacher,
                school.id,
                begin,
                "Assistant Principal, Secondary Counseling",
                "2235",
                n,
            );
            if n % 3 == 0
                && let Some(classified) = school.staff.classified.pop()
            {
                let begin = plus(year_start, 20 + 25 * n as i64);
                self.promote(classified, school.id, begin, "Plant Manager", "3810", n + 1);
            }
        }
    }

    fn promote(&mut self, staff_id: i32, school: i32, begin: NaiveDate, title: &str, class: &str, n: usize) {
        if let Some(current) = self.data.assignments.iter_mut().rev().find(|a| a.staff_id == staff_id) {
            current.end_date = Some(plus(begin, -1));
        }
        self.assign(staff_id, school, title, class, true, false, begin, None);
        if n % 7 == 3 {
            // A second supervisory post within 365 days: an acting assignment that starts
            // 60 days later at the same school. Not a new supervisory entry.
            self.assign(
                staff_id,
                school,
                "Acting Assistant Principal",
                "2230",
                true,
                false,
                plus(begin, 60),
                None,
            );
        }
    }

    fn complete(&mut self, staff_id: i32, course_id: i32, on: NaiveDate, source: &str) {
        let duplicate = self
            .data
            .completions
            .iter()
            .any(|c| c.staff_id == staff_id && c.course_id == course_id && c.completed_on == on);
        if duplicate {
            return;
        }
        add_row(&mut self.data.completions, |id| training_completion::Model {
            id,
            staff_id,
            course_id,
            completed_on: on,
            source: source.to_owned(),
        });
    }

    pub(super) fn courses_and_training(&mut self, schools: &[School]) {
        let [pm, pm2, wellness, mindful, cert, safety] = [
            (
                "PM-101",
                "Performance Management for Supervisors",
                CourseCategory::PerformanceManagement,
                6.0,
            ),
            (
                "PM-201",
                "Evidence-Based Evaluation Conversations",
                CourseCategory::PerformanceManagement,
                3.0,
            ),
            ("WELL-101", "Staff Wellness Foundations", CourseCategory::Wellness, 2.0),
            ("WELL-201", "Mindfulness for Educators", CourseCategory::Wellness, 1.5),
            (
                "EVAL-CERT",
                "Evaluator Certification",
                CourseCategory::EvaluatorCertification,
                12.0,
            ),
            ("SAFE-100", "Mandated Reporter Training", CourseCategory::Other, 2.0),
        ]
        .map(|(code, title, category, hours)| {
            add_row(&mut self.data.courses, |id| training_course::Model {
                version: 1,
                id,
                code: code.to_owned(),
                title: title.to_owned(),
                category,
                hours,
            })
        });
        let year_end = date(DEMO_YEAR, 6, 30);

        // Supervisory entries of the year, by when they began (see `supervisory_entries`).
        let entries: Vec<(i32, NaiveDate)> = self
            .data
            .assignments
            .iter()
            .filter(|a| {
                a.supervisory && a.begin_date > date(DEMO_YEAR - 1, 6, 30) && !a.job_title.starts_with("Acting")
            })
            .map(|a| (a.staff_id, a.begin_date))
            .collect();
        for (n, (staff_id, begin)) in entries.into_iter().enumerate() {
            let due = plus(begin, 180);
            match n % 5 {
                // On time: within the window, or up to a year before entry.
                0 => self.complete(staff_id, pm, plus(begin, 40), "LMS"),
                1 => self.complete(staff_id, pm2, plus(begin, -200), "LMS"),
                // Late: after the due date, before the end of the year.
                2 if plus(due, 20) <= year_end => self.complete(staff_id, pm, plus(due, 20), "LMS"),
                // Otherwise none: overdue when due before the end of the year, else pending.
                _ => {}
            }
        }
        for school in schools {
            for admin in [school.staff.principal, school.staff.assistant_principal] {
                self.complete(admin, cert, date(2019, 8, 12), "LMS");
            }
        }
        let staff_ids: Vec<i32> = self.data.staff.iter().map(|s| s.id).collect();
        for staff_id in staff_ids {
            if self.rng.random_bool(0.08) {
                let on = plus(date(DEMO_YEAR - 2, 7, 1), self.rng.random_range(0..360));
                self.complete(staff_id, wellness, on, "LMS");
            }
            if self.rng.random_bool(0.17) {
                let on = plus(date(DEMO_YEAR - 1, 7, 1), self.rng.random_range(0..360));
                let course = if self.rng.random_bool(0.5) { wellness } else { mindful };
                self.complete(staff_id, course, on, "LMS");
            }
            if self.rng.random_bool(0.9) {
                let on = plus(date(DEMO_YEAR - 1, 8, 1), self.rng.random_range(0..60));
                self.complete(staff_id, safety, on, "LMS");
            }
        }
    }
}
