//! The demo district: small but complete (DESIGN.md §2 in miniature). One district, two
//! regions, twelve schools and two offices; about 600 staff in certificated and classified
//! groups; a school year (2025-26) of sections, evaluation cycles and evaluations with events
//! and element ratings; a Stakeholder Feedback Survey with administrations in every status and
//! anonymous responses; a School Experience Survey; supervisory entries whose training falls in
//! every status (on time, late, overdue, pending); EASE reports for two years; attendance.
//!
//! Deterministic: the same seed gives the same rows (ChaCha8, fixed dates, no clock).

use super::SeedReport;
use crate::error::ApiResult;
use crate::sql::bulk::insert_all;
use chrono::{Days, NaiveDate};
use entity::enums::*;
use entity::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// The school year the demo covers: 2026 is 2025-26.
pub const DEMO_YEAR: i32 = 2026;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

fn plus(day: NaiveDate, days: i64) -> NaiveDate {
    if days >= 0 {
        day.checked_add_days(Days::new(days as u64)).unwrap_or(day)
    } else {
        day.checked_sub_days(Days::new(days.unsigned_abs())).unwrap_or(day)
    }
}

/// Surrogate ids of the reference data the demo refers to (loaded by the migrations).
pub struct ReferenceIds {
    processes: HashMap<String, i32>,
    /// (framework code, scale, label) → rating level id.
    levels: HashMap<(String, RatingScale, String), i32>,
    /// Element ids of the Teaching and Learning Framework's focus elements, in rubric order.
    tlf_focus_elements: Vec<i32>,
}

impl ReferenceIds {
    /// Reads the ids from a migrated database.
    pub async fn load<C: ConnectionTrait>(db: &C) -> ApiResult<Self> {
        let frameworks: HashMap<i32, String> = framework::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|f| (f.id, f.code))
            .collect();
        let processes = evaluation_process::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.code, p.id))
            .collect();
        let levels = rating_level::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .filter_map(|l| Some(((frameworks.get(&l.framework_id)?.clone(), l.scale, l.label), l.id)))
            .collect();
        let tlf = frameworks.iter().find(|(_, code)| *code == "TLF").map(|(id, _)| *id);
        let standards: Vec<i32> = framework_standard::Entity::find()
            .filter(framework_standard::Column::FrameworkId.eq(tlf.unwrap_or(-1)))
            .all(db)
            .await?
            .into_iter()
            .map(|s| s.id)
            .collect();
        let components: Vec<i32> = framework_component::Entity::find()
            .filter(framework_component::Column::StandardId.is_in(standards))
            .all(db)
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect();
        let mut elements = framework_element::Entity::find()
            .filter(framework_element::Column::ComponentId.is_in(components))
            .filter(framework_element::Column::Focus.eq(true))
            .all(db)
            .await?;
        elements.sort_by_key(|e| e.sort_order);
        Ok(Self {
            processes,
            levels,
            tlf_focus_elements: elements.into_iter().map(|e| e.id).collect(),
        })
    }

    fn process(&self, code: &str) -> i32 {
        self.processes.get(code).copied().unwrap_or_default()
    }

    fn level(&self, framework: &str, scale: RatingScale, label: &str) -> i32 {
        self.levels
            .get(&(framework.to_owned(), scale, label.to_owned()))
            .copied()
            .unwrap_or_default()
    }
}

/// Every row of the demo district, with ids assigned.
#[derive(Default)]
pub struct DemoData {
    pub organizations: Vec<organization::Model>,
    pub employee_groups: Vec<employee_group::Model>,
    pub staff: Vec<staff::Model>,
    pub assignments: Vec<assignment::Model>,
    pub sections: Vec<section::Model>,
    pub section_teachers: Vec<section_teacher::Model>,
    pub process_groups: Vec<evaluation_process_group::Model>,
    pub cycles: Vec<evaluation_cycle::Model>,
    pub evaluations: Vec<evaluation::Model>,
    pub events: Vec<evaluation_event::Model>,
    pub element_ratings: Vec<element_rating::Model>,
    pub surveys: Vec<survey::Model>,
    pub questions: Vec<survey_question::Model>,
    pub administrations: Vec<survey_administration::Model>,
    pub responses: Vec<survey_response::Model>,
    pub answers: Vec<survey_answer::Model>,
    pub courses: Vec<training_course::Model>,
    pub completions: Vec<training_completion::Model>,
    pub ease_reports: Vec<ease_report::Model>,
    pub attendance: Vec<attendance_summary::Model>,
}

