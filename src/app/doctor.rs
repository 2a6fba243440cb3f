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

use crate::facts::cache::{self, Writable};
use crate::facts::context::{self, ChildEnv, OFFICIAL_ENDPOINT, OFFLINE_VARS};
use crate::facts::endpoint::{self, Endpoint, EndpointError};
use crate::facts::hub::{self, Clients, Hub, Version};
use crate::facts::token::{self, EnvLookup, Listing, Source, SourceKind, TokenSource, Unusable};
use crate::report::terminal::Style;
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Schema tag of the `--json` object.
pub const SCHEMA: &str = "hfwrap-doctor/1";
/// Exit code when at least one check failed.
pub const FAILED: i32 = crate::exit_code::DOCTOR_FAILED;

/// Below this much free space on the cache's filesystem, warn.
const LOW_DISK: u64 = 1 << 30;

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

impl Own {
    /// From `HFWRAP_TRUST_ENDPOINT` and `HFWRAP_TOKEN_FILE` in this process's environment
    /// (where the config loader puts the config file's values, for now).
    pub fn from_process() -> Own {
        let trusted = std::env::var("HFWRAP_TRUST_ENDPOINT")
            .map(|v| v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default();
        let token_file = std::env::var_os("HFWRAP_TOKEN_FILE").filter(|v| !v.is_empty()).map(PathBuf::from);
        Own { trusted, token_file }
    }
}

/// Run every check and print the result; 0 when nothing failed, 1 otherwise.
pub fn run(json: bool, own: &Own) -> i32 {
    let env = context::current_env(crate::app::config::supplied_vars());
    let (findings, secrets) = collect(&env, own);
    let outcome = Outcome { schema: SCHEMA, ok: findings.iter().all(|f| f.status != Status::Fail), findings };
    let secret_refs: Vec<&str> = secrets.iter().map(|s| s.as_str()).collect();
    if json {
        let mut scrubbed = outcome;
        for f in &mut scrubbed.findings {
            f.message = token::scrub(&f.message, &secret_refs);
            f.fix = f.fix.as_ref().map(|x| token::scrub(x, &secret_refs));
        }
        let text = serde_json::to_string_pretty(&scrubbed).expect("findings serialise") + "\n";
        finish(&text, scrubbed.ok)
    } else {
        let text = token::scrub(&render(&outcome, colour_stdout()), &secret_refs);
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

fn colour_stdout() -> bool {
    let forced = std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0");
    Style::get().colour && (forced || std::io::stdout().is_terminal())
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
    out.extend(client_findings(&clients));
    let primary = clients.primary();
    out.extend(transfer_findings(env, primary));
    out.extend(git_findings(env));
    let endpoint = context::endpoint(env);
    let trusted = endpoint::trusted(&endpoint, &own.trusted);
    let (token_findings, secrets) = token_findings(env, own, &endpoint, trusted);
    out.extend(token_findings);
    let url = Endpoint::parse_http(&endpoint);
    out.push(endpoint_finding(env, &endpoint, trusted, &url));
    if let Ok(u) = &url {
        out.push(network_finding(env, u));
    }
    out.push(proxy_finding(env, url.as_ref().ok()));
    out.extend(ca_findings(env, primary.and_then(|h| h.version.map(|v| v.0))));
    out.push(offline_finding(env));
    out.extend(cache_findings(env, primary.and_then(|h| h.version)));
    (out, secrets)
}

// ---------------------------------------------------------------------------------------------
// Clients and the huggingface_hub behind them
// ---------------------------------------------------------------------------------------------

fn describe_hub(hub: &Hub) -> String {
    match (&hub.version, &hub.site) {
        (Some(v), Some(site)) => format!("huggingface_hub {v} (in {})", site.display()),
        (Some(v), None) => format!("huggingface_hub {v}"),
        _ => "huggingface_hub version unknown".into(),
    }
}

const INSTALL_FIX: &str =
    "install the hf CLI: pip install -U huggingface_hub (or: curl -LsSf https://hf.co/cli/install.sh | bash)";

fn client_findings(c: &Clients) -> Vec<Finding> {
    let mut out = Vec::new();
    let legacy_usable = c
        .legacy
        .as_ref()
        .is_some_and(|l| l.hub.broken.is_none() && l.hub.version.map_or(true, |v| v < Version(1, 0, 0)));
    match &c.hf {
        Some(hf) if hf.hub.broken.is_some() => out.push(Finding::fail(
            "hf",
            format!("{} is broken: {}", hf.path.display(), hf.hub.broken.as_deref().unwrap_or("")),
            "reinstall it: pip install --force-reinstall -U huggingface_hub",
        )),
        Some(hf) => out.push(Finding::ok("hf", format!("{}: {}", hf.path.display(), describe_hub(&hf.hub)))),
        None if legacy_usable => {
            let v = c.legacy.as_ref().and_then(|l| l.hub.version);
            out.push(Finding::ok(
                "hf",
                match v {
                    Some(v) if v < Version(0, 34, 0) => {
                        format!("not on PATH (huggingface_hub {v} predates it; huggingface-cli is the client)")
                    }
                    _ => "not on PATH (huggingface-cli is the client)".into(),
                },
            ))
        }
        None => out.push(Finding::fail("hf", "neither hf nor a working huggingface-cli is on PATH", INSTALL_FIX)),
    }
    match &c.legacy {
        None => {
            let msg = match c.hf.as_ref().and_then(|h| h.hub.version) {
                Some(v) if v >= Version(2, 0, 0) => {
                    format!("not on PATH (huggingface_hub {v} has no huggingface-cli; use hf download)")
                }
                _ => "not on PATH".into(),
            };
            out.push(Finding::ok("huggingface-cli", msg));
        }
        Some(l) => {
            let at = l.path.display();
            let f = match (l.hub.version, &l.hub.broken) {
                (_, Some(why)) => Finding::warn("huggingface-cli", format!("{at} is broken: {why}"), "use hf download instead (pip install -U huggingface_hub)"),
                (None, None) => Finding::ok("huggingface-cli", format!("{at}: huggingface_hub version unknown")),
                (Some(v), None) if v < Version(0, 34, 0) => Finding::ok("huggingface-cli", format!("{at}: huggingface_hub {v} (works; hf arrives in 0.34)")),
                (Some(v), None) if v < Version(1, 0, 0) => Finding::ok(
                    "huggingface-cli",
                    format!("{at}: huggingface_hub {v} (works, but deprecated: `huggingface-cli download` prints a warning on stdout; prefer hf download)"),
                ),
                (Some(v), None) if v >= Version(1, 10, 2) && v < Version(2, 0, 0) => Finding::warn(
                    "huggingface-cli",
                    format!("{at} is the huggingface_hub {v} stub: it prints a deprecation notice and exits 1 without downloading"),
                    "run hf download instead (hfwrap rewrites huggingface-cli download to it when hf is on PATH)",
                ),
                (Some(v), None) => Finding::warn(
                    "huggingface-cli",
                    format!("{at} is a leftover: huggingface_hub {v} ships no huggingface-cli"),
                    format!("use hf download, and remove the stale script {at}"),
                ),
            };
            out.push(f);
        }
    }
    out
}

fn truthy(env: &ChildEnv, name: &str) -> bool {
    token::truthy(env.var(name).as_deref())
}

fn transfer_findings(env: &ChildEnv, hub: Option<&Hub>) -> Vec<Finding> {
    let transfer_on = truthy(env, "HF_HUB_ENABLE_HF_TRANSFER");
    let Some(hub) = hub else {
        let msg = "huggingface_hub version unknown: transfer knobs not checked";
        return vec![if transfer_on {
            Finding::warn(
                "transfer",
                format!(
                    "{msg}; HF_HUB_ENABLE_HF_TRANSFER=1 is set (no effect on ≥1.0, fatal on 0.x without hf_transfer)"
                ),
                "unset HF_HUB_ENABLE_HF_TRANSFER",
            )
        } else {
            Finding::ok("transfer", msg)
        }];
    };
    let v = hub.version.expect("primary has a version");
    let mut out = Vec::new();
    if v >= Version(1, 0, 0) {
        let xet = match hub.hf_xet {
            Some(true) => "hf_xet installed: Xet-backed repos use it (HF_XET_HIGH_PERFORMANCE=1 speeds it up, HF_HUB_DISABLE_XET=1 falls back to plain HTTP)",
            Some(false) => "hf_xet not installed: Xet-backed repos download over plain HTTP",
            None => "hf_xet: unknown",
        };
        let disabled =
            if truthy(env, "HF_HUB_DISABLE_XET") { "; HF_HUB_DISABLE_XET=1 is set (plain HTTP)" } else { "" };
        out.push(Finding::ok("transfer", format!("huggingface_hub {v}: {xet}{disabled}; hf_transfer is not used")));
        if transfer_on {
            out.push(Finding::warn(
                "transfer",
                format!("HF_HUB_ENABLE_HF_TRANSFER=1 has no effect on huggingface_hub {v} (hf_transfer was dropped in 1.0; it only prints a FutureWarning)"),
                "unset HF_HUB_ENABLE_HF_TRANSFER and set HF_XET_HIGH_PERFORMANCE=1 instead",
            ));
        }
        let hp = truthy(env, "HF_XET_HIGH_PERFORMANCE") || truthy(env, "HF_XET_HP");
        if hp && hub.hf_xet == Some(false) {
            out.push(Finding::warn(
                "transfer",
                "HF_XET_HIGH_PERFORMANCE=1 has no effect: hf_xet is not installed",
                "install it beside huggingface_hub: pip install -U hf_xet",
            ));
        }
        return out;
    }
    // 0.x: hf_transfer, opt-in, and fatal when enabled without the package.
    if transfer_on {
        match hub::hf_transfer_importable(hub) {
            Some(true) => out.push(Finding::ok(
                "transfer",
                format!("huggingface_hub {v}: HF_HUB_ENABLE_HF_TRANSFER=1 with hf_transfer installed (used for files > 50 MiB; no resume)"),
            )),
            Some(false) => out.push(Finding::fail(
                "transfer",
                format!("HF_HUB_ENABLE_HF_TRANSFER=1 but hf_transfer is not installed: huggingface_hub {v} fails on the first file"),
                "unset HF_HUB_ENABLE_HF_TRANSFER",
            )),
            None => out.push(Finding::warn(
                "transfer",
                format!("HF_HUB_ENABLE_HF_TRANSFER=1 and it is unknown whether hf_transfer is installed (huggingface_hub {v} fails on the first file without it)"),
                "unset HF_HUB_ENABLE_HF_TRANSFER unless `python -c \"import hf_transfer\"` works for this client",
            )),
        }
    } else {
        let msg = match hub.hf_transfer {
            Some(true) => format!("huggingface_hub {v}: plain HTTP; hf_transfer is installed (HF_HUB_ENABLE_HF_TRANSFER=1 would use it for files > 50 MiB)"),
            Some(false) => format!("huggingface_hub {v}: plain HTTP; hf_transfer not installed, so leave HF_HUB_ENABLE_HF_TRANSFER unset"),
            None => format!("huggingface_hub {v}: plain HTTP"),
        };
        out.push(Finding::ok("transfer", msg));
    }
    out
}

fn git_findings(env: &ChildEnv) -> Vec<Finding> {
    let Some(git) = hub::git(env) else {
        let lfs =
            hub::find_program(env, "git-lfs").map(|p| format!(" (git-lfs at {})", p.display())).unwrap_or_default();
        return vec![
            Finding::ok("git", "not on PATH (only needed for git clone downloads)"),
            Finding::ok("git-lfs", format!("not checked: git is not on PATH{lfs}")),
        ];
    };
    let mut out = Vec::new();
    match &git.version {
        Some(v) => out.push(Finding::ok("git", format!("{}: {v}", git.path.display()))),
        None => out.push(Finding::warn(
            "git",
            format!("{} is on PATH but `git --version` failed", git.path.display()),
            "reinstall git, or remove the broken one from PATH",
        )),
    }
    match &git.lfs {
        Some(v) => out.push(Finding::ok("git-lfs", v.clone())),
        None => out.push(Finding::warn(
            "git-lfs",
            "git is on PATH but git-lfs is not: a git clone of a model leaves 132-byte pointer files instead of the weights",
            "install git-lfs (e.g. apt-get install git-lfs) and run git lfs install",
        )),
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

fn token_findings(env: &ChildEnv, own: &Own, endpoint: &str, trusted: bool) -> (Vec<Finding>, Vec<String>) {
    let Listing { sources, unusable } = token::list_sources(env, own.token_file.as_deref());
    let mut out: Vec<Finding> = unusable
        .iter()
        .map(|u| match u {
            Unusable::Missing(p) => Finding::warn(
                "token",
                format!("HFWRAP_TOKEN_FILE {} does not exist", p.display()),
                "point HFWRAP_TOKEN_FILE (or --token-file) at an existing token file",
            ),
            Unusable::Unreadable(p) => Finding::warn(
                "token",
                format!("token file {} cannot be read (or is not a small regular file)", p.display()),
                format!("make {} a readable file holding only the token", p.display()),
            ),
        })
        .collect();

    let implicit_off = truthy(env, "HF_HUB_DISABLE_IMPLICIT_TOKEN");
    let winner = token::in_effect(env, &[]);
    let secrets = token::secret_forms(&sources);
    let winner_is = |s: &Source| winner.as_ref().is_some_and(|t| s.is_source_of(t));
    let winner_label = sources.iter().find(|s| winner_is(s)).map(|s| s.label.clone());

    for s in &sources {
        let raw = s.raw.as_slice();
        let problems = token::raw_token_problems(raw);
        let differs_from_winner = s.client_reads
            && !winner_is(s)
            && !implicit_off
            && !token::blank(raw)
            && winner.as_ref().is_some_and(|w| w.secret() != token::cleaned(raw));
        let role = if winner_is(s) {
            "in effect".to_string()
        } else if !s.client_reads {
            if s.own {
                "hfwrap's --token-file: given to the client only after an auth failure, and only toward a trusted endpoint".into()
            } else {
                format!("{}; hfwrap may inject it after an auth failure toward a trusted endpoint", s.note)
            }
        } else if token::blank(raw) {
            "ignored by the clients".into()
        } else if implicit_off {
            "not sent: HF_HUB_DISABLE_IMPLICIT_TOKEN is set".into()
        } else {
            let w = winner_label.as_deref().unwrap_or("another source");
            if differs_from_winner {
                format!("shadowed by {w}, which holds a different token")
            } else {
                format!("shadowed by {w} (same token)")
            }
        };
        let size = format!("{} bytes", raw.len());
        let message = if problems.is_empty() {
            format!("{}: {role}; {size}, no stray whitespace", s.label)
        } else {
            format!("{}: {role}; {size}, {}", s.label, problems.join(", "))
        };
        if problems.is_empty() && differs_from_winner {
            let fix = match winner.as_ref().map(|t| &t.source) {
                Some(TokenSource::Env(n)) => {
                    format!("unset {n} if this file holds the token you want ({n} takes precedence)")
                }
                _ => format!(
                    "make {} and {} hold the same token",
                    winner_label.as_deref().unwrap_or("the token in effect"),
                    s.label
                ),
            };
            out.push(Finding::warn("token", message, fix));
            continue;
        }
        if problems.is_empty() {
            out.push(Finding::ok("token", message));
            continue;
        }
        let blank = token::blank(raw);
        let cleaned_by_client = s.client_reads && !token::survives_cleaning(raw);
        let consequence = if blank {
            if s.client_reads {
                ""
            } else {
                " — nothing to inject"
            }
        } else if cleaned_by_client {
            " — huggingface_hub strips it, but tools that read it verbatim (curl, git, scripts) will not"
        } else {
            " — the token sent will not be the one you meant"
        };
        let fix = match (&s.kind, blank) {
            (SourceKind::Env(n), true) => format!("unset {n} (it is empty)"),
            (SourceKind::Env(n), false) => {
                format!("re-export it without the whitespace: export {n}=\"$(printf %s \"${n}\" | tr -d '[:space:]')\"")
            }
            (SourceKind::File(p), true) => {
                format!("delete the empty file {} or write your token into it (hf auth login)", p.display())
            }
            (SourceKind::File(p), false) => {
                let q = shell_quote(&p.display().to_string());
                format!("rewrite it without the whitespace: printf %s \"$(tr -d '[:space:]' < {q})\" > {q}")
            }
        };
        out.push(Finding::warn("token", format!("{message}{consequence}"), fix));
    }

    // Which one wins, and where it goes.
    if implicit_off {
        let has_token = sources.iter().any(|s| s.client_reads && !token::blank(&s.raw));
        if has_token && trusted {
            out.push(Finding::warn(
                "token",
                "HF_HUB_DISABLE_IMPLICIT_TOKEN=1: the clients send no token from HF_TOKEN or the token file, so gated and private repos fail",
                "unset HF_HUB_DISABLE_IMPLICIT_TOKEN",
            ));
        } else {
            out.push(Finding::ok(
                "token",
                "HF_HUB_DISABLE_IMPLICIT_TOKEN=1: the clients send no token from HF_TOKEN or the token file",
            ));
        }
    } else if let Some(t) = &winner {
        if !trusted {
            out.push(Finding::warn(
                "token",
                format!("the clients will send the token from {} to HF_ENDPOINT {}, which is not the official Hub and not trusted", t.source, endpoint::redact(endpoint)),
                format!("set HF_HUB_DISABLE_IMPLICIT_TOKEN=1 if it must not see your token (or trust it: HFWRAP_TRUST_ENDPOINT={})", endpoint::redact(endpoint)),
            ));
        } else if out.iter().all(|f| f.check != "token" || !f.message.contains("in effect")) {
            out.push(Finding::ok("token", format!("in effect: {}", t.source)));
        }
    } else if sources.iter().all(|s| !s.client_reads) {
        let extra =
            if sources.is_empty() { "" } else { " the clients read (hfwrap may inject one of the files above)" };
        out.push(Finding::ok(
            "token",
            format!("no token{extra}: public repos only; gated and private repos need HF_TOKEN or hf auth login"),
        ));
    }
    (out, secrets)
}

fn shell_quote(s: &str) -> String {
    if s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

// ---------------------------------------------------------------------------------------------
// Endpoint, network, proxy, CA bundles, offline
// ---------------------------------------------------------------------------------------------

fn endpoint_finding(env: &ChildEnv, raw: &str, trusted: bool, url: &Result<Endpoint, EndpointError>) -> Finding {
    let set = env.var("HF_ENDPOINT").is_some_and(|s| !s.trim().is_empty());
    let url = match url {
        Ok(u) => u,
        Err(why) => {
            return Finding::fail(
                "endpoint",
                format!("HF_ENDPOINT={} {why}", endpoint::redact(raw)),
                format!("set HF_ENDPOINT to a URL such as {OFFICIAL_ENDPOINT}, or unset it"),
            )
        }
    };
    if !set {
        return Finding::ok("endpoint", format!("{OFFICIAL_ENDPOINT} (HF_ENDPOINT not set; official Hub)"));
    }
    let trust = if url.is_official() {
        "the official Hub".to_string()
    } else if trusted {
        "not the official Hub; trusted for tokens (HFWRAP_TRUST_ENDPOINT)".to_string()
    } else if let Some(flaw) = url.flaw() {
        format!("not trusted: {flaw}, so hfwrap never sends it a token")
    } else {
        "not the official Hub and not trusted: hfwrap never sends it a token".to_string()
    };
    Finding::ok("endpoint", format!("HF_ENDPOINT={url} ({trust})"))
}

fn network_finding(env: &ChildEnv, url: &Endpoint) -> Finding {
    let target = format!("{}:{}", url.host_str(), url.port());
    let proxy = endpoint::proxy_for(env, url);
    let result = endpoint::reach(&url.host_str(), url.port());
    match (result, proxy) {
        (Ok((addr, took)), _) => Finding::ok("network", format!("{target} resolves and accepts a TCP connection ({addr}, {} ms)", took.as_millis())),
        (Err(why), Some((name, value))) => Finding::warn(
            "network",
            format!("direct connection to {target} failed ({why}); the clients go through {name}={}, which doctor does not test", endpoint::redact(&value)),
            format!("if downloads fail, test the proxy: curl -sSI -x \"${name}\" {}://{target}/", url.scheme()),
        ),
        (Err(why), None) => {
            let fix = if env.var("HF_ENDPOINT").is_some_and(|s| !s.trim().is_empty()) {
                "check HF_ENDPOINT (is the server up at that address?) or unset it to use the official Hub".to_string()
            } else {
                "check the network/firewall, or set HTTPS_PROXY if you must go through a proxy".to_string()
            };
            Finding::fail("network", format!("{target} is unreachable: {why}"), fix)
        }
    }
}

fn proxy_finding(env: &ChildEnv, url: Option<&Endpoint>) -> Finding {
    let set: Vec<String> = context::PROXY_VARS
        .iter()
        .filter_map(|n| {
            env.var(n).filter(|v| !v.trim().is_empty()).map(|v| {
                if n.eq_ignore_ascii_case("no_proxy") {
                    format!("{n}={v}")
                } else {
                    format!("{n}={}", endpoint::redact(&v))
                }
            })
        })
        .collect();
    if set.is_empty() {
        return Finding::ok("proxy", "no proxy variable set (direct connections)");
    }
    let applies = match url.map(|u| (u, endpoint::proxy_for(env, u))) {
        Some((u, Some((name, _)))) => format!("; {} goes through {name}", u.host_str()),
        Some((u, None)) => format!("; {} is reached directly", u.host_str()),
        None => String::new(),
    };
    Finding::ok("proxy", format!("{}{applies}", set.join(", ")))
}

const CA_VARS: [&str; 4] = ["SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"];

fn ca_findings(env: &ChildEnv, major: Option<u32>) -> Vec<Finding> {
    let reads = |n: &str| match major {
        Some(0) => n == "REQUESTS_CA_BUNDLE" || n == "CURL_CA_BUNDLE",
        Some(_) => n == "SSL_CERT_FILE" || n == "SSL_CERT_DIR",
        None => true,
    };
    let who = match major {
        Some(0) => "huggingface_hub 0.x (requests) reads REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE",
        Some(_) => "huggingface_hub ≥1.0 (httpx) reads SSL_CERT_FILE / SSL_CERT_DIR",
        None => "huggingface_hub version unknown",
    };
    let set: Vec<(&str, String)> =
        CA_VARS.iter().filter_map(|n| env.var(n).filter(|v| !v.trim().is_empty()).map(|v| (*n, v))).collect();
    if set.is_empty() {
        return vec![Finding::ok(
            "ca-bundle",
            format!("no CA-bundle variable set, so the default trust store is used; {who}"),
        )];
    }
    let any_read = set.iter().any(|(n, _)| reads(n));
    let mut out = Vec::new();
    for (n, v) in &set {
        let p = Path::new(v);
        let want_dir = *n == "SSL_CERT_DIR";
        let exists = if want_dir { p.is_dir() } else { p.is_file() || (*n == "REQUESTS_CA_BUNDLE" && p.is_dir()) };
        let what = if want_dir { "directory" } else { "file" };
        let f = match (reads(n), exists, major.is_some()) {
            (true, false, true) => Finding::fail(
                "ca-bundle",
                format!("{n}={v}: no such {what}, and {who}, so every HTTPS request fails"),
                format!("point {n} at an existing CA bundle {what}, or unset it"),
            ),
            (true, false, false) => Finding::warn(
                "ca-bundle",
                format!("{n}={v}: no such {what}"),
                format!("point {n} at an existing CA bundle {what}, or unset it"),
            ),
            (true, true, _) => Finding::ok("ca-bundle", format!("{n}={v} ({what} exists; {who})")),
            (false, _, _) if any_read => Finding::ok("ca-bundle", format!("{n}={v} is ignored ({who})")),
            (false, false, _) => Finding::warn(
                "ca-bundle",
                format!("{n}={v}: no such {what} (and it is ignored: {who})"),
                format!("unset {n}"),
            ),
            (false, true, _) => {
                let want = match major {
                    Some(0) => "REQUESTS_CA_BUNDLE",
                    _ if want_dir || p.is_dir() => "SSL_CERT_DIR",
                    _ => "SSL_CERT_FILE",
                };
                Finding::warn(
                    "ca-bundle",
                    format!("{n}={v} is ignored: {who}"),
                    format!("export {want}={}", shell_quote(v)),
                )
            }
        };
        out.push(f);
    }
    out
}

fn offline_finding(env: &ChildEnv) -> Finding {
    let on: Vec<&str> = OFFLINE_VARS.iter().copied().filter(|n| truthy(env, n)).collect();
    if on.is_empty() {
        return Finding::ok(
            "offline",
            "offline mode is off (HF_HUB_OFFLINE, TRANSFORMERS_OFFLINE, HF_DATASETS_OFFLINE unset)",
        );
    }
    Finding::warn(
        "offline",
        format!(
            "offline mode is on ({}=1): nothing is downloaded, only complete cached files are served",
            on.join("=1, ")
        ),
        format!("unset {}", on.join(" ")),
    )
}

// ---------------------------------------------------------------------------------------------
// Cache
// ---------------------------------------------------------------------------------------------

fn cache_findings(env: &ChildEnv, version: Option<Version>) -> Vec<Finding> {
    let Some((dir, via)) = cache::hub_cache_dir(env) else {
        return vec![Finding::warn(
            "cache",
            "no cache directory: neither HF_HOME, HF_HUB_CACHE nor HOME is set",
            "set HF_HOME to a writable directory",
        )];
    };
    let shown = dir.display().to_string();
    let mut out = Vec::new();
    let redirect = "point HF_HOME (or HF_HUB_CACHE) at a writable directory";
    match cache::writable(&dir) {
        Ok(Writable::Tested) => out.push(Finding::ok("cache", format!("{shown} ({via}): exists and is writable"))),
        Ok(Writable::WouldCreate(parent)) => out
            .push(Finding::ok("cache", format!("{shown} ({via}): not created yet; {} is writable", parent.display()))),
        Err(why) => out.push(Finding::fail("cache", format!("{shown} ({via}): {why}"), redirect)),
    }
    match cache::free_bytes(&dir) {
        Some(n) if n < LOW_DISK => out.push(Finding::warn(
            "disk",
            format!("only {} free on the filesystem holding {shown}", context::human_bytes(n)),
            format!(
                "free space there, or point HF_HOME at a larger disk (need more than {})",
                context::human_bytes(LOW_DISK)
            ),
        )),
        Some(n) => {
            out.push(Finding::ok("disk", format!("{} free on the filesystem holding {shown}", context::human_bytes(n))))
        }
        None => out.push(Finding::ok("disk", format!("free space unknown for {shown}"))),
    }
    if dir.is_dir() {
        out.push(partials_finding(&dir, version));
        out.push(locks_finding(&dir));
    }
    out
}

fn partials_finding(cache: &Path, version: Option<Version>) -> Finding {
    let (n, bytes) = cache::partial_files(cache);
    if n == 0 {
        return Finding::ok("partials", "no leftover partial files (*.incomplete) in the cache");
    }
    let what = format!(
        "{n} partial file(s) (*.incomplete, {}) under {}/*/blobs",
        context::human_bytes(bytes),
        cache.display()
    );
    match version {
        Some(v) if v < Version(1, 18, 0) => {
            Finding::ok("partials", format!("{what}: huggingface_hub {v} resumes them on the next download"))
        }
        _ => Finding::warn(
            "partials",
            format!("{what}: left by interrupted downloads; huggingface_hub ≥1.18 never resumes them"),
            format!(
                "once no download is running, delete them: find {} -path '*/blobs/*.incomplete' -delete",
                shell_quote(&cache.display().to_string())
            ),
        ),
    }
}

fn locks_finding(cache: &Path) -> Finding {
    let (old, held) = cache::stale_locks(cache);
    if !held.is_empty() {
        return Finding::warn(
            "locks",
            format!(
                "{} lock file(s) in {}/.locks unchanged for over an hour and still held (a hung download? others block on it with \"Still waiting to acquire lock\"), e.g. {}",
                held.len(),
                cache.display(),
                held[0].display()
            ),
            format!("find and stop the process holding it: fuser -v {}", shell_quote(&held[0].display().to_string())),
        );
    }
    if old > 0 {
        return Finding::ok(
            "locks",
            format!("{old} lock file(s) older than an hour, none held (harmless: the clients never delete lock files)"),
        );
    }
    Finding::ok("locks", "no lock file older than an hour")
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
