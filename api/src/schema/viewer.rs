//! `viewer`: who the server takes the request to be.

use crate::auth::Role;
use crate::graphql::RequestContext;
use async_graphql::{Context, Object, Result, ResultExt, SimpleObject};

/// The viewer of this request.
#[derive(SimpleObject)]
pub struct ViewerInfo {
    /// The token's subject (an employee number); null without one.
    pub subject: Option<String>,
    /// The role: PUBLIC without a token.
    pub role: Role,
    /// The organization codes a principal's scope covers.
    pub schools: Vec<String>,
}

/// The `viewer` query.
#[derive(Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// Who the server takes this request to be, from its bearer token.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<ViewerInfo> {
        let viewer = &RequestContext::of(ctx).extend()?.viewer;
        Ok(ViewerInfo {
            subject: viewer.subject.clone(),
            role: viewer.role,
            schools: viewer.schools.clone(),
        })
    }
}
