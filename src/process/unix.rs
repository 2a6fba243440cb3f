//! Spawning and controlling the child on Unix (Linux, macOS).
//!
//! The child runs in a process group of its own (a session of its own on a pty), so hfwrap can
//! signal the whole tree it starts (`python` → workers, `git` → `git-remote-https` → `git-lfs`).
//! On Linux hfwrap is also a subreaper and gives the child a parent-death signal (`linux.rs`), so a
//! helper that detaches is still found, and nothing outlives a killed hfwrap.
//!
//! The child is started without std's `Command`: std forks whenever code must run before exec
//! (the parent-death signal), and on Linux `os::spawn` uses `clone(CLONE_VM | CLONE_VFORK)` as
//! `posix_spawn` does, which saves most of a millisecond of `hfwrap true`. [`Launch::in_child`] is
//! what runs between the two: raw system calls only.
//!
//! Job control (issue 13): a child in a background group that reads the terminal gets SIGTTIN
//! and stops; hfwrap notices (SIGCHLD wakes its loop, which looks for stops) and hands it the
//! terminal's foreground, saying so. Ctrl-Z stops the child's group and then hfwrap itself; `fg` continues
//! both and the time stopped is reported so that it counts neither as a stall nor against
//! `--max-time`.

use super::output::UserStream;
use super::pty;
use super::terminal::Tty;
use super::{Notice, Notify, SpawnError, Spec, Stopped, StreamId, Streams};
use rustix::fd::{AsFd, BorrowedFd};
use rustix::process::{Pid, Signal, WaitId, WaitIdOptions};
use std::fs::File;
use std::io::{self, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[cfg(target_os = "linux")]
use super::linux as os;
#[cfg(not(target_os = "linux"))]
use super::macos as os;

/// Which of fds 0, 1, 2 were closed when hfwrap started: bit `fd`. Set by [`probe_std_fds`]
/// before `main` (std then plugs a closed one with `/dev/null`, so later it cannot be told from
/// a redirection), or by [`plug_std_fds`]; only read after that.
static CLOSED_AT_START: AtomicU8 = AtomicU8::new(0);

/// Runs before std's start-up code (from a constructor in `main.rs`): notes which standard
/// descriptors are closed. Only raw system calls, no allocation.
pub fn probe_std_fds() {
    for fd in 0..3 {
        // SAFETY: only asks whether the descriptor is open.
        if rustix::io::fcntl_getfd(unsafe { BorrowedFd::borrow_raw(fd) }).is_err() {
            CLOSED_AT_START.fetch_or(1 << fd, Ordering::SeqCst);
        }
    }
}

/// First thing in `run`, before anything opens a file: a closed fd 0, 1 or 2 (`hfwrap cmd >&-`)
/// is plugged with `/dev/null` (where std has not done so), so that no pipe or file hfwrap opens
/// later takes its number, and remembered, so that writing the child's output there fails with
/// EBADF as it would for any program.
pub fn plug_std_fds() {
    for fd in 0..3 {
        // SAFETY: only asks whether the descriptor is open.
        if rustix::io::fcntl_getfd(unsafe { BorrowedFd::borrow_raw(fd) }).is_err() {
            CLOSED_AT_START.fetch_or(1 << fd, Ordering::SeqCst);
            // The lowest free number is `fd` (the ones below it are open by now).
            if let Ok(null) = rustix::fs::open("/dev/null", rustix::fs::OFlags::RDWR, rustix::fs::Mode::empty()) {
                std::mem::forget(null);
            }
        }
    }
}

/// A close-on-exec duplicate of hfwrap's fd 1 or 2 for a tee thread, or none if it was closed.
/// (A plain `dup` would leak into every child spawned while it is open — the next attempt, while a
/// reader of the previous one is still held open by a stray grandchild.)
fn user_stream(fd: i32, name: &'static str) -> UserStream {
    let closed = CLOSED_AT_START.load(Ordering::SeqCst) & (1 << fd) != 0;
    // SAFETY: fds 1 and 2 stay open for the life of the process (plugged if they were closed).
    let file = (!closed)
        .then(|| rustix::io::fcntl_dupfd_cloexec(unsafe { BorrowedFd::borrow_raw(fd) }, 3).ok().map(File::from))
        .flatten();
    UserStream::new(file, name)
}

/// The pty of the attempt under way, for the one stdin forwarder of the run.
#[derive(Default)]
struct Slot {
    master: Option<File>,
    notify: Option<Notify>,
}

/// What lives as long as the run: the terminal, the stdin forwarder, the subreaper.
pub struct Session {
    tty: Option<Arc<Tty>>,
    slot: Arc<Mutex<Slot>>,
    forwarding: Mutex<bool>,
    subreaper: bool,
}

impl Session {
    pub fn start() -> Session {
        Session {
            tty: Tty::stdin().map(Arc::new),
            slot: Arc::default(),
            forwarding: Mutex::new(false),
            subreaper: os::become_subreaper(),
        }
    }

    pub fn spawn(&self, spec: &Spec, notify: Notify) -> Result<(Child, Streams), SpawnError> {
        let exec = Exec::new(spec)?;
        let parent = rustix::process::getpid();
        let mut master = None;
        let (child, streams) = if spec.pty {
            let size = self.tty.as_ref().and_then(|t| t.size()).or_else(outer_size);
            let p = pty::open(size).map_err(SpawnError::Other)?;
            // A redirected stdin reaches the child untouched; only a terminal is replaced by the pty.
            let stdin = self.tty.is_some().then(|| p.slave.as_fd());
            let child =
                spawn_retrying(&Launch { exec, stdin, out: p.slave.as_fd(), err: p.slave.as_fd(), pty: true, parent })?;
            drop(p.slave);
            let m = File::from(p.master);
            let source = m.try_clone().map_err(SpawnError::Other)?;
            if let Some(tty) = &self.tty {
                let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
                slot.master = Some(m.try_clone().map_err(SpawnError::Other)?);
                slot.notify = Some(notify.clone());
                drop(slot);
                self.start_forwarder(tty.clone());
                tty.enter_raw();
            }
            master = Some(m);
            (child, vec![(StreamId::Pty, source, user_stream(1, "stdout"))])
        } else {
            let pipe = || cloexec_pipe().map_err(|e| SpawnError::Other(e.into()));
            let ((out, out_w), (err, err_w)) = (pipe()?, pipe()?);
            let child = spawn_retrying(&Launch {
                exec,
                stdin: None,
                out: out_w.as_fd(),
                err: err_w.as_fd(),
                pty: false,
                parent,
            })?;
            drop((out_w, err_w));
            let (out, err) = (File::from(out), File::from(err));
            os::grow_pipe(&out);
            os::grow_pipe(&err);
            let streams = vec![
                (StreamId::Stdout, out, user_stream(1, "stdout")),
                (StreamId::Stderr, err, user_stream(2, "stderr")),
            ];
            (child, streams)
        };
        Ok((
            Child {
                child,
                // The child leads a process group (a session on a pty) of its own.
                pgid: child.pid,
                master,
                tty: self.tty.clone(),
                slot: self.slot.clone(),
                handed: false,
                wants_terminal: false,
                subreaper: self.subreaper,
            },
            streams,
        ))
    }

    /// One forwarder for the whole run: keystrokes go to the pty of the attempt under way.
    fn start_forwarder(&self, tty: Arc<Tty>) {
        let mut started = self.forwarding.lock().unwrap_or_else(|e| e.into_inner());
        if *started {
            return;
        }
        let slot = self.slot.clone();
        *started = std::thread::Builder::new().name("hfwrap-stdin".into()).spawn(move || forward(&tty, &slot)).is_ok();
    }
}

/// The program, its argv and its environment, ready for `execve` in the new child.
///
/// The child execs itself with `execve` on the path resolved here, as `posix_spawn` would (glibc's
/// `execvp` runs a file it cannot execute, ENOEXEC, as a shell script: a binary that is not one
/// would be fed to `sh` instead of failing with 126).
struct Exec {
    path: std::ffi::CString,
    _strings: Vec<std::ffi::CString>,
    argv: Vec<*const libc::c_char>,
    envp: Vec<*const libc::c_char>,
}

// SAFETY: the pointers point into `path` and `_strings`, which the struct owns and never changes;
// they are only read, by `execve` in the forked child.
unsafe impl Send for Exec {}
unsafe impl Sync for Exec {}

impl Exec {
    fn new(spec: &Spec) -> Result<Exec, SpawnError> {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let cstr =
            |b: &[u8]| CString::new(b).map_err(|e| SpawnError::Other(io::Error::new(io::ErrorKind::InvalidInput, e)));
        let program = std::path::Path::new(&spec.program);
        let resolved = if program.as_os_str().as_bytes().contains(&b'/') {
            program.to_path_buf()
        } else {
            let path = spec.env.get(std::ffi::OsStr::new("PATH")).cloned().unwrap_or_else(|| "/usr/bin:/bin".into());
            let cwd = std::env::current_dir().unwrap_or_else(|_| "/".into());
            which::which_in(program, Some(path), cwd).map_err(|_| SpawnError::NotFound)?
        };
        let path = cstr(resolved.as_os_str().as_bytes())?;
        let mut strings = vec![cstr(spec.program.as_bytes())?];
        for a in &spec.args {
            strings.push(cstr(a.as_bytes())?);
        }
        let argc = strings.len();
        for (k, v) in &spec.env {
            let mut kv = k.as_bytes().to_vec();
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            strings.push(cstr(&kv)?);
        }
        let mut argv: Vec<*const libc::c_char> = strings[..argc].iter().map(|c| c.as_ptr()).collect();
        argv.push(std::ptr::null());
        let mut envp: Vec<*const libc::c_char> = strings[argc..].iter().map(|c| c.as_ptr()).collect();
        envp.push(std::ptr::null());
        Ok(Exec { path, _strings: strings, argv, envp })
    }

    /// In the new child: exec, or the errno that kept it from happening.
    fn run(&self) -> i32 {
        // SAFETY: NUL-terminated strings and NULL-terminated arrays owned by `self`; execve is
        // async-signal-safe.
        unsafe { libc::execve(self.path.as_ptr(), self.argv.as_ptr(), self.envp.as_ptr()) };
        io::Error::last_os_error().raw_os_error().unwrap_or(libc::ENOEXEC)
    }
}

/// A pipe whose ends do not leak into children (atomically where the OS can: `pipe2`).
fn cloexec_pipe() -> Result<(rustix::fd::OwnedFd, rustix::fd::OwnedFd), rustix::io::Errno> {
    #[cfg(target_os = "linux")]
    return rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC);
    #[cfg(not(target_os = "linux"))]
    {
        let (r, w) = rustix::pipe::pipe()?;
        rustix::io::fcntl_setfd(&r, rustix::io::FdFlags::CLOEXEC)?;
        rustix::io::fcntl_setfd(&w, rustix::io::FdFlags::CLOEXEC)?;
        Ok((r, w))
    }
}

