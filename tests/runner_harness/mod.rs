//! Harness for `tests/cli_runner.rs` and `tests/cli_signals.rs`: drive the built `hfwrap` binary
//! against the adversarial child programs in `tests/children/`.
//!
//! - [`Env`]: a private temp dir and a clean environment (only `PATH` and an empty `HOME`;
//!   no `HF_*`/`HFWRAP_*`/`PYTHONUNBUFFERED` inherited), handing out `hfwrap` commands.
//! - [`Run`]: a started hfwrap whose stdout/stderr are collected by threads; tests synchronise on
//!   output ([`Run::wait_for`]) and every wait has a deadline that only a hang can reach.
//! - [`alive`] / [`wait_gone`]: whether a pid still runs (zombies count as gone: pid 1 of a
//!   container may never reap orphans). [`Reaper`] kills leftover pids when a test fails.
#![allow(dead_code)]

use std::ffi::OsString;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Bound for anything that should finish promptly; reaching it means a hang.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// The binary under test: this build's, or `HFWRAP_TEST_BIN` (e.g. a release build, or a baseline
/// to show a test catches a bug).
pub fn hfwrap_bin() -> String {
    std::env::var("HFWRAP_TEST_BIN")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_hfwrap").to_string())
}

/// Absolute path of a child program in `tests/children/`.
pub fn child(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/children").join(name);
    assert!(p.exists(), "missing child program {}", p.display());
    p.to_string_lossy().into_owned()
}

pub struct Env {
    pub dir: tempfile::TempDir,
    pub vars: Vec<(OsString, OsString)>,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = dir.path().join("home");
        std::fs::create_dir(&home).unwrap();
        let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
        let vars = vec![("PATH".into(), path), ("HOME".into(), home.into_os_string())];
        Env { dir, vars }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn p(&self, name: &str) -> String {
        self.path(name).to_string_lossy().into_owned()
    }

    pub fn set(&mut self, k: &str, v: impl Into<OsString>) {
        self.vars.retain(|(n, _)| n != k);
        self.vars.push((k.into(), v.into()));
    }

    /// `hfwrap ARGS...` with a clean environment, stdin from /dev/null, cwd = the temp dir, and no
    /// file descriptor but 0, 1, 2 (as from a terminal), so the child's fds reflect hfwrap alone.
    pub fn hfwrap<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Command {
        let mut c = Command::new(hfwrap_bin());
        c.args(args).env_clear().envs(self.vars.iter().map(|(k, v)| (k, v))).current_dir(self.dir.path());
        c.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        // SAFETY: only close(2) between fork and exec.
        unsafe {
            c.pre_exec(|| {
                for fd in 3..1024 {
                    libc::close(fd);
                }
                Ok(())
            });
        }
        c
    }

    /// Number of lines in a counter file (a child appends one per run).
    pub fn runs(&self, counter: &str) -> usize {
        std::fs::read_to_string(self.path(counter)).map(|s| s.lines().count()).unwrap_or(0)
    }
}

/// A growing capture of one stream.
#[derive(Default)]
pub struct Capture {
    state: Mutex<(Vec<u8>, bool)>,
    cv: Condvar,
}

