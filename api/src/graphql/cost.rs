//! What a request may cost, decided before it runs (GitHub's and Shopify's model): the query
//! text's size, its aliases, its selections once every fragment is expanded, and its *cost* —
//! each object it asks for 1 (a row, a page, a list; scalars come with their row), a field
//! that computes something large (the measures) its weight, and a connection's children
//! multiplied by the page it asks for (`first`/`last`, or the default page) — are checked in
//! [`Pricing::admit`], before async-graphql's own checks and validation, whose work grows
//! with them.
//! A request over a limit gets one coded error and runs nothing. Every response carries
//! `extensions.cost`: `requested` (the estimate), `actual` (the fields resolved, weighted the
//! same way) and `limit`.
//!
//! Errors of parsing and validation get their codes here too (`GRAPHQL_PARSE_FAILED`,
//! `GRAPHQL_VALIDATION_FAILED`, `QUERY_TOO_DEEP`), so that every error has `extensions.code`.

use super::relay::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use super::shape::{self, Shape};
use crate::error::{ApiError, Refusal};
use async_graphql::parser::types::{ExecutableDocument, Field, OperationDefinition, Selection, SelectionSet};
use async_graphql::{ErrorExtensions, Pos, Request, Response, ServerError, Value, Variables};
use std::collections::{HashMap, HashSet};

/// The limits a request is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The highest cost a request may ask for.
    pub max_cost: u64,
    /// The most aliased fields in one query.
    pub max_aliases: u64,
    /// The longest query text, in bytes.
    pub max_query_bytes: u64,
    /// The most selections once every fragment spread is expanded.
    pub max_selections: u64,
}

