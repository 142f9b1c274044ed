//! How big a generated district is: the demo's profile, the full-size district of DESIGN.md's
//! opening ("Scale to design for"), and the kinds of school, whose size the shape sets. Only
//! sizes and shares live here; what the rows are is the areas' business.

/// The kinds of schools, in the order of [`Shape::classrooms`].
#[derive(Clone, Copy)]
pub(super) enum Level {
    Elementary,
    Middle,
    High,
}

impl Level {
    /// The grade band of its sections.
    pub(super) fn grade_band(self) -> &'static str {
        match self {
            Self::Elementary => "K-5",
            Self::Middle => "6-8",
            Self::High => "9-12",
        }
    }

    /// The end of its name ("Maple Elementary School").
    pub(super) fn suffix(self) -> &'static str {
        match self {
            Self::Elementary => "Elementary School",
            Self::Middle => "Middle School",
            Self::High => "High School",
        }
    }
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

    /// Ten times the district (DESIGN.md's opening: a state-wide deployment): 10,000 schools in
    /// the same 6 regions, about 750,000 staff, 1.25 million sections and 24 million SFS
    /// responses — the scale the read replicas and the maintained counts are measured at.
    pub const STATE: Shape = Shape {
        schools: 10_000,
        central_staff: 341_000,
        ..Self::DISTRICT
    };

    /// `schools` schools in the demo's two regions.
    pub fn with_schools(schools: usize) -> Self {
        Self { schools, ..Self::DEMO }
    }
}
