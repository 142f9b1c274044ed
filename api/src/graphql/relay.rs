//! Relay conventions (DESIGN.md §5): opaque global ids and cursor connections with `first` /
//! `after` (default 20, at most 100) and `totalCount`. Pages are keyset pages on the id, not
//! OFFSET, so a late page costs what the first one does.

use crate::error::{ApiError, ApiResult};
use crate::graphql::loader::HasId;
use async_graphql::connection::{Connection, Edge};
use async_graphql::parser::types::Field;
use async_graphql::registry::{MetaType, Registry};
use async_graphql::{
    ContextSelectionSet, Enum, ID, OutputType, Positioned, ServerResult, SimpleObject, Value as GqlValue,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, SimpleExpr};
use sea_orm::{EntityTrait, ModelTrait, Value};
use std::borrow::Cow;
use std::str::FromStr;

/// Rows in a page when `first` is not given.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// The most rows a page may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;

/// The global id of row `id` of GraphQL type `type_name`.
pub fn encode_id(type_name: &str, id: i32) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}")))
}

/// Splits a global id into its type name and row id. A malformed id is a BAD_USER_INPUT error
/// on `field`.
pub fn decode_id(id: &ID, field: &str) -> ApiResult<(String, i32)> {
    let malformed = || ApiError::bad_input(field, "not a staffgraph id");
    let bytes = URL_SAFE_NO_PAD.decode(id.as_str()).map_err(|_| malformed())?;
    let text = String::from_utf8(bytes).map_err(|_| malformed())?;
    let (type_name, row) = text.split_once(':').ok_or_else(malformed)?;
    let row = row.parse::<i32>().map_err(|_| malformed())?;
    Ok((type_name.to_owned(), row))
}

/// The row id of a global id that must name a `expected` (e.g. an `Organization`).
pub fn decode_id_of(id: &ID, expected: &str, field: &str) -> ApiResult<i32> {
    let (type_name, row) = decode_id(id, field)?;
    if type_name != expected {
        return Err(ApiError::bad_input(
            field,
            format!("expected the id of a {expected}, got one of a {type_name}"),
        ));
    }
    Ok(row)
}

/// Extra fields of every connection.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct ConnectionFields {
    /// How many rows match, across all pages.
    pub total_count: u64,
}

/// The direction of an ordering.
#[derive(Enum, Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum OrderDirection {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

/// The type of a sort column's values, so that a cursor decodes to a typed value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortKind {
    Int,
    Text,
    Date,
}

/// The order of a connection: a NOT NULL column, then the id as the tie-break, both in one
/// direction. Keyset pages compare `(column, id)` with the cursor's pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sort {
    /// The column's SQL name.
    pub column: &'static str,
    pub kind: SortKind,
    pub descending: bool,
}

impl Sort {
    /// Creation order: the default of every connection.
    pub const BY_ID: Sort = Sort {
        column: "id",
        kind: SortKind::Int,
        descending: false,
    };

    pub fn new(column: &'static str, kind: SortKind, direction: OrderDirection) -> Self {
        Self {
            column,
            kind,
            descending: direction == OrderDirection::Desc,
        }
    }

    fn by_id(&self) -> bool {
        self.column == "id"
    }

    /// `ORDER BY column, id` with the columns read from `table` (a table or a subquery alias).
    pub fn order_on(&self, table: &str) -> Vec<(SimpleExpr, Order)> {
        let direction = if self.descending { Order::Desc } else { Order::Asc };
        let mut order = Vec::with_capacity(2);
        if !self.by_id() {
            order.push((
                Expr::col((Alias::new(table), Alias::new(self.column))),
                direction.clone(),
            ));
        }
        order.push((Expr::col((Alias::new(table), Alias::new("id"))), direction));
        order
    }

    /// The value of the sort column in a row.
    pub fn value_of<M: ModelTrait>(&self, model: &M) -> ApiResult<SortValue> {
        let column = <<M::Entity as EntityTrait>::Column as FromStr>::from_str(self.column)
            .map_err(|_| ApiError::internal(anyhow::anyhow!("no sort column {}", self.column)))?;
        let value = match (self.kind, model.get(column)) {
            (SortKind::Int, Value::Int(Some(v))) => SortValue::Int(i64::from(v)),
            (SortKind::Int, Value::BigInt(Some(v))) => SortValue::Int(v),
            (SortKind::Text, Value::String(Some(v))) => SortValue::Text(v.to_string()),
            (SortKind::Date, Value::ChronoDate(Some(v))) => SortValue::Date(v),
            (_, other) => {
                return Err(ApiError::internal(anyhow::anyhow!(
                    "sort column {} holds {other:?}",
                    self.column
                )));
            }
        };
        Ok(value)
    }

