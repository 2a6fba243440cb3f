//! The recovery policy: after a failed attempt, is there a *safe* action that
//! can make the next one succeed?
//!
//! Safe is a hard rule: a token goes only to the official Hub or an endpoint
//! the user trusted, through the child's environment, never argv; a mirror
//! never gets a token; nothing is deleted that hfwrap did not create; every
//! loop is bounded by `--retries` and `--max-time`. Permanent failures
//! (not found with a token in effect, invalid token, offline mode, full disk,
//! unknown) stop at once with the fix.

use crate::detect::catalogue::{Cause, Recovery};
use crate::diagnose::Diagnosis;
use crate::facts::command::{Client, Command};
use crate::facts::context::ChildEnv;
use crate::facts::token::{self, Token};
use crate::recover::backend;
use std::ffi::OsString;
use std::time::Duration;

/// What the user allowed, from the command line / environment.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub trusted: Vec<String>,
    pub mirror: Option<String>,
    pub token_file: Option<std::path::PathBuf>,
}

/// The next attempt's command and environment, and what was already tried.
#[derive(Debug, Clone)]
pub struct Plan {
    pub command: Command,
    pub env: ChildEnv,
    pub injected_token: bool,
    pub on_mirror: bool,
    pub backend_off: bool,
    pub translated: bool,
    pub stalls: u32,
    pub reruns_for: Vec<Cause>,
}

impl Plan {
    pub fn new(command: Command, env: ChildEnv) -> Plan {
        Plan {
            command,
            env,
            injected_token: false,
            on_mirror: false,
            backend_off: false,
            translated: false,
            stalls: 0,
            reruns_for: Vec::new(),
        }
    }

    fn set(&mut self, changes: &mut Vec<String>, name: &str, value: &str) {
        self.env.insert(name.into(), value.into());
        changes.push(name.to_string());
    }

    fn remove(&mut self, changes: &mut Vec<String>, name: &str) {
        if self.env.remove(&OsString::from(name)).is_some() {
            changes.push(format!("-{name}"));
        }
    }
}

/// What to do next.
#[derive(Debug)]
pub enum Decision {
    /// Stop; the optional text says why no automatic action applies.
    Stop(Option<String>),
    /// Re-run after `wait`, with `plan` already updated. `action` is announced in one line.
    Retry { wait: Duration, action: String, env_changes: Vec<String> },
}

/// Normalise an endpoint for comparison: its origin `scheme://host[:port]` (lower-case, default
/// port and path dropped) when it is trustworthy, else the text as given with user info masked
/// (so that it stays untrusted). See `facts::endpoint`.
pub fn normalise(url: &str) -> String {
    crate::facts::endpoint::normalise(url)
}

/// May a token be sent to `endpoint`? Only the official Hub and what the user trusted, compared on
/// the origin, and never a URL with user info, a query, a fragment or a backslash.
pub fn is_trusted(endpoint: &str, settings: &Settings) -> bool {
    crate::facts::endpoint::trusted(endpoint, &settings.trusted)
}

/// Exponential backoff with full jitter: a random wait in [0, min(cap, base·2^n)].
pub fn backoff(retry_number: u32, seed: u64) -> Duration {
    let base = 2.0f64;
    let cap = 60.0f64;
    let ceiling = (base * 2f64.powi(retry_number.saturating_sub(1).min(10) as i32)).min(cap);
    // A cheap xorshift of a per-process seed: jitter needs no cryptographic randomness.
    let mut x = seed ^ 0x9E37_79B9_7F4A_7C15;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    let frac = (x % 10_000) as f64 / 10_000.0;
    Duration::from_secs_f64((ceiling * frac).max(0.5))
}

pub struct Situation<'a> {
    pub diagnosis: &'a Diagnosis,
    /// Re-runs already made.
    pub reruns: u32,
    pub settings: &'a Settings,
    /// The token the child used in the failed attempt.
    pub token_in_effect: Option<&'a Token>,
    /// The `hf` to rewrite a legacy command to, when one is on PATH.
    pub hf_on_path: Option<OsString>,
    pub seed: u64,
}

