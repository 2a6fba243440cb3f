//! What hfwrap checks itself around an attempt: is a zero exit a complete
//! download, may a failed clone be re-run, and what does the Hub say when a
//! gated message cannot tell which case it is.

use crate::detect::catalogue::{Catalogue, Cause};
use crate::diagnose::{synthetic, Collector, Diagnosis};
use crate::facts::cache;
use crate::facts::command::{Client, Command};
use crate::facts::context::Context;
use crate::facts::destination::Trust;
use crate::facts::token::TokenSource;
use crate::facts::{shared_file, token};
use crate::recover::policy::Plan;
use crate::recover::probe::{self, Verdict};
use std::ffi::OsString;
use std::path::Path;
use std::time::SystemTime;

/// Files named as evidence at most.
const EVIDENCE_FILES: usize = 3;

/// A zero exit that is not a complete download: partial files left, or a clone of pointer files.
pub fn incomplete_success(plan: &Plan, since: SystemTime, clone: Option<CloneDir>) -> Option<Diagnosis> {
    if let Some((_, dir)) = plan.command.git_clone_target() {
        let pointers = cache::lfs_pointer_files(&dir);
        if matches!(clone, Some(CloneDir::Appeared(_))) && !pointers.is_empty() {
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

/// Bytes of a body curl saved that are read for an error: the Hub's error pages are small.
const ERROR_BODY_LIMIT: u64 = 64 * 1024;

/// curl exits 0 on an HTTP error unless told `--fail`: it saves the server's error body as the
/// file (`{"error":"Access to model … is restricted …"}`). A zero exit of a curl of a Hub URL
/// without `-f`/`--fail`/`--fail-with-body`, whose output file is new, small and reads as a known
/// failure, is that failure. Read as a regular file only, bounded (`facts::shared_file`).
pub fn curl_error_body(plan: &Plan, since: SystemTime, catalogue: &Catalogue, ctx: &Context) -> Option<Diagnosis> {
    if plan.command.client() != Client::Curl
        || plan.command.hub_url().is_none()
        || plan.command.curl_fails_on_http_errors()
    {
        return None;
    }
    let file = plan.command.output_file()?;
    let fresh = std::fs::symlink_metadata(&file).and_then(|m| m.modified()).is_ok_and(|t| t >= since);
    if !fresh {
        return None;
    }
    let body = crate::facts::shared_file::read(&file, ERROR_BODY_LIMIT).ok()?;
    let mut d = Collector::read_all(catalogue, body.as_slice()).ok()?.diagnose(catalogue, ctx);
    if d.cause == Cause::Unknown {
        return None;
    }
    let shown = file.display().to_string();
    d.evidence.insert(0, format!("curl exited 0 but saved the server's error as {shown}"));
    d.fix.push_str(&format!(
        " curl exits 0 on an HTTP error without --fail, so {shown} holds that error, not the file: use `curl -fL` (and delete {shown})."
    ));
    d.details.insert("path".into(), shown);
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

// ---------------------------------------------------------------------------------------------
// A git clone's target directory: removed before a re-run only when hfwrap can show it is the one
// its own attempt created.
// ---------------------------------------------------------------------------------------------

/// A directory's identity: device and inode of a real directory (not a symlink) this user owns, and
/// its birth time where the filesystem keeps one (a freed inode number is reused at once: a directory
/// removed and made again often gets the same one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirId {
    dev: u64,
    ino: u64,
    born: Option<SystemTime>,
}

#[cfg(unix)]
fn dir_id(path: &Path) -> Option<DirId> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::symlink_metadata(path).ok()?;
    // SAFETY: geteuid(2) has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    (m.file_type().is_dir() && m.uid() == me).then(|| DirId { dev: m.dev(), ino: m.ino(), born: m.created().ok() })
}

/// Without device and inode numbers nothing can be shown to be hfwrap's own: nothing is removed.
#[cfg(not(unix))]
fn dir_id(_path: &Path) -> Option<DirId> {
    None
}

/// What hfwrap knows of a `git clone`'s target directory, attempt by attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloneDir {
    /// Something was there before hfwrap started: never removed.
    Existed,
    /// Something is there that hfwrap cannot show its attempt created (it was there before the
    /// attempt, or it is a symlink or another user's): never removed.
    Foreign,
    /// Nothing was there before this attempt.
    Absent,
    /// A directory appeared during this attempt where nothing was; its identity right after it.
    Appeared(DirId),
}

fn exists(dir: &Path) -> bool {
    // Not `Path::exists`: a dangling symlink is something, and an unreadable parent is not nothing.
    !matches!(std::fs::symlink_metadata(dir), Err(e) if e.kind() == std::io::ErrorKind::NotFound)
}

/// Before hfwrap starts: is something at the clone's target already? (`None`: not a clone.)
pub fn clone_dir(command: &Command) -> Option<CloneDir> {
    let (_, dir) = command.git_clone_target()?;
    Some(if exists(&dir) { CloneDir::Existed } else { CloneDir::Absent })
}

/// Before each attempt: hfwrap removed its own directory after the last one, so whatever is at the
/// target now is not this attempt's doing.
pub fn clone_dir_before_attempt(plan: &Plan, clone: &mut Option<CloneDir>) {
    let (Some(state), Some((_, dir))) = (clone.as_mut(), plan.command.git_clone_target()) else { return };
    *state = match (*state, exists(&dir)) {
        (_, false) => CloneDir::Absent,
        (CloneDir::Existed, true) => CloneDir::Existed,
        (_, true) => CloneDir::Foreign,
    };
}

/// Right after an attempt: a directory that appeared where nothing was is recorded by device and
/// inode (a symlink, or a directory of another user's, is not hfwrap's attempt's).
pub fn clone_dir_after_attempt(plan: &Plan, clone: &mut Option<CloneDir>) {
    let (Some(state), Some((_, dir))) = (clone.as_mut(), plan.command.git_clone_target()) else { return };
    if *state == CloneDir::Absent && exists(&dir) {
        *state = dir_id(&dir).map_or(CloneDir::Foreign, CloneDir::Appeared);
    }
}

/// What may be done with a directory that appeared during hfwrap's attempt.
#[derive(Debug, PartialEq, Eq)]
enum Own {
    /// Nothing to remove: gone, or empty (git clones into an empty directory).
    Nothing,
    /// The directory git made in hfwrap's attempt: same device and inode, not a symlink, with git's `.git`.
    Remove,
}

fn own_clone(dir: &Path, id: DirId) -> Result<Own, String> {
    if !exists(dir) {
        return Ok(Own::Nothing);
    }
    if dir_id(dir) != Some(id) {
        return Err("it is no longer the directory that was there right after hfwrap's attempt".into());
    }
    if std::fs::read_dir(dir).map(|mut d| d.next().is_none()).unwrap_or(false) {
        return Ok(Own::Nothing);
    }
    // git removes a directory it made when a clone fails, or leaves its .git in it; a directory with
    // files and no .git was made by something else while the attempt ran.
    if !std::fs::symlink_metadata(dir.join(".git")).is_ok_and(|m| m.is_dir()) {
        return Err("it has files but no .git, so git did not make it".into());
    }
    Ok(Own::Remove)
}

/// May a failed `git clone` be re-run? Not when its target holds files hfwrap cannot show its own
/// attempt created: hfwrap removes only what its own attempts created, and git refuses a non-empty
/// destination. (A directory that was there before and is still empty — git cleans up after e.g. an
/// authentication failure — allows the re-run, and nothing needs deleting.)
pub fn clone_rerun_blocked(plan: &Plan, clone: Option<CloneDir>) -> Option<String> {
    let (_, dir) = plan.command.git_clone_target()?;
    let never = "hfwrap never deletes what it did not create: remove it (or clone into a new directory) and re-run";
    let non_empty = || std::fs::read_dir(&dir).map(|mut d| d.next().is_some()).unwrap_or(false);
    match clone? {
        CloneDir::Existed => non_empty().then(|| {
            format!("{} existed before hfwrap started and the failed clone left files in it; {never}", dir.display())
        }),
        CloneDir::Foreign | CloneDir::Absent => (exists(&dir) && (non_empty() || dir_id(&dir).is_none())).then(|| {
            format!(
                "{} appeared while hfwrap ran and hfwrap cannot show that its own attempt created it; {never}",
                dir.display()
            )
        }),
        CloneDir::Appeared(id) => own_clone(&dir, id).err().map(|why| {
            format!(
                "{} appeared during hfwrap's attempt but {why}, so hfwrap cannot show it created it; {never}",
                dir.display()
            )
        }),
    }
}

/// Before re-running a clone: remove the directory only if hfwrap's own attempt created it, checked
/// on the directory itself once it is out of the way (moved aside in its own parent first, so the
/// directory checked is the directory removed). `Some` is a warning: it was left where it is.
pub fn remove_own_clone(plan: &Plan, clone: Option<CloneDir>) -> Option<String> {
    let (_, dir) = plan.command.git_clone_target()?;
    let Some(CloneDir::Appeared(id)) = clone else { return None };
    if own_clone(&dir, id) != Ok(Own::Remove) {
        return None;
    }
    let name = dir.file_name()?.to_string_lossy().into_owned();
    let aside = dir.with_file_name(format!(".{name}.hfwrap-removing-{}", std::process::id()));
    if exists(&aside) || std::fs::rename(&dir, &aside).is_err() {
        return Some(format!("could not move the failed clone {} aside to remove it; left as it is", dir.display()));
    }
    if own_clone(&aside, id) == Ok(Own::Remove) {
        let _ = std::fs::remove_dir_all(&aside);
        return None;
    }
    // Swapped between the check and the move: put it back if nothing took its place.
    if !exists(&dir) && std::fs::rename(&aside, &dir).is_ok() {
        return Some(format!("{} changed while hfwrap was removing its failed clone; left as it is", dir.display()));
    }
    Some(format!(
        "{} changed while hfwrap was removing its failed clone; it is now at {}",
        dir.display(),
        aside.display()
    ))
}

/// The token files this run may read that hold something hfwrap will not read (a FIFO, a device, a
/// file over 64 KiB): one warning each. (The run goes on as if they were not there.)
pub fn unusable_token_files(plan: &Plan, token_file: Option<&Path>) -> Vec<String> {
    token::list_sources(&plan.env, token_file)
        .unusable
        .into_iter()
        .filter_map(|u| match u {
            token::Unusable::Unreadable(p) => {
                let why = shared_file::read(&p, shared_file::SMALL).err()?;
                Some(format!("ignoring the token file {}: {why}", p.display()))
            }
            token::Unusable::Missing(_) => None,
        })
        .collect()
}

/// `hf` 2.x says the same for every gated case: ask the Hub which one it is — only a trusted
/// endpoint, only with the token in effect and never one given with `--token` (see `probe`).
/// `Err(signal)` when a signal came while the probe ran: the run is interrupted.
pub fn refine_with_probe(
    d: &mut Diagnosis,
    plan: &Plan,
    ctx: &Context,
    trust: &Trust,
    signalled: &dyn Fn() -> Option<i32>,
) -> Result<(), i32> {
    let Some(token) = ctx.token.as_ref().filter(|t| t.source != TokenSource::Argument) else { return Ok(()) };
    let Ok(endpoint) = trust.check(&crate::facts::context::endpoint(&plan.env)) else { return Ok(()) };
    let path_var = plan.env.get(&OsString::from("PATH")).cloned();
    let Ok(exe) = which::which_in(&plan.command.program, path_var, ".") else { return Ok(()) };
    let (interpreter, site) = match plan.command.client() {
        Client::Python => (Some(exe), None),
        Client::Hf | Client::LegacyCli => {
            let hub = crate::facts::hub::hub_behind(&exe, &plan.env);
            (hub.interpreter, hub.site)
        }
        _ => (None, None),
    };
    let Some(py) = interpreter else { return Ok(()) };
    let repo = plan.command.repo_id().or_else(|| d.details.get("repo").cloned());
    let repo_type = plan.command.repo_type();
    let question = probe::Question {
        interpreter: &py,
        site: site.as_deref(),
        env: &plan.env,
        endpoint: &endpoint,
        token,
        repo: repo.as_deref(),
        repo_type: &repo_type,
    };
    let caught = std::cell::Cell::new(None);
    let cancel = || {
        if caught.get().is_none() {
            caught.set(signalled());
        }
        caught.get().is_some()
    };
    let verdict = match probe::ask(&question, &cancel) {
        Ok(v) => v,
        Err(probe::NoVerdict::Interrupted) => return Err(caught.get().unwrap_or(crate::process::signals::INT)),
        Err(_) => return Ok(()),
    };
    let repo_name = repo.clone().unwrap_or_else(|| "the repo".into());
    let repo_url = d.details.get("repo_url").cloned().unwrap_or_else(|| format!("{}/{repo_name}", ctx.hub));
    let fields = [
        ("repo", repo_name),
        ("repo_url", repo_url),
        ("token_source", ctx.token_description()),
        ("endpoint", ctx.endpoint.clone()),
        ("hub", ctx.hub.clone()),
    ];
    let (said, entry) = match verdict {
        Verdict::TokenInvalid => ("token_invalid", "probe_token_invalid"),
        Verdict::RequestPending => ("request_pending", "probe_request_pending"),
        Verdict::TokenScope => ("token_scope", "probe_token_scope"),
        Verdict::LicenceNotAccepted => ("licence_not_accepted", "probe_licence_not_accepted"),
        Verdict::AccessGranted | Verdict::RepoNotFound => return Ok(()),
    };
    let t = synthetic::template(entry);
    if let Some(cause) = t.cause.filter(|c| *c != Cause::Unknown) {
        d.cause = cause;
        d.summary = cause.summary().into();
        d.rule = t.rule.clone();
    }
    d.details.insert("hub_says".into(), said.into());
    d.fix = synthetic::fix(entry, &fields);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `git clone URL <dir>`, the directory absolute.
    fn clone_plan(dir: &Path) -> Plan {
        let args = ["clone".into(), "https://huggingface.co/org/m".into(), dir.as_os_str().to_owned()];
        Plan::new(Command::new("git".into(), args.to_vec()), Default::default())
    }

    /// Start, then one attempt during which `during` runs; the state after it.
    fn one_attempt(plan: &Plan, during: impl FnOnce()) -> Option<CloneDir> {
        let mut c = clone_dir(&plan.command);
        clone_dir_before_attempt(plan, &mut c);
        during();
        clone_dir_after_attempt(plan, &mut c);
        c
    }

    #[test]
    fn gits_own_failed_clone_is_removed() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("clone");
        let plan = clone_plan(&dir);
        let c = one_attempt(&plan, || {
            std::fs::create_dir_all(dir.join(".git/objects")).unwrap();
            std::fs::write(dir.join("part"), "x").unwrap();
        });
        assert!(matches!(c, Some(CloneDir::Appeared(_))), "{c:?}");
        assert_eq!(clone_rerun_blocked(&plan, c), None);
        assert_eq!(remove_own_clone(&plan, c), None);
        assert!(!dir.exists());
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 0, "nothing left aside");
    }

    #[test]
    fn a_directory_replaced_after_the_attempt_is_not_removed() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("clone");
        let plan = clone_plan(&dir);
        let c = one_attempt(&plan, || std::fs::create_dir_all(dir.join(".git")).unwrap());
        // Between the attempt and the removal, someone else's directory takes its place.
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::create_dir_all(dir.join(".git")).unwrap();
        std::fs::write(dir.join("theirs"), "x").unwrap();
        let why = clone_rerun_blocked(&plan, c).expect("blocked");
        assert!(why.contains("no longer the directory"), "{why}");
        assert_eq!(remove_own_clone(&plan, c), None);
        assert!(dir.join("theirs").exists());
    }

    #[test]
    #[cfg(unix)]
    fn a_symlink_or_a_directory_without_git_is_never_removed() {
        let d = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::fs::create_dir(elsewhere.path().join(".git")).unwrap();
        std::fs::write(elsewhere.path().join("precious"), "x").unwrap();
        let dir = d.path().join("clone");
        let plan = clone_plan(&dir);
        let c = one_attempt(&plan, || std::os::unix::fs::symlink(elsewhere.path(), &dir).unwrap());
        assert_eq!(c, Some(CloneDir::Foreign));
        assert!(clone_rerun_blocked(&plan, c).unwrap().contains("cannot show"));
        assert_eq!(remove_own_clone(&plan, c), None);
        assert!(elsewhere.path().join("precious").exists() && dir.symlink_metadata().is_ok());

        let dir = d.path().join("clone2");
        let plan = clone_plan(&dir);
        let c = one_attempt(&plan, || {
            std::fs::create_dir(&dir).unwrap();
            std::fs::write(dir.join("theirs"), "x").unwrap();
        });
        assert!(clone_rerun_blocked(&plan, c).unwrap().contains("no .git"));
        assert_eq!(remove_own_clone(&plan, c), None);
        assert!(dir.join("theirs").exists());
    }

    #[test]
    fn a_directory_that_appears_between_attempts_is_not_this_attempts() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("clone");
        let plan = clone_plan(&dir);
        // Attempt 1 left nothing (git cleans up); then another process clones there before attempt 2.
        let mut c = one_attempt(&plan, || {});
        assert_eq!(c, Some(CloneDir::Absent));
        std::fs::create_dir_all(dir.join(".git")).unwrap();
        std::fs::write(dir.join("theirs"), "x").unwrap();
        clone_dir_before_attempt(&plan, &mut c);
        clone_dir_after_attempt(&plan, &mut c);
        assert_eq!(c, Some(CloneDir::Foreign));
        assert!(clone_rerun_blocked(&plan, c).unwrap().contains("appeared while hfwrap ran"));
        assert_eq!(remove_own_clone(&plan, c), None);
        assert!(dir.join("theirs").exists());
        // An empty directory that appeared is cloned into, not removed.
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::create_dir(&dir).unwrap();
        clone_dir_before_attempt(&plan, &mut c);
        assert_eq!(clone_rerun_blocked(&plan, c), None);
        assert_eq!(remove_own_clone(&plan, c), None);
        assert!(dir.is_dir());
    }

    #[test]
    fn a_directory_there_before_hfwrap_started_is_never_removed() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("clone");
        std::fs::create_dir(&dir).unwrap();
        let plan = clone_plan(&dir);
        let c = one_attempt(&plan, || std::fs::create_dir(dir.join(".git")).unwrap());
        assert_eq!(c, Some(CloneDir::Existed));
        assert!(clone_rerun_blocked(&plan, c).unwrap().contains("existed before hfwrap started"));
        assert_eq!(remove_own_clone(&plan, c), None);
        assert!(dir.join(".git").is_dir());
    }
}
