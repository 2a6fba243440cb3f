//! Test harness shared by the `tests/e2e_*.rs` integration tests (`mod support;`).
//!
//! - [`FakeHub`]: the loopback fake Hugging Face Hub (`tests/fakehub/fakehub.py`), one per test,
//!   started from a JSON config, killed on drop; its request log parsed into [`Request`]s.
//! - [`TestEnv`]: a clean, private environment for one test (fresh `HF_HOME`, `HOME`, git global config,
//!   no inherited token or proxy), handing out `Command`s for `hfwrap`, the real clients and git.
//! - [`run`]: runs a command with a bounded deadline, collecting stdout/stderr, killing its process group
//!   if it overruns.
//! - [`assert_no_leftovers`]: no process of a test (found by an environment marker) is still alive.
//!
//! Nothing here talks to anything but 127.0.0.1. The real clients come from two venvs that
//! `./scripts/test` builds and announces through `HFWRAP_TEST_HUB2` / `HFWRAP_TEST_HUB0`; without them the
//! tests fail (not skip) and say so.
#![allow(dead_code)]

use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
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

/// Generous bound for a client run that should finish quickly; a hang fails the test instead of the suite.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(120);

// ---------------------------------------------------------------------------------------------
// The client venvs
// ---------------------------------------------------------------------------------------------

fn venv_dir(var: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(v) if !v.is_empty() => {
            let p = PathBuf::from(v);
            assert!(p.is_dir(), "{var}={} is not a directory: run ./scripts/test, which builds the client venvs", p.display());
            p
        }
        _ => panic!(
            "{var} is not set. These end-to-end tests drive real huggingface_hub clients from venvs that \
             ./scripts/test builds: run ./scripts/test (it sets HFWRAP_TEST_HUB2 and HFWRAP_TEST_HUB0) instead of bare `cargo test`."
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

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
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
            Some(u) if u.starts_with("http://127.0.0.1:") => u.to_string(),
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
            let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
            assert!(fd >= 0, "socket() failed");
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

// ---------------------------------------------------------------------------------------------
// TestEnv: a clean environment per test
// ---------------------------------------------------------------------------------------------

/// Which client venv goes first on PATH.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Client {
    Hub2,
    Hub0,
    /// Neither venv on PATH.
    None,
}

pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub marker: String,
    vars: BTreeMap<OsString, OsString>,
    client: Client,
}

