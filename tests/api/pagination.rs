//! Cursor connections: walking a list yields every row once, also while rows are inserted;
//! every filter and ordering returns what the database holds; bad page arguments are errors.

use crate::helpers::{Backend, TestApp, error_code, nodes};
use crate::on_both_databases;
use chrono::NaiveDate;
use entity::*;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};
use std::collections::HashSet;

on_both_databases!(
    walking_every_list_forward_yields_every_row_exactly_once,
    rows_inserted_between_pages_never_repeat_or_hide_existing_rows,
    nested_connections_page_per_parent,
    orderings_sort_both_ways_and_pages_continue_in_order,
    staff_filters_match_the_database,
    evaluation_filters_match_the_database,
    section_administration_and_training_filters_match_the_database,
    page_arguments_out_of_range_are_bad_user_input,
    walking_back_with_last_and_before_yields_the_forward_rows_in_reverse,
    staff_name_search_is_a_case_insensitive_prefix_on_last_or_first_name,
    staff_name_search_is_answered_from_the_name_indexes,
);

/// Walks a top-level connection `field` with `first` rows a page; returns every node.
async fn walk(app: &TestApp, field: &str, args: &str, selection: &str, first: u32) -> (Vec<Value>, u64) {
    let query = format!(
        "query ($after: String) {{ {field}({args} first: {first}, after: $after) {{ totalCount \
         pageInfo {{ hasNextPage hasPreviousPage endCursor }} edges {{ cursor node {{ {selection} }} }} }} }}"
    );
    let (mut all, mut after, mut total) = (Vec::new(), Value::Null, 0);
    for page in 0.. {
        let data = app.query_ok(&query, json!({ "after": after })).await;
        let connection = &data[field];
        total = connection["totalCount"].as_u64().unwrap();
        let rows = nodes(connection);
        assert!(rows.len() <= first as usize);
        assert_eq!(connection["pageInfo"]["hasPreviousPage"], page > 0);
        all.extend(rows);
        if connection["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = connection["pageInfo"]["endCursor"].clone();
        assert!(page < 10_000, "the walk ends");
    }
    (all, total)
}

fn ids(rows: &[Value]) -> Vec<String> {
    rows.iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
}

fn assert_unique(rows: &[Value], what: &str) {
    let ids = ids(rows);
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "{what}: a row appeared on two pages");
}

async fn walking_every_list_forward_yields_every_row_exactly_once(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let db = &app.db;
    let expected = [
        ("organizations", organization::Entity::find().count(db).await.unwrap()),
        ("staff", staff::Entity::find().count(db).await.unwrap()),
        ("sections", section::Entity::find().count(db).await.unwrap()),
        ("evaluations", evaluation::Entity::find().count(db).await.unwrap()),
        (
            "surveyAdministrations",
            survey_administration::Entity::find().count(db).await.unwrap(),
        ),
        (
            "trainingCompletions",
            training_completion::Entity::find().count(db).await.unwrap(),
        ),
    ];
    for (field, stored) in expected {
        let (rows, total) = walk(&app, field, "", "id", 97).await;
        assert_eq!(total, stored, "{field}: totalCount is every row");
        assert_eq!(rows.len() as u64, stored, "{field}: the walk reaches every row");
        assert_unique(&rows, field);
    }
}

async fn rows_inserted_between_pages_never_repeat_or_hide_existing_rows(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let before = staff::Entity::find().count(&app.db).await.unwrap();
    for order in [
        "",
        "orderBy: { field: LAST_NAME },",
        "orderBy: { field: HIRE_DATE, direction: DESC },",
    ] {
        let query = format!(
            "query ($after: String) {{ staff({order} first: 50, after: $after) {{ pageInfo {{ hasNextPage endCursor }} \
             edges {{ node {{ id employeeNumber }} }} }} }}"
        );
        let (mut seen, mut after, mut inserted) = (Vec::new(), Value::Null, 0);
        loop {
            let data = app.query_ok(&query, json!({ "after": after })).await;
            seen.extend(nodes(&data["staff"]));
            // A new hire lands between every two pages, sorting early, late and in between.
            for (last, hired) in [
                ("Aaron", (2030, 1, 1)),
                ("Zzyzx", (1990, 1, 1)),
                ("Moreno", (2015, 6, 1)),
            ] {
                inserted += 1;
                staff::ActiveModel {
                    employee_number: Set(format!("NEW{order_len}{inserted:05}", order_len = order.len())),
                    first_name: Set("New".into()),
                    last_name: Set(last.into()),
                    email: Set(None),
                    employee_group_id: Set(1),
                    hire_date: Set(NaiveDate::from_ymd_opt(hired.0, hired.1, hired.2).unwrap()),
                    active: Set(true),
                    ..Default::default()
                }
                .insert(&app.db)
                .await
                .unwrap();
            }
            if data["staff"]["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = data["staff"]["pageInfo"]["endCursor"].clone();
        }
        assert_unique(&seen, order);
        let original: HashSet<String> = seen
            .iter()
            .filter(|r| r["employeeNumber"].as_str().unwrap().starts_with('E'))
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            original.len() as u64,
            before,
            "{order}: every row that existed was seen once"
        );
    }
}

