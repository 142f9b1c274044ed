//! The vocabulary a file format is written in (the formats themselves are in `formats.rs`): the
//! columns and their types, the references resolved by natural key, the checks across columns,
//! and the table (and, for survey answers, the parent table) the rows land in.

use super::cell::Cell;

/// How the text of a cell is read.
#[derive(Debug, Clone)]
pub enum Type {
    /// Any text; `max` characters at most where the column is bounded.
    Text { max: Option<usize> },
    /// A whole number in `min..=max`.
    Int { min: i32, max: i32 },
    /// A decimal number not below `min`.
    Float { min: f64 },
    /// `true` or `false`.
    Bool,
    /// `YYYY-MM-DD`.
    Date,
    /// One of a closed vocabulary (the upper-case values of an entity enum).
    Enum(Vec<String>),
}

/// One column of a file.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: &'static str,
    pub ty: Type,
    /// Whether an empty cell (NULL) is allowed.
    pub nullable: bool,
}

/// When a reference is not looked up and is NULL instead.
#[derive(Debug, Clone, Copy)]
pub enum Skip {
    /// Always looked up.
    Never,
    /// NULL when this column is empty.
    IfEmpty(&'static str),
    /// NULL when this column is given.
    IfGiven(&'static str),
}

/// A reference to another row by its natural key, resolved for a whole chunk in one statement:
/// `WITH k(i, c0, c1, …) AS (VALUES …) SELECT k.i, <id>[, <problem>] FROM k <joins>`. A key
/// with no row is an unknown reference; a row whose `problem` is not NULL is refused with it.
#[derive(Debug, Clone)]
pub struct Lookup {
    /// What is referenced, for messages ("staff member", "school").
    pub what: &'static str,
    /// The columns forming the key, bound as `k.c0`, `k.c1`, …
    pub keys: Vec<&'static str>,
    /// Joins from `k` to the referenced row, aliased `t`.
    pub joins: &'static str,
    /// The selected id (usually `t.id`).
    pub id: &'static str,
    /// A reason to refuse the row found (an SQL text expression, NULL when fine) and the
    /// column it is about.
    pub problem: Option<(&'static str, &'static str)>,
    pub skip: Skip,
    /// The referenced row may come later in the same file (an organization's parent): it is
    /// resolved again once the whole file is written.
    pub deferrable: bool,
}

impl Lookup {
    pub fn new(what: &'static str, keys: &[&'static str], joins: &'static str) -> Self {
        Self {
            what,
            keys: keys.to_vec(),
            joins,
            id: "t.id",
            problem: None,
            skip: Skip::Never,
            deferrable: false,
        }
    }

    /// Selects another id than `t.id` (when the joins end in the row under another alias).
    pub fn select(mut self, id: &'static str) -> Self {
        self.id = id;
        self
    }

    pub fn skip(mut self, skip: Skip) -> Self {
        self.skip = skip;
        self
    }

    pub fn problem(mut self, column: &'static str, reason_sql: &'static str) -> Self {
        self.problem = Some((column, reason_sql));
        self
    }

    pub fn deferrable(mut self) -> Self {
        self.deferrable = true;
        self
    }
}

/// Where a database column's value comes from.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    /// The cell of a file column.
    Column(&'static str),
    /// The id a lookup (by index) resolved.
    Lookup(usize),
    /// The id of the row's parent (survey answers: their response).
    Parent,
}

/// A table an import file writes to: its natural key and where each written column comes
/// from. (Not the migrations' `TableSpec`, which describes how a table is created.)
#[derive(Debug, Clone)]
pub struct WriteTarget {
    pub name: &'static str,
    /// The columns of the natural key (`uq_…`), the `ON CONFLICT` target.
    pub key: Vec<&'static str>,
    /// Every written column (key columns included) and its source.
    pub targets: Vec<(&'static str, Source)>,
    /// Whether the table has a `version` column bumped on every update.
    pub versioned: bool,
}

impl WriteTarget {
    pub fn new(name: &'static str, key: &[&'static str], targets: &[(&'static str, Source)]) -> Self {
        Self {
            name,
            key: key.to_vec(),
            targets: targets.to_vec(),
            versioned: false,
        }
    }

    pub fn versioned(mut self) -> Self {
        self.versioned = true;
        self
    }

    /// The positions in `targets` of the natural key's columns, in key order.
    pub fn key_positions(&self) -> Vec<usize> {
        self.key
            .iter()
            .filter_map(|k| self.targets.iter().position(|(c, _)| c == k))
            .collect()
    }

    /// The column lookup `index` fills.
    pub fn fed_by(&self, index: usize) -> Option<&'static str> {
        self.targets
            .iter()
            .find(|(_, s)| matches!(s, Source::Lookup(i) if *i == index))
            .map(|(c, _)| *c)
    }
}

/// A rule across the cells of one row.
#[derive(Debug, Clone, Copy)]
pub enum Check {
    /// `later` (when given) is on or after `earlier`.
    NotBefore { later: &'static str, earlier: &'static str },
    /// `smaller` is at most `larger`.
    AtMost {
        smaller: &'static str,
        larger: &'static str,
    },
    /// `smaller` is strictly below `larger`.
    Below {
        smaller: &'static str,
        larger: &'static str,
    },
    /// `value` lies in `min..=max` (other columns of the row).
    Within {
        value: &'static str,
        min: &'static str,
        max: &'static str,
    },
    /// Both columns are given, or neither.
    Together(&'static str, &'static str),
    /// The column is not the same as `other` (an organization is not its own parent).
    Differs { column: &'static str, other: &'static str },
}

/// The format of one import file.
#[derive(Debug, Clone)]
pub struct FileSpec {
    pub columns: Vec<Column>,
    pub lookups: Vec<Lookup>,
    pub checks: Vec<Check>,
    /// A table each row's parent is written to first (survey responses, of survey answers).
    pub parent: Option<WriteTarget>,
    pub table: WriteTarget,
    /// The columns that name a row of the file: no two rows may share them.
    pub row_key: Vec<&'static str>,
    /// A query giving the file back: the columns in `columns` order, one row per file row.
    pub export: &'static str,
}

/// The longest key or reference a file may give, in characters: a natural key is indexed, and
/// PostgreSQL refuses an index row beyond about 2,700 bytes (SQLite would store it), so a
/// longer one is refused on both databases alike, with its line and column.
pub const MAX_KEY: usize = 255;

impl FileSpec {
    /// This format with every text column that names a row — its own key, or a reference
    /// to another file's — bounded at [`MAX_KEY`] characters where it had no bound.
    pub fn bounded_keys(mut self) -> Self {
        let keys: Vec<&str> = self
            .row_key
            .iter()
            .copied()
            .chain(self.lookups.iter().flat_map(|lookup| lookup.keys.iter().copied()))
            .collect();
        for column in &mut self.columns {
            if let Type::Text { max: max @ None } = &mut column.ty
                && keys.contains(&column.name)
            {
                *max = Some(MAX_KEY);
            }
        }
        self
    }

