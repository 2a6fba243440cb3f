//! `hfwrap doctor`: the built binary in a sealed environment.
//!
//! Every test clears the environment and builds its own world in a temp dir: `HOME`, `HF_HOME`,
//! and a `PATH` made only of temp bin dirs holding fake `hf` / `huggingface-cli` / `git` scripts
//! (their `#!/bin/sh` is absolute, so no system directory is needed on PATH and nothing real on
//! this machine leaks in). `HF_ENDPOINT` is always a loopback URL: a port the test holds open, or
//! one it bound and released. Nothing but 127.0.0.1 is contacted.

use crate::common::*;
use serde_json::Value;
use std::ffi::OsString;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// A common [`Env`] whose `PATH` is only the sandbox's own bin dirs (set at each run).
struct Sandbox {
    env: Env,
    path: Vec<PathBuf>,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr))
    }
}

impl Sandbox {
    fn new() -> Sandbox {
        let env = Env::new();
        let root = env.dir.path().to_path_buf();
        for d in ["home", "hf_home/hub", "bin"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        let mut s = Sandbox { env, path: vec![root.join("bin")] };
        s.set("HOME", root.join("home"));
        s.set("HF_HOME", root.join("hf_home"));
        s.set("XDG_CONFIG_HOME", root.join("home/.config"));
        s.set("NO_COLOR", "1");
        s
    }

    fn root(&self) -> &Path {
        self.env.dir.path()
    }

    fn hf_home(&self) -> PathBuf {
        self.root().join("hf_home")
    }

    fn set(&mut self, k: &str, v: impl Into<OsString>) {
        self.env.set(k, v);
    }

    fn script(&self, path: &Path, body: &str) {
        write_script(path, body);
    }

    /// A venv-like install: `venv-<tag>/bin/<cli>` whose shebang names `venv-<tag>/bin/python`,
    /// with `huggingface_hub-<version>.dist-info` (and `extras`) in its site-packages.
    /// The fake python records that it ran, so a test can tell the version was read from disk.
    fn hub_install(&mut self, tag: &str, cli: &str, version: Option<&str>, extras: &[&str], python_prints: &str) {
        let venv = self.root().join(format!("venv-{tag}"));
        let bin = venv.join("bin");
        let site = venv.join("lib/python3.12/site-packages");
        std::fs::create_dir_all(&site).unwrap();
        if let Some(v) = version {
            std::fs::create_dir_all(site.join(format!("huggingface_hub-{v}.dist-info"))).unwrap();
        }
        for e in extras {
            std::fs::create_dir_all(site.join(e)).unwrap();
        }
        let marker = self.root().join(format!("python-{tag}-ran"));
        self.script(&bin.join("python"), &format!("#!/bin/sh\necho x >> '{}'\n{python_prints}", marker.display()));
        self.script(&bin.join(cli), &format!("#!{}\nimport sys\nsys.exit(99)\n", bin.join("python").display()));
        self.path.push(bin);
    }

    fn python_ran(&self, tag: &str) -> bool {
        self.root().join(format!("python-{tag}-ran")).exists()
    }

    fn git(&self, with_lfs: bool) {
        let lfs = if with_lfs {
            "echo 'git-lfs/3.3.0 (GitHub; linux amd64; go 1.19.8)'"
        } else {
            "echo \"git: 'lfs' is not a git command. See 'git --help'.\" >&2; exit 1"
        };
        self.script(
            &self.root().join("bin/git"),
            &format!("#!/bin/sh\ncase \"$1\" in\n  --version) echo 'git version 2.47.0';;\n  lfs) {lfs};;\n  *) exit 1;;\nesac\n"),
        );
    }

    fn run(&mut self, args: &[&str]) -> Run {
        let path = std::env::join_paths(&self.path).unwrap();
        self.env.set("PATH", path);
        let done = Live::start(self.env.hfwrap(args)).wait_within(Duration::from_secs(60));
        Run { code: done.code(), stdout: done.out(), stderr: done.stderr }
    }
}

/// A loopback port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn findings<'a>(j: &'a Value, check: &str) -> Vec<&'a Value> {
    j["findings"].as_array().unwrap().iter().filter(|f| f["check"] == check).collect()
}

/// The one finding of `check` whose message contains `needle`.
fn finding<'a>(j: &'a Value, check: &str, needle: &str) -> &'a Value {
    findings(j, check).into_iter().find(|f| f["message"].as_str().unwrap().contains(needle)).unwrap_or_else(|| {
        panic!("no {check} finding mentioning {needle:?} in\n{}", serde_json::to_string_pretty(j).unwrap())
    })
}

