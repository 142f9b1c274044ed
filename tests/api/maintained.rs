//! Issue 20: the maintained measure counts (`api/src/measures/maintained.rs`) are exact and
//! fresh. Exact: on random small districts, after random sequences of writes to the tables the
//! measures read, every kept figure — each year, measure, organization and as-of date —
//! equals a recount from the raw rows. Fresh: a committed write makes the counts out of date
//! at once, for every connection to the database (another API node's too), so the read after
//! it counts from the rows; a rebuild makes them current again, and a write that commits while
//! a rebuild runs leaves them out of date.

use crate::helpers::{Backend, TestApp, TestDb};
use crate::on_both_databases;
use api::calendar::SchoolYear;
use api::measures::maintained::{self, COUNTED, Organizations};
use api::measures::service::Run;
use api::seed::demo::Shape;
use api::sql::Params;
use api::sql::tree::Scope;
use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde_json::json;

on_both_databases!(
    kept_counts_equal_a_recount_after_random_writes,
    a_committed_write_makes_the_counts_out_of_date_for_every_connection,
    the_read_after_a_write_reflects_it_and_the_server_rebuilds_the_counts,
);

const YEAR: i32 = 2026;

/// The random writes: each a statement over a random share of a table's rows, `:r` choosing
/// which, `:d` a day of the year.
const WRITES: [&str; 12] = [
    "UPDATE survey_administration SET status = 'ADMINISTERED', response_count = 3, administered_on = :d WHERE id % 7 = :r % 7",
    "UPDATE survey_administration SET status = 'CANCELLED' WHERE id % 5 = :r % 5",
    "UPDATE survey_administration SET administered_on = NULL WHERE id % 11 = :r % 11",
    "DELETE FROM training_completion WHERE id % 4 = :r % 4",
    "UPDATE training_completion SET completed_on = :d WHERE id % 3 = :r % 3",
    "UPDATE evaluation SET status = 'WITHDRAWN' WHERE id % 6 = :r % 6",
    "UPDATE attendance_summary SET days_absent = days_absent + 5 WHERE id % 3 = :r % 3",
    "UPDATE staff SET active = NOT active WHERE id % 9 = :r % 9",
    "UPDATE organization SET parent_id = (SELECT MIN(o.id) FROM organization o WHERE o.kind = 'REGION') \
     WHERE kind = 'SCHOOL' AND id % 4 = :r % 4",
    "UPDATE training_requirement SET window_days = window_days + 30 + :r % 60",
    "UPDATE assignment SET begin_date = :d WHERE (supervisory OR management) AND id % 4 = :r % 4",
    "UPDATE section SET enrolled_count = 0 WHERE id % 8 = :r % 8",
];

/// A small district of its own shape for `seed`.
fn shape(rng: &mut impl Rng) -> Shape {
    Shape {
        regions: rng.random_range(1..=3),
        schools: rng.random_range(2..=6),
        classrooms: [
            (rng.random_range(3..=6), 1),
            (rng.random_range(3..=6), 2),
            (rng.random_range(3..=6), 2),
        ],
        evaluated_share: rng.random_range(0.2..0.9),
        administration_shares: [0.5, 0.6, 0.7, 0.8],
        ..Shape::DEMO
    }
}

/// Every kept figure of the year and the prior one, as of `as_of`, against a recount.
async fn assert_exact(db: &DatabaseConnection, as_of: NaiveDate, context: &str) {
    for year in [
        SchoolYear::parse(YEAR, "year").unwrap(),
        SchoolYear::parse(YEAR - 1, "year").unwrap(),
    ] {
        let as_of = as_of.min(year.end());
        for root in Scope::roots(db).await.unwrap() {
            let run = Run::new(db, year, as_of, &root).from_rows();
            for code in COUNTED {
                let counted = run.every_organization(code).await.unwrap();
                let kept = maintained::counts(db, code, year, as_of, Organizations::Every)
                    .await
                    .unwrap();
                for c in &kept {
                    let recount = counted.get(&c.organization_id).copied().unwrap_or_default();
                    assert_eq!(
                        (c.numerator as f64, c.denominator as f64),
                        (recount.numerator, recount.denominator),
                        "{context}: {} {} of organization {} as of {as_of}",
                        year.value(),
                        code.as_str(),
                        c.organization_id
                    );
                }
                for (id, figure) in &counted {
                    let listed = kept.iter().any(|c| c.organization_id == *id);
                    assert!(
                        listed || figure.denominator == 0.0,
                        "{context}: {} {} of organization {id} is kept as nothing, counted {figure:?}",
                        year.value(),
                        code.as_str()
                    );
                }
            }
        }
    }
}