impl TestEnv {
    /// A fresh environment; `HF_ENDPOINT` points at `hub` when given.
    pub fn new(hub: Option<&FakeHub>) -> TestEnv {
        let dir = tempfile::Builder::new().prefix("hfwrap-e2e-").tempdir().expect("tempdir");
        let d = dir.path();
        for sub in ["home", "hf_home", "work", "tmp"] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        std::fs::write(d.join("gitconfig"), "").unwrap();
        let marker = format!("{}-{}", std::process::id(), d.file_name().unwrap().to_string_lossy());
        let mut vars = BTreeMap::new();
        let mut set = |k: &str, v: &OsStr| {
            vars.insert(OsString::from(k), v.to_os_string());
        };
        set("HOME", d.join("home").as_os_str());
        set("HF_HOME", d.join("hf_home").as_os_str());
        set("TMPDIR", d.join("tmp").as_os_str());
        set("HF_HUB_DISABLE_UPDATE_CHECK", OsStr::new("1"));
        set("HF_HUB_DISABLE_TELEMETRY", OsStr::new("1"));
        set("HF_HUB_DOWNLOAD_TIMEOUT", OsStr::new("5"));
        set("HF_HUB_ETAG_TIMEOUT", OsStr::new("5"));
        // Fail closed: anything not aimed at loopback goes to a dead proxy on 127.0.0.1:9 instead of the
        // network, and a test that forgets HF_ENDPOINT gets a dead loopback endpoint, not the real Hub.
        set("NO_PROXY", OsStr::new("127.0.0.1,localhost"));
        set("no_proxy", OsStr::new("127.0.0.1,localhost"));
        for k in ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"] {
            set(k, OsStr::new(DEAD_PROXY));
        }
        set("HF_ENDPOINT", OsStr::new(DEAD_ENDPOINT));
        set("GIT_TERMINAL_PROMPT", OsStr::new("0"));
        set("GIT_CONFIG_GLOBAL", d.join("gitconfig").as_os_str());
        set("GIT_CONFIG_NOSYSTEM", OsStr::new("1"));
        set("LANG", OsStr::new("C.UTF-8"));
        set("LC_ALL", OsStr::new("C.UTF-8"));
        set("PYTHONDONTWRITEBYTECODE", OsStr::new("1"));
        set("HFWRAP_TEST_MARKER", OsStr::new(&marker));
        if let Some(h) = hub {
            set("HF_ENDPOINT", OsStr::new(h.url()));
        }
        TestEnv { dir, marker, vars, client: Client::Hub2 }
    }

    pub fn set(&mut self, k: &str, v: impl AsRef<OsStr>) -> &mut Self {
        self.vars.insert(k.into(), v.as_ref().to_os_string());
        self
    }

    pub fn remove(&mut self, k: &str) -> &mut Self {
        self.vars.remove(OsStr::new(k));
        self
    }

    pub fn get(&self, k: &str) -> Option<&OsStr> {
        self.vars.get(OsStr::new(k)).map(|v| v.as_os_str())
    }

    /// Put this client's venv first on PATH (default: Hub2).
    pub fn client(&mut self, c: Client) -> &mut Self {
        self.client = c;
        self
    }

    /// The test's private directory.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn hf_home(&self) -> PathBuf {
        PathBuf::from(self.get("HF_HOME").unwrap())
    }

    /// `$HF_HOME/hub/models--org--name/snapshots/<sha>` (or `datasets--…`).
    pub fn snapshot_dir(&self, kind: &str, repo: &str, sha: &str) -> PathBuf {
        self.hf_home().join("hub").join(format!("{}s--{}", kind, repo.replace('/', "--"))).join("snapshots").join(sha)
    }

    fn path_var(&self) -> OsString {
        let mut parts: Vec<PathBuf> = Vec::new();
        match self.client {
            Client::Hub2 => parts.push(hub2_dir()),
            Client::Hub0 => parts.push(hub0_dir()),
            Client::None => {}
        }
        if let Some(p) = std::env::var_os("PATH") {
            for e in std::env::split_paths(&p) {
                // Never let a venv of the test runner's own shell leak in.
                if e.to_string_lossy().contains(".venv-test") {
                    continue;
                }
                parts.push(e);
            }
        }
        std::env::join_paths(parts).unwrap()
    }

    /// PATH as the tests' commands get it, with `dir` first (for wrapper scripts that shadow a client).
    pub fn path_with_first(&self, dir: &Path) -> OsString {
        let mut parts = vec![dir.to_path_buf()];
        parts.extend(std::env::split_paths(&self.path_var()));
        std::env::join_paths(parts).unwrap()
    }

    /// A command with exactly this environment (nothing inherited), run in `work/`.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut c = Command::new(program);
        c.env_clear();
        for (k, v) in &self.vars {
            c.env(k, v);
        }
        if !self.vars.contains_key(OsStr::new("PATH")) {
            c.env("PATH", self.path_var());
        }
        c.current_dir(self.path("work"));
        c
    }

    /// The hfwrap binary under test.
    pub fn hfwrap(&self) -> Command {
        self.command(env!("CARGO_BIN_EXE_hfwrap"))
    }

    /// `python -c code` in the hub2 or hub0 venv.
    pub fn python(&self, client: Client, code: &str) -> Command {
        let py = match client {
            Client::Hub0 => hub0_bin("python3"),
            _ => hub2_bin("python3"),
        };
        let mut c = self.command(py);
        c.arg("-c").arg(code);
        c
    }

    pub fn git(&self) -> Command {
        self.command("git")
    }

    /// `git lfs install --skip-repo` into this test's global git config.
    pub fn install_git_lfs(&self) {
        let r = run(self.git().args(["lfs", "install", "--skip-repo"]), Duration::from_secs(30));
        assert_eq!(r.code, Some(0), "git lfs install failed:\n{}", r.dump());
    }
}

// ---------------------------------------------------------------------------------------------
// Running commands
// ---------------------------------------------------------------------------------------------

