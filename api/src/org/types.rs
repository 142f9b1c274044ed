//! GraphQL types of the organization area. They wrap entity models and expose chosen fields
//! only.

use crate::error::ApiResult;
use crate::schema::RequestContext;
use crate::schema::relay::encode_id;
use async_graphql::{Context, Enum, ID, Object, ResultExt};
use entity::organization;

/// What an organization is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::OrganizationKind")]
pub enum OrganizationKind {
    /// The school district: the root of the tree.
    District,
    /// A region (local district) grouping schools.
    Region,
    /// A school.
    School,
    /// A central or regional office.
    Office,
}

/// An education organization (Ed-Fi EducationOrganization): the district, a region, a school
/// or an office.
pub struct Organization(pub organization::Model);

#[Object]
impl Organization {
    /// Global id.
    async fn id(&self) -> ID {
        encode_id("Organization", self.0.id)
    }

    /// Natural key, e.g. `SCH-0101`; what import files use.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What the organization is.
    async fn kind(&self) -> OrganizationKind {
        self.0.kind.into()
    }

    /// SENI equity tier of a school, when it has one.
    async fn equity_tier(&self) -> Option<&str> {
        self.0.equity_tier.as_deref()
    }

    /// The organization above this one; null for the district.
    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organization>> {
        let Some(parent_id) = self.0.parent_id else {
            return Ok(None);
        };
        load_parent(ctx, parent_id).await.extend()
    }
}

async fn load_parent(ctx: &Context<'_>, id: i32) -> ApiResult<Option<Organization>> {
    let request = RequestContext::of(ctx)?;
    Ok(request.loaders.organization_by_id.load_one(id).await?.map(Organization))
}