async fn nested_connections_page_per_parent(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    // Page through two schools' staff at once: each school's pages are its own.
    let query = r#"query ($a: String, $b: String) {
        a: organization(code: "SCH-101") { staff(first: 7, after: $a) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }
        b: organization(code: "SCH-201") { staff(first: 7, after: $b) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } } }"#;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let (mut after_a, mut after_b) = (Value::Null, Value::Null);
    let mut totals = (0, 0);
    for _ in 0..20 {
        let data = app.query_ok(query, json!({ "a": after_a, "b": after_b })).await;
        let (sa, sb) = (&data["a"]["staff"], &data["b"]["staff"]);
        totals = (sa["totalCount"].as_u64().unwrap(), sb["totalCount"].as_u64().unwrap());
        a.extend(nodes(sa));
        b.extend(nodes(sb));
        after_a = sa["pageInfo"]["endCursor"].clone();
        after_b = sb["pageInfo"]["endCursor"].clone();
        if sa["pageInfo"]["hasNextPage"] != true && sb["pageInfo"]["hasNextPage"] != true {
            break;
        }
    }
    assert_eq!(a.len() as u64, totals.0);
    assert_eq!(b.len() as u64, totals.1);
    assert_unique(&a, "school a");
    assert_unique(&b, "school b");
    let overlap: HashSet<String> = ids(&a).into_iter().filter(|id| ids(&b).contains(id)).collect();
    assert!(overlap.is_empty(), "two schools share no staff in the demo");

    // Under a list, every parent gets its first page and its own total.
    let data = app
        .query_ok(
            "{ organizations(kind: SCHOOL, first: 12) { edges { node { staff(first: 3) { totalCount edges { node { id } } } } } } }",
            json!({}),
        )
        .await;
    for school in nodes(&data["organizations"]) {
        assert_eq!(nodes(&school["staff"]).len(), 3);
        assert!(school["staff"]["totalCount"].as_u64().unwrap() > 3);
    }
}

fn strings(rows: &[Value], field: &str) -> Vec<String> {
    rows.iter().map(|r| r[field].as_str().unwrap().to_owned()).collect()
}

