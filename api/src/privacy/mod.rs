//! What an aggregate may show (DESIGN.md §4): every rule about withholding a figure lives
//! here, and the measures, survey results and EASE figures ask this module; nothing else
//! decides what is withheld.
//!
//! - **Audiences** ([`Audience`]): inside (ADMIN, HR, ANALYST; a principal over their own
//!   school) and public (everyone else, and anyone outside their own scope). The public is
//!   shown the district and regions only, and time-varying figures only as of published dates
//!   ([`Audience::as_of`]: month ends), so day-by-day differencing yields nothing.
//! - **Primary suppression** ([`Rule`]): a confidential group of fewer than `min_n`
//!   respondents, or an EASE count from 1 to 10, is withheld.
//! - **Secondary suppression** over whole tables ([`protect`], [`protect_tree`]): a table is
//!   cells and the lines that add up (a total and its parts, plus what the total holds beyond
//!   its published parts). Each line is made safe in turn until a pass changes nothing — the
//!   iterative row/column heuristic of statistical agencies (Hundepool et al., *Statistical
//!   Disclosure Control*, Wiley 2012, ch. 4; the tau-ARGUS manual's "hypercube" family).
//!   **Guarantee**: in every line of the table, the withheld parts are none, or two or more
//!   whose sum is not itself a small group; a withheld total withholds its parts; and where an
//!   insider knows one part from elsewhere (a principal their school), the same holds with that
//!   part subtracted. The pattern is computed once per table and every view reads it, so one
//!   view never shows what another withholds. Not covered: an insider who knows several parts
//!   of one line (a principal of several schools of a region), and exact audits of
//!   combinations of lines (an LP over the table, as tau-ARGUS's optimal methods do) — the
//!   property test in `tests/api` probes those on random districts.

use crate::auth::{Role, Viewer};
use crate::calendar::published_on_or_before;
use crate::sql::tree::Scope;
use async_graphql::Enum;
use chrono::{NaiveDate, Utc};
use entity::enums::OrganizationKind;
use std::collections::HashMap;

/// Whom a published aggregate is for (DESIGN.md §4 "Audiences"). For any organization
/// outside the viewer's own scope — another school for a principal, any unit for an employee —
/// a viewer sees no more than the public does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// ADMIN, HR, ANALYST anywhere; a principal over their own school: small coverage and
    /// compliance cells shown, confidential ones (survey results, EASE) withheld.
    Inside,
    /// PUBLIC, EMPLOYEE, and a principal over any scope that is not one of their schools:
    /// small cells of every measure withheld, nothing below region level, and time-varying
    /// figures only as of published dates.
    Public,
}

impl Audience {
    /// The audience `viewer` is for figures over `scope`.
    pub fn of(viewer: &Viewer, scope: &Scope) -> Self {
        match viewer.role {
            Role::Admin | Role::Hr | Role::Analyst => Self::Inside,
            Role::Principal
                if scope.organization.kind == OrganizationKind::School
                    && viewer.school_ids.contains(&scope.organization.id) =>
            {
                Self::Inside
            }
            Role::Principal | Role::Employee | Role::Public => Self::Public,
        }
    }

    /// Whether this audience sees what the public does.
    pub fn is_public(self) -> bool {
        self == Self::Public
    }

    /// The as-of date this audience is shown for `asked`: the day itself inside; for the
    /// public, the latest published date on or before both it and today — so that figures
    /// asked for day by day move only at month ends, and a future day shows no more than the
    /// last month end.
    pub fn as_of(self, asked: NaiveDate) -> NaiveDate {
        match self {
            Self::Inside => asked,
            Self::Public => published_on_or_before(asked.min(Utc::now().date_naive())),
        }
    }
}

/// Whether `viewer` is shown survey results over `scope` at all: the roles that read
/// aggregates, inside their own scope (survey results are never published, so a principal
/// outside their schools is refused rather than shown what the public sees).
pub fn reads_survey_results(viewer: &Viewer, scope: &Scope) -> bool {
    matches!(viewer.role, Role::Admin | Role::Hr | Role::Analyst | Role::Principal)
        && !Audience::of(viewer, scope).is_public()
}

/// Why a figure is withheld.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum SuppressionReason {
    /// Fewer respondents than the survey's minimum report size.
    SmallGroup,
    /// An EASE count from 1 to 10.
    SmallCount,
    /// Withheld so that a withheld sibling cannot be recovered by subtraction.
    Complementary,
    /// Not reported at this level (EASE is reported for the district and regions only).
    NotReportedAtLevel,
}

