//! ADMIN's writes of reference data (issue 15): surveys, evaluation cycles, which groups a
//! process serves, training courses and the training requirement's windows — each refused
//! field by field, stale versions refused, the retry with a key writing nothing new, every
//! write in the audit, and the measures that read the row moving at once. Then the audit read
//! back: ADMIN's trail, an evaluation's history for exactly those who see the evaluation, and
//! the role matrix of every mutation.

use crate::fixtures::{District, day};
use crate::helpers::{Backend, TestApp, error_code, nodes, user_errors};
use crate::on_both_databases;
use api::auth::Role;
use api::graphql::relay::encode_id;
use entity::enums::{AdministrationStatus, EvaluationStatus as Eval, SectionRole};
use serde_json::{Value, json};
use std::collections::BTreeSet;

on_both_databases!(
    admin_creates_and_changes_surveys_with_every_refusal_on_its_field,
    admin_sets_cycles_groups_courses_and_windows_and_the_measures_move,
    an_evaluations_history_is_read_by_exactly_those_who_see_the_evaluation,
    every_mutation_refuses_the_roles_it_is_not_for,
);

const CREATE_SURVEY: &str = "mutation ($input: CreateSurveyInput!) { createSurvey(input: $input) {
    survey { id code title version minReportN windowStart windowEnd } userErrors { field message code } } }";

const UPDATE_SURVEY: &str = "mutation ($input: UpdateSurveyInput!) { updateSurvey(input: $input) {
    survey { id version minReportN windowStart } userErrors { field message code } } }";

const AUDIT: &str = "query ($filter: AuditFilter) { auditEvents(filter: $filter, first: 100) {
    totalCount edges { node { id action entity entityId actorSubject actorRole before after } } } }";

/// ADMIN's audit rows matching `filter`, newest first.
async fn audit(app: &TestApp, filter: Value) -> Vec<Value> {
    nodes(&app.query_ok(AUDIT, json!({ "filter": filter })).await["auditEvents"])
}

/// A district measure of 2026 as ADMIN reads it: (numerator, denominator).
async fn figures(app: &TestApp, code: &str) -> (f64, f64) {
    let data = app
        .query_ok(
            "query ($code: String!) { planMeasures(schoolYear: 2026, codes: [$code]) { numerator denominator } }",
            json!({ "code": code }),
        )
        .await;
    let m = &data["planMeasures"][0];
    (m["numerator"].as_f64().unwrap(), m["denominator"].as_f64().unwrap())
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(f, c)| ((*f).to_owned(), (*c).to_owned())).collect()
}

