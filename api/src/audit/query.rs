//! ADMIN's reading of the audit trail.

use super::types::{AuditEvent, AuditFilter};
use crate::auth::Role;
use crate::graphql::RequestContext;
use crate::graphql::loader::list;
use crate::graphql::relay::{Page, PageArgs, Sort, SortKind};
use async_graphql::{Context, Object, Result, ResultExt};
use entity::audit_event;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryTrait};

/// The audit trail reads newest first.
pub const NEWEST_FIRST: Sort = Sort {
    column: "id",
    kind: SortKind::Int,
    descending: true,
};

/// Audit queries.
#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit trail, newest first: every mutation, import and seed, with who made it and
    /// the record before and after. ADMIN.
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows matching every filter given.")] filter: Option<AuditFilter>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<AuditEvent>> {
        let request = RequestContext::of(ctx).extend()?;
        request.viewer.require(&[Role::Admin]).extend()?;
        let filter = filter.unwrap_or_default();
        let mut select = audit_event::Entity::find();
        if let Some(entity) = filter.entity {
            select = select.filter(audit_event::Column::Entity.eq(entity));
        }
        if let Some(id) = filter.entity_id {
            select = select.filter(audit_event::Column::EntityId.eq(id));
        }
        if let Some(actor) = filter.actor {
            select = select.filter(audit_event::Column::ActorSubject.eq(actor));
        }
        if let Some(from) = filter.from {
            select = select.filter(audit_event::Column::OccurredAt.gte(from));
        }
        if let Some(to) = filter.to {
            select = select.filter(audit_event::Column::OccurredAt.lt(to));
        }
        list::<audit_event::Entity, _>(
            ctx,
            select.into_query(),
            PageArgs::new(first, after, last, before),
            NEWEST_FIRST,
            AuditEvent,
        )
        .await
    }
}
