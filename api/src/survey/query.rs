//! Queries of the survey area.

use super::loader::filter_administrations;
use super::types::{AdministrationFilter, AdministrationOrder, Survey, SurveyAdministration, SurveyKind};
use crate::schema::loader::{by_key, list};
use crate::schema::relay::{ConnectionFields, Sort};
use async_graphql::connection::Connection;
use async_graphql::{Context, Object, Result};
use entity::{survey, survey_administration};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryTrait};

/// Survey queries.
#[derive(Default)]
pub struct SurveyQuery;

#[Object]
impl SurveyQuery {
    /// Surveys, filtered.
    async fn surveys(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only surveys of this school year (ending year).")] school_year: Option<i32>,
        #[graphql(desc = "Only surveys of this kind.")] kind: Option<SurveyKind>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
    ) -> Result<Connection<String, Survey, ConnectionFields>> {
        let mut select = survey::Entity::find();
        if let Some(year) = school_year {
            select = select.filter(survey::Column::SchoolYear.eq(year));
        }
        if let Some(kind) = kind {
            select = select.filter(survey::Column::Kind.eq(entity::enums::SurveyKind::from(kind)));
        }
        list::<survey::Entity, _>(ctx, select.into_query(), first, after, Sort::BY_ID, Survey).await
    }

    /// The survey with this code, or null.
    async fn survey(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Natural key, e.g. `SFS-2026`.")] code: String,
    ) -> Result<Option<Survey>> {
        by_key::<survey::Entity, _>(ctx, survey::Column::Code, &code, Survey).await
    }

    /// Survey administrations across the district, filtered.
    async fn survey_administrations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows matching every filter given.")] filter: Option<AdministrationFilter>,
        #[graphql(desc = "Order of the rows; creation order when omitted.")] order_by: Option<AdministrationOrder>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
    ) -> Result<Connection<String, SurveyAdministration, ConnectionFields>> {
        let mut select = survey_administration::Entity::find().into_query();
        filter_administrations(&mut select, &filter.unwrap_or_default());
        let sort = AdministrationOrder::sort(order_by);
        list::<survey_administration::Entity, _>(ctx, select, first, after, sort, SurveyAdministration).await
    }
}
