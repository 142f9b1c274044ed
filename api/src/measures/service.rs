//! Running the measures: for each, one statement for the headline and the breakdown and one
//! for the prior year's headline — read from the maintained counts when they are current
//! (`maintained.rs`, checked once per run), else counted from the rows (a UNION of the
//! ungrouped count and the count grouped by unit). The counting is SQL's; Rust only pairs the
//! rows with the scope's children.

use super::definitions::{MeasureCode, supervisory_entries};
use super::maintained;
use crate::calendar::SchoolYear;
use crate::error::{ApiError, ApiResult};
use crate::privacy::{self as suppress, Rule, SuppressionReason};
use crate::sql::tree::{CLOSURE, Scope, TREE};
use crate::sql::{Dialect, Params};
use crate::wellness::service::EaseTable;
use chrono::NaiveDate;
use entity::enums::{CourseCategory, OrganizationKind, RequirementTrigger, SurveyKind, TargetComparator};
use entity::{organization, plan_measure, survey, training_requirement};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter, QueryOrder};
use std::collections::HashMap;
use tokio::sync::OnceCell;

/// Tolerance of target comparisons: 0.75 × 4 is 3 whatever the float rounding.
const EPSILON: f64 = 1e-9;

/// One figure: a numerator over a denominator, or withheld.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Figure {
    pub numerator: f64,
    pub denominator: f64,
    /// Why the figure is withheld, if it is; a withheld figure shows no numbers.
    pub suppressed: Option<SuppressionReason>,
}

impl Figure {
    pub fn counted(numerator: i64, denominator: i64) -> Self {
        Self {
            numerator: numerator as f64,
            denominator: denominator as f64,
            suppressed: None,
        }
    }

    /// A figure withheld for `reason`: it shows no numbers.
    pub fn withheld(reason: SuppressionReason) -> Self {
        Self {
            suppressed: Some(reason),
            ..Self::default()
        }
    }

    /// numerator ÷ denominator; none when withheld or when the denominator is 0 (a scope with
    /// nothing to count has no rate, and is not an error).
    pub fn rate(&self) -> Option<f64> {
        (self.suppressed.is_none() && self.denominator > 0.0).then(|| self.numerator / self.denominator)
    }

    /// Whether the rate meets `target` under `comparator`, given the prior year's rate.
    pub fn met(&self, comparator: TargetComparator, target: f64, prior: Option<f64>) -> Option<bool> {
        let rate = self.rate()?;
        match comparator {
            TargetComparator::AtLeast => Some(rate >= target - EPSILON),
            // A target relative to the prior year needs a prior above zero: "double last
            // year's" of nothing is no target (0 of 0 against 0 is not met, it has no baseline).
            TargetComparator::AbovePrior => prior.filter(|p| *p > 0.0).map(|prior| rate > prior + EPSILON),
            TargetComparator::PriorMultiple => prior.filter(|p| *p > 0.0).map(|prior| rate >= target * prior - EPSILON),
        }
    }
}

/// A measure taken over a scope for a year.
#[derive(Debug, Clone)]
pub struct MeasureResult {
    pub definition: plan_measure::Model,
    pub year: SchoolYear,
    pub as_of: NaiveDate,
    pub organization: organization::Model,
    pub figure: Figure,
    pub prior: Figure,
    /// One cell per child of the scope, in code order.
    pub breakdown: Vec<(organization::Model, Figure)>,
}

impl MeasureResult {
    pub fn met(&self) -> Option<bool> {
        self.met_by(&self.figure)
    }

    /// Whether a figure of this measure (the headline or a cell) meets the target.
    pub fn met_by(&self, figure: &Figure) -> Option<bool> {
        figure.met(
            self.definition.comparator,
            self.definition.target_value,
            self.prior.rate(),
        )
    }

    /// Whether the target is relative to the prior year and there is no prior rate above zero
    /// to judge it against (then `met` is none).
    pub fn no_baseline(&self) -> bool {
        self.definition.comparator != TargetComparator::AtLeast && !self.prior.rate().is_some_and(|p| p > 0.0)
    }

