//! `administrationChanged`: a school's survey administrations as they change (issue 19), for
//! the principal watching which classrooms are still missing during the survey window.

use super::service;
use super::types::SurveyAdministration;
use crate::auth::Role;
use crate::auth::policy::scope_for;
use crate::calendar::SchoolYear;
use crate::graphql::RequestContext;
use crate::live::{Event, Hub, Shared};
use crate::measures::query::measure;
use crate::measures::types::PlanMeasure;
use async_graphql::{Context, Object, Result, ResultExt, Subscription};
use entity::enums::OrganizationKind;
use entity::survey_administration;
use futures_util::Stream;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

/// A school's administrations (by id) and its SFS coverage, as one change left them.
struct School {
    administrations: HashMap<i32, survey_administration::Model>,
    coverage: Arc<crate::measures::service::MeasureResult>,
}

/// The latest reading of each school by (database, school, year, role): see [`Shared`].
static SHARED: LazyLock<Shared<School>> = LazyLock::new(Shared::default);

/// The survey area's subscriptions.
#[derive(Default)]
pub struct SurveySubscription;

/// One administration of the school that changed, and the school's coverage after it.
pub struct AdministrationChanged {
    administration: survey_administration::Model,
    coverage: PlanMeasure,
    resync: bool,
}

/// One administration of the school that changed — created, recorded, corrected — and the
/// school's SFS coverage once it had.
#[Object]
impl AdministrationChanged {
    /// The administration as it is now (its `section` is the classroom).
    async fn administration(&self) -> SurveyAdministration {
        SurveyAdministration(self.administration.clone())
    }
    /// The school's SFS coverage of the year, as `sfsCoverage(organization:)` reads it now.
    async fn coverage(&self) -> PlanMeasure {
        PlanMeasure(self.coverage.0.clone())
    }
    /// True when changes may have been missed (the subscriber fell behind, or the server's
    /// connection that hears of changes was lost): the school was read again, and this is one
    /// of its administrations that differ from the last events.
    async fn resync(&self) -> bool {
        self.resync
    }
}

#[Subscription]
impl SurveySubscription {
    /// An event per survey administration of the school's classrooms that changes (for a
    /// survey of `schoolYear`), from any write — a mutation on any API node, an import —
    /// within about a second of its commit: the administration and the school's new SFS
    /// coverage. As the administrations' list: ADMIN, HR, and a principal for their own
    /// schools; anyone else FORBIDDEN, another school NOT_FOUND.
    async fn administration_changed<'a>(
        &self,
        ctx: &'a Context<'_>,
        #[graphql(desc = "The school's code.")] school: String,
        #[graphql(desc = "School year of the surveys, by its ending year.")] school_year: i32,
    ) -> Result<impl Stream<Item = Result<AdministrationChanged>> + 'a> {
        let request = RequestContext::of(ctx).extend()?;
        request
            .viewer
            .require(&[Role::Admin, Role::Hr, Role::Principal])
            .extend()?;
        let year = SchoolYear::parse(school_year, "schoolYear").extend()?;
        let scope = scope_for(&request.db, &request.viewer, Some(&school)).await.extend()?;
        if scope.organization.kind != OrganizationKind::School {
            return Err(crate::error::ApiError::bad_input(
                "school",
                format!("`{school}` is not a school"),
            ))
            .extend();
        }
        let school_id = scope.organization.id;
        let slot = crate::live::slot(ctx.data_opt::<crate::live::Settings>()).extend()?;
        // Subscribed before the first read, so that no change falls between the two.
        let mut changes = Hub::subscribe(&request.primary);
        // What every subscriber of the school with this role reads alike: its administrations
        // and its coverage, read once per change for all of them.
        let key = format!(
            "{}|{school_id}|{}|{:?}",
            crate::live::identity(&request.primary),
            year.value(),
            request.viewer.role
        );
        let read = async move |reflects: u64| {
            SHARED
                .get(key.clone(), reflects, async || {
                    let rows =
                        service::administrations_of_school(&request.db, &request.viewer, school_id, year).await?;
                    let (coverage, _, _) = measure(ctx, "SFS_COVERAGE", school_year, Some(school.as_str()))
                        .await
                        .map_err(|e| crate::error::ApiError::internal(anyhow::anyhow!("{}", e.message)))?;
                    Ok(School {
                        administrations: rows.into_iter().map(|row| (row.id, row)).collect(),
                        coverage,
                    })
                })
                .await
        };
        let mut seen = read(changes.seen()).await.extend()?;
        Ok(async_stream::stream! {
            // The socket's place for this subscription, given back when it ends.
            let _slot = slot;
            while let Some(event) = changes.next().await {
                if let Event::Changed(change) = &event && !change.touches_school(school_id) {
                    continue;
                }
                let resync = event == Event::Resync;
                let now = match read(changes.seen()).await {
                    Ok(now) => now,
                    Err(error) => {
                        yield Err(error).extend();
                        continue;
                    }
                };
                let mut changed: Vec<&survey_administration::Model> = now
                    .administrations
                    .values()
                    .filter(|row| seen.administrations.get(&row.id) != Some(*row))
                    .collect();
                changed.sort_by_key(|row| row.id);
                for row in changed {
                    yield Ok(AdministrationChanged {
                        administration: row.clone(),
                        coverage: PlanMeasure(Arc::clone(&now.coverage)),
                        resync,
                    });
                }
                seen = now;
            }
        })
    }
}
