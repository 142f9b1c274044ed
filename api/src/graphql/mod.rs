//! The GraphQL kit every area builds on: the request context ([`RequestContext`]), the
//! request-scoped loader and its relations (`loader`), when its batches are sent (`batch`),
//! Relay ids, cursors and keyset pages (`relay`), the API's scalars (`scalars`), the input
//! refused before execution (`guard`), what a request may cost (`cost`), null propagation
//! as the specification has it (`nulls`) and mutation payloads with `userErrors` (`payload`).
//!
//! It depends only on `auth` (the viewer and the row rules), `error` and `entity`: nothing in
//! it knows an area, so every area may use it and the schema root (`schema`) may merge the
//! areas without an import cycle.

pub mod batch;
mod context;
pub mod cost;
mod engine;
pub mod guard;
pub mod loader;
pub mod nulls;
pub mod payload;
pub mod relay;
pub mod scalars;
pub mod shape;

pub use context::{Counter, RequestContext};
pub use cost::{Limits, Pricing};
pub use engine::{Engine, is_request_error};