/// The rule a confidential figure is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Survey results: withheld below `min_n` respondents (a count of 0 reveals no one).
    MinRespondents(u64),
    /// EASE: withheld when a count is from 1 to 10.
    EaseCount,
}

impl Rule {
    /// Why a cell of `count` people is withheld under this rule, if it is.
    pub fn check(self, count: u64) -> Option<SuppressionReason> {
        match self {
            Self::MinRespondents(min_n) => (count > 0 && count < min_n).then_some(SuppressionReason::SmallGroup),
            Self::EaseCount => (1..=10).contains(&count).then_some(SuppressionReason::SmallCount),
        }
    }

    /// Why a cell of `count` people is withheld on its own: [`Rule::check`] when the audience
    /// is shown its level at all (`published`), `NOT_REPORTED_AT_LEVEL` when it is not.
    pub fn check_shown(self, count: u64, published: bool) -> Option<SuppressionReason> {
        if published {
            self.check(count)
        } else {
            Some(SuppressionReason::NotReportedAtLevel)
        }
    }
}

/// Why a cell of a breakdown is withheld, given its own reason (`own`), the number of people
/// in it and the reason its headline is withheld, if it is: a withheld headline withholds
/// every cell with people in it, which would otherwise add up to it. The one rule for every
/// breakdown (plan measures, survey results, EASE by service type).
pub fn under_headline(
    own: Option<SuppressionReason>,
    people: u64,
    headline: Option<SuppressionReason>,
) -> Option<SuppressionReason> {
    own.or(headline.and((people > 0).then_some(SuppressionReason::Complementary)))
}

/// A line of a published table: cells that add up to a total. `total` is the index of the
/// total among the table's cells, or `None` when the total is published outside the table
/// (a breakdown under a headline its caller shows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub total: Option<usize>,
    pub parts: Vec<usize>,
}

/// The smallest cell of `parts` not yet withheld that has people in it (ties: the first), so
/// that the same complement is chosen in every view.
fn smallest_open(counts: &[u64], reasons: &[Option<SuppressionReason>], parts: &[usize]) -> Option<usize> {
    parts
        .iter()
        .copied()
        .filter(|&i| reasons[i].is_none() && counts[i] > 0)
        .min_by_key(|&i| (counts[i], i))
}

/// Whether a line whose withheld parts are `withheld` is safe under `rule`: none with people
/// in them withheld, or two or more whose sum is not itself a small group — and still so with any one part that an
/// insider knows (`known`: a school, which its principal sees inside) subtracted, since that
/// insider can take it from the line too.
fn line_safe(rule: Rule, counts: &[u64], withheld: &[usize], known: &[bool]) -> bool {
    // A withheld part with no one in it hides nothing: an office holds no classrooms, and
    // anyone can know that.
    let withheld: Vec<usize> = withheld.iter().copied().filter(|&i| counts[i] > 0).collect();
    let withheld = withheld.as_slice();
    let small = |cells: &mut dyn Iterator<Item = usize>| rule.check(cells.map(|i| counts[i]).sum()).is_some();
    let safe_without = |skip: Option<usize>| {
        let rest = withheld.iter().filter(|&&i| Some(i) != skip);
        rest.clone().count() >= 2 && !small(&mut rest.copied())
    };
    withheld.is_empty()
        || (safe_without(None)
            && withheld
                .iter()
                .filter(|&&k| known.get(k).copied().unwrap_or(false))
                .all(|&k| safe_without(Some(k))))
}

/// Makes one line safe under `rule` ([`line_safe`]), withholding complements as needed;
/// whether it withheld anything:
/// - a withheld total withholds every part with people (they would add up to it);
/// - with the total shown, the smallest part not yet withheld goes until the line is safe;
///   when no part is left to withhold, the total is withheld too.
fn protect_line(
    rule: Rule,
    counts: &[u64],
    reasons: &mut [Option<SuppressionReason>],
    line: &Line,
    known: &[bool],
) -> bool {
    let mut changed = false;
    if line.total.is_some_and(|t| reasons[t].is_some()) {
        for &part in &line.parts {
            if reasons[part].is_none() && counts[part] > 0 {
                reasons[part] = Some(SuppressionReason::Complementary);
                changed = true;
            }
        }
        return changed;
    }
    loop {
        let withheld: Vec<usize> = line.parts.iter().copied().filter(|&i| reasons[i].is_some()).collect();
        if line_safe(rule, counts, &withheld, known) {
            return changed;
        }
        match smallest_open(counts, reasons, &line.parts) {
            Some(next) => reasons[next] = Some(SuppressionReason::Complementary),
            None => {
                if let Some(total) = line.total {
                    reasons[total] = Some(SuppressionReason::Complementary);
                    changed = true;
                    protect_line(rule, counts, reasons, line, known);
                }
                return changed;
            }
        }
        changed = true;
    }
}

