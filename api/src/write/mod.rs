//! The write kit every mutation's service uses (STYLE.md "Services"; issue 15): one
//! transaction per mutation ([`Write`]), the record to change found as the viewer sees it
//! (another school's record is NOT_FOUND, as on reads), optimistic concurrency on a row's
//! `version` (`UPDATE … WHERE id = ? AND version = ?`; no row is CONFLICT with the current
//! version), the audit row with the real actor, `before` and `after` in the same
//! transaction, and creates done once per idempotency key ([`idempotency`]).
//!
//! Which roles may write what lives beside the read rules, in `auth::policy`.

pub mod idempotency;
pub mod rules;

use crate::audit::{self, Actor};
use crate::auth::{Viewer, Visibility};
use crate::error::{ApiError, ApiResult, UserError};
use crate::graphql::relay::encode_id;
use crate::sql::Params;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, FromQueryResult, ModelTrait, QueryFilter,
};
use std::str::FromStr;

/// One mutation's transaction, by one viewer. Dropped without [`commit`](Self::commit), it
/// rolls back: nothing partial is ever kept.
pub struct Write {
    tx: DatabaseTransaction,
    db: DatabaseConnection,
    viewer: Viewer,
    actor: Actor,
    last: std::sync::Mutex<Vec<Box<dyn BeforeCommit>>>,
}

/// Work a write leaves to the end of its transaction, after every row it changes: the
/// measures keep their counts this way (`measures::maintained::keep`).
#[async_trait::async_trait]
pub trait BeforeCommit: Send {
    /// The last statements of the write, in its transaction; what it returns runs once the
    /// write has committed.
    async fn run(self: Box<Self>, tx: &DatabaseTransaction) -> ApiResult<Option<AfterCommit>>;
}

/// What runs once a write has committed (it must not fail the write: it has happened).
pub type AfterCommit = Box<dyn FnOnce() + Send>;

impl Write {
    /// Begins a write by `viewer`. On SQLite the transaction takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so that a second writer waits for the first (the busy timeout)
    /// instead of failing when its read snapshot turns out stale.
    pub async fn begin(db: &DatabaseConnection, viewer: &Viewer) -> ApiResult<Self> {
        let tx = crate::db::begin_write(db).await?;
        Ok(Self {
            tx,
            db: db.clone(),
            viewer: viewer.clone(),
            actor: Actor::of(viewer),
            last: std::sync::Mutex::new(Vec::new()),
        })
    }

    /// The transaction, for the service's statements.
    pub fn db(&self) -> &DatabaseTransaction {
        &self.tx
    }

    /// The database the write is made to, for work that follows its commit.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Leaves `work` to the end of the transaction, in the order given.
    pub fn before_commit(&self, work: Box<dyn BeforeCommit>) {
        self.last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(work);
    }

    /// Who is writing.
    pub fn viewer(&self) -> &Viewer {
        &self.viewer
    }

    /// Row `id` of `E` as the viewer sees it (the read rule of `auth::policy`); NOT_FOUND,
    /// naming `what`, when there is none or the viewer may not see it.
    pub async fn find<E>(&self, id: i32, what: &str) -> ApiResult<E::Model>
    where
        E: Visibility,
    {
        let id_column = column::<E>("id")?;
        E::find()
            .filter(id_column.eq(id))
            .filter(E::visible_to(&self.viewer))
            .one(&self.tx)
            .await?
            .ok_or_else(|| ApiError::NotFound(what.to_owned()))
    }

    /// Updates row `id` of `E` with `changes` if it is still at version `expected`, bumping
    /// the version; returns the row as written. A row at another version is CONFLICT with
    /// the current version (nothing is written).
    pub async fn update<E>(&self, id: i32, expected: i32, changes: E::ActiveModel, what: &str) -> ApiResult<E::Model>
    where
        E: EntityTrait,
    {
        let (id_column, version) = (column::<E>("id")?, column::<E>("version")?);
        let written = E::update_many()
            .set(changes)
            .col_expr(version, Expr::col(version).add(1))
            .filter(id_column.eq(id))
            .filter(version.eq(expected))
            .exec_with_returning(&self.tx)
            .await?;
        match written.into_iter().next() {
            Some(row) => Ok(row),
            None => Err(self.stale::<E>(id, expected, what).await),
        }
    }

    /// Inserts `row` into `E` and appends its CREATE audit row (`type_name`, a GraphQL type);
    /// returns the row as written. A row that breaks a unique constraint is the input's
    /// problem `taken` (a code already used), not an error.
    pub async fn insert<E>(&self, row: E::ActiveModel, type_name: &str, taken: UserError) -> ApiResult<E::Model>
    where
        E: EntityTrait,
        E::Model: serde::Serialize + sea_orm::IntoActiveModel<E::ActiveModel>,
    {
        let created = E::insert(row)
            .exec_with_returning(&self.tx)
            .await
            .map_err(ApiError::from)
            .map_err(|error| {
                if error.is_unique_violation() {
                    ApiError::Rejected(vec![taken])
                } else {
                    error
                }
            })?;
        self.audit("CREATE", type_name, id_of::<E>(&created)?, None, Some(&created))
            .await?;
        Ok(created)
    }

    /// CONFLICT unless `current` is the version the client read (`expected`).
    pub fn expect_version(what: &str, expected: i32, current: i32) -> ApiResult<()> {
        if expected == current {
            Ok(())
        } else {
            Err(ApiError::Stale {
                entity: what.to_owned(),
                expected,
                current,
            })
        }
    }

