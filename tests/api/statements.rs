//! What a nested query costs in SQL statements: one per relation level however many parents,
//! read from the server's per-request counter (the `x-sql-statements` header).

use crate::fixtures::District;
use crate::helpers::{Backend, TestApp, nodes};
use crate::on_both_databases;
use api::auth::Role;
use entity::enums::{EvaluationStatus as Eval, SectionRole};
use serde_json::{Value, json};

on_both_databases!(
    schools_teachers_evaluations_events_cost_the_same_statements_for_5_and_50_schools,
    a_list_counts_its_rows_only_when_total_count_is_asked_for,
    a_child_connection_counts_its_rows_only_when_total_count_is_asked_for,
    the_viewers_resolution_is_counted_with_the_request,
    hr_s_list_is_its_page_and_count_in_one_statement_and_counts_only_when_asked,
    a_batch_of_node_lookups_costs_one_statement_per_type,
    plan_measures_cost_the_same_statements_for_50_000_staff_as_for_a_handful,
    the_schema_executed_without_the_http_handler_still_batches_each_level,
    a_mutation_costs_a_fixed_number_of_statements_whatever_it_writes,
);

const SCHOOL_PAGE: &str = r#"
query ($n: Int!) {
  organizations(kind: SCHOOL, first: $n) {
    totalCount
    edges { node { code
      staff(first: 10, filter: { employeeGroup: "TCH" }) { totalCount edges { node { employeeNumber
        evaluations(first: 3) { totalCount edges { node { status
          events(first: 10) { totalCount edges { node { kind occurredOn } } }
        } } }
      } } }
    } }
  }
}"#;

async fn schools_teachers_evaluations_events_cost_the_same_statements_for_5_and_50_schools(backend: Backend) {
    let app = TestApp::spawn_with_schools(backend, 25).await;

    let (five, five_cost) = app.query_counted(SCHOOL_PAGE, json!({ "n": 5 })).await;
    let (fifty, fifty_cost) = app.query_counted(SCHOOL_PAGE, json!({ "n": 50 })).await;

    let schools = nodes(&fifty["organizations"]);
    assert_eq!(nodes(&five["organizations"]).len(), 5);
    assert_eq!(schools.len(), 50, "the district has 50 schools");
    let events: usize = schools
        .iter()
        .flat_map(|school| nodes(&school["staff"]))
        .flat_map(|teacher| nodes(&teacher["evaluations"]))
        .map(|evaluation| nodes(&evaluation["events"]).len())
        .sum();
    assert!(
        events > 500,
        "the query reaches real rows at every level ({events} events)"
    );

    // The list (a COUNT and a page) and one statement for each nested level.
    assert_eq!(five_cost, 5, "5 schools");
    assert_eq!(fifty_cost, five_cost, "50 schools cost what 5 do");
    assert!(fifty_cost <= 2 * 4, "at most 2 statements per level");
}

