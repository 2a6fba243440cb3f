//! hfwrap: put it in front of a Hugging Face download and get the download to finish.
//!
//! `run` is the whole program; `main.rs` only calls it, so tests and benches
//! exercise exactly what users run. One module per concern:
//! [`runner`] spawns and tees, [`catalogue`] holds the signatures,
//! [`diagnose`] picks the root cause, [`policy`] decides safe recoveries,
//! [`supervisor`] runs the loop, [`token`] handles secrets, [`report`] and
//! [`output`] speak to machines and people.

pub mod app;
pub mod detect;
pub mod diagnose;
pub mod exit_code;
pub mod facts;
pub mod process;
pub mod recover;
pub mod report;
pub mod supervise;

use clap::Parser;
use std::ffi::OsString;

/// Parse `args` (program name first) and run; returns the process exit code.
pub fn run<I: IntoIterator<Item = OsString>>(args: I) -> i32 {
    let args: Vec<OsString> = args.into_iter().collect();
    let loaded = match app::config::load(&args) {
        Ok(l) => l,
        Err(msg) => {
            report::terminal::error(&msg);
            return exit_code::USAGE;
        }
    };
    let cli = match app::cli::Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { exit_code::USAGE } else { exit_code::SUCCESS };
            let _ = e.print();
            return code;
        }
    };
    let catalogue = match &loaded.signatures {
        None => detect::catalogue::Catalogue::builtin(),
        Some((path, text)) => {
            match detect::catalogue::Catalogue::from_sources(&[("built-in catalogue", detect::catalogue::BUILTIN), (path, text)]) {
                Ok(c) => c,
                Err(e) => {
                    report::terminal::error(&format!("invalid signatures: {e}"));
                    return exit_code::USAGE;
                }
            }
        }
    };
    match cli.subcommand {
        Some(app::cli::Sub::Explain { json, file }) => app::explain::run(&catalogue, &file, json),
        Some(app::cli::Sub::Doctor { json }) => app::doctor::run(json, &app::doctor::Own::from_process()),
        Some(app::cli::Sub::Completions { shell }) => {
            let mut cmd = <app::cli::Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "hfwrap", &mut std::io::stdout());
            exit_code::SUCCESS
        }
        Some(app::cli::Sub::Man) => {
            let cmd = <app::cli::Cli as clap::CommandFactory>::command();
            match clap_mangen::Man::new(cmd).render(&mut std::io::stdout()) {
                Ok(()) => exit_code::SUCCESS,
                Err(e) => {
                    report::terminal::error(&format!("cannot write the man page: {e}"));
                    exit_code::USAGE
                }
            }
        }
        None if cli.command.is_empty() => {
            report::terminal::error("no command given; usage: hfwrap [OPTIONS] [--] COMMAND [ARGS...] (see hfwrap --help)");
            exit_code::USAGE
        }
        None => supervise::run(&cli.run, catalogue, cli.command),
    }
}