    /// The error of an update that matched no row: the row is at another version, or gone.
    async fn stale<E: EntityTrait>(&self, id: i32, expected: i32, what: &str) -> ApiError {
        #[derive(FromQueryResult)]
        struct Current {
            version: i32,
        }
        let sql = format!("SELECT version FROM \"{}\" WHERE id = :id", E::default().table_name());
        match Params::new().set("id", id).rows::<Current>(&self.tx, &sql).await {
            Ok(rows) => match rows.first() {
                Some(row) => ApiError::Stale {
                    entity: what.to_owned(),
                    expected,
                    current: row.version,
                },
                None => ApiError::NotFound(what.to_owned()),
            },
            Err(error) => error,
        }
    }

    /// Appends the audit row of this write: `action` on the `type_name` (a GraphQL type) row
    /// `id`, with the record before and after (absent for a create or a delete).
    pub async fn audit<M: serde::Serialize>(
        &self,
        action: &str,
        type_name: &str,
        id: i32,
        before: Option<&M>,
        after: Option<&M>,
    ) -> ApiResult<()> {
        self.audit_all(action, type_name, [(id, before, after)]).await
    }

    /// Appends one audit row per `(id, before, after)`, as [`audit`](Self::audit) does, in as
    /// few statements as the database's parameter limit allows.
    pub async fn audit_all<'m, M: serde::Serialize + 'm>(
        &self,
        action: &str,
        type_name: &str,
        rows: impl IntoIterator<Item = (i32, Option<&'m M>, Option<&'m M>)>,
    ) -> ApiResult<()> {
        let json = |model: Option<&M>| -> ApiResult<Option<serde_json::Value>> {
            model
                .map(serde_json::to_value)
                .transpose()
                .map_err(|e| ApiError::internal(anyhow::Error::new(e).context("audit record")))
        };
        let mut changes = Vec::new();
        for (id, before, after) in rows {
            changes.push(audit::Change {
                action,
                entity: type_name,
                entity_id: Some(encode_id(type_name, id).to_string()),
                row_id: Some(id),
                before: json(before)?,
                after: json(after)?,
            });
        }
        audit::record_all(&self.tx, &self.actor, changes).await
    }

    /// Runs the work left to the end ([`before_commit`](Self::before_commit)) and commits the
    /// write; then what that work left for after the commit.
    pub async fn commit(self) -> ApiResult<()> {
        let last = self
            .last
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut after = Vec::new();
        for work in last {
            after.extend(work.run(&self.tx).await?);
        }
        self.tx.commit().await?;
        for work in after {
            work();
        }
        // The subscriptions of this process hear of it at once (on PostgreSQL the database's
        // own notification does it, for every node).
        crate::live::announce(&self.db, crate::live::Change::Anything);
        Ok(())
    }
}

/// The whole of an update by `viewer` in one transaction: row `id` of `E` found as the viewer
/// sees it (NOT_FOUND naming `what` otherwise), refused with CONFLICT unless it is still at
/// version `expected`, changed by what `change` makes of it (its refusal is the input's
/// problems), written with the version bumped, and audited as an UPDATE of the `type_name`
/// with the row before and after.
pub async fn amend<E, F>(
    db: &DatabaseConnection,
    viewer: &Viewer,
    (id, expected): (i32, i32),
    (what, type_name): (&str, &str),
    change: F,
) -> ApiResult<E::Model>
where
    E: Visibility,
    E::Model: serde::Serialize + Sync,
    F: AsyncFnOnce(&Write, &E::Model) -> ApiResult<E::ActiveModel>,
{
    let write = Write::begin(db, viewer).await?;
    let current = write.find::<E>(id, what).await?;
    Write::expect_version(what, expected, int_of::<E>(&current, "version")?)?;
    let changes = change(&write, &current).await?;
    let after = write.update::<E>(id, expected, changes, what).await?;
    write
        .audit("UPDATE", type_name, id, Some(&current), Some(&after))
        .await?;
    write.commit().await?;
    Ok(after)
}

/// Row `id` of `E` as it is now, read after the write that created it committed.
pub async fn reread<E: EntityTrait>(db: &DatabaseConnection, id: i32) -> ApiResult<E::Model> {
    E::find()
        .filter(column::<E>("id")?.eq(id))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("{} {id} is gone", E::default().table_name())))
}

/// The row id of `model`.
fn id_of<E: EntityTrait>(model: &E::Model) -> ApiResult<i32> {
    int_of::<E>(model, "id")
}

/// The integer column `name` of `model`.
fn int_of<E: EntityTrait>(model: &E::Model, name: &str) -> ApiResult<i32> {
    let value = model.get(column::<E>(name)?);
    <i32 as sea_orm::sea_query::ValueType>::try_from(value).map_err(|_| {
        ApiError::internal(anyhow::anyhow!(
            "{}.{name} is not an integer",
            E::default().table_name()
        ))
    })
}

/// The column `name` of `E` (every versioned table has `id` and `version`).
fn column<E: EntityTrait>(name: &str) -> ApiResult<E::Column> {
    E::Column::from_str(name)
        .map_err(|_| ApiError::internal(anyhow::anyhow!("{} has no column {name}", E::default().table_name())))
}