/// Decide the next step after a failed attempt and update `plan` for it.
pub fn decide(plan: &mut Plan, s: &Situation) -> Decision {
    let d = s.diagnosis;
    let mut changes = Vec::new();
    let endpoint = crate::facts::context::endpoint(&plan.env);
    let retry_after = d.details.get("retry_after").and_then(|v| v.parse::<f64>().ok());

    match d.cause {
        Cause::AuthRequired | Cause::NotFound => {
            let licence_case = s.token_in_effect.is_some();
            if licence_case || plan.injected_token {
                return Decision::Stop(None);
            }
            match inject_token(plan, s, &endpoint, &mut changes) {
                Ok(Some(action)) => Decision::Retry { wait: Duration::ZERO, action, env_changes: changes },
                Ok(None) => Decision::Stop(None),
                Err(why) => Decision::Stop(Some(why)),
            }
        }
        Cause::RateLimited | Cause::ServerError => {
            let wait = match retry_after {
                Some(secs) => Duration::from_secs_f64(secs + 1.0),
                None => backoff(s.reruns + 1, s.seed),
            };
            let mut action = match retry_after {
                Some(secs) => format!("the Hub asked to wait {secs}s"),
                None => format!("backing off {:.0}s", wait.as_secs_f64()),
            };
            if d.cause == Cause::RateLimited {
                if let Some(n) = plan.command.lower_concurrency() {
                    let flag = plan.command.concurrency().map(|c| c.0).unwrap_or("--max-workers");
                    action.push_str(&format!("; retrying with {flag} {n}"));
                }
                if s.token_in_effect.is_none() && !plan.injected_token && !plan.on_mirror {
                    if let Ok(Some(a)) = inject_token(plan, s, &endpoint, &mut changes) {
                        action.push_str(&format!("; {a}"));
                    }
                }
            }
            Decision::Retry { wait, action, env_changes: changes }
        }
        Cause::NetworkBlocked => {
            if let Some(mirror) = s.settings.mirror.clone().filter(|_| !plan.on_mirror) {
                return switch_to_mirror(plan, &mirror, &mut changes);
            }
            if d.recovery == Recovery::Rerun && !plan.reruns_for.contains(&d.cause) {
                plan.reruns_for.push(d.cause);
                return Decision::Retry {
                    wait: backoff(s.reruns + 1, s.seed),
                    action: "the connection was reset; re-running once".into(),
                    env_changes: changes,
                };
            }
            Decision::Stop(match &s.settings.mirror {
                None => Some(
                    "no mirror is allowed: pass --mirror URL (or HFWRAP_MIRROR) to let hfwrap switch to one".into(),
                ),
                Some(_) => None,
            })
        }
        Cause::Stalled | Cause::CorruptPartial => {
            if d.cause == Cause::Stalled {
                plan.stalls += 1;
            }
            // A zero exit with partial files left is re-run once (README): a client that calls an
            // incomplete download finished would only do so again, and each run costs a full pass.
            if d.recovery == Recovery::RerunOnce {
                if plan.reruns_for.contains(&Cause::CorruptPartial) {
                    return Decision::Stop(Some("the re-run also exited 0 with partial files left".into()));
                }
                plan.reruns_for.push(Cause::CorruptPartial);
            }
            let backend_failed = d.recovery == Recovery::DisableFastBackend || backend::failed(d, &plan.env);
            if backend_failed && !plan.backend_off {
                return disable_fast_backend(plan, &mut changes);
            }
            // Slow, not broken: the fast backend where installed (recover::backend).
            if d.cause == Cause::Stalled && !backend_failed {
                let installed = backend::installed(&plan.command, &plan.env);
                if let Some(action) = backend::speed_up(plan, installed, &mut changes) {
                    return Decision::Retry { wait: Duration::from_secs(1), action, env_changes: changes };
                }
            }
            if plan.stalls >= 2
                && !plan.backend_off
                && !token::truthy(
                    plan.env.get(&OsString::from("HF_HUB_DISABLE_XET")).map(|v| v.to_string_lossy()).as_deref(),
                )
                && plan.command.is_hub_download()
            {
                plan.backend_off = true;
                backend::clear(plan, &mut changes);
                plan.set(&mut changes, "HF_HUB_DISABLE_XET", "1");
                return Decision::Retry {
                    wait: Duration::from_secs(1),
                    action: "second stall: re-running with HF_HUB_DISABLE_XET=1 (plain HTTP instead of Xet)".into(),
                    env_changes: changes,
                };
            }
            let what = if d.cause == Cause::Stalled { "the transfer stalled" } else { "a partial file was corrupt" };
            Decision::Retry {
                wait: Duration::from_secs(1),
                action: format!("{what}; re-running (completed files are kept)"),
                env_changes: changes,
            }
        }
        Cause::ToolMissing => {
            match d.recovery {
                Recovery::LegacyCommand if !plan.translated => {
                    match (&s.hf_on_path, plan.command.as_hf_download(s.hf_on_path.clone().unwrap_or_default())) {
                        (Some(_), Some(cmd)) => {
                            plan.translated = true;
                            let shown = cmd.display().join(" ");
                            plan.command = cmd;
                            Decision::Retry { wait: Duration::ZERO, action: format!("`huggingface-cli` does not work with this huggingface_hub; re-running as `{shown}`"), env_changes: changes }
                        }
                        _ => Decision::Stop(None),
                    }
                }
                Recovery::DisableFastBackend if !plan.backend_off => disable_fast_backend(plan, &mut changes),
                _ => Decision::Stop(None),
            }
        }
        _ => Decision::Stop(None),
    }
}