    /// The cursor of a row.
    pub fn cursor_of<M: ModelTrait + HasId>(&self, model: &M) -> ApiResult<PageCursor> {
        let value = if self.by_id() {
            SortValue::Int(i64::from(model.id()))
        } else {
            self.value_of(model)?
        };
        Ok(PageCursor {
            cursor: Cursor { value, id: model.id() },
            sort: *self,
        })
    }

    /// The rows after `cursor` in this order, with columns read from `table`.
    pub fn after(&self, cursor: &Cursor, table: &str) -> SimpleExpr {
        let id = Expr::col((Alias::new(table), Alias::new("id")));
        let (id_after, value_after) = if self.descending {
            (
                id.clone().lt(cursor.id),
                Expr::col((Alias::new(table), Alias::new(self.column))).lt(cursor.value.clone()),
            )
        } else {
            (
                id.clone().gt(cursor.id),
                Expr::col((Alias::new(table), Alias::new(self.column))).gt(cursor.value.clone()),
            )
        };
        if self.by_id() {
            return id_after;
        }
        let same = Expr::col((Alias::new(table), Alias::new(self.column))).eq(cursor.value.clone());
        value_after.or(same.and(id_after))
    }
}

/// The value of a sort column, typed so that it binds as the column's type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SortValue {
    Int(i64),
    Text(String),
    Date(NaiveDate),
}

impl From<SortValue> for Value {
    fn from(value: SortValue) -> Self {
        match value {
            SortValue::Int(v) => Value::BigInt(Some(v)),
            SortValue::Text(v) => Value::String(Some(v)),
            SortValue::Date(v) => Value::ChronoDate(Some(v)),
        }
    }
}

/// A position in an ordered connection: the last row's sort value and id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cursor {
    pub value: SortValue,
    pub id: i32,
}

const CURSOR_PREFIX: &str = "cursor";

impl Cursor {
    /// `cursor:<column>:<a|d>:<id>:<value>`, base64url: opaque to clients, and tied to its order
    /// so that a cursor of another ordering is refused rather than misread.
    fn encode(&self, sort: &Sort) -> String {
        let direction = if sort.descending { "d" } else { "a" };
        let value = match &self.value {
            SortValue::Int(v) => v.to_string(),
            SortValue::Text(v) => v.clone(),
            SortValue::Date(v) => v.to_string(),
        };
        URL_SAFE_NO_PAD.encode(format!(
            "{CURSOR_PREFIX}:{}:{direction}:{}:{value}",
            sort.column, self.id
        ))
    }

    fn decode(text: &str, sort: &Sort, field: &str) -> ApiResult<Self> {
        let bad = || ApiError::bad_input(field, "not a cursor of this connection");
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let mut parts = text.splitn(5, ':');
        let (Some(CURSOR_PREFIX), Some(column), Some(direction), Some(id), Some(value)) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        if column != sort.column || (direction == "d") != sort.descending {
            return Err(ApiError::bad_input(field, "this cursor belongs to another ordering"));
        }
        let id = id.parse::<i32>().map_err(|_| bad())?;
        let value = match sort.kind {
            SortKind::Int => SortValue::Int(value.parse().map_err(|_| bad())?),
            SortKind::Text => SortValue::Text(value.to_owned()),
            SortKind::Date => SortValue::Date(value.parse().map_err(|_| bad())?),
        };
        Ok(Self { value, id })
    }
}

/// The cursor of a row `id` in creation order (lists computed in SQL are keyed this way).
pub fn id_cursor(id: i32) -> PageCursor {
    PageCursor {
        cursor: Cursor {
            value: SortValue::Int(i64::from(id)),
            id,
        },
        sort: Sort::BY_ID,
    }
}

/// An edge's cursor, encoded only when a client selects it (`cursor`, `pageInfo`'s
/// `startCursor`/`endCursor`): a page of 100 rows whose cursors nobody reads encoded 100
/// base64 strings for nothing.
pub struct PageCursor {
    cursor: Cursor,
    sort: Sort,
}

impl async_graphql::connection::CursorType for PageCursor {
    type Error = ApiError;

    /// Never called: the connections read their `after`/`before` with [`PageRequest`],
    /// which checks the cursor belongs to the connection's order.
    fn decode_cursor(_: &str) -> Result<Self, ApiError> {
        Err(ApiError::bad_input("after", "not a cursor of this connection"))
    }

    fn encode_cursor(&self) -> String {
        self.cursor.encode(&self.sort)
    }
}

/// The paging arguments of a connection field, as given: `first`/`after` page forward,
/// `last`/`before` page back.
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

