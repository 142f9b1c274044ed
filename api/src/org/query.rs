//! Queries of the organization area.

use super::service;
use super::types::{Organization, OrganizationKind};
use crate::schema::RequestContext;
use crate::schema::relay::{ConnectionFields, PageRequest};
use async_graphql::connection::Connection;
use async_graphql::{Context, Object, ResultExt};

/// Organization queries.
#[derive(Default)]
pub struct OrgQuery;

#[Object]
impl OrgQuery {
    /// The district's organizations (district, regions, schools, offices), in id order.
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only organizations of this kind.")] kind: Option<OrganizationKind>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Organization, ConnectionFields>> {
        let request = RequestContext::of(ctx).extend()?;
        let page = PageRequest::parse(first, after.as_deref()).extend()?;
        service::list(&request.db, kind.map(Into::into), page, Organization)
            .await
            .extend()
    }

    /// The organization with this code, or null.
    async fn organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Natural key, e.g. `SCH-0101`.")] code: String,
    ) -> async_graphql::Result<Option<Organization>> {
        let request = RequestContext::of(ctx).extend()?;
        Ok(service::by_code(&request.db, &code).await.extend()?.map(Organization))
    }
}
