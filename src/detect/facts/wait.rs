//! Every way a wait is stated, in seconds: `Retry-After: 30`, `Retry after 42 seconds`,
//! `RateLimit: "api";r=0;t=55`, `Rate limited. Waiting 2.0s before retry`, the Hub's `You can
//! retry this action in about 5 minutes` / `in about 1 hour`, `try again in 30 seconds`.

use super::{rb, text_of};
use regex::bytes::Regex;
use std::sync::OnceLock;

/// The longest wait hfwrap takes from a log: a day.
pub const MAX_WAIT: u64 = 86_400;

/// The longest wait the record states, capped at [`MAX_WAIT`]. Only requests to wait count: an
/// elapsed time (`elapsed: 10.1 seconds`) or a timeout setting (`read timeout=10`) is not one.
pub fn stated_wait(text: &str) -> Option<u64> {
    static WAIT: OnceLock<Regex> = OnceLock::new();
    let wait = rb(
        &WAIT,
        concat!(
            r"(?i)(?:",
            r"retry[- ]after:?\s*(?P<a>\d{1,12})(?:\.\d+)?\s*(?P<ua>seconds?|secs?|s|minutes?|mins?|hours?)?(?-u:\b)",
            r"|(?-u:\b)RateLimit:[^\n]*?;\s*t=(?P<b>\d{1,12})",
            r"|(?-u:\b)(?:retry|try(?: it)? again)(?-u:\b)(?-u:[\x20-\x2D\x2F-\x7E]){0,40}? in (?:about |approximately |around |roughly |~\s?)?(?P<c>\d{1,12}|an?|one)\s*(?P<uc>seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h)(?-u:\b)",
            r"|(?-u:\b)Waiting (?P<d>\d{1,12})(?:\.\d+)?\s*(?P<ud>s|seconds?)\s+before retry",
            r"|(?-u:\b)(?:please )?wait (?:for )?(?P<e>\d{1,12}) ?(?P<ue>seconds?|minutes?|hours?)(?: before| and)",
            r")"
        ),
    );
    let mut best: Option<u64> = None;
    for c in wait.captures_iter(text.as_bytes()) {
        let (num, unit) = [("a", "ua"), ("b", ""), ("c", "uc"), ("d", "ud"), ("e", "ue")]
            .iter()
            .find_map(|(n, u)| c.name(n).map(|m| (text_of(m), c.name(u).map_or("s".into(), text_of))))
            .unwrap_or(("".into(), "s".into()));
        let n: u64 = match num.to_ascii_lowercase().as_str() {
            "a" | "an" | "one" => 1,
            s => match s.parse() {
                Ok(n) => n,
                Err(_) => continue,
            },
        };
        let scale = match unit.to_ascii_lowercase().chars().next() {
            Some('m') => 60,
            Some('h') => 3600,
            _ => 1,
        };
        let secs = n.saturating_mul(scale).min(MAX_WAIT);
        best = Some(best.map_or(secs, |b| b.max(secs)));
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_as_they_are_stated() {
        let cases: &[(&str, Option<u64>)] = &[
            ("Retry after 42 seconds (0/500 requests remaining in current 300s window).", Some(42)),
            ("< Retry-After: 30", Some(30)),
            ("RateLimit: \"api\";r=0;t=55", Some(55)),
            ("Rate limited. Waiting 2.0s before retry [Retry 1/5].", Some(2)),
            (
                "You have exceeded our hourly quotas for action: commit. You can retry this action in about 5 minutes.",
                Some(300),
            ),
            ("You can retry this action in about 1 hour.", Some(3600)),
            ("You can retry this action in about an hour.", Some(3600)),
            ("Too many requests, please try again in 30 seconds", Some(30)),
            ("Retry after 99999999999 seconds", Some(MAX_WAIT)),
            ("Still waiting to acquire lock on /x/y.lock (elapsed: 10.1 seconds)", None),
            ("Read timed out. (read timeout=10)", None),
            ("Retrying in 1s [Retry 1/5].", None),
        ];
        for (text, want) in cases {
            assert_eq!(stated_wait(text), *want, "{text}");
        }
    }
}
