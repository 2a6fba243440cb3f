//! Signals reach hfwrap's one decision loop as messages.
//!
//! The handler only records the signal (signal-hook's self-pipe); the
//! supervisor decides: the first Ctrl-C is forwarded to the child's process
//! group and escalated after a grace period, a second one forces it. An
//! interrupt is never diagnosed or retried.

use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGWINCH};
use signal_hook::iterator::Signals;

/// Start handing SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGWINCH to `deliver` (until it returns
/// false). Call once.
pub fn listen(deliver: impl Fn(i32) -> bool + Send + 'static) -> std::io::Result<signal_hook::iterator::Handle> {
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH])?;
    let handle = signals.handle();
    std::thread::Builder::new().name("hfwrap-signals".into()).spawn(move || {
        for sig in signals.forever() {
            if !deliver(sig) {
                break;
            }
        }
    })?;
    Ok(handle)
}

/// Send `signal` to every process of the group led by `pgid`.
pub fn signal_group(pgid: i32, signal: i32) {
    if pgid > 0 {
        // SAFETY: kill(2) with a negative pid addresses a process group; no memory is involved.
        unsafe { libc::kill(-pgid, signal) };
    }
}

/// Whether any process of the group is still alive.
pub fn group_alive(pgid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence/permission.
    pgid > 0 && unsafe { libc::kill(-pgid, 0) } == 0
}
