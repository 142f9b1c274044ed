//! Exact linear algebra for the property test: whether a linear form over the unknowns of a
//! table lies in the span of the forms an audience was shown, and as which combination of
//! them. Rationals over i128 — the forms have coefficients 0 and 1 over a few dozen unknowns,
//! so nothing comes near overflowing, and no tolerance is needed.

use std::fmt;

/// A rational number in lowest terms, its denominator positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratio {
    num: i128,
    den: i128,
}

fn gcd(a: i128, b: i128) -> i128 {
    if b == 0 { a.abs() } else { gcd(b, a % b) }
}

impl Ratio {
    pub const ZERO: Self = Self { num: 0, den: 1 };
    pub const ONE: Self = Self { num: 1, den: 1 };

    fn new(num: i128, den: i128) -> Self {
        assert!(den != 0, "division by zero");
        let g = gcd(num, den).max(1);
        let sign = den.signum();
        Self {
            num: sign * num / g,
            den: sign * den / g,
        }
    }

    pub fn int(n: i64) -> Self {
        Self::new(i128::from(n), 1)
    }

    pub fn is_zero(self) -> bool {
        self.num == 0
    }

    pub fn is_negative(self) -> bool {
        self.num < 0
    }

    pub fn abs(self) -> Self {
        Self::new(self.num.abs(), self.den)
    }

    /// The value when it is a whole number.
    pub fn integer(self) -> Option<i64> {
        (self.den == 1).then(|| i64::try_from(self.num).ok()).flatten()
    }

    fn add(self, other: Self) -> Self {
        Self::new(self.num * other.den + other.num * self.den, self.den * other.den)
    }

    fn mul(self, other: Self) -> Self {
        Self::new(self.num * other.num, self.den * other.den)
    }

    fn neg(self) -> Self {
        Self::new(-self.num, self.den)
    }

    fn recip(self) -> Self {
        Self::new(self.den, self.num)
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

/// `dst += c × src`, `dst` growing to `src`'s length.
fn add_scaled(dst: &mut Vec<Ratio>, c: Ratio, src: &[Ratio]) {
    if dst.len() < src.len() {
        dst.resize(src.len(), Ratio::ZERO);
    }
    for (d, s) in dst.iter_mut().zip(src) {
        *d = d.add(c.mul(*s));
    }
}

/// A row of the echelon form: its pivot column (1 there, 0 at every earlier row's pivot),
/// the form, and the combination of the pushed forms it is.
struct Row {
    pivot: usize,
    form: Vec<Ratio>,
    combination: Vec<Ratio>,
}

/// The span of the forms pushed so far, kept in echelon form with each row's combination of
/// the pushed forms.
pub struct Span {
    width: usize,
    pushed: usize,
    rows: Vec<Row>,
}

impl Span {
    /// The empty span over `width` unknowns.
    pub fn new(width: usize) -> Self {
        Self {
            width,
            pushed: 0,
            rows: Vec::new(),
        }
    }

    /// `form` minus its projection on the rows, and the combination of pushed forms that
    /// projection is (negated: `form + Σ combination·pushed` is the remainder).
    fn reduce(&self, form: &[i64]) -> (Vec<Ratio>, Vec<Ratio>) {
        assert_eq!(form.len(), self.width, "a form over the table's unknowns");
        let mut rest: Vec<Ratio> = form.iter().map(|&c| Ratio::int(c)).collect();
        let mut combination = Vec::new();
        // Row k is zero at the pivots of rows before it, so one pass in order clears them all.
        for row in &self.rows {
            let c = rest[row.pivot];
            if !c.is_zero() {
                add_scaled(&mut rest, c.neg(), &row.form);
                add_scaled(&mut combination, c.neg(), &row.combination);
            }
        }
        (rest, combination)
    }

    /// Adds the next form (its index is the number pushed before it).
    pub fn push(&mut self, form: &[i64]) {
        let (mut rest, mut combination) = self.reduce(form);
        combination.resize(self.pushed + 1, Ratio::ZERO);
        combination[self.pushed] = combination[self.pushed].add(Ratio::ONE);
        self.pushed += 1;
        let Some(pivot) = rest.iter().position(|c| !c.is_zero()) else {
            return; // Already in the span: nothing new is known.
        };
        let scale = rest[pivot].recip();
        rest.iter_mut().for_each(|c| *c = c.mul(scale));
        combination.iter_mut().for_each(|c| *c = c.mul(scale));
        self.rows.push(Row {
            pivot,
            form: rest,
            combination,
        });
    }

    /// The coefficients, one per pushed form, of a combination equal to `target`; none when
    /// `target` is not in the span (its value is not determined by the pushed forms').
    pub fn express(&self, target: &[i64]) -> Option<Vec<Ratio>> {
        let (rest, combination) = self.reduce(target);
        if rest.iter().any(|c| !c.is_zero()) {
            return None;
        }
        // target − Σ (−combination)·pushed = 0.
        let mut coefficients = vec![Ratio::ZERO; self.pushed];
        add_scaled(&mut coefficients, Ratio::ONE.neg(), &combination);
        Some(coefficients)
    }
}

/// `Σ coefficients × values`, for the values of the pushed forms.
pub fn evaluate(coefficients: &[Ratio], values: &[i64]) -> Ratio {
    coefficients
        .iter()
        .zip(values)
        .fold(Ratio::ZERO, |sum, (c, v)| sum.add(c.mul(Ratio::int(*v))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_total_minus_a_part_is_the_other_part_and_a_sum_of_two_unknowns_is_neither() {
        // Unknowns a, b, c; shown: a + b + c and a.
        let mut span = Span::new(3);
        span.push(&[1, 1, 1]);
        span.push(&[1, 0, 0]);
        assert_eq!(span.express(&[0, 1, 0]), None, "b alone is not known");
        let b_plus_c = span.express(&[0, 1, 1]).unwrap();
        assert_eq!(b_plus_c, [Ratio::ONE, Ratio::ONE.neg()]);
        assert_eq!(evaluate(&b_plus_c, &[50, 30]), Ratio::int(20));
    }

    #[test]
    fn forms_already_in_the_span_add_nothing_but_still_count_as_pushed() {
        // Rows and columns of a 2 × 2 table with its margins: a + b, c + d, a + c, b + d, and
        // the grand total. No cell is determined; a + b + c + d is.
        let mut span = Span::new(4);
        for form in [[1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 1, 0], [0, 1, 0, 1], [1, 1, 1, 1]] {
            span.push(&form);
        }
        for cell in 0..4 {
            let mut form = [0; 4];
            form[cell] = 1;
            assert_eq!(span.express(&form), None, "cell {cell}");
        }
        let total = span.express(&[1, 1, 1, 1]).unwrap();
        assert_eq!(total.len(), 5);
        assert_eq!(evaluate(&total, &[3, 7, 4, 6, 10]), Ratio::int(10));
        // Knowing a fixes every cell.
        span.push(&[1, 0, 0, 0]);
        let d = span.express(&[0, 0, 0, 1]).unwrap();
        assert_eq!(evaluate(&d, &[3, 7, 4, 6, 10, 1]), Ratio::int(4));
    }
}