impl PageArgs {
    /// The arguments of a connection field, in the order the fields declare them.
    pub fn new(first: Option<i32>, after: Option<String>, last: Option<i32>, before: Option<String>) -> Self {
        Self {
            first,
            after,
            last,
            before,
        }
    }
}

/// A validated page: how many rows, from which cursor, in which order and direction.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageRequest {
    pub limit: u64,
    /// The cursor paged from: `after` going forward, `before` going back.
    pub cursor: Option<Cursor>,
    /// The connection's order (its cursors are in this order, whichever way the page goes).
    pub sort: Sort,
    /// `last`/`before`: the rows just before the cursor (or the last rows), still returned in
    /// the connection's order.
    pub backward: bool,
}

/// Parses a page size argument `field`: 0 to 100, default 20.
fn page_size(n: Option<i32>, field: &str) -> ApiResult<u64> {
    match n {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(n) if n < 0 => Err(ApiError::bad_input(field, "must not be negative")),
        Some(n) if n as u64 > MAX_PAGE_SIZE => Err(ApiError::bad_input(
            field,
            format!("at most {MAX_PAGE_SIZE} rows a page"),
        )),
        Some(n) => Ok(n as u64),
    }
}

impl PageRequest {
    /// Parses forward paging arguments: `first` from 0 to 100 (default 20), `after` a cursor
    /// this server returned for the same order.
    pub fn parse(first: Option<i32>, after: Option<&str>, sort: Sort) -> ApiResult<Self> {
        Ok(Self {
            limit: page_size(first, "first")?,
            cursor: after.map(|cursor| Cursor::decode(cursor, &sort, "after")).transpose()?,
            sort,
            backward: false,
        })
    }

    /// Parses the paging arguments of a connection field: `first`/`after` forward, or
    /// `last`/`before` back (not both directions in one request).
    pub fn parse_args(args: &PageArgs, sort: Sort) -> ApiResult<Self> {
        if args.last.is_none() && args.before.is_none() {
            return Self::parse(args.first, args.after.as_deref(), sort);
        }
        if args.first.is_some() || args.after.is_some() {
            let field = if args.last.is_some() { "last" } else { "before" };
            return Err(ApiError::bad_input(
                field,
                "page forward with first/after or back with last/before, not both",
            ));
        }
        Ok(Self {
            limit: page_size(args.last, "last")?,
            cursor: args
                .before
                .as_deref()
                .map(|cursor| Cursor::decode(cursor, &sort, "before"))
                .transpose()?,
            sort,
            backward: true,
        })
    }

    /// `limit + 1`: one row more than the page, to learn whether there are more.
    pub fn probe(&self) -> u64 {
        self.limit.saturating_add(1)
    }

    /// The order the statement reads rows in: the connection's, or its reverse going back.
    pub fn query_sort(&self) -> Sort {
        if self.backward {
            Sort {
                descending: !self.sort.descending,
                ..self.sort
            }
        } else {
            self.sort
        }
    }

    /// `rows` read in [`query_sort`](Self::query_sort) order (at most one more than the
    /// page), as the page in the connection's order, and whether there are rows beyond it.
    pub fn take<M>(&self, mut rows: Vec<M>) -> (Vec<M>, bool) {
        let more = rows.len() as u64 > self.limit;
        rows.truncate(usize::try_from(self.limit).unwrap_or(usize::MAX));
        if self.backward {
            rows.reverse();
        }
        (rows, more)
    }

    /// `(hasPreviousPage, hasNextPage)` of a page with rows beyond it (`more`) or not. The
    /// side the cursor is on counts as having rows (the client came from there).
    pub fn page_info(&self, more: bool) -> (bool, bool) {
        let from_cursor = self.cursor.is_some();
        if self.backward {
            (more, from_cursor)
        } else {
            (from_cursor, more)
        }
    }
}

/// A page of a connection: `Connection` with a description of its own in the schema (the
/// type async-graphql makes has none).
pub struct Page<N: OutputType>(pub Connection<PageCursor, N, ConnectionFields>);

impl<N: OutputType> Page<N> {
    /// A page of `rows` (already in page order) with cursors in `page`'s order.
    pub fn of<M: ModelTrait + HasId>(
        page: &PageRequest,
        rows: Vec<M>,
        more: bool,
        total: u64,
        wrap: impl Fn(M) -> N,
    ) -> ApiResult<Self> {
        let (has_previous, has_next) = page.page_info(more);
        let mut connection =
            Connection::with_additional_fields(has_previous, has_next, ConnectionFields { total_count: total });
        for row in rows {
            connection.edges.push(Edge::new(page.sort.cursor_of(&row)?, wrap(row)));
        }
        Ok(Self(connection))
    }
}

