//! A started process (usually hfwrap) whose stdout/stderr are collected by threads as they grow:
//! tests synchronise on output ([`Live::wait_for`]), never on sleeps, and every wait has a deadline
//! that only a hang can reach.

use super::DEADLINE;
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ChildStdout, Command, ExitStatus};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long a stream may stay open after the process exited before that counts as a leftover
/// process holding it.
const EOF_GRACE: Duration = Duration::from_secs(10);

/// A growing capture of one stream.
#[derive(Default)]
pub struct Capture {
    /// The bytes so far, and whether the stream has ended.
    state: Mutex<(Vec<u8>, bool)>,
    cv: Condvar,
}

impl Capture {
    /// Read `src` to its end in a thread of its own.
    pub fn start(mut src: impl Read + Send + 'static) -> Arc<Capture> {
        let cap = Arc::new(Capture::default());
        let c = cap.clone();
        std::thread::spawn(move || {
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
        cap
    }

    pub fn bytes(&self) -> Vec<u8> {
        self.state.lock().unwrap().0.clone()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes()).into_owned()
    }

    /// Wait until `pred(bytes)` gives Some, or the stream ends, or the deadline passes.
    pub fn wait_until<T>(&self, deadline: Instant, mut pred: impl FnMut(&[u8]) -> Option<T>) -> Option<T> {
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

    /// Whether the stream ended before `deadline`.
    pub fn wait_eof(&self, deadline: Instant) -> bool {
        self.wait_until(deadline, |_| None::<()>);
        self.state.lock().unwrap().1
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// A started process with its output captured.
pub struct Live {
    pub child: Child,
    pub pid: i32,
    pub out: Option<Arc<Capture>>,
    pub err: Arc<Capture>,
    pub started: Instant,
}

/// How a [`Live`] ended.
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

impl Live {
    /// Spawn `cmd` (its stdout and stderr must be piped) and capture both streams.
    pub fn start(cmd: Command) -> Live {
        Live::start_with(cmd, true)
    }

    /// With `capture_stdout` false the caller takes `child.stdout` itself.
    pub fn start_with(mut cmd: Command, capture_stdout: bool) -> Live {
        let mut child = cmd.spawn().expect("spawn hfwrap");
        let out = if capture_stdout { child.stdout.take() } else { None };
        let err = child.stderr.take().expect("stderr is piped");
        Live::attach(child, out, err)
    }

    /// Capture a spawned child's streams from readers of the caller's choosing (e.g. one pipe that
    /// carries both): `out` is what [`Stream::Stdout`] means, `err` what [`Stream::Stderr`] means.
    pub fn attach(child: Child, out: Option<impl Read + Send + 'static>, err: impl Read + Send + 'static) -> Live {
        let pid = child.id() as i32;
        let out = out.map(Capture::start);
        let err = Capture::start(err);
        Live { child, pid, out, err, started: Instant::now() }
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

    fn fail(&mut self, what: String) -> ! {
        let _ = self.child.kill();
        panic!(
            "{what}\nstdout:\n{}\nstderr:\n{}",
            self.out.as_ref().map(|c| c.text()).unwrap_or_default(),
            self.err.text()
        );
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
            None => self.fail(format!("no line with {needle:?} on hfwrap's {stream:?}")),
        }
    }

    /// Wait until `stream` holds `n` lines containing `needle` and ends with a newline.
    pub fn wait_for_lines(&mut self, stream: Stream, needle: &str, n: usize) {
        let deadline = Instant::now() + DEADLINE;
        let ok = self.cap(stream).wait_until(deadline, |b| {
            let t = String::from_utf8_lossy(b);
            (t.lines().filter(|l| l.contains(needle)).count() >= n && t.ends_with('\n')).then_some(())
        });
        if ok.is_none() {
            self.fail(format!("never saw {n} line(s) with {needle:?} on hfwrap's {stream:?}"));
        }
    }

    /// Wait until `stream` contains `needle` anywhere (no newline needed: partial lines).
    pub fn wait_for_bytes(&mut self, stream: Stream, needle: &str) {
        let deadline = Instant::now() + DEADLINE;
        let n = needle.as_bytes().to_vec();
        if self.cap(stream).wait_until(deadline, |b| b.windows(n.len()).any(|w| w == n).then_some(())).is_none() {
            self.fail(format!("{needle:?} never appeared on hfwrap's {stream:?}"));
        }
    }

    pub fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    pub fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on the pid of the process this test started.
        assert_eq!(unsafe { libc::kill(self.pid, sig) }, 0, "kill({}, {sig})", self.pid);
    }

    /// Wait for the process to exit (bounded) and for its output streams to end.
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
        // The process is gone: its stdout/stderr must reach EOF unless something it started still holds them.
        let eof_deadline = Instant::now() + EOF_GRACE;
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

impl Drop for Live {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
