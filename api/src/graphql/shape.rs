//! The schema's shape as the request rules need it: each object and interface type's fields
//! with their declared types (`[Staff!]!`), each union's members, and the root types. Read
//! once, when the schema is built, from the SDL the schema prints — async-graphql keeps its
//! own registry private to execution, and reading it there meant a schema extension, which
//! puts every field of every response through the extension chain (see `engine`).

use async_graphql::parser::types::{
    ExecutableDocument, Field, InlineFragment, OperationDefinition, OperationType, Selection, SelectionSet, TypeKind,
    TypeSystemDefinition,
};
use async_graphql::registry::MetaTypeName;
use std::collections::HashMap;

/// The fields of the schema's composite types.
#[derive(Debug, Default)]
pub struct Shape {
    /// Per object or interface type, its fields' declared types.
    fields: HashMap<String, HashMap<String, String>>,
    /// Per union, its member types.
    unions: HashMap<String, Vec<String>>,
}

/// The root type of each kind of operation (async-graphql's names for merged roots).
pub const QUERY: &str = "Query";
pub const MUTATION: &str = "Mutation";
pub const SUBSCRIPTION: &str = "Subscription";

impl Shape {
    /// The shape of the schema whose SDL is `sdl`; empty where the SDL does not parse (the
    /// rules then price and repair less, and refuse nothing more).
    pub fn from_sdl(sdl: &str) -> Self {
        let mut shape = Self::default();
        let Ok(document) = async_graphql::parser::parse_schema(sdl) else {
            tracing::error!("the schema's SDL does not parse; request rules run without its shape");
            return shape;
        };
        for definition in document.definitions {
            let TypeSystemDefinition::Type(definition) = definition else {
                continue;
            };
            let definition = definition.node;
            let name = definition.name.node.to_string();
            let fields = match definition.kind {
                TypeKind::Object(object) => object.fields,
                TypeKind::Interface(interface) => interface.fields,
                TypeKind::Union(union) => {
                    let members = union.members.into_iter().map(|m| m.node.to_string()).collect();
                    shape.unions.insert(name, members);
                    continue;
                }
                _ => continue,
            };
            let fields = fields
                .into_iter()
                .map(|f| (f.node.name.node.to_string(), f.node.ty.node.to_string()))
                .collect();
            shape.fields.insert(name, fields);
        }
        shape
    }

    /// The declared type of field `name` on the named type `parent` (an object or interface;
    /// for a union, the first member that has it).
    pub fn field_type(&self, parent: &str, name: &str) -> Option<&str> {
        if let Some(fields) = self.fields.get(parent) {
            return fields.get(name).map(String::as_str);
        }
        self.unions
            .get(parent)?
            .iter()
            .find_map(|member| self.fields.get(member)?.get(name).map(String::as_str))
    }

    /// The named type under a declared type's lists and non-nulls (`[Staff!]!` → `Staff`).
    pub fn named(ty: &str) -> &str {
        MetaTypeName::concrete_typename(ty)
    }
}

/// The operation of `document` named `name` (the first, when no name is given), with the
/// root type its selections are on.
pub fn operation<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<(&'a OperationDefinition, &'static str)> {
    let (_, chosen) = document
        .operations
        .iter()
        .find(|(given, _)| name.is_none() || given.map(|n| n.as_str()) == name)?;
    Some((&chosen.node, root_of(chosen.node.ty)))
}

/// The root type of a kind of operation.
pub fn root_of(ty: OperationType) -> &'static str {
    match ty {
        OperationType::Query => QUERY,
        OperationType::Mutation => MUTATION,
        OperationType::Subscription => SUBSCRIPTION,
    }
}

/// The type an inline fragment's selections are on: its type condition, else `on` (the
/// type of the selection set it sits in).
pub fn inline_on<'a>(fragment: &'a InlineFragment, on: Option<&'a str>) -> Option<&'a str> {
    fragment.type_condition.as_ref().map(|c| c.node.on.node.as_str()).or(on)
}

/// The field answering response key `key` in `set` of type `on`, looking into fragments,
/// with the type it is selected on (a fragment's type condition, else `on`).
pub fn selected<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    key: &str,
    on: Option<&'a str>,
) -> Option<(&'a Field, Option<&'a str>)> {
    fn find<'a>(
        document: &'a ExecutableDocument,
        set: &'a SelectionSet,
        key: &str,
        on: Option<&'a str>,
        depth: usize,
    ) -> Option<(&'a Field, Option<&'a str>)> {
        if depth > 32 {
            return None;
        }
        set.items.iter().find_map(|item| match &item.node {
            Selection::Field(field) => (field.node.response_key().node.as_str() == key).then_some((&field.node, on)),
            Selection::InlineFragment(fragment) => {
                let on = inline_on(&fragment.node, on);
                find(document, &fragment.node.selection_set.node, key, on, depth + 1)
            }
            Selection::FragmentSpread(spread) => {
                document.fragments.get(&spread.node.fragment_name.node).and_then(|f| {
                    let on = Some(f.node.type_condition.node.on.node.as_str());
                    find(document, &f.node.selection_set.node, key, on, depth + 1)
                })
            }
        })
    }
    find(document, set, key, on, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_of_objects_interfaces_and_unions_are_found_with_their_declared_types() {
        let shape = Shape::from_sdl(
            "type Query { staff(first: Int): [Staff!]! node: Node one: Either }
             interface Node { id: ID! }
             type Staff implements Node { id: ID! name: String }
             type School { code: String! }
             union Either = School | Staff",
        );
        assert_eq!(shape.field_type("Query", "staff"), Some("[Staff!]!"));
        assert_eq!(shape.field_type("Node", "id"), Some("ID!"));
        assert_eq!(shape.field_type("Either", "name"), Some("String"));
        assert_eq!(shape.field_type("Staff", "missing"), None);
        assert_eq!(Shape::named("[Staff!]!"), "Staff");
    }
}
