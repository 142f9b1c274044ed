//! GraphQL types of the wellness area: EASE use per service type.

use super::service::EaseRow;
use crate::measures::service::{Figure, MeasureResult};
use crate::measures::types::{FigureFields, PlanMeasure};
use crate::privacy::{Rule, SuppressionReason};
use async_graphql::{Enum, Object};
use std::sync::Arc;

/// EASE service types.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ServiceType")]
pub enum ServiceType {
    /// All services together (what the measure uses).
    All,
    /// Counseling sessions.
    Counseling,
    /// The hotline.
    Hotline,
    /// Telehealth.
    Telehealth,
    /// Work-life services.
    WorkLife,
}

/// One service type's EASE use at an organization over a year, withheld as the year's EASE
/// table says (counts from 1 to 10, and what would give them away).
pub struct EaseService {
    service_type: Option<ServiceType>,
    row: EaseRow,
    figure: Figure,
}

/// The service-type rows of an organization as the year's EASE table withholds them.
pub fn ease_services(rows: Vec<(String, EaseRow, Option<SuppressionReason>)>) -> Vec<EaseService> {
    let parse = |code: &str| {
        <entity::enums::ServiceType as sea_orm::ActiveEnum>::try_from_value(&code.to_owned())
            .ok()
            .map(ServiceType::from)
    };
    rows.into_iter()
        .map(|(code, row, reason)| EaseService {
            service_type: parse(&code),
            row,
            figure: match reason {
                Some(reason) => Figure::withheld(reason),
                None => row.utilization(Rule::EaseCount),
            },
        })
        .collect()
}

/// One service type's EASE use at an organization over a year; counts from 1 to 10 and their
/// complementary sibling are withheld.
#[Object]
impl EaseService {
    /// The service type.
    async fn service_type(&self) -> Option<ServiceType> {
        self.service_type
    }
    /// Distinct employees who used it; null when withheld.
    async fn unique_employees(&self) -> Option<u64> {
        self.figure.suppressed.is_none().then_some(self.row.unique_employees)
    }
    /// Sessions; null when withheld.
    async fn sessions(&self) -> Option<u64> {
        self.figure.suppressed.is_none().then_some(self.row.sessions)
    }
    /// Employees eligible for EASE (mean over the year's reports); null when the figure is
    /// withheld, as the other counts are.
    async fn eligible_employees(&self) -> Option<f64> {
        self.figure.suppressed.is_none().then_some(self.row.eligible_employees)
    }
    /// Sessions per 1,000 eligible employees; null when withheld.
    async fn sessions_per_1000_eligible(&self) -> Option<f64> {
        (self.figure.suppressed.is_none() && self.row.eligible_employees > 0.0)
            .then(|| self.row.sessions as f64 * 1000.0 / self.row.eligible_employees)
    }
    /// Utilization: unique employees ÷ eligible employees.
    #[graphql(flatten)]
    async fn figure(&self) -> FigureFields {
        FigureFields(self.figure)
    }
}

/// EASE use over a year.
pub struct EaseUsage {
    pub result: Arc<MeasureResult>,
    pub services: Vec<EaseService>,
}

/// EASE use over a year.
#[Object]
impl EaseUsage {
    /// The measure: utilization against the prior year, with its breakdown by region.
    async fn measure(&self) -> PlanMeasure {
        PlanMeasure(self.result.clone())
    }
    /// Use per service type at the organization.
    async fn by_service_type(&self) -> &[EaseService] {
        &self.services
    }
}
