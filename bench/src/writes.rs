//! A principal recording the survey one classroom at a time, with the district's dashboard read
//! right after each write: what a write costs now that it keeps the measure counts in its own
//! transaction (`api::measures::maintained::keep`), and that the read after it is fresh (the
//! district's SFS numerator has moved) and still served from the counts. The administrations
//! recorded are put back as they were at the end — each by the one hand-written UPDATE that is
//! the write's lower bound, timed — and the counts rebuilt, so a run leaves the database as it
//! found it (but for the writes' audit rows).

use crate::harness::{Stats, ms, statements_of, token};
use crate::scenarios::{self, Targets, YEAR};
use crate::sql::{Bind, Pool};
use api::auth::Role;
use api::auth::token::Keys;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// The administrations of the target school still to give, at most this many.
const PLANNED: &str = "SELECT sa.id FROM survey_administration sa JOIN section s ON s.id = sa.section_id \
     JOIN survey sv ON sv.id = sa.survey_id \
     WHERE s.school_id = $1 AND sa.status IN ('PLANNED', 'OPEN') AND sv.kind = 'STAKEHOLDER_FEEDBACK' \
     AND sv.school_year = $2 ORDER BY sa.id LIMIT $3";

/// One administration as it was: version, status, responses, and the survey's first day.
const AS_IT_WAS: &str = "SELECT sa.version, sa.status, sa.response_count, CAST(sv.window_start AS TEXT) \
     FROM survey_administration sa JOIN survey sv ON sv.id = sa.survey_id WHERE sa.id = $1";

const RECORD: &str = "mutation ($input: UpdateSurveyAdministrationInput!) { updateSurveyAdministration(input: $input) {
    surveyAdministration { id version status } userErrors { field code message } } }";

/// An administration of the target school still to give, as it was before the run.
pub(crate) struct Planned {
    id: i32,
    version: i32,
    status: String,
    responses: i32,
    /// The survey's first day: the day it is recorded as given.
    first_day: String,
}

/// Up to `n` administrations of the target school still to give.
pub(crate) async fn planned(pool: &Pool, targets: &Targets, n: usize) -> anyhow::Result<Vec<Planned>> {
    let limit = i32::try_from(n).unwrap_or(i32::MAX);
    let ids = pool
        .rows_of_int(
            PLANNED,
            &[Bind::Int(targets.school.1), Bind::Int(YEAR), Bind::Int(limit)],
        )
        .await?;
    let mut planned = Vec::new();
    for id in ids {
        let row = pool.row(AS_IT_WAS, &[Bind::Int(id)]).await?;
        planned.push(Planned {
            id,
            version: row.int(0)?,
            status: row.text(1)?,
            responses: row.int(2)?,
            first_day: row.text(3)?,
        });
    }
    Ok(planned)
}

/// Records `planned` as given, as the principal `token`: the response's time and statements.
pub(crate) async fn record(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    planned: &Planned,
) -> anyhow::Result<(Duration, u64)> {
    let input = serde_json::json!({ "input": {
        "id": api::graphql::relay::encode_id("SurveyAdministration", planned.id),
        "expectedVersion": planned.version, "status": "ADMINISTERED", "administeredOn": planned.first_day,
        "responseCount": 1 } });
    let started = Instant::now();
    let response = client
        .post(url)
        .bearer_auth(token)
        .json(&serde_json::json!({ "query": RECORD, "variables": input }))
        .send()
        .await?;
    let statements = statements_of(&response);
    let body: serde_json::Value = response.json().await?;
    let elapsed = started.elapsed();
    let payload = &body["data"]["updateSurveyAdministration"];
    anyhow::ensure!(
        body.get("errors").is_none() && payload["userErrors"].as_array().is_some_and(Vec::is_empty),
        "recording administration {}: {body}",
        planned.id
    );
    Ok((elapsed, statements))
}