fn status(f: &Value) -> &str {
    f["status"].as_str().unwrap()
}

#[test]
fn clean_environment_is_ready() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let mut s = Sandbox::new();
    // Built at run time: no token-shaped literal in the source.
    let token = format!("hf_{}{}", "Clean", "x".repeat(30));
    let token = token.as_str();
    std::fs::write(s.hf_home().join("token"), token).unwrap();
    s.set("HF_ENDPOINT", &endpoint);
    s.set("HFWRAP_TRUST_ENDPOINT", &endpoint);
    s.hub_install("hub2", "hf", Some("2.4.0"), &["hf_xet-1.8.0.dist-info", "hf_xet"], "exit 3\n");
    s.git(true);

    let r = s.run(&["doctor", "--json"]);
    let j = r.json();
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(j["schema"], "hfwrap-doctor/1");
    assert_eq!(j["ok"], true);
    for f in j["findings"].as_array().unwrap() {
        assert_ne!(status(f), "fail", "{f}");
        assert!(f["check"].is_string() && f["message"].is_string());
        assert_eq!(f["fix"].is_null(), status(f) == "ok", "{f}");
    }
    assert_eq!(status(finding(&j, "hf", "huggingface_hub 2.4.0")), "ok");
    assert!(!s.python_ran("hub2"), "the version must be read from the dist-info, not by running Python");
    assert_eq!(status(finding(&j, "huggingface-cli", "has no huggingface-cli")), "ok");
    assert_eq!(status(finding(&j, "transfer", "hf_xet installed")), "ok");
    assert_eq!(status(finding(&j, "git", "git version 2.47.0")), "ok");
    assert_eq!(status(finding(&j, "git-lfs", "git-lfs/3.3.0")), "ok");
    let tok = finding(&j, "token", "in effect");
    assert_eq!(status(tok), "ok");
    assert!(tok["message"].as_str().unwrap().contains(&format!("{} bytes, no stray whitespace", token.len())), "{tok}");
    assert_eq!(status(finding(&j, "endpoint", "trusted for tokens")), "ok");
    assert_eq!(status(finding(&j, "network", "accepts a TCP connection")), "ok");
    assert_eq!(status(finding(&j, "proxy", "no proxy")), "ok");
    assert_eq!(status(finding(&j, "offline", "off")), "ok");
    assert_eq!(status(finding(&j, "cache", "exists and is writable")), "ok");
    assert_eq!(status(finding(&j, "partials", "no leftover")), "ok");
    assert_eq!(status(finding(&j, "locks", "no lock file")), "ok");
    assert!(!findings(&j, "disk").is_empty());
    let left: Vec<_> = std::fs::read_dir(s.hf_home().join("hub")).unwrap().collect();
    assert!(left.is_empty(), "the writability probe must clean up: {left:?}");

    let human = s.run(&["doctor"]);
    assert_eq!(human.code, 0, "{}", human.stdout);
    assert!(human.stdout.lines().any(|l| l.starts_with("[ ok ] network")), "{}", human.stdout);
    assert!(human.stdout.contains("doctor: ready"), "{}", human.stdout);
    assert!(!human.stdout.contains('\x1b'), "no colour when not a terminal / NO_COLOR");
    for out in [&r.stdout, &r.stderr, &human.stdout, &human.stderr] {
        assert!(!out.contains(token), "token leaked:\n{out}");
    }
    drop(listener);
}

