//! The disk: where the hub cache is and whether it can be used, what downloads left in it, and
//! whether a transfer is alive.
//!
//! `doctor` and the live run ask [`hub_cache_dir`] (the clients' own order), [`writable`],
//! [`free_bytes`], leftover `*.incomplete` files ([`partial_files`]) and lock files still held
//! after an hour ([`stale_locks`]).
//!
//! The watchdog: without a terminal, progress bars are off and Python buffers its output,
//! so silence is not a stall; and "Still waiting to acquire lock" repeats
//! forever, so chatter is not progress. A transfer is alive while bytes under
//! the places the clients write to keep growing: the repo's folder in the hub
//! cache, `<local-dir>/.cache/huggingface/download`, the Xet cache, a clone's
//! `.git`.
//!
//! Clients write in chunks (huggingface_hub: 10 MiB), so a slow but steady
//! transfer can go a minute without the file growing. Bytes the child's
//! processes *read* (`rchar` in `/proc/<pid>/io`, sockets included; Linux only,
//! `process::Running::bytes_read`) count too: a transfer is stalled only when
//! neither moves.

use crate::facts::command::Command;
use crate::facts::context::ChildEnv;
use crate::facts::token::hf_home;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Entries visited per watchdog scan at most, so a huge cache cannot make a scan slow.
const SCAN_LIMIT: usize = 20_000;

/// Where this command's bytes land.
pub fn watched_roots(command: &Command, env: &ChildEnv) -> Vec<PathBuf> {
    let mut roots = Vec::new();
    let home = hf_home(env);
    // The clients' order: `--cache-dir`, HF_HUB_CACHE, the legacy HUGGINGFACE_HUB_CACHE (still read by
    // huggingface_hub 2.x and 0.x alike), then $HF_HOME/hub. Missing one watches the wrong folder: the
    // bytes landing there go unseen by the watchdog, and so do partial files left after an exit 0.
    let hub_cache = command.cache_dir_flag().or_else(|| hub_cache_dir(env).map(|(dir, _)| dir));
    if let Some(dir) = command.local_dir() {
        roots.push(dir.join(".cache/huggingface/download"));
    }
    if let Some((_, dir)) = command.git_clone_target() {
        roots.push(dir.join(".git"));
    }
    if let Some(file) = command.output_file() {
        // A URL downloader's file and aria2c's control file beside it.
        roots.push(aria2_control_file(&file));
        roots.push(file);
    }
    match (command.repo_id(), &hub_cache) {
        (Some(repo), Some(cache)) => {
            let (kind, id) = match repo.strip_prefix("datasets/") {
                Some(id) => ("datasets", id.to_string()),
                None => (plural(&command.repo_type()), repo.clone()),
            };
            roots.push(cache.join(format!("{kind}--{}", id.replace('/', "--"))));
        }
        (None, Some(cache)) if command.git_clone_target().is_none() && !command.is_url_downloader() => {
            roots.push(cache.clone())
        }
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

/// Total bytes of regular files under `roots` (bounded walk, symlinks not followed).
pub fn bytes_on_disk(roots: &[PathBuf]) -> u64 {
    let mut total = 0;
    let mut budget = SCAN_LIMIT;
    for r in roots {
        match std::fs::symlink_metadata(r) {
            Ok(m) if m.is_file() => total += m.len(),
            _ => walk(r, &mut budget, &mut |_, meta| total += meta.len()),
        }
    }
    total
}

/// `FILE.aria2`: aria2c's control file, there while `FILE` is incomplete.
pub fn aria2_control_file(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_os_string();
    name.push(".aria2");
    PathBuf::from(name)
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
            // At most 1 KiB, never blocking: the file may have been swapped for a FIFO since the walk saw it.
            if let Ok(head) = super::shared_file::read(p, 1024) {
                if head.starts_with(b"version https://git-lfs.github.com/spec/v1") {
                    found.push(p.to_path_buf());
                }
            }
        }
    };
    walk(clone_dir, &mut budget, &mut visit);
    found
}

// ---------------------------------------------------------------------------------------------
// The hub cache as a whole: where it is, whether it is usable, what is left in it
// ---------------------------------------------------------------------------------------------

/// Directory entries visited at most per whole-cache scan ([`partial_files`], [`stale_locks`]).
const CACHE_SCAN_LIMIT: usize = 50_000;
/// A lock file untouched for this long that is still held suggests a hung download.
pub const STALE_LOCK: Duration = Duration::from_secs(3600);

