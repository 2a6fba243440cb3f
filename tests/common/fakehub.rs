//! The loopback fake Hugging Face Hub (`tests/fakehub/fakehub.py`) for the e2e suites.
//!
//! - [`FakeHub`]: one per test, started from a JSON config, killed on drop; its request log parsed
//!   into [`Request`]s. [`FakeProxy`] is `tests/fakehub/proxy.py`; [`ClosedPort`] a port that refuses.
//! - The standard repos ([`TINY`], [`GATED`], …) and tokens ([`good_token`], …) of [`hub_config`].
//! - The client venvs: `./scripts/test` builds them and announces them through `HFWRAP_TEST_HUB2` /
//!   `HFWRAP_TEST_HUB0`; without them every e2e test fails (not skips) and says to run it.
//!
//! Nothing here talks to anything but 127.0.0.1.

use super::{read_lossy, repo_root, sha256_hex};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const TINY: &str = "fake-org/tiny-model";
pub const GATED: &str = "fake-org/gated-model";
pub const PRIVATE: &str = "fake-org/private-model";
pub const DATASET: &str = "fake-org/tiny-dataset";
pub const MISSING: &str = "fake-org/does-not-exist";

/// Size of the large (LFS) file of the standard repos.
pub const LARGE: u64 = 12 * 1024 * 1024;

/// Where non-loopback traffic of a test would go: nothing listens on the discard port.
pub const DEAD_PROXY: &str = "http://127.0.0.1:9";
/// `HF_ENDPOINT` of a [`TestEnv`] made without a fake Hub.
pub const DEAD_ENDPOINT: &str = "http://127.0.0.1:9";

// ---------------------------------------------------------------------------------------------
// The client venvs
// ---------------------------------------------------------------------------------------------

fn venv_dir(var: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(v) if !v.is_empty() => {
            let p = PathBuf::from(v);
            assert!(
                p.is_dir(),
                "{var}={} is not a directory: run ./scripts/test, which builds the client venvs",
                p.display()
            );
            p
        }
        _ => panic!(
            "{var} is not set. The e2e tests (`--features e2e`) drive real huggingface_hub clients from venvs \
             that ./scripts/test builds: run ./scripts/test (it sets HFWRAP_TEST_HUB2, HFWRAP_TEST_HUB0 and the \
             library venvs' HFWRAP_TEST_LIB5, HFWRAP_TEST_LIB4, HFWRAP_TEST_XFER), \
             or ./scripts/test --test e2e NAME for one test. Plain `cargo test` runs the integration tests only."
        ),
    }
}

/// `bin/` of the huggingface_hub 2.x venv (`hf`).
pub fn hub2_dir() -> PathBuf {
    venv_dir("HFWRAP_TEST_HUB2")
}

/// `bin/` of the huggingface_hub 0.25.2 venv (`huggingface-cli`).
pub fn hub0_dir() -> PathBuf {
    venv_dir("HFWRAP_TEST_HUB0")
}

/// `bin/` of the library venvs (tests/e2e/libraries/): `lib5` = transformers 5 + datasets 5 + diffusers
/// (huggingface_hub 2.x), `lib4` = transformers 4.57 + datasets 3.6 (huggingface_hub 0.36), `xfer` =
/// huggingface_hub 0.25.2 + hf_transfer. `./scripts/test` sets `HFWRAP_TEST_LIB5` / `_LIB4` / `_XFER`.
pub fn lib_dir(name: &str) -> PathBuf {
    venv_dir(&format!("HFWRAP_TEST_{}", name.to_ascii_uppercase()))
}

pub fn hub2_bin(name: &str) -> PathBuf {
    let p = hub2_dir().join(name);
    assert!(p.exists(), "{} does not exist: rebuild the venvs with ./scripts/test", p.display());
    p
}

pub fn hub0_bin(name: &str) -> PathBuf {
    let p = hub0_dir().join(name);
    assert!(p.exists(), "{} does not exist: rebuild the venvs with ./scripts/test", p.display());
    p
}

