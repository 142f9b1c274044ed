//! `importCsv`: an import file uploaded through GraphQL (the multipart request spec), for
//! ADMIN only, with the command line's validation, transaction, summary and audit.

use super::progress::{Announce, Progress, Quiet};
use super::{Actor, FileSummary, ImportError, ImportKind, import_source};
use crate::auth::Role;
use crate::error::ApiError;
use crate::graphql::RequestContext;
use async_graphql::{Context, Object, ResultExt, Upload};

#[derive(Default)]
pub struct ImportMutation;

#[Object]
impl ImportMutation {
    /// Loads one import file in the format of DESIGN.md §5 (a CSV with a header row), in one
    /// transaction, upserting on natural keys: importing the same file twice changes nothing.
    /// A refused file writes nothing and fails with BAD_USER_INPUT on `file`, its problems
    /// (file, line, column, reason; the first 100) in `extensions.problems`. ADMIN only.
    async fn import_csv(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which file this is.")] kind: ImportKind,
        #[graphql(desc = "The file, as a multipart upload.")] file: Upload,
    ) -> async_graphql::Result<FileSummary> {
        let request = RequestContext::of(ctx).extend()?;
        request.viewer.require(&[Role::Admin]).extend()?;
        let upload = file
            .value(ctx)
            .map_err(|_| ApiError::bad_input("file", "the upload could not be read"))
            .extend()?;
        let actor = Actor::of(&request.viewer);
        let name = if upload.filename.is_empty() {
            kind.file_name()
        } else {
            upload.filename.clone()
        };
        let mut progress = Announce::new(&request.db, Box::new(Quiet));
        progress.start(&name, None);
        let summary = import_source(
            &request.db,
            kind,
            &name,
            Box::new(upload.content),
            &actor,
            &mut progress,
        )
        .await;
        progress.finish(summary.as_ref().ok());
        let summary = summary.map_err(into_api_error);
        progress.flushed().await;
        let summary = summary.extend()?;
        crate::measures::maintained::refresh(&request.db).await;
        Ok(summary)
    }
}

fn into_api_error(error: ImportError) -> ApiError {
    match error {
        ImportError::Refused { file, errors, total } => ApiError::InvalidParts {
            field: "file".to_owned(),
            message: format!("{file} was refused with {total} error(s); nothing of it was loaded"),
            problems: errors,
        },
        ImportError::Unreadable { reason, .. } => ApiError::bad_input("file", reason),
        ImportError::Api(error) => error,
    }
}
