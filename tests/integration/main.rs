//! The integration tests: everything that needs only the built `hfwrap` binary, the library,
//! `python3` and `git` (the adversarial child programs in `tests/children/`, the transcripts in
//! `tests/transcripts/`). Plain `cargo test` runs them; the venv-backed end-to-end suites are the
//! `e2e` binary (`./scripts/test`). One binary, one harness (`tests/common/`), as casey/just does.
//!
//! ```text
//! cargo test --test integration                  # all of them
//! cargo test --test integration runner::         # one module
//! cargo test --test integration runner::exit_codes_pass_through
//! ```
//!
//! Snapshots of user-facing text are `insta` files under `tests/integration/snapshots/`; see
//! tests/README.md for refreshing them.

// The harness drives processes through Unix interfaces (/proc, signals, ptys): these suites run
// on Linux (and build on macOS); Windows is covered by the wine smoke suite of ./scripts/test.
#![cfg(unix)]

#[path = "../common/mod.rs"]
mod common;

/// Live checks when a download's output names no known failure.
mod checks;
/// hfwrap as a CI citizen and a configurable tool: workflow commands, reports, config, snapshots.
mod ci;
/// The labelled transcript corpus, phrasings and hostile inputs through `explain`.
mod corpus;
/// `hfwrap doctor` in a sealed environment.
mod doctor;
/// Property tests of the record splitter, the catalogue gate, redaction and `explain`.
mod fuzz;
/// Hostile shared files, numbers in output, report paths and clone targets: no hang, panic or stray write.
mod hostile;
/// Every download failure the clients' source can raise, through `explain`.
mod library_messages;
/// The same failure from another layer, OS, locale, wrapper or decoration: the same cause.
mod paraphrase;
/// The README's generated tables match the code.
mod readme;
/// The tee, exit codes, pathological output, bad input, retries, `--max-time`, pty mode.
mod runner;
/// Signals sent to hfwrap: forwarded, escalated, never retried, no leftovers.
mod signals;
/// hfwrap in a real terminal (an interactive shell on a pty): echo, Ctrl-C, Ctrl-Z/fg, resize,
/// a child reading the terminal, stdin from a file.
mod terminal;
/// The matcher behind the tee: a flood of output does not hide the fatal line printed after it.
mod trail;
/// The stall watchdog: chatter is not progress, announced waits are owed, a hang after the error.
mod watchdog;
