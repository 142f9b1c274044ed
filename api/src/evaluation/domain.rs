//! The rules of writing an evaluation (issue 15): which status may follow which, what a
//! completion and a withdrawal need, and which events may be scheduled, completed and rated.
//! Pure functions, each rule with a unit test; `service.rs` applies them in its transaction.

use crate::calendar::SchoolYear;
use crate::error::{UserError, UserErrorCode};
use crate::write::rules::Rules;
use chrono::NaiveDate;
use entity::enums::{EvaluationStatus, EventStatus};

/// The longest reason for a withdrawal, and the longest feedback on an element.
pub const MAX_TEXT: usize = 10_000;

fn field(name: &str) -> [&str; 2] {
    ["input", name]
}

/// A cycle's days, checked together: the roster cutoff and the final due date inside the
/// cycle's school year (when it is valid), and the due date not before the cutoff.
pub fn check_cycle(rules: &mut Rules, year: Option<SchoolYear>, roster_cutoff: NaiveDate, final_due_date: NaiveDate) {
    if let Some(year) = year {
        rules.in_year("rosterCutoff", roster_cutoff, year);
        rules.in_year("finalDueDate", final_due_date, year);
    }
    rules.not_before(("finalDueDate", final_due_date), ("rosterCutoff", roster_cutoff));
}

/// Whether an evaluation in `from` may move to `to`: ROSTERED → IN_PROGRESS → COMPLETE;
/// ROSTERED or IN_PROGRESS → WITHDRAWN. COMPLETE and WITHDRAWN are final.
pub fn may_move(from: EvaluationStatus, to: EvaluationStatus) -> bool {
    use EvaluationStatus::*;
    matches!(
        (from, to),
        (Rostered, InProgress) | (InProgress, Complete) | (Rostered | InProgress, Withdrawn)
    )
}

/// Whether an evaluation in `status` still takes events and ratings.
pub fn is_open(status: EvaluationStatus) -> bool {
    matches!(status, EvaluationStatus::Rostered | EvaluationStatus::InProgress)
}

/// A status change as the client asked for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusChange {
    pub status: Option<EvaluationStatus>,
    /// The final rating's id, once its label was found on the framework's OVERALL scale.
    pub final_rating: Option<i32>,
    pub completed_on: Option<NaiveDate>,
    pub reason: Option<String>,
}

/// The evaluation's fields after a status change that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStatus {
    pub status: EvaluationStatus,
    pub final_rating: Option<i32>,
    pub completed_on: Option<NaiveDate>,
    pub withdrawn_reason: Option<String>,
}

/// Checks moving an evaluation rostered on `rostered_on` from `from` as `change` asks, on
/// `today`: COMPLETE needs a final rating and a completion day (today when left out) from the
/// roster day to today; WITHDRAWN needs a reason; neither takes the other's fields.
pub fn change_status(
    from: EvaluationStatus,
    rostered_on: NaiveDate,
    change: StatusChange,
    today: NaiveDate,
) -> Result<NewStatus, Vec<UserError>> {
    let mut errors = Vec::new();
    let Some(to) = change.status else {
        return Err(vec![UserError::new(
            &field("status"),
            UserErrorCode::Invalid,
            "a status is required",
        )]);
    };
    if !may_move(from, to) {
        errors.push(UserError::new(
            &field("status"),
            UserErrorCode::NotAllowed,
            format!("an evaluation cannot go from {from:?} to {to:?}"),
        ));
    }
    let complete = to == EvaluationStatus::Complete;
    let withdrawn = to == EvaluationStatus::Withdrawn;
    let mut completed_on = None;
    if complete {
        if change.final_rating.is_none() {
            errors.push(UserError::new(
                &field("finalRating"),
                UserErrorCode::Invalid,
                "a final rating is required to complete an evaluation",
            ));
        }
        let day = change.completed_on.unwrap_or(today);
        if day > today || day < rostered_on {
            errors.push(UserError::new(
                &field("completedOn"),
                UserErrorCode::Invalid,
                format!("{day} is not between the roster day, {rostered_on}, and today"),
            ));
        }
        completed_on = Some(day);
    } else {
        if change.final_rating.is_some() {
            errors.push(UserError::new(
                &field("finalRating"),
                UserErrorCode::Invalid,
                "a final rating is given only with the status COMPLETE",
            ));
        }
        if change.completed_on.is_some() {
            errors.push(UserError::new(
                &field("completedOn"),
                UserErrorCode::Invalid,
                "a completion day is given only with the status COMPLETE",
            ));
        }
    }
    let reason = change.reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
    match (&reason, withdrawn) {
        (None, true) => errors.push(UserError::new(
            &field("reason"),
            UserErrorCode::Invalid,
            "a reason is required to withdraw an evaluation",
        )),
        (Some(_), false) => errors.push(UserError::new(
            &field("reason"),
            UserErrorCode::Invalid,
            "a reason is given only with the status WITHDRAWN",
        )),
        (Some(text), true) if text.chars().count() > MAX_TEXT => errors.push(UserError::new(
            &field("reason"),
            UserErrorCode::Invalid,
            format!("a reason is at most {MAX_TEXT} characters"),
        )),
        _ => {}
    }
    if errors.is_empty() {
        Ok(NewStatus {
            status: to,
            final_rating: change.final_rating,
            completed_on,
            withdrawn_reason: reason,
        })
    } else {
        Err(errors)
    }
}