async fn a_batch_of_node_lookups_costs_one_statement_per_type(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let data = app
        .query_ok(
            "{ organizations(first: 30) { edges { node { id } } } staff(first: 30) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let ids: Vec<String> = nodes(&data["organizations"])
        .iter()
        .chain(nodes(&data["staff"]).iter())
        .map(|node| node["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 47, "17 organizations and 30 staff");

    let (found, cost) = app
        .query_counted(
            "query ($ids: [ID!]!) { nodes(ids: $ids) { id __typename } }",
            json!({ "ids": ids }),
        )
        .await;
    let found = found["nodes"].as_array().unwrap();
    assert_eq!(found.len(), 47);
    assert!(
        found.iter().zip(&ids).all(|(node, id)| node["id"] == *id),
        "in the order asked"
    );
    assert_eq!(cost, 2, "one statement for organizations, one for staff");
}

const PLAN_MEASURES: &str =
    "{ planMeasures(schoolYear: 2026, organization: \"RGN\") { code numerator denominator rate met priorRate
    breakdown { organization { code } numerator denominator rate } } }";

async fn plan_measures_cost_the_same_statements_for_50_000_staff_as_for_a_handful(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let district = crate::fixtures::District::new(&app.db).await;
    let first = district.school("SCH-0000").await;
    district.person(district.teachers_group, first).await;
    let (small, small_cost) = app.query_counted(PLAN_MEASURES, json!({})).await;

    let mut schools = vec![first];
    for i in 1..100 {
        schools.push(district.school(&format!("SCH-{i:04}")).await);
    }
    crate::bulk::staff_at_schools(&app.db, district.teachers_group, &schools, 50_000).await;
    let (large, large_cost) = app.query_counted(PLAN_MEASURES, json!({})).await;

    let attendance = |data: &serde_json::Value| {
        let m = data["planMeasures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["code"] == "EXCELLENT_ATTENDANCE")
            .unwrap()
            .clone();
        (
            m["numerator"].as_f64().unwrap(),
            m["denominator"].as_f64().unwrap(),
            m["breakdown"].as_array().unwrap().len(),
        )
    };
    assert_eq!(attendance(&small), (0.0, 0.0, 1));
    // Every tenth of the 50,000 is absent more than 4% of days.
    assert_eq!(
        attendance(&large),
        (45_000.0, 50_000.0, 100),
        "the figures are counted, over 100 schools"
    );
    assert_eq!(large_cost, small_cost, "50,000 staff cost what a handful do");
    assert!(large_cost <= 25, "{large_cost} statements");

    // Served from the maintained counts, the same answer in 9 statements: the region (1), its
    // children and its ancestors' with theirs (1: the tree walked up in one statement; a
    // statement per level and per parent took 3), the freshness check, the definitions, every counted measure's
    // counts of both years in one statement, the School Experience Survey's floor and the
    // organizations its table withholds over, the EASE reports of the two years (2).
    // (The request above found the counts out of date and started a rebuild: wait for it.)
    let year = api::calendar::SchoolYear::parse(2026, "year").unwrap();
    for _ in 0..200 {
        let readable = api::measures::maintained::readable(&app.db, year).await.unwrap();
        if readable.year && readable.prior {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (kept, kept_cost) = app.query_counted(PLAN_MEASURES, json!({})).await;
    assert_eq!(kept, large, "the counts answer as the rows do");
    assert_eq!(kept_cost, 9, "statements from the counts");
}

/// Subscriptions, tests and any other caller execute the schema without the HTTP handler: the
/// loader's batches must still go out (no request may wait forever on them), one per level.
async fn the_schema_executed_without_the_http_handler_still_batches_each_level(backend: Backend) {
    let app = TestApp::spawn_with_schools(backend, 5).await;
    let (over_http, http_cost) = app.query_counted(SCHOOL_PAGE, json!({ "n": 10 })).await;
    let schema = api::schema::build();
    let variables = async_graphql::Variables::from_json(json!({ "n": 10 }));

    let context = api::graphql::RequestContext::new(&app.db, api::auth::Viewer::admin());
    let request = async_graphql::Request::new(SCHOOL_PAGE)
        .variables(variables.clone())
        .data(context.clone());
    let response = tokio::time::timeout(std::time::Duration::from_secs(60), schema.execute(request))
        .await
        .expect("Schema::execute finishes: the loader's batches are sent");
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    let data = response.data.into_json().unwrap();
    assert_eq!(data, over_http, "the same answer as over HTTP");
    assert_eq!(context.statements(), http_cost, "one statement per level, as over HTTP");

    // A stream (the path of subscriptions) of the same query.
    use futures_util::StreamExt;
    let context = api::graphql::RequestContext::new(&app.db, api::auth::Viewer::admin());
    let request = async_graphql::Request::new(SCHOOL_PAGE)
        .variables(variables)
        .data(context.clone());
    let mut stream = schema.execute_stream(request);
    let first = tokio::time::timeout(std::time::Duration::from_secs(60), stream.next())
        .await
        .expect("Schema::execute_stream yields: the loader's batches are sent")
        .expect("one response");
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    assert_eq!(first.data.into_json().unwrap(), over_http);
    assert_eq!(context.statements(), http_cost);
}

/// The statements of a mutation: `(payload, statements)`, the payload without userErrors.
async fn mutation_cost(app: &TestApp, token: Option<&str>, name: &str, query: &str, input: Value) -> (Value, u64) {
    let (data, statements) = app.query_counted_as(token, query, json!({ "input": input })).await;
    let payload = data[name].clone();
    assert_eq!(payload["userErrors"], json!([]), "{name}: {payload:#}");
    (payload, statements)
}

async fn a_mutation_costs_a_fixed_number_of_statements_whatever_it_writes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = District::new(&app.db).await;
    let (small, large) = (d.school("SCH-S").await, d.school("SCH-L").await);
    for (school, classrooms) in [(small, 1), (large, 6)] {
        for _ in 0..classrooms {
            let teacher = d.evaluated_teacher(school, Eval::InProgress).await;
            d.section(school, teacher, SectionRole::TeacherOfRecord, 20).await;
        }
    }
    // Counts built for the year and the one before, as after any seed or import: the writes
    // keep them (`measures::maintained::keep`).
    api::measures::maintained::rebuild(&app.db).await.unwrap();
    let principal = app.token(Role::Principal, &["SCH-S", "SCH-L"], None);
    let plan = "mutation ($input: PlanSurveyAdministrationsInput!) { planSurveyAdministrations(input: $input) {
        surveyAdministrations { id version } userErrors { code } } }";
    let mut costs = Vec::new();
    let mut planned = Vec::new();
    for school in ["SCH-S", "SCH-L"] {
        let input = json!({ "school": school, "survey": "SFS-2026", "idempotencyKey": school });
        let (payload, n) = mutation_cost(&app, Some(&principal), "planSurveyAdministrations", plan, input).await;
        planned.push(payload["surveyAdministrations"].as_array().unwrap().len());
        costs.push(n);
    }
    assert_eq!(planned, [1, 6]);
    assert_eq!(costs[0], costs[1], "planning 1 or 6 classrooms: {costs:?}");

    let hr = app.token(Role::Hr, &[], None);
    let mut people = Vec::new();
    for _ in 0..20 {
        people.push(d.employee_number(d.person(d.adult_group, small).await).await);
    }
    let record = "mutation ($input: RecordTrainingCompletionsInput!) { recordTrainingCompletions(input: $input) {
        trainingCompletions { id } userErrors { code } } }";
    let batch = |who: &[String]| {
        let completions: Vec<Value> = who
            .iter()
            .map(|n| json!({ "employeeNumber": n, "courseCode": "PM-101", "completedOn": "2026-01-05" }))
            .collect();
        json!({ "completions": completions })
    };
    let (_, one) = mutation_cost(
        &app,
        Some(&hr),
        "recordTrainingCompletions",
        record,
        batch(&people[..1]),
    )
    .await;
    let (_, many) = mutation_cost(
        &app,
        Some(&hr),
        "recordTrainingCompletions",
        record,
        batch(&people[1..]),
    )
    .await;
    assert_eq!(one, many, "a batch of 1 or 19 completions");

    // Each write's own figure, pinned: a change here is a change of what a write costs.
    let update = "mutation ($input: UpdateSurveyAdministrationInput!) { updateSurveyAdministration(input: $input) {
        surveyAdministration { id } userErrors { code } } }";
    let administration = {
        let (data, _) = app
            .query_counted(
                "{ surveyAdministrations(first: 1) { edges { node { id } } } }",
                json!({}),
            )
            .await;
        nodes(&data["surveyAdministrations"])[0]["id"].clone()
    };
    let (_, updated) = mutation_cost(
        &app,
        Some(&principal),
        "updateSurveyAdministration",
        update,
        json!({ "id": administration, "expectedVersion": 1, "status": "OPEN" }),
    )
    .await;
    let course = "mutation ($input: CreateTrainingCourseInput!) { createTrainingCourse(input: $input) {
        trainingCourse { id } userErrors { code } } }";
    let (_, created) = mutation_cost(
        &app,
        Some(app.admin_token()),
        "createTrainingCourse",
        course,
        json!({ "code": "W-1", "title": "Wellness", "category": "WELLNESS", "hours": 1.0, "idempotencyKey": "w-1" }),
    )
    .await;
    // Planning: the principal's schools (the token's resolution), the key's lookup, its
    // claim, the counts' upkeep taking its turn, the school, the survey, one INSERT … SELECT
    // of every classroom, the audit rows, the key's result, the counts marked current (a
    // planned classroom changes no figure), the rows read back. Recording a batch (no key; an
    // HR token names no one): the people, the courses, the upkeep's turn, the years built, the
    // districts, the training window, the people's subjects in each of the two years, one
    // INSERT, the audit rows, their subjects again in each year, the counts marked current,
    // the rows read back. An update (by the principal): their schools, the row as the viewer
    // sees it, its survey, the upkeep's turn, the years, the districts, the teacher's
    // classrooms, the versioned UPDATE, the audit, the classrooms again, the counts marked
    // current. A create with a key (ADMIN): the key's lookup, its claim, the INSERT, the
    // audit, the key's result, the read back.
    assert_eq!((costs[0], one, updated, created), (11, 14, 11, 6));
}

