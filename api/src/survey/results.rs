//! Survey results: per question, how many answered (n), the mean answer and the favorable
//! share — by organization with a breakdown by its children, or for one teacher's
//! classrooms. Confidential by nature (DESIGN.md §4): a group of fewer than the survey's
//! `min_report_n` respondents is withheld for every role, so is the next smallest cell of a
//! breakdown, and so is a scope whose own cell among its siblings is withheld. These are fixed
//! breakdowns: there is no filter to narrow a group below the minimum.

use crate::error::ApiResult;
use crate::privacy::{self as suppress, Rule, SuppressionReason};
use crate::sql::tree::{Scope, TREE};
use crate::sql::{Count, Params};
use async_graphql::{Context, Object, Result};
use entity::{organization, survey_question};
use sea_orm::{DatabaseConnection, FromQueryResult};
use std::collections::HashMap;

use super::types::SurveyQuestion;
use crate::graphql::loader::maybe_one;
use crate::org::types::Organization;

/// The school a response belongs to: its own (School Experience Survey) or its
/// administration's section's (SFS).
const RESPONSE_SCHOOL: &str = "COALESCE(r.school_id, (SELECT s.school_id FROM survey_administration a \
     JOIN section s ON s.id = a.section_id WHERE a.id = r.administration_id))";

/// Answers of one group to one question.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    pub n: u64,
    pub sum: f64,
    pub favorable: u64,
    pub suppressed: Option<SuppressionReason>,
}

/// A tally's row: the group (a breakdown unit, or an administration) and its sums.
#[derive(FromQueryResult)]
struct TallyRow {
    question_id: i32,
    unit_id: Option<i32>,
    administration_id: Option<i32>,
    n: i64,
    total: f64,
    favorable: i64,
}

impl Tally {
    fn from_row(row: &TallyRow) -> Self {
        Self {
            n: Count { n: row.n }.value(),
            sum: row.total,
            favorable: Count { n: row.favorable }.value(),
            suppressed: None,
        }
    }

    fn withheld(self, reason: Option<SuppressionReason>) -> Self {
        match reason {
            Some(reason) => Self {
                suppressed: Some(reason),
                ..Self::default()
            },
            None => self,
        }
    }
}

/// Per question: the scope's tally and its children's, keyed by organization id.
pub type Tallies = HashMap<i32, (Tally, HashMap<i32, Tally>)>;

/// Tallies of a survey's answers over organization `root` and its children.
async fn tally(db: &DatabaseConnection, survey: i32, root: i32) -> ApiResult<Tallies> {
    let answers = format!(
        "SELECT ans.question_id AS question_id, t.unit_id AS unit_id, ans.value AS value, \
         CASE WHEN ans.value >= q.favorable_from THEN 1 ELSE 0 END AS fav \
         FROM survey_answer ans JOIN survey_question q ON q.id = ans.question_id \
         JOIN survey_response r ON r.id = ans.response_id JOIN tree t ON t.org_id = {RESPONSE_SCHOOL} \
         WHERE q.survey_id = :survey"
    );
    let counts = "CAST(COUNT(*) AS BIGINT) AS n, CAST(SUM(a.value) AS DOUBLE PRECISION) AS total, \
         CAST(SUM(a.fav) AS BIGINT) AS favorable";
    let sql = format!(
        "{TREE} SELECT a.question_id AS question_id, NULL AS unit_id, CAST(NULL AS INTEGER) AS administration_id, \
         {counts} FROM ({answers}) a GROUP BY a.question_id \
         UNION ALL SELECT a.question_id, a.unit_id, NULL, {counts} FROM ({answers}) a WHERE a.unit_id IS NOT NULL \
         GROUP BY a.question_id, a.unit_id"
    );
    let rows: Vec<TallyRow> = Params::new()
        .set("scope", root)
        .set("survey", survey)
        .rows(db, &sql)
        .await?;
    let mut tallies: Tallies = HashMap::new();
    for row in &rows {
        let entry = tallies.entry(row.question_id).or_default();
        match row.unit_id {
            Some(unit) => {
                entry.1.insert(unit, Tally::from_row(row));
            }
            None => entry.0 = Tally::from_row(row),
        }
    }
    Ok(tallies)
}

