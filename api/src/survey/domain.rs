//! The rules of recording a survey administration (issue 15): which status may follow which,
//! and what the counts and the day must be. Pure functions over the row and its survey, so
//! that every rule has a unit test; the service applies them inside its transaction.

use crate::calendar::SchoolYear;
use crate::error::{UserError, UserErrorCode};
use crate::write::rules::Rules;
use chrono::NaiveDate;
use entity::enums::AdministrationStatus as Status;
use entity::{survey, survey_administration};

/// The most students a classroom may report as enrolled.
pub const MAX_ENROLLED: i32 = 1_000;

/// The longest survey code (the column's width).
pub const MAX_CODE: usize = 32;
/// The longest title.
pub const MAX_TITLE: usize = 200;
/// The fewest and most respondents a survey's results may be reported for (as the import
/// allows): below the survey's `min_report_n`, a group's result is withheld.
pub const MIN_REPORT_N: (i32, i32) = (1, 1_000_000);

/// A survey's fields as ADMIN sets them, checked together: a title, a window of days inside
/// the school year (first day not after the last), and a reporting floor. Returns the
/// trimmed title.
pub fn check_survey(
    rules: &mut Rules,
    title: &str,
    year: Option<SchoolYear>,
    (window_start, window_end): (NaiveDate, NaiveDate),
    min_report_n: i32,
) -> String {
    let title = rules.text("title", title, MAX_TITLE);
    if let Some(year) = year {
        rules.in_year("windowStart", window_start, year);
        rules.in_year("windowEnd", window_end, year);
    }
    rules.not_before(("windowEnd", window_end), ("windowStart", window_start));
    rules.within("minReportN", min_report_n, MIN_REPORT_N.0, MIN_REPORT_N.1);
    title
}

/// What a principal changes on an administration; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct AdministrationChange {
    pub status: Option<Status>,
    pub administered_on: Option<NaiveDate>,
    pub enrolled_count: Option<i32>,
    pub response_count: Option<i32>,
}

/// The administration's fields after a change that passed every rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub status: Status,
    pub administered_on: Option<NaiveDate>,
    pub enrolled_count: i32,
    pub response_count: i32,
}

/// Whether an administration in `from` may move to `to`: PLANNED → OPEN → ADMINISTERED, or
/// PLANNED → ADMINISTERED when it is recorded after the fact; PLANNED or OPEN → CANCELLED.
/// ADMINISTERED and CANCELLED are final (an administered one's counts may still be corrected).
pub fn may_move(from: Status, to: Status) -> bool {
    use Status::*;
    from == to
        || matches!(
            (from, to),
            (Planned, Open) | (Planned, Administered) | (Open, Administered) | (Planned | Open, Cancelled)
        )
}

fn field(name: &str) -> [&str; 2] {
    ["input", name]
}

