//! Spawning the child and teeing its output, on every platform.
//!
//! The child runs in a process group of its own (a session of its own with a pty; a Job Object on
//! Windows), so hfwrap can signal the whole tree it starts and leave nothing behind. Both streams
//! are read concurrently so the child never blocks on a full pipe. After the child exits, the wait
//! for end-of-file is bounded only for a stream held open by another process: a grandchild holding
//! the pipe must not hang hfwrap.
//!
//! The platform code sits behind `cfg`: `unix.rs` (process groups, job control, the pty and the
//! terminal in `pty.rs` / `terminal.rs`), with `linux.rs` for what only Linux has (subreaper,
//! parent-death signal, `/proc`, pipe sizes) and `macos.rs` for its fallbacks; `windows.rs` (pipes,
//! a Job Object, console control events). The one [`Session`] of a run owns what outlives an
//! attempt: the terminal's saved settings, the stdin forwarder, the subreaper.

pub mod output;
pub mod signals;
pub mod tee;
pub mod trail;

#[cfg(target_os = "linux")]
mod linux;
#[cfg(all(unix, not(target_os = "linux")))]
mod macos;
#[cfg(unix)]
mod pty;
#[cfg(unix)]
mod terminal;
#[cfg(unix)]
mod unix;
#[cfg(windows)]
mod windows;

#[cfg(unix)]
use unix as sys;
#[cfg(windows)]
use windows as sys;

pub use output::Undelivered;
pub use sys::code_of;
pub use tee::{ChunkSink, Counters, StreamEnd, StreamId};

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io;
use std::process::ExitStatus;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the runner tells its owner as it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    StreamClosed(StreamId),
    /// The child may have exited or stopped (SIGCHLD; Windows: its handle was signalled). Not
    /// reaped: `Running::try_exit` collects an exit, `Running::try_stop` a stop.
    ChildChanged,
    /// The user typed the key for this signal at the child's pty (Ctrl-C, Ctrl-\, Ctrl-Z); the
    /// pty already delivered it to the child's foreground job.
    Typed(i32),
    /// The child's output could not be given to the user; its stream is closed.
    Undelivered(StreamId, Undelivered),
}

/// How the runner reaches its owner (the supervisor's channel, say) from its threads.
pub type Notify = Arc<dyn Fn(Notice) + Send + Sync>;

/// The child's complete environment, sorted.
pub type Env = BTreeMap<OsString, OsString>;

/// What to run and how.
#[derive(Debug, Clone)]
pub struct Spec {
    pub program: OsString,
    pub args: Vec<OsString>,
    /// The child's complete environment.
    pub env: Env,
    pub pty: bool,
}

/// What became of a child that stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// It wanted the terminal and now has its foreground.
    HandedOver,
    /// It wants the terminal but hfwrap cannot give it (hfwrap is not in the foreground, or has
    /// no terminal): it stays stopped, and the user is told.
    NeedsTerminal,
    /// Ctrl-Z at the child's terminal: hfwrap stopped too, for this long.
    Suspended(Duration),
    /// Nothing to do (hfwrap stopped it itself, or someone sent SIGSTOP).
    Ignored,
}

/// Each stream of a spawned child: which, its reading end, and where the user's copy goes.
type Streams = Vec<(StreamId, std::fs::File, output::UserStream)>;

#[derive(Debug)]
pub enum SpawnError {
    NotFound,
    NotExecutable(io::Error),
    Other(io::Error),
}

/// Call first thing, before any file is opened: a closed stdin, stdout or stderr is plugged (so
/// nothing else takes its number) and remembered (writing there is an error).
pub fn plug_std_fds() {
    #[cfg(unix)]
    unix::plug_std_fds();
}

/// For a constructor that runs before std's start-up (which plugs closed standard descriptors
/// with `/dev/null` itself): note which were closed. See `main.rs`.
pub fn probe_std_fds() {
    #[cfg(unix)]
    unix::probe_std_fds();
}

/// Apply only what differs from hfwrap's own environment.
#[cfg(windows)]
fn apply_env(cmd: &mut std::process::Command, env: &Env) {
    let own: BTreeMap<OsString, OsString> = std::env::vars_os().collect();
    for name in own.keys().filter(|k| !env.contains_key(*k)) {
        cmd.env_remove(name);
    }
    for (k, v) in env.iter().filter(|(k, v)| own.get(*k) != Some(*v)) {
        cmd.env(k, v);
    }
}

