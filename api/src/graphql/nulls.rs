//! Null propagation as the GraphQL specification has it (§6.4.4 "Handling Field Errors"):
//! when a field of a non-null type errors, its parent becomes null — and so on up to the
//! nearest nullable position, or `data` itself. async-graphql leaves such a field out of its
//! parent instead, so a typed client finds a key missing where the schema promised a value.
//! The request rules (`engine`) repair the response after execution: for each error with a
//! path, they find the fields on the path in the operation (aliases, fragments and all) and
//! their types in the schema, and null the nearest nullable position at or above the failed
//! field.

use super::shape::{self, Shape};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::registry::MetaTypeName;
use async_graphql::{PathSegment, Response, Value};

/// The type a list type's items have (`[T!]!` → `T!`).
fn item_type(ty: &str) -> Option<&str> {
    match MetaTypeName::create(ty) {
        MetaTypeName::NonNull(inner) => item_type(inner),
        MetaTypeName::List(inner) => Some(inner),
        MetaTypeName::Named(_) => None,
    }
}

/// The declared type of each position of `path` (a field's type, or a list item's), or none
/// when the path leaves the operation or the schema.
fn path_types<'a>(
    document: &'a ExecutableDocument,
    shape: &'a Shape,
    operation: Option<&str>,
    path: &[PathSegment],
) -> Option<Vec<&'a str>> {
    let (chosen, root) = shape::operation(document, operation)?;
    let (mut set, mut named, mut current) = (&chosen.selection_set.node, root, root);
    let mut types = Vec::with_capacity(path.len());
    for segment in path {
        match segment {
            PathSegment::Field(key) => {
                let (field, _) = shape::selected(document, set, key, None)?;
                let ty = shape.field_type(named, field.name.node.as_str())?;
                types.push(ty);
                (set, named, current) = (&field.selection_set.node, Shape::named(ty), ty);
            }
            PathSegment::Index(_) => {
                let ty = item_type(current)?;
                types.push(ty);
                current = ty;
            }
        }
    }
    Some(types)
}

/// The value at `path` in `data`, to change.
fn at_mut<'a>(data: &'a mut Value, path: &[PathSegment]) -> Option<&'a mut Value> {
    path.iter().try_fold(data, |value, segment| match (value, segment) {
        (Value::Object(fields), PathSegment::Field(key)) => fields.get_mut(key.as_str()),
        (Value::List(items), PathSegment::Index(i)) => items.get_mut(*i),
        _ => None,
    })
}

/// Nulls the nearest nullable position at or above the end of `path` (`data` itself when
/// there is none), if the failed field is missing from its parent or null.
fn propagate(data: &mut Value, path: &[PathSegment], types: &[&str]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    // Only a field left out (or null) needs repair; a value there means another path already
    // settled it.
    let missing = match (at_mut(data, parents), last) {
        (Some(Value::Object(fields)), PathSegment::Field(key)) => {
            fields.get(key.as_str()).is_none_or(|v| *v == Value::Null)
        }
        (Some(Value::List(items)), PathSegment::Index(i)) => items.get(*i).is_none_or(|v| *v == Value::Null),
        _ => false,
    };
    if !missing {
        return;
    }
    let nullable_at = (0..path.len()).rev().find(|&i| !types[i].ends_with('!'));
    let Some(at) = nullable_at else {
        *data = Value::Null;
        return;
    };
    let (position, above) = (&path[at], &path[..at]);
    match (at_mut(data, above), position) {
        (Some(Value::Object(fields)), PathSegment::Field(key)) => {
            fields.insert(async_graphql::Name::new(key), Value::Null);
        }
        (Some(Value::List(items)), PathSegment::Index(i)) => {
            if let Some(item) = items.get_mut(*i) {
                *item = Value::Null;
            }
        }
        _ => {}
    }
}

/// Repairs `response` of operation `operation` of `document`: for each error with a path,
/// nulls the nearest nullable position at or above the failed field.
pub fn propagate_nulls(response: &mut Response, document: &ExecutableDocument, shape: &Shape, operation: Option<&str>) {
    for error in &response.errors {
        if error.path.is_empty() || response.data == Value::Null {
            continue;
        }
        if let Some(types) = path_types(document, shape, operation, &error.path) {
            propagate(&mut response.data, &error.path, &types);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::value;

    fn path(segments: &[&str]) -> Vec<PathSegment> {
        segments
            .iter()
            .map(|s| match s.parse() {
                Ok(i) => PathSegment::Index(i),
                Err(_) => PathSegment::Field((*s).to_owned()),
            })
            .collect()
    }

    #[test]
    fn a_failed_non_null_field_nulls_its_nearest_nullable_ancestor() {
        // a: [T!]! failed at a.1.b (b: Int!): the item is non-null, the list too: data.
        let mut data = value!({ "a": [{ "b": 1 }, {}], "c": 2 });
        propagate(&mut data, &path(&["a", "1", "b"]), &["[T!]!", "T!", "Int!"]);
        assert_eq!(data, Value::Null);
        // With nullable items, only the item goes.
        let mut data = value!({ "a": [{ "b": 1 }, {}], "c": 2 });
        propagate(&mut data, &path(&["a", "1", "b"]), &["[T]!", "T", "Int!"]);
        assert_eq!(data, value!({ "a": [{ "b": 1 }, null], "c": 2 }));
        // A nullable field that failed is null in place.
        let mut data = value!({ "c": 2 });
        propagate(&mut data, &path(&["a"]), &["Int"]);
        assert_eq!(data, value!({ "c": 2, "a": null }));
    }
}
