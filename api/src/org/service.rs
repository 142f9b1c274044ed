//! Database access of the organization-and-people area.

use crate::error::ApiResult;
use entity::organization;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};

/// The organization with natural key `code`.
#[tracing::instrument(skip_all)]
pub async fn by_code(db: &DatabaseConnection, code: &str) -> ApiResult<Option<organization::Model>> {
    Ok(organization::Entity::find()
        .filter(organization::Column::Code.eq(code))
        .one(db)
        .await?)
}

/// The ids of `root` and every organization below it: one statement per level of the tree
/// (district → region → school is three).
#[tracing::instrument(skip_all, fields(root))]
pub async fn subtree_ids(db: &DatabaseConnection, root: i32) -> ApiResult<Vec<i32>> {
    let mut all = vec![root];
    let mut level = vec![root];
    while !level.is_empty() && all.len() < 100_000 {
        level = organization::Entity::find()
            .select_only()
            .column(organization::Column::Id)
            .filter(organization::Column::ParentId.is_in(level))
            .into_tuple::<i32>()
            .all(db)
            .await?;
        all.extend(&level);
    }
    Ok(all)
}