async fn admin_creates_and_changes_surveys_with_every_refusal_on_its_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    let school = d.school("SCH-A").await;
    let teacher = d.evaluated_teacher(school, Eval::InProgress).await;
    let section = d.section(school, teacher, SectionRole::TeacherOfRecord, 25).await;
    d.administer(section, teacher, AdministrationStatus::Administered, 20)
        .await;

    // A new survey, its code trimmed; the retry with its key answers the same and writes once.
    let input = json!({ "input": { "code": " SFS-2027 ", "title": "Stakeholder Feedback Survey 2027",
        "kind": "STAKEHOLDER_FEEDBACK", "schoolYear": 2027, "windowStart": "2027-02-01",
        "windowEnd": "2027-04-30", "idempotencyKey": "sfs-2027" } });
    let created = app.query_ok(CREATE_SURVEY, input.clone()).await["createSurvey"].clone();
    assert_eq!(user_errors(&created), []);
    let survey = &created["survey"];
    assert_eq!(
        (&survey["code"], &survey["version"], &survey["minReportN"]),
        (&json!("SFS-2027"), &json!(1), &json!(10)),
        "trimmed, version 1, the default floor of 10"
    );
    let retried = app.query_ok(CREATE_SURVEY, input).await;
    assert_eq!(retried["createSurvey"]["survey"]["id"], survey["id"]);
    let rows = audit(&app, json!({ "entity": "Survey" })).await;
    assert_eq!(rows.len(), 1, "one create, however many retries: {rows:#?}");
    assert_eq!(
        (&rows[0]["action"], &rows[0]["actorRole"], &rows[0]["entityId"]),
        (&json!("CREATE"), &json!("ADMIN"), &survey["id"])
    );
    assert_eq!(rows[0]["before"], Value::Null);
    assert_eq!(rows[0]["after"]["code"], "SFS-2027");

    // The code taken; then every problem of one input at once, and nothing written.
    let taken = json!({ "input": { "code": "SFS-2027", "title": "Again", "kind": "OTHER",
        "schoolYear": 2027, "windowStart": "2027-02-01", "windowEnd": "2027-04-30" } });
    let taken = app.query_ok(CREATE_SURVEY, taken).await;
    assert_eq!(user_errors(&taken["createSurvey"]), pairs(&[("input.code", "TAKEN")]));
    // A second SFS of 2027 would leave the measures to pick one: refused.
    let second = json!({ "input": { "code": "SFS-2027-B", "title": "Again", "kind": "STAKEHOLDER_FEEDBACK",
        "schoolYear": 2027, "windowStart": "2027-02-01", "windowEnd": "2027-04-30" } });
    let second = app.query_ok(CREATE_SURVEY, second).await;
    assert_eq!(user_errors(&second["createSurvey"]), pairs(&[("input.kind", "TAKEN")]));
    let bad = json!({ "input": { "code": "SES-2027", "title": "  ", "kind": "SCHOOL_EXPERIENCE",
        "schoolYear": 2027, "windowStart": "2027-05-01", "windowEnd": "2026-04-01", "minReportN": 0 } });
    let bad = app.query_ok(CREATE_SURVEY, bad).await;
    assert_eq!(bad["createSurvey"]["survey"], Value::Null);
    assert_eq!(
        user_errors(&bad["createSurvey"]),
        pairs(&[
            ("input.title", "INVALID"),
            ("input.windowEnd", "INVALID"),
            ("input.windowEnd", "INVALID"),
            ("input.minReportN", "INVALID"),
        ]),
        "a blank title, a last day outside the year and before the first, a floor of 0"
    );
    let year = json!({ "input": { "code": "X-1990", "title": "Old", "kind": "OTHER", "schoolYear": 1900,
        "windowStart": "2027-02-01", "windowEnd": "2027-04-30" } });
    let year = app.query_ok(CREATE_SURVEY, year).await;
    assert_eq!(
        user_errors(&year["createSurvey"]),
        pairs(&[("input.schoolYear", "INVALID")])
    );
    assert_eq!(audit(&app, json!({ "entity": "Survey" })).await.len(), 1);

    // The 2026 survey: a window leaving out the classroom given on 1 March is refused; a new
    // floor is written at version 2, and the stale version 1 is then a CONFLICT.
    let sfs_2026 = encode_id("Survey", d.sfs).to_string();
    let narrow = json!({ "input": { "id": sfs_2026, "expectedVersion": 1, "windowStart": "2026-03-15" } });
    let narrow = app.query_ok(UPDATE_SURVEY, narrow).await;
    assert_eq!(
        user_errors(&narrow["updateSurvey"]),
        pairs(&[("input.windowStart", "NOT_ALLOWED")])
    );
    let floor = json!({ "input": { "id": sfs_2026, "expectedVersion": 1, "minReportN": 12 } });
    let updated = app.query_ok(UPDATE_SURVEY, floor.clone()).await;
    let updated = &updated["updateSurvey"]["survey"];
    assert_eq!((&updated["version"], &updated["minReportN"]), (&json!(2), &json!(12)));
    let stale = app.graphql(UPDATE_SURVEY, floor).await;
    assert_eq!(error_code(&stale), "CONFLICT", "{stale:#}");
    assert_eq!(stale["errors"][0]["extensions"]["currentVersion"], 2);
    let rows = audit(&app, json!({ "entity": "Survey", "entityId": sfs_2026 })).await;
    assert_eq!(rows.len(), 1, "the refused writes left no row: {rows:#?}");
    assert_eq!(
        (
            &rows[0]["action"],
            &rows[0]["before"]["min_report_n"],
            &rows[0]["after"]["min_report_n"]
        ),
        (&json!("UPDATE"), &json!(10), &json!(12))
    );
}

