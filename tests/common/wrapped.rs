//! hfwrap run with `--report` in a [`TestEnv`], and the report read back: [`wrap`] /
//! [`wrap_during`] give a [`Wrapped`], whose assertions print the whole run and report on failure.
//! Every wrapped run checks that nothing of the test is left running.

use super::clients::{spawn, Run, TestEnv};
use super::fakehub::{hub_config, FakeHub};
use super::{assert_no_leftovers, Scope};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Bound every hfwrap run, retries and waits included.
pub const MAX_TIME: &str = "100s";
/// Bound on a wrapped run as a whole: a hang fails the test instead of the suite.
pub const WRAP_TIMEOUT: Duration = Duration::from_secs(150);

/// A fake Hub with the standard repos and tokens, and these faults.
pub fn hub_with(faults: Value) -> FakeHub {
    FakeHub::start(hub_config(faults))
}

/// How a wrapped run ended, and what it reported.
pub struct Wrapped {
    pub run: Run,
    pub report: Value,
}

impl Wrapped {
    pub fn cause(&self) -> Option<&str> {
        self.report["cause"].as_str()
    }
    pub fn fix(&self) -> &str {
        self.report["fix"].as_str().unwrap_or("")
    }
    pub fn outcome(&self) -> &str {
        self.report["outcome"].as_str().unwrap_or("")
    }
    pub fn attempts(&self) -> &Vec<Value> {
        self.report["attempts"].as_array().expect("report.attempts is an array")
    }
    pub fn attempt_command(&self, i: usize) -> Vec<String> {
        self.attempts()[i]["command"]
            .as_array()
            .unwrap_or_else(|| panic!("attempt {i} has no command:\n{}", self.dump()))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    }
    pub fn attempt_action(&self, i: usize) -> &str {
        self.attempts()[i]["action"].as_str().unwrap_or("")
    }
    pub fn attempt_env_changes(&self, i: usize) -> Vec<String> {
        self.attempts()[i]["env_changes"]
            .as_array()
            .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    }
    pub fn dump(&self) -> String {
        format!("{}\n--- report ---\n{}", self.run.dump(), serde_json::to_string_pretty(&self.report).unwrap())
    }
    pub fn assert_cause(&self, cause: &str) -> &Self {
        assert_eq!(self.cause(), Some(cause), "wrong cause:\n{}", self.dump());
        self
    }
    pub fn assert_outcome(&self, outcome: &str) -> &Self {
        assert_eq!(self.outcome(), outcome, "wrong outcome:\n{}", self.dump());
        self
    }
    /// The exit code, and the report says the same.
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.run.code, Some(code), "wrong exit code:\n{}", self.dump());
        assert_eq!(self.report["exit_code"], json!(code), "report.exit_code:\n{}", self.dump());
        self
    }
    pub fn assert_success(&self) -> &Self {
        assert_eq!(self.run.code, Some(0), "hfwrap did not succeed:\n{}", self.dump());
        assert_eq!(self.report["outcome"], "success", "{}", self.dump());
        assert_eq!(self.report["exit_code"], json!(0), "{}", self.dump());
        self
    }
    pub fn assert_failed(&self, code: i32, cause: &str) -> &Self {
        assert_eq!(self.run.code, Some(code), "wrong exit code:\n{}", self.dump());
        assert_eq!(self.report["exit_code"], json!(code), "report.exit_code:\n{}", self.dump());
        assert_eq!(self.report["outcome"], "failed", "{}", self.dump());
        assert_eq!(self.cause(), Some(cause), "wrong cause:\n{}", self.dump());
        self
    }
    pub fn assert_attempts(&self, n: usize) -> &Self {
        assert_eq!(self.attempts().len(), n, "wrong number of attempts:\n{}", self.dump());
        self
    }
    pub fn assert_attempt_cause(&self, i: usize, cause: &str) -> &Self {
        assert_eq!(self.attempts()[i]["cause"], cause, "attempt {}:\n{}", i + 1, self.dump());
        self
    }
    /// The fix is in the report and also on stderr in hfwrap's own lines.
    pub fn assert_fix_contains(&self, needle: &str) -> &Self {
        assert!(self.fix().contains(needle), "report.fix lacks {needle:?}:\n{}", self.dump());
        let ours = self.run.hfwrap_lines().join("\n");
        assert!(ours.contains(needle), "no `hfwrap:` stderr line carries {needle:?}:\n{}", self.dump());
        self
    }
    /// Common to every report.
    pub fn assert_well_formed(&self, command: &[&str]) -> &Self {
        let r = &self.report;
        assert_eq!(r["schema"], "hfwrap-report/1", "{}", self.dump());
        let cmd: Vec<&str> = r["command"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(cmd, command, "{}", self.dump());
        for a in self.attempts() {
            assert!(a["exit_code"].is_i64(), "attempt without exit_code: {a}");
            assert!(a["duration_ms"].is_u64(), "attempt without duration_ms: {a}");
        }
        self
    }
    /// `secret` appears nowhere in what hfwrap printed (its own lines) or wrote (the report).
    pub fn assert_hfwrap_never_shows(&self, secret: &str) -> &Self {
        let text = format!("{}\n{}", self.run.hfwrap_lines().join("\n"), serde_json::to_string(&self.report).unwrap());
        assert!(!text.contains(secret), "hfwrap printed or reported the token:\n{}", self.dump());
        self
    }
    /// `secret` appears nowhere on stdout, stderr (child's output included) or in the report.
    pub fn assert_nothing_shows(&self, secret: &str) -> &Self {
        let text =
            format!("{}\n{}\n{}", self.run.stdout(), self.run.stderr(), serde_json::to_string(&self.report).unwrap());
        assert!(!text.contains(secret), "the token appears in the output or the report:\n{}", self.dump());
        self
    }
}