    pub fn change(&self) -> Option<f64> {
        Some(self.figure.rate()? - self.prior.rate()?)
    }
}

/// What every measure of one request shares.
pub struct Run<'a> {
    db: &'a DatabaseConnection,
    /// Where a rebuild of counts found out of date goes: the primary (`db` may be a replica).
    primary: &'a DatabaseConnection,
    dialect: Dialect,
    year: SchoolYear,
    as_of: NaiveDate,
    scope: &'a Scope,
    /// PUBLIC sees coverage and compliance figures with small groups withheld too.
    public: bool,
    /// Every organization, read once for the run's tables.
    organizations: OnceCell<Vec<organization::Model>>,
    /// Whether the maintained counts can be read, checked once per run.
    readable: OnceCell<maintained::Readable>,
    /// Set once this run found the counts out of date (and asked for a rebuild).
    stale: OnceCell<()>,
    /// The kept counts of every measure the run computes, read in one statement when the run
    /// begins ([`maintained::counts_of_run`]).
    batch: OnceCell<Batch>,
    /// Count from the raw rows whatever the maintained counts' state (their check).
    from_rows: bool,
}

/// The smallest group a PUBLIC coverage or compliance figure is shown for (DESIGN.md §4: the
/// same rule as survey results, at the default minimum report size).
const PUBLIC_MIN_N: u64 = 10;

impl<'a> Run<'a> {
    /// The measures of `year` as of `as_of` over `scope`, read from `db`.
    pub fn new(db: &'a DatabaseConnection, year: SchoolYear, as_of: NaiveDate, scope: &'a Scope) -> Self {
        Self {
            db,
            primary: db,
            dialect: Dialect::of(db),
            year,
            as_of,
            scope,
            public: false,
            organizations: OnceCell::new(),
            readable: OnceCell::new(),
            stale: OnceCell::new(),
            batch: OnceCell::new(),
            from_rows: false,
        }
    }

    /// Counts found out of date are rebuilt on `primary` (when `db` is a read replica).
    pub fn rebuilding_on(mut self, primary: &'a DatabaseConnection) -> Self {
        self.primary = primary;
        self
    }

    /// Withholds small coverage and compliance figures, as for the public.
    pub fn for_public(mut self, public: bool) -> Self {
        self.public = public;
        self
    }

    /// The kept counts of `codes` for this run: every organization's for the measures whose
    /// figures are withheld as one table (SES always; all of them for the public), the scope's
    /// and its children's for the others; the year and the prior year.
    async fn read_batch(&self, codes: Vec<MeasureCode>) -> ApiResult<Batch> {
        let (tabled, others): (Vec<MeasureCode>, Vec<MeasureCode>) = codes
            .iter()
            .partition(|&&code| code == MeasureCode::SesSupportive || self.public);
        let mut wanted = vec![self.scope.organization.id];
        wanted.extend(self.scope.children.iter().map(|c| c.id));
        let (_, prior_as_of) = self.year_as_of(true);
        let counts =
            maintained::counts_of_run(self.db, (self.year, self.as_of, prior_as_of), &tabled, &others, &wanted).await?;
        Ok(Batch { codes, tabled, counts })
    }

    /// Whether this run's counted measures will be read from the maintained counts (current,
    /// and built for the year and the prior one): one statement, remembered for the run.
    pub async fn served_from_counts(&self) -> ApiResult<bool> {
        let readable = self
            .readable
            .get_or_try_init(|| maintained::readable(self.db, self.year))
            .await?;
        Ok(!self.from_rows && readable.year && readable.prior)
    }

    /// Counts from the raw rows, never from the maintained counts (to check them).
    pub fn from_rows(mut self) -> Self {
        self.from_rows = true;
        self
    }