async fn admin_sets_cycles_groups_courses_and_windows_and_the_measures_move(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    let school = d.school("SCH-A").await;
    d.evaluated_teacher(school, Eval::InProgress).await;
    d.person(d.adult_group, school).await;

    // Cycles: one per process and year, its days inside the year and in order.
    let create = "mutation ($input: CreateEvaluationCycleInput!) { createEvaluationCycle(input: $input) {
        evaluationCycle { id schoolYear version } userErrors { field code } } }";
    let cycle = |process: &str, year: i32, cutoff: &str, due: &str| json!({ "input": { "process": process, "schoolYear": year, "rosterCutoff": cutoff, "finalDueDate": due } });
    let taken = app
        .query_ok(create, cycle("EDST", 2026, "2025-10-01", "2026-05-15"))
        .await;
    assert_eq!(
        user_errors(&taken["createEvaluationCycle"]),
        pairs(&[("input.schoolYear", "TAKEN")])
    );
    let unknown = app
        .query_ok(create, cycle("NOPE", 2027, "2026-10-01", "2027-05-15"))
        .await;
    assert_eq!(
        user_errors(&unknown["createEvaluationCycle"]),
        pairs(&[("input.process", "UNKNOWN")])
    );
    let created = app
        .query_ok(create, cycle("EDST", 2027, "2026-10-01", "2027-05-15"))
        .await;
    let created = &created["createEvaluationCycle"]["evaluationCycle"];
    assert_eq!((&created["schoolYear"], &created["version"]), (&json!(2027), &json!(1)));
    let update = "mutation ($input: UpdateEvaluationCycleInput!) { updateEvaluationCycle(input: $input) {
        evaluationCycle { finalDueDate version } userErrors { field code } } }";
    let early = json!({ "input": { "id": created["id"], "expectedVersion": 1, "finalDueDate": "2026-06-01" } });
    let early = app.query_ok(update, early).await;
    assert_eq!(
        user_errors(&early["updateEvaluationCycle"]),
        pairs(&[("input.finalDueDate", "INVALID"), ("input.finalDueDate", "INVALID")]),
        "outside the school year, and before the roster cutoff"
    );
    let moved = json!({ "input": { "id": created["id"], "expectedVersion": 1, "finalDueDate": "2027-06-01" } });
    let moved = app.query_ok(update, moved).await;
    assert_eq!(
        moved["updateEvaluationCycle"]["evaluationCycle"],
        json!({ "finalDueDate": "2027-06-01", "version": 2 })
    );

    // Groups: EDST (multiple measures) comes to serve ADT as well, and group coverage is whole.
    assert_eq!(figures(&app, "MULTIPLE_MEASURES").await, (1.0, 2.0));
    let processes = app
        .query_ok("{ evaluationProcesses { id code version } }", json!({}))
        .await["evaluationProcesses"]
        .clone();
    let edst = processes
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "EDST")
        .unwrap()
        .clone();
    let set = "mutation ($input: SetEvaluationProcessGroupsInput!) { setEvaluationProcessGroups(input: $input) {
        evaluationProcess { version employeeGroups { code } } userErrors { field code } } }";
    let groups = |codes: Value, version: &Value| json!({ "input": { "id": edst["id"], "expectedVersion": version, "employeeGroups": codes } });
    let unknown = app
        .query_ok(set, groups(json!(["TCH", "NOPE"]), &edst["version"]))
        .await;
    assert_eq!(
        user_errors(&unknown["setEvaluationProcessGroups"]),
        pairs(&[("input.employeeGroups", "UNKNOWN")])
    );
    let both = app
        .query_ok(set, groups(json!(["TCH", " ADT"]), &edst["version"]))
        .await;
    assert_eq!(
        both["setEvaluationProcessGroups"]["evaluationProcess"],
        json!({ "version": 2, "employeeGroups": [{ "code": "TCH" }, { "code": "ADT" }] })
    );
    assert_eq!(figures(&app, "MULTIPLE_MEASURES").await, (2.0, 2.0));
    let stale = app.graphql(set, groups(json!(["TCH"]), &edst["version"])).await;
    assert_eq!(error_code(&stale), "CONFLICT");
    assert_eq!(
        figures(&app, "MULTIPLE_MEASURES").await,
        (2.0, 2.0),
        "the stale write changed nothing"
    );
    let rows = audit(&app, json!({ "entity": "EvaluationProcess" })).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (
            &rows[0]["before"]["employee_groups"],
            &rows[0]["after"]["employee_groups"]
        ),
        (&json!(["TCH"]), &json!(["ADT", "TCH"]))
    );

    // The requirement's window: a completion 200 days after entry is LATE at 180 days and on
    // time at 365.
    let supervisor = d.person(d.adult_group, school).await;
    d.assign(supervisor, school, true, day("2025-09-01"), None).await;
    d.complete_pm(supervisor, day("2026-03-20")).await;
    assert_eq!(figures(&app, "SUPERVISOR_TRAINING").await, (0.0, 1.0));
    let requirement = app
        .query_ok("{ trainingRequirements { id version windowDays } }", json!({}))
        .await["trainingRequirements"][0]
        .clone();
    assert_eq!(requirement["windowDays"], 180);
    let window = "mutation ($input: UpdateTrainingRequirementInput!) { updateTrainingRequirement(input: $input) {
        trainingRequirement { windowDays version } userErrors { field code } } }";
    let zero = json!({ "input": { "id": requirement["id"], "expectedVersion": 1, "windowDays": 0,
                                  "priorValidDays": -1 } });
    let zero = app.query_ok(window, zero).await;
    assert_eq!(
        user_errors(&zero["updateTrainingRequirement"]),
        pairs(&[("input.windowDays", "INVALID"), ("input.priorValidDays", "INVALID")])
    );
    let year = json!({ "input": { "id": requirement["id"], "expectedVersion": 1, "windowDays": 365 } });
    let year = app.query_ok(window, year).await;
    assert_eq!(
        year["updateTrainingRequirement"]["trainingRequirement"],
        json!({ "windowDays": 365, "version": 2 })
    );
    assert_eq!(figures(&app, "SUPERVISOR_TRAINING").await, (1.0, 1.0));

    // Courses: a course first filed as OTHER, then recategorized as WELLNESS, brings its
    // completion into WELLNESS_PD.
    let create = "mutation ($input: CreateTrainingCourseInput!) { createTrainingCourse(input: $input) {
        trainingCourse { id code version } userErrors { field code } } }";
    let course = |code: &str, hours: f64| json!({ "input": { "code": code, "title": "Mindfulness", "category": "OTHER", "hours": hours } });
    let taken = app.query_ok(create, course("PM-101", 2.0)).await;
    assert_eq!(
        user_errors(&taken["createTrainingCourse"]),
        pairs(&[("input.code", "TAKEN")])
    );
    let none = app.query_ok(create, course("YOGA-1", 0.0)).await;
    assert_eq!(
        user_errors(&none["createTrainingCourse"]),
        pairs(&[("input.hours", "INVALID")])
    );
    let yoga = app.query_ok(create, course("YOGA-1", 1.5)).await["createTrainingCourse"]["trainingCourse"].clone();
    let taker = d.person(d.teachers_group, school).await;
    let yoga_id = app
        .query_ok("{ trainingCourse(code: \"YOGA-1\") { id } }", json!({}))
        .await["trainingCourse"]["id"]
        .clone();
    assert_eq!(yoga_id, yoga["id"]);
    let yoga_row = entity_id(&yoga_id);
    d.complete(taker, yoga_row, day("2026-01-10")).await;
    let before = figures(&app, "WELLNESS_PD").await;
    let recategorize = "mutation ($input: UpdateTrainingCourseInput!) { updateTrainingCourse(input: $input) {
        trainingCourse { category version } userErrors { field code } } }";
    let wellness = json!({ "input": { "id": yoga["id"], "expectedVersion": 1, "category": "WELLNESS" } });
    let wellness = app.query_ok(recategorize, wellness).await;
    assert_eq!(
        wellness["updateTrainingCourse"]["trainingCourse"],
        json!({ "category": "WELLNESS", "version": 2 })
    );
    let after = figures(&app, "WELLNESS_PD").await;
    assert_eq!((before.0, after.0), (0.0, 1.0), "{before:?} → {after:?}");
}

