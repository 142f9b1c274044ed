//! `measureChanged`: the figures of a scope as the data under it changes (issue 19), for the
//! district team watching coverage climb during the survey window.

use super::query::{Asked, plan_measures_for};
use super::service::{Figure, MeasureResult};
use super::types::PlanMeasure;
use crate::auth::policy::scope_for;
use crate::calendar::SchoolYear;
use crate::graphql::RequestContext;
use crate::live::{Event, Hub, Shared};
use crate::privacy::Audience;
use async_graphql::{Context, Object, Result, ResultExt, Subscription};
use futures_util::Stream;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

/// The shortest time between two events of one `measureChanged` subscription by default
/// (`STAFFGRAPH_LIVE_INTERVAL`): changes that come closer together are folded into one event.
pub const COALESCE: Duration = Duration::from_secs(1);

type Figures = Vec<Arc<MeasureResult>>;

/// The latest figures by what they depend on (database, audience, scope, year, codes, day):
/// the subscribers of one dashboard (the district's figures as the public sees them, say)
/// share one read per change instead of each making it.
static SHARED: LazyLock<Shared<Figures>> = LazyLock::new(Shared::default);

/// The measures' subscriptions.
#[derive(Default)]
pub struct MeasuresSubscription;

/// The new figures of the subscribed measures.
pub struct MeasureChange {
    measures: Arc<Figures>,
    resync: bool,
}

/// The new figures of the subscribed measures over the scope.
#[Object]
impl MeasureChange {
    /// Each subscribed measure as `planMeasures` reads it now, suppressed for the viewer as
    /// there.
    async fn measures(&self) -> Vec<PlanMeasure> {
        self.measures.iter().cloned().map(PlanMeasure).collect()
    }
    /// True when changes may have been missed (the subscriber fell behind, or the server's
    /// connection that hears of changes was lost): the figures are current all the same.
    async fn resync(&self) -> bool {
        self.resync
    }
}

/// What an event compares, measure by measure: the headline, the prior year and each cell.
type Compared = Vec<(Figure, Figure, Vec<(i32, Figure)>)>;

/// The figures an event compares, in order: whether any moved.
fn figures(results: &[Arc<MeasureResult>]) -> Compared {
    results
        .iter()
        .map(|r| (r.figure, r.prior, r.breakdown.iter().map(|(o, f)| (o.id, *f)).collect()))
        .collect()
}

#[Subscription]
impl MeasuresSubscription {
    /// The figures of `codes` over `organization` in `schoolYear` whenever data under the
    /// scope changes (a mutation on any API node, an import) and a figure moved: at most one
    /// event a second (the server's `STAFFGRAPH_LIVE_INTERVAL`), folding the changes in
    /// between. The same measures, scope rules and suppression as `planMeasures` (the public
    /// gets the district's and regions' figures, small groups withheld). The first event is the figures as they stand when the
    /// subscription starts; after it, an event is sent only when a figure the viewer sees
    /// changed.
    async fn measure_changed<'a>(
        &self,
        ctx: &'a Context<'_>,
        #[graphql(desc = "School year, by its ending year.")] school_year: i32,
        #[graphql(desc = "Code of the district, a region or a school; the district when omitted.")]
        organization: Option<String>,
        #[graphql(desc = "Measure codes; all seven when omitted.")] codes: Option<Vec<String>>,
    ) -> Result<impl Stream<Item = Result<MeasureChange>> + 'a> {
        let request = RequestContext::of(ctx).extend()?;
        let year = SchoolYear::parse(school_year, "schoolYear").extend()?;
        let codes = codes.unwrap_or_default();
        let settings = ctx.data_opt::<crate::live::Settings>();
        let interval = settings.map_or(COALESCE, |s| s.interval);
        let slot = crate::live::slot(settings).extend()?;
        let mut changes = Hub::subscribe(&request.primary);
        // What the figures depend on once the scope is authorized: the audience, the scope,
        // the year, the codes (and the day, at each read).
        let scope = scope_for(&request.db, &request.viewer, organization.as_deref())
            .await
            .extend()?;
        let mut sorted = codes.clone();
        sorted.sort();
        let key = format!(
            "{}|{:?}|{}|{}|{}",
            crate::live::identity(&request.primary),
            Audience::of(&request.viewer, &scope),
            scope.organization.id,
            year.value(),
            sorted.join(",")
        );
        let read = async move |reflects: u64| {
            let key = format!("{key}|{}", chrono::Utc::now().date_naive());
            SHARED
                .get(key, reflects, async || {
                    let asked = Asked {
                        year,
                        organization: organization.as_deref(),
                        as_of: None,
                        codes: &codes,
                    };
                    let results = plan_measures_for(&request.db, &request.primary, &request.viewer, asked).await?;
                    Ok(results.into_iter().map(Arc::new).collect())
                })
                .await
        };
        // The first read checks the codes: a refusal ends the subscription now.
        let first = read(changes.seen()).await.extend()?;
        let mut last = figures(&first);
        Ok(async_stream::stream! {
            // The socket's place for this subscription, given back when it ends.
            let _slot = slot;
            // The figures as they stand first: a dashboard needs no query beside.
            yield Ok(MeasureChange { measures: first, resync: false });
            let mut sent_at = tokio::time::Instant::now();
            while let Some(event) = changes.next().await {
                let mut resync = event == Event::Resync;
                // Changes within the interval are one event.
                tokio::time::sleep_until(sent_at + interval).await;
                while let Some(more) = changes.try_next() {
                    resync |= more == Event::Resync;
                }
                let results = match read(changes.seen()).await {
                    Ok(results) => results,
                    Err(error) => {
                        yield Err(error).extend();
                        continue;
                    }
                };
                let now = figures(&results);
                if now == last && !resync {
                    continue;
                }
                last = now;
                sent_at = tokio::time::Instant::now();
                yield Ok(MeasureChange { measures: results, resync });
            }
        })
    }
}
