//! One attempt, from spawn to exit, as a small state machine over messages.
//!
//! The loop consumes [`Message`]s (hits as they stream, the child's exit,
//! signals to hfwrap) and a 50 ms tick, over an explicit state: running, or
//! being stopped (the signals still to send and when). Everything that can
//! stop a child arrives here: the user's Ctrl-C (forwarded, escalated after a
//! grace period, never retried), the stall watchdog, `--max-time`. The child
//! is anything that implements [`Child`], so tests drive the loop with a fake.

use super::Message;
use crate::detect::Hit;
use crate::diagnose::Collector;
use crate::report::{Event, Reporters};
use std::process::ExitStatus;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Grace between the steps of stopping a child: SIGINT, SIGINT, SIGTERM, SIGKILL.
/// (A first SIGINT is absorbed by huggingface_hub's worker threads blocked on a socket.)
const STOP_GRACE: Duration = Duration::from_secs(2);
const TICK: Duration = Duration::from_millis(50);
const DISK_POLL: Duration = Duration::from_millis(1000);

/// What the loop needs of a running child.
pub trait Child {
    /// Signal the child's whole process group.
    fn signal(&self, sig: i32);
    fn try_exit(&mut self) -> Option<ExitStatus>;
    /// Forward hfwrap's terminal size (pty children).
    fn resize(&self);
    /// Bytes the child's processes have read so far (sockets included), where the OS tells.
    fn bytes_read(&self) -> u64;
    fn elapsed(&self) -> Duration;
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
    /// The user (or a supervisor) signalled hfwrap.
    Interrupt(i32),
    Stall,
    MaxTime,
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
}

/// How the attempt ended, before its streams are drained.
pub struct Watched {
    pub status: ExitStatus,
    pub stopped: Option<StopReason>,
    pub hits: Collector,
}

/// A child being stopped: the signals still to send and when.
struct Stopping {
    steps: Vec<i32>,
    next_at: Instant,
}

impl Stopping {
    fn begin(child: &dyn Child, first: i32) -> Stopping {
        child.signal(first);
        let steps = match first {
            libc::SIGINT => vec![libc::SIGINT, libc::SIGTERM, libc::SIGKILL],
            _ => vec![libc::SIGKILL],
        };
        Stopping { steps, next_at: Instant::now() + STOP_GRACE }
    }

    fn tick(&mut self, child: &dyn Child) {
        if Instant::now() >= self.next_at && !self.steps.is_empty() {
            child.signal(self.steps.remove(0));
            self.next_at = Instant::now() + STOP_GRACE;
        }
    }
}

