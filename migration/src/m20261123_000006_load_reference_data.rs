//! Loads the reference data of `migration/data/` (see `reference`). Parents are looked up by
//! natural key with `INSERT … SELECT`, so the rows never depend on surrogate ids. `down`
//! deletes exactly these rows (children first).

use crate::reference;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn custom(message: String) -> DbErr {
    DbErr::Custom(message)
}

fn query_error(e: sea_orm_migration::sea_query::error::Error) -> DbErr {
    DbErr::Custom(format!("building a reference-data statement: {e}"))
}

/// `SELECT id, <values…> FROM <table> WHERE <filter>`: a row whose parent is named by key.
fn select_parent(table: &'static str, filter: Condition, values: Vec<Expr>) -> SelectStatement {
    let mut select = Query::select();
    select.column((table, "id")).from(table).cond_where(filter);
    for value in values {
        select.expr(value);
    }
    select.take()
}

async fn insert_values(
    manager: &SchemaManager<'_>,
    table: &'static str,
    columns: &[&'static str],
    values: Vec<Expr>,
) -> Result<(), DbErr> {
    let mut insert = Query::insert();
    insert
        .into_table(table)
        .columns(columns.iter().copied())
        .values(values)
        .map_err(query_error)?;
    manager.get_connection().execute(&insert).await.map(|_| ())
}

async fn insert_select(
    manager: &SchemaManager<'_>,
    table: &'static str,
    columns: &[&'static str],
    select: SelectStatement,
) -> Result<(), DbErr> {
    let mut insert = Query::insert();
    insert
        .into_table(table)
        .columns(columns.iter().copied())
        .select_from(select)
        .map_err(query_error)?;
    manager.get_connection().execute(&insert).await.map(|_| ())
}

fn framework_is(code: &str) -> Condition {
    Condition::all().add(Expr::col(("framework", "code")).eq(code))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for f in reference::frameworks().map_err(custom)? {
            insert_values(
                manager,
                "framework",
                &["code", "name", "version"],
                vec![f.code.into(), f.name.into(), f.version.into()],
            )
            .await?;
        }
        for l in reference::rating_levels().map_err(custom)? {
            let select = select_parent(
                "framework",
                framework_is(&l.framework_code),
                vec![l.scale.into(), l.ordinal.into(), l.label.into()],
            );
            insert_select(
                manager,
                "rating_level",
                &["framework_id", "scale", "ordinal", "label"],
                select,
            )
            .await?;
        }
        load_rubric(manager).await?;
        for p in reference::evaluation_processes().map_err(custom)? {
            let select = select_parent(
                "framework",
                framework_is(&p.framework_code),
                vec![p.code.clone().into(), p.name.clone().into(), p.requires_sfs.into()],
            );
            insert_select(
                manager,
                "evaluation_process",
                &["framework_id", "code", "name", "requires_sfs"],
                select,
            )
            .await?;
            for measure in p.measure_kinds() {
                let select = select_parent(
                    "evaluation_process",
                    Condition::all().add(Expr::col(("evaluation_process", "code")).eq(p.code.as_str())),
                    vec![measure.into()],
                );
                insert_select(
                    manager,
                    "evaluation_process_measure",
                    &["process_id", "measure"],
                    select,
                )
                .await?;
            }
        }
        for r in reference::training_requirements().map_err(custom)? {
            insert_values(
                manager,
                "training_requirement",
                &["category", "applies_to", "window_days", "prior_valid_days"],
                vec![
                    r.category.into(),
                    r.applies_to.into(),
                    r.window_days.into(),
                    r.prior_valid_days.into(),
                ],
            )
            .await?;
        }
        for m in reference::plan_measures().map_err(custom)? {
            insert_values(
                manager,
                "plan_measure",
                &[
                    "code",
                    "pillar",
                    "priority",
                    "title",
                    "description",
                    "target_value",
                    "comparator",
                    "baseline",
                ],
                vec![
                    m.code.into(),
                    m.pillar.into(),
                    m.priority.into(),
                    m.title.into(),
                    m.description.into(),
                    m.target_value.into(),
                    m.comparator.into(),
                    m.baseline.into(),
                ],
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Processes go first: they reference frameworks with RESTRICT. A framework's
        // standards, components, elements and rating levels go with it (ON DELETE CASCADE),
        // and a process's measure kinds and groups with the process.
        let measures = reference::plan_measures().map_err(custom)?.into_iter().map(|m| m.code);
        let categories = reference::training_requirements()
            .map_err(custom)?
            .into_iter()
            .map(|r| r.category);
        let processes = reference::evaluation_processes()
            .map_err(custom)?
            .into_iter()
            .map(|p| p.code);
        let frameworks = reference::frameworks().map_err(custom)?.into_iter().map(|f| f.code);
        let deletes = [
            ("plan_measure", "code", measures.collect::<Vec<_>>()),
            ("training_requirement", "category", categories.collect()),
            ("evaluation_process", "code", processes.collect()),
            ("framework", "code", frameworks.collect()),
        ];
        for (table, column, keys) in deletes {
            let mut delete = Query::delete();
            delete.from_table(table).and_where(Expr::col(column).is_in(keys));
            manager.get_connection().execute(&delete).await?;
        }
        Ok(())
    }
}

/// Standards, then components, then elements, each row finding its parent by code.
async fn load_rubric(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let rubric = reference::rubric().map_err(custom)?;
    let mut seen_standards = Vec::new();
    let mut seen_components = Vec::new();
    for (sort, row) in rubric.iter().enumerate() {
        let sort = <i32 as TryFrom<usize>>::try_from(sort).map_err(|e| custom(e.to_string()))?;
        let standard_key = (row.framework_code.clone(), row.standard_code.clone());
        if !seen_standards.contains(&standard_key) {
            let select = select_parent(
                "framework",
                framework_is(&row.framework_code),
                vec![
                    row.standard_code.clone().into(),
                    row.standard_title.clone().into(),
                    sort.into(),
                ],
            );
            insert_select(
                manager,
                "framework_standard",
                &["framework_id", "code", "title", "sort_order"],
                select,
            )
            .await?;
            seen_standards.push(standard_key);
        }
        let (Some(component_code), Some(component_title)) = (&row.component_code, &row.component_title) else {
            continue;
        };
        let standard_in_framework = || {
            Condition::all()
                .add(Expr::col(("framework_standard", "code")).eq(row.standard_code.as_str()))
                .add(
                    Expr::col(("framework_standard", "framework_id")).in_subquery(
                        Query::select()
                            .column("id")
                            .from("framework")
                            .and_where(Expr::col("code").eq(row.framework_code.as_str()))
                            .take(),
                    ),
                )
        };
        let component_key = (row.framework_code.clone(), component_code.clone());
        if !seen_components.contains(&component_key) {
            let select = select_parent(
                "framework_standard",
                standard_in_framework(),
                vec![
                    component_code.clone().into(),
                    component_title.clone().into(),
                    sort.into(),
                ],
            );
            insert_select(
                manager,
                "framework_component",
                &["standard_id", "code", "title", "sort_order"],
                select,
            )
            .await?;
            seen_components.push(component_key);
        }
        let (Some(element_code), Some(element_title)) = (&row.element_code, &row.element_title) else {
            continue;
        };
        let component_in_standard = Condition::all()
            .add(Expr::col(("framework_component", "code")).eq(component_code.as_str()))
            .add(
                Expr::col(("framework_component", "standard_id")).in_subquery(
                    Query::select()
                        .column("id")
                        .from("framework_standard")
                        .cond_where(standard_in_framework())
                        .take(),
                ),
            );
        let select = select_parent(
            "framework_component",
            component_in_standard,
            vec![
                element_code.clone().into(),
                element_title.clone().into(),
                sort.into(),
                row.focus.unwrap_or(false).into(),
            ],
        );
        insert_select(
            manager,
            "framework_element",
            &["component_id", "code", "title", "sort_order", "focus"],
            select,
        )
        .await?;
    }
    Ok(())
}
