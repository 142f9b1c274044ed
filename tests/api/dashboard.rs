//! The public dashboard (issue 17): every number on the page is PUBLIC's GraphQL answer, a
//! withheld cell says why and is never a number, the region pages and the year selector
//! work, and a crowd is answered from the cache (`ETag`, 304, `Cache-Control`).

use crate::helpers::{Backend, TestApp};
use crate::on_both_databases;
use serde_json::{Value, json};
use std::collections::BTreeMap;

on_both_databases!(
    every_figure_on_the_dashboard_is_the_publics_graphql_answer,
    the_dashboard_is_cached_by_etag_and_refuses_what_is_not_a_region_or_a_year,
);

/// What a page or the API shows for one measure over one organization.
#[derive(Debug, Clone, PartialEq)]
enum Shown {
    Rate(f64),
    Withheld,
    Nothing,
}

/// The value of attribute `name` at the start of `text` (` name="…"`), if it is there.
fn attribute<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let rest = text.strip_prefix(&format!(" {name}=\""))?;
    rest.split('"').next()
}

/// Every figure of a page, by (measure code, organization code): the headline and each
/// breakdown cell carry `data-measure`, `data-org` and `data-rate` or `data-withheld`.
fn page_figures(html: &str) -> BTreeMap<(String, String), Shown> {
    let mut figures = BTreeMap::new();
    for piece in html.split(" data-measure=\"").skip(1) {
        let Some((code, rest)) = piece.split_once('"') else {
            continue;
        };
        let Some(org) = attribute(rest, "data-org") else {
            continue;
        };
        let rest = &rest[" data-org=\"\"".len() + org.len()..];
        let shown = match (attribute(rest, "data-rate"), rest.contains(" data-withheld=\"")) {
            (Some(rate), _) => Shown::Rate(rate.parse().unwrap_or_else(|_| panic!("{code}/{org}: {rate}"))),
            (None, true) if attribute(rest, "data-withheld").is_some() => Shown::Withheld,
            _ => Shown::Nothing,
        };
        figures.insert((code.to_owned(), org.to_owned()), shown);
    }
    figures
}

fn shown(figure: &Value) -> Shown {
    if figure["suppressed"] == true {
        Shown::Withheld
    } else {
        figure["rate"].as_f64().map_or(Shown::Nothing, Shown::Rate)
    }
}

/// PUBLIC's `planMeasures` (no token) for `organization`, by (measure, organization).
async fn graphql_figures(app: &TestApp, organization: Option<&str>) -> BTreeMap<(String, String), Shown> {
    let data = app
        .query_ok_as(
            None,
            "query ($org: String) { planMeasures(schoolYear: 2026, organization: $org) {
               code rate suppressed organization { code }
               breakdown { organization { code } rate suppressed } } }",
            json!({ "org": organization }),
        )
        .await;
    let mut figures = BTreeMap::new();
    for m in data["planMeasures"].as_array().unwrap() {
        let code = m["code"].as_str().unwrap().to_owned();
        let scope = m["organization"]["code"].as_str().unwrap().to_owned();
        figures.insert((code.clone(), scope), shown(m));
        for cell in m["breakdown"].as_array().unwrap() {
            let org = cell["organization"]["code"].as_str().unwrap().to_owned();
            figures.insert((code.clone(), org), shown(cell));
        }
    }
    figures
}