fn disable_fast_backend(plan: &mut Plan, changes: &mut Vec<String>) -> Decision {
    plan.backend_off = true;
    let transfer_on = token::truthy(
        plan.env.get(&OsString::from("HF_HUB_ENABLE_HF_TRANSFER")).map(|v| v.to_string_lossy()).as_deref(),
    );
    backend::clear(plan, changes);
    if transfer_on {
        plan.remove(changes, "HF_HUB_ENABLE_HF_TRANSFER");
        return Decision::Retry {
            wait: Duration::from_secs(1),
            action: "hf_transfer failed; re-running without HF_HUB_ENABLE_HF_TRANSFER".into(),
            env_changes: changes.clone(),
        };
    }
    plan.set(changes, "HF_HUB_DISABLE_XET", "1");
    Decision::Retry {
        wait: Duration::from_secs(1),
        action: "the Xet backend failed; re-running with HF_HUB_DISABLE_XET=1".into(),
        env_changes: changes.clone(),
    }
}

/// Find a token the child is not using and give it to the child, if the endpoint is trusted.
fn inject_token(
    plan: &mut Plan,
    s: &Situation,
    endpoint: &str,
    changes: &mut Vec<String>,
) -> Result<Option<String>, String> {
    if plan.on_mirror {
        return Ok(None);
    }
    // aria2c, wget and curl read no HF_TOKEN: a re-run "with the token" would only repeat the refusal.
    if plan.command.is_url_downloader() {
        return Ok(None);
    }
    let found = token::injectable(&plan.env, s.settings.token_file.as_deref())?;
    let Some(tok) = found else { return Ok(None) };
    if plan.command.client() == Client::Git {
        let Some((url, _)) = plan.command.git_clone_target() else { return Ok(None) };
        let origin = normalise(&url);
        if !is_trusted(&origin, s.settings) {
            return Err(format!(
                "not sending a token to {origin}: it is not the official Hub; trust it with --trust-endpoint {origin}"
            ));
        }
        let n = plan
            .env
            .get(&OsString::from("GIT_CONFIG_COUNT"))
            .and_then(|v| v.to_str()?.parse::<u32>().ok())
            .unwrap_or(0);
        plan.set(changes, &format!("GIT_CONFIG_KEY_{n}"), &format!("http.{origin}/.extraHeader"));
        plan.env
            .insert(format!("GIT_CONFIG_VALUE_{n}").into(), format!("Authorization: Bearer {}", tok.secret()).into());
        changes.push(format!("GIT_CONFIG_VALUE_{n}"));
        plan.set(changes, "GIT_CONFIG_COUNT", &(n + 1).to_string());
        plan.injected_token = true;
        return Ok(Some(format!("retrying with the token from {} (as a git http header for {origin})", tok.source)));
    }
    if !is_trusted(endpoint, s.settings) {
        return Err(format!("a token is available but HF_ENDPOINT {endpoint} is not trusted, so hfwrap did not send it; trust it with --trust-endpoint {endpoint}"));
    }
    plan.env.insert("HF_TOKEN".into(), tok.secret().into());
    changes.push("HF_TOKEN".into());
    plan.remove(changes, "HF_HUB_DISABLE_IMPLICIT_TOKEN");
    plan.injected_token = true;
    Ok(Some(format!("retrying with the token from {}", tok.describe())))
}