/// The hub cache the clients use, and how it was chosen: `HF_HUB_CACHE`, the legacy
/// `HUGGINGFACE_HUB_CACHE`, `$HF_HOME/hub` or `default` (empty variables count as unset).
pub fn hub_cache_dir(env: &ChildEnv) -> Option<(PathBuf, &'static str)> {
    let var = |name: &str| env.get(OsStr::new(name)).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(p) = var("HF_HUB_CACHE") {
        return Some((p, "HF_HUB_CACHE"));
    }
    if let Some(p) = var("HUGGINGFACE_HUB_CACHE") {
        return Some((p, "HUGGINGFACE_HUB_CACHE"));
    }
    let via = if var("HF_HOME").is_some() { "$HF_HOME/hub" } else { "default" };
    hf_home(env).map(|h| (h.join("hub"), via))
}

/// Free bytes on the filesystem holding `dir` (or its nearest existing ancestor).
pub fn free_bytes(dir: &Path) -> Option<u64> {
    let mut p = dir;
    while !p.exists() {
        p = p.parent()?;
    }
    free_bytes_at(p)
}

#[cfg(unix)]
fn free_bytes_at(p: &Path) -> Option<u64> {
    let st = rustix::fs::statvfs(p).ok()?;
    Some(st.f_bavail.saturating_mul(st.f_frsize))
}

#[cfg(windows)]
fn free_bytes_at(p: &Path) -> Option<u64> {
    use std::os::windows::ffi::OsStrExt;
    let wide: Vec<u16> = p.as_os_str().encode_wide().chain(Some(0)).collect();
    let mut free = 0u64;
    // SAFETY: a NUL-terminated wide path and a valid out-pointer; the other outputs may be null.
    let ok = unsafe {
        windows_sys::Win32::Storage::FileSystem::GetDiskFreeSpaceExW(
            wide.as_ptr(),
            &mut free,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    };
    (ok != 0).then_some(free)
}

/// How a cache directory can be written to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Writable {
    /// A temporary file was created and deleted in the directory.
    Tested,
    /// The directory does not exist yet; its nearest existing ancestor is writable.
    WouldCreate(PathBuf),
}

/// Whether `dir` is (or could be created as) a writable directory; why not, as a phrase.
pub fn writable(dir: &Path) -> Result<Writable, String> {
    if dir.exists() {
        if !dir.is_dir() {
            return Err("exists but is not a directory".into());
        }
        let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let probe = dir.join(format!(".hfwrap-doctor-{}-{nanos}.tmp", std::process::id()));
        return match std::fs::OpenOptions::new().write(true).create_new(true).open(&probe) {
            Ok(_) => {
                let _ = std::fs::remove_file(&probe);
                Ok(Writable::Tested)
            }
            Err(e) => Err(format!("not writable ({e})")),
        };
    }
    let mut p = dir;
    while !p.exists() {
        p = p.parent().ok_or("no existing parent directory")?;
    }
    if !p.is_dir() {
        return Err(format!("cannot be created: {} is not a directory", p.display()));
    }
    match may_create_in(p) {
        Ok(()) => Ok(Writable::WouldCreate(p.to_path_buf())),
        Err(e) => Err(format!("cannot be created: {} is not writable ({e})", p.display())),
    }
}

#[cfg(unix)]
fn may_create_in(dir: &Path) -> std::io::Result<()> {
    use rustix::fs::Access;
    Ok(rustix::fs::access(dir, Access::WRITE_OK | Access::EXEC_OK)?)
}

/// Windows has no `access(2)`: a read-only directory is the one thing its attributes tell.
#[cfg(windows)]
fn may_create_in(dir: &Path) -> std::io::Result<()> {
    if std::fs::metadata(dir)?.permissions().readonly() {
        return Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
    }
    Ok(())
}

/// `*.incomplete` under `<cache>/*/blobs/`: (count, bytes).
pub fn partial_files(cache: &Path) -> (usize, u64) {
    let (mut count, mut bytes, mut budget) = (0usize, 0u64, CACHE_SCAN_LIMIT);
    let Ok(repos) = std::fs::read_dir(cache) else { return (0, 0) };
    for repo in repos.flatten() {
        let Ok(blobs) = std::fs::read_dir(repo.path().join("blobs")) else { continue };
        for b in blobs.flatten() {
            if budget == 0 {
                return (count, bytes);
            }
            budget -= 1;
            if b.file_name().to_string_lossy().ends_with(".incomplete") {
                if let Some(m) = b.metadata().ok().filter(|m| m.is_file()) {
                    count += 1;
                    bytes += m.len();
                }
            }
        }
    }
    (count, bytes)
}

