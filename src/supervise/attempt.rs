//! One attempt, from spawn to exit, as a small state machine over messages.
//!
//! The loop consumes [`Message`]s (hits as they stream, the child's exit and stops, signals to
//! hfwrap, keys the user typed at the child's pty, output that could not be delivered) and a
//! 50 ms tick, over an explicit state: running, or being stopped (the signals still to send and
//! when). Everything that can stop a child arrives here: the user's Ctrl-C (forwarded, escalated
//! after a grace period, never retried), the stall watchdog, `--max-time`, a consumer that went
//! away (`hfwrap … | head`). Ctrl-Z stops the child and hfwrap together; the time stopped counts
//! neither as a stall nor against `--max-time`. The child is anything that implements [`Child`],
//! so tests drive the loop with a fake.

use super::watchdog::{Verdict, Watchdog, FATAL_GRACE};
use super::Message;
use crate::detect::Hit;
use crate::diagnose::Collector;
use crate::process::signals::{CONT, INT, KILL, PIPE, TERM, TSTP, WINCH};
use crate::process::{Notice, Stopped, StreamId, Undelivered};
use crate::report::{Event, Reporters};
use std::process::ExitStatus;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Grace between the steps of stopping a child: SIGINT, SIGINT, SIGTERM, SIGKILL.
/// (A first SIGINT is absorbed by huggingface_hub's worker threads blocked on a socket.)
const STOP_GRACE: Duration = Duration::from_secs(2);
const TICK: Duration = Duration::from_millis(50);
const DISK_POLL: Duration = Duration::from_millis(1000);
/// Output held up this long is a consumer reading slowly (`hfwrap … | less`), not a line in passing.
const SLOW_CONSUMER: Duration = Duration::from_millis(250);

/// What the loop needs of a running child.
pub trait Child {
    /// Signal the child's whole process group.
    fn signal(&self, sig: i32);
    fn try_exit(&mut self) -> Option<ExitStatus>;
    /// The signal that stopped the child since the last look, if it stopped (consumed).
    fn try_stop(&mut self) -> Option<i32> {
        None
    }
    /// Forward hfwrap's terminal size (pty children).
    fn resize(&self);
    /// Bytes the child's processes have read so far (sockets included), where the OS tells.
    fn bytes_read(&self) -> u64;
    fn elapsed(&self) -> Duration;
    /// Ctrl-Z: stop the child's group (unless the terminal did already) and hfwrap with it;
    /// returns the time it stayed stopped.
    fn suspend(&mut self, already_stopped: bool) -> Duration;
    /// The child was stopped by `sig`.
    fn stopped(&mut self, sig: i32) -> Stopped;
    /// hfwrap was continued (SIGCONT): continue the child too.
    fn continued(&mut self) -> Stopped;
    /// Output is being passed on right now (a consumer that reads slowly holds the child up:
    /// that is not a stall).
    fn delivering(&self) -> bool;
    /// The child had the terminal's foreground, so the user's Ctrl-C reached it, not hfwrap.
    fn had_terminal(&self) -> bool;
}

/// What the watchdog can see of the download on disk.
pub trait Disk {
    /// Bytes under the watched folders (partial files, blobs, `.git`).
    fn bytes(&self) -> u64;
    /// Whether a partial file was written during this attempt (a download of its own is under way).
    fn download_under_way(&self) -> bool;
}

/// Why hfwrap stopped an attempt rather than it ending by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The user (or a supervisor) signalled hfwrap, or typed Ctrl-C at the child's terminal.
    Interrupt(i32),
    Stall,
    /// The child printed the error that ends it, then did nothing (see `watchdog`).
    HungAfterError,
    MaxTime,
    /// hfwrap's own stdout or stderr could not take the child's output (see [`Watched::undelivered`]).
    Output,
}

/// The limits of one attempt.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub stall_timeout: Duration,
    pub deadline: Option<Instant>,
    pub heartbeat: Option<Duration>,
    /// A known download is watched from the start; any other command (`python train.py`) only
    /// while a download of its own is under way, or a healthy run would be killed for writing
    /// nothing to the cache.
    pub always_watched: bool,
    /// The most quiet the child's announced waits are granted in all (`--max-wait`).
    pub wait_budget: Duration,
}

