//! The stall watchdog: when a child that is downloading has gone quiet for too long.
//!
//! Progress is bytes: read by the child's processes (sockets included, where the OS tells) or
//! written under the watched folders, or output a slow consumer is still taking. Chatter is not
//! progress: a line the child prints (its own retry, "Still waiting to acquire lock …") moves
//! nothing, so a lock that is never released or a retry loop that never gets anywhere ends as a
//! stall, diagnosed from those lines (lock_stuck, rate_limited). Only a wait the child announces
//! ("Rate limited. Waiting 30s", `Retry-After: 30`) is quiet it is owed: the watchdog counts from
//! its end, and all such waits of an attempt together are granted at most `--max-wait`.
//!
//! A child that printed the error that ends it (a traceback's final exception, a CLI's
//! `Error: …`, git's `fatal:`) and then does nothing while a download of its own is still open (a
//! worker thread keeps Python alive on a socket that will never answer) is stopped after
//! [`FATAL_GRACE`] (or `--stall-timeout`, if shorter) instead of the full stall timeout, and
//! diagnosed from that error. A command that is not a download and has no Hub request open is
//! never stopped by the watchdog (a training loop, a program's own sleep).

use crate::detect::Hit;
use std::time::{Duration, Instant};

/// Quiet allowed after a fatal error line before the child counts as hung on it.
pub const FATAL_GRACE: Duration = Duration::from_secs(10);

/// Why the watchdog wants the child stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing moved for the stall timeout (after any wait the child announced).
    Stalled,
    /// The child printed its fatal error and then did nothing for the grace period.
    HungAfterError,
}

#[derive(Debug)]
pub struct Watchdog {
    stall_timeout: Duration,
    /// A known download is watched from the start; another command only while a download of its
    /// own is under way.
    always_watched: bool,
    /// Bytes moved at the first sample (taken a tick after spawn); `None` before it.
    last_alive: Option<u64>,
    last_progress: Instant,
    /// The end of the longest wait the child announced.
    waiting_until: Option<Instant>,
    /// Announced waits granted so far, and the most that may be.
    granted: Duration,
    wait_budget: Duration,
    /// When the child last printed a fatal error line.
    fatal_at: Option<Instant>,
}

impl Watchdog {
    pub fn new(stall_timeout: Duration, always_watched: bool, wait_budget: Duration) -> Watchdog {
        Watchdog {
            stall_timeout,
            always_watched,
            last_alive: None,
            last_progress: Instant::now(),
            waiting_until: None,
            granted: Duration::ZERO,
            wait_budget,
            fatal_at: None,
        }
    }

    /// Lines the child printed: announced waits and fatal errors count, nothing else.
    pub fn saw(&mut self, hits: &[Hit], now: Instant) {
        for h in hits {
            if let Some(secs) = h.facts.wait {
                let owed = Duration::from_secs(secs).min(self.wait_budget.saturating_sub(self.granted));
                if !owed.is_zero() {
                    self.granted += owed;
                    let until = now + owed;
                    self.waiting_until = Some(self.waiting_until.map_or(until, |u| u.max(until)));
                }
            }
            if h.facts.fatal {
                self.fatal_at = Some(now);
            }
        }
    }

    /// The first sample of the byte count: what later ones are compared with.
    pub fn baseline(&mut self, alive: u64) {
        self.last_alive.get_or_insert(alive);
    }

    pub fn has_baseline(&self) -> bool {
        self.last_alive.is_some()
    }

    /// The byte count the child has moved so far (read plus on disk).
    pub fn alive(&mut self, alive: u64, now: Instant) {
        if self.last_alive != Some(alive) {
            self.last_alive = Some(alive);
            self.last_progress = now;
        }
    }

    /// Output is being passed on to a consumer that reads slowly: that holds the child up.
    pub fn delivering(&mut self, now: Instant) {
        self.last_progress = now;
    }

    /// Time stood still (Ctrl-Z until `fg`).
    pub fn shift(&mut self, by: Duration) {
        self.last_progress += by;
        self.waiting_until = self.waiting_until.map(|u| u + by);
        self.fatal_at = self.fatal_at.map(|f| f + by);
    }