impl Limits {
    /// The defaults: well above what a dashboard asks (every measure for the district and
    /// each of its regions costs about 16,000; a page of 100 organizations with 100 staff
    /// each about 20,000), well below what stalls the server.
    pub const DEFAULT: Self = Self {
        max_cost: 50_000,
        max_aliases: 100,
        max_query_bytes: 32 * 1024,
        max_selections: 5_000,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// What requests may cost: the limits and the weights of expensive fields.
pub struct Pricing {
    limits: Limits,
    /// Weight of a field, by (type, field); 1 when absent.
    weights: HashMap<(&'static str, &'static str), u64>,
}

impl Pricing {
    /// What `field` of type `parent` costs itself: its weight when it has one; otherwise 1
    /// for a field that returns an object (a row, a page, a list), 0 for a scalar (read with
    /// its row).
    fn weight(&self, parent: Option<&str>, field: &Field) -> u64 {
        let weighed = parent.and_then(|p| self.weights.get(&(p, field.name.node.as_str())));
        weighed
            .copied()
            .unwrap_or_else(|| u64::from(!field.selection_set.node.items.is_empty()))
    }

    /// Requests held to `limits`, the fields of `weights` — (type, field, weight), fields that
    /// return objects — costing their weight instead of 1 (their children come on top).
    pub fn new<'a>(limits: Limits, weights: impl IntoIterator<Item = &'a (&'static str, &'static str, u64)>) -> Self {
        let weights = weights
            .into_iter()
            .map(|&(parent, field, weight)| ((parent, field), weight))
            .collect();
        Self { limits, weights }
    }

    /// The limits requests are held to.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Admits `request` or refuses it with one coded error, before async-graphql parses and
    /// checks it: its own recursion check expands every fragment spread (2^20 visits for a
    /// 645-byte query of nested spreads, 0.8 s of CPU in a debug build), so the size of the
    /// expansion is judged here first, each fragment counted once. The document is parsed
    /// here, kept on the request (async-graphql does not parse it again), and the estimate —
    /// the request's `requested` cost — returned.
    pub fn admit(&self, request: &mut Request, shape: &Shape) -> Result<u64, ServerError> {
        let limits = self.limits;
        let bytes = request.query.len() as u64;
        if bytes > limits.max_query_bytes {
            return Err(refused(
                Refusal::QueryTooLarge,
                format!(
                    "the query is {bytes} bytes; at most {} are accepted",
                    limits.max_query_bytes
                ),
            ));
        }
        let variables = request.variables.clone();
        let document = request
            .parsed_query()
            .map_err(|e| coded(e.clone(), "GRAPHQL_PARSE_FAILED"))?;
        let estimate = estimate(document, shape, self, &variables);
        let checks = [
            (
                estimate.aliases > limits.max_aliases,
                Refusal::TooManyAliases,
                format!(
                    "the query has {} aliases; at most {} are accepted",
                    estimate.aliases, limits.max_aliases
                ),
            ),
            (
                estimate.selections > limits.max_selections,
                Refusal::QueryTooLarge,
                format!(
                    "the query selects {} fields once its fragments are expanded; at most {} are accepted",
                    estimate.selections, limits.max_selections
                ),
            ),
            (
                estimate.cost > limits.max_cost,
                Refusal::QueryTooComplex,
                format!(
                    "the query would cost {}; at most {} is accepted (each object 1, the measures more, \
                     a connection's objects times its page size)",
                    estimate.cost, limits.max_cost
                ),
            ),
        ];
        if let Some((_, refusal, message)) = checks.into_iter().find(|(over, _, _)| *over) {
            return Err(refused(refusal, message));
        }
        Ok(estimate.cost)
    }

    /// What operation `operation` of `document` resolved into `data`, priced as the estimate
    /// prices what it asks: each field present in the response its weight.
    pub fn actual(&self, document: &ExecutableDocument, shape: &Shape, operation: Option<&str>, data: &Value) -> u64 {
        let Some((chosen, root)) = shape::operation(document, operation) else {
            return 0;
        };
        self.resolved(document, shape, Some(root), &chosen.selection_set.node, data)
    }

    fn resolved(
        &self,
        document: &ExecutableDocument,
        shape: &Shape,
        on: Option<&str>,
        set: &SelectionSet,
        value: &Value,
    ) -> u64 {
        match value {
            Value::List(items) => items
                .iter()
                .map(|item| self.resolved(document, shape, on, set, item))
                .fold(0, u64::saturating_add),
            Value::Object(fields) => fields
                .iter()
                .map(|(key, value)| {
                    let Some((field, parent)) = shape::selected(document, set, key.as_str(), on) else {
                        return 0;
                    };
                    // A leaf (a scalar, an enum) comes with its row: no weight, nothing below.
                    if field.selection_set.node.items.is_empty() {
                        return 0;
                    }
                    let ty = parent.and_then(|p| shape.field_type(p, field.name.node.as_str()));
                    let children =
                        self.resolved(document, shape, ty.map(Shape::named), &field.selection_set.node, value);
                    self.weight(parent, field).saturating_add(children)
                })
                .fold(0, u64::saturating_add),
            _ => 0,
        }
    }
}

/// Gives every error of `response` a code: async-graphql's errors of a request that did not
/// run (`request_error`: it did not validate, a variable could not be coerced) the codes of
/// validation (`QUERY_TOO_DEEP`, `BAD_USER_INPUT`, `GRAPHQL_VALIDATION_FAILED`), the rest
/// `BAD_USER_INPUT` or `INTERNAL`; a code a resolver set stays.
pub fn code_errors(response: &mut Response, request_error: bool) {
    response.errors = std::mem::take(&mut response.errors)
        .into_iter()
        .map(|e| {
            let code = if !request_error {
                input_or(&e, "INTERNAL")
            } else if e.message.contains("nested too deep") {
                "QUERY_TOO_DEEP"
            } else {
                input_or(&e, "GRAPHQL_VALIDATION_FAILED")
            };
            coded(e, code)
        })
        .collect();
}

/// Sets `extensions.cost` of a response: `requested`, `actual` and the limit.
pub fn stamp(response: &mut Response, requested: u64, actual: u64, limit: u64) {
    let cost = async_graphql::value!({
        "requested": requested,
        "actual": actual,
        "limit": limit,
    });
    response.extensions.insert("cost".to_owned(), cost);
}

/// A coded error at the start of the query.
fn refused(refusal: Refusal, message: String) -> ServerError {
    ApiError::Refused { refusal, message }
        .extend()
        .into_server_error(Pos { line: 1, column: 1 })
}

/// `error` with `code` unless it has one.
fn coded(mut error: ServerError, code: &'static str) -> ServerError {
    let has_code = error.extensions.as_ref().is_some_and(|e| e.get("code").is_some());
    if !has_code {
        error.extensions.get_or_insert_with(Default::default).set("code", code);
    }
    error
}

/// BAD_USER_INPUT for the errors async-graphql reports about a request's arguments and
/// variables (a value of the wrong type, a variable not given), `otherwise` for the rest.
fn input_or(error: &ServerError, otherwise: &'static str) -> &'static str {
    let input = ["Failed to parse", "Invalid value", "Variable "];
    if input.iter().any(|start| error.message.starts_with(start)) {
        "BAD_USER_INPUT"
    } else {
        otherwise
    }
}

/// What a query asks for once its fragments are expanded.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Estimate {
    pub cost: u64,
    pub selections: u64,
    pub aliases: u64,
}

impl Estimate {
    fn add(&mut self, other: Self) {
        self.cost = self.cost.saturating_add(other.cost);
        self.selections = self.selections.saturating_add(other.selections);
        self.aliases = self.aliases.saturating_add(other.aliases);
    }
}

/// The walk over a document: each fragment priced once however often it is spread.
struct Walk<'a> {
    document: &'a ExecutableDocument,
    shape: &'a Shape,
    pricing: &'a Pricing,
    variables: &'a Variables,
    defaults: HashMap<&'a str, Value>,
    fragments: HashMap<&'a str, Estimate>,
    visiting: HashSet<&'a str>,
}

