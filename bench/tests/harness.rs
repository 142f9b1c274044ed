//! The benchmark harness itself, briefly, on the demo district: every request it measures
//! must keep succeeding and its report must keep its shape. (The figures are BENCHMARKS.md's,
//! measured at full size; a test asserts no timing.)

use crate::helpers::{Backend, TestDb, staffgraph};
use crate::on_both_databases;

on_both_databases!(the_harness_measures_every_request_and_the_import_without_a_failure);

const REQUESTS: [&str; 5] = [
    "principal school page",
    "HR overdue supervisors",
    "district planMeasures",
    "teacher evaluation with ratings",
    "batch of 50 node lookups",
];

fn run(test_db: &TestDb, args: &[&str]) -> String {
    let output = staffgraph(test_db, args).output().expect("staffgraph runs");
    assert!(
        output.status.success(),
        "staffgraph {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn the_harness_measures_every_request_and_the_import_without_a_failure(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    run(&test_db, &["seed", "--profile", "demo"]);
    let files = tempfile::tempdir().unwrap();
    run(&test_db, &["export", files.path().to_str().unwrap()]);
    let out = tempfile::tempdir().unwrap();
    let report_file = out.path().join("report.md");
    let report = run(
        &test_db,
        &[
            "bench",
            "--requests",
            "4",
            "--max-seconds",
            "5",
            "--clients",
            "1,3",
            "--import-dir",
            files.path().to_str().unwrap(),
            "--out",
            report_file.to_str().unwrap(),
        ],
    );

    for request in REQUESTS {
        let rows: Vec<&str> = report
            .lines()
            .filter(|line| line.starts_with(&format!("| {request} |")))
            .collect();
        assert_eq!(rows.len(), 2, "{request}: one row per concurrency level in\n{report}");
        for row in rows {
            assert!(
                row.trim_end().ends_with("| 0 / 0 |"),
                "{request}: a request failed: {row}"
            );
        }
    }
    assert!(
        report.contains("— independent of page size."),
        "statements by page size missing or growing:\n{report}"
    );
    assert!(report.contains("Server peak memory"), "{report}");
    assert!(
        report.contains("(38127 rows in 19 files)"),
        "the demo's files all imported:\n{report}"
    );
    assert!(
        report.contains("`staffgraph import`: "),
        "no import figure in\n{report}"
    );
    let written = std::fs::read_to_string(&report_file).unwrap();
    assert!(written.contains(&report.trim_end()[..200]), "--out holds the report");
}
