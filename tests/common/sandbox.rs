//! [`Env`]: a private temp dir and a clean environment for one test that drives the built binary.
//! Only `PATH`, an empty `HOME` and an empty `XDG_CONFIG_HOME` (so no config of the machine's is
//! read); nothing else is inherited (no `HF_*`, `HFWRAP_*`, `PYTHONUNBUFFERED`, proxy or token).

use super::hfwrap_bin;
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};

pub struct Env {
    pub dir: tempfile::TempDir,
    pub vars: BTreeMap<OsString, OsString>,
}

impl Default for Env {
    fn default() -> Self {
        Env::new()
    }
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        for d in ["home", "xdg"] {
            std::fs::create_dir(dir.path().join(d)).unwrap();
        }
        let mut vars = BTreeMap::new();
        vars.insert("PATH".into(), std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into()));
        vars.insert("HOME".into(), dir.path().join("home").into_os_string());
        vars.insert("XDG_CONFIG_HOME".into(), dir.path().join("xdg").into_os_string());
        Env { dir, vars }
    }

    /// `rel` inside the temp dir.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// [`Env::path`] as a string, for argv.
    pub fn p(&self, rel: &str) -> String {
        self.path(rel).to_string_lossy().into_owned()
    }

    pub fn set(&mut self, k: &str, v: impl Into<OsString>) -> &mut Env {
        self.vars.insert(k.into(), v.into());
        self
    }

    pub fn remove(&mut self, k: &str) -> &mut Env {
        self.vars.remove(OsStr::new(k));
        self
    }

    /// Write `text` at `rel` (making its directory); returns the path.
    pub fn write(&self, rel: &str, text: &str) -> String {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p.to_string_lossy().into_owned()
    }

    /// Number of lines in a counter file (a child appends one per run).
    pub fn runs(&self, counter: &str) -> usize {
        std::fs::read_to_string(self.path(counter)).map(|s| s.lines().count()).unwrap_or(0)
    }

    /// `program` with exactly this environment (nothing inherited), run in the temp dir.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut c = Command::new(program);
        c.env_clear().envs(&self.vars).current_dir(self.dir.path());
        c
    }

    /// `hfwrap ARGS...` with this environment, stdin from /dev/null, stdout and stderr piped, and no
    /// file descriptor but 0, 1, 2 (as from a terminal), so the child's fds reflect hfwrap alone.
    pub fn hfwrap<S: AsRef<OsStr>>(&self, args: &[S]) -> Command {
        let mut c = self.command(hfwrap_bin());
        c.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        // SAFETY: only close(2) between fork and exec.
        unsafe {
            c.pre_exec(|| {
                for fd in 3..1024 {
                    libc::close(fd);
                }
                Ok(())
            });
        }
        c
    }
}
