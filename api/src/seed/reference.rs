//! The ids of the reference data the generator points at: evaluation processes, rating levels
//! and the Teaching and Learning Framework's focus elements. The migrations load that data
//! (DESIGN.md §2, "Evaluation frameworks and evaluations"), so its surrogate ids are read back
//! from the database rather than assumed.

use crate::error::ApiResult;
use entity::enums::RatingScale;
use entity::{evaluation_process, framework, framework_component, framework_element, framework_standard, rating_level};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};
use std::collections::HashMap;

/// Surrogate ids of the reference data the demo refers to (loaded by the migrations).
pub struct ReferenceIds {
    /// Evaluation process code → id.
    processes: HashMap<String, i32>,
    /// (framework code, scale, label) → rating level id.
    levels: HashMap<(String, RatingScale, String), i32>,
    /// Element ids of the Teaching and Learning Framework's focus elements, in rubric order.
    pub(super) tlf_focus_elements: Vec<i32>,
}

impl ReferenceIds {
    /// Reads the ids from a migrated database.
    pub async fn load<C: ConnectionTrait>(db: &C) -> ApiResult<Self> {
        let frameworks: HashMap<i32, String> = collect(db, framework::Entity::find(), |f| (f.id, f.code)).await?;
        let processes = collect(db, evaluation_process::Entity::find(), |p| (p.code, p.id)).await?;
        let levels = rating_level::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .filter_map(|l| Some(((frameworks.get(&l.framework_id)?.clone(), l.scale, l.label), l.id)))
            .collect();
        let tlf = frameworks.iter().find(|(_, code)| *code == "TLF").map(|(id, _)| *id);
        let standards =
            framework_standard::Entity::find().filter(framework_standard::Column::FrameworkId.eq(tlf.unwrap_or(-1)));
        let standards: Vec<i32> = collect(db, standards, |s| s.id).await?;
        let components =
            framework_component::Entity::find().filter(framework_component::Column::StandardId.is_in(standards));
        let components: Vec<i32> = collect(db, components, |c| c.id).await?;
        let mut elements = framework_element::Entity::find()
            .filter(framework_element::Column::ComponentId.is_in(components))
            .filter(framework_element::Column::Focus.eq(true))
            .all(db)
            .await?;
        elements.sort_by_key(|e| e.sort_order);
        Ok(Self {
            processes,
            levels,
            tlf_focus_elements: elements.into_iter().map(|e| e.id).collect(),
        })
    }

    /// The id of the process `code` (0, which matches no row, when there is none).
    pub(super) fn process(&self, code: &str) -> i32 {
        self.processes.get(code).copied().unwrap_or_default()
    }

    /// The id of a framework's rating level by scale and label (0 when there is none).
    pub(super) fn level(&self, framework: &str, scale: RatingScale, label: &str) -> i32 {
        self.levels
            .get(&(framework.to_owned(), scale, label.to_owned()))
            .copied()
            .unwrap_or_default()
    }
}

/// The rows `select` finds, each made into a `T` by `f`.
async fn collect<E, C, T, B>(db: &C, select: Select<E>, f: impl FnMut(E::Model) -> T) -> ApiResult<B>
where
    E: EntityTrait,
    C: ConnectionTrait,
    B: FromIterator<T>,
{
    Ok(select.all(db).await?.into_iter().map(f).collect())
}