/// What outlives one attempt: the terminal, the one stdin forwarder, the subreaper.
/// Dropping it puts the terminal back as it was.
pub struct Session {
    sys: sys::Session,
}

impl Session {
    pub fn start() -> Session {
        Session { sys: sys::Session::start() }
    }

    /// Start the child with its output teed; each stream's chunks also go to the sink `sinks` makes for it.
    pub fn spawn(
        &self,
        spec: &Spec,
        sinks: &mut dyn FnMut(StreamId) -> Box<dyn ChunkSink>,
        notify: Notify,
    ) -> Result<Running, SpawnError> {
        let (child, streams) = self.sys.spawn(spec, notify.clone())?;
        let started = Instant::now();
        let counters = Arc::new(Counters::default());
        let (ended, ends) = std::sync::mpsc::channel();
        let mut running = Running { child, readers: 0, ends, counters: counters.clone(), started };
        for (stream, source, user) in streams {
            let on_close = notify.clone();
            let on_undelivered = notify.clone();
            tee::Reader {
                stream,
                source,
                user,
                sink: sinks(stream),
                counters: counters.clone(),
                on_undelivered: Box::new(move |s, why| on_undelivered(Notice::Undelivered(s, why.clone()))),
                on_close: Box::new(move |s| on_close(Notice::StreamClosed(s))),
            }
            .spawn(ended.clone())
            .map_err(SpawnError::Other)?;
            running.readers += 1;
        }
        Ok(running)
    }
}

/// A running child and its tee threads.
pub struct Running {
    child: sys::Child,
    /// Reader threads started; each sends its [`StreamEnd`] on `ends` as its stream ends.
    readers: usize,
    ends: std::sync::mpsc::Receiver<StreamEnd>,
    pub counters: Arc<Counters>,
    pub started: Instant,
}

/// How the child ended.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    /// The child's exit code, or 128+N for death by signal N.
    pub code: i32,
    /// Recent output of each stream, raw (for the report).
    pub tails: Vec<(StreamId, Vec<u8>)>,
    pub duration: Duration,
    /// The child's stdout (or pty) ended in the middle of a line.
    pub stdout_ends_mid_line: bool,
    /// Every reader of the attempt reached the end of its stream: nothing the attempt started
    /// can still write to hfwrap's output through it.
    pub streams_closed: bool,
    /// A stream whose output could not be given to the user, and why.
    pub undelivered: Option<(StreamId, Undelivered)>,
    /// Bytes the matcher never saw (it fell behind a flood; see `trail`).
    pub unmatched: u64,
}

/// Grace after the child's exit for its streams to reach end-of-file.
const EOF_GRACE: Duration = Duration::from_millis(1500);
/// How long every reader must sit blocked in `read`, with no byte arriving, before its stream
/// counts as held open by another process (rather than being slow to pass bytes on).
const IDLE_CONFIRM: Duration = Duration::from_millis(50);

impl Running {
    pub fn pid(&self) -> u32 {
        self.child.pid()
    }

    /// Signal the child's whole process group (`signals::INT`, `TERM`, `KILL`, …).
    pub fn signal(&self, sig: i32) {
        self.child.signal(sig);
    }

    pub fn try_exit(&mut self) -> Option<ExitStatus> {
        self.child.try_exit()
    }

    /// The signal that stopped the child since the last look (SIGTTIN: it reads a terminal it
    /// does not own), if it stopped.
    pub fn try_stop(&mut self) -> Option<i32> {
        self.child.try_stop()
    }

    /// Forward hfwrap's terminal size to the child's pty.
    pub fn resize(&self) {
        self.child.resize();
    }

    /// Bytes the child's processes have read so far (sockets included), where the OS tells.
    pub fn bytes_read(&self) -> u64 {
        self.child.bytes_read()
    }

    /// Ctrl-Z: stop the child and hfwrap together; the time stopped.
    pub fn suspend(&mut self, already_stopped: bool) -> Duration {
        self.child.suspend(already_stopped)
    }

    /// The child was stopped by `sig`: hand it the terminal, follow a Ctrl-Z, or say it is stuck.
    pub fn stopped(&mut self, sig: i32) -> Stopped {
        self.child.stopped(sig)
    }

