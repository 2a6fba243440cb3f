//! hfwrap's own voice to a person: lines prefixed `hfwrap:` on stderr, never
//! mixed into the child's stdout, coloured only where colour is wanted.
//!
//! [`Style`] is decided once per run, here: colour by the CLICOLOR rules
//! (`NO_COLOR` wins, then `CLICOLOR_FORCE` other than `0`, `CLICOLOR=0`, a
//! terminal whose `TERM` supports colour; read with anstyle-query), whether a
//! live countdown may be drawn, and which CI is reading the log.

use super::json::Report;
use super::{human_duration, Event, Failure, Reporter};
use crate::diagnose::Diagnosis;
use crate::facts::context::human_bytes;
use crate::redact::Redactor;
use anstyle::{AnsiColor, Effects};
use std::io::{IsTerminal, Write};

/// How hfwrap talks in this run.
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

impl Style {
    /// From hfwrap's stderr and environment.
    pub fn detect(quiet: bool) -> Style {
        let var = |n: &str| std::env::var_os(n).filter(|v| !v.is_empty());
        let ci = if var("GITHUB_ACTIONS").is_some() {
            Some(Ci::GitHub)
        } else if var("GITLAB_CI").is_some() {
            Some(Ci::GitLab)
        } else if var("CI").is_some_and(|v| v != "false" && v != "0") {
            Some(Ci::Other)
        } else {
            None
        };
        let stderr_tty = std::io::stderr().is_terminal();
        let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
        Style { colour: colour_for(stderr_tty), interactive: stderr_tty && !dumb && ci.is_none(), ci, quiet }
    }
}

/// Whether to colour a stream that is (or is not) a terminal.
pub fn colour_for(is_terminal: bool) -> bool {
    let forced = std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0");
    !anstyle_query::no_color()
        && (forced || (is_terminal && anstyle_query::clicolor() != Some(false) && anstyle_query::term_supports_color()))
}

/// A word in bold colour, when the style allows colour.
pub fn paint(colour: bool, text: &str, tint: AnsiColor) -> String {
    if !colour {
        return text.to_string();
    }
    let style = anstyle::Style::new().fg_color(Some(tint.into())).effects(Effects::BOLD);
    format!("{}{text}{}", style.render(), style.render_reset())
}

/// The terminal sink; also how the rest of hfwrap prints its own errors.
#[derive(Debug, Clone, Copy)]
pub struct Terminal {
    style: Style,
    /// A countdown is on screen and must be cleared before the next line.
    countdown: bool,
}

impl Terminal {
    pub fn new(style: Style) -> Terminal {
        Terminal { style, countdown: false }
    }

    pub fn style(&self) -> Style {
        self.style
    }

    fn paint(&self, text: &str, tint: AnsiColor) -> String {
        paint(self.style.colour, text, tint)
    }

    /// Each line of `text` as a line of hfwrap's own, `hfwrap:` first. A fix or a field with a line
    /// break in it must not start a line of its own: in CI that line could read as a workflow command.
    fn emit(&self, text: &str, redactor: &Redactor) {
        let text = redactor.scrub(text);
        let prefix = self.paint("hfwrap:", AnsiColor::Magenta);
        let mut out = String::with_capacity(text.len() + 16);
        for line in text.split(['\n', '\r']).filter(|l| !l.is_empty()) {
            out.push_str(&prefix);
            out.push(' ');
            out.push_str(line);
            out.push('\n');
        }
        if !out.is_empty() {
            let _ = std::io::stderr().lock().write_all(out.as_bytes());
        }
    }

    /// A progress note (retry announcements etc.); silenced by `--quiet`.
    pub fn note(&self, line: &str, redactor: &Redactor) {
        if !self.style.quiet {
            self.emit(line, redactor);
        }
    }

    /// An error of hfwrap's own (bad usage, unreadable file); never silenced.
    pub fn error(&self, line: &str, redactor: &Redactor) {
        self.emit(&format!("{} {line}", self.paint("error:", AnsiColor::Red)), redactor);
    }

    fn failure(&self, f: &Failure, report: &Report, redactor: &Redactor) {
        let d = f.diagnosis;
        if let Some(note) = f.note {
            self.note(note, redactor);
        }
        let failed = self.paint("failed:", AnsiColor::Red);
        self.emit(&format!("{failed} {} ({}) — exit code {}", d.summary, d.cause, f.exit_code), redactor);
        if let Some(e) = d.evidence.last() {
            self.emit(&format!("seen: {e}"), redactor);
        }
        let fix = super::shell::for_this_os(&d.fix);
        let fix = match &report.not_retried {
            Some(why) => format!("{} hfwrap did not retry: {why}.", fix.trim_end()),
            None => fix.into_owned(),
        };
        self.emit(&format!("{} {fix}", self.paint("fix:", AnsiColor::Green)), redactor);
        if let Some(cmd) = &report.rerun_command {
            self.emit(&format!("{} {cmd}", self.paint("re-run with:", AnsiColor::Green)), redactor);
        }
    }