/// Applies `change` to `current`, an administration of `survey`, on `today`: the recorded
/// fields, or every rule the change breaks.
pub fn apply(
    current: &survey_administration::Model,
    survey: &survey::Model,
    change: &AdministrationChange,
    today: NaiveDate,
) -> Result<Recorded, Vec<UserError>> {
    let mut errors = Vec::new();
    let status = change.status.unwrap_or(current.status);
    if current.status == Status::Cancelled && *change != AdministrationChange::default() {
        errors.push(UserError::new(
            &field("status"),
            UserErrorCode::NotAllowed,
            "a cancelled administration cannot be changed",
        ));
    } else if !may_move(current.status, status) {
        errors.push(UserError::new(
            &field("status"),
            UserErrorCode::NotAllowed,
            format!(
                "an administration cannot go from {current:?} to {status:?}",
                current = current.status
            ),
        ));
    }
    let administered_on = change.administered_on.or(current.administered_on);
    match (status, administered_on) {
        (Status::Administered, None) => errors.push(UserError::new(
            &field("administeredOn"),
            UserErrorCode::Invalid,
            "the day it was given is required when the status is ADMINISTERED",
        )),
        (Status::Administered, Some(day)) => {
            if day < survey.window_start || day > survey.window_end {
                errors.push(UserError::new(
                    &field("administeredOn"),
                    UserErrorCode::Invalid,
                    format!(
                        "{day} is outside the survey's window, {} to {}",
                        survey.window_start, survey.window_end
                    ),
                ));
            } else if day > today {
                errors.push(UserError::new(
                    &field("administeredOn"),
                    UserErrorCode::Invalid,
                    format!("{day} is in the future"),
                ));
            }
        }
        (_, Some(_)) if change.administered_on.is_some() => errors.push(UserError::new(
            &field("administeredOn"),
            UserErrorCode::Invalid,
            "the day it was given is recorded only with the status ADMINISTERED",
        )),
        _ => {}
    }
    let enrolled_count = change.enrolled_count.unwrap_or(current.enrolled_count);
    let response_count = change.response_count.unwrap_or(current.response_count);
    let enrolled_valid = (0..=MAX_ENROLLED).contains(&enrolled_count);
    if !enrolled_valid {
        errors.push(UserError::new(
            &field("enrolledCount"),
            UserErrorCode::Invalid,
            format!("students enrolled is 0 to {MAX_ENROLLED}"),
        ));
    }
    if response_count < 0 {
        errors.push(UserError::new(
            &field("responseCount"),
            UserErrorCode::Invalid,
            "responses cannot be negative",
        ));
    } else if enrolled_valid && response_count > enrolled_count {
        errors.push(UserError::new(
            &field("responseCount"),
            UserErrorCode::Invalid,
            format!("{response_count} responses is more than the {enrolled_count} students enrolled"),
        ));
    }
    if errors.is_empty() {
        Ok(Recorded {
            status,
            administered_on,
            enrolled_count,
            response_count,
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::enums::SurveyKind;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn survey() -> survey::Model {
        survey::Model {
            id: 1,
            code: "SFS-2026".into(),
            title: "SFS".into(),
            kind: SurveyKind::StakeholderFeedback,
            school_year: 2026,
            window_start: day("2026-03-01"),
            window_end: day("2026-04-30"),
            min_report_n: 10,
            confidential: true,
            version: 1,
        }
    }

    fn planned() -> survey_administration::Model {
        survey_administration::Model {
            id: 7,
            survey_id: 1,
            section_id: 2,
            teacher_id: 3,
            status: Status::Planned,
            administered_on: None,
            enrolled_count: 25,
            response_count: 0,
            version: 1,
        }
    }

    fn fields(errors: &[UserError]) -> Vec<String> {
        errors.iter().map(|e| e.field.join(".")).collect()
    }

    const TODAY: &str = "2026-12-01";

    #[test]
    fn a_planned_administration_can_be_recorded_as_given_with_its_day_and_counts() {
        let change = AdministrationChange {
            status: Some(Status::Administered),
            administered_on: Some(day("2026-03-10")),
            response_count: Some(22),
            ..AdministrationChange::default()
        };
        let recorded = apply(&planned(), &survey(), &change, day(TODAY)).unwrap();
        assert_eq!(recorded.status, Status::Administered);
        assert_eq!(recorded.response_count, 22);
        assert_eq!(recorded.enrolled_count, 25);
    }

    #[test]
    fn final_statuses_do_not_move_and_a_cancelled_one_does_not_change() {
        assert!(may_move(Status::Planned, Status::Open));
        assert!(may_move(Status::Open, Status::Cancelled));
        assert!(!may_move(Status::Administered, Status::Open));
        assert!(!may_move(Status::Open, Status::Planned));
        assert!(!may_move(Status::Cancelled, Status::Planned));
        let cancelled = survey_administration::Model {
            status: Status::Cancelled,
            ..planned()
        };
        let change = AdministrationChange {
            enrolled_count: Some(20),
            ..AdministrationChange::default()
        };
        let errors = apply(&cancelled, &survey(), &change, day(TODAY)).unwrap_err();
        assert_eq!(fields(&errors), ["input.status"]);
        assert_eq!(errors[0].code, UserErrorCode::NotAllowed);
    }

    #[test]
    fn administered_needs_a_day_inside_the_window_and_not_in_the_future() {
        let given = |on: Option<&str>, today: &str| {
            let change = AdministrationChange {
                status: Some(Status::Administered),
                administered_on: on.map(day),
                ..AdministrationChange::default()
            };
            apply(&planned(), &survey(), &change, day(today)).map_err(|e| fields(&e))
        };
        assert_eq!(given(None, TODAY).unwrap_err(), ["input.administeredOn"]);
        assert_eq!(given(Some("2026-05-01"), TODAY).unwrap_err(), ["input.administeredOn"]);
        assert_eq!(
            given(Some("2026-03-10"), "2026-03-09").unwrap_err(),
            ["input.administeredOn"]
        );
        assert!(given(Some("2026-04-30"), TODAY).is_ok());
        let early = AdministrationChange {
            status: Some(Status::Open),
            administered_on: Some(day("2026-03-10")),
            ..AdministrationChange::default()
        };
        let errors = apply(&planned(), &survey(), &early, day(TODAY)).unwrap_err();
        assert_eq!(fields(&errors), ["input.administeredOn"]);
    }

    #[test]
    fn responses_are_never_negative_nor_more_than_the_students_enrolled() {
        let counts = |enrolled: Option<i32>, responses: Option<i32>| {
            let change = AdministrationChange {
                enrolled_count: enrolled,
                response_count: responses,
                ..AdministrationChange::default()
            };
            apply(&planned(), &survey(), &change, day(TODAY)).map_err(|e| fields(&e))
        };
        assert_eq!(counts(None, Some(26)).unwrap_err(), ["input.responseCount"]);
        assert!(counts(Some(10), None).is_ok());
        assert_eq!(counts(None, Some(-1)).unwrap_err(), ["input.responseCount"]);
        assert_eq!(counts(Some(-3), None).unwrap_err(), ["input.enrolledCount"]);
        assert_eq!(counts(Some(1_001), None).unwrap_err(), ["input.enrolledCount"]);
        assert!(counts(Some(30), Some(30)).is_ok());
    }
}
