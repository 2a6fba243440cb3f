//! Fallbacks for macOS (and other Unix systems that are not Linux): no subreaper, no parent-death
//! signal, no `/proc`. hfwrap still signals the child's whole process group (session in pty
//! mode), and liveness falls back to bytes on disk alone (which the watchdog always measures).

use rustix::process::Pid;
use std::fs::File;

pub fn become_subreaper() -> bool {
    false
}

pub fn die_with_parent(_parent: Pid) -> Result<(), rustix::io::Errno> {
    Ok(())
}

/// Start a child with `fork`: `in_child` runs in it (raw system calls only) and returns only if
/// exec failed, with the errno, which reaches the parent through a close-on-exec pipe. Signals
/// are blocked across the fork, so no handler of hfwrap's runs in the child before `in_child`
/// resets them.
pub fn spawn(in_child: &(dyn Fn() -> i32 + Sync)) -> std::io::Result<Pid> {
    let (read, write) = rustix::pipe::pipe()?;
    rustix::io::fcntl_setfd(&read, rustix::io::FdFlags::CLOEXEC)?;
    rustix::io::fcntl_setfd(&write, rustix::io::FdFlags::CLOEXEC)?;
    // SAFETY: fork in a threaded process; the child makes only async-signal-safe calls before
    // exec or `_exit`.
    let (pid, error) = super::unix::with_all_signals_blocked(|| unsafe {
        let pid = libc::fork();
        if pid == 0 {
            let e = in_child().to_ne_bytes();
            let _ = rustix::io::write(&write, &e);
            libc::_exit(127);
        }
        (pid, std::io::Error::last_os_error())
    });
    if pid < 0 {
        return Err(error);
    }
    drop(write);
    let pid = Pid::from_raw(pid).ok_or_else(|| std::io::Error::other("fork returned pid 0"))?;
    let mut e = [0u8; 4];
    match rustix::io::read(&read, &mut e) {
        Ok(4) => {
            let _ = rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::empty());
            Err(std::io::Error::from_raw_os_error(i32::from_ne_bytes(e)))
        }
        _ => Ok(pid),
    }
}

pub fn grow_pipe(_f: &File) {}

/// Not known here: 0, so only bytes on disk count as progress.
pub fn group_read_bytes(_pgid: i32) -> u64 {
    0
}

/// Not known here: the process group is all hfwrap can reach.
pub fn descendants(_root: i32) -> (Vec<i32>, Vec<i32>) {
    (Vec::new(), Vec::new())
}
