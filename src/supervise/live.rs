//! Check instead of guess: when an attempt failed and its output names no
//! known failure, hfwrap looks at what it can check itself, right now, before
//! it calls the cause unknown — free space and writability where the download
//! lands, then DNS and TCP to the endpoint (or to the proxy the client would
//! use). Bounded (a few seconds in all), live runs only: `explain` reads
//! someone else's log and never checks this machine.

use crate::diagnose::{synthetic, Diagnosis};
use crate::facts::cache;
use crate::facts::context::{human_bytes, Context};
use crate::facts::endpoint::{self, Endpoint};
use crate::facts::locks::{self, Holders};
use crate::recover::policy::Plan;
use std::path::PathBuf;

/// Below this much free space a failed download is taken to have run out of disk.
const NEARLY_FULL: u64 = 32 << 20;

/// A diagnosis from what hfwrap checked, or `None` when every check passed (or the command is
/// not a download, whose failure could be anything: nothing is checked for it).
pub fn check(plan: &Plan, ctx: &Context) -> Option<Diagnosis> {
    if !plan.command.is_hub_download() && plan.command.git_clone_target().is_none() {
        return None;
    }
    let mut places: Vec<PathBuf> = plan.command.local_dir().into_iter().collect();
    places.extend(ctx.cache_dir.clone());
    for dir in &places {
        if let Some(free) = cache::free_bytes(dir).filter(|f| *f < NEARLY_FULL) {
            let fields = [("free", human_bytes(free)), ("path", dir.display().to_string())];
            return Some(synthetic::diagnosis("checked_disk_full", &fields));
        }
        if let Err(why) = cache::writable(dir) {
            let fields = [("path", dir.display().to_string()), ("why", why)];
            return Some(synthetic::diagnosis("checked_unwritable", &fields));
        }
    }
    unreachable(plan, ctx)
}

/// The endpoint, or the proxy in front of it, refuses or does not resolve.
fn unreachable(plan: &Plan, ctx: &Context) -> Option<Diagnosis> {
    let target = Endpoint::parse_http(&ctx.endpoint).ok()?;
    let (what, host, port) = match endpoint::proxy_for(&plan.env, &target) {
        Some((var, raw)) => {
            let proxy = Endpoint::parse(&raw).ok()?;
            (format!("the proxy in {var} ({})", proxy.origin()), proxy.host_str(), proxy.port())
        }
        None => (target.origin(), target.host_str(), target.port()),
    };
    let why = endpoint::reach(&host, port).err()?;
    let fields = [("reached", what), ("why", why), ("proxy_vars", ctx.proxy_description())];
    Some(synthetic::diagnosis("checked_unreachable", &fields))
}

/// How long the lock holders are looked for.
const LOCK_SCAN: std::time::Duration = std::time::Duration::from_secs(1);

/// A stuck lock: who holds it right now, in the evidence and the fix (Linux; elsewhere unknown,
/// and nothing is added).
pub fn name_lock_holders(d: &mut Diagnosis) {
    let Some(path) = d.details.get("path").cloned() else { return };
    let found = match locks::holders(std::path::Path::new(&path), std::process::id(), LOCK_SCAN) {
        Holders::Found(found) => found,
        Holders::Unknown => return,
    };
    let (name, holders) = if found.is_empty() {
        ("lock_unheld", String::new())
    } else {
        let shown: Vec<String> = found
            .iter()
            .map(|h| {
                let words = crate::redact::argv(&h.command).join(" ");
                // One line, whatever the arguments hold (a `python -c` program has newlines).
                let line: String = words.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(120).collect();
                format!("pid {} (`{line}`)", h.pid)
            })
            .collect();
        ("lock_held", shown.join(", "))
    };
    let fields = [("path", path), ("holders", holders.clone())];
    let checked = synthetic::diagnosis(name, &fields);
    d.evidence.extend(checked.evidence);
    d.fix = if name == "lock_held" { checked.fix } else { format!("{} {}", d.fix, checked.fix) };
    if !holders.is_empty() {
        d.details.insert("holders".into(), holders);
    }
}
