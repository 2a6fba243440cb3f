//! The JSON report (`--report PATH`, `HFWRAP_REPORT`): schema `hfwrap-report/1`.
//!
//! Written atomically (a temporary file beside the target, then a rename) on
//! success, failure and interrupt, so a reader never sees half a report. What
//! is at the path decides how: a regular file (or nothing) is replaced that way;
//! a character device or a FIFO (`/dev/null`, `/dev/stdout`, a named pipe) is
//! written into, never replaced, and a FIFO with no reader is an error, not a
//! wait; a symlink to anything else, a directory or another kind is refused.
//! Secrets never enter it: commands are redacted and environment changes are
//! recorded by name only.

use super::{Event, Reporter, Terminal};
use crate::detect::catalogue::Cause;
use crate::diagnose::Diagnosis;
use crate::facts::shared_file;
use crate::redact::Redactor;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How long a FIFO's reader may stop reading before the report gives up on it.
const FIFO_PATIENCE: Duration = Duration::from_secs(10);

pub const SCHEMA: &str = "hfwrap-report/1";

#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failed,
    Interrupted,
}

#[derive(Serialize, Debug, Clone)]
pub struct Attempt {
    pub number: u32,
    pub command: Vec<String>,
    pub started_at: String,
    pub duration_ms: u64,
    pub exit_code: i32,
    /// Diagnosis of this attempt (`null` when it succeeded).
    pub cause: Option<Cause>,
    pub rule: Option<String>,
    /// What hfwrap did after this attempt (`null` when it stopped).
    pub action: Option<String>,
    /// Names of environment variables hfwrap set or removed for the next attempt.
    pub env_changes: Vec<String>,
    /// Output the matcher never looked at: the middle of a flood it could not keep up with (see
    /// `process::trail`). Not written when 0, as it nearly always is.
    #[serde(skip_serializing_if = "is_zero")]
    pub unmatched_bytes: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Serialize, Debug, Clone)]
pub struct Report {
    pub schema: &'static str,
    pub hfwrap_version: &'static str,
    pub command: Vec<String>,
    pub started_at: String,
    pub ended_at: String,
    pub outcome: Outcome,
    pub exit_code: i32,
    pub cause: Option<Cause>,
    pub rule: Option<String>,
    pub fix: Option<String>,
    /// Why hfwrap made no further attempt, when the user can do something about it
    /// (written as part of `fix`).
    #[serde(skip)]
    pub not_retried: Option<String>,
    pub evidence: Vec<String>,
    pub details: BTreeMap<String, String>,
    /// A program hfwrap did not re-run: the shell command that re-runs it with the recovery applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rerun_command: Option<String>,
    pub attempts: Vec<Attempt>,
    /// The last output of the final attempt, ANSI removed, tokens redacted.
    pub tail: String,
}

impl Report {
    pub fn new(command: Vec<String>) -> Report {
        Report {
            schema: SCHEMA,
            hfwrap_version: env!("CARGO_PKG_VERSION"),
            command: crate::redact::argv(&command),
            started_at: now_rfc3339(),
            ended_at: String::new(),
            outcome: Outcome::Failed,
            exit_code: 0,
            cause: None,
            rule: None,
            fix: None,
            not_retried: None,
            evidence: Vec::new(),
            details: BTreeMap::new(),
            rerun_command: None,
            attempts: Vec::new(),
            tail: String::new(),
        }
    }

    /// The fix with the reason hfwrap stopped, as one sentence for annotations and summaries.
    pub fn fix_and_reason(&self) -> Option<String> {
        let fix = self.fix.as_deref()?.trim_end();
        Some(match &self.not_retried {
            Some(why) => format!("{fix} hfwrap did not retry: {why}."),
            None => fix.to_string(),
        })
    }

    pub fn set_diagnosis(&mut self, d: &Diagnosis) {
        self.cause = Some(d.cause);
        self.rule = d.rule.clone();
        self.fix = Some(d.fix.clone());
        self.evidence = d.evidence.clone();
        self.details = d.details.clone();
    }

