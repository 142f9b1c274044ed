//! The request-scoped batch loader. One [`DbLoader`] per GraphQL request implements
//! async-graphql's `Loader` for two kinds of key:
//!
//! - [`Id<E>`]: a row of entity `E` by surrogate id — one `WHERE id IN (…)` statement per batch;
//! - [`ChildKey<R>`]: a page of the children of a parent through relation `R` — one statement
//!   per batch for every parent at once, paginated per parent inside the database with window
//!   functions (`COUNT(*) OVER`, a running count for the cursor), never by loading every child.
//!
//! The relations themselves ([`ChildRelation`] impls, named by key such as `SectionsBySchoolId`)
//! sit in the areas (`<area>/relations.rs`) beside the types that use them.

use crate::auth::{Viewer, Visibility};
use crate::error::{ApiError, ApiResult};
use crate::graphql::relay::{Page, PageArgs, PageRequest, Sort};
use async_graphql::ResultExt;
use async_graphql::dataloader::Loader;
use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Func, Order, Query, SelectStatement, WindowStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityName, EntityTrait, FromQueryResult, Iterable,
    PrimaryKeyToColumn, QueryFilter, QueryOrder,
};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::sync::Arc;

/// A model with an integer surrogate key.
pub trait HasId {
    fn id(&self) -> i32;
}

macro_rules! has_id {
    ($($module:ident),+ $(,)?) => {$(
        impl HasId for entity::$module::Model {
            fn id(&self) -> i32 {
                self.id
            }
        }
    )+};
}

crate::api_entities!(has_id);

/// Calls macro `$apply` with every entity the API reads rows of, listed once here so that
/// every such entity has a surrogate id ([`HasId`]) and a visibility rule
/// ([`Visibility`](crate::auth::Visibility)). EASE reports, attendance and survey answers are not
/// listed: they reach the API only as aggregates.
#[macro_export]
macro_rules! api_entities {
    ($apply:ident) => {
        $apply!(
            organization,
            employee_group,
            staff,
            assignment,
            section,
            section_teacher,
            framework,
            framework_standard,
            framework_component,
            framework_element,
            rating_level,
            evaluation_process,
            evaluation_process_measure,
            evaluation_process_group,
            evaluation_cycle,
            evaluation,
            evaluation_event,
            element_rating,
            survey,
            survey_question,
            survey_administration,
            training_course,
            training_completion,
            training_requirement,
            audit_event,
        );
    };
}

/// The id of a row of entity `E`: a typed key, so a staff id is never looked up as a section.
pub struct Id<E>(pub i32, PhantomData<fn() -> E>);

impl<E> Id<E> {
    pub fn new(id: i32) -> Self {
        Self(id, PhantomData)
    }
}

impl<E> Clone for Id<E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E> Copy for Id<E> {}
impl<E> PartialEq for Id<E> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<E> Eq for Id<E> {}
impl<E> Hash for Id<E> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

/// The primary-key column of `E` (every table's is `id`).
fn id_column<E: EntityTrait>() -> ApiResult<E::Column> {
    E::PrimaryKey::iter()
        .next()
        .map(PrimaryKeyToColumn::into_column)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("entity without a primary key")))
}

/// Loads rows of every entity by id, and pages of children through every relation, showing
/// only what the request's viewer may see ([`Visibility`]).
pub struct DbLoader {
    pub db: DatabaseConnection,
    pub viewer: Viewer,
}

impl<E> Loader<Id<E>> for DbLoader
where
    E: Visibility + Send + Sync + 'static,
    E::Model: HasId + FromQueryResult + Clone + Send + Sync + 'static,
{
    type Value = E::Model;
    type Error = ApiError;

    #[tracing::instrument(skip_all, fields(table = E::default().table_name(), keys = keys.len()))]
    async fn load(&self, keys: &[Id<E>]) -> Result<HashMap<Id<E>, E::Model>, ApiError> {
        let rows = E::find()
            .filter(id_column::<E>()?.is_in(keys.iter().map(|key| key.0)))
            .filter(E::visible_to(&self.viewer))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|row| (Id::new(row.id()), row)).collect())
    }
}

