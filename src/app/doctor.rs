//! `hfwrap doctor [--json]`: a preflight that looks at this machine the way a
//! Hugging Face download will, without downloading anything.
//!
//! It checks the clients on `PATH` (`hf`, `huggingface-cli`, `git`, `git-lfs`)
//! and the huggingface_hub version behind them (read from the
//! `huggingface_hub-X.Y.Z.dist-info` beside the script's interpreter; Python is
//! started only when that fails), the transfer knobs that apply to that
//! version, every token source and which one wins, `HF_ENDPOINT` and whether
//! hfwrap trusts it with a token, proxy / CA-bundle / offline variables, a DNS
//! lookup and a TCP connect to the *configured* endpoint (nothing else is
//! contacted; no TLS, no HTTP), and the hub cache: writability, free space,
//! leftover `*.incomplete` files and lock files held for over an hour.
//!
//! Every finding has a status (`ok`, `warn`, `fail`), a one-line message and,
//! unless ok, one fix. Token values never appear: whitespace problems are
//! described as bytes (`ends with 0x0a (newline)`), and everything printed is
//! scrubbed of every token value seen, as a second line of defence.
//!
//! Output: one line per finding on stdout, or with `--json` one object
//! `{"schema":"hfwrap-doctor/1","ok":bool,"findings":[{"check","status","message","fix"}]}`
//! (`fix` is `null` for ok findings).
//!
//! Exit code: **0** when no check failed (warnings allowed), **1** when at
//! least one did.
//!
//! The facts come from [`crate::facts`] (`hub`, `token`, `endpoint`, `cache`), shared with the
//! live run; this module and its children only turn them into findings with fix text:
//! `install` (clients, transfer back ends, git), `tokens`, `network` (endpoint, reachability,
//! proxy, CA bundles, offline mode) and `disk` (the hub cache). hfwrap's own settings arrive as
//! [`Own`] from the caller.

mod disk;
mod install;
mod network;
mod tokens;

use crate::facts::context::{self, ChildEnv};
use crate::facts::endpoint::{self, Endpoint};
use crate::facts::hub;
use crate::facts::token::{self, EnvLookup};
use crate::redact::Redactor;
use crate::report::terminal::colour_for;
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Schema tag of the `--json` object.
pub const SCHEMA: &str = "hfwrap-doctor/1";
/// Exit code when at least one check failed.
pub const FAILED: i32 = crate::exit_code::DOCTOR_FAILED;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub check: &'static str,
    pub status: Status,
    pub message: String,
    /// One specific action; `None` for ok findings.
    pub fix: Option<String>,
}

impl Finding {
    fn ok(check: &'static str, message: impl Into<String>) -> Finding {
        Finding { check, status: Status::Ok, message: message.into(), fix: None }
    }
    fn warn(check: &'static str, message: impl Into<String>, fix: impl Into<String>) -> Finding {
        Finding { check, status: Status::Warn, message: message.into(), fix: Some(fix.into()) }
    }
    fn fail(check: &'static str, message: impl Into<String>, fix: impl Into<String>) -> Finding {
        Finding { check, status: Status::Fail, message: message.into(), fix: Some(fix.into()) }
    }
}

#[derive(Debug, Serialize)]
pub struct Outcome {
    pub schema: &'static str,
    pub ok: bool,
    pub findings: Vec<Finding>,
}

/// hfwrap's own settings that matter to the checks (flags, `HFWRAP_*` variables or its config
/// file): given by the caller, never read from the environment by the checks.
#[derive(Debug, Clone, Default)]
pub struct Own {
    /// `--trust-endpoint` / `HFWRAP_TRUST_ENDPOINT`: endpoints that may receive a token.
    pub trusted: Vec<String>,
    /// `--token-file` / `HFWRAP_TOKEN_FILE`.
    pub token_file: Option<PathBuf>,
}