pub struct Run {
    pub status: ExitStatus,
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub pid: u32,
    pub elapsed: Duration,
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
    /// stderr with ANSI escapes removed (`hf` colours even into a pipe).
    pub fn stderr_plain(&self) -> String {
        strip_ansi(&self.stderr())
    }
    pub fn stdout_plain(&self) -> String {
        strip_ansi(&self.stdout())
    }
    pub fn dump(&self) -> String {
        format!(
            "exit code {:?} signal {:?} after {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code,
            self.signal,
            self.elapsed,
            self.stdout(),
            self.stderr()
        )
    }
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "unexpected exit:\n{}", self.dump());
        self
    }
    pub fn assert_stderr_contains(&self, needle: &str) -> &Self {
        assert!(self.stderr_plain().contains(needle), "stderr lacks {needle:?}:\n{}", self.dump());
        self
    }
    pub fn assert_stdout_contains(&self, needle: &str) -> &Self {
        assert!(self.stdout_plain().contains(needle), "stdout lacks {needle:?}:\n{}", self.dump());
        self
    }
    /// stderr lines that hfwrap itself wrote.
    pub fn hfwrap_lines(&self) -> Vec<String> {
        self.stderr_plain().lines().filter(|l| l.starts_with("hfwrap:")).map(str::to_string).collect()
    }
}

pub fn strip_ansi(s: &str) -> String {
    let re = regex::Regex::new(r"\x1b\[[0-9;?]*[ -/]*[@-~]").unwrap();
    re.replace_all(s, "").into_owned()
}

fn spawn_reader(mut r: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    rx
}

/// Run `cmd` (stdin closed, own process group) until it exits; past `timeout` its process group is killed
/// and the test fails with what it printed. Also fails if its output pipes stay open well after it exited
/// (a leftover grandchild holds them).
pub fn run(cmd: &mut Command, timeout: Duration) -> Run {
    let started = Instant::now();
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).process_group(0);
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot spawn {cmd:?}: {e}"));
    let pid = child.id();
    let out = spawn_reader(child.stdout.take().unwrap());
    let err = spawn_reader(child.stderr.take().unwrap());
    let deadline = started + timeout;
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() > deadline {
            unsafe {
                libc::kill(-(pid as i32), libc::SIGKILL);
            }
            let _ = child.wait();
            let o = out.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
            let e = err.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
            panic!(
                "{cmd:?} still running after {timeout:?}: killed.\n--- stdout ---\n{}\n--- stderr ---\n{}",
                String::from_utf8_lossy(&o),
                String::from_utf8_lossy(&e)
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let pipe_deadline = Duration::from_secs(10);
    let stdout = out.recv_timeout(pipe_deadline).unwrap_or_else(|_| {
        panic!("stdout of {cmd:?} still open {pipe_deadline:?} after it exited: a leftover process holds it")
    });
    let stderr = err.recv_timeout(pipe_deadline).unwrap_or_else(|_| {
        panic!("stderr of {cmd:?} still open {pipe_deadline:?} after it exited: a leftover process holds it")
    });
    Run { code: status.code(), signal: status.signal(), status, stdout, stderr, pid, elapsed: started.elapsed() }
}

/// A command started in the background (own process group), for tests that act while it runs.
pub struct Running {
    pub child: Child,
    out: mpsc::Receiver<Vec<u8>>,
    err: mpsc::Receiver<Vec<u8>>,
    started: Instant,
}

pub fn spawn(cmd: &mut Command) -> Running {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).process_group(0);
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot spawn {cmd:?}: {e}"));
    let out = spawn_reader(child.stdout.take().unwrap());
    let err = spawn_reader(child.stderr.take().unwrap());
    Running { child, out, err, started: Instant::now() }
}