impl Capture {
    fn start(mut src: impl Read + Send + 'static) -> (Arc<Capture>, JoinHandle<()>) {
        let cap = Arc::new(Capture::default());
        let c = cap.clone();
        let h = std::thread::spawn(move || {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match src.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                c.state.lock().unwrap().0.extend_from_slice(&buf[..n]);
                c.cv.notify_all();
            }
            c.state.lock().unwrap().1 = true;
            c.cv.notify_all();
        });
        (cap, h)
    }

    pub fn bytes(&self) -> Vec<u8> {
        self.state.lock().unwrap().0.clone()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes()).into_owned()
    }

    /// Wait until `pred(bytes)` gives Some, or the stream ends, or the deadline passes.
    fn wait_until<T>(&self, deadline: Instant, mut pred: impl FnMut(&[u8]) -> Option<T>) -> Option<T> {
        let mut g = self.state.lock().unwrap();
        loop {
            if let Some(t) = pred(&g.0) {
                return Some(t);
            }
            let now = Instant::now();
            if g.1 || now >= deadline {
                return None;
            }
            g = self.cv.wait_timeout(g, deadline - now).unwrap().0;
        }
    }

    fn wait_eof(&self, deadline: Instant) -> bool {
        self.wait_until(deadline, |_| None::<()>);
        self.state.lock().unwrap().1
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Stream {
    Stdout,
    Stderr,
}

pub struct Run {
    pub child: Child,
    pub pid: i32,
    pub out: Option<Arc<Capture>>,
    pub err: Arc<Capture>,
    pub started: Instant,
}

pub struct Done {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Done {
    /// The exit code; panics (with the output) if hfwrap itself died by a signal.
    pub fn code(&self) -> i32 {
        match self.status.code() {
            Some(c) => c,
            None => panic!("hfwrap died by signal {:?}\nstderr:\n{}", self.status.signal(), self.stderr),
        }
    }

    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

impl Run {
    pub fn start(cmd: Command) -> Run {
        Run::start_with(cmd, true)
    }

    /// With `capture_stdout` false the caller takes `child.stdout` itself.
    pub fn start_with(mut cmd: Command, capture_stdout: bool) -> Run {
        let mut child = cmd.spawn().expect("spawn hfwrap");
        let pid = child.id() as i32;
        let out = if capture_stdout { Some(Capture::start(child.stdout.take().unwrap()).0) } else { None };
        let err = Capture::start(child.stderr.take().unwrap()).0;
        Run { child, pid, out, err, started: Instant::now() }
    }

    pub fn take_stdout(&mut self) -> ChildStdout {
        self.child.stdout.take().expect("stdout not captured")
    }

    fn cap(&self, s: Stream) -> &Capture {
        match s {
            Stream::Stdout => self.out.as_ref().expect("stdout not captured"),
            Stream::Stderr => &self.err,
        }
    }

    /// The first complete line of `stream` containing `needle` (synchronises on the child's output).
    pub fn wait_for(&mut self, stream: Stream, needle: &str) -> String {
        self.wait_for_within(stream, needle, DEADLINE)
    }

    pub fn wait_for_within(&mut self, stream: Stream, needle: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        let found = self.cap(stream).wait_until(deadline, |b| {
            let t = String::from_utf8_lossy(b);
            t.split_inclusive('\n').find(|l| l.contains(needle) && l.ends_with('\n')).map(|l| l.trim_end().to_string())
        });
        match found {
            Some(l) => l,
            None => {
                let _ = self.child.kill();
                panic!(
                    "no line with {needle:?} on hfwrap's {stream:?}\nstdout:\n{}\nstderr:\n{}",
                    self.out.as_ref().map(|c| c.text()).unwrap_or_default(),
                    self.err.text()
                );
            }
        }
    }

    /// Wait until `stream` contains `needle` anywhere (no newline needed: partial lines).
    pub fn wait_for_bytes(&mut self, stream: Stream, needle: &str) {
        let deadline = Instant::now() + DEADLINE;
        let n = needle.as_bytes().to_vec();
        if self.cap(stream).wait_until(deadline, |b| b.windows(n.len()).any(|w| w == n).then_some(())).is_none() {
            let _ = self.child.kill();
            panic!("{needle:?} never appeared on hfwrap's {stream:?}\nstderr:\n{}", self.err.text());
        }
    }

    pub fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    pub fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on hfwrap's own pid.
        assert_eq!(unsafe { libc::kill(self.pid, sig) }, 0, "kill({}, {sig})", self.pid);
    }

    /// Wait for hfwrap to exit (bounded) and for its output streams to end.
    pub fn wait(mut self) -> Done {
        self.wait_within(DEADLINE)
    }

    pub fn wait_within(&mut self, limit: Duration) -> Done {
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "hfwrap (pid {}) still running after {limit:?}: it hangs\nstdout:\n{}\nstderr:\n{}",
                    self.pid,
                    self.out.as_ref().map(|c| c.text()).unwrap_or_default(),
                    self.err.text()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let elapsed = self.started.elapsed();
        // hfwrap is gone: its stdout/stderr must reach EOF unless something it started still holds them.
        let eof_deadline = Instant::now() + Duration::from_secs(10);
        for (name, cap) in [("stdout", self.out.as_deref()), ("stderr", Some(&*self.err))] {
            if let Some(c) = cap {
                assert!(
                    c.wait_eof(eof_deadline),
                    "hfwrap exited but its {name} is still open: a process it started holds hfwrap's own {name}\nstderr:\n{}",
                    self.err.text()
                );
            }
        }
        Done {
            status,
            stdout: self.out.as_ref().map(|c| c.bytes()).unwrap_or_default(),
            stderr: self.err.text(),
            elapsed,
        }
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `key=value` from a line such as `READY pid=12 gc=13,14`.
pub fn field(line: &str, key: &str) -> String {
    let pre = format!("{key}=");
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(&pre))
        .unwrap_or_else(|| panic!("no {key}= in {line:?}"))
        .to_string()
}

pub fn pids(line: &str, key: &str) -> Vec<i32> {
    field(line, key).split(',').map(|p| p.parse().unwrap()).collect()
}

/// Whether `pid` is a live process (a zombie counts as dead: it runs nothing and holds no fd).
pub fn alive(pid: i32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
    let state = stat.rsplit_once(')').and_then(|(_, rest)| rest.trim_start().chars().next());
    !matches!(state, Some('Z') | Some('X') | None)
}

/// Wait (bounded) until none of `pids` is alive; returns the survivors.
pub fn wait_gone(pids: &[i32]) -> Vec<i32> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left: Vec<i32> = pids.iter().copied().filter(|&p| alive(p)).collect();
        if left.is_empty() || Instant::now() >= deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Kills the pids it holds when dropped (so a failing test leaves no process behind).
#[derive(Default)]
pub struct Reaper(pub Vec<i32>);

impl Reaper {
    pub fn add(&mut self, pids: &[i32]) {
        self.0.extend_from_slice(pids);
    }
}

impl Drop for Reaper {
    fn drop(&mut self) {
        for &p in &self.0 {
            if alive(p) {
                // SAFETY: kill(2) on a pid this test started (checked alive just now).
                unsafe { libc::kill(p, libc::SIGKILL) };
            }
        }
    }
}

/// The pids a child tree recorded in a file, one `<kind> <pid>` per line (see `stubborn.py`).
pub fn pids_in(file: &Path) -> Vec<i32> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1)?.parse().ok())
        .collect()
}

/// Peak resident set size of a process, in bytes (VmHWM of /proc/PID/status).
pub fn vm_hwm(pid: i32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read /proc status");
    let line = s.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM line");
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn touch(p: &Path) {
    std::fs::write(p, b"go\n").unwrap();
}
