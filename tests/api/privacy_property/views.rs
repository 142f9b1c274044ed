//! What an audience is shown: every view of every organization asked with the audience's
//! token, its figures recorded per table, cell and quantity — each shown figure first checked
//! against the true one, so that the model and the server agree on what is counted.

use super::generator::Spec;
use super::tables::{CellId, Tables};
use crate::helpers::TestApp;
use futures_util::{StreamExt, stream};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Every view is asked as of the year's last day, a published date (§4 "Time"), so that the
/// public's figures and an insider's count the same rows.
const AS_OF: &str = "2026-06-30";

/// A figure of a table: (table index, cell, quantity index).
pub type FigureKey = (usize, CellId, usize);

/// What an audience was shown: per figure, each view's value (None: withheld).
#[derive(Default, Clone)]
pub struct Knowledge {
    seen: BTreeMap<FigureKey, Vec<(String, Option<i64>)>>,
}

impl Knowledge {
    pub fn merge(&mut self, other: &Knowledge, prefix: &str) {
        for (key, views) in &other.seen {
            let entry = self.seen.entry(key.clone()).or_default();
            entry.extend(views.iter().map(|(view, v)| (format!("{prefix}{view}"), *v)));
        }
    }

    /// The value shown, and the view that showed it.
    pub fn shown(&self, key: &FigureKey) -> Option<(i64, &str)> {
        self.seen
            .get(key)?
            .iter()
            .find_map(|(view, v)| v.map(|v| (v, view.as_str())))
    }

    /// A view that withheld it.
    pub fn withheld_in(&self, key: &FigureKey) -> Option<&str> {
        self.seen
            .get(key)?
            .iter()
            .find_map(|(view, v)| v.is_none().then_some(view.as_str()))
    }
}

/// Where a plan measure's figures go: its table, the column, and which field is which
/// quantity.
struct MeasureFigures {
    table: &'static str,
    column: &'static str,
    fields: &'static [(&'static str, &'static str)],
}

/// MULTIPLE_MEASURES counts certificated groups (distinct across units, so not additive) and
/// is not modelled.
fn measure_figures(code: &str) -> Option<MeasureFigures> {
    const COUNTS: &[(&str, &str)] = &[("denominator", "denominator"), ("numerator", "numerator")];
    let (table, column, fields) = match code {
        "SFS_COVERAGE" => ("SFS_COVERAGE", "", COUNTS),
        "SUPERVISOR_TRAINING" => ("SUPERVISOR_TRAINING", "", COUNTS),
        "WELLNESS_PD" => ("WELLNESS_PD", "", COUNTS),
        "EXCELLENT_ATTENDANCE" => ("EXCELLENT_ATTENDANCE", "", COUNTS),
        // The measure's answers are the question's: numerator favorable, denominator n.
        "SES_SUPPORTIVE" => (
            "SES SUPPORTIVE_PLACE",
            "",
            &[("denominator", "n"), ("numerator", "favorable")][..],
        ),
        // Its numerator is the EASE table's ALL users (its denominator, eligible employees,
        // is no count of users).
        "EASE_USAGE" => ("EASE", "ALL", &[("numerator", "uniqueEmployees")][..]),
        _ => return None,
    };
    Some(MeasureFigures { table, column, fields })
}

/// Records the figures of views into an audience's knowledge, checking each shown figure
/// against the true one.
struct Collector<'a> {
    tables: &'a Tables,
    knowledge: Knowledge,
}

impl Collector<'_> {
    fn record(&mut self, table: &str, cell: CellId, quantity: &str, view: &str, value: Option<i64>) {
        let t = self.tables.index[table];
        let table = &self.tables.list[t];
        // A cell outside the table (an office or a school in the EASE breakdown) is not
        // reported at that level.
        let Some(unknowns) = table.cells.get(&cell) else {
            return;
        };
        let q = table
            .kind
            .quantities
            .iter()
            .position(|n| *n == quantity)
            .expect("a quantity of the table");
        if let Some(value) = value {
            let truth = table.truth_of(unknowns, q);
            assert_eq!(
                value, truth,
                "model mismatch: {view} shows {} {cell} {quantity} = {value}; the generated district has {truth}",
                table.name
            );
        }
        self.knowledge
            .seen
            .entry((t, cell, q))
            .or_default()
            .push((view.to_owned(), value));
    }

    fn measure(&mut self, scope: &str, measure: &Value, view: &str) {
        assert_eq!(measure["asOf"], AS_OF, "{view}: {measure:#}");
        let code = measure["code"].as_str().expect("a measure code");
        let Some(MeasureFigures { table, column, fields }) = measure_figures(code) else {
            return;
        };
        let view = format!("{view} {code}");
        let breakdown = measure["breakdown"].as_array().expect("a breakdown");
        let cells = std::iter::once((scope, measure)).chain(
            breakdown
                .iter()
                .map(|c| (c["organization"]["code"].as_str().expect("a code"), c)),
        );
        for (org, figure) in cells {
            for (field, quantity) in fields {
                let value = figure[*field].as_i64();
                self.record(table, CellId::at(org, column), quantity, &view, value);
            }
        }
    }

    fn survey(&mut self, scope: &str, results: &Value, view: &str) {
        for result in results.as_array().expect("survey results") {
            let table = format!("SES {}", result["question"]["code"].as_str().expect("a question"));
            let breakdown = result["breakdown"].as_array().expect("a breakdown");
            let cells = std::iter::once((scope, result)).chain(
                breakdown
                    .iter()
                    .map(|c| (c["organization"]["code"].as_str().expect("a code"), c)),
            );
            for (org, tally) in cells {
                let n = tally["n"].as_i64();
                // favorableShare × n answers were favorable; mean × n is their sum.
                let times_n = |field: &str| {
                    n.map(|n| match tally[field].as_f64() {
                        _ if n == 0 => 0,
                        Some(x) => (x * n as f64).round() as i64,
                        None => panic!("{view}: {field} withheld with n shown: {tally:#}"),
                    })
                };
                let cell = CellId::of(org);
                self.record(&table, cell.clone(), "n", view, n);
                self.record(&table, cell.clone(), "favorable", view, times_n("favorableShare"));
                self.record(&table, cell, "sum of answers", view, times_n("mean"));
            }
        }
    }

    fn ease(&mut self, scope: &str, usage: &Value, view: &str) {
        self.measure(scope, &usage["measure"], view);
        for row in usage["byServiceType"].as_array().expect("service types") {
            let cell = CellId::at(scope, row["serviceType"].as_str().expect("a service type"));
            let view = format!("{view} byServiceType");
            self.record(
                "EASE",
                cell.clone(),
                "uniqueEmployees",
                &view,
                row["uniqueEmployees"].as_i64(),
            );
            self.record("EASE", cell, "sessions", &view, row["sessions"].as_i64());
        }
    }
}