/// A top-level list runs its COUNT only when the query selects `totalCount` — directly, under
/// an alias or in a fragment — and the count is then every visible row, not the page's.
async fn a_list_counts_its_rows_only_when_total_count_is_asked_for(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let (page, without) = app
        .query_counted("{ staff(first: 100) { edges { node { employeeNumber } } } }", json!({}))
        .await;
    assert_eq!(nodes(&page["staff"]).len(), 100);
    assert_eq!(without, 1, "the page alone");

    let (counted, with) = app
        .query_counted(
            "{ staff(first: 100) { totalCount edges { node { employeeNumber } } } }",
            json!({}),
        )
        .await;
    assert_eq!(with, 2, "the page and its count");
    let total = counted["staff"]["totalCount"].as_u64().unwrap();
    assert!(total > 100, "every staff member of the demo, not the page: {total}");

    for query in [
        "{ staff(first: 5) { ...Counted } } fragment Counted on StaffConnection { totalCount }",
        "{ staff(first: 5) { ... on StaffConnection { n: totalCount } } }",
    ] {
        let (data, cost) = app.query_counted(query, json!({})).await;
        assert_eq!(cost, 2, "{query}");
        let shown = data["staff"]["totalCount"].as_u64().or(data["staff"]["n"].as_u64());
        assert_eq!(shown, Some(total), "{query}: {data}");
    }
}