/// Everything the child does between its start and `execve`, decided in the parent.
struct Launch<'a> {
    exec: Exec,
    /// The child's stdin (`None`: hfwrap's own), stdout and stderr.
    stdin: Option<BorrowedFd<'a>>,
    out: BorrowedFd<'a>,
    err: BorrowedFd<'a>,
    /// A session of its own with the pty (on its stdout) as controlling terminal; otherwise a
    /// process group of its own.
    pty: bool,
    parent: Pid,
}

impl Launch<'_> {
    /// In the new child, before `execve`. It may share hfwrap's memory (`os::spawn`): only
    /// raw system calls, no allocation, no lock. Returns the errno that stopped it.
    fn in_child(&self) -> i32 {
        let step = || -> Result<(), rustix::io::Errno> {
            reset_signals();
            if let Some(fd) = self.stdin {
                rustix::stdio::dup2_stdin(fd)?;
            }
            rustix::stdio::dup2_stdout(self.out)?;
            rustix::stdio::dup2_stderr(self.err)?;
            if self.pty {
                rustix::process::setsid()?;
                rustix::process::ioctl_tiocsctty(rustix::stdio::stdout())?;
            } else {
                rustix::process::setpgid(None, None)?;
            }
            os::die_with_parent(self.parent)
        };
        match step() {
            Ok(()) => self.exec.run(),
            Err(e) => e.raw_os_error(),
        }
    }
}