/// How the attempt ended, before its streams are drained.
pub struct Watched {
    pub status: ExitStatus,
    pub stopped: Option<StopReason>,
    pub hits: Collector,
    /// Time spent stopped (Ctrl-Z until `fg`): the run's deadline moves by as much.
    pub paused: Duration,
    /// The stream whose output could not be delivered, and why.
    pub undelivered: Option<(StreamId, Undelivered)>,
}

/// A child being stopped: the signals still to send and when.
struct Stopping {
    steps: Vec<i32>,
    next_at: Instant,
}

impl Stopping {
    fn begin(child: &dyn Child, first: i32) -> Stopping {
        child.signal(first);
        Stopping::delivered(first)
    }

    /// The first signal has reached the child already (through its terminal).
    fn delivered(first: i32) -> Stopping {
        let steps = match first {
            INT => vec![INT, TERM, KILL],
            // A pipeline's reader went away: SIGPIPE first, as a pipeline's writer gets.
            PIPE => vec![TERM, KILL],
            _ => vec![KILL],
        };
        Stopping { steps, next_at: Instant::now() + STOP_GRACE }
    }

    fn tick(&mut self, child: &dyn Child) {
        if Instant::now() >= self.next_at && !self.steps.is_empty() {
            child.signal(self.steps.remove(0));
            self.next_at = Instant::now() + STOP_GRACE;
        }
    }

    /// Time stood still while stopped.
    fn shift(&mut self, by: Duration) {
        self.next_at += by;
    }
}

