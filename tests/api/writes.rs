//! The writes of issue 15, tried as each role would: a principal's survey administration, an
//! evaluator's observation with ratings, HR recording training — each with its role matrix,
//! its refusals as `userErrors` on their fields, the stale write refused, the idempotent
//! retry, the audit row, and the measure moving at once.

use crate::fixtures::District;
use crate::helpers::{Backend, TestApp, error_code, nodes, user_errors};
use crate::on_both_databases;
use api::auth::Role;
use entity::enums::{EvaluationStatus as Eval, SectionRole};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

on_both_databases!(
    a_principal_plans_and_records_the_sfs_and_coverage_moves_at_once,
    hr_records_training_completions_all_or_nothing,
    an_evaluator_schedules_completes_rates_and_closes_an_evaluation,
);

const PLAN: &str = "mutation ($input: PlanSurveyAdministrationsInput!) {
    planSurveyAdministrations(input: $input) {
      surveyAdministrations { id status version enrolledCount section { sectionCode } }
      userErrors { field message code } } }";

const UPDATE: &str = "mutation ($input: UpdateSurveyAdministrationInput!) {
    updateSurveyAdministration(input: $input) {
      surveyAdministration { id status version administeredOn responseCount }
      userErrors { field message code } } }";

/// SFS coverage of `organization` in 2026 as ADMIN reads it: (numerator, denominator).
async fn coverage(app: &TestApp, organization: &str) -> (i64, i64) {
    let data = app
        .query_ok(
            "query ($org: String) { planMeasures(schoolYear: 2026, organization: $org, codes: [\"SFS_COVERAGE\"]) {
               numerator denominator } }",
            json!({ "org": organization }),
        )
        .await;
    let m = &data["planMeasures"][0];
    (m["numerator"].as_i64().unwrap(), m["denominator"].as_i64().unwrap())
}

