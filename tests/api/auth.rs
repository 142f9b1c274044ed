//! Who may see what (DESIGN.md §4), per role, on every path: top-level lists and their totals,
//! `node(id:)` and `nodes(ids:)`, nested fields, measures and their lists — including what a
//! curious user would try.

use crate::fixtures::{District, day};
use crate::helpers::{Backend, TestApp, error_code, nodes};
use crate::on_both_databases;
use api::auth::Role;
use entity::enums::{AdministrationStatus as Admin, EvaluationStatus as Eval, SectionRole, ServiceType};
use serde_json::{Value, json};

on_both_databases!(
    bad_tokens_are_refused_with_401_and_never_taken_for_public,
    viewer_reports_subject_role_and_schools,
    public_sees_district_and_region_measures_with_small_groups_withheld_and_no_people,
    analyst_sees_every_aggregate_and_no_person_level_rows,
    hr_sees_staff_evaluation_status_and_training_but_no_element_ratings,
    principal_sees_their_school_and_another_schools_records_do_not_exist,
    employee_sees_only_their_own_records,
    differencing_overlapping_breakdowns_does_not_reveal_a_withheld_ease_count,
    survey_results_withhold_small_groups_their_complement_and_their_parts,
    a_teachers_sfs_results_are_for_the_teacher_and_their_evaluator_only,
    every_top_level_list_shows_each_role_what_the_policy_says,
    a_group_withheld_above_stays_withheld_at_every_level_below,
    a_principal_does_not_learn_where_else_the_people_they_see_work,
);

/// The total of a top-level list as a viewer sees it.
async fn total_as(app: &TestApp, token: Option<&str>, field: &str) -> u64 {
    let data = app
        .query_ok_as(token, &format!("{{ {field} {{ totalCount }} }}"), json!({}))
        .await;
    data[field]["totalCount"].as_u64().unwrap()
}

/// Global ids of the first `n` rows of a list, as ADMIN sees them.
async fn ids(app: &TestApp, field: &str, args: &str, n: usize) -> Vec<String> {
    let data = app
        .query_ok(
            &format!("{{ {field}(first: {n} {args}) {{ edges {{ node {{ id }} }} }} }}"),
            json!({}),
        )
        .await;
    nodes(&data[field])
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

/// `nodes(ids:)` as a viewer: how many came back non-null.
async fn visible_nodes(app: &TestApp, token: Option<&str>, ids: &[String]) -> usize {
    let data = app
        .query_ok_as(
            token,
            "query ($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": ids }),
        )
        .await;
    data["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| !n.is_null())
        .count()
}

const PERSON_LISTS: [&str; 5] = [
    "staff",
    "evaluations",
    "surveyAdministrations",
    "trainingCompletions",
    "sections",
];

async fn bad_tokens_are_refused_with_401_and_never_taken_for_public(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let query = "{ viewer { role } }";
    let expired = {
        let mut claims =
            api::auth::token::Claims::new(Role::Admin, vec![], None, std::time::Duration::from_secs(60)).unwrap();
        claims.exp -= 7200;
        app.keys.mint(&claims).unwrap()
    };
    let foreign = crate::helpers::token(
        &api::auth::token::Keys::from_secret("another secret"),
        Role::Admin,
        &[],
        None,
    );
    let unknown_role = {
        // A well-signed token whose role is not one of the six.
        let claims = json!({ "role": "SUPERUSER", "exp": 4_102_444_800u64 });
        jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(crate::helpers::TEST_SECRET.as_bytes()),
        )
        .unwrap()
    };
    for (what, token) in [
        ("expired", expired.as_str()),
        ("signed by another secret", foreign.as_str()),
        ("malformed", "not-a-jwt"),
        ("unknown role", unknown_role.as_str()),
    ] {
        let response = app.post_as(Some(token), query, json!({})).await;
        assert_eq!(response.status(), 401, "{what}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{what}");
        assert!(body.get("data").is_none_or(Value::is_null), "{what}: no data");
    }
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("authorization", "Basic dXNlcjpwYXNz")
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "a non-bearer Authorization header");
    // No header at all is PUBLIC.
    assert_eq!(
        app.query_ok_as(None, query, json!({})).await["viewer"]["role"],
        "PUBLIC"
    );
}

