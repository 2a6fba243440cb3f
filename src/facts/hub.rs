//! The download clients on the child's `PATH` and what is behind them.
//!
//! `hf` / `huggingface-cli` are Python scripts: the huggingface_hub version (and whether hf_xet
//! and hf_transfer are installed) is read from the `huggingface_hub-X.Y.Z.dist-info` in the
//! site-packages beside the interpreter their shebang names; that Python is run (bounded, see
//! [`crate::facts::subprocess`]) only when the disk does not say. `git` and `git lfs` are asked
//! their versions. The live run needs [`hub_behind`] (the version picks the fixes, the interpreter
//! runs the Hub probe); `doctor` reports all of it.

use crate::facts::context::ChildEnv;
use crate::facts::subprocess;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// `git --version`, `git lfs version`, the Python fallback each get this long.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u32, pub u32, pub u32);

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// `2.4.0`, `1.0.0rc1`, `0.36.2.dev0` → the numeric triple.
pub fn parse_version(s: &str) -> Option<Version> {
    let mut parts = s.trim().split('.').map(|p| p.chars().take_while(|c| c.is_ascii_digit()).collect::<String>());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let patch = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    Some(Version(major, minor, patch))
}

/// What is known about the huggingface_hub installation behind a script.
#[derive(Debug, Clone, Default)]
pub struct Hub {
    pub version: Option<Version>,
    /// The site-packages directory it was found in (when read from disk).
    pub site: Option<PathBuf>,
    pub hf_transfer: Option<bool>,
    pub hf_xet: Option<bool>,
    /// The script's Python interpreter, when its shebang names one.
    pub interpreter: Option<PathBuf>,
    /// Why the installation looks broken, when it does.
    pub broken: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Client {
    pub path: PathBuf,
    pub hub: Hub,
}

#[derive(Debug, Default)]
pub struct Clients {
    /// `hf` (huggingface_hub ≥ 0.34).
    pub hf: Option<Client>,
    /// `huggingface-cli` (a working client before 1.0, a stub or leftover after).
    pub legacy: Option<Client>,
}

impl Clients {
    /// The installation whose behaviour the checks assume: `hf`'s, else `huggingface-cli`'s.
    pub fn primary(&self) -> Option<&Hub> {
        self.hf.as_ref().or(self.legacy.as_ref()).map(|c| &c.hub).filter(|h| h.version.is_some())
    }
}

fn path_var(env: &ChildEnv) -> Option<std::ffi::OsString> {
    env.get(OsStr::new("PATH")).cloned()
}

/// `name` looked up on the child's `PATH`.
pub fn find_program(env: &ChildEnv, name: &str) -> Option<PathBuf> {
    which::which_in(name, path_var(env), ".").ok()
}

/// The Hugging Face clients on the child's `PATH`, each with the huggingface_hub behind it.
pub fn clients(env: &ChildEnv) -> Clients {
    let probe = |name: &str| find_program(env, name).map(|path| Client { hub: hub_behind(&path, env), path });
    Clients { hf: probe("hf"), legacy: probe("huggingface-cli") }
}

/// The interpreter a script's shebang names: `#!/x/python3`, `#!/usr/bin/env python3`, or pip's
/// `#!/bin/sh` + `'''exec' '/x/python' "$0" "$@"` trampoline for long paths (also uv's relative one).
pub fn interpreter_of(script: &Path, head: &[u8], env: &ChildEnv) -> Option<PathBuf> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.lines();
    let first = lines.next()?.strip_prefix("#!")?.trim();
    let mut words = first.split_whitespace();
    let prog = words.next()?;
    if prog.ends_with("/env") {
        let name = words.find(|w| !w.starts_with('-') && !w.contains('='))?;
        return if name.contains('/') { Some(PathBuf::from(name)) } else { find_program(env, name) };
    }
    if prog.ends_with("/sh") || prog.ends_with("/bash") {
        let second = lines.next()?.trim();
        let rest = second.strip_prefix("'''exec' ")?;
        if rest.contains("$(dirname") {
            // uv: "$(dirname -- "$(realpath -- "$0")")"/'python' "$0" "$@"
            let tail = rest.split(")\"/").nth(1)?;
            let name = tail.split_whitespace().next()?.trim_matches(|c| c == '\'' || c == '"');
            let dir = std::fs::canonicalize(script).ok()?.parent()?.to_path_buf();
            return Some(dir.join(name));
        }
        let path = match rest.chars().next()? {
            q @ ('\'' | '"') => rest[1..].split(q).next()?.to_string(),
            _ => rest.split_whitespace().next()?.to_string(),
        };
        return Some(PathBuf::from(path));
    }
    Some(PathBuf::from(prog))
}