const FIGURES: &str = "fragment Figures on PlanMeasure { code asOf numerator denominator suppressed
    breakdown { organization { code } numerator denominator suppressed } }";

/// The views of an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    PlanMeasures,
    SfsCoverage,
    EaseUsage,
    SurveyResults,
}

impl View {
    const ALL: [View; 4] = [
        View::PlanMeasures,
        View::SfsCoverage,
        View::EaseUsage,
        View::SurveyResults,
    ];

    /// The view's field, under its name as alias.
    fn field(self) -> String {
        let name = self.name();
        match self {
            View::PlanMeasures => format!(
                "{name}: planMeasures(schoolYear: 2026, organization: $org, asOf: \"{AS_OF}\",
                   codes: [\"SFS_COVERAGE\", \"SUPERVISOR_TRAINING\", \"EASE_USAGE\", \"EXCELLENT_ATTENDANCE\",
                           \"SES_SUPPORTIVE\", \"WELLNESS_PD\"]) {{ ...Figures }}"
            ),
            // No asOf argument: the default is the year's last day, the school year being over.
            View::SfsCoverage => {
                format!("{name}: sfsCoverage(schoolYear: 2026, organization: $org) {{ measure {{ ...Figures }} }}")
            }
            View::EaseUsage => format!(
                "{name}: easeUsage(schoolYear: 2026, organization: $org) {{ measure {{ ...Figures }}
                   byServiceType {{ serviceType uniqueEmployees sessions }} }}"
            ),
            View::SurveyResults => format!(
                "{name}: surveyResults(survey: \"SES-2026\", organization: $org) {{
                   question {{ code }} n mean favorableShare breakdown {{ organization {{ code }} n mean favorableShare }} }}"
            ),
        }
    }

    fn name(self) -> &'static str {
        match self {
            View::PlanMeasures => "planMeasures",
            View::SfsCoverage => "sfsCoverage",
            View::EaseUsage => "easeUsage",
            View::SurveyResults => "surveyResults",
        }
    }
}

/// The views of `org` the holder of `token` can reach, with their data. One request asks for
/// all of them; a view refused (FORBIDDEN or NOT_FOUND, which nulls the whole response) is
/// dropped and the rest asked again.
async fn views_of(app: &TestApp, token: Option<&str>, org: &str) -> Vec<(View, Value)> {
    let mut asked = View::ALL.to_vec();
    while !asked.is_empty() {
        let fields: Vec<String> = asked.iter().map(|v| v.field()).collect();
        let fragment = if asked == [View::SurveyResults] { "" } else { FIGURES };
        let query = format!("query ($org: String) {{ {} }} {fragment}", fields.join(" "));
        let body = app.graphql_as(token, &query, json!({ "org": org })).await;
        let Some(errors) = body.get("errors").and_then(Value::as_array) else {
            return asked.into_iter().map(|v| (v, body["data"][v.name()].clone())).collect();
        };
        let before = asked.len();
        for error in errors {
            let code = error["extensions"]["code"].as_str().unwrap_or_default();
            assert!(matches!(code, "FORBIDDEN" | "NOT_FOUND"), "views of {org}: {body:#}");
            asked.retain(|v| error["path"][0] != v.name());
        }
        assert!(asked.len() < before, "views of {org}: an error on no view: {body:#}");
    }
    Vec::new()
}

/// Every figure the holder of `token` is shown, over every organization of the district.
pub async fn collect(app: &TestApp, tables: &Tables, spec: &Spec, token: Option<&str>) -> Knowledge {
    let answers: Vec<(String, Vec<(View, Value)>)> = stream::iter(spec.nodes.iter().map(|n| n.code.clone()))
        .map(|org| async move {
            let views = views_of(app, token, &org).await;
            (org, views)
        })
        .buffered(4)
        .collect()
        .await;
    let mut collector = Collector {
        tables,
        knowledge: Knowledge::default(),
    };
    for (org, views) in answers {
        for (view, data) in views {
            let label = format!("{}({org})", view.name());
            match view {
                View::PlanMeasures => {
                    for measure in data.as_array().expect("plan measures") {
                        collector.measure(&org, measure, &label);
                    }
                }
                View::SfsCoverage => collector.measure(&org, &data["measure"], &label),
                View::EaseUsage => collector.ease(&org, &data, &label),
                View::SurveyResults => collector.survey(&org, &data, &label),
            }
        }
    }
    collector.knowledge
}