async fn viewer_reports_subject_role_and_schools(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let principal = app.token(Role::Principal, &["SCH-101"], Some("E100001"));
    let data = app
        .query_ok_as(Some(&principal), "{ viewer { subject role schools } }", json!({}))
        .await;
    assert_eq!(
        data["viewer"],
        json!({ "subject": "E100001", "role": "PRINCIPAL", "schools": ["SCH-101"] })
    );
}

async fn public_sees_district_and_region_measures_with_small_groups_withheld_and_no_people(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    let school = d.school("SCH-A").await;
    let teacher = d.evaluated_teacher(school, Eval::InProgress).await;
    for i in 0..4 {
        let section = d.section(school, teacher, SectionRole::TeacherOfRecord, 25).await;
        if i < 3 {
            d.administer(section, teacher, Admin::Administered, 20).await;
        }
    }
    let query = r#"{ planMeasures(schoolYear: 2026, organization: "RGN", codes: ["SFS_COVERAGE"]) {
        numerator denominator rate suppressed suppressionReason breakdown { numerator suppressed suppressionReason } } }"#;
    let public = app.query_ok_as(None, query, json!({})).await["planMeasures"][0].clone();
    assert_eq!(
        public["suppressed"], true,
        "4 classrooms is a small group for the public"
    );
    assert_eq!(public["suppressionReason"], "SMALL_GROUP");
    assert_eq!(
        (public["numerator"].clone(), public["rate"].clone()),
        (Value::Null, Value::Null)
    );
    assert_eq!(public["breakdown"][0]["suppressed"], true);
    let admin = app.query_ok(query, json!({})).await["planMeasures"][0].clone();
    assert_eq!(
        (admin["numerator"].as_f64(), admin["suppressed"].as_bool()),
        (Some(3.0), Some(false))
    );

    // Schools are not the public's level; people never are.
    let body = app
        .graphql_as(
            None,
            r#"{ planMeasures(schoolYear: 2026, organization: "SCH-A") { code } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    for list in PERSON_LISTS {
        assert_eq!(total_as(&app, None, list).await, 0, "PUBLIC sees no {list}");
    }
    let staff = ids(&app, "staff", "", 5).await;
    assert_eq!(visible_nodes(&app, None, &staff).await, 0);
    for query in [
        "{ supervisorTraining(schoolYear: 2026) { rate } }",
        r#"{ sfsCoverage(schoolYear: 2026) { notAdministered { totalCount } } }"#,
    ] {
        let body = app.graphql_as(None, query, json!({})).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{query}");
    }
    // The organization tree and the rubrics are public.
    assert!(total_as(&app, None, "organizations").await >= 3);
}

