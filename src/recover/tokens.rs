//! Where a token may go (issue 10): giving a found token to the next attempt, and keeping every
//! token off a mirror. Called by `policy::decide`.
//!
//! A token is injected only when the command is one whose destination hfwrap knows (`hf
//! download`, `huggingface-cli download`, `git clone` of the URL it names; any other program only
//! with `--inject-token-into-programs`), that destination passes `facts::destination::Trust::check`
//! (parsed, never a spelling parsers disagree on), every place the failed attempt's output named
//! is the Hub's or trusted, and the user did not set `HF_HUB_DISABLE_IMPLICIT_TOKEN`. Each
//! refusal is a sentence for the `Stop` reason.

use super::policy::{Decision, Plan, Situation};
use crate::facts::command::Client;
use crate::facts::destination::Refusal;
use crate::facts::token::{self, EnvLookup};
use std::ffi::OsString;
use std::sync::Arc;
use std::time::Duration;

/// The largest `GIT_CONFIG_COUNT` hfwrap adds its entries after.
const MAX_GIT_CONFIG_COUNT: u32 = 10_000;

/// Why a place may not get a token, in words that follow "not sending the token from X: ".
/// Only an endpoint the user configured is offered to `--trust-endpoint`; a place the output
/// named never is (a hostile server or script must not talk hfwrap's user into trusting it).
fn refusal(what: &str, r: Refusal) -> String {
    match r {
        Refusal::Flawed { shown, flaw } => {
            format!("{what} {shown} is never trusted: {flaw}, on which clients disagree about the host")
        }
        Refusal::NotTrusted { origin } => {
            format!("{what} {origin} is not the official Hub; trust it with --trust-endpoint {origin}")
        }
        Refusal::Named { place } => format!(
            "the failed attempt's output names {place}, which is neither the Hub nor a trusted endpoint, so its requests may have gone there"
        ),
        Refusal::TooMany => "the failed attempt's output names more places than hfwrap keeps track of".into(),
    }
}

/// Find a token the child is not using and give it to the child, if everything the token could
/// reach is trusted (see the module doc); `Err` says why not.
pub(super) fn inject_token(
    plan: &mut Plan,
    s: &Situation,
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
    let refuse = |why: String| Err(format!("not sending the token from {}: {why}", tok.source));
    if token::truthy(plan.env.var("HF_HUB_DISABLE_IMPLICIT_TOKEN").as_deref()) {
        return refuse(
            "HF_HUB_DISABLE_IMPLICIT_TOKEN is set, which asks that no token be sent unless the command passes one; unset it to let hfwrap offer one".into(),
        );
    }
    let client = plan.command.client();
    let (raw, what) = match client {
        Client::Git => match plan.command.git_clone_target() {
            Some((url, _)) => (url, "the clone URL"),
            None => return Ok(None),
        },
        _ if plan.command.is_hub_download() || s.settings.inject_into_programs => {
            (crate::facts::context::endpoint(&plan.env), "HF_ENDPOINT")
        }
        _ => {
            let program = std::path::Path::new(&plan.command.program).file_name().unwrap_or_default().to_string_lossy();
            return refuse(format!(
                "hfwrap cannot follow where `{program}` sends it (only `hf download`, `huggingface-cli download` and `git clone` get a token on their own); allow it with --inject-token-into-programs, and the checks of where the requests went still apply"
            ));
        }
    };
    let trust = s.settings.trust();
    let dest = match trust.check(&raw) {
        Ok(e) => e,
        Err(r) => return refuse(refusal(what, r)),
    };
    if let Err(r) = trust.all_places(s.seen) {
        return refuse(refusal(what, r));
    }
    if client == Client::Git {
        let origin = dest.origin();
        let n = plan
            .env
            .get(&OsString::from("GIT_CONFIG_COUNT"))
            .and_then(|v| v.to_str()?.parse::<u32>().ok())
            .unwrap_or(0);
        // An absurd count (the variable is the user's, or a script's) cannot be extended safely.
        if n > MAX_GIT_CONFIG_COUNT {
            return Err(format!(
                "GIT_CONFIG_COUNT={n} is larger than hfwrap will extend ({MAX_GIT_CONFIG_COUNT}); no token was added"
            ));
        }
        // The header is scoped to the clone's origin, and git follows no redirect while it has
        // it: with `http.followRedirects` at its default, a 302 from the remote moves every later
        // request (the POST git-upload-pack) to the other host, header included.
        let entries = [
            (format!("http.{origin}/.extraHeader"), format!("Authorization: Bearer {}", tok.secret())),
            ("http.followRedirects".to_string(), "false".to_string()),
            (format!("http.{origin}/.followRedirects"), "false".to_string()),
        ];
        for (i, (key, value)) in entries.iter().enumerate() {
            let i = n + i as u32; // n ≤ MAX_GIT_CONFIG_COUNT: no overflow
            plan.set(changes, &format!("GIT_CONFIG_KEY_{i}"), key);
            plan.set(changes, &format!("GIT_CONFIG_VALUE_{i}"), value);
        }
        plan.set(changes, "GIT_CONFIG_COUNT", &(n + entries.len() as u32).to_string());
        plan.injected_token = true;
        return Ok(Some(format!(
            "retrying with the token from {} (as a git http header for {origin}, redirects off)",
            tok.source
        )));
    }
    plan.env.insert("HF_TOKEN".into(), tok.secret().into());
    changes.push("HF_TOKEN".into());
    plan.injected_token = true;
    Ok(Some(format!("retrying with the token from {}", tok.describe())))
}