/// Checks completing an event in `status` on `day` (today when not moved): only a SCHEDULED
/// event completes, on a day inside the cycle's school year (`start` to `end`) and not after
/// today.
pub fn complete_event(
    status: EventStatus,
    day: NaiveDate,
    (start, end): (NaiveDate, NaiveDate),
    today: NaiveDate,
) -> Result<(), Vec<UserError>> {
    let mut errors = Vec::new();
    if status != EventStatus::Scheduled {
        errors.push(UserError::new(
            &field("id"),
            UserErrorCode::NotAllowed,
            format!("only a SCHEDULED event completes; this one is {status:?}"),
        ));
    }
    if day > today {
        errors.push(UserError::new(
            &field("occurredOn"),
            UserErrorCode::Invalid,
            format!("{day} is in the future: an event completes once it has happened"),
        ));
    } else if day < start || day > end {
        errors.push(UserError::new(
            &field("occurredOn"),
            UserErrorCode::Invalid,
            format!("{day} is outside the cycle's school year, {start} to {end}"),
        ));
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EvaluationStatus::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    const TODAY: &str = "2026-05-20";

    fn change(status: EvaluationStatus) -> StatusChange {
        StatusChange {
            status: Some(status),
            ..StatusChange::default()
        }
    }

    fn fields(result: Result<NewStatus, Vec<UserError>>) -> Vec<String> {
        result.unwrap_err().iter().map(|e| e.field.join(".")).collect()
    }

    #[test]
    fn an_evaluation_moves_forward_only_and_ends_complete_or_withdrawn() {
        assert!(may_move(Rostered, InProgress));
        assert!(may_move(InProgress, Complete));
        assert!(may_move(Rostered, Withdrawn));
        assert!(!may_move(Rostered, Complete));
        assert!(!may_move(Complete, InProgress));
        assert!(!may_move(Withdrawn, Rostered));
        assert!(!may_move(InProgress, InProgress));
    }

    #[test]
    fn completing_needs_a_final_rating_and_a_day_from_the_roster_day_to_today() {
        let rostered = day("2025-09-15");
        assert_eq!(
            fields(change_status(InProgress, rostered, change(Complete), day(TODAY))),
            ["input.finalRating"]
        );
        let done = StatusChange {
            final_rating: Some(3),
            ..change(Complete)
        };
        let recorded = change_status(InProgress, rostered, done.clone(), day(TODAY)).unwrap();
        assert_eq!(recorded.completed_on, Some(day(TODAY)));
        let late = StatusChange {
            completed_on: Some(day("2026-05-21")),
            ..done.clone()
        };
        assert_eq!(
            fields(change_status(InProgress, rostered, late, day(TODAY))),
            ["input.completedOn"]
        );
        let early = StatusChange {
            completed_on: Some(day("2025-09-14")),
            ..done
        };
        assert_eq!(
            fields(change_status(InProgress, rostered, early, day(TODAY))),
            ["input.completedOn"]
        );
    }

    #[test]
    fn withdrawing_needs_a_reason_and_takes_no_rating() {
        let rostered = day("2025-09-15");
        assert_eq!(
            fields(change_status(Rostered, rostered, change(Withdrawn), day(TODAY))),
            ["input.reason"]
        );
        let blank = StatusChange {
            reason: Some("  ".into()),
            ..change(Withdrawn)
        };
        assert_eq!(
            fields(change_status(Rostered, rostered, blank, day(TODAY))),
            ["input.reason"]
        );
        let mixed = StatusChange {
            reason: Some("left the district".into()),
            final_rating: Some(3),
            ..change(Withdrawn)
        };
        assert_eq!(
            fields(change_status(Rostered, rostered, mixed, day(TODAY))),
            ["input.finalRating"]
        );
        let left = StatusChange {
            reason: Some(" left the district ".into()),
            ..change(Withdrawn)
        };
        let recorded = change_status(Rostered, rostered, left, day(TODAY)).unwrap();
        assert_eq!(recorded.withdrawn_reason.as_deref(), Some("left the district"));
    }

    #[test]
    fn only_a_scheduled_event_that_has_happened_in_the_year_completes() {
        let year = (day("2025-07-01"), day("2026-06-30"));
        assert!(complete_event(EventStatus::Scheduled, day("2026-02-03"), year, day(TODAY)).is_ok());
        let done = complete_event(EventStatus::Complete, day("2026-02-03"), year, day(TODAY)).unwrap_err();
        assert_eq!(done[0].code, UserErrorCode::NotAllowed);
        let future = complete_event(EventStatus::Scheduled, day("2026-05-21"), year, day(TODAY)).unwrap_err();
        assert_eq!(future[0].field, ["input", "occurredOn"]);
        let before = complete_event(EventStatus::Scheduled, day("2025-06-30"), year, day(TODAY)).unwrap_err();
        assert_eq!(before[0].field, ["input", "occurredOn"]);
    }
}
