//! The published tables of a generated district as unknowns: what each organization holds
//! itself (or, for EASE, each region and service type, and what the district holds beyond its
//! regions), each cell of a table the sum of some of them, with their true values and the
//! table's lines (a total and its parts).

use super::generator::{Node, Person, QUESTIONS, SERVICES, Spec};
use entity::enums::OrganizationKind;
use sea_orm::ActiveEnum;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// How a table's quantities are published and protected.
pub struct Kind {
    pub quantities: &'static [&'static str],
    /// The quantities that count people, which the line rule applies to.
    pub sizes: &'static [usize],
    /// The withheld parts of a line with a total shown must add up to at least this.
    pub minimum: i64,
    /// Withheld for every audience (survey results, EASE), not for the public only.
    pub confidential: bool,
}

/// A coverage or compliance measure: withheld for the public below 10.
pub const COUNTED: Kind = Kind {
    quantities: &["denominator", "numerator"],
    sizes: &[0],
    minimum: 10,
    confidential: false,
};

/// A School Experience Survey question: withheld below the survey's min_report_n (10).
pub const SURVEY: Kind = Kind {
    quantities: &["n", "favorable", "sum of answers"],
    sizes: &[0],
    minimum: 10,
    confidential: true,
};

/// EASE: a count from 1 to 10 is withheld, so withheld parts must add up to 11 or more.
pub const EASE: Kind = Kind {
    quantities: &["uniqueEmployees", "sessions"],
    sizes: &[0, 1],
    minimum: 11,
    confidential: true,
};

/// A cell of a published table: an organization and, for EASE, a service type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CellId {
    pub org: String,
    pub column: String,
}

impl CellId {
    pub fn of(org: &str) -> Self {
        Self {
            org: org.to_owned(),
            column: String::new(),
        }
    }

    pub fn at(org: &str, column: &str) -> Self {
        Self {
            org: org.to_owned(),
            column: column.to_owned(),
        }
    }
}

impl fmt::Display for CellId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.column.is_empty() {
            write!(f, "{}", self.org)
        } else {
            write!(f, "{} × {}", self.org, self.column)
        }
    }
}

/// A line of a table: a total, its parts, and the unknowns of what the total holds beyond
/// them (people at the organization itself; none where nothing can be there).
pub struct Line {
    pub total: CellId,
    pub parts: Vec<CellId>,
    pub beyond: Vec<usize>,
}

/// A published table as unknowns: each cell the sum of some of them.
pub struct Table {
    pub name: String,
    pub kind: &'static Kind,
    pub unknowns: usize,
    /// Per unknown, its true value for each quantity.
    pub truth: Vec<Vec<i64>>,
    pub cells: BTreeMap<CellId, Vec<usize>>,
    pub lines: Vec<Line>,
}

impl Table {
    pub fn form(&self, unknowns: &[usize]) -> Vec<i64> {
        let mut form = vec![0; self.unknowns];
        for &u in unknowns {
            form[u] = 1;
        }
        form
    }

    pub fn truth_of(&self, unknowns: &[usize], quantity: usize) -> i64 {
        unknowns.iter().map(|&u| self.truth[u][quantity]).sum()
    }
}

/// A table over the organization tree: one unknown per organization (its own people), or per
/// school only where nothing is counted elsewhere (classrooms are sections of schools and
/// School Experience answers belong to schools, DESIGN.md §2).
fn tree_table(
    spec: &Spec,
    name: &str,
    kind: &'static Kind,
    schools_only: bool,
    own: impl Fn(&Node) -> Vec<i64>,
) -> Table {
    let mut truth = Vec::new();
    let mut unknown_of = vec![None; spec.nodes.len()];
    for (i, node) in spec.nodes.iter().enumerate() {
        if !schools_only || node.kind == OrganizationKind::School {
            unknown_of[i] = Some(truth.len());
            truth.push(own(node));
        }
    }
    pub fn subtree(spec: &Spec, unknown_of: &[Option<usize>], i: usize, into: &mut Vec<usize>) {
        into.extend(unknown_of[i]);
        for &c in &spec.nodes[i].children {
            subtree(spec, unknown_of, c, into);
        }
    }
    let mut cells = BTreeMap::new();
    let mut lines = Vec::new();
    for (i, node) in spec.nodes.iter().enumerate() {
        let mut unknowns = Vec::new();
        subtree(spec, &unknown_of, i, &mut unknowns);
        cells.insert(CellId::of(&node.code), unknowns);
        if !node.children.is_empty() {
            lines.push(Line {
                total: CellId::of(&node.code),
                parts: node.children.iter().map(|&c| CellId::of(&spec.nodes[c].code)).collect(),
                beyond: unknown_of[i].into_iter().collect(),
            });
        }
    }
    Table {
        name: name.to_owned(),
        kind,
        unknowns: truth.len(),
        truth,
        cells,
        lines,
    }
}

