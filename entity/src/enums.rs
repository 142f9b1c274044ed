//! The closed vocabularies of the schema, stored as upper-case strings (the same text that
//! appears in import files and, as GraphQL enum values, in the API).

use sea_orm::entity::prelude::*;

/// Declares a string-backed enum with `SCREAMING_SNAKE_CASE` values
/// (the column widths live in the migrations).
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, serde::Serialize)]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "SCREAMING_SNAKE_CASE")]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }
    };
}

string_enum! {
    /// What an organization is.
    OrganizationKind { District, Region, School, Office }
}

string_enum! {
    /// A staff member's role in a section.
    SectionRole { TeacherOfRecord, CoTeacher, Support }
}

string_enum! {
    /// The two rating scales of a framework.
    RatingScale { Element, Overall }
}

string_enum! {
    /// The kinds of evidence an evaluation process uses.
    MeasureKind { Observation, StudentOutcomes, GoalProgress, StakeholderFeedback, SelfAssessment }
}

string_enum! {
    /// Where an evaluation stands.
    EvaluationStatus { Rostered, InProgress, Complete, Withdrawn }
}

string_enum! {
    /// The events of an evaluation.
    EventKind { SelfAssessment, InitialPlanning, GrowthVisit, FormalObservation, FinalConference }
}

string_enum! {
    /// Where an evaluation event stands.
    EventStatus { Scheduled, Complete, Cancelled }
}

string_enum! {
    /// What a survey is.
    SurveyKind { StakeholderFeedback, SchoolExperience, Other }
}

string_enum! {
    /// Where a survey administration stands.
    AdministrationStatus { Planned, Open, Administered, Cancelled }
}

string_enum! {
    /// What a training course is for.
    CourseCategory { PerformanceManagement, Wellness, EvaluatorCertification, Other }
}

string_enum! {
    /// What triggers a training requirement.
    RequirementTrigger { SupervisoryEntry }
}

string_enum! {
    /// The EASE services a vendor reports on; ALL is the total.
    ServiceType { All, Counseling, Hotline, Telehealth, WorkLife }
}

string_enum! {
    /// How a plan measure's rate is compared with its target.
    TargetComparator {
        /// The rate is at least the target.
        AtLeast,
        /// The rate is higher than the prior year's.
        AbovePrior,
        /// The rate is at least the target times the prior year's.
        PriorMultiple,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::ActiveEnum;

    #[test]
    fn enum_values_are_screaming_snake_case() {
        assert_eq!(SectionRole::TeacherOfRecord.to_value(), "TEACHER_OF_RECORD");
        assert_eq!(ServiceType::WorkLife.to_value(), "WORK_LIFE");
        assert_eq!(
            EvaluationStatus::try_from_value(&"IN_PROGRESS".to_owned()).ok(),
            Some(EvaluationStatus::InProgress)
        );
    }
}
