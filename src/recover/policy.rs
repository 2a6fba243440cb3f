//! The recovery policy: after a failed attempt, is there a *safe* action that
//! can make the next one succeed?
//!
//! Safe is a hard rule: a token goes only to the official Hub or an endpoint
//! the user trusted, through the child's environment, never argv; a mirror
//! never gets a token; nothing is deleted that hfwrap did not create; every
//! loop is bounded by `--retries` and `--max-time`. Permanent failures
//! (not found with a token in effect, invalid token, offline mode, full disk,
//! unknown) stop at once with the fix.
//!
//! Where a token may go is decided in `recover::tokens`, on parsed URLs and on where the failed
//! attempt's requests went, not on `HF_ENDPOINT` alone (issue 10).

use super::tokens::{inject_token, switch_to_mirror};
use crate::detect::catalogue::{Cause, Recovery};
use crate::diagnose::Diagnosis;
use crate::facts::command::Command;
use crate::facts::context::ChildEnv;
use crate::facts::destination::{Seen, Trust};
use crate::facts::token::{self, Token};
use crate::recover::backend;
use crate::recover::wait;
use std::ffi::OsString;
use std::sync::Arc;
use std::time::Duration;

/// What the user allowed, from the command line / environment.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub trusted: Vec<String>,
    pub mirror: Option<String>,
    pub token_file: Option<std::path::PathBuf>,
    /// `--max-wait`: the longest single wait; `None` is [`wait::DEFAULT_MAX_WAIT`] (see [`Settings::max_wait`]).
    pub max_wait: Option<Duration>,
    /// `--inject-token-into-programs`: a found token may be given to commands other than
    /// `hf download`, `huggingface-cli download` and `git clone` (a `python` script, a shell
    /// script), whose requests hfwrap cannot follow. The destination checks still apply.
    pub inject_into_programs: bool,
}

impl Settings {
    /// The longest hfwrap waits at once (a Retry-After, a backoff, another hfwrap's cooldown).
    pub fn max_wait(&self) -> Duration {
        self.max_wait.unwrap_or(wait::DEFAULT_MAX_WAIT)
    }

    /// The official Hub and the trustworthy `--trust-endpoint` entries.
    pub fn trust(&self) -> Trust {
        Trust::new(&self.trusted)
    }
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
    /// After a mirror switch: a private, empty directory of hfwrap's own; `HF_TOKEN_PATH` names a
    /// file in it that never exists, so no stored token is found. Removed with the plan.
    pub no_token_dir: Option<Arc<tempfile::TempDir>>,
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
            no_token_dir: None,
        }
    }

    pub(super) fn set(&mut self, changes: &mut Vec<String>, name: &str, value: &str) {
        self.env.insert(name.into(), value.into());
        changes.push(name.to_string());
    }

    pub(super) fn remove(&mut self, changes: &mut Vec<String>, name: &str) {
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
    settings.trust().check(endpoint).is_ok()
}

/// Exponential backoff with full jitter: a random wait in [0.5 s, min(60 s, 2 s·2^(n-1))], in whole
/// milliseconds with checked arithmetic (no float, no cast that could wrap). Callers cap it further
/// with `--max-wait`.
pub fn backoff(retry_number: u32, seed: u64) -> Duration {
    const BASE_MS: u64 = 2_000;
    const CEILING_MS: u64 = 60_000;
    let doublings = retry_number.saturating_sub(1).min(10);
    let ceiling = BASE_MS.checked_shl(doublings).unwrap_or(CEILING_MS).min(CEILING_MS);
    // A cheap xorshift of a per-process seed: jitter needs no cryptographic randomness.
    let mut x = seed ^ 0x9E37_79B9_7F4A_7C15;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    // ceiling ≤ 60 000 and the fraction < 10 000: the product fits a u64 many times over.
    let ms = ceiling.saturating_mul(x % 10_000) / 10_000;
    Duration::from_millis(ms.max(500))
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
    /// The places the failed attempt's output named: where its requests went.
    pub seen: &'a Seen,
}