pub fn fakehub_script() -> PathBuf {
    repo_root().join("tests/fakehub/fakehub.py")
}

pub fn proxy_script() -> PathBuf {
    repo_root().join("tests/fakehub/proxy.py")
}

// ---------------------------------------------------------------------------------------------
// Tokens: built at run time, never a literal that looks like a real one
// ---------------------------------------------------------------------------------------------

/// A token string of the Hub's shape, built at run time: `hf_` + `test` + tag + `xxxxxxxx`.
pub fn token(tag: &str) -> String {
    let mut t = String::from("hf");
    t.push('_');
    t.push_str("test");
    t.push_str(tag);
    t.push_str(&"x".repeat(8));
    t
}

/// Known to the fake Hub, licence accepted for [`GATED`], access to [`PRIVATE`].
pub fn good_token() -> String {
    token("good")
}

/// Known to the fake Hub, but no licence / no access.
pub fn other_token() -> String {
    token("other")
}

/// Known; its access request to [`GATED`] awaits review.
pub fn pending_token() -> String {
    token("pending")
}

/// Known; its access request to [`GATED`] was rejected.
pub fn rejected_token() -> String {
    token("rejected")
}

/// Unknown to the fake Hub: "Invalid credentials in Authorization header".
pub fn bad_token() -> String {
    token("revoked")
}

/// What the request log records for a token: sha256 of the whole header value.
pub fn auth_hash(token: &str) -> String {
    sha256_hex(format!("Bearer {token}").as_bytes())
}

// ---------------------------------------------------------------------------------------------
// Fake Hub configs
// ---------------------------------------------------------------------------------------------

/// The standard repos and tokens; faults as given.
pub fn hub_config(faults: Value) -> Value {
    json!({
        "tokens": [good_token(), other_token(), pending_token(), rejected_token()],
        "repos": [
            {"id": TINY},
            {"id": GATED, "gated": "manual", "accepted_tokens": [good_token()],
             "pending_tokens": [pending_token()], "rejected_tokens": [rejected_token()]},
            {"id": PRIVATE, "private": true, "accepted_tokens": [good_token()], "large_size": 1024 * 1024},
            {"id": DATASET, "type": "dataset", "large_size": 2 * 1024 * 1024,
             "extra_files": {"data/train.csv": "text,label\nhello,1\nworld,0\n"}},
        ],
        "faults": faults,
    })
}

// ---------------------------------------------------------------------------------------------
// FakeHub
// ---------------------------------------------------------------------------------------------

/// One line of the fake Hub's request log.
#[derive(Deserialize, Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path and query, as sent.
    pub path: String,
    /// `api` | `tree` | `resolve` | `cdn` | `git` | `lfs` | `misc` | `control`.
    pub class: String,
    /// `hub` or `cdn` (which listener got it).
    pub origin: String,
    pub repo: Option<String>,
    /// 0 when no answer was sent (`hang`, `drop`).
    pub status: u16,
    pub range: Option<String>,
    pub has_authorization: bool,
    pub auth_sha256: Option<String>,
    pub fault: Option<String>,
    /// Wall-clock time (Unix seconds) when the fake Hub started answering.
    #[serde(default)]
    pub t: f64,
}

impl Request {
    pub fn route(&self) -> &str {
        self.path.split('?').next().unwrap_or("")
    }

    /// `GET /api/{type}s/{repo}` or `…/revision/{rev}`: the first API call of a repo download.
    pub fn is_repo_info(&self, repo: &str) -> bool {
        let r = self.route();
        self.class == "api" && (r.ends_with(&format!("s/{repo}")) || r.contains(&format!("s/{repo}/revision/")))
    }

    pub fn sent_token(&self, token: &str) -> bool {
        self.auth_sha256.as_deref() == Some(auth_hash(token).as_str())
    }
}

#[derive(Deserialize, Debug, Clone)]
pub struct FileEntry {
    pub size: u64,
    pub sha256: String,
    pub oid: String,
    pub lfs: bool,
}

