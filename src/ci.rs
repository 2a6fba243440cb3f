//! CI citizenship: GitHub Actions workflow commands and step summary, GitLab
//! collapsible sections.
//!
//! Workflow commands go to stderr (the runner reads both streams), so a
//! captured stdout stays clean. While the child runs, command processing is
//! switched off with `::stop-commands::<random>` so nothing the child prints
//! (`::error::`, `::add-mask::`, `%0A` tricks) can be mistaken for hfwrap's own
//! lines; hfwrap resumes it only between attempts, when every tee thread is
//! done, so there is no window for a forged line.

use crate::output::{Ci, Style};
use crate::report::{Outcome, Report};
use std::io::Write;

/// Escape the message part of a workflow command.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escape a property value (`title=…`) of a workflow command.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn emit(line: &str) {
    let mut e = std::io::stderr().lock();
    let _ = writeln!(e, "{line}");
}

fn ci() -> Option<Ci> {
    Style::get().ci
}

/// Per-run CI state: the stop-commands token and section names.
pub struct CiSession {
    stop_token: String,
    commands_stopped: bool,
}

impl CiSession {
    pub fn new(seed: u64) -> CiSession {
        // Unguessable, so a child cannot resume command processing itself.
        let mut random = [0u8; 16];
        let ok = std::fs::File::open("/dev/urandom").and_then(|mut f| std::io::Read::read_exact(&mut f, &mut random)).is_ok();
        let token = if ok { random.iter().map(|b| format!("{b:02x}")).collect() } else { format!("{seed:016x}") };
        CiSession { stop_token: format!("hfwrap-{token}"), commands_stopped: false }
    }

    /// Before anything could print them: tell GitHub to mask every secret.
    pub fn mask(&self, secrets: &[&str]) {
        if ci() == Some(Ci::GitHub) {
            for s in secrets.iter().filter(|s| !s.is_empty()) {
                emit(&format!("::add-mask::{}", escape_data(s)));
            }
        }
    }

    /// An attempt starts: open its group/section, then stop command processing.
    pub fn attempt_start(&mut self, number: u32, total: u32, command: &str) {
        let title = format!("hfwrap attempt {number}/{total}: {command}");
        match ci() {
            Some(Ci::GitHub) => {
                if number > 1 {
                    emit(&format!("::group::{}", escape_data(&title)));
                }
                emit(&format!("::stop-commands::{}", self.stop_token));
                self.commands_stopped = true;
            }
            Some(Ci::GitLab) if number > 1 => {
                let now = unix_now();
                emit(&format!("\x1b[0Ksection_start:{now}:hfwrap_attempt_{number}[collapsed=true]\r\x1b[0K{title}"));
            }
            _ => {}
        }
    }

    /// The attempt ended and its output is fully drained: resume commands, close the group.
    pub fn attempt_end(&mut self, number: u32) {
        match ci() {
            Some(Ci::GitHub) => {
                self.resume();
                if number > 1 {
                    emit("::endgroup::");
                }
            }
            Some(Ci::GitLab) if number > 1 => {
                emit(&format!("\x1b[0Ksection_end:{}:hfwrap_attempt_{number}\r\x1b[0K", unix_now()));
            }
            _ => {}
        }
    }

    fn resume(&mut self) {
        if self.commands_stopped {
            emit(&format!("::{}::", self.stop_token));
            self.commands_stopped = false;
        }
    }

    /// The run is over: the diagnosis as an annotation and the step summary.
    pub fn finish(&mut self, report: &Report) {
        if ci() != Some(Ci::GitHub) {
            return;
        }
        self.resume();
        let recovered = report.outcome == Outcome::Success && report.attempts.len() > 1;
        match report.outcome {
            Outcome::Failed => {
                let cause = report.cause.map(|c| c.summary()).unwrap_or("failed");
                let title = format!("hfwrap: {cause}");
                let msg = report.fix.clone().unwrap_or_default();
                emit(&format!("::error title={}::{}", escape_property(&title), escape_data(&msg)));
            }
            Outcome::Success if recovered => {
                let causes: Vec<String> = report.attempts.iter().filter_map(|a| a.cause.map(|c| c.to_string())).collect();
                let msg = format!("recovered after {} attempts ({})", report.attempts.len(), causes.join(", "));
                emit(&format!("::warning title={}::{}", escape_property("hfwrap: recovered"), escape_data(&msg)));
            }
            _ => {}
        }
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
                let _ = f.write_all(step_summary(report).as_bytes());
            }
        }
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Markdown for `$GITHUB_STEP_SUMMARY`: the command, one row per attempt, the fix.
pub fn step_summary(r: &Report) -> String {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let outcome = match r.outcome {
        Outcome::Success if r.attempts.len() > 1 => "recovered",
        Outcome::Success => "succeeded",
        Outcome::Failed => "failed",
        Outcome::Interrupted => "interrupted",
    };
    let mut s = format!("### hfwrap: {outcome} (exit code {})\n\n`{}`\n\n", r.exit_code, cell(&r.command.join(" ")));
    s.push_str("| attempt | cause | action | duration | exit code |\n|---|---|---|---|---|\n");
    for a in &r.attempts {
        s.push_str(&format!(
            "| {} | {} | {} | {:.1}s | {} |\n",
            a.number,
            a.cause.map(|c| c.to_string()).unwrap_or_else(|| "—".into()),
            cell(a.action.as_deref().unwrap_or("—")),
            a.duration_ms as f64 / 1000.0,
            a.exit_code
        ));
    }
    if let Some(fix) = &r.fix {
        s.push_str(&format!("\n**Fix:** {}\n", cell(fix)));
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_neutralises_newlines_and_percent() {
        assert_eq!(escape_data("a%0Ab\r\nc"), "a%250Ab%0D%0Ac");
        assert_eq!(escape_property("x: y, z"), "x%3A y%2C z");
    }

    #[test]
    fn summary_has_a_row_per_attempt() {
        let mut r = Report::new(vec!["hf".into(), "download".into(), "a|b".into()]);
        r.attempts.push(crate::report::Attempt {
            number: 1,
            command: vec![],
            started_at: String::new(),
            duration_ms: 1500,
            exit_code: 1,
            cause: Some(crate::catalogue::Cause::RateLimited),
            rule: None,
            action: Some("waited 3s".into()),
            env_changes: vec![],
        });
        let s = step_summary(&r);
        assert!(s.contains("| 1 | rate_limited | waited 3s | 1.5s | 1 |"), "{s}");
        assert!(s.contains("a\\|b"));
    }
}