async fn a_principal_plans_and_records_the_sfs_and_coverage_moves_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    let (a, b) = (d.school("SCH-A").await, d.school("SCH-B").await);
    for school in [a, a, b] {
        let teacher = d.evaluated_teacher(school, Eval::InProgress).await;
        d.section(school, teacher, SectionRole::TeacherOfRecord, 25).await;
    }
    let principal_number = d.employee_number(d.person(d.adult_group, a).await).await;
    let principal = app.token(Role::Principal, &["SCH-A"], Some(&principal_number));
    let other_principal = app.token(Role::Principal, &["SCH-B"], None);
    let hr = app.token(Role::Hr, &[], None);

    // Planning creates one PLANNED administration per eligible classroom of the school.
    let input = json!({ "input": { "school": "SCH-A", "survey": "SFS-2026", "idempotencyKey": "plan-1" } });
    let planned = app.query_ok_as(Some(&principal), PLAN, input.clone()).await;
    let created = planned["planSurveyAdministrations"]["surveyAdministrations"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(created.len(), 2, "{planned:#}");
    assert!(
        created
            .iter()
            .all(|a| a["status"] == "PLANNED" && a["version"] == 1 && a["enrolledCount"] == 25)
    );
    // The retry with its key answers the same; planning again plans nothing new.
    let retried = app.query_ok_as(Some(&principal), PLAN, input).await;
    assert_eq!(
        retried["planSurveyAdministrations"]["surveyAdministrations"],
        json!(created)
    );
    let again = json!({ "input": { "school": "SCH-A", "survey": "SFS-2026" } });
    let again = app.query_ok_as(Some(&principal), PLAN, again).await;
    assert_eq!(again["planSurveyAdministrations"]["surveyAdministrations"], json!([]));
    // The key with another request is refused; so is a survey that is not the SFS's code.
    let reused = json!({ "input": { "school": "SCH-A", "survey": "NOPE", "idempotencyKey": "plan-1" } });
    let reused = app.query_ok_as(Some(&principal), PLAN, reused).await;
    assert_eq!(
        user_errors(&reused["planSurveyAdministrations"]),
        [("input.idempotencyKey".to_owned(), "KEY_REUSED".to_owned())]
    );
    let unknown = json!({ "input": { "school": "SCH-A", "survey": "NOPE" } });
    let unknown = app.query_ok_as(Some(&principal), PLAN, unknown).await;
    assert_eq!(
        user_errors(&unknown["planSurveyAdministrations"]),
        [("input.survey".to_owned(), "UNKNOWN".to_owned())]
    );
    // Another school is NOT_FOUND to the principal, as on reads; HR does not plan.
    let elsewhere = json!({ "input": { "school": "SCH-B", "survey": "SFS-2026" } });
    assert_eq!(
        error_code(&app.graphql_as(Some(&principal), PLAN, elsewhere.clone()).await),
        "NOT_FOUND"
    );
    assert_eq!(
        error_code(&app.graphql_as(Some(&hr), PLAN, elsewhere).await),
        "FORBIDDEN"
    );
    assert_eq!(coverage(&app, "SCH-A").await, (0, 2));

    // Recording it as given: every rule broken is a userError on its field; nothing is written.
    let id = created[0]["id"].as_str().unwrap();
    let bad = json!({ "input": { "id": id, "expectedVersion": 1, "status": "ADMINISTERED", "responseCount": 30 } });
    let bad = app.query_ok_as(Some(&principal), UPDATE, bad).await;
    let mut refused = user_errors(&bad["updateSurveyAdministration"]);
    refused.sort();
    assert_eq!(
        refused,
        [
            ("input.administeredOn".to_owned(), "INVALID".to_owned()),
            ("input.responseCount".to_owned(), "INVALID".to_owned())
        ]
    );
    assert!(bad["updateSurveyAdministration"]["surveyAdministration"].is_null());
    let given = json!({ "input": { "id": id, "expectedVersion": 1, "status": "ADMINISTERED",
                                   "administeredOn": "2026-03-10", "responseCount": 21 } });
    // HR may not record it, and another school's principal does not find it.
    assert_eq!(
        error_code(&app.graphql_as(Some(&hr), UPDATE, given.clone()).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&app.graphql_as(Some(&other_principal), UPDATE, given.clone()).await),
        "NOT_FOUND"
    );
    let recorded = app.query_ok_as(Some(&principal), UPDATE, given.clone()).await;
    let recorded = &recorded["updateSurveyAdministration"]["surveyAdministration"];
    assert_eq!(recorded["status"], "ADMINISTERED");
    assert_eq!(recorded["version"], 2);
    // The very next read counts it, at the school and the district; the school's list of
    // classrooms still to survey loses it.
    assert_eq!(coverage(&app, "SCH-A").await, (1, 2));
    assert_eq!(coverage(&app, "DIST").await, (1, 3));
    let missing = app
        .query_ok_as(
            Some(&principal),
            r#"{ sfsCoverage(schoolYear: 2026, organization: "SCH-A") { notAdministered { totalCount } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(missing["sfsCoverage"]["notAdministered"]["totalCount"], 1);
    // The same write again is stale: CONFLICT with the current version, nothing written.
    let stale = app.graphql_as(Some(&principal), UPDATE, given).await;
    assert_eq!(error_code(&stale), "CONFLICT");
    assert_eq!(stale["errors"][0]["extensions"]["currentVersion"], 2);

    // The audit names the real actor and holds the record before and after.
    let events = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Entity.eq("SurveyAdministration"))
        .order_by_asc(entity::audit_event::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(events.len(), 3, "two creates and one update");
    let update = events.last().unwrap();
    assert_eq!(
        (
            update.action.as_str(),
            update.actor_role.as_str(),
            update.actor_subject.as_str()
        ),
        ("UPDATE", "PRINCIPAL", principal_number.as_str())
    );
    assert_eq!(update.entity_id.as_deref(), Some(id));
    assert_eq!(update.before.as_ref().unwrap()["status"], "PLANNED");
    assert_eq!(update.after.as_ref().unwrap()["status"], "ADMINISTERED");
    assert_eq!(update.after.as_ref().unwrap()["response_count"], 21);
    assert!(events[0].before.is_none() && events[0].after.is_some());
}

const RECORD_ONE: &str = "mutation ($input: RecordTrainingCompletionInput!) {
    recordTrainingCompletion(input: $input) {
      trainingCompletion { id completedOn source course { code } }
      userErrors { field message code } } }";

