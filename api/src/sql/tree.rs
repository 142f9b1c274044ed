//! The organization tree (district → regions and offices → schools): looking organizations
//! up by code, the subtree of one, and a scope with its breakdown and ancestors. The one
//! implementation of each; every area and the measures use these.

use super::Params;
use crate::error::{ApiError, ApiResult};
use entity::enums::OrganizationKind;
use entity::organization;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

/// `tree(org_id, unit_id)`: every organization in the scope's subtree (`:scope` is its id)
/// and the child of the scope it lies under — the unit of the breakdown; NULL for the scope
/// itself. Recursive, so any depth of tree works; both databases run it.
pub const TREE: &str = "WITH RECURSIVE tree(org_id, unit_id) AS (
    SELECT id, CASE WHEN id = :scope THEN NULL ELSE id END FROM organization WHERE id = :scope OR parent_id = :scope
    UNION ALL
    SELECT o.id, t.unit_id FROM organization o JOIN tree t ON o.parent_id = t.org_id WHERE t.org_id <> :scope
)";

/// `tree(org_id, unit_id)` as the closure of the scope's subtree: every organization under
/// `:scope` (itself included) paired with itself and with each of its ancestors up to the
/// scope. Subjects joined on it and grouped by `unit_id` count every organization's subtree
/// in one statement — the whole table a suppression pattern is computed over.
pub const CLOSURE: &str = "WITH RECURSIVE sub(id) AS (
    SELECT id FROM organization WHERE id = :scope
    UNION ALL
    SELECT o.id FROM organization o JOIN sub ON o.parent_id = sub.id
), tree(org_id, unit_id) AS (
    SELECT id, id FROM sub
    UNION ALL
    SELECT o.id, t.unit_id FROM organization o JOIN tree t ON o.parent_id = t.org_id
)";

/// The children of `:found` and of each of its ancestors, each row with `sg_depth`, how far
/// above `:found` its parent is (0: `:found` itself), in code order: the scope's breakdown and
/// its ancestors' in one statement, where a statement per level and another per parent took
/// five for a school. At most 16 levels up: a cycle in the tree (nothing prevents one) stops
/// there.
const AROUND: &str = "WITH RECURSIVE up(id, parent_id, depth) AS (
    SELECT id, parent_id, 0 FROM organization WHERE id = :found
    UNION ALL
    SELECT o.id, o.parent_id, u.depth + 1 FROM organization o JOIN up u ON o.id = u.parent_id WHERE u.depth < 16
) SELECT o.*, u.depth AS sg_depth FROM up u JOIN organization o ON o.parent_id = u.id ORDER BY u.depth, o.code";

/// The organization with natural key `code`.
#[tracing::instrument(skip_all)]
pub async fn by_code(db: &impl ConnectionTrait, code: &str) -> ApiResult<Option<organization::Model>> {
    Ok(organization::Entity::find()
        .filter(organization::Column::Code.eq(code))
        .one(db)
        .await?)
}

/// The ids of `root` and every organization below it, in one statement ([`TREE`]).
#[tracing::instrument(skip_all, fields(root))]
pub async fn subtree_ids(db: &impl ConnectionTrait, root: i32) -> ApiResult<Vec<i32>> {
    #[derive(sea_orm::FromQueryResult)]
    struct Row {
        org_id: i32,
    }
    let rows = Params::new()
        .set("scope", root)
        .query(db, &format!("{TREE} SELECT org_id FROM tree ORDER BY org_id"))
        .await?;
    rows.iter()
        .map(|row| Ok(<Row as sea_orm::FromQueryResult>::from_query_result(row, "")?.org_id))
        .collect()
}

/// An organization a measure is taken over, and its children (the rows of its breakdown).
#[derive(Debug, Clone)]
pub struct Scope {
    pub organization: organization::Model,
    pub children: Vec<organization::Model>,
    /// From the district down to the parent: each ancestor, its children's ids in code order
    /// (its breakdown) and the child on the way to this scope. A small figure withheld in any
    /// of those breakdowns stays withheld here, or subtracting views at two levels would
    /// reveal it.
    pub ancestors: Vec<Ancestor>,
}

/// An ancestor of a scope and its breakdown.
#[derive(Debug, Clone)]
pub struct Ancestor {
    pub id: i32,
    pub children: Vec<i32>,
    /// The kind of each of `children`, in the same order.
    pub kinds: Vec<OrganizationKind>,
    pub toward: i32,
}

impl Scope {
    /// The id of the root of the tree the scope lies in (the district).
    pub fn root(&self) -> i32 {
        self.ancestors.first().map_or(self.organization.id, |a| a.id)
    }

    /// The organization with `code`, or the district when there is none; a code that names
    /// nothing is NOT_FOUND on `field`.
    pub async fn resolve(db: &impl ConnectionTrait, code: Option<&str>, field: &str) -> ApiResult<Self> {
        let found = match code {
            Some(code) => by_code(db, code)
                .await?
                .ok_or_else(|| ApiError::NotFound(format!("{field} `{code}`")))?,
            None => organization::Entity::find()
                .filter(organization::Column::Kind.eq(OrganizationKind::District))
                .filter(organization::Column::ParentId.is_null())
                .order_by_asc(organization::Column::Id)
                .one(db)
                .await?
                .ok_or_else(|| ApiError::NotFound("the district (the database holds no district)".into()))?,
        };
        Self::around(db, found).await
    }

    /// The scope of every root of the tree (the district; a database of several districts has
    /// several).
    pub async fn roots(db: &impl ConnectionTrait) -> ApiResult<Vec<Self>> {
        let roots = organization::Entity::find()
            .filter(organization::Column::ParentId.is_null())
            .order_by_asc(organization::Column::Code)
            .all(db)
            .await?;
        let mut scopes = Vec::with_capacity(roots.len());
        for root in roots {
            scopes.push(Self::around(db, root).await?);
        }
        Ok(scopes)
    }

    /// The scope of organization `found`: its children and its ancestors with their
    /// breakdowns, in one statement ([`AROUND`]).
    pub async fn around(db: &impl ConnectionTrait, found: organization::Model) -> ApiResult<Self> {
        /// How far above the scope an organization's parent is (0: the scope itself).
        #[derive(sea_orm::FromQueryResult)]
        struct Depth {
            sg_depth: i32,
        }
        let rows = Params::new().set("found", found.id).query(db, AROUND).await?;
        let mut levels: std::collections::BTreeMap<i32, Vec<organization::Model>> = std::collections::BTreeMap::new();
        for row in &rows {
            let depth = <Depth as sea_orm::FromQueryResult>::from_query_result(row, "")?.sg_depth;
            levels.entry(depth).or_default().push(
                <organization::Model as sea_orm::FromQueryResult>::from_query_result(row, "")?,
            );
        }
        let children = levels.remove(&0).unwrap_or_default();
        let mut ancestors = Vec::new();
        let mut toward = found.id;
        // Nearest first: each level's parent is the ancestor, `toward` the child on the way.
        for level in levels.into_values() {
            let Some(parent) = level.first().and_then(|o| o.parent_id) else {
                break;
            };
            ancestors.push(Ancestor {
                id: parent,
                children: level.iter().map(|o| o.id).collect(),
                kinds: level.iter().map(|o| o.kind).collect(),
                toward,
            });
            toward = parent;
        }
        ancestors.reverse();
        Ok(Self {
            organization: found,
            children,
            ancestors,
        })
    }
}
