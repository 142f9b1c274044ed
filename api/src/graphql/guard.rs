//! Input no database can hold, refused before anything runs: a NUL character in a string
//! argument or variable. PostgreSQL's text cannot store one (SQLite's can), so without this a
//! NUL would reach a statement and come back as an internal error on one database only; here
//! it is BAD_USER_INPUT naming the argument or variable, on both (DESIGN.md §5).

use crate::error::ApiError;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensions, Name, Pos, ServerError, Value, Variables};

/// Whether a value holds a string with a NUL anywhere inside it.
fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains('\0'),
        Value::List(items) => items.iter().any(has_nul),
        Value::Object(fields) => fields.iter().any(|(name, v)| name.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// The first argument of `set` (or of a selection below it) whose literal value holds a NUL.
fn argument_with_nul(set: &SelectionSet) -> Option<(Name, Pos)> {
    set.items.iter().find_map(|item| match &item.node {
        Selection::Field(field) => field
            .node
            .arguments
            .iter()
            .find(|(_, value)| value.node.clone().into_const().is_some_and(|v| has_nul(&v)))
            .map(|(name, value)| (name.node.clone(), value.pos))
            .or_else(|| argument_with_nul(&field.node.selection_set.node)),
        Selection::InlineFragment(fragment) => argument_with_nul(&fragment.node.selection_set.node),
        Selection::FragmentSpread(_) => None,
    })
}

fn refused(field: &str, pos: Pos) -> ServerError {
    ApiError::bad_input(field, "must not contain a NUL character")
        .extend()
        .into_server_error(pos)
}

/// Refuses a request whose variables or literal arguments hold a NUL character:
/// BAD_USER_INPUT naming the variable or the argument.
pub fn refuse_nul(document: &ExecutableDocument, variables: &Variables) -> Result<(), ServerError> {
    if let Some((name, _)) = variables.iter().find(|(_, value)| has_nul(value)) {
        return Err(refused(name, Pos::default()));
    }
    let found = document
        .operations
        .iter()
        .find_map(|(_, operation)| argument_with_nul(&operation.node.selection_set.node))
        .or_else(|| {
            document
                .fragments
                .values()
                .find_map(|fragment| argument_with_nul(&fragment.node.selection_set.node))
        });
    match found {
        Some((name, pos)) => Err(refused(&name, pos)),
        None => Ok(()),
    }
}
