//! Queries of the wellness area.

use super::service::EaseTable;
use super::types::{EaseUsage, ease_services};
use crate::graphql::RequestContext;
use crate::measures::query::measure;
use async_graphql::{Context, Object, Result, ResultExt};

/// What `easeUsage` costs in a request's budget (`graphql::cost`): the EASE measure and the
/// year's EASE table.
pub const COSTS: &[(&str, &str, u64)] = &[("Query", "easeUsage", 400)];

/// Wellness queries.
#[derive(Default)]
pub struct WellnessQuery;

#[Object]
impl WellnessQuery {
    /// EASE (confidential counseling) use: utilization against the prior year, sessions per
    /// 1,000 eligible employees and use per service type; counts from 1 to 10 withheld.
    async fn ease_usage(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "School year, by its ending year.")] school_year: i32,
        #[graphql(desc = "Code of the district or a region; the district when omitted.")] organization: Option<String>,
    ) -> Result<EaseUsage> {
        let request = RequestContext::of(ctx).extend()?;
        let (result, scope, year) = measure(ctx, "EASE_USAGE", school_year, organization.as_deref()).await?;
        let table = EaseTable::load(&request.db, year).await.extend()?;
        let services = ease_services(table.services(scope.organization.id));
        Ok(EaseUsage { result, services })
    }
}
