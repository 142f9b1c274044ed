//! Wellness (DESIGN.md §2, "Wellness"): EASE reports for the district and each region over two
//! years, usage growing into the demo year so that EASE_USAGE (§3) beats the year before, with
//! one count small enough that §4 must suppress it and its sibling; and an attendance summary
//! per active employee, most of them within EXCELLENT_ATTENDANCE's 4%. EASE is confidential
//! counseling: only the vendor's aggregates exist, never a row per employee.

use super::{DEMO_YEAR, Generator, School, add_row, date};
use entity::enums::ServiceType;
use entity::{attendance_summary, ease_report};
use rand::Rng;

impl Generator<'_> {
    pub(super) fn ease_reports(&mut self, schools: &[School]) {
        let district = self.data.organizations.first().map(|o| o.id).unwrap_or_default();
        let total = self.data.staff.iter().filter(|s| s.active).count() as i32;
        let mut regions: Vec<i32> = schools.iter().map(|s| s.region_id).collect();
        regions.dedup();
        for year in [DEMO_YEAR - 1, DEMO_YEAR] {
            let growth = if year == DEMO_YEAR { 1.25 } else { 1.0 };
            let mut scopes = vec![(district, total)];
            for region in &regions {
                scopes.push((*region, total * 45 / 100));
            }
            for (n, (org, eligible)) in scopes.into_iter().enumerate() {
                let users = ((eligible as f64) * 0.052 * growth).round() as i32;
                let split = [
                    (ServiceType::All, users),
                    (ServiceType::Counseling, users * 6 / 10),
                    // A small count (1 to 10) the API must suppress, with its sibling.
                    (ServiceType::Hotline, if n == 1 { 7 } else { users / 5 }),
                    (ServiceType::Telehealth, users / 4),
                    (ServiceType::WorkLife, users / 6 + 1),
                ];
                for (service_type, unique) in split {
                    let sessions = unique * self.rng.random_range(25..45) / 10;
                    add_row(&mut self.data.ease_reports, |id| ease_report::Model {
                        id,
                        period_start: date(year - 1, 7, 1),
                        period_end: date(year, 6, 30),
                        organization_id: org,
                        service_type,
                        unique_employees: unique,
                        sessions,
                        eligible_employees: eligible,
                    });
                }
            }
        }
    }

    pub(super) fn attendance(&mut self) {
        let school_year_groups: Vec<i32> = ["TCH", "NCT", "CNS", "ADT"]
            .iter()
            .filter_map(|g| self.groups.get(g).copied())
            .collect();
        let people: Vec<(i32, bool)> = self
            .data
            .staff
            .iter()
            .filter(|s| s.active)
            .map(|s| (s.id, school_year_groups.contains(&s.employee_group_id)))
            .collect();
        for (staff_id, school_calendar) in people {
            let expected = if school_calendar { 180.0 } else { 220.0 };
            let share = if self.rng.random_bool(0.85) {
                self.rng.random_range(0.0..0.04)
            } else {
                self.rng.random_range(0.04..0.15)
            };
            let absent = (expected * share * 2.0_f64).floor() / 2.0;
            add_row(&mut self.data.attendance, |id| attendance_summary::Model {
                id,
                staff_id,
                school_year: DEMO_YEAR,
                days_expected: expected,
                days_absent: absent,
            });
        }
    }
}
