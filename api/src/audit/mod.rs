//! The append-only audit trail (DESIGN.md §2 "Strategic plan and audit"): who did what to
//! which records, written in the same transaction as the change it records. Nothing updates
//! or deletes an audit row.
//!
//! Read by ADMIN as a whole (`auditEvents`, [`query`]) and, for anyone who may see an
//! evaluation, as that evaluation's own history (`Evaluation.history`): the rule of which audit
//! rows a viewer may read is beside the others, in `auth::policy`.

pub mod query;
pub mod relations;
pub mod types;

use crate::auth::Viewer;
use crate::error::ApiResult;
use chrono::Utc;
use sea_orm::ConnectionTrait;

/// Who made a change.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The token's subject, or the operating-system user on the command line.
    pub subject: String,
    /// The role the change was made with.
    pub role: String,
}

impl Actor {
    /// The user running the command line (who holds every power: ADMIN).
    pub fn os_user() -> Self {
        let subject = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unknown".to_owned());
        Self {
            subject,
            role: "ADMIN".to_owned(),
        }
    }

    /// The subject and role of a request's token (an empty subject when the token names no
    /// one).
    pub fn of(viewer: &Viewer) -> Self {
        let role = serde_json::to_value(viewer.role)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        Self {
            subject: viewer.subject.clone().unwrap_or_default(),
            role,
        }
    }
}

/// One change, as the audit row records it.
pub struct Change<'a> {
    /// What was done: `IMPORT`, `SEED`, `CREATE`, `UPDATE`, or the mutation's own verb.
    pub action: &'a str,
    /// The kind of record (a GraphQL type name, or an import file's stem).
    pub entity: &'a str,
    /// Which record: its global id (or the imported file's name).
    pub entity_id: Option<String>,
    /// Its row id, when it is one record of the entity's table.
    pub row_id: Option<i32>,
    /// The record before the change; none for a create.
    pub before: Option<serde_json::Value>,
    /// The record after the change (or a summary of it).
    pub after: Option<serde_json::Value>,
}

/// Appends the audit row of `change`, made by `actor`.
pub async fn record<C: ConnectionTrait>(db: &C, actor: &Actor, change: Change<'_>) -> ApiResult<()> {
    record_all(db, actor, vec![change]).await
}

/// Rows per statement of [`record_all`]: 9 parameters each, well inside SQLite's limit.
const ROWS_PER_STATEMENT: usize = 1_000;

/// Appends the audit rows of `changes`, made by `actor` (one statement per thousand).
pub async fn record_all<C: ConnectionTrait>(db: &C, actor: &Actor, changes: Vec<Change<'_>>) -> ApiResult<()> {
    use entity::audit_event;
    use sea_orm::ActiveValue::{NotSet, Set};
    use sea_orm::EntityTrait;
    let now = Utc::now();
    let mut events = changes.into_iter().map(|change| audit_event::ActiveModel {
        id: NotSet,
        occurred_at: Set(now),
        actor_subject: Set(actor.subject.clone()),
        actor_role: Set(actor.role.clone()),
        action: Set(change.action.to_owned()),
        entity: Set(change.entity.to_owned()),
        entity_id: Set(change.entity_id),
        row_id: Set(change.row_id),
        before: Set(change.before),
        after: Set(change.after),
    });
    loop {
        let chunk: Vec<_> = events.by_ref().take(ROWS_PER_STATEMENT).collect();
        if chunk.is_empty() {
            return Ok(());
        }
        audit_event::Entity::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
}