/// In the new child: every signal hfwrap handles back to its default (a handler must not run in
/// a child that shares hfwrap's memory; exec would reset them anyway), SIGPIPE no longer ignored
/// (std ignores it in hfwrap), and the mask the spawner blocked cleared.
fn reset_signals() {
    // SAFETY: sigaction and sigprocmask with valid pointers to zeroed, then filled, structs;
    // async-signal-safe.
    unsafe {
        let mut act: libc::sigaction = std::mem::zeroed();
        for sig in 1..MAX_SIGNAL {
            if libc::sigaction(sig, std::ptr::null(), &mut act) != 0 {
                continue;
            }
            if act.sa_sigaction != libc::SIG_DFL && (act.sa_sigaction != libc::SIG_IGN || sig == libc::SIGPIPE) {
                act.sa_sigaction = libc::SIG_DFL;
                act.sa_flags = 0;
                libc::sigaction(sig, &act, std::ptr::null_mut());
            }
        }
        let mut none: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut none);
        libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
    }
}

#[cfg(target_os = "linux")]
const MAX_SIGNAL: i32 = 65;
#[cfg(not(target_os = "linux"))]
const MAX_SIGNAL: i32 = 32;

/// The size of whichever of hfwrap's output streams is a terminal.
/// Run `f` with every signal blocked in this thread, the mask restored after it: around the
/// vfork or fork of `os::spawn`, so that no handler of hfwrap's runs in the child before
/// `Launch::in_child` resets them.
pub(super) fn with_all_signals_blocked<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: sigfillset and pthread_sigmask on zeroed sigsets that live on this stack.
    unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut before: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut before);
        let out = f();
        libc::pthread_sigmask(libc::SIG_SETMASK, &before, std::ptr::null_mut());
        out
    }
}