/// Run one attempt to the child's exit, acting on signals, stalls and the deadline.
pub fn watch(
    child: &mut dyn Child,
    rx: &Receiver<Message>,
    disk: &dyn Disk,
    limits: Limits,
    out: &mut Reporters,
) -> Watched {
    let mut next_heartbeat = limits.heartbeat.map(|every| (Instant::now() + every, every));
    let mut heartbeat_bytes = 0u64;
    let mut hits = Collector::new();
    let mut stopped: Option<StopReason> = None;
    let mut stopping: Option<Stopping> = None;
    let mut last_alive = disk.bytes() + child.bytes_read();
    let mut last_progress = Instant::now();
    let mut next_disk_poll = Instant::now() + DISK_POLL;
    let status = loop {
        match rx.recv_timeout(TICK) {
            Ok(Message::Hits(new)) => {
                // The child is reporting something (its own retry, a wait): not a silent stall.
                last_progress = Instant::now();
                new.into_iter().for_each(|h: Hit| hits.push(h));
            }
            Ok(Message::Signal(libc::SIGWINCH)) => child.resize(),
            Ok(Message::Signal(sig)) => {
                if matches!(stopped, Some(StopReason::Interrupt(_))) {
                    // A second interrupt forces it.
                    child.signal(libc::SIGKILL);
                } else {
                    stopped = Some(StopReason::Interrupt(sig));
                    stopping = Some(Stopping::begin(child, sig));
                }
            }
            Ok(Message::Process(_)) | Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {}
        }
        if let Some(status) = child.try_exit() {
            break status;
        }
        if let Some(s) = stopping.as_mut() {
            s.tick(child);
            continue;
        }
        let now = Instant::now();
        if limits.deadline.is_some_and(|d| now >= d) {
            stopped = Some(StopReason::MaxTime);
            stopping = Some(Stopping::begin(child, libc::SIGINT));
            continue;
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
            out.emit(Event::Heartbeat { on_disk, per_second, elapsed: child.elapsed() });
        }
        if alive != last_alive {
            last_alive = alive;
            last_progress = now;
        } else if now.duration_since(last_progress) >= limits.stall_timeout
            && (limits.always_watched || disk.download_under_way())
        {
            out.emit(Event::Stalled { after: limits.stall_timeout });
            stopped = Some(StopReason::Stall);
            stopping = Some(Stopping::begin(child, libc::SIGINT));
        }
    };
    if stopped.is_some() {
        // hfwrap stopped this attempt: nothing of the child's tree may outlive it — workers that
        // ignore SIGINT/SIGTERM, or hold no stream open that would make the drain wait for them.
        child.signal(libc::SIGKILL);
    }
    Watched { status, stopped, hits }
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
    use std::os::unix::process::ExitStatusExt;
    use std::sync::mpsc::channel;

    /// A child that exits when told, or when it gets one of `dies_on`.
    struct FakeChild {
        signals: RefCell<Vec<i32>>,
        dies_on: Vec<i32>,
        exit_after: Option<Instant>,
        read: Cell<u64>,
        grows: bool,
        started: Instant,
    }

    impl FakeChild {
        fn new() -> FakeChild {
            FakeChild {
                signals: RefCell::new(Vec::new()),
                dies_on: vec![libc::SIGINT],
                exit_after: None,
                read: Cell::new(0),
                grows: false,
                started: Instant::now(),
            }
        }
    }

    impl Child for FakeChild {
        fn signal(&self, sig: i32) {
            self.signals.borrow_mut().push(sig);
        }
        fn try_exit(&mut self) -> Option<ExitStatus> {
            if let Some(sig) = self.signals.borrow().iter().find(|s| self.dies_on.contains(s)) {
                return Some(ExitStatus::from_raw(*sig));
            }
            self.exit_after.filter(|t| Instant::now() >= *t).map(|_| ExitStatus::from_raw(0))
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
        Limits { stall_timeout: stall, deadline: None, heartbeat: None, always_watched }
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
        let w = watch(&mut child, &rx, &StillDisk, limits(Duration::from_secs(60), true), &mut quiet());
        assert_eq!(w.status.code(), Some(0));
        assert_eq!(w.stopped, None);
        assert_eq!(w.hits.hits().len(), 1);
        assert!(child.signals.borrow().is_empty(), "nothing was signalled");
    }

    #[test]
    fn an_interrupt_is_forwarded_and_remembered() {
        let (tx, rx) = channel();
        let mut child = FakeChild::new();
        tx.send(Message::Signal(libc::SIGINT)).unwrap();
        let w = watch(&mut child, &rx, &StillDisk, limits(Duration::from_secs(60), true), &mut quiet());
        assert_eq!(w.stopped, Some(StopReason::Interrupt(libc::SIGINT)));
        assert_eq!(child.signals.borrow()[0], libc::SIGINT);
        assert_eq!(*child.signals.borrow().last().unwrap(), libc::SIGKILL, "nothing of the tree may outlive it");
    }

    #[test]
    fn silence_on_a_watched_download_is_a_stall_but_progress_is_not() {
        let (_tx, rx) = channel();
        let mut child = FakeChild::new();
        let w = watch(&mut child, &rx, &StillDisk, limits(Duration::from_millis(10), true), &mut quiet());
        assert_eq!(w.stopped, Some(StopReason::Stall));

        // The same silence on a command that is not downloading is not a stall.
        let mut child = FakeChild::new();
        child.exit_after = Some(Instant::now() + Duration::from_millis(1300));
        let w = watch(&mut child, &rx, &StillDisk, limits(Duration::from_millis(10), false), &mut quiet());
        assert_eq!(w.stopped, None);

        // Bytes read by the child count as progress.
        let mut child = FakeChild::new();
        child.grows = true;
        child.exit_after = Some(Instant::now() + Duration::from_millis(2200));
        let w = watch(&mut child, &rx, &StillDisk, limits(Duration::from_millis(900), true), &mut quiet());
        assert_eq!(w.stopped, None);
    }

    #[test]
    fn the_deadline_stops_the_child() {
        let (_tx, rx) = channel();
        let mut child = FakeChild::new();
        let mut l = limits(Duration::from_secs(60), true);
        l.deadline = Some(Instant::now() + Duration::from_millis(30));
        let w = watch(&mut child, &rx, &StillDisk, l, &mut quiet());
        assert_eq!(w.stopped, Some(StopReason::MaxTime));
    }
}
