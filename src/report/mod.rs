//! Everything hfwrap says, as sinks of the supervisor's [`Event`]s: a person's
//! terminal ([`terminal`]), GitHub Actions ([`github`]), GitLab ([`gitlab`]),
//! the JSON report file ([`json`]).
//!
//! The supervisor decides; it never prints. Each sink renders the same events
//! its own way, and every line it writes goes through the run's one
//! [`Redactor`], which the fan-out fills before any sink sees an event.

pub mod github;
pub mod gitlab;
pub mod json;
pub mod shell;
pub mod terminal;

use crate::diagnose::Diagnosis;
use crate::redact::Redactor;
use json::Report;
use std::path::PathBuf;
use std::time::Duration;
pub use terminal::{Ci, Style, Terminal};

/// What happened in a run, as it happens.
#[derive(Debug)]
pub enum Event<'a> {
    /// Token values of this run: known before anything that could print them.
    Secrets(&'a [String]),
    /// Something hfwrap refused to read or write (a FIFO at the cooldown record, a device at a token
    /// file) and went on without: one line, the path and why.
    Warning { message: &'a str },
    /// Another hfwrap on this machine was rate-limited: this run waits first.
    CooldownWait { endpoint: &'a str, wait: Duration },
    /// An attempt starts; `command` is already redacted.
    AttemptStarted { number: u32, total: u32, command: &'a [String] },
    /// An attempt's child exited and its output is drained. `streams_closed`: every reader of the
    /// attempt reached end-of-file (false when one was abandoned, held by something hfwrap could
    /// not stop, or blocked on a consumer after hfwrap stopped the attempt).
    AttemptEnded { number: u32, stdout_ends_mid_line: bool, streams_closed: bool },
    /// The command is run in another form (`huggingface-cli` missing → `hf download`).
    Translated { command: &'a [String] },
    /// Without a terminal, progress bars are off: proof of life now and then.
    Heartbeat { on_disk: u64, per_second: u64, elapsed: Duration },
    /// The watchdog stopped the child: nothing moved for `after`.
    Stalled { after: Duration },
    /// The child printed the error that ends it (the attempt goes on until it exits): what it
    /// means so far. CI sinks show it at once; the final diagnosis follows at the end.
    ErrorSeen { summary: &'a str, cause: &'a str, fix: &'a str },
    /// The child printed the error that ends it, then did nothing for `after`: stopped.
    HungAfterError { after: Duration },
    /// The policy chose a safe action; attempt `next` of `total` follows after a wait.
    Retrying { summary: &'a str, action: &'a str, next: u32, total: u32 },
    /// Time left before the next attempt (every second, then zero).
    Waiting { left: Duration },
    /// The user's signal ended the run; never retried.
    Interrupted { signal: i32 },
    /// The child stopped to read the terminal (SIGTTIN) from the background: it now has the
    /// terminal's foreground until it exits.
    TerminalHandedOver,
    /// The child stopped to use the terminal (`signal`: SIGTTIN / SIGTTOU), and hfwrap cannot give
    /// it the terminal (hfwrap is not in the foreground, or stdin is not a terminal).
    NeedsTerminal { signal: i32 },
    /// hfwrap's own `stream` (stdout / stderr) could not take the child's output: the run stops.
    OutputFailed { stream: &'a str, error: &'a str },
    /// hfwrap could not start the command at all.
    SpawnFailed { message: &'a str },
    /// The run is over. A failure carries the diagnosis, why hfwrap stopped there, and the exit code.
    Finished { report: &'a Report, failure: Option<Failure<'a>> },
}

#[derive(Debug, Clone, Copy)]
pub struct Failure<'a> {
    pub diagnosis: &'a Diagnosis,
    /// Why hfwrap stopped without another attempt, when that is not part of the fix.
    pub note: Option<&'a str>,
    pub exit_code: i32,
}

/// A sink of events.
pub trait Reporter {
    fn event(&mut self, event: &Event, redactor: &Redactor);
}

/// Every sink of a run, in the order their lines should appear, and the run's redactor.
pub struct Reporters {
    sinks: Vec<Box<dyn Reporter>>,
    redactor: Redactor,
}

impl Reporters {
    /// The sinks that apply: the terminal always, the CI's own where it runs, the JSON file if asked.
    pub fn for_run(style: Style, report_path: Option<PathBuf>) -> Reporters {
        let terminal = Terminal::new(style);
        let mut sinks: Vec<Box<dyn Reporter>> = vec![Box::new(terminal)];
        match style.ci {
            Some(Ci::GitHub) => sinks.push(Box::new(github::GitHub::new(terminal))),
            Some(Ci::GitLab) => sinks.push(Box::new(gitlab::GitLab)),
            _ => {}
        }
        if let Some(path) = report_path {
            sinks.push(Box::new(json::JsonFile::new(path, terminal)));
        }
        Reporters::new(sinks)
    }

    pub fn new(sinks: Vec<Box<dyn Reporter>>) -> Reporters {
        Reporters { sinks, redactor: Redactor::new() }
    }

    pub fn emit(&mut self, event: Event) {
        if let Event::Secrets(secrets) = &event {
            for s in secrets.iter() {
                self.redactor.add(s);
            }
        }
        for sink in &mut self.sinks {
            sink.event(&event, &self.redactor);
        }
    }
}

/// A duration as people write it (`45s`, `2m 30s`), whole seconds.
pub fn human_duration(d: Duration) -> String {
    humantime::format_duration(Duration::from_secs(d.as_secs_f64().round() as u64)).to_string()
}
