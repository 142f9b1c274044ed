//! Random small districts for the property test, from a seed: the shape (regions, schools,
//! an office), the people of each organization with what makes the plan measures non-trivial,
//! School Experience Survey answers and EASE reports — and, from the same description, the
//! true figures each organization holds itself. Every person is placed in one organization,
//! so that a node's figure is the sum of its children's and its own.

use crate::fixtures::{District, day};
use chrono::{Days, NaiveDate};
use entity::enums::{
    AdministrationStatus, CourseCategory, EvaluationStatus, OrganizationKind, SectionRole, ServiceType,
};

/// SplitMix64: a tiny generator whose sequence for a seed never changes with a crate's
/// version, so that a printed seed replays the same district.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A whole number from `low` to `high`, both included.
    pub fn range(&mut self, low: i64, high: i64) -> i64 {
        let span = u64::try_from(high - low + 1).expect("low <= high");
        low + i64::try_from(self.next() % span).expect("a small span")
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

/// A supervisory entry of 2026 and its status as of the year's last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    OnTime,
    Late,
    Overdue,
    Pending,
}

/// A section a teacher teaches, and the SFS in it.
#[derive(Debug, Clone)]
pub struct Section {
    pub enrolled: i32,
    pub administration: Option<(AdministrationStatus, i32)>,
}

/// A person and what the measures count of them.
#[derive(Debug, Clone, Default)]
pub struct Person {
    /// An EDST evaluation of 2026 (EDST requires the SFS).
    pub evaluation: Option<EvaluationStatus>,
    /// Sections taught as teacher of record (only with an evaluation).
    pub sections: Vec<Section>,
    /// A supervisory assignment beginning in 2026, at the same organization.
    pub entry: Option<(Entry, u64)>,
    /// A wellness course completed in 2026.
    pub wellness: bool,
    /// Days absent of 180 expected, when there is an attendance summary.
    pub days_absent: Option<i64>,
}

/// The questions of the School Experience Survey, in order.
pub const QUESTIONS: [&str; 2] = ["SUPPORTIVE_PLACE", "COLLEAGUES"];

/// The EASE service types besides ALL (their total).
pub const SERVICES: [ServiceType; 4] = [
    ServiceType::Counseling,
    ServiceType::Hotline,
    ServiceType::Telehealth,
    ServiceType::WorkLife,
];

/// An organization of the district.
#[derive(Debug, Clone)]
pub struct Node {
    pub code: String,
    pub kind: OrganizationKind,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    /// People placed here (not below).
    pub staff: Vec<Person>,
    /// School Experience Survey responses here: a value per question, or none when skipped.
    pub responses: Vec<[Option<i32>; 2]>,
}

/// One cell of the vendor's EASE reports: unique employees and sessions of a service type.
#[derive(Debug, Clone, Copy, Default)]
pub struct EaseUse {
    pub unique: i64,
    pub sessions: i64,
}

/// A generated district: node 0 is the district, then regions, schools and the office.
#[derive(Debug, Clone)]
pub struct Spec {
    pub nodes: Vec<Node>,
    /// Per region (by node index), its use of each of `SERVICES`, and its eligible employees.
    pub ease: Vec<(usize, [EaseUse; 4], i64)>,
    /// What the district's figures hold beyond its regions (staff in no region).
    pub ease_beyond: ([EaseUse; 4], i64),
}

/// A count of people: tiny (1–6) or not (10–40).
fn group_size(rng: &mut Rng) -> i64 {
    if rng.chance(0.45) {
        rng.range(1, 6)
    } else {
        rng.range(10, 40)
    }
}

fn person(rng: &mut Rng, at_school: bool) -> Person {
    let mut person = Person::default();
    if at_school && rng.chance(0.55) {
        person.evaluation = Some(if rng.chance(0.06) {
            EvaluationStatus::Withdrawn
        } else {
            EvaluationStatus::InProgress
        });
        for _ in 0..rng.range(1, 2) {
            let enrolled = if rng.chance(0.08) { 0 } else { 25 };
            let administration = match rng.range(0, 19) {
                0..=11 => Some((AdministrationStatus::Administered, rng.range(1, 25) as i32)),
                12 => Some((AdministrationStatus::Administered, 0)),
                13..=14 => Some((AdministrationStatus::Planned, 0)),
                _ => None,
            };
            person.sections.push(Section {
                enrolled,
                administration,
            });
        }
    }
    if rng.chance(if at_school { 0.3 } else { 0.7 }) {
        let entry = match rng.range(0, 19) {
            0..=7 => Entry::OnTime,
            8..=10 => Entry::Late,
            11..=16 => Entry::Overdue,
            _ => Entry::Pending,
        };
        person.entry = Some((entry, rng.range(0, 120) as u64));
    }
    person.wellness = rng.chance(0.3);
    person.days_absent = rng.chance(0.8).then(|| rng.range(0, 15));
    person
}

