//! Exact time: values in a timescale (ticks per second) and reduced rationals, never floats, so
//! that NTSC rates and long durations do not drift.

use std::cmp::Ordering;

const fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

/// A non-negative fraction in lowest terms (`den` > 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rational {
    pub num: u64,
    pub den: u64,
}

impl Rational {
    /// `num/den` reduced; a zero denominator gives 0/1.
    pub const fn new(num: u64, den: u64) -> Self {
        if den == 0 {
            return Self { num: 0, den: 1 };
        }
        let divisor = gcd(num, den);
        let divisor = if divisor == 0 { 1 } else { divisor };
        Self { num: num / divisor, den: den / divisor }
    }

    /// `num/den` from wide integers, reduced; 0/1 when even the reduced fraction does not fit
    /// (only hostile tables produce such rates).
    pub fn from_wide(num: u128, den: u128) -> Self {
        let (mut a, mut b) = (num, den);
        while b != 0 {
            (a, b) = (b, a % b);
        }
        let divisor = a.max(1);
        match (u64::try_from(num / divisor), u64::try_from(den / divisor)) {
            (Ok(num), Ok(den)) => Self::new(num, den),
            _ => Self { num: 0, den: 1 },
        }
    }
}

impl std::fmt::Display for Rational {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

/// `value` ticks of `timescale` per second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeValue {
    pub value: u64,
    pub timescale: u32,
}

impl TimeValue {
    pub const fn new(value: u64, timescale: u32) -> Self {
        Self { value, timescale }
    }

    /// Milliseconds, rounded half up.
    pub fn millis(self) -> u64 {
        if self.timescale == 0 {
            return 0;
        }
        let timescale = u128::from(self.timescale);
        ((u128::from(self.value) * 1000 + timescale / 2) / timescale) as u64
    }

    pub fn seconds(self) -> f64 {
        if self.timescale == 0 { 0.0 } else { self.value as f64 / f64::from(self.timescale) }
    }

    /// Orders two times exactly, whatever their timescales.
    pub fn cmp_time(&self, other: &Self) -> Ordering {
        (u128::from(self.value) * u128::from(other.timescale))
            .cmp(&(u128::from(other.value) * u128::from(self.timescale)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rationals_reduce_and_times_compare_exactly() {
        assert_eq!(Rational::new(60_000, 2_002), Rational { num: 30_000, den: 1_001 });
        assert_eq!(Rational::new(5, 0), Rational { num: 0, den: 1 });
        assert_eq!(Rational::from_wide(u128::from(u64::MAX) * 4, 8), Rational { num: u64::MAX, den: 2 });
        assert_eq!(Rational::from_wide(u128::MAX, 3), Rational { num: 0, den: 1 });
        assert_eq!(TimeValue::new(1001, 30_000).millis(), 33);
        assert_eq!(TimeValue::new(3, 2).cmp_time(&TimeValue::new(1500, 1000)), Ordering::Equal);
        assert_eq!(
            TimeValue::new(3 * 3600 * 90_000 + 45, 90_000).millis(),
            3 * 3600 * 1000 + 1,
            "3 h at 90 kHz, half up"
        );
    }
}