/// A survey's results over a scope, withheld where DESIGN.md §4 says.
pub async fn results(
    db: &DatabaseConnection,
    survey: &entity::survey::Model,
    scope: &Scope,
    questions: &[survey_question::Model],
) -> ApiResult<Vec<QuestionResult>> {
    let rule = Rule::MinRespondents(u64::try_from(survey.min_report_n).unwrap_or(10));
    let own = tally(db, survey.id, scope.organization.id).await?;
    // Each ancestor's breakdown, so that a group withheld above stays withheld here.
    let mut above: HashMap<i32, Tallies> = HashMap::new();
    for ancestor in &scope.ancestors {
        above.insert(ancestor.id, tally(db, survey.id, ancestor.id).await?);
    }
    Ok(questions
        .iter()
        .map(|question| {
            let (headline, cells) = own.get(&question.id).cloned().unwrap_or_default();
            let counts_above: HashMap<i32, suppress::Counts> = above
                .iter()
                .map(|(ancestor, tallies)| {
                    let (total, cells) = tallies.get(&question.id).cloned().unwrap_or_default();
                    let cells = cells.into_iter().map(|(unit, t)| (unit, t.n)).collect();
                    (*ancestor, (total.n, cells))
                })
                .collect();
            // Survey results are not published: every level is shown to those who may read them.
            let sibling_reason = suppress::withheld_among(scope, rule, false, &counts_above);
            let total = headline.n;
            let headline = headline.withheld(sibling_reason.or(rule.check(headline.n)));
            let line: Vec<suppress::Cell> = scope
                .children
                .iter()
                .map(|c| suppress::Cell {
                    people: cells.get(&c.id).map_or(0, |t| t.n),
                    published: true,
                })
                .collect();
            let reasons = suppress::breakdown_line(rule, total, &line);
            let breakdown = scope
                .children
                .iter()
                .zip(reasons)
                .map(|(child, reason)| {
                    let tally = cells.get(&child.id).copied().unwrap_or_default();
                    let reason = suppress::under_headline(reason, tally.n, headline.suppressed);
                    (child.clone(), tally.withheld(reason))
                })
                .collect();
            QuestionResult {
                question: question.clone(),
                tally: headline,
                breakdown,
            }
        })
        .collect())
}