/// `hfwrap --report REPORT --max-time MAX_TIME <opts> -- <cmd>` in `env`.
pub fn hfwrap_command(env: &TestEnv, report: &Path, opts: &[&str], cmd: &[&str]) -> Command {
    let mut c = env.hfwrap();
    c.arg("--report").arg(report).args(["--max-time", MAX_TIME]).args(opts).arg("--").args(cmd);
    c
}

/// A report path of its own for each wrapped run in a test.
pub fn report_path(env: &TestEnv) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    env.path(&format!("report-{}.json", N.fetch_add(1, Ordering::Relaxed)))
}

/// The run and the report it wrote (which must exist and be JSON).
pub fn read_wrapped(run: Run, report: &Path) -> Wrapped {
    let report = match std::fs::read(report) {
        Ok(b) => serde_json::from_slice(&b).unwrap_or_else(|e| panic!("report is not JSON ({e}):\n{}", run.dump())),
        Err(e) => panic!("hfwrap wrote no report ({e}):\n{}", run.dump()),
    };
    Wrapped { run, report }
}

/// `hfwrap --report R --max-time … <opts> -- <cmd>` in `env`, to its end; nothing may be left running.
pub fn wrap(env: &TestEnv, opts: &[&str], cmd: &[&str]) -> Wrapped {
    wrap_during(env, opts, cmd, || {})
}

/// Like [`wrap`], calling `during` while hfwrap runs (to inspect a stalled attempt).
pub fn wrap_during(env: &TestEnv, opts: &[&str], cmd: &[&str], during: impl FnOnce()) -> Wrapped {
    let report = report_path(env);
    let running = spawn(&mut hfwrap_command(env, &report, opts, cmd));
    during();
    let run = running.wait(WRAP_TIMEOUT);
    assert_no_leftovers(Scope::Marker(&env.marker));
    read_wrapped(run, &report)
}

/// A token file (`token` and a newline) at `path`, its directory made; returns the path.
pub fn write_token_file(path: &Path, token: &str) -> PathBuf {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, format!("{token}\n")).unwrap();
    path.to_path_buf()
}