/// Run one attempt to the child's exit, acting on signals, stalls and the deadline.
pub fn watch(
    child: &mut dyn Child,
    rx: &Receiver<Message>,
    disk: &dyn Disk,
    limits: Limits,
    early: &mut dyn FnMut(&Collector, &mut Reporters),
    out: &mut Reporters,
) -> Watched {
    let mut next_heartbeat = limits.heartbeat.map(|every| (Instant::now() + every, every));
    let mut heartbeat_bytes = 0u64;
    let mut hits = Collector::new();
    let mut stopped: Option<StopReason> = None;
    let mut stopping: Option<Stopping> = None;
    let mut undelivered = None;
    let mut paused = Duration::ZERO;
    let mut told_needs_terminal = false;
    // Sampled once the child has lived a tick, not at spawn: it reads the disk and a file per
    // process, and a child that exits at once (`hfwrap true`) must not pay for it. Progress is
    // first compared a second later (`DISK_POLL`), so the baseline is as good.
    let baseline_at = Instant::now() + TICK;
    let mut busy_since: Option<Instant> = None;
    let mut told_error = false;
    let mut dog = Watchdog::new(limits.stall_timeout, limits.always_watched, limits.wait_budget);
    let mut next_disk_poll = Instant::now() + DISK_POLL;
    let status = loop {
        // How long hfwrap stood stopped during this message (Ctrl-Z … fg).
        let mut stood = Duration::ZERO;
        match rx.recv_timeout(TICK) {
            Ok(Message::Hits(new)) => {
                // A wait the child announces is owed; other lines are not progress (watchdog).
                dog.saw(&new, Instant::now());
                let fatal = new.iter().any(|h| h.facts.fatal);
                new.into_iter().for_each(|h: Hit| hits.push(h));
                // The first fatal line of the attempt: its meaning is told now, not at exit.
                if fatal && !told_error {
                    told_error = true;
                    early(&hits, out);
                }
            }
            Ok(Message::Signal(WINCH)) => child.resize(),
            Ok(Message::Signal(TSTP)) => stood = child.suspend(false),
            Ok(Message::Signal(CONT)) => {
                if child.continued() == Stopped::HandedOver {
                    out.emit(Event::TerminalHandedOver);
                }
            }
            Ok(Message::Signal(sig)) => interrupt(child, sig, true, &mut stopped, &mut stopping),
            Ok(Message::Process(Notice::Typed(TSTP))) => stood = child.suspend(true),
            Ok(Message::Process(Notice::Typed(sig))) => interrupt(child, sig, false, &mut stopped, &mut stopping),
            Ok(Message::Process(Notice::Undelivered(stream, why))) => {
                if undelivered.is_none() {
                    undelivered = Some((stream, why));
                }
                if stopped.is_none() {
                    stopped = Some(StopReason::Output);
                    stopping = Some(Stopping::begin(child, PIPE));
                }
            }
            Ok(Message::Process(_)) | Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {}
        }
        // Stops are looked for on every pass, not only on SIGCHLD: a probe's SIGCHLD handler may
        // ask for no stop notices (SA_NOCLDSTOP), and a tick is soon enough.
        if let Some(sig) = child.try_stop() {
            match child.stopped(sig) {
                Stopped::HandedOver => out.emit(Event::TerminalHandedOver),
                Stopped::NeedsTerminal if !told_needs_terminal => {
                    told_needs_terminal = true;
                    out.emit(Event::NeedsTerminal { signal: sig });
                }
                Stopped::Suspended(d) => stood += d,
                Stopped::NeedsTerminal | Stopped::Ignored => {}
            }
        }
        if !stood.is_zero() {
            paused += stood;
            dog.shift(stood);
            if let Some((at, every)) = next_heartbeat {
                next_heartbeat = Some((at + stood, every));
            }
            if let Some(s) = stopping.as_mut() {
                s.shift(stood);
            }
        }
        if let Some(status) = child.try_exit() {
            if stopped.is_none() && crate::process::code_of(status) != 0 {
                // A key typed (or a signal sent) just before the child died of it may still wait
                // in the queue behind its last output: it is the user's interrupt all the same.
                // (A child that succeeded all the same is a success.)
                stopped = queued_interrupt(rx, &mut hits).map(StopReason::Interrupt);
            }
            if stopped.is_none() && child.had_terminal() && crate::process::code_of(status) == 128 + INT {
                // The user's Ctrl-C went to the child that had the terminal: still the user's.
                stopped = Some(StopReason::Interrupt(INT));
            }
            break status;
        }
        if !dog.has_baseline() && Instant::now() >= baseline_at {
            dog.baseline(disk.bytes() + child.bytes_read());
        }
        if let Some(s) = stopping.as_mut() {
            s.tick(child);
            continue;
        }
        let now = Instant::now();
        if limits.deadline.is_some_and(|d| now >= d + paused) {
            stopped = Some(StopReason::MaxTime);
            stopping = Some(Stopping::begin(child, INT));
            continue;
        }
        // A consumer that reads slowly holds the child up: that is not a stall. Busy for a moment
        // (a line being passed on and matched) is not that: only busy over several ticks is.
        if child.delivering() {
            let since = *busy_since.get_or_insert(now);
            if now.duration_since(since) >= SLOW_CONSUMER {
                dog.delivering(now);
            }
        } else {
            busy_since = None;
        }
        if now < next_disk_poll {
            continue;
        }
        next_disk_poll = now + DISK_POLL;
        let on_disk = disk.bytes();
        let alive = on_disk + child.bytes_read();
        if let Some((at, every)) = next_heartbeat.filter(|(at, _)| now >= *at) {
            next_heartbeat = Some((at.max(now) + every, every));
            let per_second = (on_disk.saturating_sub(heartbeat_bytes) as f64 / every.as_secs_f64()) as u64;
            heartbeat_bytes = on_disk;
            out.emit(Event::Heartbeat { on_disk, per_second, elapsed: child.elapsed().saturating_sub(paused) });
        }
        dog.alive(alive, now);
        let verdict = dog.check(now, !limits.always_watched && disk.download_under_way());
        if let Some(v) = verdict {
            let (reason, event) = match v {
                Verdict::Stalled => (StopReason::Stall, Event::Stalled { after: limits.stall_timeout }),
                Verdict::HungAfterError => {
                    (StopReason::HungAfterError, Event::HungAfterError { after: FATAL_GRACE.min(limits.stall_timeout) })
                }
            };
            out.emit(event);
            stopped = Some(reason);
            stopping = Some(Stopping::begin(child, INT));
        }
    };
    if stopped.is_some() {
        // hfwrap stopped this attempt: nothing of the child's tree may outlive it — workers that
        // ignore SIGINT/SIGTERM, or hold no stream open that would make the drain wait for them.
        child.signal(KILL);
    }
    Watched { status, stopped, hits, paused, undelivered }
}