/// A teacher's results over their classrooms' administrations of `survey`, or over one of
/// them (`administration`). The classrooms are a breakdown of the teacher's total, so they are
/// withheld together: a small classroom takes the next smallest with it, and the total is
/// withheld when the withheld classrooms together are still a small group (the total minus
/// the shown classrooms would give it away).
pub async fn teacher_results(
    db: &DatabaseConnection,
    survey: &entity::survey::Model,
    teacher: i32,
    administration: Option<i32>,
    questions: &[survey_question::Model],
) -> ApiResult<Vec<QuestionResult>> {
    let rows: Vec<TallyRow> = Params::new()
        .set("survey", survey.id)
        .set("teacher", teacher)
        .rows(
            db,
            "SELECT ans.question_id AS question_id, CAST(NULL AS INTEGER) AS unit_id, a.id AS administration_id, \
             CAST(COUNT(*) AS BIGINT) AS n, \
             CAST(SUM(ans.value) AS DOUBLE PRECISION) AS total, \
             CAST(SUM(CASE WHEN ans.value >= q.favorable_from THEN 1 ELSE 0 END) AS BIGINT) AS favorable \
             FROM survey_answer ans JOIN survey_question q ON q.id = ans.question_id \
             JOIN survey_response r ON r.id = ans.response_id \
             JOIN survey_administration a ON a.id = r.administration_id \
             WHERE q.survey_id = :survey AND a.teacher_id = :teacher \
             GROUP BY ans.question_id, a.id ORDER BY a.id",
        )
        .await?;
    // Per question, each classroom's tally in administration order.
    let mut by_question: HashMap<i32, Vec<(i32, Tally)>> = HashMap::new();
    for row in &rows {
        let Some(administration) = row.administration_id else {
            continue;
        };
        by_question
            .entry(row.question_id)
            .or_default()
            .push((administration, Tally::from_row(row)));
    }
    let rule = Rule::MinRespondents(u64::try_from(survey.min_report_n).unwrap_or(10));
    Ok(questions
        .iter()
        .map(|question| {
            let classrooms = by_question.get(&question.id).cloned().unwrap_or_default();
            let counts: Vec<u64> = classrooms.iter().map(|(_, t)| t.n).collect();
            let reasons = suppress::breakdown(rule, &counts);
            let tally = match administration {
                Some(one) => classrooms
                    .iter()
                    .zip(&reasons)
                    .find(|((id, _), _)| *id == one)
                    .map(|((_, tally), reason)| tally.withheld(*reason))
                    .unwrap_or_default(),
                None => {
                    let total = classrooms.iter().fold(Tally::default(), |sum, (_, t)| Tally {
                        n: sum.n + t.n,
                        sum: sum.sum + t.sum,
                        favorable: sum.favorable + t.favorable,
                        suppressed: None,
                    });
                    let hidden: u64 = classrooms
                        .iter()
                        .zip(&reasons)
                        .filter(|(_, r)| r.is_some())
                        .map(|((_, t), _)| t.n)
                        .sum();
                    let reason = rule
                        .check(total.n)
                        .or(rule.check(hidden).map(|_| SuppressionReason::Complementary));
                    total.withheld(reason)
                }
            };
            QuestionResult {
                question: question.clone(),
                tally,
                breakdown: Vec::new(),
            }
        })
        .collect())
}

/// One question's results.
pub struct QuestionResult {
    question: survey_question::Model,
    tally: Tally,
    breakdown: Vec<(organization::Model, Tally)>,
}

/// The answer figures of a group; withheld ones are null.
pub struct TallyFields(Tally);

/// How a group answered.
#[Object]
impl TallyFields {
    /// Respondents; null when withheld.
    async fn n(&self) -> Option<u64> {
        self.0.suppressed.is_none().then_some(self.0.n)
    }
    /// Mean answer; null when withheld or when no one answered.
    async fn mean(&self) -> Option<f64> {
        (self.0.suppressed.is_none() && self.0.n > 0).then(|| self.0.sum / self.0.n as f64)
    }
    /// Share of answers at or above the question's favorable value; null when withheld or
    /// when no one answered.
    async fn favorable_share(&self) -> Option<f64> {
        (self.0.suppressed.is_none() && self.0.n > 0).then(|| self.0.favorable as f64 / self.0.n as f64)
    }
    /// Whether the figures are withheld to protect a small group.
    async fn suppressed(&self) -> bool {
        self.0.suppressed.is_some()
    }
    /// Why they are withheld.
    async fn suppression_reason(&self) -> Option<SuppressionReason> {
        self.0.suppressed
    }
}

/// One question's results over a scope, with its breakdown.
#[Object]
impl QuestionResult {
    /// The question.
    async fn question(&self) -> SurveyQuestion {
        SurveyQuestion(self.question.clone())
    }
    #[graphql(flatten)]
    async fn tally(&self) -> TallyFields {
        TallyFields(self.tally)
    }
    /// The same for each child of the scope (empty for a teacher's results).
    async fn breakdown(&self) -> Vec<QuestionCell> {
        self.breakdown
            .iter()
            .map(|(org, tally)| QuestionCell(org.id, *tally))
            .collect()
    }
}

/// One question's results for a child of the scope.
pub struct QuestionCell(i32, Tally);

/// One question's results for a child of the scope.
#[Object]
impl QuestionCell {
    /// The child organization.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        maybe_one::<organization::Entity, _>(ctx, Some(self.0), Organization).await
    }
    #[graphql(flatten)]
    async fn tally(&self) -> TallyFields {
        TallyFields(self.1)
    }
}