impl Running {
    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }
    pub fn signal(&self, sig: i32) {
        unsafe {
            libc::kill(self.pid(), sig);
        }
    }
    /// Whether it is still running (never blocks).
    pub fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
    /// Wait for exit (bounded); kill the group and fail past `timeout`.
    pub fn wait(mut self, timeout: Duration) -> Run {
        let deadline = Instant::now() + timeout;
        let pid = self.pid();
        let status = loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                break st;
            }
            if Instant::now() > deadline {
                unsafe {
                    libc::kill(-pid, libc::SIGKILL);
                }
                let _ = self.child.wait();
                let e = self.err.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
                panic!(
                    "process {pid} still running after {timeout:?}: killed. stderr:\n{}",
                    String::from_utf8_lossy(&e)
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let stdout = self.out.recv_timeout(Duration::from_secs(10)).expect("stdout still open: leftover process");
        let stderr = self.err.recv_timeout(Duration::from_secs(10)).expect("stderr still open: leftover process");
        Run {
            code: status.code(),
            signal: status.signal(),
            status,
            stdout,
            stderr,
            pid: pid as u32,
            elapsed: self.started.elapsed(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            unsafe {
                libc::kill(-(self.child.id() as i32), libc::SIGKILL);
            }
            let _ = self.child.wait();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Leftover processes
// ---------------------------------------------------------------------------------------------

/// Which processes belong to a test.
#[derive(Clone, Debug)]
pub enum Scope<'a> {
    /// Every process whose environment carries `HFWRAP_TEST_MARKER=<marker>` (survives setsid/setpgid).
    Marker(&'a str),
    /// Every process in this process group.
    Group(i32),
    /// Every process in this session.
    Session(i32),
}

/// Live (non-zombie) processes in `scope`, as `(pid, command line)`.
pub fn processes_in(scope: &Scope) -> Vec<(i32, String)> {
    let me = std::process::id() as i32;
    let mut found = Vec::new();
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return found;
    };
    for e in rd.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let f: Vec<&str> = after.split_whitespace().collect();
        if f.len() < 4 || f[0] == "Z" || f[0] == "X" {
            continue;
        }
        let (pgrp, session): (i32, i32) = (f[2].parse().unwrap_or(-1), f[3].parse().unwrap_or(-1));
        let hit = match scope {
            Scope::Group(g) => pgrp == *g,
            Scope::Session(s) => session == *s,
            Scope::Marker(m) => {
                let needle = format!("HFWRAP_TEST_MARKER={m}");
                std::fs::read(format!("/proc/{pid}/environ"))
                    .map(|env| env.split(|&b| b == 0).any(|kv| kv == needle.as_bytes()))
                    .unwrap_or(false)
            }
        };
        if hit {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
                .unwrap_or_default();
            found.push((pid, cmdline));
        }
    }
    found
}

/// Fail if any process in `scope` is still alive after a bounded grace period (processes that were just
/// signalled take a moment to go). The survivors are killed so they do not outlive the test.
pub fn assert_no_leftovers(scope: Scope) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = processes_in(&scope);
        if left.is_empty() {
            return;
        }
        if Instant::now() > deadline {
            for (pid, _) in &left {
                unsafe {
                    libc::kill(*pid, libc::SIGKILL);
                }
            }
            panic!("processes left running in {scope:?}:\n{left:#?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

pub fn sha256_hex(data: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(data);
    format!("{:x}", h.finalize())
}

/// sha256 of a file (symlinks followed, as in the hub cache's snapshots/).
pub fn sha256_file(path: &Path) -> String {
    let mut f = std::fs::File::open(path).unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    format!("{:x}", h.finalize())
}

/// Every file the fake Hub serves for `repo` is in `dir`, byte-identical (sha256).
pub fn assert_repo_files(dir: &Path, hub: &FakeHub, repo_key: &str) {
    let entry = hub.repo(repo_key);
    assert!(!entry.files.is_empty());
    for (path, f) in &entry.files {
        let p = dir.join(path);
        assert!(p.exists(), "{} is missing (repo {repo_key}); dir has: {:?}", p.display(), list_dir(dir));
        assert_eq!(sha256_file(&p), f.sha256, "{} differs from what the fake hub served", p.display());
    }
}

/// Relative paths of all regular files under `dir` (symlinks followed), sorted.
pub fn list_dir(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, d: &Path, out: &mut Vec<String>) {
        if let Ok(rd) = std::fs::read_dir(d) {
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(base, &p, out);
                } else {
                    out.push(p.strip_prefix(base).unwrap().to_string_lossy().into_owned());
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Files under `dir` whose name ends in `.incomplete`.
pub fn incomplete_files(dir: &Path) -> Vec<String> {
    list_dir(dir).into_iter().filter(|p| p.ends_with(".incomplete")).collect()
}

pub fn read_lossy(p: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned()
}

/// The JSON report hfwrap wrote with `--report PATH`.
pub fn read_report(p: &Path) -> Value {
    let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("no report at {}: {e}", p.display()));
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("report {} is not JSON ({e}):\n{}", p.display(), String::from_utf8_lossy(&bytes)))
}

/// Write an executable (mode 0755) script at `path`.
pub fn write_script(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Watching a test's processes while they run
// ---------------------------------------------------------------------------------------------

/// One process of a test as seen in /proc: its argv and its environment (raw `KEY=VALUE` entries).
#[derive(Clone, Debug)]
pub struct ProcSeen {
    pub pid: i32,
    pub argv: Vec<String>,
    pub environ: Vec<String>,
}

impl ProcSeen {
    pub fn cmdline(&self) -> String {
        self.argv.join(" ")
    }
    /// The value of `name` in its environment.
    pub fn env_var(&self, name: &str) -> Option<&str> {
        let prefix = format!("{name}=");
        self.environ.iter().find_map(|kv| kv.strip_prefix(&prefix))
    }
}

fn read_nul_separated(path: &str) -> Option<Vec<String>> {
    let raw = std::fs::read(path).ok()?;
    Some(raw.split(|&b| b == 0).filter(|s| !s.is_empty()).map(|s| String::from_utf8_lossy(s).into_owned()).collect())
}

/// Every live process whose environment carries `HFWRAP_TEST_MARKER=<marker>`, with argv and environment.
pub fn marker_processes(marker: &str) -> Vec<ProcSeen> {
    let needle = format!("HFWRAP_TEST_MARKER={marker}");
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in rd.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Some(environ) = read_nul_separated(&format!("/proc/{pid}/environ")) else {
            continue;
        };
        if !environ.contains(&needle) {
            continue;
        }
        let argv = read_nul_separated(&format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if argv.is_empty() {
            continue; // a zombie or a kernel thread
        }
        out.push(ProcSeen { pid, argv, environ });
    }
    out
}

/// Samples /proc in a background thread for as long as it lives, keeping every distinct
/// (pid, argv) of the processes carrying a test's marker: a record of what each process of a run
/// (children and grandchildren included) had on its command line. A process that exists for a
/// moment may be missed; tests use it to check that *no* argv holds a secret, and rely on it to
/// have seen only processes that live for seconds (held by a stalled transfer).
pub struct ProcSampler {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    handle: Option<std::thread::JoinHandle<Vec<ProcSeen>>>,
}

impl ProcSampler {
    pub fn start(marker: &str) -> ProcSampler {
        use std::sync::atomic::{AtomicBool, Ordering};
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let needle = format!("HFWRAP_TEST_MARKER={marker}");
        let handle = std::thread::spawn(move || {
            let mut seen: Vec<ProcSeen> = Vec::new();
            // pid -> the argv last checked, so the environment is read again only after an exec.
            let mut checked: BTreeMap<i32, Vec<String>> = BTreeMap::new();
            loop {
                let last_pass = flag.load(Ordering::SeqCst);
                if let Ok(rd) = std::fs::read_dir("/proc") {
                    for e in rd.flatten() {
                        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
                            continue;
                        };
                        let Some(argv) = read_nul_separated(&format!("/proc/{pid}/cmdline")) else {
                            continue;
                        };
                        if argv.is_empty() || checked.get(&pid) == Some(&argv) {
                            continue;
                        }
                        checked.insert(pid, argv.clone());
                        let Some(environ) = read_nul_separated(&format!("/proc/{pid}/environ")) else {
                            continue;
                        };
                        if environ.contains(&needle) && !seen.iter().any(|p| p.pid == pid && p.argv == argv) {
                            seen.push(ProcSeen { pid, argv, environ });
                        }
                    }
                }
                if last_pass {
                    return seen;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        });
        ProcSampler { stop, handle: Some(handle) }
    }

    /// Stop sampling; everything seen.
    pub fn finish(mut self) -> Vec<ProcSeen> {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        self.handle.take().unwrap().join().expect("sampler thread")
    }
}

impl Drop for ProcSampler {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