/// A to-many relation: which rows of `Entity` belong to a parent id, and how to filter them.
pub trait ChildRelation: Send + Sync + 'static {
    /// The child entity.
    type Entity: Visibility;
    /// Filters the field takes (`()` when none).
    type Filter: Clone + Hash + Eq + Send + Sync + 'static;
    /// The SQL column holding the parent id in [`select`](Self::select), as (table, column).
    const PARENT: (&'static str, &'static str);
    /// The children's columns (`Entity::find()`), with their joins and `filter` applied, for
    /// `viewer` on `backend`: relations that reach the parent through other rows the viewer's
    /// rules apply to use the viewer, filters written for each database the backend.
    fn select(filter: &Self::Filter, viewer: &Viewer, backend: DbBackend) -> SelectStatement;
}

/// A page of the children of `parent` through relation `R`.
pub struct ChildKey<R: ChildRelation> {
    pub parent: i32,
    pub page: PageRequest,
    pub filter: R::Filter,
    /// Whether the page's total is wanted (`totalCount` selected): only then does its
    /// statement count every child of every parent (`COUNT(*) OVER`).
    pub counted: bool,
}

impl<R: ChildRelation> ChildKey<R> {
    /// A page whose total is not wanted.
    pub fn new(parent: i32, page: PageRequest, filter: R::Filter) -> Self {
        Self {
            parent,
            page,
            filter,
            counted: false,
        }
    }

    /// The same page, with its total counted when `counted`.
    pub fn counted(self, counted: bool) -> Self {
        Self { counted, ..self }
    }
}

impl<R: ChildRelation> Clone for ChildKey<R> {
    fn clone(&self) -> Self {
        Self {
            parent: self.parent,
            page: self.page.clone(),
            filter: self.filter.clone(),
            counted: self.counted,
        }
    }
}
impl<R: ChildRelation> PartialEq for ChildKey<R> {
    fn eq(&self, other: &Self) -> bool {
        self.parent == other.parent
            && self.page == other.page
            && self.filter == other.filter
            && self.counted == other.counted
    }
}
impl<R: ChildRelation> Eq for ChildKey<R> {}
impl<R: ChildRelation> Hash for ChildKey<R> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.parent.hash(state);
        self.page.hash(state);
        self.filter.hash(state);
        self.counted.hash(state);
    }
}

/// One parent's page of children.
pub struct ChildPage<M> {
    /// The page, in the connection's order.
    pub rows: Vec<M>,
    pub total: u64,
    /// Rows beyond the page in its direction.
    pub more: bool,
}

impl<M> Default for ChildPage<M> {
    fn default() -> Self {
        Self {
            rows: Vec::new(),
            total: 0,
            more: false,
        }
    }
}

impl<R> Loader<ChildKey<R>> for DbLoader
where
    R: ChildRelation,
    <R::Entity as EntityTrait>::Model: HasId + FromQueryResult + Send + Sync + 'static,
{
    type Value = Arc<ChildPage<<R::Entity as EntityTrait>::Model>>;
    type Error = ApiError;

    #[tracing::instrument(skip_all, fields(relation = std::any::type_name::<R>(), keys = keys.len()))]
    async fn load(&self, keys: &[ChildKey<R>]) -> Result<HashMap<ChildKey<R>, Self::Value>, ApiError> {
        // Keys that share a page request, filter and want of a total are answered by one
        // statement.
        let mut groups: HashMap<(PageRequest, R::Filter, bool), Vec<i32>> = HashMap::new();
        for key in keys {
            groups
                .entry((key.page.clone(), key.filter.clone(), key.counted))
                .or_default()
                .push(key.parent);
        }
        let mut result = HashMap::new();
        for ((page, filter, counted), parents) in groups {
            let mut select = R::select(&filter, &self.viewer, self.db.get_database_backend());
            select.cond_where(R::Entity::visible_to(&self.viewer));
            let mut pages = load_child_pages::<R>(&self.db, select, &parents, &page, counted).await?;
            for parent in parents {
                let value = Arc::new(pages.remove(&parent).unwrap_or_default());
                let key = ChildKey::new(parent, page.clone(), filter.clone()).counted(counted);
                result.insert(key, value);
            }
        }
        Ok(result)
    }
}

