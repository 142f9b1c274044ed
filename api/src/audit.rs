//! The append-only audit trail (DESIGN.md §2 "Strategic plan and audit"): who did what to
//! which records, written in the same transaction as the change it records.

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
}

/// Appends an audit event: `actor` did `action` to `entity` (the record `entity_id`, when
/// one), with `after` describing the result.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: Option<String>,
    after: serde_json::Value,
) -> ApiResult<()> {
    use entity::audit_event;
    use sea_orm::ActiveValue::{NotSet, Set};
    use sea_orm::EntityTrait;
    let event = audit_event::ActiveModel {
        id: NotSet,
        occurred_at: Set(Utc::now()),
        actor_subject: Set(actor.subject.clone()),
        actor_role: Set(actor.role.clone()),
        action: Set(action.to_owned()),
        entity: Set(entity.to_owned()),
        entity_id: Set(entity_id),
        before: Set(None),
        after: Set(Some(after)),
    };
    audit_event::Entity::insert(event).exec_without_returning(db).await?;
    Ok(())
}
