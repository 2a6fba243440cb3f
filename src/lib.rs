//! hfwrap: put it in front of a Hugging Face download and get the download to finish.
//!
//! `run` is the whole program; `main.rs` only calls it, so tests and benches
//! exercise exactly what users run. One module per concern:
//! [`runner`] spawns and tees, [`catalogue`] holds the signatures,
//! [`diagnose`] picks the root cause, [`policy`] decides safe recoveries,
//! [`supervisor`] runs the loop, [`token`] handles secrets, [`report`] and
//! [`output`] speak to machines and people.

pub mod catalogue;
pub mod ci;
pub mod cli;
pub mod command;
pub mod config;
pub mod context;
pub mod cooldown;
pub mod diagnose;
pub mod doctor;
pub mod exit_code;
pub mod explain;
pub mod output;
pub mod policy;
pub mod probe;
pub mod record;
pub mod report;
pub mod runner;
pub mod supervisor;
pub mod token;
pub mod watchdog;

use clap::Parser;
use std::ffi::OsString;

/// Parse `args` (program name first) and run; returns the process exit code.
pub fn run<I: IntoIterator<Item = OsString>>(args: I) -> i32 {
    let args: Vec<OsString> = args.into_iter().collect();
    let loaded = match config::load(&args) {
        Ok(l) => l,
        Err(msg) => {
            output::error(&msg);
            return exit_code::USAGE;
        }
    };
    let cli = match cli::Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { exit_code::USAGE } else { exit_code::SUCCESS };
            let _ = e.print();
            return code;
        }
    };
    let catalogue = match &loaded.signatures {
        None => catalogue::Catalogue::builtin(),
        Some((path, text)) => {
            match catalogue::Catalogue::from_sources(&[("built-in catalogue", catalogue::BUILTIN), (path, text)]) {
                Ok(c) => c,
                Err(e) => {
                    output::error(&format!("invalid signatures: {e}"));
                    return exit_code::USAGE;
                }
            }
        }
    };
    match cli.subcommand {
        Some(cli::Sub::Explain { json, file }) => explain::run(&catalogue, &file, json),
        Some(cli::Sub::Doctor { json }) => doctor::run(json),
        Some(cli::Sub::Completions { shell }) => {
            let mut cmd = <cli::Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "hfwrap", &mut std::io::stdout());
            exit_code::SUCCESS
        }
        Some(cli::Sub::Man) => {
            let cmd = <cli::Cli as clap::CommandFactory>::command();
            match clap_mangen::Man::new(cmd).render(&mut std::io::stdout()) {
                Ok(()) => exit_code::SUCCESS,
                Err(e) => {
                    output::error(&format!("cannot write the man page: {e}"));
                    exit_code::USAGE
                }
            }
        }
        None if cli.command.is_empty() => {
            output::error("no command given; usage: hfwrap [OPTIONS] [--] COMMAND [ARGS...] (see hfwrap --help)");
            exit_code::USAGE
        }
        None => supervisor::run(&cli.run, catalogue, cli.command),
    }
}
