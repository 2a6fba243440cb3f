//! Who holds a lock file right now (live runs only): the process a stuck download waits for.
//!
//! huggingface_hub's locks are `flock`s on files under `$HF_HOME/hub/.locks/`: a holder has the
//! file open. On Linux the open files of every process are under `/proc/*/fd`; the scan is
//! bounded (processes, descriptors and time), skips what it may not read, and says when it did
//! not finish. Elsewhere there is no such view without another tool: the answer is "unknown".

use std::path::Path;
use std::time::Duration;

/// Processes looked at, at most.
#[cfg(target_os = "linux")]
const MAX_PROCESSES: usize = 8192;
/// Holders named, at most.
#[cfg(target_os = "linux")]
const MAX_HOLDERS: usize = 4;

/// A process that has the lock file open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub pid: u32,
    /// Its command line, as words (the caller masks secrets before showing it).
    pub command: Vec<String>,
}

/// What the scan found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holders {
    /// Every process that could be read was looked at: these hold it (perhaps none).
    Found(Vec<Holder>),
    /// Not known: another OS, the file is gone, or the scan ran out of time.
    Unknown,
}

/// The processes other than `except` (hfwrap itself) that have `lock` open, within `limit`.
pub fn holders(lock: &Path, except: u32, limit: Duration) -> Holders {
    #[cfg(target_os = "linux")]
    {
        linux(lock, except, limit)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (lock, except, limit);
        Holders::Unknown
    }
}

#[cfg(target_os = "linux")]
fn linux(lock: &Path, except: u32, limit: Duration) -> Holders {
    let Ok(target) = std::fs::canonicalize(lock) else { return Holders::Unknown };
    let Ok(procs) = std::fs::read_dir("/proc") else { return Holders::Unknown };
    let deadline = std::time::Instant::now() + limit;
    let mut found = Vec::new();
    for entry in procs.flatten().take(MAX_PROCESSES) {
        if std::time::Instant::now() >= deadline {
            return Holders::Unknown;
        }
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        if pid == except {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else { continue };
        let holds = fds.flatten().any(|fd| std::fs::read_link(fd.path()).is_ok_and(|p| p == target));
        if holds {
            found.push(Holder { pid, command: command_line(pid) });
            if found.len() >= MAX_HOLDERS {
                break;
            }
        }
    }
    Holders::Found(found)
}

/// `/proc/PID/cmdline` as words, at most 4 KiB of it.
#[cfg(target_os = "linux")]
fn command_line(pid: u32) -> Vec<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    if let Ok(f) = std::fs::File::open(format!("/proc/{pid}/cmdline")) {
        let _ = f.take(4096).read_to_end(&mut bytes);
    }
    bytes.split(|&b| b == 0).filter(|w| !w.is_empty()).map(|w| String::from_utf8_lossy(w).into_owned()).collect()
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn finds_the_process_that_has_the_file_open_and_only_it() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("a.lock");
        std::fs::write(&lock, b"").unwrap();
        let mut holder = std::process::Command::new("sh")
            .arg("-c")
            // No `exec` after "ready": the scan must not meet the holder in the middle of one.
            .arg("exec 3<\"$1\"; echo ready; read -r _")
            .arg("sh")
            .arg(&lock)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(holder.stdout.take().unwrap()), &mut line).unwrap();
        let found = holders(&lock, std::process::id(), Duration::from_secs(20));
        let _ = holder.kill();
        let _ = holder.wait();
        match found {
            Holders::Found(h) => {
                assert_eq!(h.iter().map(|h| h.pid).collect::<Vec<_>>(), [holder.id()], "{h:?}");
                assert!(h[0].command.iter().any(|w| w.contains("sh")), "{h:?}");
            }
            Holders::Unknown => panic!("the scan did not finish"),
        }
        let other = dir.path().join("b.lock");
        std::fs::write(&other, b"").unwrap();
        assert_eq!(holders(&other, std::process::id(), Duration::from_secs(5)), Holders::Found(vec![]));
        assert_eq!(holders(&dir.path().join("gone.lock"), 0, Duration::from_secs(5)), Holders::Unknown);
    }
}