async fn analyst_sees_every_aggregate_and_no_person_level_rows(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let analyst = app.token(Role::Analyst, &[], None);
    let analyst = Some(analyst.as_str());
    for list in ["staff", "evaluations", "surveyAdministrations", "trainingCompletions"] {
        assert_eq!(total_as(&app, analyst, list).await, 0, "ANALYST sees no {list}");
    }
    let people = [ids(&app, "staff", "", 3).await, ids(&app, "evaluations", "", 3).await].concat();
    assert_eq!(visible_nodes(&app, analyst, &people).await, 0);
    // Nested paths lead to no one either.
    let data = app
        .query_ok_as(
            analyst,
            r#"{ organization(code: "SCH-101") { staff { totalCount } evaluations { totalCount } sections(first: 1) { totalCount edges { node { teachers { totalCount } administrations { totalCount } } } } } }"#,
            json!({}),
        )
        .await;
    let school = &data["organization"];
    assert_eq!(
        (
            school["staff"]["totalCount"].as_u64(),
            school["evaluations"]["totalCount"].as_u64()
        ),
        (Some(0), Some(0))
    );
    assert!(
        school["sections"]["totalCount"].as_u64().unwrap() > 0,
        "classrooms are not people"
    );
    let section = &nodes(&school["sections"])[0];
    assert_eq!(
        (
            section["teachers"]["totalCount"].as_u64(),
            section["administrations"]["totalCount"].as_u64()
        ),
        (Some(0), Some(0))
    );
    // Every aggregate, at every level, unsuppressed.
    let data = app
        .query_ok_as(
            analyst,
            r#"{ planMeasures(schoolYear: 2026, organization: "SCH-101") { code rate suppressed }
                supervisorTraining(schoolYear: 2026, asOf: "2026-03-01") { rate counts { count } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["planMeasures"].as_array().unwrap().len(), 7);
    assert!(data["supervisorTraining"]["rate"].is_number());
    let body = app
        .graphql_as(
            analyst,
            "{ supervisorTraining(schoolYear: 2026) { entries { totalCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "the entries name people");
}

async fn hr_sees_staff_evaluation_status_and_training_but_no_element_ratings(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let hr = app.token(Role::Hr, &[], None);
    let hr = Some(hr.as_str());
    for list in ["staff", "evaluations", "trainingCompletions"] {
        let admin_total = total_as(&app, None, list).await;
        assert_eq!(admin_total, 0, "sanity: PUBLIC sees no {list}");
        assert!(total_as(&app, hr, list).await > 0, "HR sees {list}");
    }
    let data = app
        .query_ok_as(
            hr,
            r#"{ evaluations(first: 50, filter: { status: COMPLETE }) { edges { node { status events { totalCount edges { node { ratings { totalCount } } } } } } } }"#,
            json!({}),
        )
        .await;
    let mut events = 0;
    for evaluation in nodes(&data["evaluations"]) {
        for event in nodes(&evaluation["events"]) {
            events += 1;
            assert_eq!(event["ratings"]["totalCount"], 0, "HR sees no element ratings");
        }
    }
    assert!(events > 0, "HR sees the events (evaluation status)");
    let rating_ids: Vec<String> = {
        let data = app
            .query_ok(
                r#"{ evaluations(first: 30, filter: { status: COMPLETE }) { edges { node { events { edges { node { ratings(first: 3) { edges { node { id } } } } } } } } } }"#,
                json!({}),
            )
            .await;
        nodes(&data["evaluations"])
            .iter()
            .flat_map(|e| nodes(&e["events"]))
            .flat_map(|e| nodes(&e["ratings"]))
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(!rating_ids.is_empty());
    assert_eq!(visible_nodes(&app, hr, &rating_ids).await, 0, "nor by id");
    let data = app
        .query_ok_as(
            hr,
            r#"{ supervisorTraining(schoolYear: 2026, asOf: "2026-03-01") { entries { totalCount } } }"#,
            json!({}),
        )
        .await;
    assert!(
        data["supervisorTraining"]["entries"]["totalCount"].as_u64().unwrap() > 0,
        "HR's list"
    );
}

async fn principal_sees_their_school_and_another_schools_records_do_not_exist(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let principal = app.token(Role::Principal, &["SCH-101"], None);
    let principal = Some(principal.as_str());

    // Their school's staff, evaluations and classrooms, all of them.
    let own = app
        .query_ok(r#"{ evaluations(filter: { school: "SCH-101" }) { totalCount } sections(school: "SCH-101") { totalCount } }"#, json!({}))
        .await;
    assert_eq!(
        total_as(&app, principal, "evaluations").await,
        own["evaluations"]["totalCount"].as_u64().unwrap()
    );
    assert_eq!(
        total_as(&app, principal, "sections").await,
        own["sections"]["totalCount"].as_u64().unwrap()
    );
    let staff = total_as(&app, principal, "staff").await;
    let everyone = app.query_ok("{ staff { totalCount } }", json!({})).await["staff"]["totalCount"]
        .as_u64()
        .unwrap();
    assert!(staff > 10 && staff < everyone / 5, "{staff} of {everyone}");
    let data = app
        .query_ok_as(
            principal,
            "{ staff(first: 100) { edges { node { assignments { edges { node { organization { code } } } } } } } }",
            json!({}),
        )
        .await;
    for person in nodes(&data["staff"]) {
        let places: Vec<Value> = nodes(&person["assignments"])
            .iter()
            .map(|a| a["organization"]["code"].clone())
            .collect();
        assert!(
            places.iter().all(|p| *p == "SCH-101"),
            "only SCH-101 assignments are visible: {places:?}"
        );
    }

    // Another school's records answer as records that do not exist: by id, in bulk, aliased.
    let others = [
        ids(
            &app,
            "staff",
            r#", orderBy: { field: EMPLOYEE_NUMBER, direction: DESC }"#,
            10,
        )
        .await,
        ids(&app, "evaluations", r#", filter: { school: "SCH-201" }"#, 10).await,
        ids(&app, "sections", r#", school: "SCH-201""#, 10).await,
    ]
    .concat();
    assert_eq!(visible_nodes(&app, principal, &others).await, 0);
    let aliased: String = others
        .iter()
        .enumerate()
        .map(|(i, id)| format!("n{i}: node(id: \"{id}\") {{ id }} "))
        .collect();
    let data = app.query_ok_as(principal, &format!("{{ {aliased} }}"), json!({})).await;
    assert!(
        data.as_object().unwrap().values().all(Value::is_null),
        "aliased lookups: {data}"
    );
    // Nested: another school's staff and evaluations are empty from the school itself.
    let data = app
        .query_ok_as(principal, r#"{ organization(code: "SCH-201") { staff { totalCount } evaluations { totalCount } sections { totalCount } } }"#, json!({}))
        .await;
    assert_eq!(
        data["organization"],
        json!({ "staff": { "totalCount": 0 }, "evaluations": { "totalCount": 0 }, "sections": { "totalCount": 0 } })
    );
    // Measures at another school: the same NOT_FOUND as a code that names nothing.
    let other = app
        .graphql_as(
            principal,
            r#"{ planMeasures(schoolYear: 2026, organization: "SCH-201") { code } }"#,
            json!({}),
        )
        .await;
    let none = app
        .graphql_as(
            principal,
            r#"{ planMeasures(schoolYear: 2026, organization: "SCH-999") { code } }"#,
            json!({}),
        )
        .await;
    assert_eq!((error_code(&other), error_code(&none)), ("NOT_FOUND", "NOT_FOUND"));
    // The classrooms to chase are their own, even from the district's figure.
    let data = app
        .query_ok_as(principal, "{ sfsCoverage(schoolYear: 2026) { notAdministered(first: 100) { totalCount edges { node { school { code } } } } } }", json!({}))
        .await;
    let list = &data["sfsCoverage"]["notAdministered"];
    assert!(list["totalCount"].as_u64().unwrap() > 0);
    assert!(nodes(list).iter().all(|c| c["school"]["code"] == "SCH-101"));
}

async fn employee_sees_only_their_own_records(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    // A teacher with a complete evaluation, an evaluator and training.
    let data = app
        .query_ok(
            r#"{ evaluations(first: 1, filter: { status: COMPLETE, process: "EDST" }) { edges { node { id
                  evaluatee { id employeeNumber } evaluator { id evaluationsGiven { totalCount } } } } } }"#,
            json!({}),
        )
        .await;
    let evaluation = nodes(&data["evaluations"])[0].clone();
    let number = evaluation["evaluatee"]["employeeNumber"].as_str().unwrap();
    let employee = app.token(Role::Employee, &[], Some(number));
    let employee = Some(employee.as_str());
    assert_eq!(total_as(&app, employee, "staff").await, 1);
    let mine = app
        .query_ok_as(
            employee,
            r#"{ evaluations { totalCount edges { node { id evaluatee { employeeNumber } evaluator { id evaluationsGiven { totalCount } }
                  events { edges { node { ratings { totalCount } } } } } } } }"#,
            json!({}),
        )
        .await;
    let own = nodes(&mine["evaluations"]);
    assert!(own.iter().all(|e| e["evaluatee"]["employeeNumber"] == number));
    assert!(own.iter().any(|e| e["id"] == evaluation["id"]));
    // My evaluator → their other evaluatees: the evaluator is not mine to see.
    assert!(own.iter().all(|e| e["evaluator"].is_null()), "{own:?}");
    let evaluator_evaluations = evaluation["evaluator"]["evaluationsGiven"]["totalCount"]
        .as_u64()
        .unwrap();
    assert!(
        evaluator_evaluations > 1,
        "the evaluator has others an employee must not reach"
    );
    let ratings: u64 = own
        .iter()
        .flat_map(|e| nodes(&e["events"]))
        .map(|e| e["ratings"]["totalCount"].as_u64().unwrap())
        .sum();
    assert!(ratings > 0, "their own ratings");
    let others = ids(
        &app,
        "staff",
        r#", orderBy: { field: EMPLOYEE_NUMBER, direction: DESC }"#,
        20,
    )
    .await;
    assert_eq!(visible_nodes(&app, employee, &others).await, 0);
    let evaluator = evaluation["evaluator"]["id"].as_str().unwrap().to_owned();
    assert_eq!(visible_nodes(&app, employee, &[evaluator]).await, 0);
    let body = app
        .graphql_as(
            employee,
            r#"{ sfsCoverage(schoolYear: 2026) { notAdministered { totalCount } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
}

