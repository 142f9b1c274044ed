//! Queries of the evaluation area.

use super::relations::filter_evaluations;
use super::types::{Evaluation, EvaluationFilter, EvaluationOrder, EvaluationProcess};
use crate::graphql::RequestContext;
use crate::graphql::loader::{list, reference_rows};
use crate::graphql::relay::{Page, PageArgs};
use async_graphql::{Context, Object, Result, ResultExt};
use entity::{evaluation, evaluation_process};
use sea_orm::{EntityTrait, QueryTrait};

/// Evaluation queries.
#[derive(Default)]
pub struct EvaluationQuery;

#[Object]
impl EvaluationQuery {
    /// Evaluations across the district, filtered.
    async fn evaluations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows matching every filter given.")] filter: Option<EvaluationFilter>,
        #[graphql(desc = "Order of the rows; creation order when omitted.")] order_by: Option<EvaluationOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<Evaluation>> {
        let request = RequestContext::of(ctx).extend()?;
        let mut select = evaluation::Entity::find().into_query();
        filter_evaluations(&mut select, &filter.unwrap_or_default(), &request.viewer);
        list::<evaluation::Entity, _>(
            ctx,
            select,
            PageArgs::new(first, after, last, before),
            EvaluationOrder::sort(order_by),
            Evaluation,
        )
        .await
    }

    /// The evaluation processes (EDST, EDSNCT, EDSC, EDSSL, PSL, CPM, STULL), by code.
    async fn evaluation_processes(&self, ctx: &Context<'_>) -> Result<Vec<EvaluationProcess>> {
        reference_rows::<evaluation_process::Entity, _>(ctx, evaluation_process::Column::Code, EvaluationProcess).await
    }
}
