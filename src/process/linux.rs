//! What only Linux offers the process layer, each with a fallback in `macos.rs`:
//! - a subreaper (`PR_SET_CHILD_SUBREAPER`): a helper that detaches (double fork, `setsid`) is
//!   re-parented to hfwrap instead of init, so it is still found, and stopped, with its attempt;
//! - a parent-death signal (`PR_SET_PDEATHSIG`): the direct child dies with hfwrap, even when
//!   hfwrap is SIGKILLed;
//! - `/proc`: the bytes a process group has read (liveness of a transfer: sockets count), and
//!   the descendants of hfwrap;
//! - `F_SETPIPE_SZ`: bigger pipes, fewer hand-offs between the child and the tee.

use rustix::process::{Pid, Signal};
use std::fs::File;

/// Make hfwrap the reaper of every orphan in its tree (best effort).
pub fn become_subreaper() -> bool {
    rustix::process::set_child_subreaper(Some(rustix::process::getpid())).is_ok()
}

/// In the child, before exec: die with `parent`. Only raw system calls (async-signal-safe);
/// the `getppid` check closes the race where the parent died before (ESRCH).
pub fn die_with_parent(parent: Pid) -> Result<(), rustix::io::Errno> {
    rustix::process::set_parent_process_death_signal(Some(Signal::KILL))?;
    if rustix::process::getppid() != Some(parent) {
        return Err(rustix::io::Errno::SRCH);
    }
    Ok(())
}

/// Start a child as glibc's `posix_spawn` does, `clone(CLONE_VM | CLONE_VFORK)`: no copy of
/// hfwrap's page tables, no copy-on-write faults after it (a `fork` costs about 1 ms of
/// `hfwrap true`, and a parent-death signal needs code before exec, which std would fork for).
/// The child runs `in_child` on a stack of its own while this thread waits; it returns only
/// if exec failed, with the errno, which it leaves in the memory both share.
///
/// Every signal is blocked across the clone, so no handler of hfwrap's runs in the child
/// before `in_child` resets them.
pub fn spawn(in_child: &(dyn Fn() -> i32 + Sync)) -> std::io::Result<Pid> {
    use std::sync::atomic::{AtomicI32, Ordering};
    struct Shared<'a> {
        in_child: &'a (dyn Fn() -> i32 + Sync),
        errno: AtomicI32,
    }
    extern "C" fn start(arg: *mut libc::c_void) -> libc::c_int {
        // SAFETY: `arg` is the `Shared` below, alive until the parent returns from clone.
        let shared = unsafe { &*(arg as *const Shared) };
        let e = (shared.in_child)();
        shared.errno.store(if e == 0 { libc::ECHILD } else { e }, Ordering::SeqCst);
        // SAFETY: ends the child at once (no atexit handlers: they are the parent's).
        unsafe { libc::_exit(127) }
    }
    let shared = Shared { in_child, errno: AtomicI32::new(0) };
    // Uninitialised: the child only writes it (no memset of 64 KiB at every spawn).
    let mut stack: Vec<u8> = Vec::with_capacity(64 * 1024);
    // SAFETY: the stack is ours and outlives the child's use of it (CLONE_VFORK: this thread
    // resumes only once the child has exec'd or exited).
    let (pid, error) = super::unix::with_all_signals_blocked(|| unsafe {
        let top = stack.as_mut_ptr().add(stack.capacity());
        let top = top.sub(top as usize % 16) as *mut libc::c_void;
        let pid = libc::clone(
            start,
            top,
            libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
            &shared as *const Shared as *mut libc::c_void,
        );
        (pid, std::io::Error::last_os_error())
    });
    if pid < 0 {
        return Err(error);
    }
    drop(stack);
    let pid = Pid::from_raw(pid).ok_or_else(|| std::io::Error::other("clone returned pid 0"))?;
    match shared.errno.load(Ordering::SeqCst) {
        0 => Ok(pid),
        e => {
            // It exited without exec: reap it.
            let _ = rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::empty());
            Err(std::io::Error::from_raw_os_error(e))
        }
    }
}

pub fn grow_pipe(f: &File) {
    let _ = rustix::pipe::fcntl_setpipe_size(f, 1 << 20);
}

