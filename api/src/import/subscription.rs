//! `importProgress`: how the imports into the database stand, for ADMIN watching a load.

use crate::auth::Role;
use crate::graphql::RequestContext;
use crate::live::{Hub, ImportEvent, ImportState};
use async_graphql::{Enum, Object, Result, ResultExt, Subscription};
use futures_util::Stream;

/// The import area's subscriptions.
#[derive(Default)]
pub struct ImportSubscription;

/// Where an import of one file stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ImportState", remote = "ImportState")]
pub enum ImportStateValue {
    /// Reading and loading.
    Running,
    /// Committed.
    Done,
    /// Refused or failed: nothing of the file was kept.
    Failed,
}

/// An import's progress: the file and its counts.
pub struct ImportProgress(ImportEvent);

/// An import's progress: the file and its counts, never its rows.
#[Object]
impl ImportProgress {
    /// The file's name as given.
    async fn file(&self) -> &str {
        &self.0.file
    }
    /// Data rows read so far.
    async fn rows_read(&self) -> u64 {
        self.0.rows_read
    }
    /// Rows inserted or changed: known once the file is done (0 until then).
    async fn rows_written(&self) -> u64 {
        self.0.rows_written
    }
    /// Where it stands.
    async fn state(&self) -> ImportStateValue {
        self.0.state.into()
    }
}

#[Subscription]
impl ImportSubscription {
    /// The progress of every import into the database from now on — `importCsv` on any API
    /// node, and on PostgreSQL `staffgraph import` too: each file's start, its rows read
    /// (at most four events a second), and its end, done or failed. ADMIN.
    async fn import_progress<'a>(
        &self,
        ctx: &'a async_graphql::Context<'_>,
    ) -> Result<impl Stream<Item = ImportProgress> + 'a> {
        let request = RequestContext::of(ctx).extend()?;
        request.viewer.require(&[Role::Admin]).extend()?;
        let slot = crate::live::slot(ctx.data_opt::<crate::live::Settings>()).extend()?;
        let mut events = Hub::subscribe_imports(&request.primary);
        Ok(async_stream::stream! {
            let _slot = slot;
            while let Some(event) = events.next().await {
                yield ImportProgress(event);
            }
        })
    }
}