impl DemoData {
    /// Writes every row, parents first, in bulk; returns the rows per table.
    pub async fn insert<C: ConnectionTrait>(self, db: &C) -> ApiResult<SeedReport> {
        let mut report = SeedReport::default();
        let rows = &mut report.rows;
        rows.insert(
            "organization",
            insert_all::<organization::Entity, _, _>(db, self.organizations).await?,
        );
        rows.insert(
            "employee_group",
            insert_all::<employee_group::Entity, _, _>(db, self.employee_groups).await?,
        );
        rows.insert("staff", insert_all::<staff::Entity, _, _>(db, self.staff).await?);
        rows.insert(
            "assignment",
            insert_all::<assignment::Entity, _, _>(db, self.assignments).await?,
        );
        rows.insert("section", insert_all::<section::Entity, _, _>(db, self.sections).await?);
        rows.insert(
            "section_teacher",
            insert_all::<section_teacher::Entity, _, _>(db, self.section_teachers).await?,
        );
        rows.insert(
            "evaluation_process_group",
            insert_all::<evaluation_process_group::Entity, _, _>(db, self.process_groups).await?,
        );
        rows.insert(
            "evaluation_cycle",
            insert_all::<evaluation_cycle::Entity, _, _>(db, self.cycles).await?,
        );
        rows.insert(
            "evaluation",
            insert_all::<evaluation::Entity, _, _>(db, self.evaluations).await?,
        );
        rows.insert(
            "evaluation_event",
            insert_all::<evaluation_event::Entity, _, _>(db, self.events).await?,
        );
        rows.insert(
            "element_rating",
            insert_all::<element_rating::Entity, _, _>(db, self.element_ratings).await?,
        );
        rows.insert("survey", insert_all::<survey::Entity, _, _>(db, self.surveys).await?);
        rows.insert(
            "survey_question",
            insert_all::<survey_question::Entity, _, _>(db, self.questions).await?,
        );
        rows.insert(
            "survey_administration",
            insert_all::<survey_administration::Entity, _, _>(db, self.administrations).await?,
        );
        rows.insert(
            "survey_response",
            insert_all::<survey_response::Entity, _, _>(db, self.responses).await?,
        );
        rows.insert(
            "survey_answer",
            insert_all::<survey_answer::Entity, _, _>(db, self.answers).await?,
        );
        rows.insert(
            "training_course",
            insert_all::<training_course::Entity, _, _>(db, self.courses).await?,
        );
        rows.insert(
            "training_completion",
            insert_all::<training_completion::Entity, _, _>(db, self.completions).await?,
        );
        rows.insert(
            "ease_report",
            insert_all::<ease_report::Entity, _, _>(db, self.ease_reports).await?,
        );
        rows.insert(
            "attendance_summary",
            insert_all::<attendance_summary::Entity, _, _>(db, self.attendance).await?,
        );
        Ok(report)
    }
}

const FIRST_NAMES: &[&str] = &[
    "Maria",
    "James",
    "Guadalupe",
    "David",
    "Jennifer",
    "Jose",
    "Linda",
    "Michael",
    "Patricia",
    "Robert",
    "Ana",
    "Daniel",
    "Kimberly",
    "Luis",
    "Angela",
    "Kevin",
    "Rosa",
    "Brian",
    "Michelle",
    "Carlos",
    "Sarah",
    "Anthony",
    "Yesenia",
    "Thomas",
    "Grace",
    "Hector",
    "Nancy",
    "Steven",
    "Veronica",
    "Eric",
    "Lisa",
    "Jorge",
];
const LAST_NAMES: &[&str] = &[
    "Garcia",
    "Hernandez",
    "Smith",
    "Lopez",
    "Martinez",
    "Nguyen",
    "Johnson",
    "Gonzalez",
    "Kim",
    "Williams",
    "Rodriguez",
    "Brown",
    "Perez",
    "Lee",
    "Sanchez",
    "Jones",
    "Ramirez",
    "Chen",
    "Flores",
    "Davis",
    "Torres",
    "Park",
    "Rivera",
    "Miller",
    "Gomez",
    "Wilson",
    "Diaz",
    "Anderson",
    "Reyes",
    "Taylor",
    "Cruz",
    "Thomas",
];
const SCHOOL_NAMES: &[&str] = &[
    "Maple",
    "Sycamore",
    "Jacaranda",
    "Lincoln",
    "Roosevelt",
    "Harbor",
    "Vista",
    "Pacoima",
    "Valley",
    "Eastside",
    "Crenshaw",
    "Belmont",
];
const ELEMENTARY_COURSES: &[&str] = &[
    "Self-Contained Grade 2",
    "Self-Contained Grade 4",
    "Kindergarten",
    "Reading Intervention",
];
const SECONDARY_COURSES: &[&str] = &[
    "English 9",
    "Algebra I",
    "Biology",
    "World History",
    "Geometry",
    "Chemistry",
    "Spanish II",
    "English 7",
    "Math 8",
    "Physical Education",
    "Visual Arts",
    "US History",
];
const FEEDBACK: &[&str] = &[
    "Clear learning objective posted and referenced throughout the lesson.",
    "Questions were mostly recall; plan higher-order prompts.",
    "Students explained their reasoning to partners using academic language.",
    "Checks for understanding informed the regrouping of students.",
];

