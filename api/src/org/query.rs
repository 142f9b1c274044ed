//! Queries of the organization-and-people area.

use super::relations::filter_staff;
use super::types::{
    Organization, OrganizationKind, OrganizationOrder, Section, SectionOrder, Staff, StaffFilter, StaffOrder,
};
use crate::auth::Visibility;
use crate::graphql::RequestContext;
use crate::graphql::loader::{by_key, list};
use crate::graphql::relay::{Page, PageArgs};
use crate::sql::current;
use crate::sql::ids_where;
use async_graphql::{Context, Object, Result, ResultExt};
use entity::{assignment, organization, section, staff};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait};

/// Organization and people queries.
#[derive(Default)]
pub struct OrgQuery;

#[Object]
impl OrgQuery {
    /// The district's organizations (district, regions, schools, offices).
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only organizations of this kind.")] kind: Option<OrganizationKind>,
        #[graphql(desc = "Order of the rows; creation order when omitted.")] order_by: Option<OrganizationOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<Organization>> {
        let mut select = organization::Entity::find();
        if let Some(kind) = kind {
            select = select.filter(organization::Column::Kind.eq(entity::enums::OrganizationKind::from(kind)));
        }
        let sort = OrganizationOrder::sort(order_by);
        list::<organization::Entity, _>(
            ctx,
            select.into_query(),
            PageArgs::new(first, after, last, before),
            sort,
            Organization,
        )
        .await
    }

    /// The organization with this code, or null.
    async fn organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Natural key, e.g. `SCH-101`.")] code: String,
    ) -> Result<Option<Organization>> {
        by_key::<organization::Entity, _>(ctx, organization::Column::Code, &code, Organization).await
    }

    /// Staff across the district, filtered.
    async fn staff(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only staff with a current assignment at the organization with this code or below it.")]
        organization: Option<String>,
        #[graphql(desc = "Only rows matching every filter given.")] filter: Option<StaffFilter>,
        #[graphql(desc = "Order of the rows; creation order when omitted.")] order_by: Option<StaffOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<Staff>> {
        let mut select = staff::Entity::find().into_query();
        let request = RequestContext::of(ctx).extend()?;
        filter_staff(
            &mut select,
            &StaffFilter::parse(filter).extend()?,
            &request.viewer,
            request.db.get_database_backend(),
        );
        if let Some(code) = organization {
            let organizations = match crate::sql::tree::by_code(&request.db, &code).await.extend()? {
                Some(root) => crate::sql::tree::subtree_ids(&request.db, root.id).await.extend()?,
                None => Vec::new(),
            };
            let placed = assignment::Entity::find()
                .select_only()
                .column(assignment::Column::StaffId)
                .filter(assignment::Column::OrganizationId.is_in(organizations))
                .filter(current("assignment"))
                .filter(assignment::Entity::visible_to(&request.viewer))
                .into_query();
            select.and_where(Expr::col((staff::Entity, staff::Column::Id)).in_subquery(placed));
        }
        list::<staff::Entity, _>(
            ctx,
            select,
            PageArgs::new(first, after, last, before),
            StaffOrder::sort(order_by),
            Staff,
        )
        .await
    }

    /// The staff member with this employee number, or null.
    async fn staff_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Natural key, e.g. `E100001`.")] employee_number: String,
    ) -> Result<Option<Staff>> {
        by_key::<staff::Entity, _>(ctx, staff::Column::EmployeeNumber, &employee_number, Staff).await
    }

    /// Class sections, filtered.
    async fn sections(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only sections of the school with this code.")] school: Option<String>,
        #[graphql(desc = "Only sections of this school year (ending year).")] school_year: Option<i32>,
        #[graphql(desc = "Order of the rows; creation order when omitted.")] order_by: Option<SectionOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<Section>> {
        let mut select = section::Entity::find();
        if let Some(year) = school_year {
            select = select.filter(section::Column::SchoolYear.eq(year));
        }
        if let Some(code) = school {
            select = select.filter(section::Column::SchoolId.in_subquery(ids_where(organization::Column::Code, code)));
        }
        list::<section::Entity, _>(
            ctx,
            select.into_query(),
            PageArgs::new(first, after, last, before),
            SectionOrder::sort(order_by),
            Section,
        )
        .await
    }
}
