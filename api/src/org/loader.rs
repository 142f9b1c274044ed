//! Batch loaders of the organization area: each `load` is one `WHERE … IN (…)` statement.

use crate::error::ApiError;
use entity::organization;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// Organizations by surrogate id.
pub struct OrganizationById {
    pub db: DatabaseConnection,
}

impl async_graphql::dataloader::Loader<i32> for OrganizationById {
    type Value = organization::Model;
    type Error = ApiError;

    #[tracing::instrument(skip_all, fields(keys = keys.len()))]
    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let rows = organization::Entity::find()
            .filter(organization::Column::Id.is_in(keys.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}