const RECORD_MANY: &str = "mutation ($input: RecordTrainingCompletionsInput!) {
    recordTrainingCompletions(input: $input) {
      trainingCompletions { id completedOn }
      userErrors { field message code } } }";

async fn hr_records_training_completions_all_or_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    let school = d.school("SCH-A").await;
    let (p1, p2) = (
        d.employee_number(d.person(d.adult_group, school).await).await,
        d.employee_number(d.person(d.adult_group, school).await).await,
    );
    let hr = app.token(Role::Hr, &[], Some("E-HR"));
    let total = async || {
        let data = app.query_ok("{ trainingCompletions { totalCount } }", json!({})).await;
        data["trainingCompletions"]["totalCount"].as_u64().unwrap()
    };

    // A batch with one bad line records nothing and names each bad line's field.
    let batch = json!({ "input": { "completions": [
        { "employeeNumber": p1, "courseCode": "PM-101", "completedOn": "2026-01-10" },
        { "employeeNumber": "NOBODY", "courseCode": "PM-101", "completedOn": "2026-01-10" },
        { "employeeNumber": p2, "courseCode": "PM-101", "completedOn": "2999-01-01" },
    ] } });
    let refused = app.query_ok_as(Some(&hr), RECORD_MANY, batch).await;
    assert_eq!(
        user_errors(&refused["recordTrainingCompletions"]),
        [
            ("input.completions.1.employeeNumber".to_owned(), "UNKNOWN".to_owned()),
            ("input.completions.2.completedOn".to_owned(), "INVALID".to_owned())
        ]
    );
    assert_eq!(total().await, 0);

    let batch = json!({ "input": { "completions": [
        { "employeeNumber": p1, "courseCode": "PM-101", "completedOn": "2026-01-10" },
        { "employeeNumber": p2, "courseCode": "PM-101", "completedOn": "2026-01-11", "source": "LMS" },
    ] } });
    let recorded = app.query_ok_as(Some(&hr), RECORD_MANY, batch).await;
    assert_eq!(
        nodes_len(&recorded["recordTrainingCompletions"]["trainingCompletions"]),
        2
    );
    assert_eq!(total().await, 2);

    // One already recorded is TAKEN; a new one with a key is recorded once, however retried.
    let taken = json!({ "input": { "employeeNumber": p1, "courseCode": "PM-101", "completedOn": "2026-01-10" } });
    let taken = app.query_ok_as(Some(&hr), RECORD_ONE, taken).await;
    assert_eq!(
        user_errors(&taken["recordTrainingCompletion"]),
        [("input.completedOn".to_owned(), "TAKEN".to_owned())]
    );
    let keyed = json!({ "input": { "employeeNumber": p1, "courseCode": "PM-101", "completedOn": "2026-02-01",
                                   "idempotencyKey": "sheet-7" } });
    let first = app.query_ok_as(Some(&hr), RECORD_ONE, keyed.clone()).await;
    let second = app.query_ok_as(Some(&hr), RECORD_ONE, keyed).await;
    assert_eq!(first, second);
    assert_eq!(
        first["recordTrainingCompletion"]["trainingCompletion"]["source"],
        "STAFFGRAPH"
    );
    assert_eq!(total().await, 3);

    // A principal and an employee do not record training.
    let one = json!({ "input": { "employeeNumber": p2, "courseCode": "PM-101", "completedOn": "2026-03-01" } });
    for role in [Role::Principal, Role::Employee, Role::Analyst] {
        let token = app.token(role, &["SCH-A"], Some(&p2));
        assert_eq!(
            error_code(&app.graphql_as(Some(&token), RECORD_ONE, one.clone()).await),
            "FORBIDDEN"
        );
    }
    assert_eq!(error_code(&app.graphql_as(None, RECORD_ONE, one).await), "FORBIDDEN");
    let audited = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Entity.eq("TrainingCompletion"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(audited.len(), 3);
    assert!(
        audited
            .iter()
            .all(|e| e.actor_role == "HR" && e.actor_subject == "E-HR")
    );
}

