//! Waits from numbers hfwrap does not trust: a child's `Retry after N seconds`, the deadline in
//! another hfwrap's cooldown record.
//!
//! Such a number can be anything: `99999999999999999999`, `1e400`, `NaN`, `-5`. Nothing here
//! panics (no `Duration::from_secs_f64` on an unchecked float, no `as` cast that wraps, checked
//! integer arithmetic) and nothing returns more than the caller's cap (`--max-wait`). What was asked
//! beyond the cap is kept as a flag, so the policy can say the Hub asked for longer than allowed.

use std::time::Duration;

/// `--max-wait` when none is given: the longest single wait (a Retry-After, a backoff, a cooldown).
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(15 * 60);

/// A wait read from untrusted input, at most the cap it was read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounded {
    /// What to wait: never more than the cap.
    pub wait: Duration,
    /// More than the cap was asked for (then `wait` is the cap).
    pub over_cap: bool,
}

impl Bounded {
    fn of(asked: Duration, cap: Duration) -> Bounded {
        Bounded { wait: asked.min(cap), over_cap: asked > cap }
    }
}

/// Seconds as a child prints them (`30`, `2.0`, `99999999999999999999`): ASCII digits with an optional
/// fraction, nothing else (no sign, exponent, `inf` or spaces inside; surrounding spaces are fine).
/// `None` when the text is not such a number. Digits beyond `u64::MAX` seconds count as over the cap.
pub fn parse_seconds(text: &str, cap: Duration) -> Option<Bounded> {
    let t = text.trim();
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (t, None),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.is_some_and(|f| !f.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let mut secs: Option<u64> = Some(0);
    for b in whole.bytes() {
        secs = secs.and_then(|s| s.checked_mul(10)).and_then(|s| s.checked_add(u64::from(b - b'0')));
    }
    let Some(secs) = secs else {
        // More seconds than a u64 holds: certainly more than any cap.
        return Some(Bounded { wait: cap, over_cap: true });
    };
    // Nanoseconds from the first nine fraction digits (the rest cannot matter).
    let mut nanos = 0u32;
    let mut scale = 100_000_000u32;
    for b in frac.unwrap_or("").bytes().take(9) {
        nanos += u32::from(b - b'0') * scale;
        scale /= 10;
    }
    // nanos < 1e9, so Duration::new cannot carry into (and overflow) the seconds.
    Some(Bounded::of(Duration::new(secs, nanos), cap))
}

/// Seconds as a float from a file (`until - now` of a cooldown record): `None` when it is not a
/// positive finite number; else at most `cap`.
pub fn from_secs_f64(secs: f64, cap: Duration) -> Option<Bounded> {
    if !secs.is_finite() || secs <= 0.0 {
        return None;
    }
    if secs >= cap.as_secs_f64() {
        return Some(Bounded { wait: cap, over_cap: secs > cap.as_secs_f64() });
    }
    // Below the cap, so it converts; try_from never panics either way.
    Duration::try_from_secs_f64(secs).ok().map(|d| Bounded::of(d, cap))
}

/// `the Hub asked to wait 30s`: a number from output as it may be shown, digits only and short
/// (an absurd one is shown by its length, not printed in full).
pub fn shown_seconds(text: &str) -> String {
    let t = text.trim();
    if t.len() <= 24 && t.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        format!("{t}s")
    } else {
        format!("a {}-character number of seconds", t.chars().count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const CAP: Duration = Duration::from_secs(120);

    #[test]
    fn plain_numbers_parse_within_the_cap() {
        assert_eq!(parse_seconds("30", CAP), Some(Bounded { wait: Duration::from_secs(30), over_cap: false }));
        assert_eq!(parse_seconds(" 2.5 ", CAP).unwrap().wait, Duration::from_millis(2500));
        assert_eq!(parse_seconds("0", CAP).unwrap().wait, Duration::ZERO);
        assert_eq!(parse_seconds("2.", CAP).unwrap().wait, Duration::from_secs(2));
        assert_eq!(parse_seconds("1.0000000001", CAP).unwrap().wait, Duration::from_secs(1));
        assert_eq!(parse_seconds("120", CAP), Some(Bounded { wait: CAP, over_cap: false }));
    }

    #[test]
    fn huge_numbers_are_the_cap_and_say_so() {
        for t in ["121", "999999999", "18446744073709551615", "18446744073709551616", "99999999999999999999"] {
            assert_eq!(parse_seconds(t, CAP), Some(Bounded { wait: CAP, over_cap: true }), "{t}");
        }
        assert_eq!(parse_seconds(&"9".repeat(10_000), CAP), Some(Bounded { wait: CAP, over_cap: true }));
    }

    #[test]
    fn anything_else_is_no_number() {
        for t in ["", " ", "-5", "+5", "1e3", "inf", "NaN", "0x10", "1 2", ".5", "1.2.3", "5s", "٣"] {
            assert_eq!(parse_seconds(t, CAP), None, "{t:?}");
        }
    }

    #[test]
    fn floats_from_files_are_checked() {
        assert_eq!(from_secs_f64(30.0, CAP).unwrap().wait, Duration::from_secs(30));
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0, 0.0] {
            assert_eq!(from_secs_f64(bad, CAP), None, "{bad}");
        }
        for huge in [f64::MAX, 1e300, 1e20, 121.0] {
            assert_eq!(from_secs_f64(huge, CAP), Some(Bounded { wait: CAP, over_cap: true }), "{huge}");
        }
    }

    #[test]
    fn shown_seconds_keep_absurd_text_short() {
        assert_eq!(shown_seconds("30"), "30s");
        assert_eq!(shown_seconds("99999999999999999999"), "99999999999999999999s");
        assert_eq!(shown_seconds(&"9".repeat(400)), "a 400-character number of seconds");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn parse_seconds_never_panics_nor_exceeds_the_cap(text in ".{0,64}", cap_ms in 0u64..100_000_000) {
            let cap = Duration::from_millis(cap_ms);
            if let Some(b) = parse_seconds(&text, cap) {
                prop_assert!(b.wait <= cap);
            }
        }

        #[test]
        fn digit_strings_of_any_length_are_bounded(digits in "[0-9]{1,60}(\\.[0-9]{0,30})?", cap_ms in 0u64..100_000_000) {
            let cap = Duration::from_millis(cap_ms);
            let b = parse_seconds(&digits, cap).expect("digits are a number");
            prop_assert!(b.wait <= cap);
            // Over the cap exactly when the number is bigger than the cap.
            let value: f64 = digits.parse().unwrap();
            if value > cap.as_secs_f64() + 1e-6 { prop_assert!(b.over_cap); }
            if value < cap.as_secs_f64() - 1e-6 { prop_assert!(!b.over_cap); }
        }

        #[test]
        fn floats_never_panic_nor_exceed_the_cap(bits in any::<u64>(), cap_ms in 0u64..100_000_000) {
            let cap = Duration::from_millis(cap_ms);
            if let Some(b) = from_secs_f64(f64::from_bits(bits), cap) {
                prop_assert!(b.wait <= cap);
            }
        }
    }
}
