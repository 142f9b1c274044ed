//! Creates done once per idempotency key (issue 15, point 4): a client that is not sure its
//! create went through (a timeout, a dropped connection) sends the same request with the same
//! `idempotencyKey` again and gets the same result, with nothing written twice. The key is
//! the client's, scoped to the token's subject; the request is remembered by a hash of the
//! operation and its input, and a different request under a key already used is refused
//! (KEY_REUSED on `idempotencyKey`). What is remembered is the result's ids; the objects are
//! read again, so a retry shows them as they are now.
//!
//! The key's row is claimed first in the create's own transaction, and its result written
//! when the work is done: a create that fails remembers nothing. Two requests with one key at
//! once: the second's claim waits for the first to commit (the unique constraint), then
//! fails; the second then answers with what the first remembered.

use super::Write;
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult, UserErrorCode};
use crate::sql::Params;
use chrono::Utc;
use sea_orm::{DatabaseConnection, FromQueryResult};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

/// The longest key accepted.
pub const MAX_KEY_LENGTH: usize = 255;

/// The field a key comes in.
const FIELD: [&str; 2] = ["input", "idempotencyKey"];

/// One create as its idempotency key names it.
pub struct Once<'a> {
    operation: &'static str,
    key: Option<&'a str>,
    hash: String,
}

impl<'a> Once<'a> {
    /// The create `operation` (the mutation's name) with `input`, under `key` when the client
    /// sent one. A key that is empty or longer than [`MAX_KEY_LENGTH`] is refused.
    pub fn new(operation: &'static str, key: Option<&'a str>, input: &impl Serialize) -> ApiResult<Self> {
        if let Some(key) = key
            && (key.is_empty() || key.chars().count() > MAX_KEY_LENGTH)
        {
            return Err(ApiError::rejected(
                &FIELD,
                UserErrorCode::Invalid,
                format!("an idempotency key is 1 to {MAX_KEY_LENGTH} characters"),
            ));
        }
        let text = serde_json::to_string(input)
            .map_err(|e| ApiError::internal(anyhow::Error::new(e).context("hashing a request")))?;
        let digest = Sha256::new()
            .chain_update(operation.as_bytes())
            .chain_update([0])
            .chain_update(text.as_bytes())
            .finalize();
        let hash = digest.iter().map(|b| format!("{b:02x}")).collect();
        Ok(Self { operation, key, hash })
    }
}

/// Who a key belongs to: the token's subject, or its role when it names no one.
fn owner(viewer: &Viewer) -> String {
    viewer
        .subject
        .clone()
        .unwrap_or_else(|| format!("role:{:?}", viewer.role))
}

#[derive(FromQueryResult)]
struct Remembered {
    operation: String,
    request_hash: String,
    result: String,
}

/// Runs `work` in one [`Write`] by `viewer` and commits it, unless `once`'s key has been used:
/// then the result remembered for it (same request) or KEY_REUSED (another request).
pub async fn run_once<R, F>(db: &DatabaseConnection, viewer: &Viewer, once: Once<'_>, work: F) -> ApiResult<R>
where
    R: Serialize + DeserializeOwned,
    F: AsyncFnOnce(&Write) -> ApiResult<R>,
{
    let Some(key) = once.key else {
        let write = Write::begin(db, viewer).await?;
        let result = work(&write).await?;
        write.commit().await?;
        return Ok(result);
    };
    let owner = owner(viewer);
    if let Some(result) = remembered(db, &owner, key, &once).await? {
        return Ok(result);
    }
    let write = Write::begin(db, viewer).await?;
    // Claim the key before the work: a twin request's claim waits here for this one to commit
    // (the unique constraint; on SQLite, the write lock) and then fails, and the twin answers
    // with what this one remembered — never with the refusal its own create would meet (a
    // code TAKEN by this very request).
    let claim = Params::new()
        .set("owner", owner.as_str())
        .set("key", key)
        .set("operation", once.operation)
        .set("hash", once.hash.as_str())
        .set("at", Utc::now())
        .execute(
            write.db(),
            "INSERT INTO idempotency_key (actor_subject, key, operation, request_hash, result, created_at) \
             VALUES (:owner, :key, :operation, :hash, '', :at)",
        )
        .await;
    match claim {
        Ok(_) => {}
        Err(error) if error.is_unique_violation() => {
            drop(write);
            return remembered(db, &owner, key, &once)
                .await?
                .ok_or_else(|| ApiError::Conflict("a request with this idempotency key is in progress".into()));
        }
        Err(error) => return Err(error),
    }
    let result = work(&write).await?;
    let text = serde_json::to_string(&result)
        .map_err(|e| ApiError::internal(anyhow::Error::new(e).context("remembering a result")))?;
    Params::new()
        .set("owner", owner.as_str())
        .set("key", key)
        .set("result", text)
        .execute(
            write.db(),
            "UPDATE idempotency_key SET result = :result WHERE actor_subject = :owner AND key = :key",
        )
        .await?;
    write.commit().await?;
    Ok(result)
}

/// The result remembered for `key`, if it was used for this very request.
async fn remembered<R: DeserializeOwned>(
    db: &DatabaseConnection,
    owner: &str,
    key: &str,
    once: &Once<'_>,
) -> ApiResult<Option<R>> {
    let rows: Vec<Remembered> = Params::new()
        .set("owner", owner)
        .set("key", key)
        .rows(
            db,
            "SELECT operation, request_hash, result FROM idempotency_key WHERE actor_subject = :owner AND key = :key",
        )
        .await?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(None);
    };
    if row.operation != once.operation || row.request_hash != once.hash {
        return Err(ApiError::rejected(
            &FIELD,
            UserErrorCode::KeyReused,
            format!(
                "this idempotency key was used for a different request ({}); use a new key for a new request",
                row.operation
            ),
        ));
    }
    serde_json::from_str(&row.result)
        .map(Some)
        .map_err(|e| ApiError::internal(anyhow::Error::new(e).context("reading a remembered result")))
}