/// Every statement of a request is counted, the token's resolution to a viewer included: a
/// principal's employee number and schools cost one statement before the query runs (issue
/// 20: the principal's page sent 7 statements and counted 5; the two look-ups were two).
async fn the_viewers_resolution_is_counted_with_the_request(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let (_, admin) = app.query_counted("{ __typename }", json!({})).await;
    assert_eq!(admin, 0, "an ADMIN token names no one: nothing to resolve");
    let principal = app.token(Role::Principal, &["SCH-101"], Some("E100001"));
    let (_, cost) = app
        .query_counted_as(Some(&principal), "{ __typename }", json!({}))
        .await;
    assert_eq!(cost, 1, "the staff member and the school, in one statement");
    let employee = app.token(Role::Employee, &[], Some("E100001"));
    let (_, cost) = app.query_counted_as(Some(&employee), "{ __typename }", json!({})).await;
    assert_eq!(cost, 1, "the staff member");
}

/// HR's list of supervisory entries in one status (issue 20): the scope (the district and its
/// children: 2), the training window (1), and the page with its total in one statement (1) —
/// the same for every status; the counts by status are a statement of their own, run only
/// when `counts` or `rate` is read, and once for both.
async fn hr_s_list_is_its_page_and_count_in_one_statement_and_counts_only_when_asked(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let hr = app.token(Role::Hr, &[], None);
    let query = |status: &str, more: &str| {
        format!(
            r#"{{ supervisorTraining(schoolYear: 2026, asOf: "2026-03-01") {{ {more}
                 entries(status: {status}, first: 5) {{ totalCount nodes {{ position }} }} }} }}"#
        )
    };
    for status in ["ON_TIME", "LATE", "OVERDUE", "PENDING"] {
        let (_, cost) = app.query_counted_as(Some(&hr), &query(status, ""), json!({})).await;
        assert_eq!(cost, 4, "{status}");
    }
    let (_, cost) = app
        .query_counted_as(Some(&hr), &query("OVERDUE", "counts { count }"), json!({}))
        .await;
    assert_eq!(cost, 5, "the counts: one more");
    let (_, cost) = app
        .query_counted_as(Some(&hr), &query("OVERDUE", "counts { count } rate"), json!({}))
        .await;
    assert_eq!(cost, 5, "the rate reads the same counts");
}

/// A child connection's page is the same whether or not `totalCount` is asked (its statement
/// counts every child of every parent only then), and the count — asked directly or in a
/// fragment — is each parent's whole number of children, not its page's.
async fn a_child_connection_counts_its_rows_only_when_total_count_is_asked_for(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let page = |counted: &str| {
        format!(
            "{{ organizations(kind: SCHOOL, first: 4) {{ edges {{ node {{ code staff(first: 2) {{ {counted} nodes {{ employeeNumber }} }} }} }} }} }}"
        )
    };
    let (plain, plain_cost) = app.query_counted(&page(""), json!({})).await;
    let (counted, counted_cost) = app.query_counted(&page("totalCount"), json!({})).await;
    let (fragment, _) = app
        .query_counted(
            &format!(
                "{} fragment Counted on StaffConnection {{ totalCount }}",
                page("...Counted")
            ),
            json!({}),
        )
        .await;
    assert_eq!(
        plain_cost, counted_cost,
        "the count is part of the level's one statement"
    );
    let schools = |data: &serde_json::Value| nodes(&data["organizations"]);
    for ((p, c), f) in schools(&plain).iter().zip(schools(&counted)).zip(schools(&fragment)) {
        assert_eq!(p["staff"]["nodes"], c["staff"]["nodes"], "the same page");
        assert_eq!(c["staff"]["nodes"].as_array().unwrap().len(), 2);
        let total = c["staff"]["totalCount"].as_u64().unwrap();
        assert!(
            total > 2,
            "{}: every staff member of the school, not the page: {total}",
            c["code"]
        );
        assert_eq!(f["staff"]["totalCount"], c["staff"]["totalCount"], "in a fragment too");
    }
}
