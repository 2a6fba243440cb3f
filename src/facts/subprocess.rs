//! Running a short probe (`git --version`, a Python one-liner) to learn a fact, with a deadline.
//!
//! One helper for every probe hfwrap starts: stdin is closed, stdout and stderr are read by two
//! threads at once (so neither pipe can fill up and block the child), each kept up to
//! [`CAPTURE_LIMIT`] bytes, and the wait is bounded: on timeout the child's whole process group
//! is killed. The waiting is `wait-timeout`'s (which, on first use, installs a process-wide
//! SIGCHLD handler that chains to any previous one, with `SA_RESTART`).

use std::io::Read;
#[cfg(unix)]
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wait_timeout::ChildExt;

/// Bytes kept of each of stdout and stderr; the rest is read and dropped.
pub const CAPTURE_LIMIT: usize = 1 << 20;
/// After the child exits, how long its output may still take to arrive (a grandchild may hold the pipes).
const DRAIN_GRACE: Duration = Duration::from_millis(500);

/// What a probe printed and how it ended.
#[derive(Debug, Clone)]
pub struct Output {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Output {
    /// The exit code; `None` when a signal ended it.
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

#[derive(Debug)]
pub enum Error {
    /// It could not be started (not found, not executable…).
    Spawn(std::io::Error),
    /// It was still running at the deadline and was killed.
    TimedOut(Duration),
    /// Waiting for it failed.
    Wait(std::io::Error),
    /// The caller called it off (a signal came) and it was killed.
    Cancelled,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Spawn(e) => write!(f, "could not start it ({e})"),
            Error::TimedOut(t) => write!(f, "still running after {} s, killed", t.as_secs_f64()),
            Error::Wait(e) => write!(f, "waiting for it failed ({e})"),
            Error::Cancelled => f.write_str("called off, killed"),
        }
    }
}

impl std::error::Error for Error {}

/// A pipe being read on its own thread into a shared buffer.
struct Reader {
    buf: Arc<Mutex<Vec<u8>>>,
    done: mpsc::Receiver<()>,
}

impl Reader {
    fn start(mut pipe: impl Read + Send + 'static) -> Reader {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let (tx, done) = mpsc::channel();
        let shared = Arc::clone(&buf);
        std::thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            loop {
                match pipe.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => {
                        let mut b = shared.lock().unwrap_or_else(|e| e.into_inner());
                        let room = CAPTURE_LIMIT.saturating_sub(b.len());
                        b.extend_from_slice(&chunk[..n.min(room)]);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            let _ = tx.send(());
        });
        Reader { buf, done }
    }

    /// What was read by `until` (or by end of file, if sooner).
    fn finish(self, until: Instant) -> Vec<u8> {
        let _ = self.done.recv_timeout(until.saturating_duration_since(Instant::now()));
        let b = self.buf.lock().unwrap_or_else(|e| e.into_inner());
        b.clone()
    }
}

/// Spawn, retrying briefly on ETXTBSY: a script that was just written can be "busy" while another
/// thread's fork still holds its write descriptor open (it closes at that child's exec).
fn spawn(cmd: &mut Command) -> std::io::Result<std::process::Child> {
    let mut pause = Duration::from_millis(5);
    loop {
        match cmd.spawn() {
            Err(e) if text_busy(&e) && pause < Duration::from_millis(200) => {
                std::thread::sleep(pause);
                pause *= 2;
            }
            r => return r,
        }
    }
}

#[cfg(unix)]
fn text_busy(e: &std::io::Error) -> bool {
    e.raw_os_error() == Some(libc::ETXTBSY)
}

#[cfg(not(unix))]
fn text_busy(_e: &std::io::Error) -> bool {
    false
}

#[cfg(unix)]
fn kill_group(pgid: u32) {
    if let Ok(pgid) = i32::try_from(pgid) {
        // SAFETY: kill(2) on the process group of a child this module started (it leads the group).
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
    }
}

/// Windows has no process groups to kill: the caller kills the child itself.
#[cfg(not(unix))]
fn kill_group(_pgid: u32) {}

/// Run `cmd` (its program, arguments and environment as the caller set them) in a process group
/// of its own, with stdin closed, for at most `timeout`.
pub fn run(cmd: &mut Command, timeout: Duration) -> Result<Output, Error> {
    run_with(cmd, timeout, None, &|| false)
}

/// How often [`run_with`] asks whether the run is called off.
const CANCEL_POLL: Duration = Duration::from_millis(50);