fn responses(rng: &mut Rng) -> Vec<[Option<i32>; 2]> {
    let n = if rng.chance(0.1) { 0 } else { group_size(rng) };
    (0..n)
        .map(|_| {
            let supportive = rng.range(1, 4) as i32;
            let colleagues = rng.chance(0.75).then(|| rng.range(1, 4) as i32);
            [Some(supportive), colleagues]
        })
        .collect()
}

/// An EASE cell of a region: none, small (1–10) or larger users, and 1–4 sessions each.
fn ease_use(rng: &mut Rng) -> EaseUse {
    let unique = match rng.range(0, 19) {
        0..=2 => 0,
        3..=9 => rng.range(1, 10),
        _ => rng.range(11, 60),
    };
    EaseUse {
        unique,
        sessions: unique * rng.range(1, 4),
    }
}

/// What the district's EASE figures hold beyond its regions: none, or a few users.
fn ease_beyond(rng: &mut Rng) -> EaseUse {
    let unique = if rng.chance(0.5) { 0 } else { rng.range(1, 8) };
    EaseUse {
        unique,
        sessions: unique * rng.range(1, 4),
    }
}

/// The EASE reports of one organization for 2026: ALL (the sum) and each service type.
async fn report_ease(d: &District, organization: i32, uses: [EaseUse; 4], eligible: i64) {
    let all = uses.iter().fold(EaseUse::default(), |sum, u| EaseUse {
        unique: sum.unique + u.unique,
        sessions: sum.sessions + u.sessions,
    });
    let as_i32 = |n: i64| i32::try_from(n).expect("a small count");
    d.ease(
        organization,
        ServiceType::All,
        as_i32(all.unique),
        as_i32(all.sessions),
        as_i32(eligible),
    )
    .await;
    for (service, u) in SERVICES.iter().zip(uses) {
        d.ease(
            organization,
            *service,
            as_i32(u.unique),
            as_i32(u.sessions),
            as_i32(eligible),
        )
        .await;
    }
}

impl Spec {
    /// The district of `seed`: 2–4 regions of 1–5 schools (some of exactly 2), tiny and
    /// larger schools, sometimes people at a region or the district itself, sometimes an
    /// office under the district.
    pub fn generate(seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let node = |code: String, kind, parent| Node {
            code,
            kind,
            parent,
            children: Vec::new(),
            staff: Vec::new(),
            responses: Vec::new(),
        };
        let mut nodes = vec![node("DIST".into(), OrganizationKind::District, None)];
        let regions = rng.range(2, 4) as usize;
        let mut ease = Vec::new();
        for r in 1..=regions {
            let code = if r == 1 { "RGN".to_owned() } else { format!("RGN-{r}") };
            let region = nodes.len();
            nodes.push(node(code, OrganizationKind::Region, Some(0)));
            let schools = if rng.chance(0.4) { 2 } else { rng.range(1, 5) };
            for s in 1..=schools {
                let school = nodes.len();
                nodes.push(node(format!("S{r}-{s}"), OrganizationKind::School, Some(region)));
                nodes[school].staff = (0..group_size(&mut rng)).map(|_| person(&mut rng, true)).collect();
                nodes[school].responses = responses(&mut rng);
            }
            if rng.chance(0.3) {
                nodes[region].staff = (0..rng.range(1, 4)).map(|_| person(&mut rng, false)).collect();
            }
            let uses = [(); 4].map(|_| ease_use(&mut rng));
            ease.push((region, uses, rng.range(200, 1200)));
        }
        if rng.chance(0.5) {
            let office = nodes.len();
            nodes.push(node("OFF-1".into(), OrganizationKind::Office, Some(0)));
            nodes[office].staff = (0..rng.range(1, 12)).map(|_| person(&mut rng, false)).collect();
        }
        if rng.chance(0.4) {
            nodes[0].staff = (0..rng.range(1, 4)).map(|_| person(&mut rng, false)).collect();
        }
        let ease_beyond = ([(); 4].map(|_| ease_beyond(&mut rng)), rng.range(20, 100));
        for i in 1..nodes.len() {
            let parent = nodes[i].parent.expect("every node but the district has a parent");
            nodes[parent].children.push(i);
        }
        Self {
            nodes,
            ease,
            ease_beyond,
        }
    }

