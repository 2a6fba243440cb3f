//! The real clients (and hfwrap) in a clean, private environment per e2e test.
//!
//! - [`TestEnv`]: fresh `HF_HOME`, `HOME`, git global config, no inherited token or proxy, handing out
//!   `Command`s for `hfwrap`, the real clients and git, with a marker in every environment so that
//!   [`assert_no_leftovers`](super::assert_no_leftovers) finds what a test started.
//! - [`run`]: runs a command with a bounded deadline, collecting stdout/stderr, killing its process group
//!   if it overruns; [`spawn`] starts one in the background.
//! - [`assert_repo_files`]: a download is byte-identical to what the fake Hub served.

use super::fakehub::{hub0_bin, hub0_dir, hub2_bin, hub2_dir, FakeHub, DEAD_ENDPOINT, DEAD_PROXY};
use super::{hfwrap_bin, sha256_file, strip_ansi};
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Generous bound for a client run that should finish quickly; a hang fails the test instead of the suite.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(120);

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
        self.command(hfwrap_bin())
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