/// The pages of children of `parents` in one statement, ordered by `page.sort` (shown here
/// for the default, the id):
///
/// ```sql
/// SELECT * FROM (
///   SELECT child.*, parent AS sg_parent,
///          COUNT(*) OVER (PARTITION BY parent) AS sg_total,
///          SUM(CASE WHEN child.id > :after THEN 1 ELSE 0 END)
///            OVER (PARTITION BY parent ORDER BY child.id) AS sg_rank
///   FROM child … WHERE parent IN (:parents) AND <filter> AND <visible>
/// ) sg WHERE sg.id > :after AND sg.sg_rank <= :limit + 1 ORDER BY sg_parent, sg.id
/// ```
///
/// `sg_rank` counts the rows after the cursor in page order, so each parent gets its own
/// keyset page and `sg_total` its own total, whatever the number of parents. `sg_total` is
/// counted only when `counted` (0 otherwise, which nothing reads).
async fn load_child_pages<R: ChildRelation>(
    db: &DatabaseConnection,
    mut inner: SelectStatement,
    parents: &[i32],
    page: &PageRequest,
    counted: bool,
) -> ApiResult<HashMap<i32, ChildPage<<R::Entity as EntityTrait>::Model>>>
where
    <R::Entity as EntityTrait>::Model: HasId + FromQueryResult,
{
    let table = R::Entity::default().table_name();
    let (parent_table, parent_column) = R::PARENT;
    let parent = || Expr::col((Alias::new(parent_table), Alias::new(parent_column)));
    let sort = page.query_sort();
    let after = |on: &str| match &page.cursor {
        Some(cursor) => sort.after(cursor, on),
        None => Expr::value(true),
    };
    let mut rank_window = WindowStatement::partition_by((Alias::new(parent_table), Alias::new(parent_column)));
    for (expr, order) in sort.order_on(table) {
        rank_window.order_by_expr(expr, order);
    }
    inner
        .and_where(parent().is_in(parents.iter().copied()))
        .expr_as(parent(), Alias::new("sg_parent"));
    if counted {
        inner.expr_window_as(
            Func::count(Expr::col(Asterisk)),
            WindowStatement::partition_by((Alias::new(parent_table), Alias::new(parent_column))),
            Alias::new("sg_total"),
        );
    } else {
        inner.expr_as(Expr::cust("CAST(0 AS BIGINT)"), Alias::new("sg_total"));
    }
    inner.expr_window_as(
        Func::sum(Expr::case(after(table), 1).finally(0)),
        rank_window,
        Alias::new("sg_rank"),
    );
    let limit = i64::try_from(page.probe()).unwrap_or(i64::MAX);
    let mut outer = Query::select();
    outer
        .column(Asterisk)
        .from_subquery(inner, Alias::new("sg"))
        .and_where(after("sg"))
        .and_where(Expr::col((Alias::new("sg"), Alias::new("sg_rank"))).lte(limit))
        .order_by((Alias::new("sg"), Alias::new("sg_parent")), Order::Asc);
    for (expr, order) in sort.order_on("sg") {
        outer.order_by_expr(expr, order);
    }
    /// The window columns beside each child's own.
    #[derive(FromQueryResult)]
    struct Placed {
        sg_parent: i32,
        sg_total: i64,
    }
    let rows = db.query_all(&outer).await?;
    let mut pages: HashMap<i32, ChildPage<_>> = HashMap::new();
    for row in rows {
        let placed = Placed::from_query_result(&row, "")?;
        let model = <R::Entity as EntityTrait>::Model::from_query_result(&row, "")?;
        let entry = pages.entry(placed.sg_parent).or_default();
        entry.total = u64::try_from(placed.sg_total).unwrap_or_default();
        entry.rows.push(model);
    }
    for entry in pages.values_mut() {
        let (rows, more) = page.take(std::mem::take(&mut entry.rows));
        entry.rows = rows;
        entry.more = more;
    }
    Ok(pages)
}

/// A parent's connection through relation `R`, each row wrapped by `wrap`.
pub async fn child_connection<R, N>(
    loader: &async_graphql::dataloader::DataLoader<DbLoader>,
    key: ChildKey<R>,
    wrap: impl Fn(<R::Entity as EntityTrait>::Model) -> N,
) -> ApiResult<Page<N>>
where
    R: ChildRelation,
    <R::Entity as EntityTrait>::Model: HasId + FromQueryResult + Clone + Send + Sync + 'static,
    N: async_graphql::OutputType,
{
    let page = key.page.clone();
    let children = loader.load_one(key).await?.unwrap_or_default();
    Page::of(&page, children.rows.clone(), children.more, children.total, wrap)
}