fn looks_like_python(p: &Path) -> bool {
    p.file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .is_some_and(|n| n.starts_with("python") || n.starts_with("pypy"))
}

/// `lib*/python*/{site,dist}-packages` under an installation prefix, newest Python first.
pub fn site_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for lib in ["lib", "lib64"] {
        let Ok(entries) = std::fs::read_dir(root.join(lib)) else { continue };
        let mut pys: Vec<PathBuf> = entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("python"))
            .map(|e| e.path())
            .collect();
        pys.sort_by(|a, b| b.cmp(a));
        for py in pys {
            for sub in ["site-packages", "dist-packages"] {
                let d = py.join(sub);
                if d.is_dir() {
                    dirs.push(d);
                }
            }
        }
    }
    dirs
}

/// The newest `huggingface_hub` distribution recorded in a site-packages directory.
pub fn hub_in_site(site: &Path) -> Option<Version> {
    let entries = std::fs::read_dir(site).ok()?;
    entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_ascii_lowercase();
            let rest = name.strip_prefix("huggingface_hub-").or_else(|| name.strip_prefix("huggingface-hub-"))?;
            let v = rest
                .strip_suffix(".dist-info")
                .or_else(|| rest.strip_suffix(".egg-info").map(|r| r.split('-').next().unwrap_or(r)))?;
            parse_version(v)
        })
        .max()
}

fn has_package(site: &Path, module: &str) -> bool {
    let Ok(entries) = std::fs::read_dir(site) else { return false };
    entries.flatten().any(|e| {
        let name = e.file_name().to_string_lossy().to_ascii_lowercase();
        name == module || (name.starts_with(&format!("{module}-")) && name.ends_with(".dist-info"))
    })
}

/// Find the huggingface_hub behind a client script, reading the disk first and running its Python only if needed.
pub fn hub_behind(script: &Path, env: &ChildEnv) -> Hub {
    // Its first KiB only (a client may be a big binary), and never blocking on a FIFO on PATH.
    let mut head: Vec<u8> = Vec::new();
    if let Ok((f, _)) = super::shared_file::open_regular(script) {
        let _ = std::io::Read::read_to_end(&mut std::io::Read::take(f, 1024), &mut head);
    }
    let interpreter = interpreter_of(script, &head, env);
    let mut hub = Hub { interpreter: interpreter.clone(), ..Hub::default() };
    let prefix = |p: &Path| p.parent().and_then(|b| b.parent()).map(Path::to_path_buf);
    let mut roots: Vec<PathBuf> = Vec::new();
    roots.extend(std::fs::canonicalize(script).ok().as_deref().and_then(prefix));
    roots.extend(interpreter.as_deref().and_then(prefix));
    roots.extend(prefix(script));
    let mut seen = Vec::new();
    for root in roots {
        for r in [root.clone(), root.join("local")] {
            if seen.contains(&r) {
                continue;
            }
            seen.push(r.clone());
            for site in site_dirs(&r) {
                if let Some(v) = hub_in_site(&site) {
                    hub.version = Some(v);
                    hub.hf_transfer = Some(has_package(&site, "hf_transfer"));
                    hub.hf_xet = Some(has_package(&site, "hf_xet"));
                    hub.site = Some(site);
                    return hub;
                }
            }
        }
    }
    // Not found on disk: ask the interpreter itself, if there is one.
    let Some(py) = interpreter.filter(|p| looks_like_python(p)) else { return hub };
    if py.is_absolute() && !py.exists() {
        hub.broken = Some(format!("its interpreter {} does not exist", py.display()));
        return hub;
    }
    match python_probe(&py) {
        PythonProbe::Found { version, hf_transfer, hf_xet } => {
            hub.version = Some(version);
            hub.hf_transfer = Some(hf_transfer);
            hub.hf_xet = Some(hf_xet);
        }
        PythonProbe::NoHub => {
            hub.broken = Some(format!("its interpreter {} cannot import huggingface_hub", py.display()))
        }
        PythonProbe::Unknown => {}
    }
    hub
}