async fn orderings_sort_both_ways_and_pages_continue_in_order(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let cases = [
        (
            "staff",
            "orderBy: { field: LAST_NAME },",
            "id lastName",
            "lastName",
            false,
        ),
        (
            "staff",
            "orderBy: { field: HIRE_DATE, direction: DESC },",
            "id hireDate",
            "hireDate",
            true,
        ),
        (
            "staff",
            "orderBy: { field: EMPLOYEE_NUMBER, direction: DESC },",
            "id employeeNumber",
            "employeeNumber",
            true,
        ),
        ("organizations", "orderBy: { field: NAME },", "id name", "name", false),
        (
            "organizations",
            "orderBy: { field: CODE, direction: DESC },",
            "id code",
            "code",
            true,
        ),
        (
            "sections",
            "orderBy: { field: COURSE_NAME },",
            "id courseName",
            "courseName",
            false,
        ),
        (
            "evaluations",
            "orderBy: { field: ROSTERED_ON, direction: DESC },",
            "id rosteredOn",
            "rosteredOn",
            true,
        ),
        (
            "trainingCompletions",
            "orderBy: { field: COMPLETED_ON },",
            "id completedOn",
            "completedOn",
            false,
        ),
    ];
    for (field, order, selection, key, descending) in cases {
        let (rows, total) = walk(&app, field, order, selection, 45).await;
        assert_eq!(rows.len() as u64, total, "{field} {order}");
        assert_unique(&rows, order);
        let values = strings(&rows, key);
        let mut sorted = values.clone();
        sorted.sort();
        if descending {
            sorted.reverse();
        }
        assert_eq!(values, sorted, "{field} {order}: sorted across pages");
    }
    // Numbers sort as numbers, not as text.
    let (rows, _) = walk(
        &app,
        "surveyAdministrations",
        "orderBy: { field: RESPONSE_COUNT, direction: DESC },",
        "id responseCount",
        60,
    )
    .await;
    let counts: Vec<i64> = rows.iter().map(|r| r["responseCount"].as_i64().unwrap()).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "response counts descend");

    // A cursor belongs to its ordering.
    let data = app
        .query_ok(
            "{ staff(first: 2, orderBy: { field: LAST_NAME }) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let cursor = &data["staff"]["pageInfo"]["endCursor"];
    let body = app
        .graphql(
            "query ($c: String) { staff(first: 2, after: $c, orderBy: { field: HIRE_DATE }) { totalCount } }",
            json!({ "c": cursor }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "after");
}

async fn total(app: &TestApp, field: &str, args: &str) -> u64 {
    let arguments = if args.is_empty() {
        String::new()
    } else {
        format!("({args})")
    };
    let data = app
        .query_ok(&format!("{{ {field}{arguments} {{ totalCount }} }}"), json!({}))
        .await;
    data[field]["totalCount"]
        .as_u64()
        .unwrap_or_else(|| panic!("{field}({args}): {data:#}"))
}

async fn staff_filters_match_the_database(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let db = &app.db;
    let teachers = staff::Entity::find()
        .filter(staff::Column::EmployeeGroupId.eq(1))
        .count(db)
        .await
        .unwrap();
    assert_eq!(
        total(&app, "staff", r#"filter: { employeeGroup: "TCH" }"#).await,
        teachers
    );
    let inactive = staff::Entity::find()
        .filter(staff::Column::Active.eq(false))
        .count(db)
        .await
        .unwrap();
    assert!(inactive > 0, "the demo has inactive staff");
    assert_eq!(total(&app, "staff", "filter: { active: false }").await, inactive);

    let all = total(&app, "staff", "").await;
    let supervisors = total(&app, "staff", "filter: { supervisory: true }").await;
    let others = total(&app, "staff", "filter: { supervisory: false }").await;
    assert!(supervisors > 0 && others > supervisors);
    assert_eq!(supervisors + others, all, "supervisory splits the staff in two");
    let data = app
        .query_ok(
            "{ staff(first: 100, filter: { supervisory: true }) { edges { node { assignments(first: 20) { edges { node { supervisory management endDate } } } } } } }",
            json!({}),
        )
        .await;
    for person in nodes(&data["staff"]) {
        let holds = nodes(&person["assignments"])
            .iter()
            .any(|a| (a["supervisory"] == true || a["management"] == true) && a["endDate"].is_null());
        assert!(holds, "a supervisor holds a current supervisory or management position");
    }

    // An organization's staff include its descendants': the region's are the people placed at
    // the region itself or at one of its schools, each counted once.
    let region = organization::Entity::find()
        .filter(organization::Column::Code.eq("RGN-S"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let tree: Vec<i32> = organization::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(organization::Column::Id.eq(region.id))
                .add(organization::Column::ParentId.eq(region.id)),
        )
        .all(db)
        .await
        .unwrap()
        .iter()
        .map(|o| o.id)
        .collect();
    let today = chrono::Utc::now().date_naive();
    let placed: HashSet<i32> = assignment::Entity::find()
        .filter(assignment::Column::OrganizationId.is_in(tree.clone()))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.end_date.is_none_or(|end| end >= today))
        .map(|a| a.staff_id)
        .collect();
    assert!(tree.len() > 6 && placed.len() > 100);
    let schools_sum = total(&app, "staff", r#"organization: "RGN-S""#).await;
    assert_eq!(schools_sum, placed.len() as u64);
    let one_school = total(&app, "staff", r#"organization: "SCH-201""#).await;
    assert!(0 < one_school && one_school < schools_sum);
    assert!(total(&app, "staff", r#"organization: "DIST""#).await > schools_sum);
    assert_eq!(total(&app, "staff", r#"organization: "NOPE""#).await, 0);
    let combined = total(
        &app,
        "staff",
        r#"organization: "RGN-S", filter: { employeeGroup: "TCH", active: true }"#,
    )
    .await;
    assert!(combined > 0 && combined < schools_sum, "filters combine");
}

async fn evaluation_filters_match_the_database(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let db = &app.db;
    let all = evaluation::Entity::find().count(db).await.unwrap();
    assert_eq!(total(&app, "evaluations", "filter: { schoolYear: 2026 }").await, all);
    assert_eq!(total(&app, "evaluations", "filter: { schoolYear: 2025 }").await, 0);
    let mut by_status = 0;
    for status in ["ROSTERED", "IN_PROGRESS", "COMPLETE", "WITHDRAWN"] {
        let n = total(&app, "evaluations", &format!("filter: {{ status: {status} }}")).await;
        assert!(n > 0, "{status} occurs in the demo");
        by_status += n;
    }
    assert_eq!(by_status, all);

    let data = app
        .query_ok(
            r#"{ evaluations(first: 100, filter: { process: "EDST", school: "SCH-101", status: COMPLETE }) { totalCount edges { node {
                  status school { code } cycle { process { code } } evaluator { employeeNumber } } } } }"#,
            json!({}),
        )
        .await;
    let rows = nodes(&data["evaluations"]);
    assert!(!rows.is_empty());
    for row in &rows {
        assert_eq!(row["status"], "COMPLETE");
        assert_eq!(row["school"]["code"], "SCH-101");
        assert_eq!(row["cycle"]["process"]["code"], "EDST");
    }
    let evaluator = rows[0]["evaluator"]["employeeNumber"].as_str().unwrap();
    let given = app
        .query_ok(
            &format!(r#"{{ staffMember(employeeNumber: "{evaluator}") {{ evaluationsGiven {{ totalCount }} }} }}"#),
            json!({}),
        )
        .await;
    assert_eq!(
        total(
            &app,
            "evaluations",
            &format!(r#"filter: {{ evaluator: "{evaluator}" }}"#)
        )
        .await,
        given["staffMember"]["evaluationsGiven"]["totalCount"].as_u64().unwrap()
    );
}

async fn section_administration_and_training_filters_match_the_database(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let db = &app.db;
    let school = organization::Entity::find()
        .filter(organization::Column::Code.eq("SCH-102"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let sections = section::Entity::find()
        .filter(section::Column::SchoolId.eq(school.id))
        .filter(section::Column::SchoolYear.eq(2026))
        .count(db)
        .await
        .unwrap();
    assert!(sections > 0);
    assert_eq!(
        total(&app, "sections", r#"school: "SCH-102", schoolYear: 2026"#).await,
        sections
    );
    assert_eq!(
        total(&app, "sections", r#"school: "SCH-102", schoolYear: 2020"#).await,
        0
    );

    let mut by_status = 0;
    let sfs = total(&app, "surveyAdministrations", r#"filter: { survey: "SFS-2026" }"#).await;
    for status in ["PLANNED", "OPEN", "ADMINISTERED", "CANCELLED"] {
        let n = total(
            &app,
            "surveyAdministrations",
            &format!(r#"filter: {{ survey: "SFS-2026", status: {status} }}"#),
        )
        .await;
        assert!(n > 0, "{status} occurs in the demo");
        by_status += n;
    }
    assert_eq!(by_status, sfs);
    let data = app
        .query_ok(
            r#"{ surveyAdministrations(first: 100, filter: { school: "SCH-102", status: ADMINISTERED }) { edges { node { status section { school { code } } } } } }"#,
            json!({}),
        )
        .await;
    let rows = nodes(&data["surveyAdministrations"]);
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r["status"] == "ADMINISTERED" && r["section"]["school"]["code"] == "SCH-102")
    );

    let (from, to) = ("2025-07-01", "2026-06-30");
    let data = app
        .query_ok(
            &format!(
                r#"{{ trainingCompletions(first: 100, filter: {{ category: WELLNESS, from: "{from}", to: "{to}" }}) {{ totalCount edges {{ node {{ completedOn course {{ category }} }} }} }} }}"#
            ),
            json!({}),
        )
        .await;
    let rows = nodes(&data["trainingCompletions"]);
    assert!(!rows.is_empty());
    for row in &rows {
        assert_eq!(row["course"]["category"], "WELLNESS");
        let on = row["completedOn"].as_str().unwrap();
        assert!(from <= on && on <= to, "{on} within the range, both ends included");
    }
    let all_wellness = total(&app, "trainingCompletions", "filter: { category: WELLNESS }").await;
    assert!(
        all_wellness > data["trainingCompletions"]["totalCount"].as_u64().unwrap(),
        "the range narrows"
    );
}

async fn page_arguments_out_of_range_are_bad_user_input(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    for (query, field) in [
        ("{ staff(first: 101) { totalCount } }", "first"),
        ("{ staff(first: -1) { totalCount } }", "first"),
        (r#"{ staff(after: "bogus") { totalCount } }"#, "after"),
        (
            r#"{ organization(code: "SCH-101") { staff(first: 500) { totalCount } } }"#,
            "first",
        ),
        (
            r#"{ framework(code: "TLF") { standards(after: "x") { totalCount } } }"#,
            "after",
        ),
    ] {
        let body = app.graphql(query, json!({})).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{query}: {body:#}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{query}");
    }
    // Exactly 100 is allowed; no `first` means 20.
    let data = app
        .query_ok(
            "{ a: staff(first: 100) { edges { cursor } } b: staff { edges { cursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["a"]["edges"].as_array().unwrap().len(), 100);
    assert_eq!(data["b"]["edges"].as_array().unwrap().len(), 20);
}

/// Walks `field` back from its end with `last`/`before`; returns the pages, each in the
/// connection's order.
async fn walk_back(app: &TestApp, field: &str, args: &str, last: u32) -> Vec<Vec<String>> {
    let query = format!(
        "query ($before: String) {{ {field}({args} last: {last}, before: $before) {{ totalCount \
         pageInfo {{ hasNextPage hasPreviousPage startCursor }} edges {{ node {{ id }} }} }} }}"
    );
    let (mut pages, mut before) = (Vec::new(), Value::Null);
    for page in 0.. {
        let data = app.query_ok(&query, json!({ "before": before })).await;
        let connection = &data[field];
        assert_eq!(connection["pageInfo"]["hasNextPage"], page > 0, "{field} page {page}");
        pages.push(ids(&nodes(connection)));
        if connection["pageInfo"]["hasPreviousPage"] != true {
            break;
        }
        before = connection["pageInfo"]["startCursor"].clone();
        assert!(page < 10_000, "the walk ends");
    }
    pages
}

async fn walking_back_with_last_and_before_yields_the_forward_rows_in_reverse(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    for (field, args) in [
        ("staff", ""),
        ("staff", "orderBy: { field: LAST_NAME, direction: DESC },"),
        ("organizations", "kind: SCHOOL,"),
    ] {
        let (forward, total) = walk(&app, field, args, "id", 17).await;
        let pages = walk_back(&app, field, args, 17).await;
        assert!(pages.iter().all(|p| p.len() <= 17));
        let mut back: Vec<String> = pages.into_iter().rev().flatten().collect();
        assert_eq!(back.len() as u64, total, "{field}({args}): every row once going back");
        assert_eq!(back, ids(&forward), "{field}({args}): the same rows in the same order");
        back.dedup();
        assert_eq!(back.len() as u64, total);
    }

    // Nested, per parent: a school's last 5 staff are the end of its forward list, and a
    // page back from a cursor is the rows just before it.
    let query = r#"query ($before: String) { organization(code: "SCH-101") {
        all: staff(first: 100) { edges { cursor node { id } } }
        tail: staff(last: 5) { pageInfo { hasPreviousPage hasNextPage } edges { node { id } } }
        back: staff(last: 3, before: $before) { edges { node { id } } } } }"#;
    let first = app.query_ok(query, json!({ "before": null })).await;
    let all: Vec<Value> = first["organization"]["all"]["edges"].as_array().unwrap().clone();
    let all_ids: Vec<String> = all
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(all_ids.len() > 10, "the school has staff");
    let tail = &first["organization"]["tail"];
    assert_eq!(ids(&nodes(tail)), all_ids[all_ids.len() - 5..].to_vec());
    assert_eq!(tail["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(tail["pageInfo"]["hasNextPage"], false);
    let cursor = all[7]["cursor"].clone();
    let data = app.query_ok(query, json!({ "before": cursor })).await;
    assert_eq!(ids(&nodes(&data["organization"]["back"])), all_ids[4..7].to_vec());

    // One direction a request.
    for (query, field) in [
        ("{ staff(first: 5, last: 5) { totalCount } }", "last"),
        (r#"{ staff(after: "x", before: "y") { totalCount } }"#, "before"),
        ("{ staff(last: 101) { totalCount } }", "last"),
        (r#"{ staff(last: 2, before: "bogus") { totalCount } }"#, "before"),
    ] {
        let body = app.graphql(query, json!({})).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{query}: {body:#}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{query}");
    }
}

async fn staff_name_search_is_a_case_insensitive_prefix_on_last_or_first_name(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let everyone = staff::Entity::find().all(&app.db).await.unwrap();
    let some = &everyone[everyone.len() / 2];
    for prefix in [
        some.last_name[..3].to_uppercase(),
        some.first_name[..2].to_lowercase(),
        some.last_name.clone(),
    ] {
        let lower = prefix.to_lowercase();
        let expected: HashSet<i32> = everyone
            .iter()
            .filter(|p| {
                p.last_name.to_lowercase().starts_with(&lower) || p.first_name.to_lowercase().starts_with(&lower)
            })
            .map(|p| p.id)
            .collect();
        assert!(expected.contains(&some.id));
        let (rows, total) = walk(
            &app,
            "staff",
            &format!("filter: {{ name: {prefix:?} }},"),
            "id employeeNumber",
            100,
        )
        .await;
        assert_eq!(total as usize, expected.len(), "name: {prefix:?}");
        let found: HashSet<String> = rows
            .iter()
            .map(|r| r["employeeNumber"].as_str().unwrap().to_owned())
            .collect();
        let wanted: HashSet<String> = everyone
            .iter()
            .filter(|p| expected.contains(&p.id))
            .map(|p| p.employee_number.clone())
            .collect();
        assert_eq!(found, wanted, "name: {prefix:?}");
    }
    // Also under a school, with the other filters.
    let data = app
        .query_ok(
            r#"{ organization(code: "SCH-101") { staff(filter: { name: "zzzz-nobody", active: true }) { totalCount } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["organization"]["staff"]["totalCount"], 0);
    // A NUL (in the variable, refused before anything runs) or an over-long prefix is
    // BAD_USER_INPUT naming what to fix, on both databases.
    for (name, field) in [("a\u{0}b".to_owned(), "n"), ("x".repeat(101), "filter.name")] {
        let body = app
            .graphql(
                "query ($n: String) { staff(filter: { name: $n }) { totalCount } }",
                json!({ "n": name }),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body:#}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field);
    }
}

/// The search is a range on `lower(name)`: the database's planner answers it from the
/// `ix_staff_*_name_lower` indexes, not by reading every staff row.
async fn staff_name_search_is_answered_from_the_name_indexes(backend: Backend) {
    use sea_orm::sea_query::Query;
    use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
    let app = TestApp::spawn_with_demo(backend).await;
    // One connection for the session setting and the EXPLAIN.
    let txn = app.db.begin().await.unwrap();
    let db_backend = app.db.get_database_backend();
    let select = Query::select()
        .column((staff::Entity, staff::Column::Id))
        .from(staff::Entity)
        .cond_where(api::org::relations::name_starts_with("gar", db_backend))
        .to_owned();
    let (sql, values) = match db_backend {
        sea_orm::DbBackend::Postgres => select.build(sea_orm::sea_query::PostgresQueryBuilder),
        _ => select.build(sea_orm::sea_query::SqliteQueryBuilder),
    };
    let explain = match db_backend {
        // Without statistics on a small table, PostgreSQL may prefer a scan; forbid it so the
        // plan shows whether the indexes can answer at all.
        sea_orm::DbBackend::Postgres => {
            txn.execute_unprepared("SET LOCAL enable_seqscan = off").await.unwrap();
            format!("EXPLAIN {sql}")
        }
        _ => format!("EXPLAIN QUERY PLAN {sql}"),
    };
    let rows = txn
        .query_all_raw(Statement::from_sql_and_values(db_backend, explain, values))
        .await
        .unwrap();
    let plan: Vec<String> = rows
        .iter()
        .map(|r| {
            r.try_get_by_index::<String>(r.column_names().len() - 1)
                .unwrap_or_default()
        })
        .collect();
    let plan = plan.join("\n");
    assert!(
        plan.contains("ix_staff_last_name_lower") && plan.contains("ix_staff_first_name_lower"),
        "the plan does not use both name indexes:\n{plan}"
    );
}
