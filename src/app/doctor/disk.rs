//! Doctor's cache checks: the hub cache directory, free space under it, leftover partial
//! files, lock files still held.

use super::{shell_quote, Finding};
use crate::facts::cache::{self, Writable};
use crate::facts::context::{self, ChildEnv};
use crate::facts::hub::Version;
use std::path::Path;

/// Below this much free space on the cache's filesystem, warn.
const LOW_DISK: u64 = 1 << 30;

pub(super) fn cache_findings(env: &ChildEnv, version: Option<Version>) -> Vec<Finding> {
    let Some((dir, via)) = cache::hub_cache_dir(env) else {
        return vec![Finding::warn(
            "cache",
            "no cache directory: neither HF_HOME, HF_HUB_CACHE nor HOME is set",
            "set HF_HOME to a writable directory",
        )];
    };
    let shown = dir.display().to_string();
    let mut out = Vec::new();
    let redirect = "point HF_HOME (or HF_HUB_CACHE) at a writable directory";
    match cache::writable(&dir) {
        Ok(Writable::Tested) => out.push(Finding::ok("cache", format!("{shown} ({via}): exists and is writable"))),
        Ok(Writable::WouldCreate(parent)) => out
            .push(Finding::ok("cache", format!("{shown} ({via}): not created yet; {} is writable", parent.display()))),
        Err(why) => out.push(Finding::fail("cache", format!("{shown} ({via}): {why}"), redirect)),
    }
    match cache::free_bytes(&dir) {
        Some(n) if n < LOW_DISK => out.push(Finding::warn(
            "disk",
            format!("only {} free on the filesystem holding {shown}", context::human_bytes(n)),
            format!(
                "free space there, or point HF_HOME at a larger disk (need more than {})",
                context::human_bytes(LOW_DISK)
            ),
        )),
        Some(n) => {
            out.push(Finding::ok("disk", format!("{} free on the filesystem holding {shown}", context::human_bytes(n))))
        }
        None => out.push(Finding::ok("disk", format!("free space unknown for {shown}"))),
    }
    if dir.is_dir() {
        out.push(partials_finding(&dir, version));
        out.push(locks_finding(&dir));
    }
    out
}

fn partials_finding(cache: &Path, version: Option<Version>) -> Finding {
    let (n, bytes) = cache::partial_files(cache);
    if n == 0 {
        return Finding::ok("partials", "no leftover partial files (*.incomplete) in the cache");
    }
    let what = format!(
        "{n} partial file(s) (*.incomplete, {}) under {}/*/blobs",
        context::human_bytes(bytes),
        cache.display()
    );
    match version {
        Some(v) if v < Version(1, 18, 0) => {
            Finding::ok("partials", format!("{what}: huggingface_hub {v} resumes them on the next download"))
        }
        _ => Finding::warn(
            "partials",
            format!("{what}: left by interrupted downloads; huggingface_hub ≥1.18 never resumes them"),
            format!(
                "once no download is running, delete them: find {} -path '*/blobs/*.incomplete' -delete",
                shell_quote(&cache.display().to_string())
            ),
        ),
    }
}

fn locks_finding(cache: &Path) -> Finding {
    let (old, held) = cache::stale_locks(cache);
    if !held.is_empty() {
        return Finding::warn(
            "locks",
            format!(
                "{} lock file(s) in {}/.locks unchanged for over an hour and still held (a hung download? others block on it with \"Still waiting to acquire lock\"), e.g. {}",
                held.len(),
                cache.display(),
                held[0].display()
            ),
            format!("find and stop the process holding it: fuser -v {}", shell_quote(&held[0].display().to_string())),
        );
    }
    if old > 0 {
        return Finding::ok(
            "locks",
            format!("{old} lock file(s) older than an hour, none held (harmless: the clients never delete lock files)"),
        );
    }
    Finding::ok("locks", "no lock file older than an hour")
}
