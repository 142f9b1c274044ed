//! The field rules the reference writes share (issue 15): a collector that checks an input's
//! fields one after the other and keeps every problem, so that a form shows them all at once
//! rather than one per attempt. Each problem names its field under `input`, camelCase as the
//! client sent it.

use crate::calendar::SchoolYear;
use crate::error::{ApiError, ApiResult, UserError, UserErrorCode};
use chrono::NaiveDate;
use std::fmt::Display;

/// The problems of one input, gathered field by field.
#[derive(Debug, Default)]
pub struct Rules {
    errors: Vec<UserError>,
    /// For an update, the fields the client sent: only they are judged (a stored value was
    /// accepted by whatever wrote it — an import's rules may be wider — and a change of one
    /// field must not be refused for another it leaves alone).
    sent: Option<Vec<&'static str>>,
}

impl Rules {
    /// No problem yet: a create, every field judged.
    pub fn new() -> Self {
        Self::default()
    }

    /// No problem yet: an update of the fields `sent` (those the client gave), the only ones
    /// judged.
    pub fn sent(fields: impl IntoIterator<Item = (&'static str, bool)>) -> Self {
        let sent = fields
            .into_iter()
            .filter(|(_, given)| *given)
            .map(|(name, _)| name)
            .collect();
        Self {
            errors: Vec::new(),
            sent: Some(sent),
        }
    }

    /// Whether `field` is judged.
    fn judged(&self, field: &str) -> bool {
        self.sent.as_ref().is_none_or(|sent| sent.contains(&field))
    }

    /// Refuses `field` with `code` and `message` (unless the update leaves the field alone).
    pub fn refuse(&mut self, field: &str, code: UserErrorCode, message: impl Into<String>) {
        if self.judged(field) {
            self.errors.push(UserError::new(&["input", field], code, message));
        }
    }

    /// `value` without its surrounding spaces, which must leave 1 to `max` characters: a code
    /// or a title. Keys are trimmed, never stored padded (a padded code would be a second
    /// record beside the first).
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let trimmed = value.trim();
        let length = trimmed.chars().count();
        if length == 0 || length > max {
            self.refuse(field, UserErrorCode::Invalid, format!("is 1 to {max} characters"));
        } else if trimmed.chars().any(char::is_control) {
            self.refuse(field, UserErrorCode::Invalid, "holds a control character");
        }
        trimmed.to_owned()
    }

    /// `value` lies in `min..=max`.
    pub fn within<T: PartialOrd + Display>(&mut self, field: &str, value: T, min: T, max: T) {
        if !(value >= min && value <= max) {
            self.refuse(field, UserErrorCode::Invalid, format!("is {min} to {max}"));
        }
    }

    /// `year` as a school year (an ending year from 1990 to 2100), or its refusal.
    pub fn school_year(&mut self, field: &str, year: i32) -> Option<SchoolYear> {
        match SchoolYear::parse(year, field) {
            Ok(year) => Some(year),
            Err(ApiError::BadUserInput { message, .. }) => {
                self.refuse(field, UserErrorCode::Invalid, message);
                None
            }
            Err(other) => {
                self.refuse(field, UserErrorCode::Invalid, other.to_string());
                None
            }
        }
    }

    /// `day` falls in school year `year`.
    pub fn in_year(&mut self, field: &str, day: NaiveDate, year: SchoolYear) {
        if day < year.start() || day > year.end() {
            self.refuse(
                field,
                UserErrorCode::Invalid,
                format!(
                    "{day} is outside the school year {}, {} to {}",
                    year.value(),
                    year.start(),
                    year.end()
                ),
            );
        }
    }

    /// `later` (the field `later_field`) is on or after `earlier` (`earlier_field`); when an
    /// update sends only the earlier day, the problem is the earlier day's.
    pub fn not_before(&mut self, (later_field, later): (&str, NaiveDate), (earlier_field, earlier): (&str, NaiveDate)) {
        if later < earlier {
            if self.judged(later_field) {
                self.refuse(
                    later_field,
                    UserErrorCode::Invalid,
                    format!("{later} is before {earlier_field}, {earlier}"),
                );
            } else {
                self.refuse(
                    earlier_field,
                    UserErrorCode::Invalid,
                    format!("{earlier} is after {later_field}, {later}"),
                );
            }
        }
    }

    /// Every problem found, as the input's refusal; nothing when it passed.
    pub fn finish(self) -> ApiResult<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Rejected(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(rules: Rules) -> Vec<String> {
        match rules.finish() {
            Ok(()) => Vec::new(),
            Err(ApiError::Rejected(errors)) => errors.into_iter().map(|e| e.field.join(".")).collect(),
            Err(other) => panic!("not a refusal: {other:?}"),
        }
    }

    #[test]
    fn a_code_is_trimmed_and_an_empty_or_long_one_refused() {
        let mut rules = Rules::new();
        assert_eq!(rules.text("code", "  SFS-2027 ", 32), "SFS-2027");
        assert!(rules.errors.is_empty());
        rules.text("code", "   ", 32);
        rules.text("title", &"x".repeat(33), 32);
        rules.text("other", "a\u{0}b", 32);
        assert_eq!(fields(rules), ["input.code", "input.title", "input.other"]);
    }

    #[test]
    fn an_update_is_judged_on_the_fields_it_sends() {
        let year = SchoolYear::parse(2027, "schoolYear").unwrap();
        let day = |m, d| NaiveDate::from_ymd_opt(2027, m, d).unwrap();
        // A stored window outside the year (an import allowed it) does not refuse a new floor.
        let mut rules = Rules::sent([("minReportN", true), ("windowStart", false), ("windowEnd", false)]);
        rules.in_year("windowStart", day(7, 5), year);
        rules.within("minReportN", 12, 1, 1_000_000);
        assert_eq!(fields(rules), Vec::<String>::new());
        // A first day sent after the stored last day is the first day's problem.
        let mut rules = Rules::sent([("windowStart", true), ("windowEnd", false)]);
        rules.not_before(("windowEnd", day(3, 1)), ("windowStart", day(4, 1)));
        assert_eq!(fields(rules), ["input.windowStart"]);
    }

    #[test]
    fn every_problem_is_kept_in_field_order() {
        let year = SchoolYear::parse(2027, "schoolYear").unwrap();
        let day = |m, d| NaiveDate::from_ymd_opt(2027, m, d).unwrap();
        let mut rules = Rules::new();
        rules.within("minReportN", 0, 1, 1_000_000);
        rules.in_year("windowEnd", day(7, 1), year);
        rules.not_before(("windowEnd", day(3, 1)), ("windowStart", day(4, 1)));
        assert!(rules.school_year("schoolYear", 1900).is_none());
        rules.in_year("windowStart", day(6, 30), year);
        rules.within("hours", 1.5, 0.25, 1_000.0);
        assert_eq!(
            fields(rules),
            [
                "input.minReportN",
                "input.windowEnd",
                "input.windowEnd",
                "input.schoolYear"
            ]
        );
    }
}