    /// A counted measure's figure for every organization of the scope's tree, each over its
    /// subtree, before any suppression (to check the maintained counts against).
    pub async fn every_organization(&self, code: MeasureCode) -> ApiResult<HashMap<i32, Figure>> {
        let extra = self.extra_params(code).await?;
        let counted = self
            .counted(self.scope.root(), code, &extra, false, Grouping::EveryOrganization)
            .await?;
        Ok(counted.into_iter().filter_map(|(unit, f)| Some((unit?, f))).collect())
    }

    /// The year and day figures are taken for: the run's, or the prior year as of its last day
    /// or today (whichever is earlier, and never after the run's day).
    fn year_as_of(&self, prior: bool) -> (SchoolYear, NaiveDate) {
        if prior {
            let year = self.year.prior();
            (year, year.default_as_of().min(self.as_of))
        } else {
            (self.year, self.as_of)
        }
    }

    /// The parameters of the year (or the prior year, as of its last day or today).
    fn params(&self, prior: bool) -> Params {
        let (year, as_of) = self.year_as_of(prior);
        Params::new().set("scope", self.scope.organization.id).year(year, as_of)
    }

    /// The measures `codes` (all seven when empty), in plan order.
    #[tracing::instrument(skip_all, fields(year = self.year.value(), scope = self.scope.organization.id))]
    pub async fn plan_measures(&self, codes: &[String]) -> ApiResult<Vec<MeasureResult>> {
        let mut definitions = plan_measure::Entity::find().order_by_asc(plan_measure::Column::Id);
        if !codes.is_empty() {
            definitions = definitions.filter(plan_measure::Column::Code.is_in(codes.iter().cloned()));
        }
        let definitions = definitions.all(self.db).await?;
        let counted: Vec<MeasureCode> = definitions
            .iter()
            .filter_map(|d| MeasureCode::parse(&d.code))
            .filter(|code| maintained::COUNTED.contains(code))
            .collect();
        if !counted.is_empty() && self.served_from_counts().await? {
            self.batch.get_or_try_init(|| self.read_batch(counted)).await?;
        }
        let mut results = Vec::with_capacity(definitions.len());
        for definition in definitions {
            let code = MeasureCode::parse(&definition.code)
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("unknown plan measure {}", definition.code)))?;
            results.push(self.measure(code, definition).await?);
        }
        Ok(results)
    }

    async fn measure(&self, code: MeasureCode, definition: plan_measure::Model) -> ApiResult<MeasureResult> {
        let (figure, cells, prior) = match code {
            MeasureCode::EaseUsage => {
                let (figure, cells) = self.ease(false).await?;
                (figure, cells, self.ease(true).await?.0)
            }
            _ => {
                // The counts read at the start need no parameter of the raw count.
                let extra = match self.batch.get() {
                    Some(batch) if batch.has(code) => Vec::new(),
                    _ => self.extra_params(code).await?,
                };
                // Confidential for everyone (SES), or for the public (coverage and compliance).
                let rule = match code {
                    MeasureCode::SesSupportive => Some(Rule::MinRespondents(self.ses_min_report_n().await?)),
                    _ if self.public => Some(Rule::MinRespondents(PUBLIC_MIN_N)),
                    _ => None,
                };
                match rule {
                    // Withheld ones: read from the suppression pattern of the whole table.
                    Some(rule) => {
                        let table = self.table(code, &extra, rule, false).await?;
                        let prior = self.table(code, &extra, rule, true).await?;
                        let cells = self.scope.children.iter().map(|c| (c.id, table.of(c.id))).collect();
                        (
                            table.of(self.scope.organization.id),
                            cells,
                            prior.of(self.scope.organization.id),
                        )
                    }
                    None => {
                        let (figure, cells) = self.count(code, &extra, false).await?;
                        let (prior, _) = self.count(code, &extra, true).await?;
                        (figure, cells, prior)
                    }
                }
            }
        };
        let breakdown = self
            .scope
            .children
            .iter()
            .map(|child| (child.clone(), cells.get(&child.id).copied().unwrap_or_default()))
            .collect();
        Ok(MeasureResult {
            definition,
            year: self.year,
            as_of: self.as_of,
            organization: self.scope.organization.clone(),
            figure,
            prior,
            breakdown,
        })
    }

    /// Parameters only some measures use.
    async fn extra_params(&self, code: MeasureCode) -> ApiResult<Vec<(&'static str, i32)>> {
        if code != MeasureCode::SupervisorTraining {
            return Ok(Vec::new());
        }
        let (window, prior_valid) = training_window(self.db).await?;
        Ok(vec![("window", window), ("prior_valid", prior_valid)])
    }

    /// The headline and the per-unit counts of a counted measure over the scope.
    async fn count(
        &self,
        code: MeasureCode,
        extra: &[(&'static str, i32)],
        prior: bool,
    ) -> ApiResult<(Figure, HashMap<i32, Figure>)> {
        let grouping = if prior { Grouping::Headline } else { Grouping::Breakdown };
        let mut counted = self
            .counted(self.scope.organization.id, code, extra, prior, grouping)
            .await?;
        let headline = counted.remove(&None).unwrap_or_default();
        let cells = counted.into_iter().filter_map(|(unit, f)| Some((unit?, f))).collect();
        Ok((headline, cells))
    }

    /// A counted measure's figures grouped as `grouping` says over organization `root`, keyed
    /// by unit (none for the headline).
    async fn counted(
        &self,
        root: i32,
        code: MeasureCode,
        extra: &[(&'static str, i32)],
        prior: bool,
        grouping: Grouping,
    ) -> ApiResult<HashMap<Option<i32>, Figure>> {
        let readable = self
            .readable
            .get_or_try_init(|| maintained::readable(self.db, self.year))
            .await?;
        let current = if prior { readable.prior } else { readable.year };
        if current && !self.from_rows {
            return self.kept(root, code, prior, grouping).await;
        }
        if !current {
            self.stale
                .get_or_init(|| async { maintained::rebuild_when_stale(self.primary) })
                .await;
        }
        let subjects = code
            .subjects(self.dialect)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("{code:?} is not counted from rows")))?;
        let counts = "CAST(COUNT(DISTINCT s.subject) AS BIGINT) AS denominator, \
             CAST(COUNT(DISTINCT CASE WHEN s.hit_from <= :asof THEN s.subject END) AS BIGINT) AS numerator";
        let counted = format!("(SELECT * FROM ({subjects}) x WHERE x.counted_from <= :asof) s");
        let headline = format!("SELECT NULL AS unit_id, {counts} FROM {counted}");
        let sql = match grouping {
            Grouping::Headline => format!("{TREE} {headline}"),
            Grouping::Breakdown => format!(
                "{TREE} {headline} UNION ALL SELECT s.unit_id, {counts} FROM {counted} \
                 WHERE s.unit_id IS NOT NULL GROUP BY s.unit_id"
            ),
            Grouping::EveryOrganization => {
                format!("{CLOSURE} SELECT s.unit_id AS unit_id, {counts} FROM {counted} GROUP BY s.unit_id")
            }
        };
        let mut params = self.params(prior).set("scope", root);
        for (name, value) in extra {
            params = params.set(name, *value);
        }
        #[derive(FromQueryResult)]
        struct Counted {
            unit_id: Option<i32>,
            numerator: i64,
            denominator: i64,
        }
        let rows: Vec<Counted> = params.rows(self.db, &sql).await?;
        Ok(rows
            .into_iter()
            .map(|row| (row.unit_id, Figure::counted(row.numerator, row.denominator)))
            .collect())
    }

    /// [`Self::counted`] from the maintained counts: the same figures, keyed the same way.
    async fn kept(
        &self,
        root: i32,
        code: MeasureCode,
        prior: bool,
        grouping: Grouping,
    ) -> ApiResult<HashMap<Option<i32>, Figure>> {
        let (year, as_of) = self.year_as_of(prior);
        let mut wanted = vec![root];
        if matches!(grouping, Grouping::Breakdown) {
            wanted.extend(self.scope.children.iter().map(|c| c.id));
        }
        let organizations = match grouping {
            Grouping::EveryOrganization => maintained::Organizations::Every,
            _ => maintained::Organizations::These(&wanted),
        };
        let batched = match (self.batch.get(), grouping) {
            (Some(batch), Grouping::EveryOrganization) if batch.tabled.contains(&code) => {
                Some(batch.counts(code, prior).to_vec())
            }
            (Some(batch), Grouping::Headline | Grouping::Breakdown)
                if root == self.scope.organization.id && batch.has(code) =>
            {
                let counts = batch.counts(code, prior).iter();
                Some(
                    counts
                        .filter(|c| wanted.contains(&c.organization_id))
                        .copied()
                        .collect(),
                )
            }
            _ => None,
        };
        let counts = match batched {
            Some(counts) => counts,
            None => maintained::counts(self.db, code, year, as_of, organizations).await?,
        };
        let mut figures: HashMap<Option<i32>, Figure> = counts
            .into_iter()
            .map(|c| {
                let key = match grouping {
                    Grouping::EveryOrganization => Some(c.organization_id),
                    _ if c.organization_id == root => None,
                    _ => Some(c.organization_id),
                };
                (key, Figure::counted(c.numerator, c.denominator))
            })
            .collect();
        if !matches!(grouping, Grouping::EveryOrganization) {
            figures.entry(None).or_default();
        }
        Ok(figures)
    }

    /// A measure's figure for every organization of the district, withheld under `rule` as
    /// one table for this run's audience ([`suppress::protect_tree`]): for the public, only the
    /// district and its regions are shown, and each line stays safe against a principal who
    /// knows their own school's figure (which they are shown inside).
    async fn table(
        &self,
        code: MeasureCode,
        extra: &[(&'static str, i32)],
        rule: Rule,
        prior: bool,
    ) -> ApiResult<FigureTable> {
        let organizations = self
            .organizations
            .get_or_try_init(|| {
                organization::Entity::find()
                    .order_by_asc(organization::Column::Code)
                    .all(self.db)
            })
            .await?;
        let counted = self
            .counted(self.scope.root(), code, extra, prior, Grouping::EveryOrganization)
            .await?;
        let at: HashMap<i32, usize> = organizations.iter().enumerate().map(|(i, o)| (o.id, i)).collect();
        let figures: Vec<Figure> = organizations
            .iter()
            .map(|o| counted.get(&Some(o.id)).copied().unwrap_or_default())
            .collect();
        let cells: Vec<suppress::TreeCell> = organizations
            .iter()
            .zip(&figures)
            .map(|(o, figure)| suppress::TreeCell {
                parent: o.parent_id.and_then(|p| at.get(&p).copied()),
                people: figure.denominator as u64,
                published: !self.public || suppress::public_level(o.kind),
                known: self.public && o.kind == OrganizationKind::School,
            })
            .collect();
        let reasons = suppress::protect_tree(rule, &cells);
        Ok(FigureTable(
            organizations
                .iter()
                .zip(figures)
                .zip(reasons)
                .map(|((o, figure), reason)| (o.id, reason.map_or(figure, Figure::withheld)))
                .collect(),
        ))
    }

    /// The minimum report size of the year's School Experience Survey (10 when there is none).
    async fn ses_min_report_n(&self) -> ApiResult<u64> {
        let survey = survey::Entity::find()
            .filter(survey::Column::Kind.eq(SurveyKind::SchoolExperience))
            .filter(survey::Column::SchoolYear.eq(self.year.value()))
            .one(self.db)
            .await?;
        Ok(survey.map_or(10, |s| u64::try_from(s.min_report_n).unwrap_or(10)))
    }

    /// EASE_USAGE over the scope and its children: Σ unique employees ÷ mean eligible
    /// employees over the service-type ALL reports whose period lies within the year, read
    /// from the year's whole EASE table so that the pattern of withheld cells is the table's.
    async fn ease(&self, prior: bool) -> ApiResult<(Figure, HashMap<i32, Figure>)> {
        let year = if prior { self.year.prior() } else { self.year };
        let table = EaseTable::load(self.db, year).await?;
        let headline = table.figure(self.scope.organization.id);
        let cells = self
            .scope
            .children
            .iter()
            .map(|child| (child.id, table.figure(child.id)))
            .collect();
        Ok((headline, cells))
    }
}

/// The kept counts a run read at its start ([`Run::read_batch`]).
struct Batch {
    /// The measures read.
    codes: Vec<MeasureCode>,
    /// Those read for every organization.
    tabled: Vec<MeasureCode>,
    counts: HashMap<(MeasureCode, bool), Vec<maintained::Counts>>,
}

impl Batch {
    fn has(&self, code: MeasureCode) -> bool {
        self.codes.contains(&code)
    }

    /// The counts of `code` in the run's year, or the prior one.
    fn counts(&self, code: MeasureCode, prior: bool) -> &[maintained::Counts] {
        self.counts.get(&(code, prior)).map_or(&[], Vec::as_slice)
    }
}

/// How a counted measure's subjects are grouped.
#[derive(Debug, Clone, Copy)]
enum Grouping {
    /// The scope's figure alone.
    Headline,
    /// The scope's figure and its children's.
    Breakdown,
    /// Every organization's figure under the root, each over its subtree.
    EveryOrganization,
}

/// A measure's figure for each organization, keyed by id.
struct FigureTable(HashMap<i32, Figure>);

impl FigureTable {
    /// `organization`'s figure (an empty one when it has nothing to count).
    fn of(&self, organization: i32) -> Figure {
        self.0.get(&organization).copied().unwrap_or_default()
    }
}

/// The performance-management requirement for supervisory entries: (window days, prior-valid
/// days), DESIGN.md's defaults (180, 365) when the reference row is missing.
pub async fn training_window(db: &impl sea_orm::ConnectionTrait) -> ApiResult<(i32, i32)> {
    let requirement = training_requirement::Entity::find()
        .filter(training_requirement::Column::Category.eq(CourseCategory::PerformanceManagement))
        .filter(training_requirement::Column::AppliesTo.eq(RequirementTrigger::SupervisoryEntry))
        .one(db)
        .await?;
    Ok(requirement.map_or((180, 365), |r| (r.window_days, r.prior_valid_days)))
}

/// The supervisory entries at the scope's organizations (`tree`), optionally of one status, as
/// SQL selecting every column of [`supervisory_entries`], for the lists. The scope is a filter
/// on the assignment, not a join: PostgreSQL ran the join as a nested loop over the whole
/// tree for every entry (31,248 rows compared for HR's 31 overdue entries, 7 ms).
pub fn scoped_entries(dialect: Dialect, status: Option<&str>) -> String {
    supervisory_entries(dialect, status, " AND a.organization_id IN (SELECT org_id FROM tree)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_relative_to_a_prior_of_zero_has_no_baseline_and_is_not_met() {
        let none_of_none = Figure::counted(0, 10);
        // WELLNESS_PD's "double last year's": 0 of 10 against a prior of 0 was reported met.
        assert_eq!(none_of_none.met(TargetComparator::PriorMultiple, 2.0, Some(0.0)), None);
        assert_eq!(none_of_none.met(TargetComparator::AbovePrior, 0.0, Some(0.0)), None);
        assert_eq!(none_of_none.met(TargetComparator::PriorMultiple, 2.0, None), None);
        let some = Figure::counted(3, 10);
        assert_eq!(some.met(TargetComparator::PriorMultiple, 2.0, Some(0.1)), Some(true));
        assert_eq!(some.met(TargetComparator::PriorMultiple, 2.0, Some(0.2)), Some(false));
        assert_eq!(some.met(TargetComparator::AbovePrior, 0.0, Some(0.3)), Some(false));
        assert_eq!(some.met(TargetComparator::AtLeast, 0.3, None), Some(true));
    }
}
