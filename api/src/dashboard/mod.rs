//! The public dashboard (issue 17): `/dashboard` and `/dashboard/region/{code}`, a page a
//! parent, a journalist or a board member can read — the seven plan measures of a school
//! year for the district or a region, each with its target, whether it is met, the change
//! from the year before and a chart of its breakdown, withheld cells marked with why.
//!
//! **The same figures as PUBLIC's GraphQL.** The page is built from
//! [`plan_measures_for`] with the PUBLIC viewer — the call `planMeasures` makes for a request
//! without a token — so its scope, as-of date (a published date) and suppression are the
//! public's, and a test checks every number on the page against the GraphQL answer.
//!
//! **Cheap under a crowd.** Rendered pages are kept for [`FRESH_FOR`] per (school year,
//! scope) and sent with `Cache-Control: public, max-age=60` and an `ETag` (`If-None-Match`
//! answers 304): the public's figures move only on published dates, so a spike of visitors
//! costs one computation a minute per page, in the anonymous queue of the measures (never
//! ahead of a signed-in user's). Server-rendered HTML, no script: it works without
//! JavaScript, prints, and reads on a phone.

pub mod view;

use crate::auth::Viewer;
use crate::calendar::SchoolYear;
use crate::db::Pools;
use crate::error::{ApiError, ApiResult};
use crate::measures::query::{Asked, plan_measures_for};
use crate::sql::Params;
use crate::sql::tree::Scope;
use entity::enums::OrganizationKind;
use poem::http::{StatusCode, header};
use poem::web::{Data, Path, Query};
use poem::{IntoResponse, Response, Route, get, handler};
use sea_orm::{DatabaseConnection, FromQueryResult};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use view::{Link, MeasureView, PageView, YearOption};

/// How long a rendered page is served before it is made again.
pub const FRESH_FOR: Duration = Duration::from_secs(60);

/// What the page may load: nothing but itself (its style is inline, it has no script).
const POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
                      form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// A rendered page and its entity tag.
struct Rendered {
    body: String,
    etag: String,
    at: Instant,
}

/// A page's key: the school year as asked (none: the default) and the region's code (empty:
/// the district).
type PageKey = (Option<i32>, String);

/// The dashboard's pages, rendered, per [`PageKey`].
#[derive(Default)]
pub struct Pages {
    kept: Mutex<HashMap<PageKey, Arc<Rendered>>>,
}

/// The dashboard's routes, to nest under `/dashboard`.
pub fn routes(pools: Pools) -> impl poem::Endpoint {
    use poem::EndpointExt;
    Route::new()
        .at("/", get(district_page))
        .at("/region/:code", get(region_page))
        .data(pools)
        .data(Arc::new(Pages::default()))
}

/// `?year=2026`: parsed here, so that a bad one gets the page's own 400.
#[derive(Debug, serde::Deserialize)]
struct YearParam {
    year: Option<String>,
}

impl YearParam {
    fn parse(&self) -> ApiResult<Option<i32>> {
        self.year
            .as_deref()
            .map(|text| {
                text.trim()
                    .parse::<i32>()
                    .map_err(|_| ApiError::bad_input("year", "a school year is its ending year, e.g. 2026"))
            })
            .transpose()
    }
}

#[handler]
async fn district_page(
    request: &poem::Request,
    Query(param): Query<YearParam>,
    pools: Data<&Pools>,
    pages: Data<&Arc<Pages>>,
) -> Response {
    respond(request, &pools, &pages, param.parse(), None).await
}

#[handler]
async fn region_page(
    request: &poem::Request,
    Path(code): Path<String>,
    Query(param): Query<YearParam>,
    pools: Data<&Pools>,
    pages: Data<&Arc<Pages>>,
) -> Response {
    respond(request, &pools, &pages, param.parse(), Some(code)).await
}

async fn respond(
    request: &poem::Request,
    pools: &Pools,
    pages: &Pages,
    year: ApiResult<Option<i32>>,
    region: Option<String>,
) -> Response {
    let result = match year {
        Ok(year) => page(pools, pages, year, region.as_deref()).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(rendered) => {
            let matches = request
                .headers()
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|tags| tags.split(',').any(|t| t.trim() == rendered.etag));
            let response = if matches {
                Response::builder().status(StatusCode::NOT_MODIFIED).finish()
            } else {
                Response::builder()
                    .content_type("text/html; charset=utf-8")
                    .body(rendered.body.clone())
            };
            with_headers(response, Some(&rendered.etag))
        }
        Err(ApiError::NotFound(what)) => error_page(StatusCode::NOT_FOUND, &format!("There is no {what}.")),
        Err(ApiError::BadUserInput { message, .. }) => error_page(StatusCode::BAD_REQUEST, &message),
        Err(error) => {
            error.log();
            let status = if ApiError::passes_with_time(error.code()) {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
            error_page(
                status,
                "The figures cannot be shown just now; please try again in a minute.",
            )
        }
    }
}

fn with_headers(mut response: Response, etag: Option<&str>) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static(if etag.is_some() {
            "public, max-age=60"
        } else {
            "no-store"
        }),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    if let Some(tag) = etag.and_then(|t| header::HeaderValue::from_str(t).ok()) {
        headers.insert(header::ETAG, tag);
    }
    response
}