    pub fn schools(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.kind == OrganizationKind::School)
    }

    /// One line for the failure report.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for node in &self.nodes {
            let mut text = format!("{} ({} staff", node.code, node.staff.len());
            if node.kind == OrganizationKind::School {
                text.push_str(&format!(", {} SES responses", node.responses.len()));
            }
            text.push(')');
            parts.push(text);
        }
        parts.join(", ")
    }

    /// Loads the district into `d`'s database; the district and its first region are `d`'s.
    pub async fn build(&self, d: &District) {
        let (survey, supportive) = d.school_experience_survey().await;
        let colleagues = d.question(survey, QUESTIONS[1], "I can count on my colleagues.").await;
        let wellness = d.course("WELL-1", CourseCategory::Wellness).await;
        let mut ids = vec![d.district];
        for node in &self.nodes[1..] {
            let parent = ids[node.parent.expect("a parent")];
            let id = match node.kind {
                OrganizationKind::Region if node.code == "RGN" => d.region,
                kind => d.organization(&node.code, kind, parent).await,
            };
            ids.push(id);
        }
        for (node, &id) in self.nodes.iter().zip(&ids) {
            for p in &node.staff {
                let staff = match p.evaluation {
                    Some(status) => d.evaluated_teacher(id, status).await,
                    None => d.person(d.teachers_group, id).await,
                };
                for section in &p.sections {
                    let s = d
                        .section(id, staff, SectionRole::TeacherOfRecord, section.enrolled)
                        .await;
                    if let Some((status, responses)) = section.administration {
                        d.administer(s, staff, status, responses).await;
                    }
                }
                if let Some((entry, offset)) = p.entry {
                    let begin = entry_begin(entry, offset);
                    d.assign(staff, id, true, begin, None).await;
                    let due = begin + Days::new(180);
                    match entry {
                        Entry::OnTime => d.complete_pm(staff, begin + Days::new(20)).await,
                        Entry::Late => d.complete_pm(staff, due + Days::new(5)).await,
                        Entry::Overdue | Entry::Pending => {}
                    }
                }
                if p.wellness {
                    d.complete(staff, wellness, day("2026-01-15")).await;
                }
                if let Some(absent) = p.days_absent {
                    d.attendance(staff, 180.0, absent as f64).await;
                }
            }
            for response in &node.responses {
                let answers: Vec<(i32, i32)> = [supportive, colleagues]
                    .into_iter()
                    .zip(response)
                    .filter_map(|(q, v)| Some((q, (*v)?)))
                    .collect();
                d.respond_with(survey, id, &answers).await;
            }
        }
        // The district's reports: its regions' sums and what it holds beyond them.
        let (mut district, mut eligible) = self.ease_beyond;
        for &(region, uses, region_eligible) in &self.ease {
            report_ease(d, ids[region], uses, region_eligible).await;
            for (sum, u) in district.iter_mut().zip(uses) {
                sum.unique += u.unique;
                sum.sessions += u.sessions;
            }
            eligible += region_eligible;
        }
        report_ease(d, ids[0], district, eligible).await;
    }
}

/// The first day of an entry's assignment: decided by 30 June 2026 (due 180 days later, in
/// the year), or pending then.
fn entry_begin(entry: Entry, offset: u64) -> NaiveDate {
    match entry {
        Entry::Pending => day("2026-03-01") + Days::new(offset % 90),
        _ => day("2025-08-01") + Days::new(offset),
    }
}

/// The figures a person adds to each counted measure, as (denominator, numerator), with the
/// measures' definitions (DESIGN.md §3) as of 30 June 2026.
impl Person {
    pub fn sfs(&self) -> [i64; 2] {
        if !matches!(self.evaluation, Some(s) if s != EvaluationStatus::Withdrawn) {
            return [0, 0];
        }
        self.sections
            .iter()
            .filter(|s| s.enrolled > 0)
            .fold([0, 0], |[den, num], s| {
                let administered = matches!(s.administration, Some((AdministrationStatus::Administered, r)) if r >= 1);
                [den + 1, num + i64::from(administered)]
            })
    }

    pub fn supervisor(&self) -> [i64; 2] {
        match self.entry {
            Some((Entry::OnTime, _)) => [1, 1],
            Some((Entry::Late | Entry::Overdue, _)) => [1, 0],
            Some((Entry::Pending, _)) | None => [0, 0],
        }
    }

    pub fn wellness(&self) -> [i64; 2] {
        [1, i64::from(self.wellness)]
    }

    /// Excellent: absent ≤ 4% of 180 days, i.e. 7 days or fewer.
    pub fn attendance(&self) -> [i64; 2] {
        self.days_absent.map_or([0, 0], |a| [1, i64::from(a * 25 <= 180)])
    }
}