#[derive(Deserialize, Debug, Clone)]
pub struct RepoEntry {
    #[serde(rename = "type")]
    pub kind: String,
    pub sha: String,
    pub files: BTreeMap<String, FileEntry>,
}

pub struct FakeHub {
    child: Child,
    url: String,
    cdn_url: String,
    log: PathBuf,
    manifest: BTreeMap<String, RepoEntry>,
    stderr: PathBuf,
    _dir: tempfile::TempDir,
}

impl FakeHub {
    /// Start a fake Hub on 127.0.0.1 from `config` (see tests/fakehub/README.md); `log`, `manifest` and
    /// `workdir` are filled in. Waits (bounded) for its READY line.
    pub fn start(config: Value) -> FakeHub {
        Self::start_script(&fakehub_script(), config, &[])
    }

    fn start_script(script: &Path, mut config: Value, args: &[&str]) -> FakeHub {
        let dir = tempfile::Builder::new().prefix("fakehub-").tempdir().expect("tempdir");
        let log = dir.path().join("requests.jsonl");
        let manifest = dir.path().join("manifest.json");
        let obj = config.as_object_mut().expect("fake hub config must be a JSON object");
        obj.insert("log".into(), json!(log));
        obj.insert("manifest".into(), json!(manifest));
        obj.insert("workdir".into(), json!(dir.path().join("work")));
        let cfg_path = dir.path().join("config.json");
        std::fs::write(&cfg_path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
        let stderr = dir.path().join("stderr.txt");
        let mut cmd = Command::new(hub2_bin("python3"));
        cmd.arg(script).arg("--config").arg(&cfg_path).args(args);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONUNBUFFERED", "1")
            .process_group(0);
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", script.display()));
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let mut r = BufReader::new(stdout);
            let _ = r.read_line(&mut line);
            let _ = tx.send(line);
            // Keep draining so the server never blocks on a full pipe.
            let mut sink = Vec::new();
            let _ = r.read_to_end(&mut sink);
        });
        let line = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                panic!("fake hub did not print READY within 30 s; stderr:\n{}", read_lossy(&stderr));
            }
        };
        let url = match line.trim().strip_prefix("READY ") {
            Some(u) if u.starts_with("http://127.0.0.1:") || u.starts_with("https://127.0.0.1:") => u.to_string(),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("fake hub did not start (first line {line:?}); stderr:\n{}", read_lossy(&stderr));
            }
        };
        let (cdn_url, repos) = if manifest.exists() {
            let m: Value = serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
            let repos: BTreeMap<String, RepoEntry> = serde_json::from_value(m["repos"].clone()).unwrap();
            (m["cdn_url"].as_str().unwrap_or(&url).to_string(), repos)
        } else {
            (url.clone(), BTreeMap::new())
        };
        FakeHub { child, url, cdn_url, log, manifest: repos, stderr, _dir: dir }
    }

    /// `http://127.0.0.1:PORT`, what `HF_ENDPOINT` is set to.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn port(&self) -> u16 {
        self.url.rsplit(':').next().unwrap().parse().unwrap()
    }

    /// The CDN origin that LFS downloads are redirected to (another port on 127.0.0.1).
    pub fn cdn_url(&self) -> &str {
        &self.cdn_url
    }

    /// The repo's page, as the Hub's gated message names it.
    pub fn repo_url(&self, repo: &str) -> String {
        format!("{}/{}", self.url, repo)
    }

    /// What the fake Hub serves for a repo (`org/name` for models, `datasets/org/name` for datasets).
    pub fn repo(&self, key: &str) -> &RepoEntry {
        self.manifest.get(key).unwrap_or_else(|| panic!("fake hub has no repo {key}"))
    }

    /// Every request so far (control requests left out), in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str::<Request>(l).unwrap_or_else(|e| panic!("bad log line {l:?}: {e}")))
            .filter(|r| r.class != "control")
            .collect()
    }

    /// Poll the request log until a request matches (bounded).
    pub fn wait_for_request(&self, what: &str, timeout: Duration, pred: impl Fn(&Request) -> bool) -> Request {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(r) = self.requests().into_iter().find(|r| pred(r)) {
                return r;
            }
            if Instant::now() > deadline {
                panic!("fake hub never saw {what} within {timeout:?}; requests:\n{}", self.dump_requests());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn dump_requests(&self) -> String {
        self.requests()
            .iter()
            .map(|r| {
                format!(
                    "  {} {} {} [{}]{}{}{}",
                    r.method,
                    r.path,
                    r.status,
                    r.origin,
                    if r.has_authorization { " auth" } else { "" },
                    r.range.as_ref().map(|x| format!(" range={x}")).unwrap_or_default(),
                    r.fault.as_ref().map(|x| format!(" fault={x}")).unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn stderr(&self) -> String {
        read_lossy(&self.stderr)
    }

    /// End the `stall` / `hang` / `hold` fault named `fault` (e.g. `stall#0`) now: a stalled body is
    /// closed as if cut, a hung request closed unanswered, a held request answered normally
    /// (`GET /__fakehub/release`). Lets a test keep a client waiting exactly as long as it needs,
    /// without relying on the client's timeouts.
    pub fn release(&self, fault: &str) {
        use std::io::Write;
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port())).expect("connect to the fake hub");
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        write!(
            s,
            "GET /__fakehub/release?fault={} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            fault.replace('#', "%23")
        )
        .unwrap();
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        assert!(answer.starts_with("HTTP/1.1 200"), "fake hub did not release {fault}: {answer}");
    }
}

impl Drop for FakeHub {
    fn drop(&mut self) {
        let pid = self.child.id() as i32;
        // SIGTERM the server's whole group (it may have a `git http-backend` child), then insist.
        unsafe {
            libc::kill(-pid, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
                _ => {
                    unsafe {
                        libc::kill(-pid, libc::SIGKILL);
                    }
                    let _ = self.child.wait();
                    break;
                }
            }
        }
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

/// A loopback HTTP proxy (tests/fakehub/proxy.py) in `mode` (`407` | `forward`).
pub struct FakeProxy(FakeHub);

impl FakeProxy {
    pub fn start(mode: &str) -> FakeProxy {
        FakeProxy(FakeHub::start_script(&proxy_script(), json!({"mode": mode}), &[]))
    }
    pub fn url(&self) -> &str {
        self.0.url()
    }
    pub fn requests(&self) -> Vec<Request> {
        self.0.requests()
    }
}

/// A 127.0.0.1 port where connections are refused: bound but never listening, and held for the life of the
/// value, so no parallel test's server can take it meanwhile.
pub struct ClosedPort {
    fd: i32,
    pub port: u16,
}

impl ClosedPort {
    pub fn new() -> ClosedPort {
        unsafe {
            #[cfg(target_os = "linux")]
            let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
            // macOS has no SOCK_CLOEXEC: set the flag right after (the tests do not fork meanwhile).
            #[cfg(not(target_os = "linux"))]
            let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
            assert!(fd >= 0, "socket() failed");
            #[cfg(not(target_os = "linux"))]
            libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
            let mut addr: libc::sockaddr_in = std::mem::zeroed();
            addr.sin_family = libc::AF_INET as libc::sa_family_t;
            addr.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
            addr.sin_port = 0;
            let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            assert_eq!(libc::bind(fd, &addr as *const _ as *const libc::sockaddr, len), 0, "bind() failed");
            let mut got: libc::sockaddr_in = std::mem::zeroed();
            let mut glen = len;
            assert_eq!(libc::getsockname(fd, &mut got as *mut _ as *mut libc::sockaddr, &mut glen), 0);
            ClosedPort { fd, port: u16::from_be(got.sin_port) }
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for ClosedPort {
    fn drop(&mut self) {
        unsafe {
            libc::close(self.fd);
        }
    }
}
