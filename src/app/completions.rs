//! `hfwrap completions SHELL` and `hfwrap man`: generated from the command-line definition.

use super::cli::Cli;
use crate::error::{Error, Result};
use crate::exit_code;
use clap::CommandFactory;

pub fn completions(shell: clap_complete::Shell) -> Result<i32> {
    clap_complete::generate(shell, &mut Cli::command(), "hfwrap", &mut std::io::stdout());
    Ok(exit_code::SUCCESS)
}

pub fn man() -> Result<i32> {
    clap_mangen::Man::new(Cli::command())
        .render(&mut std::io::stdout())
        .map_err(|error| Error::Write { what: "the man page", error })?;
    Ok(exit_code::SUCCESS)
}
