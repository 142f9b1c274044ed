//! Organization and people (DESIGN.md §2, "Organization and people"): the district, its regions
//! and offices, the schools; the employee groups (certificated ones are the MULTIPLE_MEASURES
//! denominator, §3); staff hired into one assignment each; and a school year of sections with
//! their teachers. Every later area hangs its rows on the schools and staff made here.

use super::names::{ELEMENTARY_COURSES, FIRST_NAMES, LAST_NAMES, REGIONS, SCHOOL_NAMES, SECONDARY_COURSES};
use super::{DEMO_YEAR, Generator, Level, School, SchoolStaff, add_row, date};
use chrono::NaiveDate;
use entity::enums::{OrganizationKind, SectionRole};
use entity::{assignment, employee_group, organization, section, section_teacher, staff};
use rand::Rng;

/// The central offices that are not regions.
pub(super) struct Offices {
    /// The Human Resources Division.
    hr: i32,
    /// The Division of Adult Education, home of the adult-education teachers.
    adult_education: i32,
}

impl Generator<'_> {
    pub(super) fn employee_groups(&mut self) {
        let groups: [(&'static str, &str, bool, &str); 8] = [
            ("TCH", "Teachers", true, "UTLA"),
            ("NCT", "Non-Classroom Teachers", true, "UTLA"),
            ("CNS", "School Counselors", true, "UTLA"),
            ("ADM", "School Administrators", true, "AALA"),
            ("PSUP", "Principal Supervisors", true, "AALA"),
            ("ADT", "Adult Education Teachers", true, "UTLA"),
            ("CLS", "Classified Staff", false, "SEIU Local 99"),
            ("CMG", "Classified Managers", false, "Teamsters Local 572"),
        ];
        for (code, name, certificated, unit) in groups {
            let id = add_row(&mut self.data.employee_groups, |id| employee_group::Model {
                id,
                code: code.to_owned(),
                name: name.to_owned(),
                certificated,
                bargaining_unit: Some(unit.to_owned()),
            });
            self.groups.insert(code, id);
        }
    }

    fn org(
        &mut self,
        code: String,
        name: String,
        kind: OrganizationKind,
        parent_id: Option<i32>,
        tier: Option<&str>,
    ) -> i32 {
        add_row(&mut self.data.organizations, |id| organization::Model {
            id,
            code,
            name,
            kind,
            parent_id,
            equity_tier: tier.map(str::to_owned),
        })
    }

    /// Returns the schools (their staff not yet hired) and the offices.
    pub(super) fn organizations(&mut self) -> (Vec<School>, Offices) {
        let district = self.org(
            "DIST".into(),
            "Demo Unified School District".into(),
            OrganizationKind::District,
            None,
            None,
        );
        let regions: Vec<i32> = REGIONS[..self.shape.regions.clamp(1, REGIONS.len())]
            .iter()
            .map(|(code, name)| {
                self.org(
                    (*code).into(),
                    (*name).into(),
                    OrganizationKind::Region,
                    Some(district),
                    None,
                )
            })
            .collect();
        let hr = self.org(
            "OFF-HR".into(),
            "Human Resources Division".into(),
            OrganizationKind::Office,
            Some(district),
            None,
        );
        let adult = self.org(
            "OFF-AE".into(),
            "Division of Adult Education".into(),
            OrganizationKind::Office,
            Some(district),
            None,
        );
        let levels = [
            Level::Elementary,
            Level::Elementary,
            Level::Elementary,
            Level::Middle,
            Level::Middle,
            Level::High,
        ];
        let tiers = ["Highest", "High", "Moderate"];
        let mut schools = Vec::new();
        let (total, count) = (self.shape.schools, regions.len());
        let per_region = |r: usize| (r + 1) * total / count - r * total / count;
        let mut n = 0;
        for (r, region) in regions.iter().enumerate() {
            for s in 0..per_region(r) {
                let level = &levels[s % levels.len()];
                let code = format!("SCH-{}{:02}", r + 1, s + 1);
                let name = format!("{} {}", SCHOOL_NAMES[n % SCHOOL_NAMES.len()], level.suffix());
                let id = self.org(
                    code,
                    name,
                    OrganizationKind::School,
                    Some(*region),
                    Some(tiers[n % tiers.len()]),
                );
                schools.push(School {
                    id,
                    level: *level,
                    region_id: *region,
                    staff: SchoolStaff::default(),
                });
                n += 1;
            }
        }
        (
            schools,
            Offices {
                hr,
                adult_education: adult,
            },
        )
    }

    fn person(&mut self, group: &str, hired: NaiveDate) -> i32 {
        let first = FIRST_NAMES[self.rng.random_range(0..FIRST_NAMES.len())];
        let last = LAST_NAMES[self.rng.random_range(0..LAST_NAMES.len())];
        let active = self.rng.random_bool(0.97);
        let employee_group_id = self.groups.get(group).copied().unwrap_or_default();
        add_row(&mut self.data.staff, |id| staff::Model {
            id,
            employee_number: format!("E{:06}", 100_000 + id),
            first_name: first.to_owned(),
            last_name: last.to_owned(),
            email: Some(format!(
                "{}.{}{}@demo-usd.example.org",
                first.to_lowercase(),
                last.to_lowercase(),
                id
            )),
            employee_group_id,
            hire_date: hired,
            active,
        })
    }

    fn hire_date(&mut self) -> NaiveDate {
        let year = self.rng.random_range(1996..=2024);
        date(year, self.rng.random_range(7..=9), self.rng.random_range(1..=28))
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn assign(
        &mut self,
        staff_id: i32,
        organization_id: i32,
        title: &str,
        class: &str,
        supervisory: bool,
        management: bool,
        begin: NaiveDate,
        end: Option<NaiveDate>,
    ) {
        add_row(&mut self.data.assignments, |id| assignment::Model {
            id,
            staff_id,
            organization_id,
            job_title: title.to_owned(),
            job_class_code: class.to_owned(),
            supervisory,
            management,
            begin_date: begin,
            end_date: end,
        });
    }

    /// A person with one assignment that began when they were hired.
    fn hire(&mut self, group: &str, org: i32, title: &str, class: &str, supervisory: bool, management: bool) -> i32 {
        let hired = self.hire_date();
        let id = self.person(group, hired);
        self.assign(id, org, title, class, supervisory, management, hired, None);
        id
    }

    pub(super) fn school_staff(&mut self, school: i32, level: Level) -> SchoolStaff {
        let mut people = SchoolStaff {
            principal: self.hire("ADM", school, "Principal", "2210", true, true),
            assistant_principal: self.hire("ADM", school, "Assistant Principal", "2230", true, false),
            ..SchoolStaff::default()
        };
        for _ in 0..self.shape.classrooms[level as usize].0 {
            let teacher = self.hire("TCH", school, "Teacher", "0100", false, false);
            people.teachers.push(teacher);
        }
        people
            .non_classroom
            .push(self.hire("NCT", school, "Instructional Coach", "0350", false, false));
        let counselors = if matches!(level, Level::High) { 2 } else { 1 };
        for _ in 0..counselors {
            let counselor = self.hire("CNS", school, "School Counselor", "0400", false, false);
            people.counselors.push(counselor);
        }
        for n in 0..10 {
            let (title, class) = if n % 3 == 0 {
                ("Office Technician", "1117")
            } else {
                ("Teacher Assistant", "2515")
            };
            let person = self.hire("CLS", school, title, class, false, false);
            people.classified.push(person);
        }
        people
    }

    /// Principal supervisors, HR and adult education; returns the principal supervisors.
    pub(super) fn central_staff(&mut self, offices: &Offices) -> Vec<i32> {
        let (hr, adult) = (offices.hr, offices.adult_education);
        let regions: Vec<i32> = self
            .data
            .organizations
            .iter()
            .filter(|o| o.kind == OrganizationKind::Region)
            .map(|o| o.id)
            .collect();
        let supervisors = regions
            .iter()
            .map(|region| self.hire("PSUP", *region, "Principal Supervisor", "2250", true, true))
            .collect();
        self.hire("CMG", hr, "Director of Human Resources", "3100", true, true);
        for n in 0..35 {
            let (title, class) = if n % 5 == 0 {
                ("Personnel Analyst", "3140")
            } else {
                ("Personnel Clerk", "3150")
            };
            self.hire("CLS", hr, title, class, false, false);
        }
        for _ in 0..20 {
            self.hire("ADT", adult, "Adult Education Teacher", "0700", false, false);
        }
        for n in 0..self.shape.central_staff {
            if n % self.shape.central_supervisor_every.max(1) == 0 {
                self.hire("CMG", hr, "Operations Supervisor", "3200", true, true);
            } else {
                self.hire("CLS", hr, "Operations Clerk", "3150", false, false);
            }
        }
        supervisors
    }

    pub(super) fn sections(&mut self, schools: &[School]) {
        for school in schools {
            let (level, people) = (school.level, &school.staff);
            for (t, teacher) in people.teachers.iter().enumerate() {
                for period in 0..self.shape.classrooms[level as usize].1 {
                    let courses = if matches!(level, Level::Elementary) {
                        ELEMENTARY_COURSES
                    } else {
                        SECONDARY_COURSES
                    };
                    let enrolled = if self.rng.random_bool(0.02) {
                        0
                    } else {
                        self.rng.random_range(18..=34)
                    };
                    let id = add_row(&mut self.data.sections, |id| section::Model {
                        id,
                        school_id: school.id,
                        section_code: format!("P{}-{:03}", period + 1, t + 1),
                        school_year: DEMO_YEAR,
                        course_name: courses[(t + period) % courses.len()].to_owned(),
                        grade_band: Some(level.grade_band().to_owned()),
                        enrolled_count: enrolled,
                    });
                    self.teach(id, *teacher, SectionRole::TeacherOfRecord);
                    if self.rng.random_bool(0.15) {
                        let other = people.teachers[(t + 1) % people.teachers.len()];
                        self.teach(id, other, SectionRole::CoTeacher);
                    } else if self.rng.random_bool(0.1)
                        && let Some(coach) = people.non_classroom.first()
                    {
                        self.teach(id, *coach, SectionRole::Support);
                    }
                }
            }
        }
    }

    fn teach(&mut self, section_id: i32, staff_id: i32, role: SectionRole) {
        if role == SectionRole::TeacherOfRecord {
            self.first_section.entry(staff_id).or_insert(section_id);
        }
        add_row(&mut self.data.section_teachers, |id| section_teacher::Model {
            id,
            section_id,
            staff_id,
            role,
            begin_date: Some(date(DEMO_YEAR - 1, 8, 14)),
            end_date: None,
        });
    }
}