#[test]
fn broken_environment_fails_with_fixes_and_never_shows_the_token() {
    let mut s = Sandbox::new();
    let token = "hf_BrokenSecretValue987654zyxw";
    s.set("HF_TOKEN", format!("{token}\n"));
    let file_token = "hf_FileTokenShadowed55555qrst";
    std::fs::write(s.hf_home().join("token"), file_token).unwrap();
    s.set("HF_ENDPOINT", format!("http://127.0.0.1:{}", closed_port()));
    s.hub_install("hub2", "hf", Some("2.4.0"), &[], "exit 3\n");
    s.git(false);

    let r = s.run(&["doctor", "--json"]);
    let j = r.json();
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(j["ok"], false);

    let tok = finding(&j, "token", "$HF_TOKEN");
    assert_eq!(status(tok), "warn", "{tok}");
    let msg = tok["message"].as_str().unwrap();
    assert!(msg.contains("in effect") && msg.contains("ends with 0x0a (newline)"), "{msg}");
    assert!(msg.contains(&format!("{} bytes", token.len() + 1)), "{msg}");
    assert!(tok["fix"].as_str().unwrap().contains("export HF_TOKEN="), "{tok}");

    let net = finding(&j, "network", "unreachable");
    assert_eq!(status(net), "fail");
    assert!(net["message"].as_str().unwrap().contains("Connection refused"), "{net}");
    assert!(net["fix"].as_str().unwrap().contains("HF_ENDPOINT"), "{net}");

    let lfs = finding(&j, "git-lfs", "pointer files");
    assert_eq!(status(lfs), "warn");
    assert!(lfs["fix"].as_str().unwrap().contains("install git-lfs"), "{lfs}");

    let shadowed = finding(&j, "token", "holds a different token");
    assert_eq!(status(shadowed), "warn");
    assert!(
        shadowed["message"].as_str().unwrap().contains("shadowed by $HF_TOKEN, which holds a different token"),
        "{shadowed}"
    );
    assert!(shadowed["fix"].as_str().unwrap().starts_with("unset HF_TOKEN"), "{shadowed}");

    // The clients would send the token to this untrusted loopback endpoint.
    assert_eq!(status(finding(&j, "token", "not trusted")), "warn");

    let human = s.run(&["doctor"]);
    assert_eq!(human.code, 1);
    let h = &human.stdout;
    assert!(h.lines().any(|l| l.starts_with("[FAIL] network") && l.contains("— fix: check HF_ENDPOINT")), "{h}");
    assert!(h.lines().any(|l| l.starts_with("[warn] git-lfs") && l.contains("— fix: install git-lfs")), "{h}");
    assert!(
        h.lines().any(|l| l.starts_with("[warn] token")
            && l.contains("ends with 0x0a (newline)")
            && l.contains("tr -d '[:space:]'")),
        "{h}"
    );
    assert!(h.contains("doctor: problems found: 1 failed"), "{h}");
    for out in [&r.stdout, &r.stderr, &human.stdout, &human.stderr] {
        assert!(!out.contains(token), "token leaked:\n{out}");
        assert!(!out.contains("BrokenSecret") && !out.contains("987654zyxw"), "part of the token leaked:\n{out}");
        assert!(!out.contains(file_token) && !out.contains("FileToken"), "the file's token leaked:\n{out}");
    }
}

#[test]
fn old_client_is_read_through_python_and_hf_transfer_is_checked() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut s = Sandbox::new();
    s.set("HF_ENDPOINT", format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port()));
    // No dist-info on disk: doctor must ask the interpreter (a fake that answers like the probe).
    s.hub_install("hub0", "huggingface-cli", None, &[], "echo 0.25.2\necho 0\necho 0\n");
    s.set("HF_HUB_ENABLE_HF_TRANSFER", "1");
    let ca = s.root().join("ca.pem");
    std::fs::write(&ca, "-----BEGIN CERTIFICATE-----\n").unwrap();
    s.set("SSL_CERT_FILE", &ca);

    let r = s.run(&["doctor", "--json"]);
    let j = r.json();
    assert!(s.python_ran("hub0"));
    assert_eq!(status(finding(&j, "huggingface-cli", "huggingface_hub 0.25.2")), "ok");
    assert_eq!(status(finding(&j, "hf", "not on PATH")), "ok");
    let t = finding(&j, "transfer", "hf_transfer is not installed");
    assert_eq!(status(t), "fail");
    assert_eq!(t["fix"], "unset HF_HUB_ENABLE_HF_TRANSFER");
    let ca_f = finding(&j, "ca-bundle", "SSL_CERT_FILE");
    assert_eq!(status(ca_f), "warn");
    assert!(ca_f["fix"].as_str().unwrap().starts_with("export REQUESTS_CA_BUNDLE="), "{ca_f}");
    assert_eq!(status(finding(&j, "git", "not on PATH")), "ok");
    assert_eq!(r.code, 1);
    drop(listener);
}

#[test]
fn missing_client_and_the_legacy_stub() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut s = Sandbox::new();
    s.set("HF_ENDPOINT", format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port()));
    let r = s.run(&["doctor", "--json"]);
    let j = r.json();
    assert_eq!(r.code, 1);
    let f = finding(&j, "hf", "neither hf nor");
    assert_eq!(status(f), "fail");
    assert!(f["fix"].as_str().unwrap().contains("pip install -U huggingface_hub"));

    s.hub_install("hub1", "huggingface-cli", Some("1.33.0"), &[], "exit 3\n");
    let j = s.run(&["doctor", "--json"]).json();
    assert_eq!(status(finding(&j, "huggingface-cli", "stub")), "warn");
    assert_eq!(status(finding(&j, "hf", "neither hf nor")), "fail");
    drop(listener);
}

