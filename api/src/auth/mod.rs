//! Who is asking, and what they may see (DESIGN.md §4).
//!
//! - `token.rs`: bearer JWTs (HS256): minting and verifying, claims `sub`, `role`, `schools`,
//!   `exp`. No token is PUBLIC; a bad token is refused, never taken for PUBLIC.
//! - `policy.rs`: [`Visibility`], the row rule of every entity per role — a SQL condition
//!   every read path adds (the loaders by id and by parent, every top-level list), so lists,
//!   `node(id:)`, nested fields and totals all obey it, and a row the viewer may not see is
//!   indistinguishable from one that does not exist.

pub mod policy;
pub mod token;

pub use policy::Visibility;

use crate::error::{ApiError, ApiResult};
use async_graphql::Enum;
use entity::{organization, staff};
use sea_orm::sea_query::{Alias, Expr, Query, UnionType};
use sea_orm::{ColumnTrait, DatabaseConnection, FromQueryResult};

/// The roles of DESIGN.md §4.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Everything; the only role that imports and edits reference data.
    Admin,
    /// All staff, assignments, training and compliance lists, evaluation status (not element
    /// ratings).
    Hr,
    /// Every aggregate and measure at every level; no person-level rows.
    Analyst,
    /// Their schools only: staff, evaluations, ratings they gave or at their school, SFS
    /// administration of their classrooms.
    Principal,
    /// Their own evaluations, ratings and training.
    Employee,
    /// The plan measures at district and region level, small groups suppressed.
    Public,
}

/// The subject of a request and what they may see, resolved once per request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Viewer {
    /// Employee number of the token's subject; none for PUBLIC.
    pub subject: Option<String>,
    pub role: Role,
    /// Organization codes a principal's scope covers, as the token lists them.
    pub schools: Vec<String>,
    /// The subject's staff id, when the employee number names someone.
    pub staff_id: Option<i32>,
    /// Ids of the organizations in `schools`.
    pub school_ids: Vec<i32>,
}

impl Viewer {
    /// Everything: the command line and tests.
    pub fn admin() -> Self {
        Self::anonymous(Role::Admin)
    }

    /// No token.
    pub fn public() -> Self {
        Self::anonymous(Role::Public)
    }

    fn anonymous(role: Role) -> Self {
        Self {
            subject: None,
            role,
            schools: Vec::new(),
            staff_id: None,
            school_ids: Vec::new(),
        }
    }

    /// The viewer a verified token names, with its subject's staff id and its schools' ids
    /// looked up — in one statement (a `UNION ALL` of the two look-ups), only when the token
    /// has either: a round trip fewer on every principal's request.
    pub async fn resolve(db: &DatabaseConnection, claims: token::Claims) -> ApiResult<Self> {
        /// A row of the look-up: which part (0 the subject, 1 a school) and the id.
        #[derive(FromQueryResult)]
        struct Found {
            part: i32,
            id: i32,
        }
        let subject = claims.sub.as_deref().map(|number| {
            Query::select()
                .expr_as(Expr::val(0), Alias::new("part"))
                .expr_as(Expr::col(staff::Column::Id), Alias::new("id"))
                .from(staff::Entity)
                .and_where(staff::Column::EmployeeNumber.eq(number))
                .to_owned()
        });
        let schools = (!claims.schools.is_empty()).then(|| {
            Query::select()
                .expr_as(Expr::val(1), Alias::new("part"))
                .expr_as(Expr::col(organization::Column::Id), Alias::new("id"))
                .from(organization::Entity)
                .and_where(organization::Column::Code.is_in(claims.schools.iter().cloned()))
                .to_owned()
        });
        let statement = match (subject, schools) {
            (Some(mut subject), Some(schools)) => Some(subject.union(UnionType::All, schools).to_owned()),
            (one, other) => one.or(other),
        };
        let found = match statement {
            Some(statement) => {
                Found::find_by_statement(db.get_database_backend().build(&statement))
                    .all(db)
                    .await?
            }
            None => Vec::new(),
        };
        Ok(Self {
            subject: claims.sub,
            role: claims.role,
            schools: claims.schools,
            staff_id: found.iter().find(|f| f.part == 0).map(|f| f.id),
            school_ids: found.iter().filter(|f| f.part == 1).map(|f| f.id).collect(),
        })
    }

    /// FORBIDDEN unless the viewer has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> ApiResult<()> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}