/// The kinds of schools.
#[derive(Clone, Copy)]
enum Level {
    Elementary,
    Middle,
    High,
}

impl Level {
    fn grade_band(self) -> &'static str {
        match self {
            Self::Elementary => "K-5",
            Self::Middle => "6-8",
            Self::High => "9-12",
        }
    }
    fn suffix(self) -> &'static str {
        match self {
            Self::Elementary => "Elementary School",
            Self::Middle => "Middle School",
            Self::High => "High School",
        }
    }
}

/// Staff the generator keeps track of by role, to wire evaluations and sections.
#[derive(Default)]
struct SchoolStaff {
    principal: i32,
    assistant_principal: i32,
    teachers: Vec<i32>,
    non_classroom: Vec<i32>,
    counselors: Vec<i32>,
    classified: Vec<i32>,
}

/// How big a generated district is. The demo is [`Shape::DEMO`]; tests that need more parents
/// (a statement count that must not grow with them) ask for more schools; the benchmarks use
/// [`Shape::DISTRICT`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    /// Regions (at most 6).
    pub regions: usize,
    /// Schools in all, shared evenly by the regions, each region cycling elementary,
    /// elementary, elementary, middle, middle, high.
    pub schools: usize,
    /// Staff of the central offices beyond the demo's HR division.
    pub central_staff: usize,
    /// One central staff member in this many is a supervisor.
    pub central_supervisor_every: usize,
    /// Teachers of an elementary, a middle and a high school, with the sections each teaches.
    pub classrooms: [(usize, usize); 3],
    /// The share of the SFS questions each student response answers (1.0: all five).
    pub answers_share: f64,
    /// The share of teachers evaluated this year.
    pub evaluated_share: f64,
    /// Whether every classroom takes the SFS, or only those of the teachers being evaluated.
    pub survey_all_classrooms: bool,
    /// Where a classroom's SFS stands, as cumulative shares: administered, open, planned,
    /// cancelled (the rest have none yet).
    pub administration_shares: [f64; 4],
    /// The fewest responses of an administered classroom, as a fraction of its enrolment.
    pub response_floor: (i32, i32),
}

impl Shape {
    /// The demo district: 2 regions of 6 schools.
    pub const DEMO: Shape = Shape {
        regions: 2,
        schools: 12,
        central_staff: 0,
        central_supervisor_every: 10,
        classrooms: [(24, 1), (34, 4), (44, 5)],
        answers_share: 1.0,
        evaluated_share: 0.45,
        survey_all_classrooms: false,
        administration_shares: [0.72, 0.80, 0.88, 0.92],
        response_floor: (2, 5),
    };

    /// The district of DESIGN.md's opening: 1,000 schools in 6 regions, 74,904 staff, 26,580
    /// teachers, 5,046 supervisors and managers, 124,752 sections (DESIGN: 130,000; the 1,000
    /// teachers promoted to assistant principal take theirs away) and 2.38 million SFS
    /// responses (DESIGN: about 2.5 million), each answering one question in five.
    pub const DISTRICT: Shape = Shape {
        regions: 6,
        schools: 1_000,
        central_staff: 34_100,
        central_supervisor_every: 20,
        classrooms: [(20, 3), (30, 6), (40, 6)],
        answers_share: 0.2,
        evaluated_share: 0.9,
        survey_all_classrooms: true,
        administration_shares: [0.88, 0.92, 0.96, 0.98],
        response_floor: (3, 4),
    };

