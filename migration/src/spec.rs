//! A table described as data, so that every table of the schema gets the same treatment:
//! named foreign keys, named unique constraints on natural keys and an index on every foreign
//! key column, created and dropped identically on SQLite and PostgreSQL.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::pk_auto;

/// One table: its columns (the integer surrogate key `id` is added), the foreign keys, the
/// natural keys and the extra indexes the measures filter by.
pub(crate) struct TableSpec {
    name: &'static str,
    columns: Vec<ColumnDef>,
    references: Vec<Reference>,
    uniques: Vec<&'static [&'static str]>,
    indexes: Vec<&'static [&'static str]>,
}

struct Reference {
    column: &'static str,
    table: &'static str,
    cascade: bool,
}

impl TableSpec {
    pub(crate) fn new(name: &'static str) -> Self {
        Self {
            name,
            columns: Vec::new(),
            references: Vec::new(),
            uniques: Vec::new(),
            indexes: Vec::new(),
        }
    }

    pub(crate) fn col(mut self, column: ColumnDef) -> Self {
        self.columns.push(column);
        self
    }

    /// A foreign key whose rows must be deleted before the parent's (RESTRICT).
    pub(crate) fn references(self, column: &'static str, table: &'static str) -> Self {
        self.reference(column, table, false)
    }

    /// A foreign key to the row this one is part of: deleting the parent deletes it.
    pub(crate) fn part_of(self, column: &'static str, table: &'static str) -> Self {
        self.reference(column, table, true)
    }

    fn reference(mut self, column: &'static str, table: &'static str, cascade: bool) -> Self {
        self.references.push(Reference { column, table, cascade });
        self
    }

    /// A natural key, named `uq_<table>_<columns>`.
    pub(crate) fn unique(mut self, columns: &'static [&'static str]) -> Self {
        self.uniques.push(columns);
        self
    }

    /// An index, named `ix_<table>_<columns>`.
    pub(crate) fn index(mut self, columns: &'static [&'static str]) -> Self {
        self.indexes.push(columns);
        self
    }

    fn create_statement(&self) -> TableCreateStatement {
        let mut table = Table::create();
        table.table(self.name).col(pk_auto("id"));
        for column in &self.columns {
            table.col(column.clone());
        }
        for unique in &self.uniques {
            let mut index = Index::create();
            index.name(format!("uq_{}_{}", self.name, unique.join("_"))).unique();
            for column in *unique {
                index.col(*column);
            }
            table.index(&mut index);
        }
        for reference in &self.references {
            let mut fk = ForeignKey::create();
            fk.name(format!("fk_{}_{}", self.name, reference.column))
                .from(self.name, reference.column)
                .to(reference.table, "id")
                .on_update(ForeignKeyAction::NoAction)
                .on_delete(if reference.cascade {
                    ForeignKeyAction::Cascade
                } else {
                    ForeignKeyAction::Restrict
                });
            table.foreign_key(&mut fk);
        }
        table.take()
    }

    /// Indexes on every foreign key column not already leading a natural key, then the
    /// explicit ones.
    fn index_statements(&self) -> Vec<IndexCreateStatement> {
        let leads_unique = |column: &str| self.uniques.iter().any(|unique| unique.first() == Some(&column));
        let mut wanted: Vec<Vec<&'static str>> = self
            .references
            .iter()
            .filter(|reference| !leads_unique(reference.column))
            .map(|reference| vec![reference.column])
            .collect();
        for index in &self.indexes {
            let index = index.to_vec();
            if !wanted.contains(&index) {
                wanted.push(index);
            }
        }
        wanted
            .into_iter()
            .map(|columns| {
                let mut index = Index::create();
                index
                    .name(format!("ix_{}_{}", self.name, columns.join("_")))
                    .table(self.name);
                for column in columns {
                    index.col(column);
                }
                index.take()
            })
            .collect()
    }
}

/// Creates the tables in order, each with its indexes.
pub(crate) async fn create_all(manager: &SchemaManager<'_>, tables: &[TableSpec]) -> Result<(), DbErr> {
    for table in tables {
        manager.create_table(table.create_statement()).await?;
        for index in table.index_statements() {
            manager.create_index(index).await?;
        }
    }
    Ok(())
}

/// Drops the tables in reverse order (children before parents).
pub(crate) async fn drop_all(manager: &SchemaManager<'_>, tables: &[TableSpec]) -> Result<(), DbErr> {
    for table in tables.iter().rev() {
        manager.drop_table(Table::drop().table(table.name).to_owned()).await?;
    }
    Ok(())
}

/// The `up`/`down` pair of a migration that only creates tables.
macro_rules! table_migration {
    ($tables:expr) => {
        #[derive(DeriveMigrationName)]
        pub struct Migration;

        #[async_trait::async_trait]
        impl MigrationTrait for Migration {
            async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
                crate::spec::create_all(manager, &$tables).await
            }

            async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
                crate::spec::drop_all(manager, &$tables).await
            }
        }
    };
}
pub(crate) use table_migration;
