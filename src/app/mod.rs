//! The subcommands, each thin: parse the command line, load the configuration,
//! hand over to the pipeline, return an exit code.
//!
//! `hfwrap COMMAND…` → [`run`] (the supervisor); `explain` → [`explain`]
//! (the same record pipeline over a saved log); `doctor` → [`doctor`] (the
//! facts, checked and rendered); `completions` / `man` → [`completions`].

pub mod cli;
pub mod completions;
pub mod config;
pub mod doctor;
pub mod explain;
pub mod run;

use crate::detect::catalogue::{self, Catalogue};
use crate::error::{Error, Result};
use crate::exit_code;
use crate::redact::Redactor;
use crate::report::{Style, Terminal};
use clap::{CommandFactory, FromArgMatches};
use std::ffi::OsString;

/// Parse `args` (program name first) and run; returns the process exit code.
pub fn main(args: Vec<OsString>) -> i32 {
    match dispatch(args) {
        Ok(code) => code,
        Err(e) => {
            Terminal::new(Style::detect(false)).error(&e.to_string(), &Redactor::new());
            e.exit_code()
        }
    }
}

fn dispatch(args: Vec<OsString>) -> Result<i32> {
    let loaded = config::load(&args)?;
    let matches = match cli::Cli::command().try_get_matches_from(&args) {
        Ok(m) => m,
        Err(e) => {
            let code = if e.use_stderr() { exit_code::USAGE } else { exit_code::SUCCESS };
            let _ = e.print();
            return Ok(code);
        }
    };
    let mut cli = cli::Cli::from_arg_matches(&matches).map_err(|e| Error::Usage(e.to_string()))?;
    loaded.apply(&mut cli.run, &matches)?;
    let catalogue = match &loaded.signatures {
        None => Catalogue::builtin(),
        Some((path, text)) => Catalogue::from_sources(&[("built-in catalogue", catalogue::BUILTIN), (path, text)])?,
    };
    match cli.subcommand {
        Some(cli::Sub::Explain { json, file }) => explain::run(&catalogue, &file, json),
        Some(cli::Sub::Doctor { json }) => {
            let own = doctor::Own { trusted: cli.run.trust_endpoint.clone(), token_file: cli.run.token_file.clone() };
            Ok(doctor::run(json, &own))
        }
        Some(cli::Sub::Completions { shell }) => completions::completions(shell),
        Some(cli::Sub::Man) => completions::man(),
        None if cli.command.is_empty() => Err(Error::Usage(
            "no command given; usage: hfwrap [OPTIONS] [--] COMMAND [ARGS...] (see hfwrap --help)".into(),
        )),
        None => run::run(&cli.run, catalogue, cli.command),
    }
}
