//! Every exit code hfwrap itself can return, in one place (the README's table is tested against it).
//!
//! Otherwise the child's own code passes through unchanged, and a child killed
//! by signal N gives 128+N, as a shell would report it.

/// The wrapped command succeeded (and no partial files were left behind).
pub const SUCCESS: i32 = 0;
/// `doctor`: at least one check failed (warnings alone exit 0).
pub const DOCTOR_FAILED: i32 = 1;
/// A run: hfwrap could not write the command's output to its own stdout or stderr (a closed
/// descriptor, EIO, a full disk) — as `echo hi >&-` fails. A reader that went away (EPIPE) is not
/// this: hfwrap then exits as a pipeline's writer does, 128+SIGPIPE.
pub const OUTPUT_FAILED: i32 = 1;
/// Bad usage: unknown flag, malformed duration, unreadable log or config, invalid user catalogue.
pub const USAGE: i32 = 2;
/// hfwrap stopped a run that ended "successfully" but left partial files, or gave up within its budget
/// without a child exit code to pass through (`--max-time` ran out, or it stopped a stalled transfer
/// and had no retry left).
pub const INCOMPLETE: i32 = 3;
/// The command exists but could not be executed (permission, not an executable).
pub const NOT_EXECUTABLE: i32 = 126;
/// The command was not found on PATH.
pub const NOT_FOUND: i32 = 127;
/// Interrupted by SIGINT (Ctrl-C).
pub const INTERRUPTED: i32 = 130;
/// The reader of hfwrap's output went away (128+SIGPIPE, as a shell reports a pipeline's writer).
pub const BROKEN_PIPE: i32 = 141;
/// Terminated by SIGTERM.
pub const TERMINATED: i32 = 143;

/// The table as the README shows it: (code, meaning).
pub const TABLE: &[(i32, &str)] = &[
    (SUCCESS, "the command succeeded and its files are complete; `explain` read the log (whatever it found)"),
    (DOCTOR_FAILED, "`doctor`: at least one check failed; a run: the command's output could not be written to hfwrap's stdout or stderr"),
    (USAGE, "usage error: bad flag or value, unreadable log, config or catalogue"),
    (INCOMPLETE, "the command exited 0 but left partial files, `--max-time` ran out, or a stalled transfer was stopped with no retry left"),
    (NOT_EXECUTABLE, "the command exists but cannot be executed"),
    (NOT_FOUND, "the command was not found"),
    (INTERRUPTED, "interrupted by Ctrl-C (SIGINT)"),
    (BROKEN_PIPE, "hfwrap's stdout went away (`hfwrap yes | head -1`): the command was stopped as a pipeline would stop it"),
    (TERMINATED, "terminated by SIGTERM"),
];

/// The code a shell would report for a child killed by `signal`.
pub fn from_signal(signal: i32) -> i32 {
    128 + signal
}