/// Sets the description of type `name` in the registry.
fn describe(registry: &mut Registry, name: &str, text: String) {
    if let Some(MetaType::Object { description, .. }) = registry.types.get_mut(name) {
        *description = Some(text);
    }
}

impl<N: OutputType> OutputType for Page<N> {
    fn type_name() -> Cow<'static, str> {
        <Connection<PageCursor, N, ConnectionFields> as OutputType>::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        let qualified = <Connection<PageCursor, N, ConnectionFields> as OutputType>::create_type_info(registry);
        let node = N::type_name();
        describe(
            registry,
            &Self::type_name(),
            format!(
                "A page of {node} rows: `edges` (or `nodes`) in the connection's order, `pageInfo` \
                 to page on with `first`/`after` or back with `last`/`before`, and `totalCount` \
                 across all pages."
            ),
        );
        describe(
            registry,
            &format!("{node}Edge"),
            format!("One {node} of a page, with its cursor."),
        );
        qualified
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, field: &Positioned<Field>) -> ServerResult<GqlValue> {
        OutputType::resolve(&self.0, ctx, field).await
    }
}

/// Declares a GraphQL `orderBy` input: an enum of sortable NOT NULL columns and the input
/// `{ field, direction }`, with `sort()` turning an optional input into a [`Sort`].
#[macro_export]
macro_rules! order_by {
    (
        $(#[$doc:meta])* $input:ident, $field:ident {
            $($(#[$variant_doc:meta])* $variant:ident => ($column:literal, $kind:ident)),+ $(,)?
        }
    ) => {
        #[doc = concat!("The fields ", stringify!($input), " can order by.")]
        #[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
        pub enum $field {
            $($(#[$variant_doc])* $variant),+
        }

        $(#[$doc])*
        #[derive(async_graphql::InputObject, Copy, Clone, Debug)]
        pub struct $input {
            /// The field to order by; ties are broken by creation order.
            pub field: $field,
            /// Ascending unless told otherwise.
            #[graphql(default)]
            pub direction: $crate::graphql::relay::OrderDirection,
        }

        impl $input {
            /// The sort this input asks for; creation order when there is none.
            pub fn sort(order: Option<Self>) -> $crate::graphql::relay::Sort {
                match order {
                    None => $crate::graphql::relay::Sort::BY_ID,
                    $(Some(Self { field: $field::$variant, direction }) => $crate::graphql::relay::Sort::new(
                        $column,
                        $crate::graphql::relay::SortKind::$kind,
                        direction,
                    ),)+
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_ids_round_trip_and_name_their_type() {
        let id = encode_id("Organization", 42);
        assert_eq!(decode_id(&id, "id").unwrap(), ("Organization".to_owned(), 42));
        assert!(decode_id_of(&id, "Staff", "id").is_err());
    }

    #[test]
    fn malformed_ids_and_cursors_are_bad_input() {
        assert_eq!(decode_id(&ID("%%%".into()), "id").unwrap_err().code(), "BAD_USER_INPUT");
        assert_eq!(
            PageRequest::parse(None, Some("nope"), Sort::BY_ID).unwrap_err().code(),
            "BAD_USER_INPUT"
        );
    }

    #[test]
    fn page_size_defaults_to_20_and_is_capped_at_100() {
        assert_eq!(PageRequest::parse(None, None, Sort::BY_ID).unwrap().limit, 20);
        assert_eq!(PageRequest::parse(Some(100), None, Sort::BY_ID).unwrap().limit, 100);
        assert!(PageRequest::parse(Some(101), None, Sort::BY_ID).is_err());
        assert!(PageRequest::parse(Some(-1), None, Sort::BY_ID).is_err());
    }

    #[test]
    fn cursors_round_trip_and_belong_to_their_ordering() {
        let by_name = Sort::new("last_name", SortKind::Text, OrderDirection::Desc);
        let cursor = Cursor {
            value: SortValue::Text("O'Neil: the second".into()),
            id: 7,
        };
        let text = cursor.encode(&by_name);
        assert_eq!(
            PageRequest::parse(Some(5), Some(&text), by_name).unwrap().cursor,
            Some(cursor)
        );
        let by_date = Sort::new("hire_date", SortKind::Date, OrderDirection::Asc);
        let err = PageRequest::parse(Some(5), Some(&text), by_date).unwrap_err();
        assert!(err.to_string().contains("another ordering"), "{err}");
        let ascending = Sort::new("last_name", SortKind::Text, OrderDirection::Asc);
        assert!(PageRequest::parse(Some(5), Some(&text), ascending).is_err());
    }
}
