//! One value of a file: parsed from its text once, at the edge ("parse, don't validate"),
//! bound as an SQL value, read back from the database for comparison and export, and written
//! back as text.

use super::spec::{Column, Type};
use chrono::NaiveDate;
use sea_orm::{QueryResult, Value};

/// The most characters of a value a reason quotes.
pub const SHOWN: usize = 80;

/// `text` quoted for a reason: in full up to [`SHOWN`] characters, else its start and its
/// length.
pub fn shown(text: &str) -> String {
    let length = text.chars().count();
    if length <= SHOWN {
        format!("'{text}'")
    } else {
        let start: String = text.chars().take(SHOWN).collect();
        format!("'{start}…' ({length} characters)")
    }
}

/// A parsed cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Text(String),
    Int(i32),
    Float(f64),
    Bool(bool),
    Date(NaiveDate),
}

impl Cell {
    /// Parses the text of a cell of `column`, without its surrounding spaces (a padded
    /// `" E100298 "` is the key `E100298`, never a second record). Empty text is NULL,
    /// refused where the column needs a value; a NUL character is refused in every column
    /// (neither a key nor a text column can hold one on PostgreSQL, so neither does on
    /// SQLite). The error is the reason, for the file's error list; it quotes at most
    /// [`SHOWN`] characters of the value.
    pub fn parse(text: &str, column: &Column) -> Result<Self, String> {
        let text = text.trim();
        if text.contains('\0') {
            return Err("holds a NUL character (byte 0), which no column can store".to_owned());
        }
        if text.is_empty() {
            return if column.nullable {
                Ok(Self::Null)
            } else {
                Err("is required".to_owned())
            };
        }
        match &column.ty {
            Type::Text { max } => match max {
                Some(max) if text.chars().count() > *max => Err(format!("is longer than {max} characters")),
                _ => Ok(Self::Text(text.to_owned())),
            },
            Type::Int { min, max } => match text.parse::<i64>() {
                Ok(n) if n < i64::from(*min) => Err(format!("{n} is below {min}")),
                Ok(n) if n > i64::from(*max) => Err(format!("{n} is above {max}")),
                Ok(n) => Ok(Self::Int(n as i32)),
                Err(_) => Err(format!("{} is not a whole number", shown(text))),
            },
            Type::Float { min } => match text.parse::<f64>() {
                Ok(x) if !x.is_finite() => Err(format!("{} is not a number", shown(text))),
                Ok(x) if x < *min => Err(format!("{} is below {min}", shown(text))),
                Ok(x) => Ok(Self::Float(x)),
                Err(_) => Err(format!("{} is not a number", shown(text))),
            },
            Type::Bool => match text {
                "true" => Ok(Self::Bool(true)),
                "false" => Ok(Self::Bool(false)),
                _ => Err(format!("{} is not true or false", shown(text))),
            },
            Type::Date => parse_date(text)
                .map(Self::Date)
                .ok_or_else(|| format!("{} is not a date (YYYY-MM-DD)", shown(text))),
            Type::Enum(values) => {
                if values.iter().any(|v| v == text) {
                    Ok(Self::Text(text.to_owned()))
                } else {
                    Err(format!("{} is not one of {}", shown(text), values.join(", ")))
                }
            }
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    /// The cell as a number, for checks across columns.
    pub fn number(&self) -> Option<f64> {
        match self {
            Self::Int(n) => Some(f64::from(*n)),
            Self::Float(x) => Some(*x),
            _ => None,
        }
    }

    /// The value bound for this cell; a NULL is typed as the column's type.
    pub fn value(&self, ty: &Type) -> Value {
        match self {
            Self::Text(s) => Value::String(Some(s.clone())),
            Self::Int(n) => Value::Int(Some(*n)),
            Self::Float(x) => Value::Double(Some(*x)),
            Self::Bool(b) => Value::Bool(Some(*b)),
            Self::Date(d) => Value::ChronoDate(Some(*d)),
            Self::Null => match ty {
                Type::Text { .. } | Type::Enum(_) => Value::String(None),
                Type::Int { .. } => Value::Int(None),
                Type::Float { .. } => Value::Double(None),
                Type::Bool => Value::Bool(None),
                Type::Date => Value::ChronoDate(None),
            },
        }
    }

    /// Reads column `index` of a result row as a cell of type `ty`.
    pub fn read(row: &QueryResult, index: usize, ty: &Type) -> Result<Self, sea_orm::DbErr> {
        Ok(match ty {
            Type::Text { .. } | Type::Enum(_) => row.try_get_by_index::<Option<String>>(index)?.map(Self::Text),
            Type::Int { .. } => row.try_get_by_index::<Option<i32>>(index)?.map(Self::Int),
            Type::Float { .. } => row.try_get_by_index::<Option<f64>>(index)?.map(Self::Float),
            Type::Bool => row.try_get_by_index::<Option<bool>>(index)?.map(Self::Bool),
            Type::Date => row.try_get_by_index::<Option<NaiveDate>>(index)?.map(Self::Date),
        }
        .unwrap_or(Self::Null))
    }

    /// The cell as file text: what [`Cell::parse`] reads back to the same cell.
    pub fn text(&self) -> String {
        match self {
            Self::Null => String::new(),
            Self::Text(s) => s.clone(),
            Self::Int(n) => n.to_string(),
            Self::Float(x) => x.to_string(),
            Self::Bool(b) => b.to_string(),
            Self::Date(d) => d.format("%Y-%m-%d").to_string(),
        }
    }
}

/// A strict `YYYY-MM-DD` date: four-digit year, two-digit month and day.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    // Year 0000 does not exist (PostgreSQL refuses it; chrono would take it as 1 BC).
    if !shaped || text.starts_with("0000") {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(ty: Type, nullable: bool) -> Column {
        Column {
            name: "c",
            ty,
            nullable,
        }
    }

    #[test]
    fn a_padded_value_is_the_value_and_a_nul_is_refused() {
        let text = column(Type::Text { max: Some(8) }, false);
        assert_eq!(Cell::parse(" E100298 ", &text), Ok(Cell::Text("E100298".into())));
        assert_eq!(Cell::parse("  ", &column(Type::Date, true)), Ok(Cell::Null));
        assert_eq!(
            Cell::parse(" 12 ", &column(Type::Int { min: 0, max: 20 }, false)),
            Ok(Cell::Int(12))
        );
        let nul = Cell::parse("E1\0", &text).unwrap_err();
        assert!(nul.contains("NUL"), "{nul}");
    }

    #[test]
    fn a_reason_quotes_at_most_80_characters_of_the_value() {
        let long = "x".repeat(5_000);
        let reason = Cell::parse(&long, &column(Type::Date, false)).unwrap_err();
        assert!(reason.len() < 200, "{reason}");
        assert!(reason.contains("(5000 characters)"), "{reason}");
        assert_eq!(shown("2026-13-01"), "'2026-13-01'");
    }

    #[test]
    fn empty_cells_are_null_only_where_allowed() {
        assert_eq!(Cell::parse("", &column(Type::Date, true)), Ok(Cell::Null));
        assert_eq!(
            Cell::parse("", &column(Type::Date, false)),
            Err("is required".to_owned())
        );
    }

    #[test]
    fn dates_are_strictly_iso() {
        let date = column(Type::Date, false);
        assert_eq!(
            Cell::parse("2026-02-28", &date),
            Ok(Cell::Date(NaiveDate::from_ymd_opt(2026, 2, 28).unwrap()))
        );
        for bad in [
            "2026-02-30",
            "2026-2-28",
            "28/02/2026",
            "2026-02-28T00:00",
            "0000-01-01",
        ] {
            assert!(Cell::parse(bad, &date).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn numbers_respect_their_bounds() {
        let count = column(Type::Int { min: 0, max: i32::MAX }, false);
        assert_eq!(Cell::parse("12", &count), Ok(Cell::Int(12)));
        assert_eq!(Cell::parse("-1", &count), Err("-1 is below 0".to_owned()));
        assert!(Cell::parse("1.5", &count).is_err());
        assert!(Cell::parse("99999999999", &count).is_err());
        let hours = column(Type::Float { min: 0.0 }, false);
        assert_eq!(Cell::parse("1.5", &hours), Ok(Cell::Float(1.5)));
        assert!(Cell::parse("NaN", &hours).is_err());
    }

    #[test]
    fn booleans_and_enums_are_closed_vocabularies() {
        assert_eq!(Cell::parse("true", &column(Type::Bool, false)), Ok(Cell::Bool(true)));
        assert!(Cell::parse("yes", &column(Type::Bool, false)).is_err());
        let kind = column(Type::Enum(vec!["SCHOOL".into(), "REGION".into()]), false);
        assert_eq!(Cell::parse("SCHOOL", &kind), Ok(Cell::Text("SCHOOL".into())));
        assert_eq!(
            Cell::parse("school", &kind),
            Err("'school' is not one of SCHOOL, REGION".to_owned())
        );
    }

    #[test]
    fn text_reads_back_to_the_same_cell() {
        let cells = [
            (Cell::Float(180.0), Type::Float { min: 0.0 }),
            (Cell::Float(1.25), Type::Float { min: 0.0 }),
            (Cell::Date(NaiveDate::from_ymd_opt(2025, 7, 1).unwrap()), Type::Date),
            (Cell::Int(-3), Type::Int { min: -10, max: 10 }),
        ];
        for (cell, ty) in cells {
            assert_eq!(Cell::parse(&cell.text(), &column(ty, false)), Ok(cell));
        }
    }

    #[test]
    fn bounded_text_counts_characters() {
        let code = column(Type::Text { max: Some(3) }, false);
        assert!(Cell::parse("épé", &code).is_ok());
        assert!(Cell::parse("abcd", &code).is_err());
    }
}
