//! Signals reach hfwrap's one decision loop as messages.
//!
//! The handler only records the signal (signal-hook's self-pipe on Unix, the console control
//! handler on Windows); the supervisor decides: the first Ctrl-C is forwarded to the child's
//! process group and escalated after a grace period, a second one forces it. An interrupt is
//! never diagnosed or retried.
//!
//! Signals are named by their POSIX numbers on every platform ([`INT`], [`TERM`], …): on Windows
//! they are the loop's vocabulary only, and `process::windows` maps them to console control
//! events and the Job Object.

#[cfg(unix)]
mod nums {
    use rustix::process::Signal;
    pub const HUP: i32 = Signal::HUP.as_raw();
    pub const INT: i32 = Signal::INT.as_raw();
    pub const QUIT: i32 = Signal::QUIT.as_raw();
    pub const KILL: i32 = Signal::KILL.as_raw();
    pub const PIPE: i32 = Signal::PIPE.as_raw();
    pub const TERM: i32 = Signal::TERM.as_raw();
    pub const CONT: i32 = Signal::CONT.as_raw();
    pub const TSTP: i32 = Signal::TSTP.as_raw();
    pub const TTIN: i32 = Signal::TTIN.as_raw();
    pub const TTOU: i32 = Signal::TTOU.as_raw();
    pub const WINCH: i32 = Signal::WINCH.as_raw();
    pub const CHLD: i32 = Signal::CHILD.as_raw();
}

#[cfg(not(unix))]
mod nums {
    // The Linux numbers, as names for what the loop wants done; not sent as such.
    pub const HUP: i32 = 1;
    pub const INT: i32 = 2;
    pub const QUIT: i32 = 3;
    pub const KILL: i32 = 9;
    pub const PIPE: i32 = 13;
    pub const TERM: i32 = 15;
    pub const CONT: i32 = 18;
    pub const TSTP: i32 = 20;
    pub const TTIN: i32 = 21;
    pub const TTOU: i32 = 22;
    pub const WINCH: i32 = 28;
    pub const CHLD: i32 = 17;
}

pub use nums::*;

/// The name people know a signal by (`SIGINT`), or `signal`.
pub fn name(sig: i32) -> &'static str {
    match sig {
        INT => "SIGINT",
        TERM => "SIGTERM",
        HUP => "SIGHUP",
        QUIT => "SIGQUIT",
        PIPE => "SIGPIPE",
        TSTP => "SIGTSTP",
        TTIN => "SIGTTIN",
        TTOU => "SIGTTOU",
        _ => "signal",
    }
}

/// Keeps the listener alive; dropping it stops nothing (the thread ends with the process).
pub struct Listener {
    #[cfg(unix)]
    _handle: signal_hook::iterator::Handle,
}

/// Start handing SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGTSTP, SIGCONT and SIGCHLD (on
/// Windows: Ctrl-C as [`INT`], Ctrl-Break, close and shutdown as [`TERM`]) to `deliver` (until it
/// returns false). Call once.
///
/// SIGCHLD is how the loop learns at once that a child exited or stopped: one thread for the run
/// instead of a waiter thread per attempt (a thread costs about 0.2 ms of `hfwrap true`).
#[cfg(unix)]
pub fn listen(deliver: impl Fn(i32) -> bool + Send + 'static) -> std::io::Result<Listener> {
    use signal_hook::iterator::Signals;
    let mut signals = Signals::new([INT, TERM, HUP, QUIT, WINCH, TSTP, CONT, CHLD])?;
    let handle = signals.handle();
    std::thread::Builder::new().name("hfwrap-signals".into()).spawn(move || {
        for sig in signals.forever() {
            if !deliver(sig) {
                break;
            }
        }
    })?;
    Ok(Listener { _handle: handle })
}

#[cfg(windows)]
pub fn listen(deliver: impl Fn(i32) -> bool + Send + Sync + 'static) -> std::io::Result<Listener> {
    super::windows::listen(Box::new(deliver))?;
    Ok(Listener {})
}
