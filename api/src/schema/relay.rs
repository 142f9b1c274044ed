//! Relay conventions (DESIGN.md §5): opaque global ids and cursor connections with `first` /
//! `after` (default 20, at most 100) and `totalCount`. Pages are keyset pages on the id, not
//! OFFSET, so a late page costs what the first one does.

use crate::error::{ApiError, ApiResult};
use async_graphql::connection::{Connection, Edge};
use async_graphql::{ID, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Select,
};

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

/// A validated `first` / `after` pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u64,
    pub after: Option<i32>,
}

const CURSOR_PREFIX: &str = "cursor:";

fn encode_cursor(id: i32) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{id}"))
}

impl PageRequest {
    /// Parses the arguments of a connection field: `first` from 0 to 100 (default 20), `after`
    /// a cursor this server returned.
    pub fn parse(first: Option<i32>, after: Option<&str>) -> ApiResult<Self> {
        let limit = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if n < 0 => return Err(ApiError::bad_input("first", "must not be negative")),
            Some(n) if n as u64 > MAX_PAGE_SIZE => {
                return Err(ApiError::bad_input(
                    "first",
                    format!("at most {MAX_PAGE_SIZE} rows a page"),
                ));
            }
            Some(n) => n as u64,
        };
        let after = after
            .map(|cursor| {
                URL_SAFE_NO_PAD
                    .decode(cursor)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .and_then(|text| text.strip_prefix(CURSOR_PREFIX).and_then(|id| id.parse::<i32>().ok()))
                    .ok_or_else(|| ApiError::bad_input("after", "not a cursor of this connection"))
            })
            .transpose()?;
        Ok(Self { limit, after })
    }
}

/// One keyset page of `select`, ordered by `id_column`, each row wrapped by `wrap`.
pub async fn page_by_id<E, N, C>(
    db: &C,
    select: Select<E>,
    id_column: E::Column,
    page: PageRequest,
    id_of: impl Fn(&E::Model) -> i32,
    wrap: impl Fn(E::Model) -> N,
) -> ApiResult<Connection<String, N, ConnectionFields>>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Sized + Send + Sync,
    N: async_graphql::OutputType,
    C: ConnectionTrait,
{
    let total_count = select.clone().count(db).await?;
    let mut rows = select;
    if let Some(after) = page.after {
        rows = rows.filter(id_column.gt(after));
    }
    let mut rows = rows.order_by_asc(id_column).limit(page.limit + 1).all(db).await?;
    let has_next_page = rows.len() as u64 > page.limit;
    rows.truncate(page.limit as usize);
    let mut connection =
        Connection::with_additional_fields(page.after.is_some(), has_next_page, ConnectionFields { total_count });
    connection.edges.extend(
        rows.into_iter()
            .map(|row| Edge::new(encode_cursor(id_of(&row)), wrap(row))),
    );
    Ok(connection)
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
            PageRequest::parse(None, Some("nope")).unwrap_err().code(),
            "BAD_USER_INPUT"
        );
    }

    #[test]
    fn page_size_defaults_to_20_and_is_capped_at_100() {
        assert_eq!(PageRequest::parse(None, None).unwrap().limit, 20);
        assert_eq!(PageRequest::parse(Some(100), None).unwrap().limit, 100);
        assert!(PageRequest::parse(Some(101), None).is_err());
        assert!(PageRequest::parse(Some(-1), None).is_err());
        let cursor = encode_cursor(7);
        assert_eq!(PageRequest::parse(Some(5), Some(&cursor)).unwrap().after, Some(7));
    }
}