/// The user's interrupt (a signal to hfwrap, `send`: forward it; or a key the child's pty already
/// turned into one). A second one forces the stop.
fn interrupt(
    child: &dyn Child,
    sig: i32,
    send: bool,
    stopped: &mut Option<StopReason>,
    stopping: &mut Option<Stopping>,
) {
    if matches!(stopped, Some(StopReason::Interrupt(_))) {
        child.signal(KILL);
        return;
    }
    *stopped = Some(StopReason::Interrupt(sig));
    *stopping = Some(if send { Stopping::begin(child, sig) } else { Stopping::delivered(sig) });
}

/// The interrupt among the messages already queued (their hits kept), if any.
fn queued_interrupt(rx: &Receiver<Message>, hits: &mut Collector) -> Option<i32> {
    let mut found = None;
    while let Ok(m) = rx.try_recv() {
        match m {
            Message::Hits(new) => new.into_iter().for_each(|h| hits.push(h)),
            Message::Signal(sig) | Message::Process(Notice::Typed(sig)) if ![WINCH, TSTP, CONT].contains(&sig) => {
                found = found.or(Some(sig));
            }
            _ => {}
        }
    }
    found
}

/// Hits that arrived while the streams drained.
pub fn drain_hits(rx: &Receiver<Message>, hits: &mut Collector) {
    while let Ok(m) = rx.try_recv() {
        if let Message::Hits(new) = m {
            new.into_iter().for_each(|h| hits.push(h));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Reporters;
    use std::cell::{Cell, RefCell};
    use std::sync::mpsc::channel;

    #[cfg(unix)]
    fn exited(code: i32) -> ExitStatus {
        std::os::unix::process::ExitStatusExt::from_raw(code << 8)
    }
    #[cfg(unix)]
    fn killed_by(sig: i32) -> ExitStatus {
        std::os::unix::process::ExitStatusExt::from_raw(sig)
    }
    #[cfg(windows)]
    fn exited(code: i32) -> ExitStatus {
        std::os::windows::process::ExitStatusExt::from_raw(code as u32)
    }
    #[cfg(windows)]
    fn killed_by(sig: i32) -> ExitStatus {
        exited(128 + sig)
    }

    /// A child that exits when told, or when it gets one of `dies_on`.
    struct FakeChild {
        signals: RefCell<Vec<i32>>,
        dies_on: Vec<i32>,
        exit_after: Option<Instant>,
        exit_with: ExitStatus,
        read: Cell<u64>,
        grows: bool,
        started: Instant,
        /// How long a Ctrl-Z keeps it (and hfwrap) stopped.
        stays_stopped: Duration,
        had_terminal: bool,
    }

    impl FakeChild {
        fn new() -> FakeChild {
            FakeChild {
                signals: RefCell::new(Vec::new()),
                dies_on: vec![INT],
                exit_after: None,
                exit_with: exited(0),
                read: Cell::new(0),
                grows: false,
                started: Instant::now(),
                stays_stopped: Duration::ZERO,
                had_terminal: false,
            }
        }
    }

    impl Child for FakeChild {
        fn signal(&self, sig: i32) {
            self.signals.borrow_mut().push(sig);
        }
        fn try_exit(&mut self) -> Option<ExitStatus> {
            if let Some(sig) = self.signals.borrow().iter().find(|s| self.dies_on.contains(s)) {
                return Some(killed_by(*sig));
            }
            self.exit_after.filter(|t| Instant::now() >= *t).map(|_| self.exit_with)
        }
        fn resize(&self) {}
        fn bytes_read(&self) -> u64 {
            if self.grows {
                self.read.set(self.read.get() + 1);
            }
            self.read.get()
        }
        fn elapsed(&self) -> Duration {
            self.started.elapsed()
        }
        fn suspend(&mut self, already_stopped: bool) -> Duration {
            if !already_stopped {
                self.signal(TSTP);
            }
            std::thread::sleep(self.stays_stopped);
            self.signal(CONT);
            self.stays_stopped
        }
        fn stopped(&mut self, _sig: i32) -> Stopped {
            Stopped::Ignored
        }
        fn continued(&mut self) -> Stopped {
            self.signal(CONT);
            Stopped::Ignored
        }
        fn delivering(&self) -> bool {
            false
        }
        fn had_terminal(&self) -> bool {
            self.had_terminal
        }
    }

    struct StillDisk;
    impl Disk for StillDisk {
        fn bytes(&self) -> u64 {
            0
        }
        fn download_under_way(&self) -> bool {
            false
        }
    }

    fn limits(stall: Duration, always_watched: bool) -> Limits {
        Limits {
            stall_timeout: stall,
            deadline: None,
            heartbeat: None,
            always_watched,
            wait_budget: Duration::from_secs(60),
        }
    }

    fn quiet() -> Reporters {
        Reporters::new(Vec::new())
    }

    #[test]
    fn an_exit_ends_the_attempt_with_its_hits() {
        let (tx, rx) = channel();
        let mut child = FakeChild::new();
        child.exit_after = Some(Instant::now() + Duration::from_millis(120));
        let hit = Hit { signature: 3, record_no: 1, evidence: "e".into(), fields: vec![], facts: Default::default() };
        tx.send(Message::Hits(vec![hit])).unwrap();
        let w = watch(&mut child, &rx, &StillDisk, limits(Duration::from_secs(60), true), &mut |_, _| {}, &mut quiet());
        assert_eq!(w.status.code(), Some(0));
        assert_eq!(w.stopped, None);
        assert_eq!(w.hits.hits().len(), 1);
        assert!(child.signals.borrow().is_empty(), "nothing was signalled");
    }

    #[test]
    fn an_interrupt_is_forwarded_and_remembered() {
        let (tx, rx) = channel();
        let mut child = FakeChild::new();
        tx.send(Message::Signal(INT)).unwrap();
        let w = watch(&mut child, &rx, &StillDisk, limits(Duration::from_secs(60), true), &mut |_, _| {}, &mut quiet());
        assert_eq!(w.stopped, Some(StopReason::Interrupt(INT)));
        assert_eq!(child.signals.borrow()[0], INT);
        assert_eq!(*child.signals.borrow().last().unwrap(), KILL, "nothing of the tree may outlive it");
    }

    #[test]
    fn ctrl_c_typed_at_the_pty_is_the_users_interrupt_and_not_sent_twice() {
        // The pty's line discipline already gave the child SIGINT; the child dies of it.
        let (tx, rx) = channel();
        let mut child = FakeChild::new();
        child.exit_after = Some(Instant::now() + Duration::from_millis(100));
        child.exit_with = killed_by(INT);
        tx.send(Message::Process(Notice::Typed(INT))).unwrap();
        let w = watch(&mut child, &rx, &StillDisk, limits(Duration::from_secs(60), true), &mut |_, _| {}, &mut quiet());
        assert_eq!(w.stopped, Some(StopReason::Interrupt(INT)), "never retried");
        assert_eq!(*child.signals.borrow(), vec![KILL], "no second SIGINT on top of the typed one");
    }

    #[test]
    fn ctrl_c_queued_behind_the_last_output_when_the_child_dies_is_still_the_users() {
        // The child died of the typed Ctrl-C before the loop read its notice: the exit is seen
        // first, with the notice still queued behind a line of output.
        let (tx, rx) = channel();
        let mut child = FakeChild::new();
        child.exit_after = Some(Instant::now());
        child.exit_with = killed_by(INT);
        tx.send(Message::Hits(Vec::new())).unwrap();
        tx.send(Message::Process(Notice::Typed(INT))).unwrap();
        let w = watch(&mut child, &rx, &StillDisk, limits(Duration::from_secs(60), true), &mut |_, _| {}, &mut quiet());
        assert_eq!(w.stopped, Some(StopReason::Interrupt(INT)), "never retried");
    }

    #[test]
    fn a_child_with_the_terminal_dying_of_sigint_was_interrupted_by_the_user() {
        let (_tx, rx) = channel();
        let mut child = FakeChild::new();
        child.had_terminal = true;
        child.exit_after = Some(Instant::now() + Duration::from_millis(50));
        child.exit_with = killed_by(INT);
        let w = watch(&mut child, &rx, &StillDisk, limits(Duration::from_secs(60), true), &mut |_, _| {}, &mut quiet());
        assert_eq!(w.stopped, Some(StopReason::Interrupt(INT)));
    }

    #[test]
    fn a_consumer_going_away_stops_the_child_as_a_pipeline_would() {
        let (tx, rx) = channel();
        let mut child = FakeChild::new();
        child.dies_on = vec![PIPE];
        tx.send(Message::Process(Notice::Undelivered(StreamId::Stdout, Undelivered::Closed))).unwrap();
        let w = watch(&mut child, &rx, &StillDisk, limits(Duration::from_secs(60), true), &mut |_, _| {}, &mut quiet());
        assert_eq!(w.stopped, Some(StopReason::Output));
        assert_eq!(w.undelivered, Some((StreamId::Stdout, Undelivered::Closed)));
        assert_eq!(child.signals.borrow()[0], PIPE, "SIGPIPE to the group, as a pipeline's writer gets");
    }

    #[test]
    fn time_stopped_counts_neither_against_the_deadline_nor_as_a_stall() {
        // Ctrl-Z at 0 ms, `fg` 1200 ms later (the disk is polled, still, at 1000 ms); the deadline
        // is 250 ms and the stall timeout 1000 ms of running time; the child exits by itself at
        // 1400 ms, after 200 ms of running time.
        let (tx, rx) = channel();
        let mut child = FakeChild::new();
        child.stays_stopped = Duration::from_millis(1200);
        child.exit_after = Some(Instant::now() + Duration::from_millis(1400));
        let mut l = limits(Duration::from_millis(1000), true);
        l.deadline = Some(Instant::now() + Duration::from_millis(250));
        tx.send(Message::Signal(TSTP)).unwrap();
        let w = watch(&mut child, &rx, &StillDisk, l, &mut |_, _| {}, &mut quiet());
        assert_eq!(w.stopped, None, "stopped time was counted");
        assert!(w.paused >= Duration::from_millis(1200), "{:?}", w.paused);
        assert_eq!(*child.signals.borrow(), vec![TSTP, CONT], "the child's group stopped and continued with hfwrap");
    }

    #[test]
    fn silence_on_a_watched_download_is_a_stall_but_progress_is_not() {
        let (_tx, rx) = channel();
        let mut child = FakeChild::new();
        let w =
            watch(&mut child, &rx, &StillDisk, limits(Duration::from_millis(10), true), &mut |_, _| {}, &mut quiet());
        assert_eq!(w.stopped, Some(StopReason::Stall));

        // The same silence on a command that is not downloading is not a stall.
        let mut child = FakeChild::new();
        child.exit_after = Some(Instant::now() + Duration::from_millis(1300));
        let w =
            watch(&mut child, &rx, &StillDisk, limits(Duration::from_millis(10), false), &mut |_, _| {}, &mut quiet());
        assert_eq!(w.stopped, None);

        // Bytes read by the child count as progress.
        let mut child = FakeChild::new();
        child.grows = true;
        child.exit_after = Some(Instant::now() + Duration::from_millis(2200));
        let w =
            watch(&mut child, &rx, &StillDisk, limits(Duration::from_millis(900), true), &mut |_, _| {}, &mut quiet());
        assert_eq!(w.stopped, None);
    }

    #[test]
    fn the_deadline_stops_the_child() {
        let (_tx, rx) = channel();
        let mut child = FakeChild::new();
        let mut l = limits(Duration::from_secs(60), true);
        l.deadline = Some(Instant::now() + Duration::from_millis(30));
        let w = watch(&mut child, &rx, &StillDisk, l, &mut |_, _| {}, &mut quiet());
        assert_eq!(w.stopped, Some(StopReason::MaxTime));
    }
}
