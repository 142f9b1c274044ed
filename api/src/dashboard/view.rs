//! What the dashboard shows, made from the measures as PUBLIC's GraphQL answers them: the
//! figures put into words a parent can read (a rate as a percentage, the target, met or not,
//! the change from the prior year, why a cell is withheld) and each breakdown drawn as a bar
//! chart. Nothing is computed here that changes a figure: the rates are the service's, and a
//! withheld cell is never drawn, nor given a number.

use crate::measures::service::{Figure, MeasureResult};
use crate::privacy::SuppressionReason;
use entity::enums::{OrganizationKind, TargetComparator};
use serde::Serialize;

/// One page: a scope's seven measures in one school year.
#[derive(Debug, Serialize)]
pub struct PageView {
    /// "Staff measures — <scope> — 2025–26".
    pub title: String,
    pub scope_name: String,
    pub scope_code: String,
    /// "district" or "region".
    pub scope_kind: &'static str,
    /// The ending year, e.g. 2026.
    pub year: i32,
    /// "2025–26".
    pub year_label: String,
    /// The published date the figures are as of (ISO 8601).
    pub as_of: String,
    /// The years with data, for the selector.
    pub years: Vec<YearOption>,
    /// The district page's regions, each a link to its own page.
    pub regions: Vec<Link>,
    /// Back to the district, on a region's page.
    pub district: Option<Link>,
    pub measures: Vec<MeasureView>,
}

#[derive(Debug, Serialize)]
pub struct YearOption {
    pub value: i32,
    pub label: String,
    pub selected: bool,
}

#[derive(Debug, Serialize)]
pub struct Link {
    pub name: String,
    pub href: String,
}

/// One measure: its headline figure, target and change, and its breakdown.
#[derive(Debug, Serialize)]
pub struct MeasureView {
    pub code: String,
    pub title: String,
    pub description: String,
    pub priority: String,
    /// The rate as shown ("81.2%"); none when withheld or when there is nothing to count.
    pub rate: Option<String>,
    /// The rate as the service gave it, for the page's machine-readable attributes.
    pub rate_value: Option<f64>,
    /// Why the headline is withheld, in words.
    pub withheld: Option<String>,
    pub target: String,
    /// "Met", "Not met", "No baseline" or "No figure".
    pub status: &'static str,
    /// A CSS class for the status.
    pub status_class: &'static str,
    pub prior: Option<String>,
    pub change: Option<String>,
    /// Who the breakdown is by: "region" or "school".
    pub breakdown_of: &'static str,
    pub cells: Vec<CellView>,
    pub chart: Chart,
}

/// One cell of a breakdown.
#[derive(Debug, Serialize)]
pub struct CellView {
    pub code: String,
    pub name: String,
    pub rate: Option<String>,
    pub rate_value: Option<f64>,
    pub withheld: Option<String>,
    pub status: &'static str,
    /// Its own page (a region's), if it has one.
    pub href: Option<String>,
}

