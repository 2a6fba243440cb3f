//! Helpers shared by both test binaries (`tests/integration/main.rs` and `tests/e2e/main.rs`, which
//! include this directory with `#[path = "../common/mod.rs"] mod common;`). One copy of each:
//!
//! - this file: the binary under test ([`hfwrap_bin`]), paths into the checkout ([`repo_root`],
//!   [`child`]), text and file helpers ([`strip_ansi`], [`sha256_hex`], [`read_json`], …) and
//!   run-time made secrets ([`random_alnum`], [`hub_token`]);
//! - [`sandbox`]: [`Env`], a private temp dir and a clean environment for one test;
//! - [`live`]: [`Live`] / [`Done`] (over [`live::Capture`]), a started process whose output tests wait on;
//! - [`term`]: [`term::Term`], an interactive shell on a pty the test types at (real-terminal tests);
//! - [`procs`]: what /proc says about a test's processes (alive, leftovers, argv and environment);
//! - `fakehub`, `clients`, `wrapped` (only with the `e2e` feature, as only `tests/e2e` needs them):
//!   the loopback fake Hub, the real clients from the venvs `./scripts/test` builds, and a wrapped
//!   run's report.
//!
//! Each binary uses a part of this, so unused items are expected here.
#![allow(dead_code)]

pub mod live;
pub mod procs;
pub mod sandbox;
pub mod term;

#[cfg(feature = "e2e")]
pub mod clients;
#[cfg(feature = "e2e")]
pub mod fakehub;
#[cfg(feature = "e2e")]
pub mod wrapped;

// Each binary uses some of these.
#[allow(unused_imports)]
pub use live::{Done, Live, Stream};
pub use procs::*;
#[allow(unused_imports)]
pub use sandbox::Env;

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Bound for anything that should finish promptly; reaching it means a hang.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// The binary under test: this build's, or `HFWRAP_TEST_BIN` (e.g. a release build, or a baseline
/// to show a test catches a bug).
pub fn hfwrap_bin() -> String {
    std::env::var("HFWRAP_TEST_BIN")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_hfwrap").to_string())
}

/// The checkout (`CARGO_MANIFEST_DIR`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Absolute path of a child program in `tests/children/`.
pub fn child(name: &str) -> String {
    let p = repo_root().join("tests/children").join(name);
    assert!(p.exists(), "missing child program {}", p.display());
    p.to_string_lossy().into_owned()
}

/// A CSI escape sequence ending in a letter: SGR colour, erase, cursor moves (what `hf`, tqdm and
/// hfwrap print). Deliberately no wider, so that "the same but for colour" stays a strict check.
pub const ANSI_CSI: &str = r"\x1b\[[0-9;?]*[A-Za-z]";

/// `s` without those sequences (`hf` colours even into a pipe; hfwrap does when forced).
pub fn strip_ansi(s: &str) -> String {
    regex::Regex::new(ANSI_CSI).unwrap().replace_all(s, "").into_owned()
}

pub fn sha256_hex(data: &[u8]) -> String {
    format!("{:x}", Sha256::digest(data))
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

pub fn read_lossy(p: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned()
}

/// A JSON file hfwrap wrote (a `--report`, or a child's record); fails with its text if it is not JSON.
pub fn read_json(p: &Path) -> Value {
    let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("no report at {}: {e}", p.display()));
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("report {} is not JSON ({e}):\n{}", p.display(), String::from_utf8_lossy(&bytes)))
}

/// Write an executable (mode 0755) script at `path`, making its directory.
pub fn write_script(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Create (or overwrite) a gate file a child waits for.
pub fn touch(p: &Path) {
    std::fs::write(p, b"go\n").unwrap();
}

/// Random alphanumerics from the kernel, made at run time (no token is ever written in the source).
pub fn random_alnum(n: usize) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = vec![0u8; n];
    std::fs::File::open("/dev/urandom").unwrap().read_exact(&mut bytes).unwrap();
    bytes.iter().map(|b| ABC[*b as usize % ABC.len()] as char).collect()
}

/// A random token shaped like a Hugging Face user token.
pub fn hub_token() -> String {
    format!("{}_{}", "hf", random_alnum(34))
}
