//! What an aggregate may show, tried as an adversary would (DESIGN.md §4): input no database
//! can hold, figures differenced day by day, and viewers reading beyond their own scope.

use crate::fixtures::District;
use crate::helpers::{Backend, TestApp, error_code};
use crate::on_both_databases;
use api::auth::Role;
use entity::enums::EvaluationStatus;
use entity::{evaluation, staff};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

on_both_databases!(
    a_nul_character_in_an_argument_or_variable_is_bad_user_input,
    public_figures_move_only_at_published_dates,
    outside_their_own_scope_principals_and_employees_see_what_the_public_sees,
    filtering_by_an_evaluator_the_viewer_may_not_see_counts_nothing,
);

async fn a_nul_character_in_an_argument_or_variable_is_bad_user_input(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    for (query, variables, field) in [
        (r#"{ organization(code: "SCH\u0000") { name } }"#, json!({}), "code"),
        (
            "query ($c: String!) { organization(code: $c) { name } }",
            json!({ "c": "SCH-101\u{0}" }),
            "c",
        ),
        (
            r#"{ organization(code: "SCH-101") { staff(filter: { employeeGroup: "T\u0000" }) { totalCount } } }"#,
            json!({}),
            "filter",
        ),
        (
            r#"query ($y: Int!) { planMeasures(schoolYear: $y, codes: ["SFS\u0000"]) { code } }"#,
            json!({ "y": 2026 }),
            "codes",
        ),
    ] {
        let body = app.graphql(query, variables).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{query}: {body:#}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{query}");
        assert!(body["data"].is_null(), "nothing runs: {body:#}");
    }
}

const TRAINING_AS_OF: &str = r#"query ($day: Date!, $org: String) {
    planMeasures(schoolYear: 2026, organization: $org, asOf: $day, codes: ["SUPERVISOR_TRAINING", "SFS_COVERAGE"]) {
      code asOf numerator denominator rate suppressed suppressionReason
      breakdown { organization { code } numerator denominator suppressed suppressionReason } } }"#;

/// The public's figure for `day`.
async fn as_public(app: &TestApp, token: Option<&str>, day: &str, org: Option<&str>) -> Value {
    app.query_ok_as(token, TRAINING_AS_OF, json!({ "day": day, "org": org }))
        .await["planMeasures"]
        .clone()
}

async fn public_figures_move_only_at_published_dates(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    // Every day of March 2026 shows the figures of 28 February: nothing to difference.
    let first = as_public(&app, None, "2026-03-01", None).await;
    assert_eq!(first[0]["asOf"], "2026-02-28");
    for day in 2..=30 {
        let later = as_public(&app, None, &format!("2026-03-{day:02}"), None).await;
        assert_eq!(later, first, "2026-03-{day:02}");
    }
    assert_eq!(as_public(&app, None, "2026-03-31", None).await[0]["asOf"], "2026-03-31");
    // Inside the district office the day asked is the day shown.
    let admin = app.query_ok(TRAINING_AS_OF, json!({ "day": "2026-03-17" })).await;
    assert_eq!(admin["planMeasures"][0]["asOf"], "2026-03-17");
}

async fn outside_their_own_scope_principals_and_employees_see_what_the_public_sees(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let principal = app.token(Role::Principal, &["SCH-101"], None);
    let employee = app.token(Role::Employee, &[], Some("E100001"));
    for org in [None, Some("RGN-N"), Some("RGN-S")] {
        let public = as_public(&app, None, "2026-03-17", org).await;
        assert!(
            public[0]["breakdown"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["suppressed"] == true)
                || org.is_none(),
            "the public sees no school cell of {org:?}"
        );
        for (who, token) in [("principal", &principal), ("employee", &employee)] {
            let seen = as_public(&app, Some(token), "2026-03-17", org).await;
            assert_eq!(seen, public, "a {who} over {org:?} sees what the public sees");
        }
    }
    // Over their own school, a principal sees its figures, as of the day asked.
    let own = as_public(&app, Some(&principal), "2026-03-17", Some("SCH-101")).await;
    assert_eq!(own[0]["asOf"], "2026-03-17");
    assert_eq!(own[0]["suppressed"], false, "{own:#}");
    // Survey results are not published: a principal gets them for their school only.
    let results = r#"query ($org: String) { surveyResults(survey: "SES-STAFF-2026", organization: $org) { n } }"#;
    for org in [None, Some("RGN-N")] {
        let body = app.graphql_as(Some(&principal), results, json!({ "org": org })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{org:?}: {body:#}");
    }
    let body = app
        .graphql_as(Some(&principal), results, json!({ "org": "SCH-101" }))
        .await;
    assert!(body.get("errors").is_none(), "{body:#}");
}

/// A principal sees the evaluations at their school, but not the staff of other schools:
/// naming such a person as the evaluator must not tell how many evaluations they conduct
/// here (nor that the employee number exists).
async fn filtering_by_an_evaluator_the_viewer_may_not_see_counts_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    let (here, there) = (d.school("SCH-A").await, d.school("SCH-B").await);
    let teacher = d.evaluated_teacher(here, EvaluationStatus::InProgress).await;
    let outsider = d.person(d.teachers_group, there).await;
    evaluation::Entity::update_many()
        .col_expr(evaluation::Column::EvaluatorId, Expr::value(outsider))
        .filter(evaluation::Column::EvaluateeId.eq(teacher))
        .exec(&app.db)
        .await
        .unwrap();
    let number = staff::Entity::find_by_id(outsider)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .employee_number;
    let query = r#"query ($n: String) {
        evaluations(filter: { evaluator: $n }) { totalCount }
        organization(code: "SCH-A") { evaluations(filter: { evaluator: $n }) { totalCount } } }"#;
    let admin = app.query_ok(query, json!({ "n": number })).await;
    assert_eq!(admin["evaluations"]["totalCount"], 1, "the evaluation exists");
    let principal = app.token(Role::Principal, &["SCH-A"], None);
    let seen = app.query_ok_as(Some(&principal), query, json!({ "n": number })).await;
    assert_eq!(seen["evaluations"]["totalCount"], 0, "top-level list");
    assert_eq!(
        seen["organization"]["evaluations"]["totalCount"], 0,
        "nested under the school"
    );
    // The evaluation itself stays visible to the principal (it is at their school).
    let all = app
        .query_ok_as(Some(&principal), "{ evaluations { totalCount } }", json!({}))
        .await;
    assert_eq!(all["evaluations"]["totalCount"], 1);
}