    fn countdown(&mut self, left: std::time::Duration) {
        if !self.style.interactive {
            return;
        }
        if left.is_zero() {
            if self.countdown {
                eprint!("\r\x1b[2K");
                self.countdown = false;
            }
            return;
        }
        self.countdown = true;
        eprint!("\r\x1b[2Khfwrap: retrying in {}s…", left.as_secs_f64().ceil());
    }
}

impl Reporter for Terminal {
    fn event(&mut self, event: &Event, r: &Redactor) {
        match event {
            Event::Warning { message } => {
                self.note(&format!("{} {message}", self.paint("warning:", AnsiColor::Yellow)), r)
            }
            Event::CooldownWait { endpoint, wait } => self.note(
                &format!(
                    "another hfwrap on this machine was rate-limited by {endpoint}; waiting {:.0}s before asking again",
                    wait.as_secs_f64().ceil()
                ),
                r,
            ),
            Event::Translated { command } => {
                self.note(&format!("`huggingface-cli` is not installed; running `{}` instead", command.join(" ")), r)
            }
            Event::Heartbeat { on_disk, per_second, elapsed } => self.note(
                &format!(
                    "still running: {} on disk, {}/s, {} since the start",
                    human_bytes(*on_disk),
                    human_bytes(*per_second),
                    human_duration(*elapsed)
                ),
                r,
            ),
            Event::Stalled { after } => self.note(
                &format!(
                    "no byte arrived or reached the disk for {}; stopping the command to re-run it",
                    human_duration(*after)
                ),
                r,
            ),
            // In a CI log the meaning of the error is there the moment it is printed, even if the
            // child then hangs until the job's timeout; at a terminal the diagnosis at exit does.
            Event::ErrorSeen { summary, cause, fix } if self.style.ci.is_some() => {
                self.note(&format!("the command printed its error: {summary} ({cause}); fix: {fix}"), r)
            }
            Event::ErrorSeen { .. } => {}
            Event::HungAfterError { after } => self.note(
                &format!(
                    "the command printed its error and then did nothing for {}; stopping it",
                    human_duration(*after)
                ),
                r,
            ),
            Event::Retrying { summary, action, next, total } => {
                self.note(&format!("{summary}; {action} (attempt {next}/{total})"), r)
            }
            Event::Waiting { left } => self.countdown(*left),
            Event::Interrupted { signal } => {
                self.note(&format!("interrupted ({}); not retrying", signal_name(*signal)), r)
            }
            Event::TerminalHandedOver => self.note(
                "the command is reading the terminal: it has the terminal until it exits (Ctrl-C and Ctrl-Z go to it)",
                r,
            ),
            Event::NeedsTerminal { signal } => self.error(
                &format!(
                    "the command is stopped ({}): it wants to use the terminal, which hfwrap cannot give it \
                     from here; bring hfwrap to the foreground (`fg`), or give the command what it asks for \
                     up front (--token-file, a token in HF_TOKEN, stdin from a file)",
                    signal_name(*signal)
                ),
                r,
            ),
            Event::OutputFailed { stream, error } => {
                self.error(&format!("cannot write the command's output to {stream}: {error}"), r)
            }
            Event::SpawnFailed { message } => self.error(message, r),
            Event::Finished { report, failure } => match failure {
                Some(f) => self.failure(f, report, r),
                None if report.outcome == super::json::Outcome::Success && report.attempts.len() > 1 => {
                    self.note(&format!("recovered: the command succeeded on attempt {}", report.attempts.len()), r)
                }
                None => {}
            },
            Event::Secrets(_) | Event::AttemptStarted { .. } | Event::AttemptEnded { .. } => {}
        }
    }
}

/// The final diagnosis as a person reads it (`explain` prints it on stdout).
pub fn render_diagnosis(d: &Diagnosis) -> String {
    let mut s = String::new();
    s.push_str(&format!("cause: {} ({})\n", d.cause, d.summary));
    if let Some(rule) = &d.rule {
        s.push_str(&format!("rule:  {rule}\n"));
    }
    for e in &d.evidence {
        s.push_str(&format!("seen:  {e}\n"));
    }
    s.push_str(&format!("fix:   {}\n", super::shell::for_this_os(&d.fix)));
    s
}

fn signal_name(sig: i32) -> &'static str {
    crate::process::signals::name(sig)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paint_only_with_colour() {
        assert_eq!(paint(false, "fix:", AnsiColor::Green), "fix:");
        let p = paint(true, "fix:", AnsiColor::Green);
        assert!(p.starts_with('\x1b') && p.contains("fix:") && p.ends_with("\x1b[0m"), "{p:?}");
    }
}