fn switch_to_mirror(plan: &mut Plan, mirror: &str, changes: &mut Vec<String>) -> Decision {
    if token::token_argument(&plan.command.args).is_some() {
        return Decision::Stop(Some(
            "not switching to the mirror: the command passes --token, which would be sent to it".into(),
        ));
    }
    plan.on_mirror = true;
    plan.set(changes, "HF_ENDPOINT", mirror.trim_end_matches('/'));
    plan.set(changes, "HF_HUB_DISABLE_XET", "1");
    plan.set(changes, "HF_HUB_DISABLE_IMPLICIT_TOKEN", "1");
    plan.remove(changes, "HF_TOKEN");
    plan.remove(changes, "HUGGING_FACE_HUB_TOKEN");
    plan.injected_token = false;
    Decision::Retry {
        wait: Duration::ZERO,
        action: format!(
            "the Hub is unreachable; switching to the allowed mirror {} (no token is sent to it)",
            normalise(mirror)
        ),
        env_changes: changes.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::catalogue::Cause;
    use std::collections::BTreeMap;

    fn diag(cause: Cause, recovery: Recovery, details: &[(&str, &str)]) -> Diagnosis {
        Diagnosis {
            cause,
            rule: Some("t".into()),
            summary: String::new(),
            evidence: vec![],
            fix: String::new(),
            details: details.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            recovery,
        }
    }

    fn plan(words: &str, env: &[(&str, &str)]) -> Plan {
        let mut w = words.split_whitespace().map(OsString::from);
        let cmd = Command::new(w.next().unwrap(), w.collect());
        Plan::new(cmd, env.iter().map(|(k, v)| (OsString::from(k), OsString::from(v))).collect::<BTreeMap<_, _>>())
    }

    fn situation<'a>(d: &'a Diagnosis, settings: &'a Settings, tok: Option<&'a Token>) -> Situation<'a> {
        Situation { diagnosis: d, reruns: 0, settings, token_in_effect: tok, hf_on_path: Some("hf".into()), seed: 7 }
    }

    #[test]
    fn trust_is_exact_on_origin() {
        let s = Settings { trusted: vec!["http://127.0.0.1:8000/".into()], ..Default::default() };
        assert!(is_trusted("https://huggingface.co/", &s));
        assert!(is_trusted("https://HF.co", &s));
        assert!(is_trusted("http://127.0.0.1:8000", &s));
        assert!(!is_trusted("http://127.0.0.1:8001", &s));
        assert!(!is_trusted("https://hf-mirror.com", &s));
        assert!(!is_trusted("https://huggingface.co.evil.com", &s));
        assert!(is_trusted("https://huggingface.co:443", &s));
        for trick in [
            "https://evil?@huggingface.co",
            "https://evil#@huggingface.co",
            "https://evil\\@huggingface.co",
            "https://bot:pass@huggingface.co",
            "https://bot:pass@127.0.0.1:8000",
        ] {
            assert!(!is_trusted(trick, &s), "{trick}");
            assert!(!is_trusted(&normalise(trick), &s), "{trick}");
        }
        assert_eq!(normalise("https://HuggingFace.co:443/org/m"), "https://huggingface.co");
        assert_eq!(normalise("http://127.0.0.1:8000/"), "http://127.0.0.1:8000");
    }

    #[test]
    fn injects_a_file_token_only_toward_a_trusted_endpoint() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("t");
        std::fs::write(&f, "tok-value\n").unwrap();
        let d = diag(Cause::AuthRequired, Recovery::InjectToken, &[]);
        let settings = Settings { token_file: Some(f.clone()), ..Default::default() };
        let mut p = plan("hf download org/m", &[("HF_ENDPOINT", "http://127.0.0.1:9")]);
        match decide(&mut p, &situation(&d, &settings, None)) {
            Decision::Stop(Some(why)) => assert!(why.contains("--trust-endpoint http://127.0.0.1:9"), "{why}"),
            other => panic!("{other:?}"),
        }
        let settings =
            Settings { token_file: Some(f), trusted: vec!["http://127.0.0.1:9".into()], ..Default::default() };
        match decide(&mut p, &situation(&d, &settings, None)) {
            Decision::Retry { env_changes, action, .. } => {
                assert_eq!(p.env[&OsString::from("HF_TOKEN")], "tok-value");
                assert!(env_changes.contains(&"HF_TOKEN".to_string()));
                assert!(!action.contains("tok-value"));
                assert!(p.command.display().iter().all(|w| !w.contains("tok-value")));
            }
            other => panic!("{other:?}"),
        }
        // Once injected, a second auth failure stops.
        assert!(matches!(decide(&mut p, &situation(&d, &settings, None)), Decision::Stop(_)));
    }

    #[test]
    fn a_token_in_effect_means_the_licence_is_the_problem() {
        let d = diag(Cause::AuthRequired, Recovery::InjectToken, &[]);
        let tok = Token::from_raw(token::TokenSource::Env("HF_TOKEN"), "abc").unwrap();
        let mut p = plan("hf download org/m", &[]);
        assert!(matches!(decide(&mut p, &situation(&d, &Settings::default(), Some(&tok))), Decision::Stop(None)));
    }

    #[test]
    fn rate_limit_waits_as_asked_and_halves_workers() {
        let d = diag(Cause::RateLimited, Recovery::Backoff, &[("retry_after", "30")]);
        let mut p = plan("hf download org/m", &[]);
        match decide(&mut p, &situation(&d, &Settings::default(), None)) {
            Decision::Retry { wait, action, .. } => {
                assert_eq!(wait, Duration::from_secs(31));
                assert!(action.contains("--max-workers 4"), "{action}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn mirror_switch_strips_every_token() {
        let d = diag(Cause::NetworkBlocked, Recovery::Mirror, &[]);
        let settings = Settings { mirror: Some("http://127.0.0.1:7/".into()), ..Default::default() };
        let mut p = plan("hf download org/m", &[("HF_TOKEN", "x"), ("HUGGING_FACE_HUB_TOKEN", "y")]);
        assert!(matches!(decide(&mut p, &situation(&d, &settings, None)), Decision::Retry { .. }));
        assert_eq!(p.env[&OsString::from("HF_ENDPOINT")], "http://127.0.0.1:7");
        assert!(!p.env.contains_key(&OsString::from("HF_TOKEN")));
        assert!(!p.env.contains_key(&OsString::from("HUGGING_FACE_HUB_TOKEN")));
        assert_eq!(p.env[&OsString::from("HF_HUB_DISABLE_IMPLICIT_TOKEN")], "1");
        let mut p = plan("hf download org/m --token abc", &[]);
        assert!(matches!(decide(&mut p, &situation(&d, &settings, None)), Decision::Stop(Some(_))));
    }

    #[test]
    fn exit_0_with_partials_is_rerun_once() {
        let d = diag(Cause::CorruptPartial, Recovery::RerunOnce, &[]);
        let mut p = plan("hf download org/m", &[]);
        assert!(matches!(decide(&mut p, &situation(&d, &Settings::default(), None)), Decision::Retry { .. }));
        assert!(matches!(decide(&mut p, &situation(&d, &Settings::default(), None)), Decision::Stop(Some(_))));
        // A corrupt partial the client itself reported is not bound by that.
        let d = diag(Cause::CorruptPartial, Recovery::Rerun, &[]);
        let mut p = plan("hf download org/m", &[]);
        for _ in 0..2 {
            assert!(matches!(decide(&mut p, &situation(&d, &Settings::default(), None)), Decision::Retry { .. }));
        }
    }

    #[test]
    fn permanent_causes_stop() {
        for c in [Cause::TokenInvalid, Cause::OfflineMode, Cause::DiskFull, Cause::Unknown, Cause::CacheUnwritable] {
            let d = diag(c, Recovery::None, &[]);
            let mut p = plan("hf download org/m", &[]);
            assert!(matches!(decide(&mut p, &situation(&d, &Settings::default(), None)), Decision::Stop(_)), "{c}");
        }
    }

    #[test]
    fn backoff_is_bounded() {
        for n in 0..20 {
            assert!(backoff(n, n as u64 * 31) <= Duration::from_secs(60));
        }
    }
}
