//! The district's calendar: school years (DESIGN.md §2: `school_year` is the ending year, 2026
//! = 1 July 2025 to 30 June 2026) and the as-of dates measures are taken at (§3).

use crate::error::{ApiError, ApiResult};
use chrono::{Datelike, NaiveDate, Utc};

/// A school year, named by its ending year: 2026 is 1 July 2025 to 30 June 2026.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SchoolYear(i32);

impl SchoolYear {
    /// Parses a `schoolYear` argument: an ending year from 1990 to 2100.
    pub fn parse(year: i32, field: &str) -> ApiResult<Self> {
        if (1990..=2100).contains(&year) {
            Ok(Self(year))
        } else {
            Err(ApiError::bad_input(
                field,
                "a school year is its ending year, from 1990 to 2100",
            ))
        }
    }

    /// The ending year.
    pub fn value(self) -> i32 {
        self.0
    }

    /// 1 July of the year before.
    pub fn start(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0 - 1, 7, 1).unwrap_or_default()
    }

    /// 30 June.
    pub fn end(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0, 6, 30).unwrap_or_default()
    }

    /// The year before.
    pub fn prior(self) -> Self {
        Self(self.0 - 1)
    }

    /// The school year a day falls in.
    pub fn of(day: NaiveDate) -> Self {
        Self(if day.month() >= 7 { day.year() + 1 } else { day.year() })
    }

    /// The default as-of date: today, or the year's last day when that is earlier.
    pub fn default_as_of(self) -> NaiveDate {
        Utc::now().date_naive().min(self.end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn school_years_end_on_30_june() {
        let year = SchoolYear::parse(2026, "schoolYear").unwrap();
        assert_eq!(year.start(), NaiveDate::from_ymd_opt(2025, 7, 1).unwrap());
        assert_eq!(year.end(), NaiveDate::from_ymd_opt(2026, 6, 30).unwrap());
        assert_eq!(SchoolYear::of(NaiveDate::from_ymd_opt(2025, 7, 1).unwrap()), year);
        assert_eq!(
            SchoolYear::of(NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()),
            year.prior()
        );
        assert!(SchoolYear::parse(26, "schoolYear").is_err());
    }
}