/// One keyset page of a top-level list: `select` (an `Entity::find()` with the list's filters)
/// narrowed to what the viewer may see, its page after the cursor, each row wrapped by `wrap`,
/// and — only when the query selects `totalCount` (in a fragment too) — a COUNT of it. One
/// statement, or two with the count, whatever the page: counting every staff member of the
/// district for a page of 100 that does not show the count was most of that page's time.
pub async fn list<E, N>(
    ctx: &async_graphql::Context<'_>,
    mut select: SelectStatement,
    args: PageArgs,
    sort: Sort,
    wrap: impl Fn(E::Model) -> N,
) -> async_graphql::Result<Page<N>>
where
    E: Visibility,
    E::Model: FromQueryResult + HasId + Sized + Send + Sync,
    N: async_graphql::OutputType,
{
    let request = crate::graphql::RequestContext::of(ctx).extend()?;
    let page = PageRequest::parse_args(&args, sort).extend()?;
    select.cond_where(E::visible_to(&request.viewer));
    let counted = ctx.look_ahead().field("totalCount").exists();
    list_page::<E, N>(request, select, &page, counted, wrap).await.extend()
}

/// The page; the total when `counted` (else 0, which nothing reads).
async fn list_page<E, N>(
    request: &crate::graphql::RequestContext,
    select: SelectStatement,
    page: &PageRequest,
    counted: bool,
    wrap: impl Fn(E::Model) -> N,
) -> ApiResult<Page<N>>
where
    E: EntityTrait,
    E::Model: FromQueryResult + HasId + Sized + Send + Sync,
    N: async_graphql::OutputType,
{
    let db = &request.db;
    let table = E::default().table_name();
    let count = Query::select()
        .expr_as(Func::count(Expr::col(Asterisk)), Alias::new("n"))
        .from_subquery(select.clone(), Alias::new("filtered"))
        .to_owned();
    #[derive(FromQueryResult)]
    struct Total {
        n: i64,
    }
    let total = if counted {
        match db.query_one(&count).await? {
            Some(row) => Total::from_query_result(&row, "")?.n,
            None => 0,
        }
    } else {
        0
    };
    let mut rows = select;
    let sort = page.query_sort();
    if let Some(cursor) = &page.cursor {
        rows.and_where(sort.after(cursor, table));
    }
    for (expr, order) in sort.order_on(table) {
        rows.order_by_expr(expr, order);
    }
    rows.limit(page.probe());
    let rows = E::find()
        .from_raw_sql(db.get_database_backend().build(&rows))
        .all(db)
        .await?;
    let (rows, more) = page.take(rows);
    Page::of(page, rows, more, u64::try_from(total).unwrap_or_default(), wrap)
}

/// The row `id` of entity `E`, wrapped, when there is an id and the viewer may see the row:
/// a to-one relation field. A row the viewer may not see comes back as null, exactly as a row
/// that does not exist would.
pub async fn maybe_one<E, N>(
    ctx: &async_graphql::Context<'_>,
    id: Option<i32>,
    wrap: impl FnOnce(E::Model) -> N,
) -> async_graphql::Result<Option<N>>
where
    E: Visibility + Send + Sync + 'static,
    E::Model: HasId + FromQueryResult + Clone + Send + Sync + 'static,
{
    let Some(id) = id else {
        return Ok(None);
    };
    let request = crate::graphql::RequestContext::of(ctx).extend()?;
    Ok(request.loader.load_one(Id::<E>::new(id)).await.extend()?.map(wrap))
}

/// A page of `parent`'s children through relation `R` for a connection field's arguments.
pub async fn children<R, N>(
    ctx: &async_graphql::Context<'_>,
    parent: i32,
    args: PageArgs,
    sort: Sort,
    filter: R::Filter,
    wrap: impl Fn(<R::Entity as EntityTrait>::Model) -> N,
) -> async_graphql::Result<Page<N>>
where
    R: ChildRelation,
    <R::Entity as EntityTrait>::Model: HasId + FromQueryResult + Clone + Send + Sync + 'static,
    N: async_graphql::OutputType,
{
    let request = crate::graphql::RequestContext::of(ctx).extend()?;
    let page = PageRequest::parse_args(&args, sort).extend()?;
    let counted = ctx.look_ahead().field("totalCount").exists();
    let key = ChildKey::<R>::new(parent, page, filter).counted(counted);
    child_connection(&request.loader, key, wrap).await.extend()
}