/// The suppression pattern of a whole published table: cells with their people counts, the
/// reasons some are withheld on their own (`primary`), and the lines that add up. Each line is
/// made safe in turn (`protect_line`) until a pass changes nothing: the iterative row and
/// column heuristic of secondary cell suppression for tables with margins, as described in
/// Hundepool et al., *Statistical Disclosure Control* (Wiley, 2012) and the tau-ARGUS manual.
/// It guarantees every line on its own (no line has a lone withheld cell, nor withheld cells
/// that add up to a small group); combinations of several lines are not audited here.
pub fn protect(
    rule: Rule,
    counts: &[u64],
    primary: Vec<Option<SuppressionReason>>,
    lines: &[Line],
) -> Vec<Option<SuppressionReason>> {
    protect_known(rule, counts, primary, lines, &[])
}

/// [`protect`], each line kept safe also against an insider who knows one of its `known`
/// cells (indexed as `counts`; missing ones are not known).
pub fn protect_known(
    rule: Rule,
    counts: &[u64],
    primary: Vec<Option<SuppressionReason>>,
    lines: &[Line],
    known: &[bool],
) -> Vec<Option<SuppressionReason>> {
    let mut reasons = primary;
    // Every pass withholds at least one more cell or stops.
    for _ in 0..=counts.len() {
        let mut changed = false;
        for line in lines {
            changed |= protect_line(rule, counts, &mut reasons, line, known);
        }
        if !changed {
            break;
        }
    }
    reasons
}

/// A cell of a breakdown line: its people, and whether the audience is shown it at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    pub people: u64,
    pub published: bool,
}

/// Whether the public is shown an organization of `kind` in a breakdown (DESIGN.md §4: the
/// district and its regions; schools and offices are not its level).
pub fn public_level(kind: OrganizationKind) -> bool {
    matches!(kind, OrganizationKind::District | OrganizationKind::Region)
}

/// The reasons the cells of one breakdown under a shown total of `total` people are
/// withheld: cells not published to the audience count as withheld
/// (`NOT_REPORTED_AT_LEVEL`), and so does what the total holds beyond its cells (people of
/// the organization itself, in no child), so that subtracting the shown cells from the total
/// never isolates a small group — the line rule of [`protect`].
pub fn breakdown_line(rule: Rule, total: u64, cells: &[Cell]) -> Vec<Option<SuppressionReason>> {
    let mut counts: Vec<u64> = cells.iter().map(|c| c.people).collect();
    let mut primary: Vec<Option<SuppressionReason>> =
        cells.iter().map(|c| rule.check_shown(c.people, c.published)).collect();
    let beyond = total.saturating_sub(counts.iter().sum());
    if beyond > 0 {
        counts.push(beyond);
        primary.push(Some(SuppressionReason::NotReportedAtLevel));
    }
    let line = Line {
        total: None,
        parts: (0..counts.len()).collect(),
    };
    let mut reasons = protect(rule, &counts, primary, &[line]);
    reasons.truncate(cells.len());
    reasons
}

/// A cell of a hierarchical table — an organization's figure in the district → regions and
/// offices → schools tree — for one audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeCell {
    /// The index of the parent's cell; none for the root.
    pub parent: Option<usize>,
    pub people: u64,
    /// Whether the audience is shown this cell at all; one it is not counts as withheld
    /// (`NOT_REPORTED_AT_LEVEL`).
    pub published: bool,
    /// Whether someone of the audience may know this cell from elsewhere — a school's
    /// principal sees their school inside — so that its line must stay safe with it
    /// subtracted ([`protect_known`]).
    pub known: bool,
}

