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

    /// The published dates of the year (DESIGN.md §4 "Time"): the last day of each of its
    /// twelve months, 31 July to 30 June.
    pub fn published_dates(self) -> Vec<NaiveDate> {
        (0..12)
            .filter_map(|i| {
                let (year, month) = if i < 6 { (self.0 - 1, 7 + i) } else { (self.0, i - 5) };
                last_day_of_month(year, month as u32)
            })
            .collect()
    }
}

/// The latest published date on or before `day` (DESIGN.md §4 "Time"): the last day of
/// `day`'s month when `day` is that day, else the last day of the month before. Every month
/// end is a published date of the school year it falls in.
pub fn published_on_or_before(day: NaiveDate) -> NaiveDate {
    match last_day_of_month(day.year(), day.month()) {
        Some(end) if end == day => day,
        _ => day.with_day(1).and_then(|first| first.pred_opt()).unwrap_or(day),
    }
}

/// The last day of `month` of `year`.
fn last_day_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    let (next_year, next_month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    NaiveDate::from_ymd_opt(next_year, next_month, 1)?.pred_opt()
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

    #[test]
    fn published_dates_are_the_month_ends_of_the_school_year() {
        let year = SchoolYear::parse(2026, "schoolYear").unwrap();
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let dates = year.published_dates();
        assert_eq!(dates.len(), 12);
        assert_eq!(dates[0], day(2025, 7, 31));
        assert_eq!(dates[7], day(2026, 2, 28));
        assert_eq!(dates[11], year.end());
        // Every day of a month publishes the month before's end; a month end itself.
        assert_eq!(published_on_or_before(day(2026, 3, 17)), day(2026, 2, 28));
        assert_eq!(published_on_or_before(day(2026, 3, 31)), day(2026, 3, 31));
        assert_eq!(published_on_or_before(day(2025, 7, 30)), day(2025, 6, 30));
        assert_eq!(published_on_or_before(day(2027, 1, 1)), day(2026, 12, 31));
        assert!(dates.iter().all(|d| published_on_or_before(*d) == *d));
        // Consecutive days inside a month give the same figure date: no daily differencing.
        let days: std::collections::BTreeSet<NaiveDate> =
            (1..=28).map(|d| published_on_or_before(day(2026, 2, d))).collect();
        assert_eq!(
            days.len(),
            2,
            "February shows only 31 January (and 28 February on the 28th)"
        );
    }
}
