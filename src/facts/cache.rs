//! Liveness measured on disk, and partial files left behind.
//!
//! Without a terminal, progress bars are off and Python buffers its output,
//! so silence is not a stall; and "Still waiting to acquire lock" repeats
//! forever, so chatter is not progress. A transfer is alive while bytes under
//! the places the clients write to keep growing: the repo's folder in the hub
//! cache, `<local-dir>/.cache/huggingface/download`, the Xet cache, a clone's
//! `.git`.
//!
//! Clients write in chunks (huggingface_hub: 10 MiB), so a slow but steady
//! transfer can go a minute without the file growing. Bytes the child's
//! processes *read* (`rchar` in `/proc/<pid>/io`, sockets included) count too:
//! a transfer is stalled only when neither moves.

use crate::facts::command::Command;
use crate::facts::context::ChildEnv;
use crate::facts::token::hf_home;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Entries visited per scan at most, so a huge cache cannot make a scan slow.
const SCAN_LIMIT: usize = 20_000;

/// Where this command's bytes land.
pub fn watched_roots(command: &Command, env: &ChildEnv) -> Vec<PathBuf> {
    let mut roots = Vec::new();
    let home = hf_home(env);
    let var = |name: &str| env.get(std::ffi::OsStr::new(name)).filter(|v| !v.is_empty()).map(PathBuf::from);
    // The clients' order: `--cache-dir`, HF_HUB_CACHE, the legacy HUGGINGFACE_HUB_CACHE (still read by
    // huggingface_hub 2.x and 0.x alike), then $HF_HOME/hub. Missing one watches the wrong folder: the
    // bytes landing there go unseen by the watchdog, and so do partial files left after an exit 0.
    let hub_cache = command
        .cache_dir_flag()
        .or_else(|| var("HF_HUB_CACHE"))
        .or_else(|| var("HUGGINGFACE_HUB_CACHE"))
        .or_else(|| home.as_ref().map(|h| h.join("hub")));
    if let Some(dir) = command.local_dir() {
        roots.push(dir.join(".cache/huggingface/download"));
    }
    if let Some((_, dir)) = command.git_clone_target() {
        roots.push(dir.join(".git"));
    }
    match (command.repo_id(), &hub_cache) {
        (Some(repo), Some(cache)) => {
            let (kind, id) = match repo.strip_prefix("datasets/") {
                Some(id) => ("datasets", id.to_string()),
                None => (plural(&command.repo_type()), repo.clone()),
            };
            roots.push(cache.join(format!("{kind}--{}", id.replace('/', "--"))));
        }
        (None, Some(cache)) if command.git_clone_target().is_none() => roots.push(cache.clone()),
        _ => {}
    }
    if let Some(h) = home {
        roots.push(env.get(std::ffi::OsStr::new("HF_XET_CACHE")).map(PathBuf::from).unwrap_or_else(|| h.join("xet")));
    }
    roots
}

fn plural(repo_type: &str) -> &'static str {
    match repo_type {
        "dataset" => "datasets",
        "space" => "spaces",
        _ => "models",
    }
}

/// Bytes read so far by every process of the group `pgid` (Linux `/proc`; 0 elsewhere).
pub fn group_read_bytes(pgid: i32) -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0 };
    let mut total = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().filter(|n| n.bytes().all(|b| b.is_ascii_digit())) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // Fields after the parenthesised command: state ppid pgrp …
        let Some(after) = stat.rsplit_once(')').map(|x| x.1) else { continue };
        let pgrp = after.split_whitespace().nth(2).and_then(|v| v.parse::<i32>().ok());
        if pgrp != Some(pgid) {
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

/// Total bytes of regular files under `roots` (bounded walk, symlinks not followed).
pub fn bytes_on_disk(roots: &[PathBuf]) -> u64 {
    let mut total = 0;
    let mut budget = SCAN_LIMIT;
    for r in roots {
        walk(r, &mut budget, &mut |_, meta| total += meta.len());
    }
    total
}

/// `*.incomplete` files under `roots` modified since `since` (this run's leftovers).
pub fn leftover_partials(roots: &[PathBuf], since: SystemTime) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut budget = SCAN_LIMIT;
    for r in roots {
        walk(r, &mut budget, &mut |p, meta| {
            let partial = p.extension().is_some_and(|e| e == "incomplete")
                || p.parent().is_some_and(|d| d.ends_with("lfs/incomplete"));
            if partial && meta.modified().map(|m| m >= since).unwrap_or(true) {
                found.push(p.to_path_buf());
            }
        });
    }
    found
}