fn service_code(service: entity::enums::ServiceType) -> String {
    service.to_value()
}

/// The EASE table (organization × service type): an unknown per region and service type, and
/// per service type what the district holds beyond its regions. Each organization's ALL is
/// the sum of its service types; the district's cell of a type, its regions' plus its own.
fn ease_table(spec: &Spec) -> Table {
    let mut truth = Vec::new();
    let mut cells: BTreeMap<CellId, Vec<usize>> = BTreeMap::new();
    let district = spec.nodes[0].code.as_str();
    let places = spec
        .ease
        .iter()
        .map(|(region, uses, _)| (Some(spec.nodes[*region].code.as_str()), *uses))
        .chain([(None, spec.ease_beyond.0)]);
    for (region, uses) in places {
        for (service, u) in SERVICES.iter().zip(uses) {
            let unknown = truth.len();
            truth.push(vec![u.unique, u.sessions]);
            let column = service_code(*service);
            let mut add = |cell: CellId| cells.entry(cell).or_default().push(unknown);
            if let Some(region) = region {
                add(CellId::at(region, &column));
                add(CellId::at(region, "ALL"));
            }
            add(CellId::at(district, &column));
            add(CellId::at(district, "ALL"));
        }
    }
    let beyond_start = truth.len() - SERVICES.len();
    let regions: Vec<&str> = spec.ease.iter().map(|(r, _, _)| spec.nodes[*r].code.as_str()).collect();
    let columns: Vec<String> = SERVICES.iter().map(|s| service_code(*s)).collect();
    let mut lines = Vec::new();
    for org in std::iter::once(district).chain(regions.iter().copied()) {
        lines.push(Line {
            total: CellId::at(org, "ALL"),
            parts: columns.iter().map(|c| CellId::at(org, c)).collect(),
            beyond: Vec::new(),
        });
    }
    for (i, column) in std::iter::once("ALL".to_owned())
        .chain(columns.iter().cloned())
        .enumerate()
    {
        lines.push(Line {
            total: CellId::at(district, &column),
            parts: regions.iter().map(|r| CellId::at(r, &column)).collect(),
            beyond: if i == 0 {
                (beyond_start..truth.len()).collect()
            } else {
                vec![beyond_start + i - 1]
            },
        });
    }
    Table {
        name: "EASE".into(),
        kind: &EASE,
        unknowns: truth.len(),
        truth,
        cells,
        lines,
    }
}

/// Per quantity, the sum over a node's people.
fn sum_over(node: &Node, of: impl Fn(&Person) -> [i64; 2]) -> Vec<i64> {
    node.staff
        .iter()
        .map(of)
        .fold(vec![0, 0], |sum, x| vec![sum[0] + x[0], sum[1] + x[1]])
}

/// A question's (n, favorable, sum of answers) at a node.
fn answers(node: &Node, question: usize) -> Vec<i64> {
    let values: Vec<i64> = node
        .responses
        .iter()
        .filter_map(|r| r[question])
        .map(i64::from)
        .collect();
    vec![
        values.len() as i64,
        values.iter().filter(|&&v| v >= 3).count() as i64,
        values.iter().sum(),
    ]
}

/// Every modelled table of a district, by name.
pub struct Tables {
    pub list: Vec<Table>,
    pub index: HashMap<String, usize>,
}

impl Tables {
    pub fn of(spec: &Spec) -> Self {
        let mut list = vec![
            tree_table(spec, "SFS_COVERAGE", &COUNTED, true, |n| sum_over(n, |p| p.sfs())),
            tree_table(spec, "SUPERVISOR_TRAINING", &COUNTED, false, |n| {
                sum_over(n, |p| p.supervisor())
            }),
            tree_table(spec, "WELLNESS_PD", &COUNTED, false, |n| sum_over(n, |p| p.wellness())),
            tree_table(spec, "EXCELLENT_ATTENDANCE", &COUNTED, false, |n| {
                sum_over(n, |p| p.attendance())
            }),
        ];
        for (q, code) in QUESTIONS.iter().enumerate() {
            list.push(tree_table(spec, &format!("SES {code}"), &SURVEY, true, |n| {
                answers(n, q)
            }));
        }
        list.push(ease_table(spec));
        let index = list.iter().enumerate().map(|(i, t)| (t.name.clone(), i)).collect();
        Self { list, index }
    }
}