/// Token sources a mirror run must not see: hfwrap removes them (the token file it hides).
const TOKEN_VARIABLES: [&str; 4] = ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_OIDC_RESOURCE", "HF_OIDC_ID_TOKEN"];

/// Re-run against the mirror with no token anywhere the client looks: not in the environment,
/// not implicitly (`HF_HUB_DISABLE_IMPLICIT_TOKEN=1`), not in a token file (`HF_TOKEN_PATH` names
/// a file that does not exist, in a private directory of hfwrap's; `stored_tokens` beside it does
/// not exist either). For `hf download` / `huggingface-cli download`, which read nothing else,
/// and for a program only with `--inject-token-into-programs` (the user vouches that it handles
/// tokens as huggingface_hub does, which is what hiding them relies on); never with a token
/// argument. `HOME` and `HF_HOME` are left alone: moving them would move
/// the cache (and git's, pip's and `~/.netrc`'s configuration) — and neither download reads the
/// legacy `~/.huggingface/token` (0.x copies it only in `HfFolder.get_token`, which downloads do
/// not call).
pub(super) fn switch_to_mirror(
    plan: &mut Plan,
    mirror: &str,
    programs_vouched: bool,
    changes: &mut Vec<String>,
) -> Decision {
    // Only clients that read HF_ENDPOINT are moved by it (git, aria2c, wget and curl are not).
    let switchable = match plan.command.client() {
        Client::Hf | Client::LegacyCli => plan.command.is_hub_download(),
        Client::Python | Client::Other => programs_vouched,
        _ => false,
    };
    if !switchable {
        return Decision::Stop(Some(
            "not switching to the mirror: only `hf download` and `huggingface-cli download` are switched, as hfwrap cannot keep another program's stored token off it (with --inject-token-into-programs you vouch that it reads tokens only as huggingface_hub does, and it is switched with them hidden)".into(),
        ));
    }
    if token::token_argument(&plan.command.args).is_some() {
        return Decision::Stop(Some(
            "not switching to the mirror: the command passes a token (--token or an abbreviation of it), which would be sent to it".into(),
        ));
    }
    let dir = match tempfile::Builder::new().prefix("hfwrap-no-token-").tempdir() {
        Ok(d) => Arc::new(d),
        Err(e) => {
            return Decision::Stop(Some(format!(
                "not switching to the mirror: hfwrap could not make a directory to hide the stored token with ({e})"
            )))
        }
    };
    plan.on_mirror = true;
    plan.set(changes, "HF_ENDPOINT", mirror.trim().trim_end_matches('/'));
    plan.set(changes, "HF_HUB_DISABLE_XET", "1");
    plan.set(changes, "HF_HUB_DISABLE_IMPLICIT_TOKEN", "1");
    plan.set(changes, "HF_TOKEN_PATH", &dir.path().join("token").to_string_lossy());
    for name in TOKEN_VARIABLES {
        plan.remove(changes, name);
    }
    plan.no_token_dir = Some(dir);
    plan.injected_token = false;
    Decision::Retry {
        wait: Duration::ZERO,
        action: format!(
            "the Hub is unreachable; switching to the allowed mirror {} (no token is sent to it)",
            crate::facts::endpoint::redact(mirror.trim().trim_end_matches('/'))
        ),
        env_changes: changes.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::policy::fixtures::*;
    use super::super::policy::{decide, Decision, Plan, Settings, Situation};
    use crate::detect::catalogue::{Cause, Recovery};
    use crate::facts::destination::Seen;
    use std::ffi::OsString;

    /// A token file and settings trusting `http://127.0.0.1:9`, the given extras on top.
    fn file_token(dir: &tempfile::TempDir, f: impl FnOnce(&mut Settings)) -> Settings {
        let file = dir.path().join("t");
        std::fs::write(&file, "tok-value\n").unwrap();
        let mut s =
            Settings { token_file: Some(file), trusted: vec!["http://127.0.0.1:9".into()], ..Default::default() };
        f(&mut s);
        s
    }

    fn refused(p: &mut Plan, s: &Situation) -> String {
        match decide(p, s) {
            Decision::Stop(Some(why)) => {
                assert!(!p.injected_token && !p.env.contains_key(&OsString::from("HF_TOKEN")), "{why}");
                assert!(!why.contains("tok-value"), "{why}");
                why
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tricks_in_hf_endpoint_are_never_trusted_and_never_offered_to_trust() {
        let dir = tempfile::tempdir().unwrap();
        let settings = file_token(&dir, |_| {});
        let d = diag(Cause::AuthRequired, Recovery::InjectToken, &[]);
        for trick in [
            "http://127.0.0.1:7?@127.0.0.1:9",
            "http://127.0.0.1:7#@127.0.0.1:9",
            "http://127.0.0.1:7\\@127.0.0.1:9",
            "http://127.0.0.1:9@127.0.0.1:7",
            "http://bot:pass@127.0.0.1:9",
            "http://%31%32%37.0.0.1:9",
            "https://evil?@huggingface.co",
        ] {
            let mut p = plan("hf download org/m", &[("HF_ENDPOINT", trick)]);
            let why = refused(&mut p, &situation(&d, &settings, None));
            assert!(why.contains("is never trusted") && !why.contains("--trust-endpoint"), "{trick}: {why}");
            assert!(!why.contains("pass"), "{why}");
        }
    }

    #[test]
    fn a_place_the_output_names_must_be_the_hubs_or_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let settings = file_token(&dir, |_| {});
        let d = diag(Cause::AuthRequired, Recovery::InjectToken, &[]);
        let env = [("HF_ENDPOINT", "http://127.0.0.1:9")];
        let mut seen = Seen::default();
        seen.record("401 Client Error for url: http://127.0.0.1:9/api/x");
        seen.record("redirected to https://cdn-lfs.hf.co/repos/a/b and https://cas-bridge.xethub.hf.co/x");
        let mut p = plan("hf download org/m", &env);
        let ok = Situation { seen: &seen, ..situation(&d, &settings, None) };
        assert!(matches!(decide(&mut p, &ok), Decision::Retry { .. }));
        assert_eq!(p.env[&OsString::from("HF_TOKEN")], "tok-value");
        seen.record(
            "huggingface_hub.errors.GatedRepoError: 401 Client Error for url: http://127.0.0.1:7/api/models/org/m",
        );
        let mut p = plan("hf download org/m", &env);
        let why = refused(&mut p, &Situation { seen: &seen, ..situation(&d, &settings, None) });
        assert!(why.contains("names http://127.0.0.1:7") && !why.contains("--trust-endpoint"), "{why}");
    }

    #[test]
    fn programs_need_the_opt_in_and_still_the_checks() {
        let dir = tempfile::tempdir().unwrap();
        let d = diag(Cause::AuthRequired, Recovery::InjectToken, &[]);
        let env = [("HF_ENDPOINT", "http://127.0.0.1:9")];
        for words in ["python train.py", "bash fetch.sh", "hf auth whoami"] {
            let settings = file_token(&dir, |_| {});
            let mut p = plan(words, &env);
            let why = refused(&mut p, &situation(&d, &settings, None));
            assert!(why.contains("--inject-token-into-programs"), "{words}: {why}");
            let settings = file_token(&dir, |s| s.inject_into_programs = true);
            let mut p = plan(words, &env);
            assert!(matches!(decide(&mut p, &situation(&d, &settings, None)), Decision::Retry { .. }), "{words}");
            let mut p = plan(words, &[("HF_ENDPOINT", "http://127.0.0.1:7")]);
            refused(&mut p, &situation(&d, &settings, None));
        }
        // aria2c, wget and curl read no HF_TOKEN: none is given to them, opt-in or not.
        let settings = file_token(&dir, |s| s.inject_into_programs = true);
        let mut p = plan("aria2c -x 4 http://127.0.0.1:9/org/m/resolve/main/x.bin", &env);
        assert!(matches!(decide(&mut p, &situation(&d, &settings, None)), Decision::Stop(_)));
        assert!(!p.injected_token && !p.env.contains_key(&OsString::from("HF_TOKEN")));
    }

    #[test]
    fn disable_implicit_token_means_none_is_injected() {
        let dir = tempfile::tempdir().unwrap();
        let settings = file_token(&dir, |_| {});
        let d = diag(Cause::AuthRequired, Recovery::InjectToken, &[]);
        for v in ["1", "true", "ON"] {
            let mut p = plan(
                "hf download org/m",
                &[("HF_ENDPOINT", "http://127.0.0.1:9"), ("HF_HUB_DISABLE_IMPLICIT_TOKEN", v)],
            );
            let why = refused(&mut p, &situation(&d, &settings, None));
            assert!(why.contains("HF_HUB_DISABLE_IMPLICIT_TOKEN"), "{why}");
            assert_eq!(p.env[&OsString::from("HF_HUB_DISABLE_IMPLICIT_TOKEN")], v);
        }
    }

    #[test]
    fn git_gets_a_header_for_its_origin_and_no_redirects() {
        let dir = tempfile::tempdir().unwrap();
        let settings = file_token(&dir, |_| {});
        let d = diag(Cause::AuthRequired, Recovery::InjectToken, &[]);
        let mut p = plan("git clone http://127.0.0.1:9/org/m", &[("GIT_CONFIG_COUNT", "1")]);
        match decide(&mut p, &situation(&d, &settings, None)) {
            Decision::Retry { env_changes, action, .. } => {
                assert!(!action.contains("tok-value") && env_changes.iter().all(|c| !c.contains("tok-value")));
            }
            other => panic!("{other:?}"),
        }
        let get = |k: &str| p.env.get(&OsString::from(k)).map(|v| v.to_string_lossy().into_owned());
        assert_eq!(get("GIT_CONFIG_COUNT").as_deref(), Some("4"));
        assert_eq!(get("GIT_CONFIG_KEY_1").as_deref(), Some("http.http://127.0.0.1:9/.extraHeader"));
        assert_eq!(get("GIT_CONFIG_VALUE_1").as_deref(), Some("Authorization: Bearer tok-value"));
        assert_eq!(get("GIT_CONFIG_KEY_2").as_deref(), Some("http.followRedirects"));
        assert_eq!(get("GIT_CONFIG_VALUE_2").as_deref(), Some("false"));
        assert_eq!(get("GIT_CONFIG_KEY_3").as_deref(), Some("http.http://127.0.0.1:9/.followRedirects"));
        assert_eq!(get("GIT_CONFIG_VALUE_3").as_deref(), Some("false"));
        assert!(get("HF_TOKEN").is_none());
        for url in ["http://127.0.0.1:7/org/m", "http://u:p@127.0.0.1:9/org/m", "http://127.0.0.1:7?@127.0.0.1:9/o/m"] {
            let mut p = plan(&format!("git clone {url}"), &[]);
            refused(&mut p, &situation(&d, &settings, None));
        }
    }

    #[test]
    fn on_the_mirror_no_token_is_injected() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = file_token(&dir, |s| s.mirror = Some("http://127.0.0.1:9".into()));
        settings.trusted.push("http://127.0.0.1:9".into());
        let mut p = plan("hf download org/m", &[("HF_ENDPOINT", "http://127.0.0.1:7")]);
        let net = diag(Cause::NetworkBlocked, Recovery::Mirror, &[]);
        assert!(matches!(decide(&mut p, &situation(&net, &settings, None)), Decision::Retry { .. }));
        let gated = diag(Cause::AuthRequired, Recovery::InjectToken, &[]);
        assert!(matches!(decide(&mut p, &situation(&gated, &settings, None)), Decision::Stop(None)));
        assert!(!p.env.contains_key(&OsString::from("HF_TOKEN")));
    }

    /// (place in the output, may a token follow the command there)
    const PLACES: [(&str, bool); 8] = [
        ("for url: http://127.0.0.1:9/api/models/org/m", true),
        ("Cannot access gated repo for url https://huggingface.co/org/m/resolve/main/x.", true),
        ("HTTPSConnectionPool(host='cdn-lfs.hf.co', port=443)", true),
        ("redirected to https://cas-bridge.xethub.hf.co/xorb?sig=1", true),
        ("for url: http://127.0.0.1:7/api/models/org/m", false),
        ("for url: http://localhost:9/api", false),
        ("curl: (6) Could not resolve host: evil.example", false),
        ("for url: http://127.0.0.1:7?@127.0.0.1:9/api", false),
    ];
    /// (HF_ENDPOINT, trusted)
    const ENDPOINTS: [(&str, bool); 5] = [
        ("http://127.0.0.1:9", true),
        ("https://huggingface.co", true),
        ("http://127.0.0.1:7", false),
        ("http://127.0.0.1:7#@127.0.0.1:9", false),
        ("http://u:p@127.0.0.1:9", false),
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// A token is injected exactly when the destination and every place named are allowed.
        #[test]
        fn a_token_follows_only_where_everything_is_trusted(
            endpoint in 0..ENDPOINTS.len(),
            places in proptest::collection::vec(0..PLACES.len(), 0..5),
            program in proptest::bool::ANY,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let settings = file_token(&dir, |s| s.inject_into_programs = program);
            let d = diag(Cause::AuthRequired, Recovery::InjectToken, &[]);
            let mut seen = Seen::default();
            for i in &places {
                seen.record(PLACES[*i].0);
            }
            let words = if program { "python train.py" } else { "hf download org/m" };
            let mut p = plan(words, &[("HF_ENDPOINT", ENDPOINTS[endpoint].0)]);
            let allowed = ENDPOINTS[endpoint].1 && places.iter().all(|i| PLACES[*i].1);
            let decided = decide(&mut p, &Situation { seen: &seen, ..situation(&d, &settings, None) });
            let injected = p.env.contains_key(&OsString::from("HF_TOKEN"));
            proptest::prop_assert_eq!(injected, allowed, "{:?} {:?}", ENDPOINTS[endpoint], places);
            proptest::prop_assert_eq!(matches!(decided, Decision::Retry { .. }), allowed);
        }
    }
}
