//! Queries of the framework area.

use super::types::Framework;
use crate::graphql::loader::{by_key, reference_rows};
use async_graphql::{Context, Object, Result};
use entity::framework;

/// Framework queries.
#[derive(Default)]
pub struct FrameworkQuery;

#[Object]
impl FrameworkQuery {
    /// Every evaluation framework (there are five), by code.
    async fn frameworks(&self, ctx: &Context<'_>) -> Result<Vec<Framework>> {
        reference_rows::<framework::Entity, _>(ctx, framework::Column::Code, Framework).await
    }

    /// The framework with this code (`TLF`, `SLF`, `PSLF`, `CPF`, `SCF`), or null.
    async fn framework(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Natural key, e.g. `TLF`.")] code: String,
    ) -> Result<Option<Framework>> {
        by_key::<framework::Entity, _>(ctx, framework::Column::Code, &code, Framework).await
    }
}