/// Decide the next step after a failed attempt and update `plan` for it.
///
/// The diagnosis's `recovery` (the catalogue's column, README "What hfwrap does") is the one
/// input that picks the action; the cause and what hfwrap knows (a token in effect, a mirror
/// allowed, what was already tried) only guard it. A test runs every signature through here and
/// checks the action taken is the one it declares.
pub fn decide(plan: &mut Plan, s: &Situation) -> Decision {
    let d = s.diagnosis;
    let mut changes = Vec::new();
    match d.recovery {
        Recovery::None => Decision::Stop(None),
        Recovery::InjectToken => {
            // A token was in effect (the licence case) or already injected: another is no help.
            if s.token_in_effect.is_some() || plan.injected_token {
                return Decision::Stop(None);
            }
            match inject_token(plan, s, &mut changes) {
                Ok(Some(action)) => Decision::Retry { wait: Duration::ZERO, action, env_changes: changes },
                Ok(None) => Decision::Stop(None),
                Err(why) => Decision::Stop(Some(why)),
            }
        }
        Recovery::Backoff => back_off(plan, s, changes),
        Recovery::Mirror => match s.settings.mirror.clone().filter(|_| !plan.on_mirror) {
            Some(mirror) => switch_to_mirror(plan, &mirror, s.settings.inject_into_programs, &mut changes),
            None => Decision::Stop(no_mirror_hint(s)),
        },
        Recovery::Rerun if matches!(d.cause, Cause::Stalled | Cause::CorruptPartial) => {
            rerun_transfer(plan, s, changes)
        }
        Recovery::Rerun => {
            // A transient failure (a reset, a timeout): re-run once; when it comes back, the
            // allowed mirror for an unreachable Hub, else stop.
            if !plan.reruns_for.contains(&d.cause) {
                plan.reruns_for.push(d.cause);
                return Decision::Retry {
                    wait: backoff(s.reruns + 1, s.seed),
                    action: format!("{}; re-running once", d.summary),
                    env_changes: changes,
                };
            }
            match s.settings.mirror.clone().filter(|_| d.cause == Cause::NetworkBlocked && !plan.on_mirror) {
                Some(mirror) => switch_to_mirror(plan, &mirror, s.settings.inject_into_programs, &mut changes),
                None if d.cause == Cause::NetworkBlocked => Decision::Stop(no_mirror_hint(s)),
                None => Decision::Stop(Some("it failed the same way again after a re-run".into())),
            }
        }
        Recovery::RerunOnce => {
            // A zero exit with partial files left is re-run once (README): a client that calls an
            // incomplete download finished would only do so again, and each run costs a full pass.
            if plan.reruns_for.contains(&d.cause) {
                return Decision::Stop(Some("the re-run also exited 0 with partial files left".into()));
            }
            plan.reruns_for.push(d.cause);
            rerun_transfer(plan, s, changes)
        }
        Recovery::DisableFastBackend if !plan.backend_off => disable_fast_backend(plan, &mut changes),
        Recovery::DisableFastBackend => Decision::Stop(Some("the fast backend is already off".into())),
        Recovery::LegacyCommand if !plan.translated => {
            match (&s.hf_on_path, plan.command.as_hf_download(s.hf_on_path.clone().unwrap_or_default())) {
                (Some(_), Some(cmd)) => {
                    plan.translated = true;
                    let shown = crate::redact::argv(&cmd.display()).join(" ");
                    plan.command = cmd;
                    Decision::Retry {
                        wait: Duration::ZERO,
                        action: format!(
                            "`huggingface-cli` does not work with this huggingface_hub; re-running as `{shown}`"
                        ),
                        env_changes: changes,
                    }
                }
                _ => Decision::Stop(None),
            }
        }
        Recovery::LegacyCommand => Decision::Stop(None),
    }
}

fn no_mirror_hint(s: &Situation) -> Option<String> {
    match &s.settings.mirror {
        None => Some("no mirror is allowed: pass --mirror URL (or HFWRAP_MIRROR) to let hfwrap switch to one".into()),
        Some(_) => None,
    }
}

/// Wait as the Hub asked (bounded by --max-wait) or back off; on a rate limit also lower the
/// concurrency and add a token the next attempt may send (authenticated limits are higher).
fn back_off(plan: &mut Plan, s: &Situation, mut changes: Vec<String>) -> Decision {
    let d = s.diagnosis;
    // The number is the child's output: parsed with bounds, never more than --max-wait.
    let cap = s.settings.max_wait();
    let asked = d.details.get("retry_after").and_then(|v| Some((v, wait::parse_seconds(v, cap)?)));
    let mut then = String::new();
    let mut token_added = false;
    if d.cause == Cause::RateLimited {
        if let Some(n) = plan.command.lower_concurrency() {
            let flag = plan.command.concurrency().map(|c| c.0).unwrap_or("--max-workers");
            then.push_str(&format!("; retrying with {flag} {n}"));
        }
        if s.token_in_effect.is_none() && !plan.injected_token && !plan.on_mirror {
            if let Ok(Some(a)) = inject_token(plan, s, &mut changes) {
                then.push_str(&format!("; {a}"));
                token_added = true;
            }
        }
    }
    let max = crate::report::human_duration(cap);
    let (wait, said) = match asked {
        // Asking again before the Hub said is useless, unless the next attempt is one it
        // limits differently: an authenticated one.
        Some((text, b)) if b.over_cap && !token_added => {
            return Decision::Stop(Some(format!(
                "the Hub asked to wait {}, longer than --max-wait {max}; re-run after that wait, or raise --max-wait",
                wait::shown_seconds(text)
            )));
        }
        Some((text, b)) if b.over_cap => (
            b.wait,
            format!(
                "the Hub asked to wait {}, longer than --max-wait; waiting {max} as the next attempt sends a token",
                wait::shown_seconds(text)
            ),
        ),
        // One second more than asked, within the cap.
        Some((text, b)) => (
            b.wait.saturating_add(Duration::from_secs(1)).min(cap),
            format!("the Hub asked to wait {}", wait::shown_seconds(text)),
        ),
        None => {
            let w = backoff(s.reruns + 1, s.seed).min(cap);
            (w, format!("backing off {:.0}s", w.as_secs_f64()))
        }
    };
    Decision::Retry { wait, action: format!("{said}{then}"), env_changes: changes }
}

