//! Database access of the organization area.

use crate::error::ApiResult;
use crate::schema::relay::{ConnectionFields, PageRequest, page_by_id};
use async_graphql::connection::Connection;
use entity::{enums::OrganizationKind, organization};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

/// A page of organizations, optionally of one kind.
#[tracing::instrument(skip_all, fields(?kind))]
pub async fn list<N: async_graphql::OutputType>(
    db: &DatabaseConnection,
    kind: Option<OrganizationKind>,
    page: PageRequest,
    wrap: impl Fn(organization::Model) -> N,
) -> ApiResult<Connection<String, N, ConnectionFields>> {
    let mut select = organization::Entity::find();
    if let Some(kind) = kind {
        select = select.filter(organization::Column::Kind.eq(kind));
    }
    page_by_id(db, select, organization::Column::Id, page, |row| row.id, wrap).await
}

/// The organization with natural key `code`.
#[tracing::instrument(skip_all)]
pub async fn by_code(db: &DatabaseConnection, code: &str) -> ApiResult<Option<organization::Model>> {
    Ok(organization::Entity::find()
        .filter(organization::Column::Code.eq(code))
        .one(db)
        .await?)
}