async fn differencing_overlapping_breakdowns_does_not_reveal_a_withheld_ease_count(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    let second = d.another_region("RGN-2").await;
    d.ease(d.district, ServiceType::All, 207, 600, 4000).await;
    d.ease(d.region, ServiceType::All, 7, 20, 1000).await;
    d.ease(second, ServiceType::All, 200, 580, 3000).await;
    d.ease(second, ServiceType::Counseling, 150, 400, 3000).await;
    d.ease(second, ServiceType::Hotline, 50, 180, 3000).await;
    let analyst = app.token(Role::Analyst, &[], None);
    // District 207 is shown; region 2's own figure (200) would give away region 1's 7.
    for token in [None, Some(analyst.as_str())] {
        let data = app
            .query_ok_as(
                token,
                r#"{ district: planMeasures(schoolYear: 2026, codes: ["EASE_USAGE"]) { numerator }
                    second: easeUsage(schoolYear: 2026, organization: "RGN-2") {
                      measure { numerator suppressed suppressionReason } byServiceType { serviceType uniqueEmployees } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(data["district"][0]["numerator"], 207.0);
        let second = &data["second"];
        assert_eq!(second["measure"]["numerator"], Value::Null);
        assert_eq!(second["measure"]["suppressionReason"], "COMPLEMENTARY");
        assert!(
            second["byServiceType"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["uniqueEmployees"].is_null()),
            "nor through its service types: {second}"
        );
    }
    let _ = day("2026-01-01");
}

async fn survey_results_withhold_small_groups_their_complement_and_their_parts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    let (survey, question) = d.school_experience_survey().await;
    let (a, b, c) = (
        d.school("SCH-A").await,
        d.school("SCH-B").await,
        d.school("SCH-C").await,
    );
    d.respond(survey, question, a, &[4; 12]).await;
    d.respond(survey, question, b, &[1, 2, 1, 1]).await;
    d.respond(survey, question, c, &[3; 30]).await;
    let query = "query ($org: String) { surveyResults(survey: \"SES-2026\", organization: $org) {
        n favorableShare suppressionReason breakdown { organization { code } n mean suppressionReason } } }";
    let analyst = app.token(Role::Analyst, &[], None);
    let body = app.graphql_as(None, query, json!({ "org": "RGN" })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "survey results are not the public's");
    for token in [Some(analyst.as_str()), Some(app.admin_token())] {
        let region = app.query_ok_as(token, query, json!({ "org": "RGN" })).await["surveyResults"][0].clone();
        assert_eq!(region["n"], 46);
        let cells: Vec<(Value, Value, Value)> = region["breakdown"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["organization"]["code"].clone(),
                    c["n"].clone(),
                    c["suppressionReason"].clone(),
                )
            })
            .collect();
        assert_eq!(
            cells,
            [
                (json!("SCH-A"), Value::Null, json!("COMPLEMENTARY")),
                (json!("SCH-B"), Value::Null, json!("SMALL_GROUP")),
                (json!("SCH-C"), json!(30), Value::Null),
            ],
            "4 respondents are withheld for every role, and 12 with them"
        );
        // Asking for the schools themselves reveals no more than the breakdown did.
        for (school, reason) in [("SCH-A", "COMPLEMENTARY"), ("SCH-B", "SMALL_GROUP")] {
            if token == Some(analyst.as_str()) || token == Some(app.admin_token()) {
                let own = app.query_ok_as(token, query, json!({ "org": school })).await["surveyResults"][0].clone();
                assert_eq!(
                    (own["n"].clone(), own["suppressionReason"].clone()),
                    (Value::Null, json!(reason)),
                    "{school}"
                );
            }
        }
    }
}