fn error_page(status: StatusCode, message: &str) -> Response {
    let escaped = message.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Staff measures</title></head>\
         <body><main><h1>Staff measures</h1><p>{escaped}</p><p><a href=\"/dashboard\">The district's page</a></p></main></body></html>"
    );
    with_headers((status, poem::web::Html(body)).into_response(), None)
}

/// The page of `region` (the district when none) for `year` (the latest with data when
/// none), from the kept pages when it is fresh.
async fn page(pools: &Pools, pages: &Pages, year: Option<i32>, region: Option<&str>) -> ApiResult<Arc<Rendered>> {
    let asked = year.map(|asked| SchoolYear::parse(asked, "year")).transpose()?;
    // Kept by the year as asked (none: the default), so that a fresh page costs no statement.
    let key = (asked.map(SchoolYear::value), region.unwrap_or_default().to_owned());
    if let Some(kept) = pages.kept.lock().ok().and_then(|kept| kept.get(&key).cloned())
        && kept.at.elapsed() < FRESH_FOR
    {
        return Ok(kept);
    }
    let years = years_with_data(&pools.reads).await?;
    let year = asked.unwrap_or_else(|| default_year(&years));
    let rendered = Arc::new(render(pools, year, region, &years).await?);
    if let Ok(mut kept) = pages.kept.lock() {
        kept.insert(key, rendered.clone());
    }
    Ok(rendered)
}

/// The school years with data (evaluation cycles or surveys), newest first.
async fn years_with_data(db: &DatabaseConnection) -> ApiResult<Vec<i32>> {
    #[derive(FromQueryResult)]
    struct Year {
        school_year: i32,
    }
    let rows: Vec<Year> = Params::new()
        .rows(
            db,
            "SELECT school_year FROM evaluation_cycle UNION SELECT school_year FROM survey ORDER BY school_year DESC",
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.school_year).collect())
}

/// The latest year with data that has begun; this school year when there is none.
fn default_year(years: &[i32]) -> SchoolYear {
    let current = SchoolYear::of(chrono::Utc::now().date_naive());
    years
        .iter()
        .copied()
        .find(|y| *y <= current.value())
        .and_then(|y| SchoolYear::parse(y, "year").ok())
        .unwrap_or(current)
}

fn year_label(year: i32) -> String {
    format!("{}–{:02}", year - 1, year % 100)
}

async fn render(pools: &Pools, year: SchoolYear, region: Option<&str>, years: &[i32]) -> ApiResult<Rendered> {
    let db = &pools.reads;
    if let Some(code) = region {
        // Only a region has a page of its own: a school's figures are not the public's.
        let scope = Scope::resolve(db, Some(code), "region").await?;
        if scope.organization.kind != OrganizationKind::Region {
            return Err(ApiError::NotFound(format!("region `{code}`")));
        }
    }
    let viewer = Viewer::public();
    let asked = Asked {
        year,
        organization: region,
        as_of: None,
        codes: &[],
    };
    let results = plan_measures_for(db, &pools.primary, &viewer, asked).await?;
    let first = results
        .first()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("the plan measures are missing from the reference data")))?;
    let scope = &first.organization;
    let query = format!("?year={}", year.value());
    let region_href = |o: &entity::organization::Model| {
        (o.kind == OrganizationKind::Region).then(|| format!("/dashboard/region/{}{query}", o.code))
    };
    let measures: Vec<MeasureView> = results.iter().map(|r| MeasureView::of(r, region_href)).collect();
    let regions = if region.is_none() {
        first
            .breakdown
            .iter()
            .filter_map(|(o, _)| {
                region_href(o).map(|href| Link {
                    name: o.name.clone(),
                    href,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = PageView {
        title: format!("{}: staff measures, {}", scope.name, year_label(year.value())),
        scope_name: scope.name.clone(),
        scope_code: scope.code.clone(),
        scope_kind: if region.is_some() { "region" } else { "district" },
        year: year.value(),
        year_label: year_label(year.value()),
        as_of: first.as_of.to_string(),
        years: years
            .iter()
            .map(|y| YearOption {
                value: *y,
                label: year_label(*y),
                selected: *y == year.value(),
            })
            .collect(),
        regions,
        district: region.map(|_| Link {
            name: "the district".to_owned(),
            href: format!("/dashboard{query}"),
        }),
        measures,
    };
    let body = template()?
        .render(minijinja::context! { page })
        .map_err(|e| ApiError::internal(anyhow::Error::new(e).context("rendering the dashboard")))?;
    let digest = Sha256::digest(body.as_bytes());
    let etag = format!(
        "\"{}\"",
        digest.iter().take(12).map(|b| format!("{b:02x}")).collect::<String>()
    );
    Ok(Rendered {
        body,
        etag,
        at: Instant::now(),
    })
}

/// The page's template (`page.html`, compiled into the binary; HTML-escaped).
fn template() -> ApiResult<minijinja::Template<'static, 'static>> {
    static ENVIRONMENT: std::sync::OnceLock<minijinja::Environment<'static>> = std::sync::OnceLock::new();
    let environment = ENVIRONMENT.get_or_init(|| {
        let mut environment = minijinja::Environment::new();
        if let Err(error) = environment.add_template("page.html", include_str!("page.html")) {
            tracing::error!(%error, "the dashboard's template does not parse");
        }
        environment
    });
    environment
        .get_template("page.html")
        .map_err(|e| ApiError::internal(anyhow::Error::new(e).context("the dashboard's template")))
}