/// Run every check and print the result; 0 when nothing failed, 1 otherwise.
pub fn run(json: bool, own: &Own) -> i32 {
    let env = context::current_env();
    let (findings, secrets) = collect(&env, own);
    let outcome = Outcome { schema: SCHEMA, ok: findings.iter().all(|f| f.status != Status::Fail), findings };
    let mut redactor = Redactor::new();
    for s in &secrets {
        redactor.add(s);
    }
    if json {
        let mut scrubbed = outcome;
        for f in &mut scrubbed.findings {
            f.message = redactor.scrub(&f.message);
            f.fix = f.fix.as_ref().map(|x| redactor.scrub(x));
        }
        let text = serde_json::to_string_pretty(&scrubbed).unwrap_or_default() + "\n";
        finish(&text, scrubbed.ok)
    } else {
        let text = redactor.scrub(&render(&outcome, colour_for(std::io::stdout().is_terminal())));
        finish(&text, outcome.ok)
    }
}

fn finish(text: &str, ok: bool) -> i32 {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    if ok {
        crate::exit_code::SUCCESS
    } else {
        FAILED
    }
}

/// The human form: one line per finding, then a one-line summary.
pub fn render(outcome: &Outcome, colour: bool) -> String {
    let paint = |text: &str, code: &str| if colour { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() };
    let mut s = String::new();
    for f in &outcome.findings {
        let mark = match f.status {
            Status::Ok => paint("[ ok ]", "32"),
            Status::Warn => paint("[warn]", "1;33"),
            Status::Fail => paint("[FAIL]", "1;31"),
        };
        s.push_str(&format!("{mark} {:<15} {}", f.check, one_line(&f.message)));
        if let Some(fix) = &f.fix {
            s.push_str(&format!(" {} {}", paint("— fix:", "1;32"), one_line(fix)));
        }
        s.push('\n');
    }
    let count = |st: Status| outcome.findings.iter().filter(|f| f.status == st).count();
    let (fails, warns) = (count(Status::Fail), count(Status::Warn));
    let verdict = if fails > 0 { paint("problems found", "1;31") } else { paint("ready", "1;32") };
    s.push_str(&format!("doctor: {verdict}: {fails} failed, {warns} warning(s), {} ok\n", count(Status::Ok)));
    s
}

fn one_line(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}

/// All findings, in a fixed order, and every token value seen (to scrub output with).
pub fn collect(env: &ChildEnv, own: &Own) -> (Vec<Finding>, Vec<String>) {
    let mut out = Vec::new();
    let clients = hub::clients(env);
    out.extend(install::client_findings(&clients));
    let primary = clients.primary();
    out.extend(install::transfer_findings(env, primary));
    out.extend(install::git_findings(env));
    let endpoint = context::endpoint(env);
    let trusted = endpoint::trusted(&endpoint, &own.trusted);
    let (token_findings, secrets) = tokens::token_findings(env, own, &endpoint, trusted);
    out.extend(token_findings);
    let url = Endpoint::parse_http(&endpoint);
    out.push(network::endpoint_finding(env, &endpoint, trusted, &url));
    if let Ok(u) = &url {
        out.push(network::network_finding(env, u));
    }
    out.push(network::proxy_finding(env, url.as_ref().ok()));
    out.extend(network::ca_findings(env, primary.and_then(|h| h.version.map(|v| v.0))));
    out.push(network::offline_finding(env));
    out.extend(disk::cache_findings(env, primary.and_then(|h| h.version)));
    (out, secrets)
}

fn truthy(env: &ChildEnv, name: &str) -> bool {
    token::truthy(env.var(name).as_deref())
}

fn shell_quote(s: &str) -> String {
    if s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_one_line_per_finding() {
        let o = Outcome {
            schema: SCHEMA,
            ok: false,
            findings: vec![Finding::ok("a", "fine"), Finding::fail("b", "bad\nthing", "do x")],
        };
        let s = render(&o, false);
        assert_eq!(s.lines().count(), 3);
        assert!(s.contains("[FAIL] b") && s.contains("bad thing — fix: do x"), "{s}");
    }
}