    /// Whether the child should be stopped now; `under_way`: a download of its own is open.
    pub fn check(&self, now: Instant, under_way: bool) -> Option<Verdict> {
        if !(self.always_watched || under_way) {
            return None;
        }
        let quiet_since = [Some(self.last_progress), self.waiting_until, self.fatal_at].into_iter().flatten().max()?;
        let quiet = now.saturating_duration_since(quiet_since);
        if self.fatal_at.is_some() && quiet >= FATAL_GRACE.min(self.stall_timeout) {
            return Some(Verdict::HungAfterError);
        }
        (quiet >= self.stall_timeout).then_some(Verdict::Stalled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::facts::Facts;
    use std::sync::Arc;

    fn hit(f: Facts) -> Hit {
        Hit { signature: 0, record_no: 1, evidence: String::new(), fields: vec![], facts: Arc::new(f) }
    }

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn chatter_is_not_progress() {
        let t0 = Instant::now();
        let mut w = Watchdog::new(5 * S, true, 60 * S);
        for i in 0..10 {
            w.saw(&[hit(Facts::default())], t0 + i * S);
        }
        assert_eq!(w.check(t0 + 6 * S, false), Some(Verdict::Stalled), "lines that move nothing kept it alive");
        w.alive(10, t0 + 6 * S);
        assert_eq!(w.check(t0 + 7 * S, false), None, "bytes are progress");
    }

    #[test]
    fn an_announced_wait_is_owed_and_bounded_by_the_budget() {
        let t0 = Instant::now();
        let mut w = Watchdog::new(5 * S, true, 40 * S);
        w.saw(&[hit(Facts { wait: Some(30), ..Facts::default() })], t0);
        assert_eq!(w.check(t0 + 34 * S, false), None, "within the wait and the stall timeout after it");
        assert_eq!(w.check(t0 + 36 * S, false), Some(Verdict::Stalled));
        // The budget is spent: a retry line asking for a day gets 10 s more, not a day.
        w.saw(&[hit(Facts { wait: Some(86_400), ..Facts::default() })], t0 + 36 * S);
        assert_eq!(w.check(t0 + 50 * S, false), None);
        assert_eq!(w.check(t0 + 52 * S, false), Some(Verdict::Stalled));
        w.saw(&[hit(Facts { wait: Some(86_400), ..Facts::default() })], t0 + 52 * S);
        assert_eq!(w.check(t0 + 58 * S, false), Some(Verdict::Stalled), "nothing left to grant");
    }

    #[test]
    fn a_fatal_error_then_nothing_is_hung_after_the_grace() {
        let t0 = Instant::now();
        let mut w = Watchdog::new(60 * S, false, 60 * S);
        w.saw(&[hit(Facts { fatal: true, ..Facts::default() })], t0);
        assert_eq!(w.check(t0 + 11 * S, false), None, "no download of its own open: never stopped");
        assert_eq!(w.check(t0 + 9 * S, true), None);
        assert_eq!(w.check(t0 + 11 * S, true), Some(Verdict::HungAfterError));
        // Bytes still moving after the error (other workers finishing): not hung yet.
        w.alive(5, t0 + 10 * S);
        assert_eq!(w.check(t0 + 15 * S, true), None);
        assert_eq!(w.check(t0 + 21 * S, true), Some(Verdict::HungAfterError));
        // A shorter stall timeout is the grace.
        let mut w = Watchdog::new(2 * S, true, 60 * S);
        w.saw(&[hit(Facts { fatal: true, ..Facts::default() })], t0);
        assert_eq!(w.check(t0 + 3 * S, true), Some(Verdict::HungAfterError));
    }

    #[test]
    fn stopped_time_counts_for_nothing() {
        let t0 = Instant::now();
        let mut w = Watchdog::new(5 * S, true, 60 * S);
        w.shift(100 * S);
        assert_eq!(w.check(t0 + 104 * S, false), None);
        assert_eq!(w.check(t0 + 106 * S, false), Some(Verdict::Stalled));
    }
}
