//! GraphQL types of the audit trail.

use crate::auth::Role;
use crate::graphql::RequestContext;
use crate::graphql::relay::encode_id;
use async_graphql::{Context, ID, InputObject, Json, Object, Result, ResultExt};
use chrono::{DateTime, Utc};
use entity::audit_event;

/// One change recorded in the audit trail: who did what to which record, with the record
/// before and after.
pub struct AuditEvent(pub audit_event::Model);

/// One change recorded in the audit trail: who did what to which record, with the record
/// before and after.
#[Object]
impl AuditEvent {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode_id("AuditEvent", self.0.id)
    }
    /// When the change was committed (UTC).
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// Who made it: the token's subject (an employee number), or the operating-system user of
    /// a command-line import or seed. Null to an employee reading their own evaluation's
    /// history when it was someone else (they do not see their evaluator either).
    async fn actor_subject(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let viewer = &RequestContext::of(ctx).extend()?.viewer;
        let own = viewer.subject.as_deref() == Some(self.0.actor_subject.as_str());
        Ok((viewer.role != Role::Employee || own).then_some(self.0.actor_subject.as_str()))
    }
    /// The role it was made with, e.g. `PRINCIPAL`.
    async fn actor_role(&self) -> &str {
        &self.0.actor_role
    }
    /// What was done: `CREATE`, `UPDATE`, `RATE`, `IMPORT` or `SEED`.
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The kind of record: a GraphQL type name (e.g. `Evaluation`), or an import file's stem.
    async fn entity(&self) -> &str {
        &self.0.entity
    }
    /// Which record: its global id (pass it to `node(id:)`), or the imported file's name.
    async fn entity_id(&self) -> Option<&str> {
        self.0.entity_id.as_deref()
    }
    /// The record before the change, as stored; null for a create. (To an employee, without
    /// who evaluates them.)
    async fn before(&self, ctx: &Context<'_>) -> Result<Option<Json<serde_json::Value>>> {
        shown(ctx, self.0.before.as_ref())
    }
    /// The record after the change (an import's summary); null for a delete.
    async fn after(&self, ctx: &Context<'_>) -> Result<Option<Json<serde_json::Value>>> {
        shown(ctx, self.0.after.as_ref())
    }
}

/// The fields an employee does not see on their own evaluation (the `Evaluation` type hides
/// its evaluator from them), kept out of its history too.
const HIDDEN_FROM_EMPLOYEES: [&str; 1] = ["evaluator_id"];

/// A record of an audit row as the viewer may read it.
fn shown(ctx: &Context<'_>, record: Option<&serde_json::Value>) -> Result<Option<Json<serde_json::Value>>> {
    let viewer = &RequestContext::of(ctx).extend()?.viewer;
    Ok(record.map(|value| {
        let mut value = value.clone();
        if viewer.role == Role::Employee
            && let Some(fields) = value.as_object_mut()
        {
            for field in HIDDEN_FROM_EMPLOYEES {
                fields.remove(field);
            }
        }
        Json(value)
    }))
}

/// Filters of the audit trail; every filter given must match.
#[derive(InputObject, Clone, Debug, Default)]
pub struct AuditFilter {
    /// Only changes of this kind of record, e.g. `SurveyAdministration`.
    pub entity: Option<String>,
    /// Only changes of this record (its global id, or an imported file's name).
    pub entity_id: Option<String>,
    /// Only changes by this subject (an employee number).
    pub actor: Option<String>,
    /// Only changes at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only changes before this instant.
    pub to: Option<DateTime<Utc>>,
}