/// The row id behind a global id.
fn entity_id(id: &Value) -> i32 {
    let (_, row) = api::graphql::relay::decode_id(&async_graphql::ID(id.as_str().unwrap().to_owned()), "id").unwrap();
    row
}

async fn an_evaluations_history_is_read_by_exactly_those_who_see_the_evaluation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    let (a, b) = (d.school("SCH-A").await, d.school("SCH-B").await);
    let teacher = d.evaluated_teacher(a, Eval::InProgress).await;
    let teacher_number = d.employee_number(teacher).await;
    let principal_number = d.employee_number(d.person(d.adult_group, a).await).await;
    let principal = app.token(Role::Principal, &["SCH-A"], Some(&principal_number));
    let evaluation = nodes(
        &app.query_ok("{ evaluations { edges { node { id } } } }", json!({}))
            .await["evaluations"],
    )[0]["id"]
        .clone();
    let withdraw = "mutation ($input: UpdateEvaluationStatusInput!) { updateEvaluationStatus(input: $input) {
        evaluation { status } userErrors { field code } } }";
    let input = json!({ "input": { "id": evaluation, "expectedVersion": 1, "status": "WITHDRAWN",
                                   "reason": "Left the district in January" } });
    let done = app.query_ok_as(Some(&principal), withdraw, input).await;
    assert_eq!(done["updateEvaluationStatus"]["evaluation"]["status"], "WITHDRAWN");
    // A survey change by ADMIN: in the trail, never in anyone's history.
    let floor = json!({ "input": { "id": encode_id("Survey", d.sfs).to_string(), "expectedVersion": 1,
                                   "minReportN": 11 } });
    app.query_ok(UPDATE_SURVEY, floor).await;

    let history = "query ($id: ID!) { node(id: $id) { ... on Evaluation {
        history { totalCount edges { node { id action actorSubject actorRole before after } } } } } }";
    let read = |token: Option<String>| {
        let app = &app;
        let evaluation = evaluation.clone();
        async move {
            app.query_ok_as(token.as_deref(), history, json!({ "id": evaluation }))
                .await["node"]
                .clone()
        }
    };
    let seen = read(Some(principal.clone())).await;
    let rows = nodes(&seen["history"]);
    assert_eq!(rows.len(), 1, "{seen:#}");
    assert_eq!(
        (&rows[0]["action"], &rows[0]["actorSubject"], &rows[0]["actorRole"]),
        (&json!("UPDATE"), &json!(principal_number), &json!("PRINCIPAL"))
    );
    assert_eq!(
        (&rows[0]["before"]["status"], &rows[0]["after"]["status"]),
        (&json!("IN_PROGRESS"), &json!("WITHDRAWN"))
    );
    assert_eq!(rows[0]["after"]["withdrawn_reason"], "Left the district in January");
    // HR and the evaluatee see the evaluation, so its history; ADMIN too.
    let hr = app.token(Role::Hr, &[], None);
    let employee = app.token(Role::Employee, &[], Some(&teacher_number));
    for token in [hr.clone(), app.admin_token().to_owned()] {
        assert_eq!(nodes(&read(Some(token)).await["history"]), rows);
    }
    // The evaluatee reads what changed, but not who changed it nor who evaluates them: the
    // evaluation itself hides its evaluator from them.
    let own = nodes(&read(Some(employee)).await["history"]);
    assert_eq!(own.len(), 1);
    assert_eq!(
        (&own[0]["action"], &own[0]["actorSubject"]),
        (&json!("UPDATE"), &Value::Null)
    );
    assert_eq!(own[0]["after"]["status"], "WITHDRAWN");
    assert!(own[0]["after"].get("evaluator_id").is_none(), "{:#}", own[0]);
    assert!(rows[0]["after"].get("evaluator_id").is_some());
    // Another school's principal, an analyst and the public see no evaluation and no history,
    // not even by the audit row's own id.
    let elsewhere = app.token(Role::Principal, &["SCH-B"], None);
    let analyst = app.token(Role::Analyst, &[], None);
    let _ = b;
    let row_id = rows[0]["id"].clone();
    for token in [Some(elsewhere), Some(analyst), None] {
        assert_eq!(read(token.clone()).await, Value::Null);
        let node = app
            .query_ok_as(
                token.as_deref(),
                "query ($id: ID!) { node(id: $id) { id } }",
                json!({ "id": row_id }),
            )
            .await;
        assert_eq!(node["node"], Value::Null);
    }
    // The principal reads the evaluation's audit row by id, but not ADMIN's survey row; only
    // ADMIN reads the trail.
    let by_id = "query ($id: ID!) { node(id: $id) { id } }";
    let own = app.query_ok_as(Some(&principal), by_id, json!({ "id": row_id })).await;
    assert_eq!(own["node"]["id"], row_id);
    let survey_row = audit(&app, json!({ "entity": "Survey" })).await[0]["id"].clone();
    let other = app
        .query_ok_as(Some(&principal), by_id, json!({ "id": survey_row }))
        .await;
    assert_eq!(other["node"], Value::Null);
    for token in [principal.as_str(), hr.as_str()] {
        assert_eq!(
            error_code(&app.graphql_as(Some(token), AUDIT, json!({})).await),
            "FORBIDDEN"
        );
    }
    let trail = audit(&app, json!({ "actor": principal_number })).await;
    assert_eq!(trail.len(), 1);
    let everything = audit(&app, json!({})).await;
    let entities: BTreeSet<&str> = everything.iter().map(|r| r["entity"].as_str().unwrap()).collect();
    assert_eq!(entities, BTreeSet::from(["Evaluation", "Survey"]));
    assert_eq!(everything[0]["entity"], "Survey", "newest first");
    let later = audit(&app, json!({ "from": "2100-01-01T00:00:00Z" })).await;
    assert_eq!(later, Vec::<Value>::new());
}