async fn current(db: &DatabaseConnection) -> bool {
    maintained::readable(db, SchoolYear::parse(YEAR, "year").unwrap())
        .await
        .unwrap()
        .year
}

async fn kept_counts_equal_a_recount_after_random_writes(backend: Backend) {
    let cases: u64 = if backend == Backend::Sqlite { 4 } else { 2 };
    for case in 0..cases {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026 + case);
        let test_db = TestDb::new(backend).await;
        let db = test_db.migrated().await;
        api::seed::seed_shaped(&db, case, shape(&mut rng)).await.expect("seeds");
        assert!(current(&db).await, "case {case}: a seed leaves the counts current");
        let year_start = NaiveDate::from_ymd_opt(YEAR - 1, 7, 1).unwrap();
        assert_exact(
            &db,
            NaiveDate::from_ymd_opt(YEAR, 6, 30).unwrap(),
            &format!("case {case}"),
        )
        .await;
        let mut done = Vec::new();
        for _ in 0..5 {
            let write = WRITES[rng.random_range(0..WRITES.len())];
            let day = year_start + chrono::Days::new(rng.random_range(0..365));
            let changed = Params::new()
                .set("r", rng.random_range(0..1000_i32))
                .set("d", day)
                .execute(&db, write)
                .await
                .unwrap();
            done.push(write.split_whitespace().take(4).collect::<Vec<_>>().join(" "));
            let context = format!("case {case} after {done:?}");
            if changed > 0 {
                assert!(!current(&db).await, "{context}: the write made the counts out of date");
            }
            let rebuilt = maintained::rebuild(&db).await.unwrap();
            assert!(
                !rebuilt.skipped && rebuilt.years.contains(&YEAR),
                "{context}: {rebuilt:?}"
            );
            assert!(current(&db).await, "{context}: rebuilt");
            // A month's end, and any day.
            let as_of = year_start + chrono::Days::new(rng.random_range(0..365));
            assert_exact(&db, as_of, &context).await;
        }
        let drifts = maintained::check(&db).await.unwrap();
        assert!(drifts.is_empty(), "case {case}: {drifts:?}");
    }
}

async fn a_committed_write_makes_the_counts_out_of_date_for_every_connection(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let node_a = test_db.migrated().await;
    api::seed::seed_demo(&node_a, 7).await.unwrap();
    let node_b = test_db.connect().await;
    assert!(current(&node_a).await && current(&node_b).await);
    let cancel = "UPDATE survey_administration SET status = 'CANCELLED' WHERE id % 2 = 0";
    Params::new().execute(&node_a, cancel).await.unwrap();
    assert!(!current(&node_b).await, "another node sees the write at once");
    maintained::rebuild(&node_b).await.unwrap();
    assert!(current(&node_a).await, "and the other's rebuild");
    if backend == Backend::Postgres {
        // A write that commits while a rebuild runs was not in the rebuild's snapshot.
        let writing = node_a.begin().await.unwrap();
        Params::new()
            .execute(
                &writing,
                "UPDATE survey_administration SET status = 'CANCELLED' WHERE id % 3 = 0",
            )
            .await
            .unwrap();
        maintained::rebuild(&node_b).await.unwrap();
        assert!(current(&node_b).await, "an uncommitted write is not a change yet");
        writing.commit().await.unwrap();
        assert!(!current(&node_b).await, "once it commits, the counts are out of date");
        maintained::rebuild(&node_b).await.unwrap();
        assert!(current(&node_a).await);
    }
    assert_exact(
        &node_a,
        NaiveDate::from_ymd_opt(YEAR, 6, 30).unwrap(),
        "after the writes",
    )
    .await;
}

async fn the_read_after_a_write_reflects_it_and_the_server_rebuilds_the_counts(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let query = r#"{ planMeasures(schoolYear: 2026, codes: ["SFS_COVERAGE"]) { numerator denominator } }"#;
    let before = app.graphql(query, json!({})).await;
    let numerator = before["data"]["planMeasures"][0]["numerator"].as_i64().unwrap();
    assert!(numerator > 0, "{before}");
    let db = app.db.clone();
    assert!(current(&db).await, "the demo's counts are current");
    Params::new()
        .execute(&db, "UPDATE survey_administration SET status = 'CANCELLED'")
        .await
        .unwrap();
    let after = app.graphql(query, json!({})).await;
    assert_eq!(
        after["data"]["planMeasures"][0]["numerator"], 0,
        "the very next read: {after}"
    );
    // That read found the counts out of date and started a rebuild.
    let mut rebuilt = false;
    for _ in 0..100 {
        if current(&db).await {
            rebuilt = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(rebuilt, "the server rebuilt the counts");
    let kept = app.graphql(query, json!({})).await;
    assert_eq!(kept["data"], after["data"], "the same figures from the kept counts");
}
