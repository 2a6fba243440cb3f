//! What /proc says about a test's processes: whether a pid still runs ([`alive`], [`wait_gone`];
//! zombies count as gone: pid 1 of a container may never reap orphans), which processes are left
//! ([`processes_in`], [`assert_no_leftovers`]), and their argv and environment ([`marker_processes`],
//! [`ProcSampler`]). [`Reaper`] kills leftover pids when a test fails. Linux only.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// `key=value` from a line such as `READY pid=12 gc=13,14`.
pub fn field(line: &str, key: &str) -> String {
    let pre = format!("{key}=");
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(&pre))
        .unwrap_or_else(|| panic!("no {key}= in {line:?}"))
        .to_string()
}

/// The comma-separated pids of `key=` in such a line.
pub fn pids(line: &str, key: &str) -> Vec<i32> {
    field(line, key).split(',').map(|p| p.parse().unwrap()).collect()
}

/// The fields of /proc/PID/stat after the command name: state, ppid, pgrp, session, ….
fn stat_fields(pid: i32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, after) = stat.rsplit_once(')')?;
    Some(after.split_whitespace().map(str::to_string).collect())
}

/// Whether a process state is a zombie's or a dead one's.
fn is_dead_state(state: &str) -> bool {
    matches!(state, "Z" | "X")
}

/// Whether `pid` is a live process (a zombie counts as dead: it runs nothing and holds no fd).
pub fn alive(pid: i32) -> bool {
    stat_fields(pid).and_then(|f| f.first().map(|s| !is_dead_state(s))).unwrap_or(false)
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

// ---------------------------------------------------------------------------------------------
// Leftover processes
// ---------------------------------------------------------------------------------------------

/// Which processes belong to a test.
#[derive(Clone, Debug)]
pub enum Scope<'a> {
    /// Every process whose environment carries `HFWRAP_TEST_MARKER=<marker>` (survives setsid/setpgid).
    Marker(&'a str),
    /// Every process in this process group.
    Group(i32),
    /// Every process in this session.
    Session(i32),
}

/// The pids in /proc, this test process's own left out.
fn other_pids() -> Vec<i32> {
    let me = std::process::id() as i32;
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    rd.flatten().filter_map(|e| e.file_name().to_string_lossy().parse::<i32>().ok()).filter(|&p| p != me).collect()
}

/// Live (non-zombie) processes in `scope`, as `(pid, command line)`.
pub fn processes_in(scope: &Scope) -> Vec<(i32, String)> {
    let mut found = Vec::new();
    for pid in other_pids() {
        let Some(f) = stat_fields(pid) else {
            continue;
        };
        if f.len() < 4 || is_dead_state(&f[0]) {
            continue;
        }
        let (pgrp, session): (i32, i32) = (f[2].parse().unwrap_or(-1), f[3].parse().unwrap_or(-1));
        let hit = match scope {
            Scope::Group(g) => pgrp == *g,
            Scope::Session(s) => session == *s,
            Scope::Marker(m) => {
                let needle = format!("HFWRAP_TEST_MARKER={m}");
                std::fs::read(format!("/proc/{pid}/environ"))
                    .map(|env| env.split(|&b| b == 0).any(|kv| kv == needle.as_bytes()))
                    .unwrap_or(false)
            }
        };
        if hit {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
                .unwrap_or_default();
            found.push((pid, cmdline));
        }
    }
    found
}

/// Fail if any process in `scope` is still alive after a bounded grace period (processes that were just
/// signalled take a moment to go). The survivors are killed so they do not outlive the test.
pub fn assert_no_leftovers(scope: Scope) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = processes_in(&scope);
        if left.is_empty() {
            return;
        }
        if Instant::now() > deadline {
            for (pid, _) in &left {
                // SAFETY: kill(2) on a leftover process of this test.
                unsafe {
                    libc::kill(*pid, libc::SIGKILL);
                }
            }
            panic!("processes left running in {scope:?}:\n{left:#?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

// ---------------------------------------------------------------------------------------------
// Watching a test's processes while they run
// ---------------------------------------------------------------------------------------------

/// One process of a test as seen in /proc: its argv and its environment (raw `KEY=VALUE` entries).
#[derive(Clone, Debug)]
pub struct ProcSeen {
    pub pid: i32,
    pub argv: Vec<String>,
    pub environ: Vec<String>,
}

impl ProcSeen {
    pub fn cmdline(&self) -> String {
        self.argv.join(" ")
    }
    /// The value of `name` in its environment.
    pub fn env_var(&self, name: &str) -> Option<&str> {
        let prefix = format!("{name}=");
        self.environ.iter().find_map(|kv| kv.strip_prefix(&prefix))
    }
}

fn read_nul_separated(path: &str) -> Option<Vec<String>> {
    let raw = std::fs::read(path).ok()?;
    Some(raw.split(|&b| b == 0).filter(|s| !s.is_empty()).map(|s| String::from_utf8_lossy(s).into_owned()).collect())
}

/// Every live process whose environment carries `HFWRAP_TEST_MARKER=<marker>`, with argv and environment.
pub fn marker_processes(marker: &str) -> Vec<ProcSeen> {
    let needle = format!("HFWRAP_TEST_MARKER={marker}");
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in rd.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Some(environ) = read_nul_separated(&format!("/proc/{pid}/environ")) else {
            continue;
        };
        if !environ.contains(&needle) {
            continue;
        }
        let argv = read_nul_separated(&format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if argv.is_empty() {
            continue; // a zombie or a kernel thread
        }
        out.push(ProcSeen { pid, argv, environ });
    }
    out
}

/// Samples /proc in a background thread for as long as it lives, keeping every distinct
/// (pid, argv) of the processes carrying a test's marker: a record of what each process of a run
/// (children and grandchildren included) had on its command line. A process that exists for a
/// moment may be missed; tests use it to check that *no* argv holds a secret, and rely on it to
/// have seen only processes that live for seconds (held by a stalled transfer).
pub struct ProcSampler {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    handle: Option<std::thread::JoinHandle<Vec<ProcSeen>>>,
}

impl ProcSampler {
    pub fn start(marker: &str) -> ProcSampler {
        use std::sync::atomic::{AtomicBool, Ordering};
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let needle = format!("HFWRAP_TEST_MARKER={marker}");
        let handle = std::thread::spawn(move || {
            let mut seen: Vec<ProcSeen> = Vec::new();
            // pid -> the argv last checked, so the environment is read again only after an exec.
            let mut checked: BTreeMap<i32, Vec<String>> = BTreeMap::new();
            loop {
                let last_pass = flag.load(Ordering::SeqCst);
                if let Ok(rd) = std::fs::read_dir("/proc") {
                    for e in rd.flatten() {
                        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
                            continue;
                        };
                        let Some(argv) = read_nul_separated(&format!("/proc/{pid}/cmdline")) else {
                            continue;
                        };
                        if argv.is_empty() || checked.get(&pid) == Some(&argv) {
                            continue;
                        }
                        checked.insert(pid, argv.clone());
                        let Some(environ) = read_nul_separated(&format!("/proc/{pid}/environ")) else {
                            continue;
                        };
                        if environ.contains(&needle) && !seen.iter().any(|p| p.pid == pid && p.argv == argv) {
                            seen.push(ProcSeen { pid, argv, environ });
                        }
                    }
                }
                if last_pass {
                    return seen;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        });
        ProcSampler { stop, handle: Some(handle) }
    }

    /// Stop sampling; everything seen.
    pub fn finish(mut self) -> Vec<ProcSeen> {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        self.handle.take().unwrap().join().expect("sampler thread")
    }
}

impl Drop for ProcSampler {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
