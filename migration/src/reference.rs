//! The reference data that ships with the code (DESIGN.md §2): the CSV files under
//! `migration/data/`, compiled into the binary and parsed here. The reference-data migration
//! loads them; tests and the demo generator read them to know what the database holds.

use serde::Deserialize;

/// An evaluation framework: `TLF`, `SLF`, `PSLF`, `CPF`, `SCF`.
#[derive(Debug, Clone, Deserialize)]
pub struct Framework {
    pub code: String,
    pub name: String,
    pub version: String,
}

/// One row of a framework's rubric: a standard, and when the framework publishes them, a
/// component and an element below it.
#[derive(Debug, Clone, Deserialize)]
pub struct RubricRow {
    pub framework_code: String,
    pub standard_code: String,
    pub standard_title: String,
    pub component_code: Option<String>,
    pub component_title: Option<String>,
    pub element_code: Option<String>,
    pub element_title: Option<String>,
    pub focus: Option<bool>,
}

/// A rating level of a framework on the ELEMENT or OVERALL scale.
#[derive(Debug, Clone, Deserialize)]
pub struct RatingLevel {
    pub framework_code: String,
    pub scale: String,
    pub ordinal: i32,
    pub label: String,
}

/// An evaluation process and the measure kinds it uses (`;`-separated in the file).
#[derive(Debug, Clone, Deserialize)]
pub struct EvaluationProcess {
    pub code: String,
    pub name: String,
    pub framework_code: String,
    pub requires_sfs: bool,
    pub measures: String,
}

impl EvaluationProcess {
    /// The measure kinds, e.g. `["OBSERVATION", "GOAL_PROGRESS"]`.
    pub fn measure_kinds(&self) -> impl Iterator<Item = &str> {
        self.measures.split(';').map(str::trim).filter(|m| !m.is_empty())
    }
}

/// A training requirement (the supervisory-entry performance-management training).
#[derive(Debug, Clone, Deserialize)]
pub struct TrainingRequirement {
    pub category: String,
    pub applies_to: String,
    pub window_days: i32,
    pub prior_valid_days: i32,
}

/// A strategic-plan measure of DESIGN.md §3 with its target.
#[derive(Debug, Clone, Deserialize)]
pub struct PlanMeasure {
    pub code: String,
    pub pillar: String,
    pub priority: String,
    pub title: String,
    pub description: String,
    pub target_value: f64,
    pub comparator: String,
    pub baseline: Option<f64>,
}

fn parse<T: for<'de> Deserialize<'de>>(name: &str, text: &str) -> Result<Vec<T>, String> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .enumerate()
        .map(|(index, row)| row.map_err(|e| format!("migration/data/{name} row {}: {e}", index + 2)))
        .collect()
}

pub fn frameworks() -> Result<Vec<Framework>, String> {
    parse("frameworks.csv", include_str!("../data/frameworks.csv"))
}

pub fn rubric() -> Result<Vec<RubricRow>, String> {
    parse("framework_rubric.csv", include_str!("../data/framework_rubric.csv"))
}

pub fn rating_levels() -> Result<Vec<RatingLevel>, String> {
    parse("rating_levels.csv", include_str!("../data/rating_levels.csv"))
}

pub fn evaluation_processes() -> Result<Vec<EvaluationProcess>, String> {
    parse(
        "evaluation_processes.csv",
        include_str!("../data/evaluation_processes.csv"),
    )
}

pub fn training_requirements() -> Result<Vec<TrainingRequirement>, String> {
    parse(
        "training_requirements.csv",
        include_str!("../data/training_requirements.csv"),
    )
}

pub fn plan_measures() -> Result<Vec<PlanMeasure>, String> {
    parse("plan_measures.csv", include_str!("../data/plan_measures.csv"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn teaching_and_learning_framework_has_five_standards_with_components_and_elements() {
        let rubric = rubric().unwrap();
        let tlf: Vec<_> = rubric.iter().filter(|r| r.framework_code == "TLF").collect();
        let standards: BTreeSet<_> = tlf.iter().map(|r| r.standard_code.as_str()).collect();
        assert_eq!(standards, BTreeSet::from(["1", "2", "3", "4", "5"]));
        assert!(
            tlf.iter()
                .all(|r| r.element_code.is_some() && r.component_code.is_some())
        );
        assert!(tlf.iter().any(|r| r.element_code.as_deref() == Some("3b2")));
    }

    #[test]
    fn every_framework_has_standards_and_six_rating_levels() {
        let rubric = rubric().unwrap();
        let levels = rating_levels().unwrap();
        for framework in frameworks().unwrap() {
            assert!(rubric.iter().any(|r| r.framework_code == framework.code));
            assert_eq!(levels.iter().filter(|l| l.framework_code == framework.code).count(), 6);
        }
    }

    #[test]
    fn only_stull_is_single_measure_and_only_edst_requires_the_survey() {
        let processes = evaluation_processes().unwrap();
        assert_eq!(processes.len(), 7);
        for process in &processes {
            let multiple = process.measure_kinds().count() >= 2;
            assert_eq!(multiple, process.code != "STULL", "{}", process.code);
            assert_eq!(process.requires_sfs, process.code == "EDST", "{}", process.code);
        }
    }

    #[test]
    fn seven_plan_measures_ship() {
        let codes: BTreeSet<_> = plan_measures().unwrap().into_iter().map(|m| m.code).collect();
        assert_eq!(codes.len(), 7);
        assert!(codes.contains("SFS_COVERAGE") && codes.contains("WELLNESS_PD"));
    }
}
