//! Who is asking. Every service and loader receives the [`Viewer`] so that DESIGN.md §4's
//! roles plug in at the data layer, where every path (lists, `node(id:)`, nested fields)
//! passes. Until bearer tokens land (the access-control issue), every request is ADMIN.

use sea_orm::{Condition, EntityTrait};

/// The roles of DESIGN.md §4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    Hr,
    Analyst,
    Principal,
    Employee,
    Public,
}

/// The subject of a request and what they may see.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Viewer {
    /// Employee number of the token's subject; none for PUBLIC.
    pub subject: Option<String>,
    pub role: Role,
    /// Organization codes a principal's scope covers.
    pub schools: Vec<String>,
}

impl Viewer {
    /// The viewer of every request until authentication lands.
    pub fn admin() -> Self {
        Self {
            subject: None,
            role: Role::Admin,
            schools: Vec::new(),
        }
    }
}

/// Which rows of an entity a viewer may see: a condition every read path adds to its SQL —
/// the loaders by id and by parent, and every top-level list (`schema::loader`). Nothing is
/// filtered after loading, so totals, pages and `node(id:)` agree, and a row the viewer may
/// not see is indistinguishable from one that does not exist.
pub trait Visibility: EntityTrait {
    /// The condition on this entity's table for `viewer`; everything by default.
    fn visible_to(viewer: &Viewer) -> Condition {
        match viewer.role {
            // Every role is ADMIN until the access-control issue plugs DESIGN.md §4 in here.
            Role::Admin | Role::Hr | Role::Analyst | Role::Principal | Role::Employee | Role::Public => {
                Condition::all()
            }
        }
    }
}

macro_rules! visible {
    ($($module:ident),+ $(,)?) => {$(
        impl Visibility for entity::$module::Entity {}
    )+};
}

crate::api_entities!(visible);
