//! hfwrap's own voice: lines prefixed `hfwrap:` on stderr, coloured only on a
//! terminal, never mixed into the child's stdout. The style (colour,
//! countdowns, heartbeats) is decided once, here, from the terminal,
//! `NO_COLOR`, `CLICOLOR_FORCE`, `TERM=dumb` and CI variables.

use crate::diagnose::Diagnosis;
use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

/// How hfwrap talks, decided once per process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub colour: bool,
    /// A live countdown / redrawn status line is allowed (interactive terminal, not CI).
    pub interactive: bool,
    pub ci: Option<Ci>,
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ci {
    GitHub,
    GitLab,
    Other,
}

static STYLE: OnceLock<Style> = OnceLock::new();

impl Style {
    pub fn detect(quiet: bool) -> Style {
        let var = |n: &str| std::env::var_os(n).filter(|v| !v.is_empty());
        let stderr_tty = std::io::stderr().is_terminal();
        let dumb = std::env::var("TERM").map(|t| t == "dumb").unwrap_or(false);
        let ci = if var("GITHUB_ACTIONS").is_some() {
            Some(Ci::GitHub)
        } else if var("GITLAB_CI").is_some() {
            Some(Ci::GitLab)
        } else if var("CI").is_some_and(|v| v != "false" && v != "0") {
            Some(Ci::Other)
        } else {
            None
        };
        let colour = if var("NO_COLOR").is_some() {
            false
        } else if var("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
            true
        } else {
            stderr_tty && !dumb
        };
        Style { colour, interactive: stderr_tty && !dumb && ci.is_none(), ci, quiet }
    }

    pub fn init(quiet: bool) -> Style {
        *STYLE.get_or_init(|| Style::detect(quiet))
    }

    pub fn get() -> Style {
        *STYLE.get_or_init(|| Style::detect(false))
    }
}

fn paint(text: &str, code: &str) -> String {
    if Style::get().colour {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn emit(line: &str) {
    let mut e = std::io::stderr().lock();
    let _ = writeln!(e, "{} {line}", paint("hfwrap:", "1;35"));
}

/// A progress note (retry announcements etc.); silenced by `--quiet`.
pub fn note(line: &str) {
    if !Style::get().quiet {
        emit(line);
    }
}

/// An error of hfwrap's own (bad usage, unreadable file); never silenced.
pub fn error(line: &str) {
    emit(&format!("{} {line}", paint("error:", "1;31")));
}

/// The final diagnosis as a person reads it (used by `explain` on stdout and by runs on stderr).
pub fn render_diagnosis(d: &Diagnosis) -> String {
    let mut s = String::new();
    s.push_str(&format!("cause: {} ({})\n", d.cause, d.summary));
    if let Some(rule) = &d.rule {
        s.push_str(&format!("rule:  {rule}\n"));
    }
    for e in &d.evidence {
        s.push_str(&format!("seen:  {e}\n"));
    }
    s.push_str(&format!("fix:   {}\n", d.fix));
    s
}

/// The diagnosis of a failed run, on stderr, each line prefixed.
pub fn report_failure(d: &Diagnosis, exit_code: i32) {
    emit(&format!("{} {} ({}) — exit code {exit_code}", paint("failed:", "1;31"), d.summary, d.cause));
    if let Some(e) = d.evidence.last() {
        emit(&format!("seen: {e}"));
    }
    emit(&format!("{} {}", paint("fix:", "1;32"), d.fix));
}