    /// The position of a column in `columns` (and so in every parsed row).
    pub fn position(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The cell of `name` in a parsed row (NULL when the format has no such column).
    pub fn cell<'r>(&self, row: &'r [Cell], name: &str) -> &'r Cell {
        self.position(name).and_then(|i| row.get(i)).unwrap_or(&Cell::Null)
    }

    /// The first problem of a row under the cross-column checks: (column, reason).
    pub fn check(&self, row: &[Cell]) -> Option<(&'static str, String)> {
        self.checks.iter().find_map(|check| match *check {
            Check::NotBefore { later, earlier } => match (self.cell(row, later), self.cell(row, earlier)) {
                (Cell::Date(l), Cell::Date(e)) if l < e => Some((later, format!("{l} is before {earlier} {e}"))),
                _ => None,
            },
            Check::AtMost { smaller, larger } => {
                let (s, l) = (self.cell(row, smaller).number()?, self.cell(row, larger).number()?);
                (s > l).then(|| (smaller, format!("{s} is more than {larger} {l}")))
            }
            Check::Below { smaller, larger } => {
                let (s, l) = (self.cell(row, smaller).number()?, self.cell(row, larger).number()?);
                (s >= l).then(|| (smaller, format!("{s} is not below {larger} {l}")))
            }
            Check::Within { value, min, max } => {
                let v = self.cell(row, value).number()?;
                let (lo, hi) = (self.cell(row, min).number()?, self.cell(row, max).number()?);
                (v < lo || v > hi).then(|| (value, format!("{v} is outside {min}..{max} ({lo}..{hi})")))
            }
            Check::Together(a, b) => {
                let (a_given, b_given) = (!self.cell(row, a).is_null(), !self.cell(row, b).is_null());
                (a_given != b_given).then(|| {
                    let (given, missing) = if a_given { (a, b) } else { (b, a) };
                    (missing, format!("must be given with {given} (or both left empty)"))
                })
            }
            Check::Differs { column, other } => {
                let value = self.cell(row, column);
                (!value.is_null() && value == self.cell(row, other))
                    .then(|| (column, format!("is the same as {other}")))
            }
        })
    }
}