async fn every_figure_on_the_dashboard_is_the_publics_graphql_answer(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let page = app.client.get(app.url("/dashboard?year=2026")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    for code in [
        "SFS_COVERAGE",
        "SUPERVISOR_TRAINING",
        "MULTIPLE_MEASURES",
        "EASE_USAGE",
        "EXCELLENT_ATTENDANCE",
        "SES_SUPPORTIVE",
        "WELLNESS_PD",
    ] {
        assert!(
            html.contains(&format!("<section class=\"measure\" id=\"{code}\"")),
            "{code} on the page"
        );
    }
    // (The template escapes `/` in attributes as `&#x2f;`, which a browser reads as `/`.)
    let html = html.replace("&#x2f;", "/");
    let on_page = page_figures(&html);
    let answered = graphql_figures(&app, None).await;
    assert_eq!(on_page, answered, "the district page and PUBLIC's GraphQL");
    assert!(
        on_page.len() >= 7 * 3,
        "a headline and a cell per region for each measure"
    );
    assert!(
        on_page.values().any(|s| matches!(s, Shown::Rate(_))),
        "the page shows figures: {on_page:?}"
    );
    // A withheld cell says why in words, and is drawn as no bar.
    if on_page.values().any(|s| *s == Shown::Withheld) {
        assert!(html.contains("withheld"), "a withheld cell gives its reason");
    }
    // Each region's own page is its PUBLIC GraphQL answer too, and is linked from the
    // district's.
    let regions: Vec<String> = on_page
        .keys()
        .filter(|(code, org)| code == "SFS_COVERAGE" && org.starts_with("RGN"))
        .map(|(_, org)| org.clone())
        .collect();
    assert_eq!(regions.len(), 2, "{regions:?}");
    for region in &regions {
        let href = format!("/dashboard/region/{region}?year=2026");
        assert!(
            html.contains(&format!("href=\"{href}\"")),
            "the district page links {href}"
        );
        let page = app.client.get(app.url(&href)).send().await.unwrap();
        assert_eq!(page.status(), 200, "{href}");
        let html = page.text().await.unwrap();
        assert_eq!(
            page_figures(&html),
            graphql_figures(&app, Some(region)).await,
            "{region}"
        );
        assert!(html.contains("Back to the district"));
    }
    // The year selector offers the years with data, the one shown selected.
    assert!(
        html.contains("<option value=\"2026\" selected>2025–26</option>"),
        "{html}"
    );
}

async fn the_dashboard_is_cached_by_etag_and_refuses_what_is_not_a_region_or_a_year(backend: Backend) {
    let app = TestApp::spawn_with_demo(backend).await;
    let first = app.client.get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let headers = first.headers().clone();
    assert_eq!(headers["cache-control"], "public, max-age=60");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let again = app
        .client
        .get(app.url("/dashboard"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304, "the same page is not sent twice");
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    // The page's default year is the latest with data: the demo's 2026.
    let body = first.text().await.unwrap();
    assert!(body.contains("staff measures, 2025–26"), "{body}");
    // A school has no public page; an unknown region and a year out of range say so.
    for (path, status) in [
        ("/dashboard/region/NOPE", 404),
        ("/dashboard?year=1800", 400),
        ("/dashboard?year=soon", 400),
    ] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), status, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
    }
    let school = app
        .query_ok(
            "{ organizations(kind: SCHOOL, first: 1) { edges { node { code } } } }",
            json!({}),
        )
        .await;
    let code = school["organizations"]["edges"][0]["node"]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = app
        .client
        .get(app.url(&format!("/dashboard/region/{code}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404, "a school is not a region");
}

/// The variable naming the browser for page tests (Debian's `/usr/bin/chromium`).
const BROWSER_ENV: &str = "STAFFGRAPH_TEST_BROWSER";

/// Opened in headless Chromium with no internet, the demo district's page shows the seven
/// measures with their charts, a withheld cell with its reason, and axe-core finds no
/// serious or critical violation; it fits a phone's width and the keyboard reaches the year
/// selector first. The screenshots are kept in `target/browser/dashboard*.png`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_reads_in_a_real_browser_and_passes_the_accessibility_check() {
    let Some(chromium) = std::env::var_os(BROWSER_ENV) else {
        eprintln!(
            "skipped: set {BROWSER_ENV}=/usr/bin/chromium (Debian's chromium) after `npm ci --prefix tests/browser`"
        );
        return;
    };
    let app = TestApp::spawn_with_demo(Backend::Sqlite).await;
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser");
    std::fs::create_dir_all(&shots).unwrap();
    let (shot, phone) = (
        shots.join("dashboard.png").display().to_string(),
        shots.join("dashboard-phone.png").display().to_string(),
    );
    let url = app.url("/dashboard?year=2026");
    let args = ["dashboard.mjs", url.as_str(), &shot, &phone];
    let output = crate::helpers::node("browser", "axe-core", &args, &[("CHROMIUM", chromium)]).await;
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the dashboard failed in the browser:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_str(&report).expect("the script prints JSON");
    let measures = report["measures"].as_array().unwrap();
    assert_eq!(measures.len(), 7, "{report:#}");
    for m in measures {
        assert!(m["rows"].as_u64().unwrap() >= 2, "a row per child of the district: {m}");
        assert!(m["current"].as_str().is_some_and(|s| !s.is_empty()), "{m}");
    }
    // A bar for every cell with a rate, and none for a withheld one.
    for m in measures {
        assert_eq!(m["charts"], m["rated"], "{m}");
    }
    assert!(measures.iter().map(|m| m["charts"].as_u64().unwrap()).sum::<u64>() > 0);
    let withheld = report["withheld"].as_array().unwrap();
    assert!(!withheld.is_empty(), "the demo has withheld cells: {report:#}");
    assert!(
        withheld.iter().all(|c| {
            let shown = c["shown"].as_str().unwrap();
            (shown.contains("withheld") || shown.contains("not reported")) && !shown.contains('%')
        }),
        "a withheld cell says why, and shows no number: {withheld:?}"
    );
    assert_eq!(report["phoneOverflow"], 0, "nothing wider than a phone");
    assert_eq!(
        report["firstFocus"], "SELECT",
        "the keyboard reaches the year selector first"
    );
    let violations = report["violations"].as_array().unwrap();
    assert!(
        violations
            .iter()
            .all(|v| v["impact"] != "serious" && v["impact"] != "critical"),
        "{violations:#?}"
    );
}