async fn a_teachers_sfs_results_are_for_the_teacher_and_their_evaluator_only(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let data = app
        .query_ok(
            r#"{ surveyAdministrations(first: 100, filter: { survey: "SFS-2026", status: ADMINISTERED }, orderBy: { field: RESPONSE_COUNT, direction: DESC }) {
                  edges { node { teacher { employeeNumber evaluations(filter: { schoolYear: 2026 }) { edges { node { evaluator { employeeNumber } school { code } } } } } } } } }"#,
            json!({}),
        )
        .await;
    let (teacher, evaluator, school) = nodes(&data["surveyAdministrations"])
        .iter()
        .find_map(|a| {
            let teacher = a["teacher"]["employeeNumber"].as_str()?.to_owned();
            let evaluation = nodes(&a["teacher"]["evaluations"]).into_iter().next()?;
            let evaluator = evaluation["evaluator"]["employeeNumber"].as_str()?.to_owned();
            Some((teacher, evaluator, evaluation["school"]["code"].as_str()?.to_owned()))
        })
        .expect("an administered classroom whose teacher has an evaluator");
    let query = "query ($n: String!) { staffMember(employeeNumber: $n) { sfsResults(schoolYear: 2026) { question { code } n mean favorableShare suppressed } } }";
    let vars = json!({ "n": teacher });
    let own = app.token(Role::Employee, &[], Some(&teacher));
    let evaluating = app.token(Role::Principal, &[&school], Some(&evaluator));
    for token in [&own, &evaluating] {
        let results = app.query_ok_as(Some(token), query, vars.clone()).await["staffMember"]["sfsResults"].clone();
        let results = results.as_array().unwrap();
        assert!(!results.is_empty());
        assert!(
            results
                .iter()
                .all(|q| q["suppressed"] == true || q["n"].as_u64().unwrap() >= 10)
        );
        assert!(
            results.iter().any(|q| q["mean"].is_number()),
            "a well-answered classroom shows its results"
        );
    }
    // One classroom's results, through the administration, likewise.
    let administration = {
        let data = app
            .query_ok(
                r#"query ($n: String!) { staffMember(employeeNumber: $n) { surveyAdministrations(filter: { status: ADMINISTERED }) { edges { node { id } } } } }"#,
                vars.clone(),
            )
            .await;
        nodes(&data["staffMember"]["surveyAdministrations"])[0]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let by_node = "query ($id: ID!) { node(id: $id) { ... on SurveyAdministration { results { n suppressed } } } }";
    let classroom = app
        .query_ok_as(Some(&own), by_node, json!({ "id": administration }))
        .await;
    assert!(!classroom["node"]["results"].as_array().unwrap().is_empty());
    let hr = app.token(Role::Hr, &[], None);
    let refused = app
        .graphql_as(Some(&hr), by_node, json!({ "id": administration }))
        .await;
    assert_eq!(
        error_code(&refused),
        "FORBIDDEN",
        "HR sees the administration, not its results"
    );

    // Anyone else — HR, another teacher, even ADMIN — is refused.
    let other_teacher = {
        let data = app.query_ok(r#"{ staff(first: 1, filter: { employeeGroup: "TCH" }, orderBy: { field: EMPLOYEE_NUMBER, direction: DESC }) { edges { node { employeeNumber } } } }"#, json!({})).await;
        nodes(&data["staff"])[0]["employeeNumber"].as_str().unwrap().to_owned()
    };
    assert_ne!(other_teacher, teacher);
    for token in [
        app.token(Role::Hr, &[], None),
        app.token(Role::Employee, &[], Some(&other_teacher)),
        app.admin_token().to_owned(),
    ] {
        let body = app.graphql_as(Some(&token), query, vars.clone()).await;
        assert!(
            body["data"]["staffMember"].is_null() || error_code(&body) == "FORBIDDEN",
            "{body:#}"
        );
        assert!(body["data"]["staffMember"].get("sfsResults").is_none_or(Value::is_null));
    }
}

/// Whether a role sees rows of a list: all of them, some (their own or their schools'), none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sees {
    All,
    Some,
    None,
}

