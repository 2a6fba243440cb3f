//! Spawning the child and teeing its output.
//!
//! The child runs in a process group of its own (a session of its own with a
//! pty), so hfwrap can signal the whole tree it starts (`python` → worker
//! processes, `git` → `git-remote-https` → `git-lfs`) and leave nothing
//! behind. Both streams are read concurrently so the child never blocks on a
//! full pipe. After the child exits, the wait for end-of-file is bounded: a
//! grandchild holding the pipe open must not hang hfwrap.

pub mod pty;
pub mod signals;
pub mod tee;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::File;
use std::io;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
pub use tee::{ChunkSink, Counters, StreamEnd, StreamId};

/// What the runner tells its owner as it happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    StreamClosed(StreamId),
    /// The child has exited (not yet reaped: `Running::try_exit` collects it).
    ChildExited,
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

#[derive(Debug)]
pub enum SpawnError {
    NotFound,
    NotExecutable(io::Error),
    Other(io::Error),
}

/// A running child and its tee threads.
pub struct Running {
    child: std::process::Child,
    readers: Vec<JoinHandle<StreamEnd>>,
    pty_master: Option<File>,
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
}

/// Grace after the child's exit for its streams to reach end-of-file.
const EOF_GRACE: Duration = Duration::from_millis(1500);
/// How long every reader must sit blocked in `read`, with no byte arriving, before its stream
/// counts as held open by another process (rather than being slow to pass bytes on).
const IDLE_CONFIRM: Duration = Duration::from_millis(50);

/// A close-on-exec duplicate of hfwrap's fd 1 or 2 for a tee thread. (A plain `dup` would leak
/// into every child spawned while it is open — e.g. the next attempt, while a reader of the
/// previous one is still held open by a stray grandchild — and a daemon of that child would then
/// keep `$(hfwrap …)` waiting after hfwrap exits.)
fn dup_cloexec(fd: i32) -> File {
    // SAFETY: fds 1 and 2 stay open for the life of the process; F_DUPFD_CLOEXEC returns a new fd we own.
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    assert!(new >= 0, "cannot duplicate fd {fd}: {}", io::Error::last_os_error());
    // SAFETY: `new` is a fresh descriptor owned by nobody else.
    unsafe { File::from_raw_fd(new) }
}

fn stdout_file() -> File {
    dup_cloexec(1)
}

fn stderr_file() -> File {
    dup_cloexec(2)
}

/// Start the child with its output teed; each stream's chunks also go to the sink `sinks` makes for it.
pub fn spawn(
    spec: &Spec,
    sinks: &mut dyn FnMut(StreamId) -> Box<dyn ChunkSink>,
    notify: Notify,
) -> Result<Running, SpawnError> {
    let mut cmd = Command::new(&spec.program);
    cmd.args(&spec.args);
    // Apply only what differs from hfwrap's own environment: leaving PATH untouched lets std
    // use posix_spawn (vfork) instead of fork+exec, which is most of a wrapper's start-up cost.
    let own: std::collections::BTreeMap<OsString, OsString> = std::env::vars_os().collect();
    for name in own.keys().filter(|k| !spec.env.contains_key(*k)) {
        cmd.env_remove(name);
    }
    for (k, v) in spec.env.iter().filter(|(k, v)| own.get(*k) != Some(*v)) {
        cmd.env(k, v);
    }
    let counters = Arc::new(Counters::default());
    let mut reader = |stream, source: File, user: File| {
        let notify = notify.clone();
        tee::Reader {
            stream,
            source,
            user,
            sink: sinks(stream),
            counters: counters.clone(),
            on_close: Box::new(move |s| notify(Notice::StreamClosed(s))),
        }
        .spawn()
        .map_err(SpawnError::Other)
    };

    if spec.pty {
        let p = pty::open().map_err(SpawnError::Other)?;
        let slave = p.slave;
        let dup = |fd: &OwnedFd| fd.try_clone().map_err(SpawnError::Other);
        cmd.stdin(Stdio::from(dup(&slave)?)).stdout(Stdio::from(dup(&slave)?)).stderr(Stdio::from(dup(&slave)?));
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 {
                    return Err(io::Error::last_os_error());
                }
                libc::ioctl(0, libc::TIOCSCTTY as _, 0);
                Ok(())
            });
        }
        let child = cmd.spawn().map_err(classify)?;
        notify_exit(child.id(), notify.clone());
        drop(slave);
        let master = File::from(p.master);
        let source = master.try_clone().map_err(SpawnError::Other)?;
        let readers = vec![reader(StreamId::Pty, source, stdout_file())?];
        forward_stdin(master.try_clone().map_err(SpawnError::Other)?);
        return Ok(Running { child, readers, pty_master: Some(master), counters, started: Instant::now() });
    }

    cmd.stdin(Stdio::inherit()).stdout(Stdio::piped()).stderr(Stdio::piped()).process_group(0);
    let mut child = cmd.spawn().map_err(classify)?;
    notify_exit(child.id(), notify.clone());
    let out = File::from(OwnedFd::from(child.stdout.take().expect("piped stdout")));
    let err = File::from(OwnedFd::from(child.stderr.take().expect("piped stderr")));
    for f in [&out, &err] {
        // A larger pipe means fewer hand-offs between the child and the tee (best effort).
        use std::os::fd::AsRawFd;
        // SAFETY: F_SETPIPE_SZ on a pipe we own; failure is harmless.
        unsafe { libc::fcntl(f.as_raw_fd(), libc::F_SETPIPE_SZ, 1 << 20) };
    }
    let readers = vec![reader(StreamId::Stdout, out, stdout_file())?, reader(StreamId::Stderr, err, stderr_file())?];
    Ok(Running { child, readers, pty_master: None, counters, started: Instant::now() })
}

