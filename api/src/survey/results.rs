//! Survey results: per question, how many answered (n), the mean answer and the favorable
//! share — by organization with a breakdown by its children, or for one teacher's
//! classrooms. Confidential by nature (DESIGN.md §4): a group of fewer than the survey's
//! `min_report_n` respondents is withheld for every role, so is the next smallest cell of a
//! breakdown, and so is a scope whose own cell among its siblings is withheld. These are fixed
//! breakdowns: there is no filter to narrow a group below the minimum.

use crate::auth::Viewer;
use crate::error::ApiResult;
use crate::privacy::{self as suppress, Line, Rule, SuppressionReason};
use crate::sql::tree::{Scope, TREE};
use crate::sql::{Count, Params};
use async_graphql::{Context, Object, Result};
use entity::{organization, survey_question};
use sea_orm::{DatabaseConnection, EntityTrait, FromQueryResult};
use std::collections::{HashMap, HashSet};

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

    /// The tally of two groups together.
    fn plus(self, other: &Self) -> Self {
        Self {
            n: self.n + other.n,
            sum: self.sum + other.sum,
            favorable: self.favorable + other.favorable,
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

/// The sums of a tally's row.
const TALLY: &str = "CAST(COUNT(*) AS BIGINT) AS n, CAST(SUM(ans.value) AS DOUBLE PRECISION) AS total, \
     CAST(SUM(CASE WHEN ans.value >= q.favorable_from THEN 1 ELSE 0 END) AS BIGINT) AS favorable";

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

/// Who is reading a teacher's results: the teachers whose results they are shown (the teacher
/// themself, the teachers they evaluate) and whether they also read each school's results.
pub struct Reader<'a> {
    pub viewer: &'a Viewer,
    pub teachers: HashSet<i32>,
}

/// A teacher's results over their classrooms' administrations of `survey`, or over one of
/// them (`administration`), withheld as one table with their schools' results (DESIGN.md §4,
/// hierarchical: school → teacher → classroom). Its lines:
/// - each school of the teacher: the school's results (withheld as `results` withholds them)
///   add up to its teachers' — so a teacher's part at a school is withheld when it is small,
///   when its school is, or as the complement of a small colleague; and, for a reader who is
///   also shown the school (a principal), when the colleagues they are not shown would
///   otherwise be given away as the school minus the teachers they are;
/// - the teacher's total adds up to their parts at each school, and each part to its
///   classrooms: a small classroom takes the next smallest with it, until the withheld
///   classrooms are two or more and together no small group.
pub async fn teacher_results(
    db: &DatabaseConnection,
    survey: &entity::survey::Model,
    teacher: i32,
    administration: Option<i32>,
    questions: &[survey_question::Model],
    reader: &Reader<'_>,
) -> ApiResult<Vec<QuestionResult>> {
    let rule = Rule::MinRespondents(u64::try_from(survey.min_report_n).unwrap_or(10));
    // Each classroom's tally, with its school as the unit.
    let rows: Vec<TallyRow> = Params::new()
        .set("survey", survey.id)
        .set("teacher", teacher)
        .rows(
            db,
            &format!(
                "SELECT ans.question_id AS question_id, s.school_id AS unit_id, a.id AS administration_id, {TALLY} \
                 FROM survey_answer ans JOIN survey_question q ON q.id = ans.question_id \
                 JOIN survey_response r ON r.id = ans.response_id \
                 JOIN survey_administration a ON a.id = r.administration_id JOIN section s ON s.id = a.section_id \
                 WHERE q.survey_id = :survey AND a.teacher_id = :teacher \
                 GROUP BY ans.question_id, s.school_id, a.id ORDER BY a.id"
            ),
        )
        .await?;
    let mut schools: Vec<i32> = rows.iter().filter_map(|r| r.unit_id).collect();
    schools.sort_unstable();
    schools.dedup();
    // Per school and question: the reason the teacher's part of the school is withheld.
    let mut part_reasons: HashMap<(i32, i32), Option<SuppressionReason>> = HashMap::new();
    for &school in &schools {
        for (question, by_teacher) in school_parts(db, survey, school, questions, rule, reader).await? {
            part_reasons.insert((school, question), by_teacher.get(&teacher).copied().flatten());
        }
    }
    Ok(questions
        .iter()
        .map(|question| {
            let classrooms: Vec<(i32, i32, Tally)> = rows
                .iter()
                .filter(|r| r.question_id == question.id)
                .filter_map(|r| Some((r.administration_id?, r.unit_id?, Tally::from_row(r))))
                .collect();
            let total = classrooms.iter().fold(Tally::default(), |sum, (_, _, t)| sum.plus(t));
            // Cells: the total; then each school's part, followed by its classrooms.
            let mut counts = vec![total.n];
            let mut primary = vec![rule.check(total.n)];
            let mut lines = vec![Line {
                total: Some(0),
                parts: Vec::new(),
            }];
            let mut cell_of: HashMap<i32, usize> = HashMap::new();
            for &school in &schools {
                let at_school: Vec<&(i32, i32, Tally)> = classrooms.iter().filter(|(_, s, _)| *s == school).collect();
                let part = at_school.iter().fold(Tally::default(), |sum, (_, _, t)| sum.plus(t));
                let reason = part_reasons.get(&(school, question.id)).copied().flatten();
                let part_cell = counts.len();
                lines[0].parts.push(part_cell);
                counts.push(part.n);
                primary.push(reason.or(rule.check(part.n)));
                let mut line = Line {
                    total: Some(part_cell),
                    parts: Vec::new(),
                };
                for (id, _, tally) in at_school {
                    cell_of.insert(*id, counts.len());
                    line.parts.push(counts.len());
                    counts.push(tally.n);
                    primary.push(rule.check(tally.n));
                }
                lines.push(line);
            }
            let reasons = suppress::protect(rule, &counts, primary, &lines);
            let tally = match administration {
                Some(one) => classrooms
                    .iter()
                    .find(|(id, _, _)| *id == one)
                    .map(|(id, _, tally)| tally.withheld(cell_of.get(id).and_then(|&i| reasons[i])))
                    .unwrap_or_default(),
                None => total.withheld(reasons[0]),
            };
            QuestionResult {
                question: question.clone(),
                tally,
                breakdown: Vec::new(),
            }
        })
        .collect())
}

/// Per question, the reason each teacher's part of `school`'s results is withheld, for
/// `reader`: the school's line (its results = Σ its teachers' parts) made safe under `rule`,
/// its total withheld as [`results`] withholds it. Its pattern is the same for every reader;
/// a reader who is also shown the school's results sees the teachers they are not shown as
/// withheld as well, and the line is made safe again over those.
async fn school_parts(
    db: &DatabaseConnection,
    survey: &entity::survey::Model,
    school: i32,
    questions: &[survey_question::Model],
    rule: Rule,
    reader: &Reader<'_>,
) -> ApiResult<HashMap<i32, HashMap<i32, Option<SuppressionReason>>>> {
    let Some(organization) = organization::Entity::find_by_id(school).one(db).await? else {
        return Ok(HashMap::new());
    };
    let scope = Scope::around(db, organization).await?;
    let headlines = results(db, survey, &scope, questions).await?;
    let reads_school = suppress::reads_survey_results(reader.viewer, &scope);
    let rows: Vec<TallyRow> = Params::new()
        .set("survey", survey.id)
        .set("school", school)
        .rows(
            db,
            &format!(
                "SELECT ans.question_id AS question_id, a.teacher_id AS unit_id, \
                 CAST(NULL AS INTEGER) AS administration_id, {TALLY} \
                 FROM survey_answer ans JOIN survey_question q ON q.id = ans.question_id \
                 JOIN survey_response r ON r.id = ans.response_id \
                 JOIN survey_administration a ON a.id = r.administration_id JOIN section s ON s.id = a.section_id \
                 WHERE q.survey_id = :survey AND s.school_id = :school \
                 GROUP BY ans.question_id, a.teacher_id ORDER BY a.teacher_id"
            ),
        )
        .await?;
    Ok(headlines
        .iter()
        .map(|headline| {
            let parts: Vec<(i32, u64)> = rows
                .iter()
                .filter(|r| r.question_id == headline.question.id)
                .filter_map(|r| Some((r.unit_id?, Tally::from_row(r).n)))
                .collect();
            // An SFS answer belongs to its administration's teacher: the parts add up exactly.
            let mut counts = vec![parts.iter().map(|(_, n)| n).sum()];
            counts.extend(parts.iter().map(|(_, n)| *n));
            let line = Line {
                total: Some(0),
                parts: (1..counts.len()).collect(),
            };
            let mut primary = vec![headline.tally.suppressed];
            primary.extend(parts.iter().map(|(_, n)| rule.check(*n)));
            let mut reasons = suppress::protect(rule, &counts, primary, std::slice::from_ref(&line));
            if reads_school {
                for ((teacher, _), reason) in parts.iter().zip(reasons.iter_mut().skip(1)) {
                    if reason.is_none() && !reader.teachers.contains(teacher) {
                        *reason = Some(SuppressionReason::NotReportedAtLevel);
                    }
                }
                reasons = suppress::protect(rule, &counts, reasons, std::slice::from_ref(&line));
            }
            let by_teacher = parts.iter().map(|(t, _)| *t).zip(reasons.into_iter().skip(1)).collect();
            (headline.question.id, by_teacher)
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
    /// Respondents; null when withheld, with the other figures (a classroom's
    /// `responseCount` stays visible to those who see the administration: the rule protects
    /// the answers, not how many forms came back).
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