/// A horizontal bar chart of a breakdown, laid out for an SVG `viewBox`.
#[derive(Debug, Serialize)]
pub struct Chart {
    pub width: u32,
    pub height: u32,
    /// Where the bars start (after the labels) and how long a rate of 100% is.
    pub left: u32,
    pub span: u32,
    pub rows: Vec<ChartRow>,
    /// The target's x (for an absolute target).
    pub target_x: Option<u32>,
    pub target_label: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ChartRow {
    pub name: String,
    /// Top of the row.
    pub y: u32,
    /// The bar's length; none when the cell is withheld or has no rate (nothing is drawn).
    pub bar: Option<u32>,
    /// What is written after the bar: the rate, or why there is none.
    pub text: String,
    pub text_x: u32,
}

const ROW: u32 = 30;
const LEFT: u32 = 190;
const SPAN: u32 = 300;
const WIDTH: u32 = 720;

/// A rate as a percentage with one decimal.
pub fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

/// Why a figure is withheld, in words.
pub fn withheld(reason: SuppressionReason) -> String {
    match reason {
        SuppressionReason::SmallGroup => "withheld: fewer than 10 people counted".to_owned(),
        SuppressionReason::SmallCount => "withheld: a count from 1 to 10".to_owned(),
        SuppressionReason::Complementary => "withheld so that another cell cannot be worked out".to_owned(),
        SuppressionReason::NotReportedAtLevel => "not reported at this level".to_owned(),
    }
}

fn target(result: &MeasureResult) -> String {
    let value = result.definition.target_value;
    match result.definition.comparator {
        TargetComparator::AtLeast => format!("at least {}", percent(value)),
        TargetComparator::AbovePrior => "higher than the year before".to_owned(),
        TargetComparator::PriorMultiple if (value - 2.0).abs() < 1e-9 => "double the year before".to_owned(),
        TargetComparator::PriorMultiple => format!("{value} times the year before"),
    }
}

fn status(met: Option<bool>, no_baseline: bool) -> (&'static str, &'static str) {
    match met {
        Some(true) => ("Met", "met"),
        Some(false) => ("Not met", "not-met"),
        None if no_baseline => ("No baseline", "none"),
        None => ("No figure", "none"),
    }
}

fn shown(figure: &Figure) -> (Option<String>, Option<f64>, Option<String>) {
    match figure.suppressed {
        Some(reason) => (None, None, Some(withheld(reason))),
        None => {
            let rate = figure.rate();
            (rate.map(percent), rate, None)
        }
    }
}

impl MeasureView {
    /// The view of one measure; `href` gives a breakdown cell's own page, if it has one.
    pub fn of(result: &MeasureResult, href: impl Fn(&entity::organization::Model) -> Option<String>) -> Self {
        let (rate, rate_value, withheld_headline) = shown(&result.figure);
        let (status_text, status_class) = status(result.met(), result.no_baseline());
        let cells: Vec<CellView> = result
            .breakdown
            .iter()
            .map(|(organization, figure)| {
                let (rate, rate_value, withheld) = shown(figure);
                let (status, _) = status(result.met_by(figure), result.no_baseline());
                CellView {
                    code: organization.code.clone(),
                    name: organization.name.clone(),
                    rate,
                    rate_value,
                    withheld,
                    status,
                    href: href(organization),
                }
            })
            .collect();
        let breakdown_of = if result.breakdown.iter().any(|(o, _)| o.kind == OrganizationKind::Region) {
            "region"
        } else {
            "school"
        };
        let chart = Chart::of(result, &cells);
        Self {
            code: result.definition.code.clone(),
            title: result.definition.title.clone(),
            description: result.definition.description.clone(),
            priority: result.definition.priority.clone(),
            rate,
            rate_value,
            withheld: withheld_headline,
            target: target(result),
            status: status_text,
            status_class,
            prior: result.prior.rate().map(percent),
            change: result.change().map(|c| format!("{:+.1} points", c * 100.0)),
            breakdown_of,
            cells,
            chart,
        }
    }
}

impl Chart {
    fn of(result: &MeasureResult, cells: &[CellView]) -> Self {
        // 100% is the bar's full length, unless a rate beyond it must fit (a utilization).
        let top = cells.iter().filter_map(|c| c.rate_value).fold(1.0_f64, f64::max);
        let scale = |rate: f64| ((rate / top) * f64::from(SPAN)).round() as u32;
        let rows = cells
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                let bar = cell.rate_value.map(scale);
                let text = match (&cell.rate, &cell.withheld) {
                    (Some(rate), _) => rate.clone(),
                    (None, Some(why)) => why.clone(),
                    (None, None) => "nothing to count".to_owned(),
                };
                ChartRow {
                    name: cell.name.clone(),
                    y: i as u32 * ROW,
                    bar,
                    text,
                    text_x: LEFT + bar.unwrap_or(0) + 8,
                }
            })
            .collect();
        let absolute = result.definition.comparator == TargetComparator::AtLeast;
        Self {
            width: WIDTH,
            height: (cells.len() as u32).max(1) * ROW,
            left: LEFT,
            span: SPAN,
            rows,
            target_x: absolute.then(|| LEFT + scale(result.definition.target_value)),
            target_label: absolute.then(|| format!("target {}", percent(result.definition.target_value))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_as_percentages_and_withheld_cells_say_why() {
        assert_eq!(percent(0.8123), "81.2%");
        assert_eq!(percent(1.0), "100.0%");
        assert!(withheld(SuppressionReason::SmallGroup).contains("fewer than 10"));
        assert!(withheld(SuppressionReason::Complementary).contains("another cell cannot be worked out"));
        assert_eq!(status(None, true).0, "No baseline");
    }
}