/// Wake the decision loop the moment the child exits, without reaping it
/// (`waitid` with `WNOWAIT`), so exit is noticed at once rather than at the next tick.
fn notify_exit(pid: u32, notify: Notify) {
    let _ = std::thread::Builder::new().name("hfwrap-wait".into()).spawn(move || {
        // SAFETY: waitid writes into a zeroed siginfo_t we own; WNOWAIT leaves the child to be reaped by std.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        loop {
            let rc = unsafe { libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, libc::WEXITED | libc::WNOWAIT) };
            if rc == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                break;
            }
        }
        notify(Notice::ChildExited);
    });
}

fn classify(e: io::Error) -> SpawnError {
    match e.kind() {
        io::ErrorKind::NotFound => SpawnError::NotFound,
        io::ErrorKind::PermissionDenied => SpawnError::NotExecutable(e),
        _ if e.raw_os_error() == Some(libc::ENOEXEC) || e.raw_os_error() == Some(libc::EISDIR) => {
            SpawnError::NotExecutable(e)
        }
        _ => SpawnError::Other(e),
    }
}

/// Keystrokes typed to hfwrap go to the child's terminal (a prompt still works).
fn forward_stdin(mut master: File) {
    let _ = std::thread::Builder::new().name("hfwrap-stdin".into()).spawn(move || {
        use std::io::{Read, Write};
        let mut buf = [0u8; 4096];
        let mut stdin = io::stdin();
        while let Ok(n) = stdin.read(&mut buf) {
            if n == 0 || master.write_all(&buf[..n]).is_err() {
                break;
            }
        }
    });
}

impl Running {
    /// The child's pid, which is also its process group id.
    pub fn pgid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Signal the child's whole process group.
    pub fn signal(&self, sig: i32) {
        signals::signal_group(self.pgid(), sig);
    }

    pub fn try_exit(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    pub fn resize(&self) {
        if let Some(m) = &self.pty_master {
            pty::resize(m);
        }
    }

    /// After the child exited: let the streams drain, clean up whatever of
    /// its group outlived it and holds a stream open, and collect the tails.
    ///
    /// Only a stream held open by another process is bounded: a reader still
    /// passing bytes on (to a slow consumer downstream, `hfwrap … | less`) or
    /// matching them is waited for, so no byte the child wrote is dropped, no
    /// hit is lost, and nothing is signalled just because hfwrap is slow.
    pub fn finish(mut self, status: ExitStatus) -> Finished {
        let duration = self.started.elapsed();
        let pgid = self.pgid();
        let mut deadline = Instant::now() + EOF_GRACE;
        let mut step = 0;
        // Since when every reader has sat in `read` with no byte arriving, and the byte count then.
        let mut idle: Option<(Instant, u64)> = None;
        // A pty's reader only sees EOF once every holder of the slave is gone; ours is closed already.
        drop(self.pty_master.take());
        let mut nap = Duration::from_micros(50);
        while self.readers.iter().any(|r| !r.is_finished()) {
            let now = Instant::now();
            let bytes = self.counters.bytes.load(Ordering::SeqCst);
            if self.counters.busy.load(Ordering::SeqCst) > 0 || idle.is_some_and(|(_, b)| b != bytes) {
                idle = None;
            } else if idle.is_none() {
                idle = Some((now, bytes));
            }
            let held_open = idle.is_some_and(|(since, _)| now.duration_since(since) >= IDLE_CONFIRM);
            if now >= deadline && held_open {
                // A grandchild still holds the pipe: stop it, then give up on the stream.
                match step {
                    0 => signals::signal_group(pgid, libc::SIGTERM),
                    1 => signals::signal_group(pgid, libc::SIGKILL),
                    _ => break,
                }
                step += 1;
                deadline = Instant::now() + Duration::from_millis(500);
            }
            std::thread::sleep(nap);
            nap = (nap * 2).min(Duration::from_millis(5));
        }
        let mut tails = Vec::new();
        let mut stdout_ends_mid_line = false;
        for r in self.readers.drain(..) {
            if r.is_finished() {
                if let Ok(end) = r.join() {
                    stdout_ends_mid_line |= end.stream != StreamId::Stderr && end.ends_mid_line;
                    tails.push((end.stream, end.tail));
                }
            }
        }
        Finished { code: code_of(status), status, tails, duration, stdout_ends_mid_line }
    }
}

/// The code a shell reports: the exit code, or 128+N for death by signal N.
pub fn code_of(status: ExitStatus) -> i32 {
    status.code().unwrap_or_else(|| crate::exit_code::from_signal(status.signal().unwrap_or(0)))
}

/// Whether a file descriptor is a terminal.
pub fn is_tty(fd: i32) -> bool {
    // SAFETY: isatty only inspects the descriptor.
    unsafe { libc::isatty(fd) == 1 }
}