fn outer_size() -> Option<rustix::termios::Winsize> {
    [rustix::stdio::stdout(), rustix::stdio::stderr()]
        .into_iter()
        .find_map(|fd| rustix::termios::tcgetwinsize(fd).ok().filter(|w| w.ws_col > 0))
}

/// Spawn, retrying briefly on ETXTBSY (a script just written may still be open in another
/// thread's fork until that child's exec).
fn spawn_retrying(launch: &Launch) -> Result<Proc, SpawnError> {
    let mut pause = Duration::from_millis(5);
    loop {
        match os::spawn(&|| launch.in_child()).map(|pid| Proc { pid, status: None }) {
            Err(e)
                if e.raw_os_error() == Some(rustix::io::Errno::TXTBSY.raw_os_error())
                    && pause < Duration::from_millis(200) =>
            {
                std::thread::sleep(pause);
                pause *= 2;
            }
            r => return r.map_err(classify),
        }
    }
}

fn classify(e: io::Error) -> SpawnError {
    let errno = e.raw_os_error().map(rustix::io::Errno::from_raw_os_error);
    match e.kind() {
        io::ErrorKind::NotFound => SpawnError::NotFound,
        io::ErrorKind::PermissionDenied => SpawnError::NotExecutable(e),
        _ if matches!(errno, Some(rustix::io::Errno::NOEXEC) | Some(rustix::io::Errno::ISDIR)) => {
            SpawnError::NotExecutable(e)
        }
        _ => SpawnError::Other(e),
    }
}

/// Copy keystrokes to the pty of the attempt under way, and tell the loop about the ones the
/// pty turns into signals (Ctrl-C, Ctrl-\, Ctrl-Z: the user's, never retried).
///
/// It reads only while an attempt's pty is there and hfwrap is in the foreground: keys typed
/// between attempts wait in the terminal for the next attempt (none is taken by a leftover
/// forwarder), and a background hfwrap never reads (which would stop it with SIGTTIN).
fn forward(tty: &Tty, slot: &Mutex<Slot>) {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    let mut buf = [0u8; 4096];
    let nap = Timespec { tv_sec: 0, tv_nsec: 100_000_000 };
    loop {
        let fd = tty.fd();
        let mut fds = [PollFd::new(&fd, PollFlags::IN)];
        if !matches!(poll(&mut fds, Some(&nap)), Ok(n) if n > 0) {
            continue;
        }
        let s = slot.lock().unwrap_or_else(|e| e.into_inner());
        if s.master.is_none() || !tty.foreground() {
            drop(s);
            std::thread::sleep(Duration::from_millis(50));
            continue;
        }
        let n = match rustix::io::read(&fd, &mut buf) {
            Ok(0) => return,
            Ok(n) => n,
            Err(rustix::io::Errno::INTR) | Err(rustix::io::Errno::AGAIN) => continue,
            Err(_) => return,
        };
        // Write without holding the slot: a child that does not read its terminal must not keep
        // the end of its attempt waiting for this thread.
        let (Some(mut master), notify) = (s.master.as_ref().and_then(|m| m.try_clone().ok()), s.notify.clone()) else {
            continue;
        };
        drop(s);
        // Told before the bytes go in: a child that dies of a typed Ctrl-C must not be seen dead
        // before hfwrap knows the Ctrl-C was the user's.
        if let Some(notify) = notify {
            signal_keys(&master, &buf[..n]).into_iter().for_each(|sig| notify(Notice::Typed(sig)));
        }
        let _ = master.write_all(&buf[..n]);
    }
}