/// Puts every administration back as it was, each by one hand-written UPDATE in autocommit:
/// the same row written without GraphQL, the audit or the counts' upkeep, which is the write's
/// lower bound (the triggers that mark the counts out of date run in it; a rebuild makes them
/// current again). Each UPDATE's time.
pub(crate) async fn put_back(pool: &Pool, planned: &[Planned]) -> anyhow::Result<Vec<Duration>> {
    let mut floor = Vec::new();
    for p in planned {
        let started = Instant::now();
        pool.fetch(
            "UPDATE survey_administration SET status = $1, administered_on = NULL, response_count = $2, version = $3 \
             WHERE id = $4",
            &[
                Bind::Text(p.status.clone()),
                Bind::Int(p.responses),
                Bind::Int(p.version),
                Bind::Int(p.id),
            ],
        )
        .await?;
        floor.push(started.elapsed());
    }
    Ok(floor)
}

/// Records up to `writes` administrations of the target school, each followed by the district's
/// `planMeasures`; the report's section.
pub async fn write_then_read(
    client: &reqwest::Client,
    url: &str,
    keys: &Keys,
    targets: &Targets,
    db: &sea_orm::DatabaseConnection,
    writes: usize,
) -> anyhow::Result<String> {
    let pool = Pool::of(db);
    let before = planned(&pool, targets, writes).await?;
    let mut report = String::from("\n### A write, then the district's figures\n\n");
    if before.is_empty() {
        writeln!(
            report,
            "No administration of {} is still to give: not measured.",
            targets.school.0
        )?;
        return Ok(report);
    }
    let principal = token(keys, Role::Principal, targets)?;
    let analyst = token(keys, Role::Analyst, targets)?;
    let dashboard = scenarios::district_measures();
    let read = async || -> anyhow::Result<(Duration, i64)> {
        let started = Instant::now();
        let body: serde_json::Value = client
            .post(url)
            .bearer_auth(&analyst)
            .json(&serde_json::json!({ "query": dashboard.query }))
            .send()
            .await?
            .json()
            .await?;
        let elapsed = started.elapsed();
        let sfs = body["data"]["planMeasures"]
            .as_array()
            .and_then(|all| all.iter().find(|m| m["code"] == "SFS_COVERAGE"))
            .ok_or_else(|| anyhow::anyhow!("planMeasures without SFS_COVERAGE: {body}"))?;
        Ok((elapsed, sfs["numerator"].as_i64().unwrap_or_default()))
    };
    let (_, mut numerator) = read().await?;
    let (mut written, mut after, mut moved, mut statements) = (Vec::new(), Vec::new(), 0, 0_u64);
    for planned in &before {
        let (elapsed, cost) = record(client, url, &principal, planned).await?;
        written.push(elapsed);
        statements = cost;
        let (elapsed, now) = read().await?;
        after.push(elapsed);
        moved += usize::from(now == numerator + 1);
        numerator = now;
    }
    let floor = put_back(&pool, &before).await?;
    let (count, written, after, floor) = (
        before.len(),
        Stats::of(written, 0, Duration::ZERO),
        Stats::of(after, 0, Duration::ZERO),
        Stats::of(floor, 0, Duration::ZERO),
    );
    writeln!(
        report,
        "A principal of {} records {count} classrooms' SFS one after another (`updateSurveyAdministration`, \
         {statements} statements each); after each, ANALYST reads the district's `planMeasures` with breakdown.\n",
        targets.school.0
    )?;
    writeln!(report, "| | p50 / p95 / p99 ms |\n|---|---|")?;
    writeln!(
        report,
        "| the write | {} / {} / {} |",
        ms(written.p50),
        ms(written.p95),
        ms(written.p99)
    )?;
    writeln!(
        report,
        "| the row's UPDATE alone (hand SQL, autocommit; its lower bound) | {} / {} / {} |",
        ms(floor.p50),
        ms(floor.p95),
        ms(floor.p99)
    )?;
    writeln!(
        report,
        "| the read after it | {} / {} / {} |",
        ms(after.p50),
        ms(after.p95),
        ms(after.p99)
    )?;
    writeln!(
        report,
        "\nThe district's SFS numerator moved by one after {moved} of {count} writes{}.",
        if moved == count {
            ""
        } else {
            " (a classroom counted already does not move it)"
        }
    )?;
    let started = Instant::now();
    api::measures::maintained::rebuild(db).await?;
    writeln!(
        report,
        "The administrations were put back (the UPDATEs above) and the counts rebuilt ({:.1} s).",
        started.elapsed().as_secs_f64()
    )?;
    Ok(report)
}