/// (pid, ppid, pgrp, state) of every process, from `/proc/*/stat`.
fn processes() -> Vec<(i32, i32, i32, char)> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    let mut all = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<i32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // Fields after the parenthesised command: state ppid pgrp …
        let Some(after) = stat.rsplit_once(')').map(|x| x.1) else { continue };
        let mut f = after.split_whitespace();
        let state = f.next().and_then(|s| s.chars().next()).unwrap_or('?');
        let ppid = f.next().and_then(|v| v.parse().ok()).unwrap_or(0);
        let pgrp = f.next().and_then(|v| v.parse().ok()).unwrap_or(0);
        all.push((pid, ppid, pgrp, state));
    }
    all
}

/// Bytes read so far by every process of the group `pgid` (sockets included).
pub fn group_read_bytes(pgid: i32) -> u64 {
    let mut total = 0;
    for (pid, _, pgrp, _) in processes() {
        if pgrp != pgid {
            continue;
        }
        if let Ok(io) = std::fs::read_to_string(format!("/proc/{pid}/io")) {
            total += io
                .lines()
                .find_map(|l| l.strip_prefix("rchar:"))
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    total
}

/// Whether hfwrap has any child process (zombies included), from `/proc/self/task/*/children`:
/// a few small reads, where a scan of all of `/proc` reads a file per process. None: unknown.
/// A thread that exited between the listing and the read (a tee reader at the end of its stream)
/// has no children left to tell of: its file is gone, and that is no reason for the full scan.
fn has_children() -> Option<bool> {
    let mut any = false;
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        match std::fs::read_to_string(task.path().join("children")) {
            Ok(children) => any |= !children.trim().is_empty(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound || e.raw_os_error() == Some(libc::ESRCH) => {}
            Err(_) => return None,
        }
    }
    Some(any)
}

/// Every live (not zombie) descendant of `root`, and the zombies among hfwrap's own children.
pub fn descendants(root: i32) -> (Vec<i32>, Vec<i32>) {
    // Once the attempt's child is reaped, whatever is left of its tree has been re-parented to
    // hfwrap (the subreaper): no child, no descendant, and no need to read all of /proc.
    if root == std::process::id() as i32 && has_children() == Some(false) {
        return (Vec::new(), Vec::new());
    }
    let all = processes();
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        let children: Vec<i32> = all.iter().filter(|p| p.1 == parent && !tree.contains(&p.0)).map(|p| p.0).collect();
        tree.extend(children);
        i += 1;
    }
    let live = all.iter().filter(|p| p.0 != root && tree.contains(&p.0) && p.3 != 'Z' && p.3 != 'X').map(|p| p.0);
    let zombies = all.iter().filter(|p| p.1 == root && p.3 == 'Z').map(|p| p.0);
    (live.collect(), zombies.collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_what_a_process_group_reads() {
        // This test process is its own reader: reading a file moves its group's counter.
        let pgid = rustix::process::getpgrp().as_raw_nonzero().get();
        let before = group_read_bytes(pgid);
        let data = vec![0u8; 1 << 16];
        let path = std::env::temp_dir().join(format!("hfwrap-watchdog-test-{}", std::process::id()));
        std::fs::write(&path, &data).unwrap();
        let _ = std::fs::read(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        assert!(group_read_bytes(pgid) >= before + (1 << 16));
    }

    #[test]
    fn finds_a_detached_grandchild() {
        // sh starts a grandchild in a session of its own and waits for it.
        let mut sh = std::process::Command::new("sh")
            .args(["-c", "setsid sleep 30 & echo $!; wait"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(sh.stdout.take().unwrap()), &mut line).unwrap();
        let me = std::process::id() as i32;
        let (live, _) = descendants(me);
        let grandchild: i32 = line.trim().parse().unwrap();
        let found = live.contains(&grandchild) && live.contains(&(sh.id() as i32));
        // Only the two it started: the other descendants are other tests' children.
        for p in [grandchild, sh.id() as i32].into_iter().filter_map(Pid::from_raw) {
            let _ = rustix::process::kill_process(p, Signal::KILL);
        }
        let _ = sh.wait();
        assert!(found, "{live:?} lacks {grandchild} or {}", sh.id());
    }
}