/// [`run`], with `input` written to its stdin (then closed; a secret goes there rather than into
/// argv), and called off as soon as `cancel` says so (asked every 50 ms): a probe the user
/// interrupts must not keep hfwrap waiting.
pub fn run_with(
    cmd: &mut Command,
    timeout: Duration,
    input: Option<&[u8]>,
    cancel: &dyn Fn() -> bool,
) -> Result<Output, Error> {
    let stdin = if input.is_some() { Stdio::piped() } else { Stdio::null() };
    cmd.stdin(stdin).stdout(Stdio::piped()).stderr(Stdio::piped());
    #[cfg(unix)]
    cmd.process_group(0);
    let mut child = spawn(cmd).map_err(Error::Spawn)?;
    let pid = child.id();
    if let (Some(mut pipe), Some(bytes)) = (child.stdin.take(), input) {
        let bytes = bytes.to_vec();
        // On a thread: a child that does not read must not block hfwrap on a full pipe.
        std::thread::spawn(move || {
            use std::io::Write;
            let _ = pipe.write_all(&bytes);
        });
    }
    let out = child.stdout.take().map(Reader::start);
    let err = child.stderr.take().map(Reader::start);
    let deadline = Instant::now() + timeout;
    let waited = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match child.wait_timeout(left.min(CANCEL_POLL)) {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if cancel() => break Err(Error::Cancelled),
            Ok(None) if left.is_zero() => break Err(Error::TimedOut(timeout)),
            Ok(None) => {}
            Err(e) => break Err(Error::Wait(e)),
        }
    };
    let status = match waited {
        Ok(status) => status,
        Err(e) => {
            // Not reaped yet, so its pid (the group's id) cannot have been reused.
            kill_group(pid);
            let _ = child.kill();
            let _ = child.wait();
            return Err(e);
        }
    };
    // The child is gone; what it printed is in the pipes, unless something it started in the
    // background still holds them: then take what came within the grace period.
    let until = Instant::now() + DRAIN_GRACE;
    let stdout = out.map(|r| r.finish(until)).unwrap_or_default();
    let stderr = err.map(|r| r.finish(until)).unwrap_or_default();
    Ok(Output { status, stdout, stderr })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut c = Command::new("/bin/sh");
        c.arg("-c").arg(script);
        c
    }

    #[test]
    fn captures_both_streams_and_the_code() {
        let o = run(&mut sh("echo out; echo err >&2; exit 3"), Duration::from_secs(10)).unwrap();
        assert_eq!(o.code(), Some(3));
        assert_eq!(o.stdout_text(), "out\n");
        assert_eq!(o.stderr, b"err\n");
    }

    #[test]
    fn reads_both_pipes_at_once() {
        // More than a pipe buffer on stderr before anything on stdout: a sequential reader would deadlock.
        let o = run(&mut sh("head -c 300000 /dev/zero >&2; echo done"), Duration::from_secs(20)).unwrap();
        assert_eq!(o.stderr.len(), 300_000);
        assert_eq!(o.stdout_text(), "done\n");
    }

    #[test]
    fn kills_the_group_on_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("survived");
        let script = format!("(sleep 2; touch '{}') & sleep 30", marker.display());
        let start = Instant::now();
        match run(&mut sh(&script), Duration::from_millis(300)) {
            Err(Error::TimedOut(_)) => {}
            other => panic!("{other:?}"),
        }
        assert!(start.elapsed() < Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(2500));
        assert!(!marker.exists(), "a grandchild outlived the timeout");
    }

    #[test]
    fn a_grandchild_holding_the_pipes_does_not_block() {
        let start = Instant::now();
        let o = run(&mut sh("echo hi; sleep 3 & exit 0"), Duration::from_secs(10)).unwrap();
        assert_eq!(o.code(), Some(0));
        assert_eq!(o.stdout_text(), "hi\n");
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn output_is_bounded() {
        let o = run(&mut sh("head -c 3000000 /dev/zero"), Duration::from_secs(20)).unwrap();
        assert_eq!(o.stdout.len(), CAPTURE_LIMIT);
    }

    #[test]
    fn input_reaches_stdin_and_a_cancel_kills_at_once() {
        let o = run_with(&mut sh("read x; echo \"got $x\""), Duration::from_secs(10), Some(b"secret\n"), &|| false)
            .unwrap();
        assert_eq!(o.stdout_text(), "got secret\n");
        let start = Instant::now();
        let asked = std::sync::atomic::AtomicU32::new(0);
        let cancel = || asked.fetch_add(1, std::sync::atomic::Ordering::Relaxed) >= 3;
        match run_with(&mut sh("sleep 30"), Duration::from_secs(20), None, &cancel) {
            Err(Error::Cancelled) => {}
            other => panic!("{other:?}"),
        }
        assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());
    }

    #[test]
    fn a_missing_program_is_a_spawn_error() {
        let r = run(&mut Command::new("/definitely/not/here"), Duration::from_secs(1));
        assert!(matches!(r, Err(Error::Spawn(_))));
    }
}