/// A transfer that stalled or left a bad partial: re-run, keeping completed files; the fast
/// backend on where installed when it was slow, off when it failed; plain HTTP after two stalls.
fn rerun_transfer(plan: &mut Plan, s: &Situation, mut changes: Vec<String>) -> Decision {
    let d = s.diagnosis;
    if d.cause == Cause::Stalled {
        plan.stalls += 1;
    }
    let backend_failed = backend::failed(d, &plan.env);
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
        && !token::truthy(plan.env.get(&OsString::from("HF_HUB_DISABLE_XET")).map(|v| v.to_string_lossy()).as_deref())
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

/// What the policy's tests (here and in `recover::tokens`) build their cases from.
#[cfg(test)]
pub(super) mod fixtures {
    use super::*;
    use std::collections::BTreeMap;

    pub fn diag(cause: Cause, recovery: Recovery, details: &[(&str, &str)]) -> Diagnosis {
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

    pub fn plan(words: &str, env: &[(&str, &str)]) -> Plan {
        let mut w = words.split_whitespace().map(OsString::from);
        let cmd = Command::new(w.next().unwrap(), w.collect());
        Plan::new(cmd, env.iter().map(|(k, v)| (OsString::from(k), OsString::from(v))).collect::<BTreeMap<_, _>>())
    }

    static NOTHING_SEEN: std::sync::OnceLock<Seen> = std::sync::OnceLock::new();

    pub fn situation<'a>(d: &'a Diagnosis, settings: &'a Settings, tok: Option<&'a Token>) -> Situation<'a> {
        Situation {
            diagnosis: d,
            reruns: 0,
            settings,
            token_in_effect: tok,
            hf_on_path: Some("hf".into()),
            seed: 7,
            seen: NOTHING_SEEN.get_or_init(Seen::default),
        }
    }
}

#[cfg(test)]
mod tests {
    /// Every signature's declared recovery is the action `decide` takes.
    mod declared;
    /// The waits of the backoff recovery: numbers from output, `--max-wait`.
    mod waits;

    use super::fixtures::*;
    use super::*;
    use crate::detect::catalogue::Cause;

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
        let hidden = std::path::PathBuf::from(&p.env[&OsString::from("HF_TOKEN_PATH")]);
        assert!(!hidden.exists() && hidden.parent().unwrap().is_dir(), "{}", hidden.display());
        assert!(hidden.parent() == p.no_token_dir.as_ref().map(|d| d.path()));
        for spelling in ["--token abc", "--token=abc", "--tok abc", "--toke=abc", "--t abc"] {
            let mut p = plan(&format!("huggingface-cli download org/m {spelling}"), &[]);
            match decide(&mut p, &situation(&d, &settings, None)) {
                Decision::Stop(Some(why)) => assert!(why.contains("passes a token") && !why.contains("abc"), "{why}"),
                other => panic!("{spelling}: {other:?}"),
            }
            assert!(!p.on_mirror);
        }
        for words in ["hf auth whoami", "huggingface-cli whoami", "python train.py", "git clone http://h/o/m"] {
            let mut p = plan(words, &[]);
            match decide(&mut p, &situation(&d, &settings, None)) {
                Decision::Stop(Some(why)) => assert!(why.contains("only `hf download`"), "{words}: {why}"),
                other => panic!("{words}: {other:?}"),
            }
        }
        // A program the user vouches for is switched with every token hidden; git, aria2c and a
        // non-download hf command still are not (they do not read HF_ENDPOINT, or send a token).
        let vouched = Settings { inject_into_programs: true, ..settings.clone() };
        let mut p = plan("python train.py", &[("HF_TOKEN", "x")]);
        assert!(matches!(decide(&mut p, &situation(&d, &vouched, None)), Decision::Retry { .. }));
        assert!(p.on_mirror && !p.env.contains_key(&OsString::from("HF_TOKEN")));
        assert_eq!(p.env[&OsString::from("HF_HUB_DISABLE_IMPLICIT_TOKEN")], "1");
        for words in ["hf auth whoami", "git clone http://h/o/m", "aria2c http://h/o/m/resolve/main/f"] {
            let mut p = plan(words, &[]);
            assert!(matches!(decide(&mut p, &situation(&d, &vouched, None)), Decision::Stop(_)), "{words}");
            assert!(!p.on_mirror, "{words}");
        }
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
        for n in [0, 1, 2, 10, 11, 20, u32::MAX] {
            for seed in [0, 1, 31 * n as u64, u64::MAX] {
                let w = backoff(n, seed);
                assert!(w >= Duration::from_millis(500) && w <= Duration::from_secs(60), "{n} {seed}: {w:?}");
            }
        }
        assert!(backoff(1, 12345) <= Duration::from_secs(2));
    }
}