/// The one suppression pattern of a hierarchical table for an audience: each cell's reason,
/// in the order given. Its lines are every parent and its children, plus what the parent
/// holds beyond them (people of the organization itself, in no child), which is never shown.
/// Every view of the table at every level reads the same pattern, so that no view shows what
/// another withholds — including a withheld region that its own schools would otherwise
/// force ([`protect_known`]'s iteration reaches up the tree as well as down).
pub fn protect_tree(rule: Rule, cells: &[TreeCell]) -> Vec<Option<SuppressionReason>> {
    let mut counts: Vec<u64> = cells.iter().map(|c| c.people).collect();
    let mut primary: Vec<Option<SuppressionReason>> =
        cells.iter().map(|c| rule.check_shown(c.people, c.published)).collect();
    let mut known: Vec<bool> = cells.iter().map(|c| c.known).collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); cells.len()];
    for (i, cell) in cells.iter().enumerate() {
        if let Some(parent) = cell.parent.filter(|&p| p < cells.len() && p != i) {
            children[parent].push(i);
        }
    }
    let mut lines = Vec::new();
    for (total, mut parts) in children.into_iter().enumerate() {
        if parts.is_empty() {
            continue;
        }
        let beyond = counts[total].saturating_sub(parts.iter().map(|&i| counts[i]).sum());
        if beyond > 0 {
            parts.push(counts.len());
            counts.push(beyond);
            primary.push(Some(SuppressionReason::NotReportedAtLevel));
            known.push(false);
        }
        lines.push(Line {
            total: Some(total),
            parts,
        });
    }
    // A total whose people are all in one known part is known too: a region of one school is
    // its principal's as much as the school is. Up the tree, one level per pass.
    for _ in 0..cells.len() {
        let mut changed = false;
        for line in &lines {
            let Some(total) = line.total else { continue };
            let mut peopled = line.parts.iter().filter(|&&i| counts[i] > 0);
            if let (Some(&only), None) = (peopled.next(), peopled.next())
                && known[only]
                && !known[total]
            {
                known[total] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut reasons = protect_known(rule, &counts, primary, &lines, &known);
    reasons.truncate(cells.len());
    reasons
}

/// An ancestor's figure as its own view computes it: its total and its children's counts.
pub type Counts = (u64, HashMap<i32, u64>);

/// Why `scope`'s figure is withheld because its cell, or an ancestor's, is withheld in a
/// breakdown above it — computed exactly as that ancestor's own view computes its breakdown
/// ([`breakdown_line`]), so the two views agree. `by_ancestor` gives each ancestor's total and
/// child counts; `public` says whether the audience is the public (which is not shown schools
/// and offices).
pub fn withheld_among(
    scope: &Scope,
    rule: Rule,
    public: bool,
    by_ancestor: &HashMap<i32, Counts>,
) -> Option<SuppressionReason> {
    for ancestor in &scope.ancestors {
        let (total, by_child) = by_ancestor.get(&ancestor.id)?;
        let cells: Vec<Cell> = ancestor
            .children
            .iter()
            .zip(&ancestor.kinds)
            .map(|(c, kind)| Cell {
                people: by_child.get(c).copied().unwrap_or(0),
                published: !public || public_level(*kind),
            })
            .collect();
        let reasons = breakdown_line(rule, *total, &cells);
        let at = ancestor.children.iter().position(|c| *c == ancestor.toward);
        if let Some(reason) = at.and_then(|i| reasons.get(i).copied().flatten()) {
            return Some(reason);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use SuppressionReason::*;

    /// A breakdown whose cells are all published and add up to its total.
    fn breakdown(rule: Rule, counts: &[u64]) -> Vec<Option<SuppressionReason>> {
        let cells: Vec<Cell> = counts
            .iter()
            .map(|&people| Cell {
                people,
                published: true,
            })
            .collect();
        breakdown_line(rule, counts.iter().sum(), &cells)
    }

    #[test]
    fn ease_counts_from_1_to_10_are_withheld_but_not_0_or_11() {
        let rule = Rule::EaseCount;
        assert_eq!(rule.check(0), None);
        assert_eq!(rule.check(1), Some(SmallCount));
        assert_eq!(rule.check(10), Some(SmallCount));
        assert_eq!(rule.check(11), None);
    }

    #[test]
    fn one_withheld_cell_takes_the_next_smallest_with_it() {
        let reasons = breakdown(Rule::EaseCount, &[7, 300, 40, 0]);
        assert_eq!(reasons, [Some(SmallCount), None, Some(Complementary), None]);
    }

    #[test]
    fn two_small_cells_whose_sum_is_still_small_take_a_third() {
        // 3 + 4 = 7 respondents would be recovered as the total minus the 50.
        let reasons = breakdown(Rule::MinRespondents(10), &[3, 4, 50]);
        assert_eq!(reasons, [Some(SmallGroup), Some(SmallGroup), Some(Complementary)]);
        // 6 + 5 = 11 is no small group: no complement.
        let reasons = breakdown(Rule::MinRespondents(10), &[6, 5, 50]);
        assert_eq!(reasons, [Some(SmallGroup), Some(SmallGroup), None]);
    }

    #[test]
    fn cells_not_shown_and_what_lies_beyond_the_cells_count_as_withheld() {
        let shown = |people| Cell {
            people,
            published: true,
        };
        // The public is not shown the office (12): a region goes with it.
        let office = Cell {
            people: 12,
            published: false,
        };
        let reasons = breakdown_line(Rule::MinRespondents(10), 63, &[shown(26), shown(25), office]);
        assert_eq!(reasons, [None, Some(Complementary), Some(NotReportedAtLevel)]);
        // 60 people, 51 of them in the two cells: the 9 beyond them are a small group.
        let reasons = breakdown_line(Rule::MinRespondents(10), 60, &[shown(26), shown(25)]);
        assert_eq!(reasons, [None, Some(Complementary)]);
        // Nothing beyond, nothing small: nothing withheld.
        assert_eq!(
            breakdown_line(Rule::MinRespondents(10), 51, &[shown(26), shown(25)]),
            [None, None]
        );
    }

    #[test]
    fn a_table_is_protected_along_its_rows_and_its_columns() {
        // Rows: the district (0..3) and two regions (3..6, 6..9); columns: ALL, then two
        // service types. R2's COUNSELING (8) is small; the district's COUNSELING column would
        // give it away as 50 - 42 unless another region's COUNSELING goes too.
        let counts = [70, 50, 20, 60, 42, 18, 10, 8, 2];
        let rule = Rule::EaseCount;
        let primary = counts.iter().map(|&n| rule.check(n)).collect();
        let mut lines = Vec::new();
        for row in [0, 3, 6] {
            lines.push(Line {
                total: Some(row),
                parts: vec![row + 1, row + 2],
            });
        }
        for column in 0..3 {
            lines.push(Line {
                total: Some(column),
                parts: vec![3 + column, 6 + column],
            });
        }
        let reasons = protect(rule, &counts, primary, &lines);
        let withheld: Vec<usize> = (0..counts.len()).filter(|&i| reasons[i].is_some()).collect();
        // R2's whole row is small or its parts are; each column line then needs R1's too.
        assert!(withheld.contains(&7) && withheld.contains(&8), "{withheld:?}");
        for line in &lines {
            let parts: Vec<usize> = line.parts.iter().copied().filter(|i| reasons[*i].is_some()).collect();
            let total_withheld = line.total.is_some_and(|t| reasons[t].is_some());
            assert!(
                parts.is_empty() || total_withheld || parts.len() >= 2,
                "line {line:?} has one withheld part: {reasons:?}"
            );
        }
        assert!(reasons[4].is_some(), "R1 COUNSELING goes with R2's: {reasons:?}");
    }

    #[test]
    fn a_region_of_two_schools_is_withheld_from_the_public_when_a_principal_could_subtract() {
        // District 0 with regions 1 and 2; region 1 holds schools 3 (30) and 4 (5), region 2
        // schools 5, 6 and 7. The public is shown regions, not schools; each school's principal
        // sees their own. Region 1 minus school 3 would give school 4's 5 people.
        let cell = |parent: Option<usize>, people, school: bool| TreeCell {
            parent,
            people,
            published: !school,
            known: school,
        };
        let cells = [
            cell(None, 95, false),
            cell(Some(0), 35, false),
            cell(Some(0), 60, false),
            cell(Some(1), 30, true),
            cell(Some(1), 5, true),
            cell(Some(2), 20, true),
            cell(Some(2), 20, true),
            cell(Some(2), 20, true),
        ];
        let reasons = protect_tree(Rule::MinRespondents(10), &cells);
        assert_eq!(reasons[1], Some(Complementary), "region 1: {reasons:?}");
        // The district minus region 2 would then give region 1: region 2 goes too.
        assert_eq!(reasons[2], Some(Complementary), "region 2: {reasons:?}");
        assert_eq!(reasons[0], None);
        // With three schools of 20, any principal leaves two schools of 40 unknown: shown.
        let mut wide = cells;
        wide[4].people = 20;
        wide[1].people = 50;
        wide[0].people = 110;
        wide[3].people = 30;
        let reasons = protect_tree(Rule::MinRespondents(10), &wide);
        assert_eq!(reasons[1], Some(Complementary), "two schools, one known: {reasons:?}");
        let mut three = vec![cell(None, 60, false), cell(Some(0), 60, false)];
        three.extend([20, 20, 20].map(|n| cell(Some(1), n, true)));
        let reasons = protect_tree(Rule::MinRespondents(10), &three);
        assert_eq!(reasons[..2], [None, None], "{reasons:?}");
    }

    #[test]
    fn nothing_small_withholds_nothing() {
        assert_eq!(breakdown(Rule::MinRespondents(10), &[10, 0, 99]), [None, None, None]);
    }
}