fn nodes_len(list: &Value) -> usize {
    list.as_array().unwrap().len()
}

async fn an_evaluator_schedules_completes_rates_and_closes_an_evaluation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    let a = d.school("SCH-A").await;
    d.school("SCH-B").await;
    let teacher = d.evaluated_teacher(a, Eval::InProgress).await;
    d.section(a, teacher, SectionRole::TeacherOfRecord, 25).await;
    let teacher_number = d.employee_number(teacher).await;
    let principal = app.token(Role::Principal, &["SCH-A"], None);
    let data = app
        .query_ok(
            "{ evaluations { edges { node { id version } } } sections { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let evaluation = nodes(&data["evaluations"])[0]["id"].as_str().unwrap().to_owned();
    let section_id = nodes(&data["sections"])[0]["id"].as_str().unwrap().to_owned();

    let schedule = "mutation ($input: ScheduleEvaluationEventInput!) { scheduleEvaluationEvent(input: $input) {
        evaluationEvent { id status version kind section { id } } userErrors { field code } } }";
    let input = json!({ "input": { "evaluation": evaluation, "kind": "FORMAL_OBSERVATION",
                                   "occurredOn": "2026-02-03", "section": section_id } });
    // The evaluatee, HR and another school's principal may not schedule it.
    let employee = app.token(Role::Employee, &[], Some(&teacher_number));
    let hr = app.token(Role::Hr, &[], None);
    let elsewhere = app.token(Role::Principal, &["SCH-B"], None);
    assert_eq!(
        error_code(&app.graphql_as(Some(&employee), schedule, input.clone()).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&app.graphql_as(Some(&hr), schedule, input.clone()).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&app.graphql_as(Some(&elsewhere), schedule, input.clone()).await),
        "NOT_FOUND"
    );
    let scheduled = app.query_ok_as(Some(&principal), schedule, input.clone()).await;
    let event = &scheduled["scheduleEvaluationEvent"]["evaluationEvent"];
    assert_eq!(
        (event["status"].as_str(), event["version"].as_i64()),
        (Some("SCHEDULED"), Some(1))
    );
    assert_eq!(event["section"]["id"], section_id);
    let event_id = event["id"].as_str().unwrap().to_owned();
    let twice = app.query_ok_as(Some(&principal), schedule, input).await;
    assert_eq!(
        user_errors(&twice["scheduleEvaluationEvent"]),
        [("input.occurredOn".to_owned(), "TAKEN".to_owned())]
    );
    let outside = json!({ "input": { "evaluation": evaluation, "kind": "GROWTH_VISIT", "occurredOn": "2026-08-01" } });
    let outside = app.query_ok_as(Some(&principal), schedule, outside).await;
    assert_eq!(
        user_errors(&outside["scheduleEvaluationEvent"]),
        [("input.occurredOn".to_owned(), "INVALID".to_owned())]
    );

    let rate = "mutation ($input: RateElementsInput!) { rateElements(input: $input) {
        rated { evaluationEvent { version } elementRatings { feedback element { code } ratingLevel { label } } }
        userErrors { field code } } }";
    let ratings = |version: i64, level: &str| {
        json!({ "input": { "event": event_id, "expectedVersion": version, "ratings": [
            { "element": "1a1", "rating": level, "feedback": "Clear objectives." },
            { "element": "3b2", "rating": "Developing" } ] } })
    };
    // Ratings wait for the event to have taken place.
    let early = app.query_ok_as(Some(&principal), rate, ratings(1, "Effective")).await;
    assert_eq!(
        user_errors(&early["rateElements"]),
        [("input.id".to_owned(), "NOT_ALLOWED".to_owned())]
    );
    let complete = "mutation ($input: CompleteEvaluationEventInput!) { completeEvaluationEvent(input: $input) {
        evaluationEvent { status version } userErrors { field code } } }";
    let done = app
        .query_ok_as(
            Some(&principal),
            complete,
            json!({ "input": { "id": event_id, "expectedVersion": 1 } }),
        )
        .await;
    assert_eq!(done["completeEvaluationEvent"]["evaluationEvent"]["status"], "COMPLETE");
    assert_eq!(done["completeEvaluationEvent"]["evaluationEvent"]["version"], 2);

    let wrong = json!({ "input": { "event": event_id, "expectedVersion": 2, "ratings": [
        { "element": "9z9", "rating": "Effective" }, { "element": "1a1", "rating": "Superb" } ] } });
    let wrong = app.query_ok_as(Some(&principal), rate, wrong).await;
    assert_eq!(
        user_errors(&wrong["rateElements"]),
        [
            ("input.ratings.0.element".to_owned(), "UNKNOWN".to_owned()),
            ("input.ratings.1.rating".to_owned(), "UNKNOWN".to_owned())
        ]
    );
    // Two evaluators saving the same event at once: one is written, the other is CONFLICT.
    let (first, second) = tokio::join!(
        app.graphql_as(Some(&principal), rate, ratings(2, "Effective")),
        app.graphql_as(Some(app.admin_token()), rate, ratings(2, "Highly Effective")),
    );
    let codes = [&first, &second].map(|body| body.get("errors").map(|_| error_code(body).to_owned()));
    assert_eq!(
        codes.iter().filter(|c| c.as_deref() == Some("CONFLICT")).count(),
        1,
        "{first:#} {second:#}"
    );
    let won = if codes[0].is_none() { &first } else { &second };
    let rated = &won["data"]["rateElements"]["rated"];
    assert_eq!(rated["evaluationEvent"]["version"], 3);
    assert_eq!(rated["elementRatings"].as_array().unwrap().len(), 2);
    let stored = entity::element_rating::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(stored.len(), 2, "one save's ratings, not a mix of both");

    // The evaluation closes with a final rating from its framework's overall scale.
    let status = "mutation ($input: UpdateEvaluationStatusInput!) { updateEvaluationStatus(input: $input) {
        evaluation { status version completedOn finalRating { label } } userErrors { field code } } }";
    let unrated = json!({ "input": { "id": evaluation, "expectedVersion": 1, "status": "COMPLETE" } });
    let unrated = app.query_ok_as(Some(&principal), status, unrated).await;
    assert_eq!(
        user_errors(&unrated["updateEvaluationStatus"]),
        [("input.finalRating".to_owned(), "INVALID".to_owned())]
    );
    let closing = json!({ "input": { "id": evaluation, "expectedVersion": 1, "status": "COMPLETE",
                                     "finalRating": "Meets Standard Performance", "completedOn": "2026-05-01" } });
    let closed = app.query_ok_as(Some(&principal), status, closing).await;
    let closed = &closed["updateEvaluationStatus"]["evaluation"];
    assert_eq!(closed["status"], "COMPLETE");
    assert_eq!(closed["finalRating"]["label"], "Meets Standard Performance");
    assert_eq!(closed["version"], 2);
    // A closed evaluation takes no more events.
    let late = json!({ "input": { "evaluation": evaluation, "kind": "FINAL_CONFERENCE", "occurredOn": "2026-05-02" } });
    let late = app.query_ok_as(Some(&principal), schedule, late).await;
    assert_eq!(
        user_errors(&late["scheduleEvaluationEvent"]),
        [("input.evaluation".to_owned(), "NOT_ALLOWED".to_owned())]
    );
}
