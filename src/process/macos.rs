//! Fallbacks for macOS (and other Unix systems that are not Linux): no subreaper, no parent-death
//! signal, no `/proc`. hfwrap still signals the child's whole process group (session in pty
//! mode), and liveness falls back to bytes on disk alone (which the watchdog always measures).

use rustix::process::Pid;
use std::fs::File;

pub fn become_subreaper() -> bool {
    false
}

pub fn die_with_parent(_parent: Pid) -> std::io::Result<()> {
    Ok(())
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
