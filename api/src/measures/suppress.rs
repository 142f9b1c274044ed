//! Small-cell suppression (DESIGN.md §4): a confidential aggregate of fewer than `min_n`
//! respondents — or, for EASE, a count from 1 to 10 — is withheld, and when one cell of a
//! breakdown is withheld the next smallest is too, so that it cannot be recovered by
//! subtracting the others from the total.

use async_graphql::Enum;

/// Why a figure is withheld.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum SuppressionReason {
    /// Fewer respondents than the survey's minimum report size.
    SmallGroup,
    /// An EASE count from 1 to 10.
    SmallCount,
    /// Withheld so that a withheld sibling cannot be recovered by subtraction.
    Complementary,
    /// Not reported at this level (EASE is reported for the district and regions only).
    NotReportedAtLevel,
}

/// The rule a confidential figure is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Survey results: withheld below `min_n` respondents (a count of 0 reveals no one).
    MinRespondents(u64),
    /// EASE: withheld when a count is from 1 to 10.
    EaseCount,
}

impl Rule {
    /// Why a cell of `count` people is withheld under this rule, if it is.
    pub fn check(self, count: u64) -> Option<SuppressionReason> {
        match self {
            Self::MinRespondents(min_n) => (count > 0 && count < min_n).then_some(SuppressionReason::SmallGroup),
            Self::EaseCount => (1..=10).contains(&count).then_some(SuppressionReason::SmallCount),
        }
    }
}

/// The reasons cells of a breakdown are withheld, given each cell's count: the cells the rule
/// withholds and, when exactly one is withheld, the smallest other cell that has people in it
/// (with two or more withheld, subtraction yields only their sum).
pub fn breakdown(rule: Rule, counts: &[u64]) -> Vec<Option<SuppressionReason>> {
    let mut reasons: Vec<Option<SuppressionReason>> = counts.iter().map(|&n| rule.check(n)).collect();
    if reasons.iter().filter(|r| r.is_some()).count() == 1 {
        let complement = counts
            .iter()
            .enumerate()
            .filter(|(i, n)| reasons[*i].is_none() && **n > 0)
            .min_by_key(|(i, n)| (**n, *i))
            .map(|(i, _)| i);
        if let Some(i) = complement {
            reasons[i] = Some(SuppressionReason::Complementary);
        }
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;
    use SuppressionReason::*;

    #[test]
    fn ease_counts_from_1_to_10_are_withheld_but_not_0_or_11() {
        let rule = Rule::EaseCount;
        assert_eq!(rule.check(0), None);
        assert_eq!(rule.check(1), Some(SmallCount));
        assert_eq!(rule.check(10), Some(SmallCount));
        assert_eq!(rule.check(11), None);
    }

    #[test]
    fn one_withheld_cell_takes_the_next_smallest_with_it() {
        let reasons = breakdown(Rule::EaseCount, &[7, 300, 40, 0]);
        assert_eq!(reasons, [Some(SmallCount), None, Some(Complementary), None]);
    }

    #[test]
    fn two_withheld_cells_need_no_complement() {
        let reasons = breakdown(Rule::MinRespondents(10), &[3, 4, 50]);
        assert_eq!(reasons, [Some(SmallGroup), Some(SmallGroup), None]);
    }

    #[test]
    fn nothing_small_withholds_nothing() {
        assert_eq!(breakdown(Rule::MinRespondents(10), &[10, 0, 99]), [None, None, None]);
    }
}