/// Each mutation with an input that names a real-looking record, and the roles that may send
/// it; every other role is refused before anything is read.
fn matrix() -> Vec<(&'static str, &'static str, Value, &'static [Role])> {
    use Role::*;
    let id = |t: &str| encode_id(t, 1).to_string();
    let doc = |name: &str, input: &str| -> &'static str {
        Box::leak(
            format!("mutation ($input: {input}!) {{ {name}(input: $input) {{ userErrors {{ code }} }} }}")
                .into_boxed_str(),
        )
    };
    let evaluators: &'static [Role] = &[Admin, Principal];
    let admin: &'static [Role] = &[Admin];
    let training: &'static [Role] = &[Admin, Hr];
    vec![
        (
            "planSurveyAdministrations",
            doc("planSurveyAdministrations", "PlanSurveyAdministrationsInput"),
            json!({ "school": "SCH-A", "survey": "SFS-2026" }),
            evaluators,
        ),
        (
            "updateSurveyAdministration",
            doc("updateSurveyAdministration", "UpdateSurveyAdministrationInput"),
            json!({ "id": id("SurveyAdministration"), "expectedVersion": 1 }),
            evaluators,
        ),
        (
            "scheduleEvaluationEvent",
            doc("scheduleEvaluationEvent", "ScheduleEvaluationEventInput"),
            json!({ "evaluation": id("Evaluation"), "kind": "GROWTH_VISIT", "occurredOn": "2026-01-05" }),
            evaluators,
        ),
        (
            "completeEvaluationEvent",
            doc("completeEvaluationEvent", "CompleteEvaluationEventInput"),
            json!({ "id": id("EvaluationEvent"), "expectedVersion": 1 }),
            evaluators,
        ),
        (
            "rateElements",
            doc("rateElements", "RateElementsInput"),
            json!({ "event": id("EvaluationEvent"), "expectedVersion": 1,
                    "ratings": [{ "element": "1a1", "rating": "Effective" }] }),
            evaluators,
        ),
        (
            "updateEvaluationStatus",
            doc("updateEvaluationStatus", "UpdateEvaluationStatusInput"),
            json!({ "id": id("Evaluation"), "expectedVersion": 1, "status": "IN_PROGRESS" }),
            evaluators,
        ),
        (
            "recordTrainingCompletion",
            doc("recordTrainingCompletion", "RecordTrainingCompletionInput"),
            json!({ "employeeNumber": "E1", "courseCode": "PM-101", "completedOn": "2026-01-05" }),
            training,
        ),
        (
            "recordTrainingCompletions",
            doc("recordTrainingCompletions", "RecordTrainingCompletionsInput"),
            json!({ "completions": [{ "employeeNumber": "E1", "courseCode": "PM-101", "completedOn": "2026-01-05" }] }),
            training,
        ),
        (
            "createSurvey",
            doc("createSurvey", "CreateSurveyInput"),
            json!({ "code": "S", "title": "S", "kind": "OTHER", "schoolYear": 2027,
                    "windowStart": "2027-02-01", "windowEnd": "2027-03-01" }),
            admin,
        ),
        (
            "updateSurvey",
            doc("updateSurvey", "UpdateSurveyInput"),
            json!({ "id": id("Survey"), "expectedVersion": 1, "minReportN": 20 }),
            admin,
        ),
        (
            "createEvaluationCycle",
            doc("createEvaluationCycle", "CreateEvaluationCycleInput"),
            json!({ "process": "EDST", "schoolYear": 2027, "rosterCutoff": "2026-10-01",
                    "finalDueDate": "2027-05-15" }),
            admin,
        ),
        (
            "updateEvaluationCycle",
            doc("updateEvaluationCycle", "UpdateEvaluationCycleInput"),
            json!({ "id": id("EvaluationCycle"), "expectedVersion": 1, "finalDueDate": "2026-05-20" }),
            admin,
        ),
        (
            "setEvaluationProcessGroups",
            doc("setEvaluationProcessGroups", "SetEvaluationProcessGroupsInput"),
            json!({ "id": id("EvaluationProcess"), "expectedVersion": 1, "employeeGroups": [] }),
            admin,
        ),
        (
            "createTrainingCourse",
            doc("createTrainingCourse", "CreateTrainingCourseInput"),
            json!({ "code": "C", "title": "C", "category": "OTHER", "hours": 1.0 }),
            admin,
        ),
        (
            "updateTrainingCourse",
            doc("updateTrainingCourse", "UpdateTrainingCourseInput"),
            json!({ "id": id("TrainingCourse"), "expectedVersion": 1, "hours": 2.0 }),
            admin,
        ),
        (
            "updateTrainingRequirement",
            doc("updateTrainingRequirement", "UpdateTrainingRequirementInput"),
            json!({ "id": id("TrainingRequirement"), "expectedVersion": 1, "windowDays": 90 }),
            admin,
        ),
    ]
}

