//! hfwrap: put it in front of a Hugging Face download and get the download to finish.
//!
//! The modules are the pipeline, in the order data flows:
//! [`app`] (subcommands) → [`supervise`] (the attempt loop) → [`process`]
//! (spawn, tee, signals; hands chunks to a sink) → [`detect`] (records,
//! catalogue, hits) → [`diagnose`] (root cause, fix) → [`recover`] (policy,
//! waits, probe) → [`report`] (terminal, CI, JSON sinks of the loop's events).
//! [`facts`] is what hfwrap knows about the machine and the command, for the
//! live run and `doctor` alike; [`redact`] keeps secrets out of every output;
//! [`error`] and [`exit_code`] are how hfwrap itself fails.

pub mod app;
pub mod detect;
pub mod diagnose;
pub mod error;
pub mod exit_code;
pub mod facts;
pub mod process;
pub mod recover;
pub mod redact;
pub mod report;
pub mod supervise;

use std::ffi::OsString;

/// Parse `args` (program name first) and run; returns the process exit code.
pub fn run<I: IntoIterator<Item = OsString>>(args: I) -> i32 {
    // Before any file is opened: a closed stdout must not be reused by one (issue 13).
    process::plug_std_fds();
    app::main(args.into_iter().collect())
}