enum PythonProbe {
    Found { version: Version, hf_transfer: bool, hf_xet: bool },
    NoHub,
    Unknown,
}

const PY_PROBE: &str = "import importlib.util as u\n\
try:\n    import huggingface_hub as h\nexcept ImportError:\n    print('no-huggingface-hub'); raise SystemExit(0)\n\
print(h.__version__)\n\
print(int(u.find_spec('hf_transfer') is not None))\n\
print(int(u.find_spec('hf_xet') is not None))\n";

fn python_probe(py: &Path) -> PythonProbe {
    let Some((code, stdout)) = capture(py, &["-c", PY_PROBE], &[("PYTHONDONTWRITEBYTECODE", "1")]) else {
        return PythonProbe::Unknown;
    };
    let mut lines = stdout.lines().map(str::trim);
    match lines.next() {
        Some("no-huggingface-hub") => PythonProbe::NoHub,
        Some(v) if code == Some(0) => match parse_version(v) {
            Some(version) => PythonProbe::Found {
                version,
                hf_transfer: lines.next() == Some("1"),
                hf_xet: lines.next() == Some("1"),
            },
            None => PythonProbe::Unknown,
        },
        _ => PythonProbe::Unknown,
    }
}

/// Whether hf_transfer is importable by this installation's Python (asks it when the disk does not say yes).
pub fn hf_transfer_importable(hub: &Hub) -> Option<bool> {
    if hub.hf_transfer == Some(true) {
        return Some(true);
    }
    let py = hub.interpreter.as_ref().filter(|p| looks_like_python(p) && p.exists())?;
    match python_probe(py) {
        PythonProbe::Found { hf_transfer, .. } => Some(hf_transfer),
        _ => hub.hf_transfer,
    }
}

/// The huggingface_hub a Python interpreter imports (`python train.py`): read from the
/// site-packages of its own prefix (a venv's, not the base interpreter's it links to), else asked
/// (bounded, [`PROBE_TIMEOUT`]).
pub fn hub_of_interpreter(python: &Path) -> Hub {
    let mut hub = Hub { interpreter: Some(python.to_path_buf()), ..Hub::default() };
    let prefix = python.parent().and_then(|b| b.parent()).map(Path::to_path_buf);
    let mut roots: Vec<PathBuf> = prefix.into_iter().collect();
    if !roots.first().is_some_and(|r| r.join("pyvenv.cfg").exists()) {
        roots.extend(std::fs::canonicalize(python).ok().and_then(|p| Some(p.parent()?.parent()?.to_path_buf())));
    }
    for root in roots {
        for site in site_dirs(&root) {
            if let Some(v) = hub_in_site(&site) {
                hub.version = Some(v);
                hub.hf_transfer = Some(has_package(&site, "hf_transfer"));
                hub.hf_xet = Some(has_package(&site, "hf_xet"));
                hub.site = Some(site);
                return hub;
            }
        }
    }
    if let PythonProbe::Found { version, hf_transfer, hf_xet } = python_probe(python) {
        hub.version = Some(version);
        hub.hf_transfer = Some(hf_transfer);
        hub.hf_xet = Some(hf_xet);
    }
    hub
}

/// `git` on the child's `PATH` and what it says about itself.
#[derive(Debug, Clone)]
pub struct Git {
    pub path: PathBuf,
    /// The first line of `git --version`, when it exits 0.
    pub version: Option<String>,
    /// The first line of `git lfs version`, when it exits 0 (git-lfs is installed).
    pub lfs: Option<String>,
}

/// Ask the `git` on `PATH` (if any) for its version and git-lfs's.
pub fn git(env: &ChildEnv) -> Option<Git> {
    let path = find_program(env, "git")?;
    let ask =
        |args: &[&str]| capture(&path, args, &[]).filter(|(code, _)| *code == Some(0)).map(|(_, out)| first_line(&out));
    let version = ask(&["--version"]);
    let lfs = ask(&["lfs", "version"]);
    Some(Git { path, version, lfs })
}