async fn every_top_level_list_shows_each_role_what_the_policy_says(backend: Backend) {
    use Sees::{All, None as No, Some as Part};
    let app = TestApp::spawn_with_demo(backend).await;
    let lists = [
        "organizations",
        "staff",
        "sections",
        "evaluations",
        "surveys",
        "surveyAdministrations",
        "trainingCourses",
        "trainingCompletions",
    ];
    // ADMIN, HR, ANALYST, PRINCIPAL, EMPLOYEE, PUBLIC for each list, in order.
    let policy: [[Sees; 6]; 8] = [
        [All, All, All, All, All, All],
        [All, All, No, Part, Part, No],
        [All, All, All, Part, Part, No],
        [All, All, No, Part, Part, No],
        [All, All, All, All, All, All],
        [All, All, No, Part, Part, No],
        [All, All, All, All, All, All],
        [All, All, No, No, Part, No],
    ];
    let teacher = {
        let data = app.query_ok(r#"{ surveyAdministrations(first: 1, filter: { status: ADMINISTERED }) { edges { node { teacher { employeeNumber trainingCompletions { totalCount } } } } } }"#, json!({})).await;
        nodes(&data["surveyAdministrations"])[0]["teacher"]["employeeNumber"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let tokens = [
        Some(app.token(Role::Admin, &[], None)),
        Some(app.token(Role::Hr, &[], None)),
        Some(app.token(Role::Analyst, &[], None)),
        Some(app.token(Role::Principal, &["SCH-101"], None)),
        Some(app.token(Role::Employee, &[], Some(&teacher))),
        None,
    ];
    for (list, expected) in lists.iter().zip(policy) {
        let all = total_as(&app, Some(app.admin_token()), list).await;
        assert!(all > 1, "{list} has rows");
        for (token, expected) in tokens.iter().zip(expected) {
            let seen = total_as(&app, token.as_deref(), list).await;
            let actual = match seen {
                0 => No,
                n if n == all => All,
                _ => Part,
            };
            // A teacher may have no training at all: "some" then shows as none.
            let acceptable = actual == expected || (expected == Part && actual == No && *list == "trainingCompletions");
            assert!(
                acceptable,
                "{list}: expected {expected:?}, saw {seen} of {all} as {token:?}"
            );
        }
    }
}

async fn a_group_withheld_above_stays_withheld_at_every_level_below(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    let (survey, question) = d.school_experience_survey().await;
    // Region RGN: 3 respondents; region RGN-2: one school of 60. The district shows 63.
    let small = d.school("SCH-A").await;
    let second = d.another_region("RGN-2").await;
    let big = d
        .organization("SCH-C", entity::enums::OrganizationKind::School, second)
        .await;
    d.respond(survey, question, small, &[4, 4, 1]).await;
    d.respond(survey, question, big, &[3; 60]).await;
    let results =
        "query ($org: String) { surveyResults(survey: \"SES-2026\", organization: $org) { n suppressionReason } }";
    let measure = "query ($org: String) { planMeasures(schoolYear: 2026, organization: $org, codes: [\"SES_SUPPORTIVE\"]) { denominator suppressionReason } }";
    let district = app.query_ok(results, json!({ "org": null })).await;
    assert_eq!(district["surveyResults"][0]["n"], 63);
    // RGN-2's 60, or SCH-C's, would give RGN's 3 away: 63 − 60.
    for org in ["RGN-2", "SCH-C"] {
        let data = app.query_ok(results, json!({ "org": org })).await;
        assert_eq!(data["surveyResults"][0]["n"], Value::Null, "surveyResults at {org}");
        assert_eq!(data["surveyResults"][0]["suppressionReason"], "COMPLEMENTARY");
        let data = app.query_ok(measure, json!({ "org": org })).await;
        assert_eq!(
            data["planMeasures"][0]["denominator"],
            Value::Null,
            "SES_SUPPORTIVE at {org}"
        );
    }
    // The public's coverage figures obey the same rule; and a school is not the public's level.
    let body = app
        .graphql_as(
            None,
            r#"{ sfsCoverage(schoolYear: 2026, organization: "SCH-A") { measure { rate } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let principal = app.token(Role::Principal, &["SCH-C"], None);
    let body = app
        .graphql_as(
            Some(&principal),
            r#"{ sfsCoverage(schoolYear: 2026, organization: "SCH-A") { measure { rate } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND");
}

async fn a_principal_does_not_learn_where_else_the_people_they_see_work(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    let (mine, other) = (d.school("SCH-A").await, d.school("SCH-B").await);
    // Evaluated at SCH-A (so SCH-A's principal sees them), placed at SCH-B.
    let teacher = d.person(d.teachers_group, other).await;
    d.evaluate(teacher, mine, Eval::InProgress).await;
    let principal = app.token(Role::Principal, &["SCH-A"], None);
    let principal = Some(principal.as_str());
    assert_eq!(total_as(&app, principal, "staff").await, 1, "the evaluatee is visible");
    let query =
        r#"{ organization(code: "SCH-B") { staff { totalCount } } staff(organization: "SCH-B") { totalCount } }"#;
    let admin = app.query_ok(query, json!({})).await;
    assert_eq!(admin["staff"]["totalCount"], 1, "ADMIN sees the placement");
    let seen = app.query_ok_as(principal, query, json!({})).await;
    assert_eq!(seen["organization"]["staff"]["totalCount"], 0);
    assert_eq!(seen["staff"]["totalCount"], 0);
    // Placed at SCH-A, and a supervisor at SCH-B: SCH-A's principal does not learn the latter.
    let both = d.person(d.teachers_group, mine).await;
    d.assign(both, other, true, day("2025-08-01"), None).await;
    let supervisors = r#"{ staff(filter: { supervisory: true }) { totalCount } }"#;
    assert_eq!(app.query_ok(supervisors, json!({})).await["staff"]["totalCount"], 1);
    assert_eq!(
        app.query_ok_as(principal, supervisors, json!({})).await["staff"]["totalCount"],
        0
    );
    let others = r#"{ staff(filter: { supervisory: false }) { totalCount } }"#;
    assert_eq!(
        app.query_ok_as(principal, others, json!({})).await["staff"]["totalCount"],
        2
    );
}