/// Lock files under `<cache>/.locks` older than [`STALE_LOCK`]: (old, of which still held; at most 20).
pub fn stale_locks(cache: &Path) -> (usize, Vec<PathBuf>) {
    let mut old = 0;
    let mut held = Vec::new();
    let mut budget = CACHE_SCAN_LIMIT;
    let now = SystemTime::now();
    let mut stack = vec![cache.join(".locks")];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            if budget == 0 {
                return (old, held);
            }
            budget -= 1;
            let Ok(m) = e.metadata() else { continue };
            let p = e.path();
            if m.is_dir() {
                stack.push(p);
                continue;
            }
            if !m.is_file() || p.extension().map_or(true, |x| x != "lock") {
                continue;
            }
            let age = m.modified().ok().and_then(|t| now.duration_since(t).ok()).unwrap_or_default();
            if age < STALE_LOCK {
                continue;
            }
            old += 1;
            if held.len() < 20 && is_held(&p) {
                held.push(p);
            }
        }
    }
    (old, held)
}

/// Is another process holding this lock (the clients use `flock`)? Probed with a non-blocking
/// exclusive try-lock that is released at once; the file is not modified.
#[cfg(unix)]
pub fn is_held(p: &Path) -> bool {
    use rustix::fs::FlockOperation;
    // A lock file in a shared cache: a FIFO there must not hold the open up (`shared_file`).
    let Ok((f, _)) = super::shared_file::open_regular(p) else { return false };
    match rustix::fs::flock(&f, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {
            let _ = rustix::fs::flock(&f, FlockOperation::Unlock);
            false
        }
        Err(e) => e == rustix::io::Errno::WOULDBLOCK,
    }
}

/// Windows: the clients' lock (`filelock`'s `msvcrt.locking`) shows as a file that cannot be
/// opened for writing while held; a lock that cannot be probed counts as not held.
#[cfg(windows)]
pub fn is_held(p: &Path) -> bool {
    matches!(std::fs::OpenOptions::new().append(true).open(p), Err(e) if e.raw_os_error() == Some(33))
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

    #[test]
    fn finds_the_hub_cache_like_the_clients() {
        let e = |pairs: &[(&str, &str)]| -> ChildEnv {
            pairs.iter().map(|(k, v)| (OsString::from(k), OsString::from(v))).collect()
        };
        assert_eq!(
            hub_cache_dir(&e(&[("HF_HUB_CACHE", "/c"), ("HF_HOME", "/h")])),
            Some(("/c".into(), "HF_HUB_CACHE"))
        );
        assert_eq!(
            hub_cache_dir(&e(&[("HF_HUB_CACHE", ""), ("HUGGINGFACE_HUB_CACHE", "/l")])),
            Some(("/l".into(), "HUGGINGFACE_HUB_CACHE"))
        );
        assert_eq!(hub_cache_dir(&e(&[("HF_HOME", "/h")])), Some(("/h/hub".into(), "$HF_HOME/hub")));
        assert_eq!(hub_cache_dir(&e(&[("HOME", "/u")])), Some(("/u/.cache/huggingface/hub".into(), "default")));
        assert_eq!(hub_cache_dir(&e(&[])), None);
    }

    #[test]
    fn cache_usability_partials_and_locks() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(writable(d.path()), Ok(Writable::Tested));
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 0, "the probe file is removed");
        assert_eq!(writable(&d.path().join("a/b")), Ok(Writable::WouldCreate(d.path().to_path_buf())));
        let f = d.path().join("file");
        std::fs::write(&f, b"").unwrap();
        assert_eq!(writable(&f), Err("exists but is not a directory".into()));
        assert!(writable(&f.join("sub")).unwrap_err().contains("is not a directory"));
        assert!(free_bytes(Path::new("/definitely/not/here")).is_some());

        std::fs::create_dir_all(d.path().join("models--o--m/blobs")).unwrap();
        std::fs::write(d.path().join("models--o--m/blobs/x.incomplete"), vec![0u8; 10]).unwrap();
        std::fs::write(d.path().join("models--o--m/blobs/done"), b"x").unwrap();
        assert_eq!(partial_files(d.path()), (1, 10));

        let locks = d.path().join(".locks/models--o--m");
        std::fs::create_dir_all(&locks).unwrap();
        let old = SystemTime::now() - 2 * STALE_LOCK;
        let held = std::fs::File::create(locks.join("held.lock")).unwrap();
        held.set_modified(old).unwrap();
        std::fs::File::create(locks.join("free.lock")).unwrap().set_modified(old).unwrap();
        std::fs::File::create(locks.join("fresh.lock")).unwrap();
        #[cfg(unix)]
        {
            rustix::fs::flock(&held, rustix::fs::FlockOperation::NonBlockingLockExclusive).unwrap();
            assert_eq!(stale_locks(d.path()), (2, vec![locks.join("held.lock")]));
        }
        drop(held);
        assert_eq!(stale_locks(d.path()), (2, vec![]));
    }
}
