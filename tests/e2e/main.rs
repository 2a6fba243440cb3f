//! The end-to-end suites: the real clients (`hf` from huggingface_hub 2.x, `huggingface-cli` 0.25.2,
//! python, git + git-lfs) against the loopback fake Hub (`tests/fakehub/`), with and without hfwrap.
//!
//! They need the client venvs that `./scripts/test` builds (it sets `HFWRAP_TEST_HUB2` /
//! `HFWRAP_TEST_HUB0`), so this binary is behind the `e2e` feature, which `./scripts/test` turns on:
//!
//! ```text
//! ./scripts/test                          # everything: integration + e2e
//! ./scripts/test --test e2e recovery::    # one suite (contract, fidelity, recovery, security)
//! ./scripts/test --test e2e recovery::an_empty_token_file_is_named_in_the_fix
//! ```
//!
//! `cargo test --features e2e` without the venvs fails every test with a message saying so.
//! See tests/README.md.

// The harness drives processes through Unix interfaces (/proc, signals, ptys): these suites run
// on Linux (and build on macOS); Windows is covered by the wine smoke suite of ./scripts/test.
#![cfg(unix)]

#[path = "../common/mod.rs"]
mod common;

/// hfwrap's contract under the real clients: output, exit codes, diagnosis, fix, safe retries.
mod contract;
/// The fake Hub against the real clients, without hfwrap: they cannot tell it from the Hub.
mod fidelity;
/// The libraries as users run them (transformers, datasets, diffusers, hf_transfer, aria2c) under hfwrap.
mod libraries;
/// hfwrap's automatic recoveries, proved by the downloads and by what each token reached.
mod recovery;
/// The token promise under attack: URL tricks, the probe, redirects, programs, the mirror, printing, links.
mod security;
