//! Relay-style mutation payloads (DESIGN.md §5): every mutation takes one `input` and returns
//! a payload holding the object it wrote and `userErrors { field message code }` — the
//! problems of the input, field by field, for a form to show (the way Shopify's Admin API
//! does). Only a refused input becomes `userErrors`; anything else (FORBIDDEN, NOT_FOUND, a
//! stale version's CONFLICT, INTERNAL) stays a GraphQL error with its code.

use crate::error::{ApiError, ApiResult, UserError};
use async_graphql::ErrorExtensions;

/// The written value, or the input's problems; any other error as a GraphQL error.
pub fn settle<T>(result: ApiResult<T>) -> async_graphql::Result<(Option<T>, Vec<UserError>)> {
    match result {
        Ok(value) => Ok((Some(value), Vec::new())),
        Err(ApiError::Rejected(errors)) => Ok((None, errors)),
        Err(error) => Err(error.extend()),
    }
}

/// Declares a mutation payload: `$field`, the object written (null when the input was
/// refused), and `userErrors`. `$name::settle(result)` builds it from a service's result.
#[macro_export]
macro_rules! payload {
    ($(#[$meta:meta])* $name:ident { $field:ident: $ty:ty }) => {
        $(#[$meta])*
        #[derive(async_graphql::SimpleObject)]
        pub struct $name {
            /// What was written; null when the input was refused.
            pub $field: Option<$ty>,
            /// What was wrong with the input, field by field; empty when it was written.
            pub user_errors: Vec<$crate::error::UserError>,
        }

        impl $name {
            /// The payload of a service's result (its refusal as `userErrors`).
            pub fn settle(result: $crate::error::ApiResult<$ty>) -> async_graphql::Result<Self> {
                let ($field, user_errors) = $crate::graphql::payload::settle(result)?;
                Ok(Self { $field, user_errors })
            }
        }
    };
}

/// The row id of `id`, the global id of a `type_name`, given in the input field `field`; an id
/// that is malformed or names another type is the input's problem (INVALID on the field).
pub fn id_of(id: &async_graphql::ID, type_name: &str, field: &[&str]) -> ApiResult<i32> {
    crate::graphql::relay::decode_id_of(id, type_name, "id").map_err(|error| {
        let message = match error {
            ApiError::BadUserInput { message, .. } => message,
            other => other.to_string(),
        };
        ApiError::rejected(field, crate::error::UserErrorCode::Invalid, message)
    })
}
