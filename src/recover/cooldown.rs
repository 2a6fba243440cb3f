//! A machine-wide rate-limit cooldown.
//!
//! Parallel CI jobs on one runner share an IP and a rate limit. When one
//! hfwrap learns that the Hub wants no request before time T, it records T in
//! a small file under the Hugging Face cache, and every other hfwrap on the
//! machine that starts or retries before T waits too, instead of burning its
//! own 429s.
//!
//! The record lives in a shared place, so nothing in it is trusted: it is read
//! only when it is a small regular file (`facts::shared_file`: a FIFO, a device
//! or a huge file there is refused at once, with a warning), stale or corrupt
//! records are ignored, and whatever deadline it holds makes the reader wait at
//! most its own `--max-wait`. It is written with a temporary file and a rename
//! in its own directory, never through a symlink, and only ever with a wait
//! already capped by the writer's `--max-wait`.

use crate::facts::context::ChildEnv;
use crate::facts::shared_file;
use crate::recover::wait;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Serialize, Deserialize, Debug)]
struct Record {
    /// Unix seconds before which the endpoint should not be asked again.
    until: f64,
    endpoint: String,
}

/// `$HF_HOME/hfwrap/cooldown.json`.
pub fn path(env: &ChildEnv) -> Option<PathBuf> {
    crate::facts::token::hf_home(env).map(|h| h.join("hfwrap").join("cooldown.json"))
}

fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

/// How long to wait before talking to `endpoint`, if another hfwrap recorded a cooldown: at most
/// `cap`. `Err` is a one-line warning: the record's path holds something hfwrap will not read.
pub fn remaining(env: &ChildEnv, endpoint: &str, cap: Duration) -> Result<Option<Duration>, String> {
    let Some(p) = path(env) else { return Ok(None) };
    let bytes = match shared_file::read(&p, shared_file::SMALL) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("ignoring the rate-limit cooldown record {}: {e}", p.display())),
    };
    // Corrupt, or numbers serde cannot hold (`1e400`): no record.
    let Ok(rec) = serde_json::from_slice::<Record>(&bytes) else { return Ok(None) };
    if crate::recover::policy::normalise(&rec.endpoint) != crate::recover::policy::normalise(endpoint) {
        return Ok(None);
    }
    Ok(wait::from_secs_f64(rec.until - now(), cap).map(|b| b.wait))
}