    /// `schools` schools in the demo's two regions.
    pub fn with_schools(schools: usize) -> Self {
        Self { schools, ..Self::DEMO }
    }
}

/// The regions a district can have: code and name.
const REGIONS: [(&str, &str); 6] = [
    ("RGN-N", "Region North"),
    ("RGN-S", "Region South"),
    ("RGN-E", "Region East"),
    ("RGN-W", "Region West"),
    ("RGN-C", "Region Central"),
    ("RGN-H", "Region Harbor"),
];

struct Generator<'a> {
    rng: ChaCha8Rng,
    shape: Shape,
    reference: &'a ReferenceIds,
    data: DemoData,
    groups: HashMap<&'static str, i32>,
    /// Each teacher's first section as teacher of record (the one observed).
    first_section: HashMap<i32, i32>,
}

/// Generates a district of `shape` from `seed`.
pub fn generate(seed: u64, shape: Shape, reference: &ReferenceIds) -> DemoData {
    let mut generator = Generator {
        rng: ChaCha8Rng::seed_from_u64(seed),
        shape,
        reference,
        data: DemoData::default(),
        groups: HashMap::new(),
        first_section: HashMap::new(),
    };
    generator.run();
    generator.data
}

fn next_id(len: usize) -> i32 {
    i32::try_from(len + 1).unwrap_or(i32::MAX)
}