/// The first non-empty line, trimmed, at most 160 characters.
fn first_line(s: &str) -> String {
    let l = s.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    l.chars().take(160).collect()
}

/// Run a probe within [`PROBE_TIMEOUT`]: its exit code and stdout, `None` if it did not finish.
fn capture(program: &Path, args: &[&str], extra_env: &[(&str, &str)]) -> Option<(Option<i32>, String)> {
    let mut cmd = Command::new(program);
    cmd.args(args).envs(extra_env.iter().copied());
    let o = subprocess::run(&mut cmd, PROBE_TIMEOUT).ok()?;
    Some((o.code(), o.stdout_text()))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::ffi::OsString;
    use std::os::unix::fs::PermissionsExt;

    fn env(pairs: &[(&str, &str)]) -> ChildEnv {
        pairs.iter().map(|(k, v)| (OsString::from(k), OsString::from(v))).collect()
    }

    fn script(path: &Path, body: &str) {
        std::fs::write(path, body).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn versions_parse() {
        assert_eq!(parse_version("2.4.0"), Some(Version(2, 4, 0)));
        assert_eq!(parse_version("1.0.0rc1"), Some(Version(1, 0, 0)));
        assert_eq!(parse_version("0.36"), Some(Version(0, 36, 0)));
        assert_eq!(parse_version("x"), None);
        assert!(Version(1, 10, 2) > Version(1, 9, 9));
    }

    #[test]
    fn shebangs() {
        let e = env(&[]);
        let s = Path::new("/v/bin/hf");
        assert_eq!(interpreter_of(s, b"#!/v/bin/python3\nimport x\n", &e), Some(PathBuf::from("/v/bin/python3")));
        assert_eq!(
            interpreter_of(s, b"#!/bin/sh\n'''exec' '/long path/bin/python' \"$0\" \"$@\"\n' '''\n", &e),
            Some(PathBuf::from("/long path/bin/python"))
        );
        assert_eq!(interpreter_of(s, b"\x7fELF", &e), None);
    }

    #[test]
    fn finds_the_hub_beside_the_interpreter() {
        let d = tempfile::tempdir().unwrap();
        let bin = d.path().join("venv/bin");
        let site = d.path().join("venv/lib/python3.12/site-packages");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(site.join("huggingface_hub-1.33.0.dist-info")).unwrap();
        std::fs::create_dir_all(site.join("hf_xet-1.8.0.dist-info")).unwrap();
        let hf = bin.join("hf");
        std::fs::write(&hf, format!("#!{}/python\n", bin.display())).unwrap();
        let hub = hub_behind(&hf, &env(&[]));
        assert_eq!(hub.version, Some(Version(1, 33, 0)));
        assert_eq!(hub.hf_xet, Some(true));
        assert_eq!(hub.hf_transfer, Some(false));
        assert_eq!(hub.site, Some(site));
    }

    #[test]
    fn asks_python_when_the_disk_does_not_say() {
        let d = tempfile::tempdir().unwrap();
        let py = d.path().join("python3");
        script(&py, "#!/bin/sh\necho 0.25.2\necho 1\necho 0\n");
        let cli = d.path().join("huggingface-cli");
        std::fs::write(&cli, format!("#!{}\n", py.display())).unwrap();
        let hub = hub_behind(&cli, &env(&[]));
        assert_eq!(hub.version, Some(Version(0, 25, 2)));
        assert_eq!((hub.hf_transfer, hub.hf_xet), (Some(true), Some(false)));
        let gone = d.path().join("hf");
        std::fs::write(&gone, "#!/nowhere/bin/python3\n").unwrap();
        assert!(hub_behind(&gone, &env(&[])).broken.unwrap().contains("does not exist"));
    }

    #[test]
    fn git_and_lfs_versions() {
        let d = tempfile::tempdir().unwrap();
        script(
            &d.path().join("git"),
            "#!/bin/sh\ncase \"$1\" in --version) echo 'git version 2.47.0';; *) exit 1;; esac\n",
        );
        let g = git(&env(&[("PATH", d.path().to_str().unwrap())])).unwrap();
        assert_eq!(g.version.as_deref(), Some("git version 2.47.0"));
        assert_eq!(g.lfs, None);
        assert!(git(&env(&[("PATH", "/definitely/not/here")])).is_none());
    }
}