impl<'a> Walk<'a> {
    /// The type of `field` on `parent`, when the schema knows both.
    fn field_type(&self, parent: Option<&str>, field: &str) -> Option<&'a str> {
        self.shape.field_type(parent?, field).map(Shape::named)
    }

    /// The page a connection field asks for: `first` or `last` (a literal or a variable), or
    /// the default page; never more than the largest page.
    fn page(&self, field: &Field) -> u64 {
        let asked = field
            .arguments
            .iter()
            .filter(|(name, _)| matches!(name.node.as_str(), "first" | "last"))
            .filter_map(|(_, value)| {
                let value = value.node.clone().into_const_with(|name| {
                    self.variables
                        .get(&name)
                        .or_else(|| self.defaults.get(name.as_str()))
                        .cloned()
                        .ok_or(())
                });
                match value {
                    Ok(Value::Number(n)) => n.as_u64(),
                    _ => None,
                }
            })
            .max();
        asked.unwrap_or(DEFAULT_PAGE_SIZE).min(MAX_PAGE_SIZE)
    }

    fn set(&mut self, parent: Option<&'a str>, set: &'a SelectionSet) -> Estimate {
        let mut total = Estimate::default();
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let name = field.name.node.as_str();
                    let ty = self.field_type(parent, name);
                    let children = self.set(ty, &field.selection_set.node);
                    let times = if ty.is_some_and(|t| t.ends_with("Connection")) {
                        self.page(field)
                    } else {
                        1
                    };
                    let weight = self.pricing.weight(parent, field);
                    total.add(Estimate {
                        cost: weight.saturating_add(times.saturating_mul(children.cost)),
                        selections: 1 + children.selections,
                        aliases: u64::from(field.alias.is_some()) + children.aliases,
                    });
                }
                Selection::InlineFragment(fragment) => {
                    let on = shape::inline_on(&fragment.node, parent);
                    let inner = self.set(on, &fragment.node.selection_set.node);
                    total.add(inner);
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let inner = self.fragment(name);
                    total.add(inner);
                }
            }
        }
        total
    }

    fn fragment(&mut self, name: &'a str) -> Estimate {
        if let Some(known) = self.fragments.get(name) {
            return *known;
        }
        // A cycle is validation's to report; it costs nothing more here.
        let Some(fragment) = self.document.fragments.get(name) else {
            return Estimate::default();
        };
        if !self.visiting.insert(name) {
            return Estimate::default();
        }
        let on = fragment.node.type_condition.node.on.node.as_str();
        let estimate = self.set(Some(on), &fragment.node.selection_set.node);
        self.visiting.remove(name);
        self.fragments.insert(name, estimate);
        estimate
    }

    fn operation(&mut self, operation: &'a OperationDefinition) -> Estimate {
        self.defaults = operation
            .variable_definitions
            .iter()
            .filter_map(|d| Some((d.node.name.node.as_str(), d.node.default_value.as_ref()?.node.clone())))
            .collect();
        self.set(Some(shape::root_of(operation.ty)), &operation.selection_set.node)
    }
}

/// The estimate of `document`: its costliest operation (the one that runs is not known yet).
fn estimate(document: &ExecutableDocument, shape: &Shape, pricing: &Pricing, variables: &Variables) -> Estimate {
    let mut walk = Walk {
        document,
        shape,
        pricing,
        variables,
        defaults: HashMap::new(),
        fragments: HashMap::new(),
        visiting: HashSet::new(),
    };
    document
        .operations
        .iter()
        .map(|(_, operation)| walk.operation(&operation.node))
        .fold(Estimate::default(), |most, e| Estimate {
            cost: most.cost.max(e.cost),
            selections: most.selections.max(e.selections),
            aliases: most.aliases.max(e.aliases),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_hold_a_dashboard_and_refuse_the_attacks() {
        let limits = Limits::DEFAULT;
        assert!(limits.max_cost >= 10_000 && limits.max_cost < 100 * 100 * 100);
    }
}