    /// hfwrap was continued (SIGCONT): continue the child, and take up the terminal again.
    pub fn continued(&mut self) -> Stopped {
        self.child.continued()
    }

    /// Whether the child had the terminal's foreground (a Ctrl-C then reached it, not hfwrap).
    pub fn had_terminal(&self) -> bool {
        self.child.had_terminal()
    }

    /// Whether a reader is passing bytes on right now (perhaps blocked on a slow consumer).
    pub fn delivering(&self) -> bool {
        self.counters.busy.load(Ordering::SeqCst) > 0
    }

    /// After the child exited: let the streams drain, stop whatever of its tree outlived it, and
    /// collect the tails.
    ///
    /// Only a stream held open by another process is bounded: a reader still passing bytes on (to
    /// a slow consumer downstream, `hfwrap … | less`) or matching them is waited for, so no byte
    /// the child wrote is dropped, no hit is lost, and nothing is signalled just because hfwrap is
    /// slow. When hfwrap itself stopped the attempt (`abandon`: Ctrl-C, `--max-time`, a stall),
    /// a reader blocked on a consumer that does not read is not waited for either.
    pub fn finish(mut self, status: ExitStatus, abandon: bool) -> Finished {
        let duration = self.started.elapsed();
        self.child.release();
        let mut deadline = Instant::now() + EOF_GRACE;
        let mut step = 0;
        // Since when every reader has sat in `read` with no byte arriving, and the byte count then.
        let mut idle: Option<(Instant, u64)> = None;
        let mut nap = Duration::from_micros(50);
        let mut ended: Vec<StreamEnd> = Vec::new();
        while ended.len() < self.readers {
            let now = Instant::now();
            let bytes = self.counters.bytes.load(Ordering::SeqCst);
            if self.delivering() || idle.is_some_and(|(_, b)| b != bytes) {
                idle = None;
            } else if idle.is_none() {
                idle = Some((now, bytes));
            }
            let held_open = idle.is_some_and(|(since, _)| now.duration_since(since) >= IDLE_CONFIRM);
            if now >= deadline && (held_open || abandon) {
                // Something of the tree still holds the stream: stop it, then give up on the stream.
                match step {
                    0 => self.child.kill_leftovers(signals::TERM),
                    1 => self.child.kill_leftovers(signals::KILL),
                    _ => break,
                }
                step += 1;
                deadline = Instant::now() + Duration::from_millis(500);
            }
            // Woken by the stream that ends, or after `nap` to look at the counters again.
            if let Ok(end) = self.ends.recv_timeout(nap) {
                ended.push(end);
            }
            nap = (nap * 2).min(Duration::from_millis(5));
        }
        // Nothing of the attempt outlives it: helpers that hold no stream (a daemon in a session
        // of its own) are found too, where the OS lets hfwrap find them (a subreaper on Linux).
        self.child.kill_leftovers(signals::KILL);
        let mut tails = Vec::new();
        let mut stdout_ends_mid_line = false;
        ended.extend(self.ends.try_iter());
        // A reader still blocked on a stream held open is left behind (it ends with hfwrap).
        let streams_closed = ended.len() == self.readers;
        let mut undelivered = None;
        for end in ended {
            stdout_ends_mid_line |= end.stream != StreamId::Stderr && end.ends_mid_line;
            if let Some(why) = end.undelivered {
                undelivered.get_or_insert((end.stream, why));
            }
            tails.push((end.stream, end.tail));
        }
        let unmatched = self.counters.unmatched.load(Ordering::Relaxed);
        Finished {
            code: code_of(status),
            status,
            tails,
            duration,
            stdout_ends_mid_line,
            streams_closed,
            undelivered,
            unmatched,
        }
    }
}

/// Whether a standard stream (0, 1, 2) is a terminal.
pub fn is_tty(fd: i32) -> bool {
    use std::io::IsTerminal;
    match fd {
        0 => io::stdin().is_terminal(),
        1 => io::stdout().is_terminal(),
        2 => io::stderr().is_terminal(),
        _ => false,
    }
}

/// Stop hfwrap itself as Ctrl-Z stops a job (between attempts: there is no child to stop with it).
pub fn stop_self() {
    #[cfg(unix)]
    let _ = rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::STOP);
}