/// The signals the pty's line discipline makes of `typed` (per its current settings: a child that
/// put its terminal in raw mode gets plain bytes).
fn signal_keys(master: impl AsFd, typed: &[u8]) -> Vec<i32> {
    use rustix::termios::{LocalModes, SpecialCodeIndex as I};
    let Ok(t) = rustix::termios::tcgetattr(master) else { return Vec::new() };
    if !t.local_modes.contains(LocalModes::ISIG) {
        return Vec::new();
    }
    let keys = [(I::VINTR, super::signals::INT), (I::VQUIT, super::signals::QUIT), (I::VSUSP, super::signals::TSTP)];
    let mut out = Vec::new();
    for b in typed {
        for (idx, sig) in keys {
            let c = t.special_codes[idx];
            if c != 0 && c == *b && !out.contains(&sig) {
                out.push(sig);
            }
        }
    }
    out
}

/// A child process: its pid, and how it ended once reaped.
#[derive(Clone, Copy)]
struct Proc {
    pid: Pid,
    status: Option<ExitStatus>,
}

impl Proc {
    fn try_wait(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            if let Ok(Some((_, st))) = rustix::process::waitpid(Some(self.pid), rustix::process::WaitOptions::NOHANG) {
                self.status = Some(ExitStatus::from_raw(st.as_raw()));
            }
        }
        self.status
    }
}

/// The running child.
pub struct Child {
    child: Proc,
    pgid: Pid,
    master: Option<File>,
    tty: Option<Arc<Tty>>,
    slot: Arc<Mutex<Slot>>,
    /// The child's group has the terminal's foreground.
    handed: bool,
    /// The child stopped to read the terminal while hfwrap could not give it (in the background).
    wants_terminal: bool,
    subreaper: bool,
}

fn to_signal(sig: i32) -> Option<Signal> {
    Signal::from_named_raw(sig)
}

impl Child {
    pub fn pid(&self) -> u32 {
        self.child.pid.as_raw_nonzero().get() as u32
    }

    /// Signal the child's whole process group.
    pub fn signal(&self, sig: i32) {
        if let Some(s) = to_signal(sig) {
            let _ = rustix::process::kill_process_group(self.pgid, s);
        }
    }

    pub fn try_exit(&mut self) -> Option<ExitStatus> {
        self.child.try_wait()
    }

    /// A stop since the last look, consumed so the next one is seen too (`waitid`, `WSTOPPED`
    /// alone: an exit is left for `try_exit`).
    pub fn try_stop(&mut self) -> Option<i32> {
        match rustix::process::waitid(WaitId::Pid(self.child.pid), WaitIdOptions::STOPPED | WaitIdOptions::NOHANG) {
            Ok(Some(st)) if st.stopped() => Some(st.stopping_signal().unwrap_or(0)),
            _ => None,
        }
    }

    pub fn resize(&self) {
        if let (Some(m), Some(size)) = (&self.master, self.tty.as_ref().and_then(|t| t.size()).or_else(outer_size)) {
            let _ = rustix::termios::tcsetwinsize(m, size);
        }
    }

    pub fn bytes_read(&self) -> u64 {
        os::group_read_bytes(self.pgid.as_raw_nonzero().get())
    }