async fn every_mutation_refuses_the_roles_it_is_not_for(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    let school = d.school("SCH-A").await;
    let number = d.employee_number(d.person(d.teachers_group, school).await).await;
    let matrix = matrix();
    // Every mutation of the schema is in the matrix (importCsv, a multipart upload, has its own
    // in the import tests), so a new one cannot ship without its roles.
    let data = app
        .query_ok("{ __schema { mutationType { fields { name } } } }", json!({}))
        .await;
    let schema: BTreeSet<&str> = data["__schema"]["mutationType"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .filter(|name| *name != "importCsv")
        .collect();
    let listed: BTreeSet<&str> = matrix.iter().map(|(name, ..)| *name).collect();
    assert_eq!(schema, listed);
    let roles = [
        (Role::Hr, Some(app.token(Role::Hr, &[], None))),
        (Role::Analyst, Some(app.token(Role::Analyst, &[], None))),
        (Role::Principal, Some(app.token(Role::Principal, &["SCH-A"], None))),
        (Role::Employee, Some(app.token(Role::Employee, &[], Some(&number)))),
        (Role::Public, None),
    ];
    let before = audit(&app, json!({})).await.len();
    for (name, document, input, allowed) in &matrix {
        for (role, token) in &roles {
            if allowed.contains(role) {
                continue;
            }
            let body = app
                .graphql_as(token.as_deref(), document, json!({ "input": input }))
                .await;
            assert_eq!(error_code(&body), "FORBIDDEN", "{name} as {role:?}: {body:#}");
            assert_eq!(body["data"][name], Value::Null, "{name} as {role:?}");
        }
    }
    assert_eq!(
        audit(&app, json!({})).await.len(),
        before,
        "no refused write left a trace"
    );
}