    /// Write to `path` atomically, every known secret scrubbed from the whole text.
    pub fn write(&self, path: &Path, redactor: &Redactor) -> std::io::Result<()> {
        let mut report = self.clone();
        report.ended_at = now_rfc3339();
        report.fix = self.fix_and_reason();
        let text = serde_json::to_string_pretty(&report).map_err(std::io::Error::other)?;
        let text = redactor.scrub(&text) + "\n";
        let refuse = |why: String| Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, why));
        match std::fs::symlink_metadata(path) {
            // `/dev/stdout` is a symlink to the descriptor: written into, like what it points to.
            Ok(m) if m.file_type().is_symlink() => {
                return match std::fs::metadata(path) {
                    Ok(t) if shared_file::is_device_or_fifo(&t) => {
                        shared_file::write_into(path, text.as_bytes(), FIFO_PATIENCE)
                    }
                    Ok(t) => refuse(format!(
                        "it is a symbolic link to {}; hfwrap neither writes through a link nor replaces one (give the real path)",
                        shared_file::kind(&t)
                    )),
                    Err(_) => refuse("it is a symbolic link to nothing; hfwrap does not replace a link".into()),
                };
            }
            Ok(m) if shared_file::is_device_or_fifo(&m) => {
                return shared_file::write_into(path, text.as_bytes(), FIFO_PATIENCE);
            }
            Ok(m) if m.is_dir() => {
                return refuse(format!("{} is a directory", path.display()));
            }
            Ok(m) if !m.is_file() => {
                return refuse(format!(
                    "it is {}; a report is written to a regular file, a character device or a FIFO",
                    shared_file::kind(&m)
                ));
            }
            // A regular file, or nothing yet: replaced atomically below.
            _ => {}
        }
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        // The temporary file's name must not leak into the error: say what is wrong with the target.
        let plain = |e: std::io::Error| match e.raw_os_error() {
            Some(code) => std::io::Error::from_raw_os_error(code),
            // tempfile adds ` at path "<temporary file>"` to the OS error: keep the OS error alone.
            None => {
                let text = e.to_string();
                let text = text.split(" at path \"").next().unwrap_or(&text).to_string();
                std::io::Error::new(e.kind(), text)
            }
        };
        match std::fs::metadata(dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(std::io::Error::new(e.kind(), format!("the directory {} does not exist", dir.display())));
            }
            Ok(m) if !m.is_dir() => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("{} is not a directory", dir.display()),
                ));
            }
            _ => {}
        }
        let mut tmp =
            tempfile::Builder::new().prefix(".hfwrap-report-").suffix(".tmp").tempfile_in(dir).map_err(|e| {
                let e = plain(e);
                if e.kind() == std::io::ErrorKind::PermissionDenied || read_only_fs(&e) {
                    std::io::Error::new(e.kind(), format!("the directory {} is not writable ({e})", dir.display()))
                } else {
                    e
                }
            })?;
        std::io::Write::write_all(&mut tmp, text.as_bytes()).map_err(plain)?;
        tmp.as_file().sync_all().map_err(plain)?;
        // An artefact for CI and for people: readable like any file the user creates (not 0600).
        #[cfg(unix)]
        let _ = std::fs::set_permissions(tmp.path(), std::os::unix::fs::PermissionsExt::from_mode(0o644));
        tmp.persist(path).map_err(|e| plain(e.error))?;
        Ok(())
    }
}

#[cfg(unix)]
fn read_only_fs(e: &std::io::Error) -> bool {
    e.raw_os_error() == Some(libc::EROFS)
}

#[cfg(not(unix))]
fn read_only_fs(_e: &std::io::Error) -> bool {
    false
}

/// UTC time as RFC 3339 with milliseconds (`2026-11-27T20:17:54.123Z`).
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

/// The report file sink: written once, when the run is over.
pub struct JsonFile {
    path: PathBuf,
    terminal: Terminal,
}

impl JsonFile {
    pub fn new(path: PathBuf, terminal: Terminal) -> JsonFile {
        JsonFile { path, terminal }
    }
}

impl Reporter for JsonFile {
    fn event(&mut self, event: &Event, r: &Redactor) {
        if let Event::Finished { report, .. } = event {
            if let Err(e) = report.write(&self.path, r) {
                self.terminal.error(&format!("cannot write report {}: {e}", self.path.display()), r);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_look_right() {
        let t = now_rfc3339();
        assert_eq!(t.len(), 24, "{t}");
        assert!(t.starts_with("20") && t.ends_with('Z'));
    }

    #[test]
    fn command_tokens_are_redacted() {
        let w: Vec<String> =
            ["hf", "download", "x", "--token", "secret", "--token=abc"].iter().map(|s| s.to_string()).collect();
        assert_eq!(Report::new(w).command, vec!["hf", "download", "x", "--token", "***", "--token=***"]);
    }

    #[test]
    fn write_is_atomic_and_scrubbed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        let r = Report::new(vec!["echo".into(), "topsecretvalue".into()]);
        let mut redactor = Redactor::new();
        redactor.add("topsecretvalue");
        r.write(&p, &redactor).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(!text.contains("topsecretvalue"));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["schema"], SCHEMA);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    #[cfg(unix)]
    fn devices_and_fifos_are_written_into_links_and_other_kinds_refused() {
        let dir = tempfile::tempdir().unwrap();
        let r = Report::new(vec!["true".into()]);
        r.write(Path::new("/dev/null"), &Redactor::new()).unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = r.write(&fifo, &Redactor::new()).unwrap_err().to_string();
        assert_eq!(e, "it is a FIFO with no reader");
        let target = dir.path().join("target.json");
        std::fs::write(&target, "mine").unwrap();
        let link = dir.path().join("r.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = r.write(&link, &Redactor::new()).unwrap_err().to_string();
        assert!(e.contains("symbolic link to a regular file"), "{e}");
        std::os::unix::fs::symlink(dir.path().join("nothing"), dir.path().join("dangling")).unwrap();
        assert!(r.write(&dir.path().join("dangling"), &Redactor::new()).is_err());
        assert_eq!(std::fs::read(&target).unwrap(), b"mine");
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert!(!dir.path().join("nothing").exists());
        let sock = dir.path().join("sock");
        let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        assert!(r.write(&sock, &Redactor::new()).unwrap_err().to_string().contains("a socket"));
        let names = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(names, 5, "no temporary file is left behind");
    }

    #[test]
    fn write_errors_name_the_target_not_a_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let r = Report::new(vec!["true".into()]);
        let e = r.write(&dir.path().join("missing/r.json"), &Redactor::new()).unwrap_err().to_string();
        assert!(e.contains("does not exist") && e.contains("missing") && !e.contains(".hfwrap-report"), "{e}");
        let e = r.write(dir.path(), &Redactor::new()).unwrap_err().to_string();
        assert!(e.contains("is a directory"), "{e}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