    /// Ctrl-Z: stop the child's group (unless the terminal already did) and hfwrap with it, as a
    /// shell's job; returns how long it stayed stopped once `fg` or `bg` continued it.
    pub fn suspend(&mut self, already_stopped: bool) -> Duration {
        if !already_stopped {
            self.signal(super::signals::TSTP);
        }
        // On a pty the child leads a session of its own, so its group is orphaned and the kernel
        // discards the SIGTSTP that Ctrl-Z made (as for any stop signal but SIGSTOP): stop it
        // for certain, and the pty's foreground job if that is another.
        self.signal(Signal::STOP.as_raw());
        if let Some(fg) = self.master.as_ref().and_then(|m| rustix::termios::tcgetpgrp(m).ok()) {
            let _ = rustix::process::kill_process_group(fg, Signal::STOP);
        }
        if let Some(t) = &self.tty {
            if self.handed {
                t.take_back();
            }
            t.leave_raw();
        }
        let began = Instant::now();
        let _ = rustix::process::kill_process(rustix::process::getpid(), Signal::STOP);
        let paused = began.elapsed();
        if let Some(t) = &self.tty {
            if self.master.is_some() {
                t.enter_raw();
            }
            if self.handed {
                self.handed = t.give_to(self.pgid);
            }
        }
        self.resize();
        self.signal(super::signals::CONT);
        // On a pty, the job that was stopped may be one the child started (its foreground group).
        if let Some(fg) = self.master.as_ref().and_then(|m| rustix::termios::tcgetpgrp(m).ok()) {
            let _ = rustix::process::kill_process_group(fg, Signal::CONT);
        }
        paused
    }

    /// The child stopped by `sig` (the exit waiter saw it).
    pub fn stopped(&mut self, sig: i32) -> Stopped {
        use super::signals::{TSTP, TTIN, TTOU};
        match sig {
            TTIN | TTOU if self.master.is_none() => match &self.tty {
                Some(t) if t.give_to(self.pgid) => {
                    self.handed = true;
                    self.wants_terminal = false;
                    self.signal(super::signals::CONT);
                    Stopped::HandedOver
                }
                _ => {
                    self.wants_terminal = true;
                    Stopped::NeedsTerminal
                }
            },
            TSTP if self.handed => Stopped::Suspended(self.suspend(true)),
            _ => Stopped::Ignored,
        }
    }

    /// hfwrap was continued (SIGCONT: `fg`, `bg`, or after an outside SIGSTOP): continue the
    /// child too, and, now in the foreground, put the terminal back as the attempt needs it.
    pub fn continued(&mut self) -> Stopped {
        if let Some(t) = &self.tty {
            if self.master.is_some() {
                t.enter_raw();
            }
        }
        self.resize();
        self.signal(super::signals::CONT);
        if self.wants_terminal {
            return self.stopped(super::signals::TTIN);
        }
        Stopped::Ignored
    }

    /// Whether the child's group had the terminal (so a Ctrl-C went to it, not to hfwrap).
    pub fn had_terminal(&self) -> bool {
        self.handed
    }

    /// Stop whatever is left of the attempt: its process group and, with a subreaper, every
    /// descendant of hfwrap (helpers that left the group or the session). Reaps what it can.
    pub fn kill_leftovers(&self, sig: i32) {
        self.signal(sig);
        if !self.subreaper {
            return;
        }
        let me = std::process::id() as i32;
        let until = Instant::now() + Duration::from_millis(if sig == super::signals::KILL { 1000 } else { 0 });
        loop {
            let (live, zombies) = os::descendants(me);
            for p in live.iter().filter_map(|p| Pid::from_raw(*p)) {
                let _ = to_signal(sig).map(|s| rustix::process::kill_process(p, s));
            }
            for p in zombies.iter().filter_map(|p| Pid::from_raw(*p)) {
                if p != self.child.pid {
                    let _ = rustix::process::waitpid(Some(p), rustix::process::WaitOptions::NOHANG);
                }
            }
            if (live.is_empty() && zombies.is_empty()) || Instant::now() >= until {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The attempt is over: hfwrap takes its terminal back and stops forwarding keys to it.
    pub fn release(&mut self) {
        if let Some(t) = &self.tty {
            if self.handed {
                t.take_back();
                self.handed = false;
            }
            t.leave_raw();
        }
        if self.master.take().is_some() {
            let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
            slot.master = None;
            slot.notify = None;
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.release();
    }
}

/// The code a shell reports: the exit code, or 128+N for death by signal N.
pub fn code_of(status: ExitStatus) -> i32 {
    status.code().unwrap_or_else(|| crate::exit_code::from_signal(status.signal().unwrap_or(0)))
}