fn walk(dir: &Path, budget: &mut usize, visit: &mut dyn FnMut(&Path, &std::fs::Metadata)) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        let Ok(meta) = e.metadata() else { continue };
        let path = e.path();
        if meta.is_dir() {
            walk(&path, budget, visit);
        } else if meta.is_file() {
            visit(&path, &meta);
        }
    }
}

/// Small files in a clone that are git-lfs pointers (git-lfs was not there to smudge them).
pub fn lfs_pointer_files(clone_dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut budget = SCAN_LIMIT;
    let mut visit = |p: &Path, meta: &std::fs::Metadata| {
        if meta.len() < 1024 && !p.components().any(|c| c.as_os_str() == ".git") {
            if let Ok(head) = std::fs::read(p) {
                if head.starts_with(b"version https://git-lfs.github.com/spec/v1") {
                    found.push(p.to_path_buf());
                }
            }
        }
    };
    walk(clone_dir, &mut budget, &mut visit);
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    #[test]
    fn watches_the_repo_folder_and_local_dir() {
        let env: ChildEnv = [(OsString::from("HF_HOME"), OsString::from("/h"))].into_iter().collect();
        let cmd =
            Command::new("hf".into(), vec!["download".into(), "org/m".into(), "--local-dir".into(), "out".into()]);
        let roots = watched_roots(&cmd, &env);
        assert!(roots.contains(&PathBuf::from("out/.cache/huggingface/download")));
        assert!(roots.contains(&PathBuf::from("/h/hub/models--org--m")));
        assert!(roots.contains(&PathBuf::from("/h/xet")));
        let env: ChildEnv = [("HF_HOME", "/h"), ("HUGGINGFACE_HUB_CACHE", "/legacy"), ("HF_HUB_CACHE", "")]
            .iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v)))
            .collect();
        let cmd = Command::new("hf".into(), vec!["download".into(), "org/m".into()]);
        assert!(watched_roots(&cmd, &env).contains(&PathBuf::from("/legacy/models--org--m")));
    }

    #[test]
    fn counts_what_a_process_group_reads() {
        // This test process is its own reader: reading a file moves its group's counter.
        let pgid = unsafe { libc::getpgrp() };
        let before = group_read_bytes(pgid);
        let _ = std::fs::read("/proc/self/maps");
        let data = vec![0u8; 1 << 16];
        std::fs::write(std::env::temp_dir().join("hfwrap-watchdog-test"), &data).unwrap();
        let _ = std::fs::read(std::env::temp_dir().join("hfwrap-watchdog-test")).unwrap();
        assert!(group_read_bytes(pgid) >= before + (1 << 16));
    }

    #[test]
    fn finds_partials_and_pointers() {
        let dir = tempfile::tempdir().unwrap();
        let since = SystemTime::now() - std::time::Duration::from_secs(5);
        std::fs::create_dir_all(dir.path().join("blobs")).unwrap();
        std::fs::write(dir.path().join("blobs/abc.1234.incomplete"), b"xx").unwrap();
        std::fs::write(dir.path().join("blobs/done"), b"xxxx").unwrap();
        assert_eq!(leftover_partials(&[dir.path().to_path_buf()], since).len(), 1);
        assert_eq!(bytes_on_disk(&[dir.path().to_path_buf()]), 6);
        std::fs::write(
            dir.path().join("model.bin"),
            b"version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 9\n",
        )
        .unwrap();
        assert_eq!(lfs_pointer_files(dir.path()).len(), 1);
    }
}
