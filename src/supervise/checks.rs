//! What hfwrap checks itself around an attempt: is a zero exit a complete
//! download, may a failed clone be re-run, and what does the Hub say when a
//! gated message cannot tell which case it is.

use crate::detect::catalogue::Cause;
use crate::diagnose::{synthetic, Diagnosis};
use crate::facts::cache;
use crate::facts::command::Client;
use crate::facts::context::Context;
use crate::recover::policy::Plan;
use crate::recover::probe::{self, Verdict};
use std::ffi::OsString;
use std::time::SystemTime;

/// Files named as evidence at most.
const EVIDENCE_FILES: usize = 3;

/// A zero exit that is not a complete download: partial files left, or a clone of pointer files.
pub fn incomplete_success(plan: &Plan, since: SystemTime, clone_dir_existed: Option<bool>) -> Option<Diagnosis> {
    if let Some((_, dir)) = plan.command.git_clone_target() {
        let pointers = cache::lfs_pointer_files(&dir);
        if clone_dir_existed == Some(false) && !pointers.is_empty() {
            let mut d = synthetic::diagnosis(
                "lfs_pointers",
                &[
                    ("count", pointers.len().to_string()),
                    ("pointer_files", pointers.len().to_string()),
                    ("dir", dir.display().to_string()),
                    ("path", dir.display().to_string()),
                ],
            );
            d.evidence = evidence("lfs_pointers", &pointers);
            return Some(d);
        }
    }
    if !plan.command.is_hub_download() {
        return None;
    }
    let partials = if plan.command.is_url_downloader() {
        // aria2c keeps `FILE.aria2` beside a file it has not finished.
        plan.command
            .output_file()
            .map(|f| cache::aria2_control_file(&f))
            .filter(|c| plan.command.client() == Client::Aria2c && c.exists())
            .into_iter()
            .collect()
    } else {
        cache::leftover_partials(&cache::watched_roots(&plan.command, &plan.env), since)
    };
    let first = partials.first()?;
    let mut d = synthetic::diagnosis(
        "exit_0_with_partials",
        &[
            ("count", partials.len().to_string()),
            ("partial_files", partials.len().to_string()),
            ("path", first.display().to_string()),
        ],
    );
    d.evidence = evidence("exit_0_with_partials", &partials);
    Some(d)
}

/// The template's evidence line once per file, for the first few.
fn evidence(name: &str, files: &[std::path::PathBuf]) -> Vec<String> {
    let template = synthetic::template(name).evidence.as_deref().unwrap_or("{path}");
    files
        .iter()
        .take(EVIDENCE_FILES)
        .map(|p| crate::diagnose::render(template, &[("path".to_string(), p.display().to_string())].into()))
        .collect()
}

/// A failed `git clone` whose target directory existed before hfwrap started is not re-run once git
/// has left something in it: hfwrap removes only what its own attempts created, and git refuses a
/// non-empty destination. (Still empty — git cleans up after e.g. an authentication failure — a re-run
/// is safe and nothing needs deleting.)
pub fn clone_rerun_blocked(plan: &Plan, clone_dir_existed: Option<bool>) -> Option<String> {
    let (_, dir) = plan.command.git_clone_target()?;
    if clone_dir_existed != Some(true) {
        return None;
    }
    let empty = std::fs::read_dir(&dir).map(|mut d| d.next().is_none()).unwrap_or(true);
    (!empty).then(|| {
        format!(
            "{} existed before hfwrap started and the failed clone left files in it; hfwrap never deletes what it did not create: remove it (or clone into a new directory) and re-run",
            dir.display()
        )
    })
}

/// Before re-running a clone: remove the directory only if hfwrap's own attempt created it.
pub fn remove_own_clone(plan: &Plan, clone_dir_existed: Option<bool>) {
    if let Some((_, dir)) = plan.command.git_clone_target() {
        if clone_dir_existed == Some(false) && dir.exists() {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

/// `hf` 2.x says the same for every gated case: ask the Hub which one it is
/// (only where the token already goes; see `probe`).
pub fn refine_with_probe(d: &mut Diagnosis, plan: &Plan, ctx: &Context) {
    let path_var = plan.env.get(&OsString::from("PATH")).cloned();
    let Ok(exe) = which::which_in(&plan.command.program, path_var, ".") else { return };
    let interpreter = match plan.command.client() {
        Client::Python => Some(exe),
        Client::Hf | Client::LegacyCli => crate::facts::hub::hub_behind(&exe, &plan.env).interpreter,
        _ => None,
    };
    let Some(py) = interpreter else { return };
    let repo = plan.command.repo_id().or_else(|| d.details.get("repo").cloned());
    let Some(verdict) = probe::ask(&py, &plan.env, repo.as_deref(), &plan.command.repo_type()) else { return };
    let repo_name = repo.clone().unwrap_or_else(|| "the repo".into());
    let repo_url = d.details.get("repo_url").cloned().unwrap_or_else(|| format!("{}/{repo_name}", ctx.endpoint));
    let fields = [
        ("repo", repo_name),
        ("repo_url", repo_url),
        ("token_source", ctx.token_description()),
        ("endpoint", ctx.endpoint.clone()),
    ];
    let (said, entry) = match verdict {
        Verdict::TokenInvalid => ("token_invalid", "probe_token_invalid"),
        Verdict::RequestPending => ("request_pending", "probe_request_pending"),
        Verdict::TokenScope => ("token_scope", "probe_token_scope"),
        Verdict::LicenceNotAccepted => ("licence_not_accepted", "probe_licence_not_accepted"),
        Verdict::AccessGranted | Verdict::RepoNotFound => return,
    };
    let t = synthetic::template(entry);
    if let Some(cause) = t.cause.filter(|c| *c != Cause::Unknown) {
        d.cause = cause;
        d.summary = cause.summary().into();
        d.rule = t.rule.clone();
    }
    d.details.insert("hub_says".into(), said.into());
    d.fix = synthetic::fix(entry, &fields);
}