/// The row of `E` whose natural key `column` is `value` (e.g. an organization by code), when
/// there is one the viewer may see.
pub async fn by_key<E, N>(
    ctx: &async_graphql::Context<'_>,
    column: E::Column,
    value: &str,
    wrap: impl FnOnce(E::Model) -> N,
) -> async_graphql::Result<Option<N>>
where
    E: Visibility,
    E::Model: FromQueryResult + Send + Sync,
{
    let request = crate::graphql::RequestContext::of(ctx).extend()?;
    let row = E::find()
        .filter(column.eq(value))
        .filter(E::visible_to(&request.viewer))
        .one(&request.db)
        .await
        .map_err(ApiError::from)
        .extend()?;
    Ok(row.map(wrap))
}

/// Every row of a small, fixed reference table (the five frameworks, the seven processes) the
/// viewer may see, ordered by `order`: a plain list, since these do not grow.
pub async fn reference_rows<E, N>(
    ctx: &async_graphql::Context<'_>,
    order: E::Column,
    wrap: impl Fn(E::Model) -> N,
) -> async_graphql::Result<Vec<N>>
where
    E: Visibility,
    E::Model: FromQueryResult + Send + Sync,
{
    let request = crate::graphql::RequestContext::of(ctx).extend()?;
    let rows = E::find()
        .filter(E::visible_to(&request.viewer))
        .order_by_asc(order)
        .all(&request.db)
        .await
        .map_err(ApiError::from)
        .extend()?;
    Ok(rows.into_iter().map(wrap).collect())
}

/// Declares a [`ChildRelation`]: the rows of `entity::$module` whose `$column` holds the
/// parent's id — every one, or those a filter selects:
///
/// ```ignore
/// children_by! { /// An evaluation's events.
///     EventsByEvaluationId: evaluation_event.evaluation_id }
/// children_by! { /// A school's evaluations.
///     EvaluationsBySchoolId: evaluation.school_id, EvaluationFilter => evaluations }
/// ```
///
/// where `evaluations(&EvaluationFilter) -> SelectStatement` selects the filtered rows.
#[macro_export]
macro_rules! children_by {
    ($(#[$doc:meta])* $name:ident: $module:ident . $column:ident) => {
        $crate::children_by!($(#[$doc])* $name: $module.$column, () => $crate::graphql::loader::all_rows::<entity::$module::Entity>);
    };
    ($(#[$doc:meta])* $name:ident: $module:ident . $column:ident, $filter:ty => $select:path) => {
        $crate::children_by!(@relation $(#[$doc])* $name: $module.$column, $filter, |filter, _viewer| $select(filter));
    };
    // A filter that names people (`evaluator: "E123"`): it may match only the people the
    // viewer may see, so `$select(filter, viewer)` takes the viewer.
    ($(#[$doc:meta])* $name:ident: $module:ident . $column:ident, $filter:ty => $select:path, as viewer) => {
        $crate::children_by!(@relation $(#[$doc])* $name: $module.$column, $filter, |filter, viewer| $select(filter, viewer));
    };
    (@relation $(#[$doc:meta])* $name:ident: $module:ident . $column:ident, $filter:ty, |$f:ident, $v:ident| $body:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl $crate::graphql::loader::ChildRelation for $name {
            type Entity = entity::$module::Entity;
            type Filter = $filter;
            const PARENT: (&'static str, &'static str) = (stringify!($module), stringify!($column));

            fn select(
                $f: &$filter,
                $v: &$crate::auth::Viewer,
                _: sea_orm::DbBackend,
            ) -> sea_orm::sea_query::SelectStatement {
                $body
            }
        }
    };
}

/// Every row of `E`: the select of a relation without filters.
pub fn all_rows<E: EntityTrait>(_: &()) -> SelectStatement {
    use sea_orm::QueryTrait;
    E::find().into_query()
}

/// The children of `parent` through a relation that is small by nature (a process's measure
/// kinds, the groups it serves): one page of the most a page may hold, as a plain list.
pub async fn few_children<R>(
    ctx: &async_graphql::Context<'_>,
    parent: i32,
    filter: R::Filter,
) -> async_graphql::Result<Vec<<R::Entity as EntityTrait>::Model>>
where
    R: ChildRelation,
    <R::Entity as EntityTrait>::Model: HasId + FromQueryResult + Clone + Send + Sync + 'static,
{
    let request = crate::graphql::RequestContext::of(ctx).extend()?;
    let page = PageRequest {
        limit: crate::graphql::relay::MAX_PAGE_SIZE,
        cursor: None,
        sort: Sort::BY_ID,
        backward: false,
    };
    let children = request
        .loader
        .load_one(ChildKey::<R>::new(parent, page, filter))
        .await
        .extend()?;
    Ok(children.map(|page| page.rows.clone()).unwrap_or_default())
}