#[test]
fn cache_leftovers_held_locks_and_an_unusable_cache() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut s = Sandbox::new();
    s.set("HF_ENDPOINT", format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port()));
    s.hub_install("hub2", "hf", Some("2.4.0"), &[], "exit 3\n");
    let hub = s.hf_home().join("hub");
    std::fs::create_dir_all(hub.join("models--o--m/blobs")).unwrap();
    std::fs::write(hub.join("models--o--m/blobs/0123abcd.1a2b3c4d.incomplete"), vec![0u8; 1000]).unwrap();
    std::fs::write(hub.join("models--o--m/blobs/done"), b"x").unwrap();
    let locks = hub.join(".locks/models--o--m");
    std::fs::create_dir_all(&locks).unwrap();
    let two_hours_ago = SystemTime::now() - Duration::from_secs(7200);
    let mut held_file = None;
    for name in ["held.lock", "free.lock", "fresh.lock"] {
        let f = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(locks.join(name)).unwrap();
        if name != "fresh.lock" {
            f.set_modified(two_hours_ago).unwrap();
        }
        if name == "held.lock" {
            use std::os::fd::AsRawFd;
            // SAFETY: a valid descriptor; hold the lock like a hung client would.
            assert_eq!(unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) }, 0);
            held_file = Some(f);
        }
    }

    let r = s.run(&["doctor", "--json"]);
    let j = r.json();
    let p = finding(&j, "partials", "1 partial file(s)");
    assert_eq!(status(p), "warn");
    assert!(p["message"].as_str().unwrap().contains("1000 B"), "{p}");
    assert!(p["fix"].as_str().unwrap().contains("-delete"), "{p}");
    let l = finding(&j, "locks", "still held");
    assert_eq!(status(l), "warn");
    assert!(l["message"].as_str().unwrap().contains("held.lock"), "{l}");
    assert_eq!(r.code, 0, "warnings only:\n{}", r.stdout);
    drop(held_file);
    let j = s.run(&["doctor", "--json"]).json();
    assert_eq!(status(finding(&j, "locks", "2 lock file(s) older than an hour, none held")), "ok");

    // A cache path that cannot be a directory (a regular file): fails even for root.
    let not_dir = s.root().join("not-a-dir");
    std::fs::write(&not_dir, b"").unwrap();
    s.set("HF_HUB_CACHE", &not_dir);
    let r = s.run(&["doctor", "--json"]);
    let c = finding(&r.json(), "cache", "not a directory").clone();
    assert_eq!(status(&c), "fail");
    assert_eq!(r.code, 1);
    drop(listener);
}

#[test]
fn proxy_credentials_offline_mode_and_empty_token_file_are_warnings() {
    let mut s = Sandbox::new();
    s.set("HF_ENDPOINT", format!("http://127.0.0.1:{}", closed_port()));
    // The proxy is configured but never contacted (a closed loopback port).
    s.set("HTTP_PROXY", format!("http://alice:pa55w0rdXYZ@127.0.0.1:{}", closed_port()));
    s.set("HF_HUB_OFFLINE", "1");
    std::fs::write(s.hf_home().join("token"), b"").unwrap();
    s.hub_install("hub2", "hf", Some("2.4.0"), &[], "exit 3\n");

    let r = s.run(&["doctor", "--json"]);
    let human = s.run(&["doctor"]);
    for out in [&r.stdout, &r.stderr, &human.stdout, &human.stderr] {
        assert!(!out.contains("pa55w0rdXYZ") && !out.contains("alice"), "proxy credentials leaked:\n{out}");
    }
    let j = r.json();
    let proxy = finding(&j, "proxy", "HTTP_PROXY=http://***@127.0.0.1:");
    assert_eq!(status(proxy), "ok");
    assert!(proxy["message"].as_str().unwrap().contains("goes through HTTP_PROXY"), "{proxy}");
    // A direct connection fails, but the clients would use the proxy: a warning, not a failure.
    assert_eq!(status(finding(&j, "network", "which doctor does not test")), "warn");
    let off = finding(&j, "offline", "HF_HUB_OFFLINE=1");
    assert_eq!(status(off), "warn");
    assert_eq!(off["fix"], "unset HF_HUB_OFFLINE");
    let t = finding(&j, "token", "is empty (0 bytes)");
    assert_eq!(status(t), "warn");
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        human.stdout.contains("[warn] offline") && human.stdout.contains("— fix: unset HF_HUB_OFFLINE"),
        "{}",
        human.stdout
    );
}
