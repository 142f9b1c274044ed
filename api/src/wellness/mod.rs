//! Staff wellness (strategic-plan priority 5C): EASE, the district's confidential counseling
//! service, as the vendor reports it — aggregates per organization, period and service type,
//! never a row about a person (DESIGN.md §2). Its figures are suppressed by `privacy`'s EASE
//! rule for every role.
//!
//! Attendance (the other 5C source) has no type here: it reaches the API only as the
//! EXCELLENT_ATTENDANCE measure, whose definition sits with the other six in
//! `measures/definitions.rs`; no role is given attendance rows about people.
//!
//! - `service.rs`: EASE sums per organization and per service type;
//! - `types.rs`: `EaseService`, `EaseUsage` and the service-type suppression;
//! - `query.rs`: `easeUsage`.

pub mod query;
pub mod service;
pub mod types;