impl Generator<'_> {
    fn run(&mut self) {
        let year_start = date(DEMO_YEAR - 1, 7, 1);
        self.employee_groups();
        let (schools, offices) = self.organizations();
        let mut staff_by_school: Vec<(i32, Level, i32, SchoolStaff)> = Vec::new();
        for (school_id, level, region_id) in &schools {
            let people = self.school_staff(*school_id, *level);
            staff_by_school.push((*school_id, *level, *region_id, people));
        }
        let central = self.central_staff(&offices);
        self.supervisory_entries(&mut staff_by_school, year_start);
        self.courses_and_training(&staff_by_school);
        self.sections(&staff_by_school);
        self.evaluations(&staff_by_school, &central);
        self.surveys(&staff_by_school);
        self.ease_reports(&staff_by_school);
        self.attendance();
    }

    fn employee_groups(&mut self) {
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
            let id = next_id(self.data.employee_groups.len());
            self.groups.insert(code, id);
            self.data.employee_groups.push(employee_group::Model {
                id,
                code: code.to_owned(),
                name: name.to_owned(),
                certificated,
                bargaining_unit: Some(unit.to_owned()),
            });
        }
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
            let id = next_id(self.data.process_groups.len());
            let process_id = self.reference.process(process);
            let employee_group_id = self.groups[group];
            self.data.process_groups.push(evaluation_process_group::Model {
                id,
                process_id,
                employee_group_id,
            });
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
        let id = next_id(self.data.organizations.len());
        self.data.organizations.push(organization::Model {
            id,
            code,
            name,
            kind,
            parent_id,
            equity_tier: tier.map(str::to_owned),
        });
        id
    }

    /// Returns the schools (id, level, region id) and the offices (HR, adult education).
    fn organizations(&mut self) -> (Vec<(i32, Level, i32)>, [i32; 2]) {
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
                schools.push((id, *level, *region));
                n += 1;
            }
        }
        (schools, [hr, adult])
    }

    fn person(&mut self, group: &str, hired: NaiveDate) -> i32 {
        let id = next_id(self.data.staff.len());
        let first = FIRST_NAMES[self.rng.random_range(0..FIRST_NAMES.len())];
        let last = LAST_NAMES[self.rng.random_range(0..LAST_NAMES.len())];
        let active = self.rng.random_bool(0.97);
        self.data.staff.push(staff::Model {
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
            employee_group_id: self.groups.get(group).copied().unwrap_or_default(),
            hire_date: hired,
            active,
        });
        id
    }

    fn hire_date(&mut self) -> NaiveDate {
        let year = self.rng.random_range(1996..=2024);
        date(year, self.rng.random_range(7..=9), self.rng.random_range(1..=28))
    }

    #[allow(clippy::too_many_arguments)]
    fn assign(
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
        let id = next_id(self.data.assignments.len());
        self.data.assignments.push(assignment::Model {
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

    fn school_staff(&mut self, school: i32, level: Level) -> SchoolStaff {
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
    fn central_staff(&mut self, offices: &[i32; 2]) -> Vec<i32> {
        let [hr, adult] = *offices;
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

    /// New supervisors and managers of the demo year: teachers promoted to assistant principal
    /// and classified staff promoted to plant manager, with training in every status as of the
    /// end of the year (on time, late, overdue, pending). One promotion follows another
    /// supervisory post within 365 days and so is not a new entry.
    fn supervisory_entries(&mut self, schools: &mut [(i32, Level, i32, SchoolStaff)], year_start: NaiveDate) {
        for (n, (school, _, _, people)) in schools.iter_mut().enumerate() {
            let Some(teacher) = people.teachers.pop() else { continue };
            // Spread the entries over the year so that every training status occurs.
            let begin = plus(year_start, [14, 45, 75, 200, 230, 300][n % 6] + n as i64);
            self.promote(
                teacher,
                *school,
                begin,
                "Assistant Principal, Secondary Counseling",
                "2235",
                n,
            );
            if n % 3 == 0
                && let Some(classified) = people.classified.pop()
            {
                let begin = plus(year_start, 20 + 25 * n as i64);
                self.promote(classified, *school, begin, "Plant Manager", "3810", n + 1);
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

    fn course(&mut self, code: &str, title: &str, category: CourseCategory, hours: f64) -> i32 {
        let id = next_id(self.data.courses.len());
        self.data.courses.push(training_course::Model {
            id,
            code: code.to_owned(),
            title: title.to_owned(),
            category,
            hours,
        });
        id
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
        let id = next_id(self.data.completions.len());
        self.data.completions.push(training_completion::Model {
            id,
            staff_id,
            course_id,
            completed_on: on,
            source: source.to_owned(),
        });
    }

    fn courses_and_training(&mut self, schools: &[(i32, Level, i32, SchoolStaff)]) {
        let pm = self.course(
            "PM-101",
            "Performance Management for Supervisors",
            CourseCategory::PerformanceManagement,
            6.0,
        );
        let pm2 = self.course(
            "PM-201",
            "Evidence-Based Evaluation Conversations",
            CourseCategory::PerformanceManagement,
            3.0,
        );
        let wellness = self.course("WELL-101", "Staff Wellness Foundations", CourseCategory::Wellness, 2.0);
        let mindful = self.course("WELL-201", "Mindfulness for Educators", CourseCategory::Wellness, 1.5);
        let cert = self.course(
            "EVAL-CERT",
            "Evaluator Certification",
            CourseCategory::EvaluatorCertification,
            12.0,
        );
        let safety = self.course("SAFE-100", "Mandated Reporter Training", CourseCategory::Other, 2.0);
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
        for (_, _, _, people) in schools {
            for admin in [people.principal, people.assistant_principal] {
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

    fn sections(&mut self, schools: &[(i32, Level, i32, SchoolStaff)]) {
        for (school, level, _, people) in schools {
            for (t, teacher) in people.teachers.iter().enumerate() {
                for period in 0..self.shape.classrooms[*level as usize].1 {
                    let id = next_id(self.data.sections.len());
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
                    self.data.sections.push(section::Model {
                        id,
                        school_id: *school,
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
        let id = next_id(self.data.section_teachers.len());
        self.data.section_teachers.push(section_teacher::Model {
            id,
            section_id,
            staff_id,
            role,
            begin_date: Some(date(DEMO_YEAR - 1, 8, 14)),
            end_date: None,
        });
    }

    fn evaluations(&mut self, schools: &[(i32, Level, i32, SchoolStaff)], supervisors: &[i32]) {
        let mut cycles = HashMap::new();
        for code in ["EDST", "EDSNCT", "EDSC", "EDSSL", "PSL", "CPM", "STULL"] {
            let id = next_id(self.data.cycles.len());
            cycles.insert(code, id);
            self.data.cycles.push(evaluation_cycle::Model {
                id,
                process_id: self.reference.process(code),
                school_year: DEMO_YEAR,
                roster_cutoff: date(DEMO_YEAR - 1, 10, 31),
                final_due_date: date(DEMO_YEAR, 5, 15),
            });
        }
        for (r, (school, _, region, people)) in schools.iter().enumerate() {
            // Regions follow the district (id 1) in order, as do their supervisors.
            let region_supervisor = usize::try_from(*region - 2)
                .ok()
                .and_then(|i| supervisors.get(i))
                .copied();
            for teacher in people.teachers.clone() {
                if self.rng.random_bool(self.shape.evaluated_share) {
                    let evaluator = if self.rng.random_bool(0.6) {
                        people.principal
                    } else {
                        people.assistant_principal
                    };
                    self.evaluate(cycles["EDST"], "TLF", teacher, Some(evaluator), *school);
                }
            }
            for coach in people.non_classroom.clone() {
                self.evaluate(cycles["EDSNCT"], "TLF", coach, Some(people.principal), *school);
            }
            for counselor in people.counselors.clone() {
                self.evaluate(cycles["EDSC"], "SCF", counselor, Some(people.principal), *school);
            }
            self.evaluate(cycles["EDSSL"], "SLF", people.principal, region_supervisor, *school);
            self.evaluate(
                cycles["EDSSL"],
                "SLF",
                people.assistant_principal,
                Some(people.principal),
                *school,
            );
            for (n, classified) in people.classified.clone().into_iter().enumerate() {
                if (n + r) % 2 == 0 {
                    self.evaluate(cycles["CPM"], "CPF", classified, Some(people.principal), *school);
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
        let id = next_id(self.data.evaluations.len());
        self.data.evaluations.push(evaluation::Model {
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
                let rid = next_id(self.data.element_ratings.len());
                self.data.element_ratings.push(element_rating::Model {
                    id: rid,
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
        let id = next_id(self.data.events.len());
        self.data.events.push(evaluation_event::Model {
            id,
            evaluation_id,
            kind,
            occurred_on: on,
            section_id: section,
            status,
        });
        id
    }

    #[allow(clippy::too_many_arguments)]
    fn survey(
        &mut self,
        code: &str,
        title: &str,
        kind: SurveyKind,
        questions: &[(&str, &str, i32, i32, i32)],
    ) -> (i32, Vec<i32>) {
        let id = next_id(self.data.surveys.len());
        self.data.surveys.push(survey::Model {
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
            let qid = next_id(self.data.questions.len());
            ids.push(qid);
            self.data.questions.push(survey_question::Model {
                id: qid,
                survey_id: id,
                code: (*code).to_owned(),
                text: (*text).to_owned(),
                scale_min: *min,
                scale_max: *max,
                favorable_from: *favorable,
            });
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
        let id = next_id(self.data.responses.len());
        self.data.responses.push(survey_response::Model {
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
            let aid = next_id(self.data.answers.len());
            self.data.answers.push(survey_answer::Model {
                id: aid,
                response_id: id,
                question_id: *question,
                value,
            });
        }
    }

    fn surveys(&mut self, schools: &[(i32, Level, i32, SchoolStaff)]) {
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
        let evaluated: std::collections::HashSet<i32> = self
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
            let id = next_id(self.data.administrations.len());
            self.data.administrations.push(survey_administration::Model {
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
        for (school, _, _, people) in schools {
            let respondents = people.teachers.len() + people.classified.len() + people.counselors.len() + 2;
            for _ in 0..respondents {
                if self.rng.random_bool(0.65) {
                    self.respond(ses, None, Some(*school), &ses_questions, 0.93, (1, 5));
                }
            }
        }
    }

    fn ease_reports(&mut self, schools: &[(i32, Level, i32, SchoolStaff)]) {
        let district = self.data.organizations.first().map(|o| o.id).unwrap_or_default();
        let total = self.data.staff.iter().filter(|s| s.active).count() as i32;
        let mut regions: Vec<i32> = schools.iter().map(|s| s.2).collect();
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
                    let id = next_id(self.data.ease_reports.len());
                    let sessions = unique * self.rng.random_range(25..45) / 10;
                    self.data.ease_reports.push(ease_report::Model {
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

    fn attendance(&mut self) {
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
            let id = next_id(self.data.attendance.len());
            self.data.attendance.push(attendance_summary::Model {
                id,
                staff_id,
                school_year: DEMO_YEAR,
                days_expected: expected,
                days_absent: absent,
            });
        }
    }
}