/// Record that `endpoint` should not be asked again for `wait`, at most `cap` (keeps a later existing
/// deadline). Best effort, as a cooldown is advice to other runs; `Err` is a one-line warning: the
/// record's place holds something hfwrap will not write over or through.
pub fn record(env: &ChildEnv, endpoint: &str, wait: Duration, cap: Duration) -> Result<(), String> {
    let Some(p) = path(env) else { return Ok(()) };
    let wait = wait.min(cap);
    if wait.is_zero() {
        return Ok(());
    }
    let until = now() + wait.as_secs_f64();
    // (A record that cannot be read is not kept either: the write below says why it cannot replace it.)
    if remaining(env, endpoint, cap).ok().flatten().is_some_and(|left| now() + left.as_secs_f64() >= until) {
        return Ok(());
    }
    let Some(dir) = p.parent() else { return Ok(()) };
    if std::fs::create_dir_all(dir).is_err() {
        return Ok(());
    }
    // hfwrap's own directory: a symlink there would take the record somewhere else.
    if std::fs::symlink_metadata(dir).is_ok_and(|m| !m.is_dir()) {
        return Err(format!("not writing the rate-limit cooldown record: {} is not a directory", dir.display()));
    }
    let rec = Record { until, endpoint: endpoint.to_string() };
    let text = serde_json::to_string(&rec).unwrap_or_default();
    match shared_file::replace(&p, text.as_bytes(), 0o644) {
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            Err(format!("not writing the rate-limit cooldown record {}: {e}", p.display()))
        }
        // Not writable (a read-only shared cache): no record, as before.
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    const CAP: Duration = Duration::from_secs(15 * 60);
    const HUB: &str = "https://huggingface.co";

    fn env(dir: &std::path::Path) -> ChildEnv {
        [(OsString::from("HF_HOME"), dir.as_os_str().to_owned())].into_iter().collect()
    }

    #[test]
    fn a_recorded_cooldown_is_seen_by_others_for_the_same_endpoint() {
        let d = tempfile::tempdir().unwrap();
        let e = env(d.path());
        assert_eq!(remaining(&e, HUB, CAP), Ok(None));
        record(&e, "https://huggingface.co/", Duration::from_secs(30), CAP).unwrap();
        let left = remaining(&e, HUB, CAP).unwrap().unwrap();
        assert!(left > Duration::from_secs(25) && left <= Duration::from_secs(30));
        assert_eq!(remaining(&e, "http://127.0.0.1:9", CAP), Ok(None));
        // A shorter cooldown does not shorten a longer one.
        record(&e, HUB, Duration::from_secs(1), CAP).unwrap();
        assert!(remaining(&e, HUB, CAP).unwrap().unwrap() > Duration::from_secs(25));
        // A reader with a smaller cap waits at most that.
        assert_eq!(remaining(&e, HUB, Duration::from_secs(2)), Ok(Some(Duration::from_secs(2))));
    }

    #[test]
    #[cfg(unix)]
    fn only_capped_waits_are_recorded() {
        let d = tempfile::tempdir().unwrap();
        let e = env(d.path());
        record(&e, HUB, Duration::from_secs(999_999_999), Duration::from_secs(2)).unwrap();
        let rec: Record = serde_json::from_slice(&std::fs::read(path(&e).unwrap()).unwrap()).unwrap();
        assert!(rec.until <= now() + 2.0, "{}", rec.until - now());
        // Readable by the other users of a shared cache.
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path(&e).unwrap()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
    }

    #[test]
    fn stale_corrupt_and_absurd_records_are_ignored_or_capped() {
        let d = tempfile::tempdir().unwrap();
        let e = env(d.path());
        let p = path(&e).unwrap();
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        for stale_or_corrupt in [
            "{not json",
            r#"{"until": 1.0, "endpoint": "https://huggingface.co"}"#,
            r#"{"until": -1e308, "endpoint": "https://huggingface.co"}"#,
            r#"{"until": 1e400, "endpoint": "https://huggingface.co"}"#,
            r#"{"until": "NaN", "endpoint": "https://huggingface.co"}"#,
            r#"{"until": 18446744073709551616, "endpoint": 7}"#,
        ] {
            std::fs::write(&p, stale_or_corrupt).unwrap();
            assert_eq!(remaining(&e, HUB, CAP), Ok(None), "{stale_or_corrupt}");
        }
        for absurd in ["1e15", "1.7976931348623157e308", "99999999999999999999999999999"] {
            std::fs::write(&p, format!(r#"{{"until": {absurd}, "endpoint": "https://huggingface.co"}}"#)).unwrap();
            assert_eq!(remaining(&e, HUB, CAP), Ok(Some(CAP)), "{absurd}");
            assert_eq!(remaining(&e, HUB, Duration::ZERO), Ok(Some(Duration::ZERO)), "{absurd}");
            // And writing over it neither panics nor stretches it.
            record(&e, HUB, Duration::from_secs(5), CAP).unwrap();
        }
    }

    #[test]
    #[cfg(unix)]
    fn a_fifo_a_device_or_a_huge_file_is_refused_with_a_warning_and_never_written_through() {
        let d = tempfile::tempdir().unwrap();
        let e = env(d.path());
        let p = path(&e).unwrap();
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let fifo = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let started = std::time::Instant::now();
        let w = remaining(&e, HUB, CAP).unwrap_err();
        assert!(w.contains("cooldown.json") && w.contains("a FIFO"), "{w}");
        assert!(record(&e, HUB, Duration::from_secs(5), CAP).unwrap_err().contains("a FIFO"));
        assert!(started.elapsed() < Duration::from_secs(5));
        std::fs::remove_file(&p).unwrap();
        std::os::unix::fs::symlink("/dev/zero", &p).unwrap();
        assert!(remaining(&e, HUB, CAP).unwrap_err().contains("a character device"));
        assert!(record(&e, HUB, Duration::from_secs(5), CAP).unwrap_err().contains("a symbolic link"));
        assert!(std::fs::symlink_metadata(&p).unwrap().file_type().is_symlink());
        std::fs::remove_file(&p).unwrap();
        std::fs::File::create(&p).unwrap().set_len(100 << 20).unwrap();
        assert!(remaining(&e, HUB, CAP).unwrap_err().contains("larger than 64 KiB"));
        // A symlinked hfwrap/ directory is not written through either.
        let elsewhere = tempfile::tempdir().unwrap();
        let d2 = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), d2.path().join("hfwrap")).unwrap();
        assert!(record(&env(d2.path()), HUB, Duration::from_secs(5), CAP).unwrap_err().contains("not a directory"));
        assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);
    }
}
