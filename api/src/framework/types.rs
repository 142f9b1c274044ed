//! GraphQL types of the framework area.

use super::relations::{ComponentsByStandardId, ElementsByComponentId, LevelsByFrameworkId, StandardsByFrameworkId};
use crate::graphql::loader::{children, maybe_one};
use crate::graphql::relay::{Page, PageArgs};
use crate::graphql::relay::{Sort, SortKind, encode_id};
use async_graphql::{Context, Enum, ID, Object, Result};
use entity::{framework, framework_component, framework_element, framework_standard, rating_level};

/// Standards, components and elements come in rubric order.
const RUBRIC_ORDER: Sort = Sort {
    column: "sort_order",
    kind: SortKind::Int,
    descending: false,
};

/// Rating levels come lowest first.
const LEVEL_ORDER: Sort = Sort {
    column: "ordinal",
    kind: SortKind::Int,
    descending: false,
};

/// The two rating scales of a framework.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::RatingScale")]
pub enum RatingScale {
    /// Ratings of single rubric elements (Ineffective … Highly Effective).
    Element,
    /// Final overall ratings (Meets / Below Standard Performance).
    Overall,
}

/// An evaluation framework (TLF, SLF, PSLF, CPF, SCF).
pub struct Framework(pub framework::Model);

/// An evaluation framework (TLF, SLF, PSLF, CPF, SCF).
#[Object]
impl Framework {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode_id("Framework", self.0.id)
    }
    /// Natural key, e.g. `TLF`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Version of the rubric.
    async fn version(&self) -> &str {
        &self.0.version
    }
    /// Its standards, in rubric order.
    async fn standards(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<FrameworkStandard>> {
        children::<StandardsByFrameworkId, _>(
            ctx,
            self.0.id,
            PageArgs::new(first, after, last, before),
            RUBRIC_ORDER,
            (),
            FrameworkStandard,
        )
        .await
    }
    /// Its rating levels, optionally of one scale.
    async fn rating_levels(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only levels of this scale.")] scale: Option<RatingScale>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<RatingLevel>> {
        let scale = scale.map(Into::into);
        children::<LevelsByFrameworkId, _>(
            ctx,
            self.0.id,
            PageArgs::new(first, after, last, before),
            LEVEL_ORDER,
            scale,
            RatingLevel,
        )
        .await
    }
}

/// A standard of a framework, e.g. TLF standard 3 "Delivery of Instruction".
pub struct FrameworkStandard(pub framework_standard::Model);

/// A standard of a framework, e.g. TLF standard 3 "Delivery of Instruction".
#[Object]
impl FrameworkStandard {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode_id("FrameworkStandard", self.0.id)
    }
    /// Code within the framework, e.g. `3`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The framework.
    async fn framework(&self, ctx: &Context<'_>) -> Result<Option<Framework>> {
        maybe_one::<framework::Entity, _>(ctx, Some(self.0.framework_id), Framework).await
    }
    /// Its components.
    async fn components(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<FrameworkComponent>> {
        children::<ComponentsByStandardId, _>(
            ctx,
            self.0.id,
            PageArgs::new(first, after, last, before),
            RUBRIC_ORDER,
            (),
            FrameworkComponent,
        )
        .await
    }
}

/// A component of a standard, e.g. `3b` "Using Questioning and Discussion Techniques".
pub struct FrameworkComponent(pub framework_component::Model);

/// A component of a standard, e.g. `3b` "Using Questioning and Discussion Techniques".
#[Object]
impl FrameworkComponent {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode_id("FrameworkComponent", self.0.id)
    }
    /// Code, e.g. `3b`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The standard.
    async fn standard(&self, ctx: &Context<'_>) -> Result<Option<FrameworkStandard>> {
        maybe_one::<framework_standard::Entity, _>(ctx, Some(self.0.standard_id), FrameworkStandard).await
    }
    /// Its elements.
    async fn elements(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last row of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size going back (with `before`, or the last rows): 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the first row of the next page: the rows just before it.")] before: Option<String>,
    ) -> Result<Page<FrameworkElement>> {
        children::<ElementsByComponentId, _>(
            ctx,
            self.0.id,
            PageArgs::new(first, after, last, before),
            RUBRIC_ORDER,
            (),
            FrameworkElement,
        )
        .await
    }
}

/// A rubric element, the unit that is rated, e.g. `3b2`.
pub struct FrameworkElement(pub framework_element::Model);

/// A rubric element, the unit that is rated, e.g. `3b2`.
#[Object]
impl FrameworkElement {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode_id("FrameworkElement", self.0.id)
    }
    /// Code, e.g. `3b2`; what import files use.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// A focus element of the framework.
    async fn focus(&self) -> bool {
        self.0.focus
    }
    /// The component.
    async fn component(&self, ctx: &Context<'_>) -> Result<Option<FrameworkComponent>> {
        maybe_one::<framework_component::Entity, _>(ctx, Some(self.0.component_id), FrameworkComponent).await
    }
}

/// A rating level of a framework.
pub struct RatingLevel(pub rating_level::Model);

/// A rating level of a framework.
#[Object]
impl RatingLevel {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode_id("RatingLevel", self.0.id)
    }
    /// The scale.
    async fn scale(&self) -> RatingScale {
        self.0.scale.into()
    }
    /// Order on the scale, 1 lowest.
    async fn ordinal(&self) -> i32 {
        self.0.ordinal
    }
    /// Label, e.g. `Effective`; what import files use.
    async fn label(&self) -> &str {
        &self.0.label
    }
    /// The framework it belongs to.
    async fn framework(&self, ctx: &Context<'_>) -> Result<Option<Framework>> {
        maybe_one::<framework::Entity, _>(ctx, Some(self.0.framework_id), Framework).await
    }
}
