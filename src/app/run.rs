//! `hfwrap [OPTIONS] COMMAND…`: turn the options into the supervisor's, pick
//! the reporters, run.

use super::cli::{PtyMode, RunOptions};
use crate::detect::catalogue::Catalogue;
use crate::error::{Error, Result};
use crate::facts::command::Command;
use crate::recover::policy::Settings;
use crate::report::{Reporters, Style};
use crate::supervise::{self, Options};
use std::ffi::OsString;
use std::io::IsTerminal;
use std::time::Duration;

pub fn run(opts: &RunOptions, catalogue: Catalogue, command: Vec<OsString>) -> Result<i32> {
    if let Some(f) = &opts.token_file {
        // A regular file of at most 64 KiB: a FIFO or a device there is an error now, not a hang later.
        crate::facts::shared_file::read(f, crate::facts::shared_file::SMALL).map_err(|error| Error::Read {
            what: "--token-file",
            path: f.clone(),
            error,
        })?;
    }
    let style = Style::detect(opts.quiet);
    let pty = match opts.pty {
        PtyMode::Always => true,
        PtyMode::Never => false,
        // Only when all three are terminals: a pty merges stdout and stderr (`x=$(hfwrap …)` must
        // capture a clean stdout), and a redirected stdin must reach the child untouched, not
        // through a line discipline (echo, ^U, ^C).
        PtyMode::Auto => {
            std::io::stdin().is_terminal() && std::io::stdout().is_terminal() && std::io::stderr().is_terminal()
        }
    };
    let mut env = crate::facts::context::current_env();
    if !pty {
        env.insert("PYTHONUNBUFFERED".into(), "1".into());
    }
    let options = Options {
        retries: if opts.no_retry { 0 } else { opts.retries },
        max_time: opts.max_time,
        stall_timeout: opts.stall_timeout,
        heartbeat: heartbeat(style),
        pty,
        rerun: crate::recover::rerun::Settings { program: opts.rerun_program, window: opts.rerun_window },
        settings: Settings {
            trusted: opts.trust_endpoint.clone(),
            mirror: opts.mirror.clone(),
            token_file: opts.token_file.clone(),
            max_wait: Some(opts.max_wait),
            inject_into_programs: opts.inject_token_into_programs,
        },
    };
    let mut words = command.into_iter();
    let Some(program) = words.next() else { return Err(Error::Usage("no command given".into())) };
    let mut reporters = Reporters::for_run(style, opts.report.clone());
    Ok(supervise::run(&options, catalogue, Command::new(program, words.collect()), env, &mut reporters))
}

/// Without a terminal, progress bars are off: a calm line now and then shows the run is alive.
/// `HFWRAP_HEARTBEAT` sets the interval (`0` turns it off; checked by the config loader); default 60 s.
fn heartbeat(style: Style) -> Option<Duration> {
    if style.interactive || style.quiet {
        return None;
    }
    let every = std::env::var("HFWRAP_HEARTBEAT")
        .ok()
        .and_then(|v| super::cli::parse_duration(&v).ok())
        .unwrap_or(Duration::from_secs(60));
    (!every.is_zero()).then_some(every)
}
