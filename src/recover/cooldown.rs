//! A machine-wide rate-limit cooldown.
//!
//! Parallel CI jobs on one runner share an IP and a rate limit. When one
//! hfwrap learns that the Hub wants no request before time T, it records T in
//! a small file under the Hugging Face cache (written atomically), and every
//! other hfwrap on the machine that starts or retries before T waits too,
//! instead of burning its own 429s. Stale or corrupt records are ignored, and
//! a record can never ask for more than [`MAX_COOLDOWN`].

use crate::facts::context::ChildEnv;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// No record makes anyone wait longer than this (a wrong clock or a bad file cannot block a machine).
pub const MAX_COOLDOWN: Duration = Duration::from_secs(15 * 60);

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

/// How long to wait before talking to `endpoint`, if another hfwrap recorded a cooldown.
pub fn remaining(env: &ChildEnv, endpoint: &str) -> Option<Duration> {
    let text = std::fs::read_to_string(path(env)?).ok()?;
    let rec: Record = serde_json::from_str(&text).ok()?;
    if crate::recover::policy::normalise(&rec.endpoint) != crate::recover::policy::normalise(endpoint)
        || !rec.until.is_finite()
    {
        return None;
    }
    let left = rec.until - now();
    (left > 0.0).then(|| Duration::from_secs_f64(left).min(MAX_COOLDOWN))
}

/// Record that `endpoint` should not be asked again for `wait` (keeps a later existing deadline).
pub fn record(env: &ChildEnv, endpoint: &str, wait: Duration) {
    let Some(p) = path(env) else { return };
    let until = now() + wait.min(MAX_COOLDOWN).as_secs_f64();
    if remaining(env, endpoint).is_some_and(|left| now() + left.as_secs_f64() >= until) {
        return;
    }
    let Some(dir) = p.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let rec = Record { until, endpoint: endpoint.to_string() };
    let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir) else { return };
    if std::io::Write::write_all(&mut tmp, serde_json::to_string(&rec).unwrap_or_default().as_bytes()).is_ok() {
        let _ = tmp.persist(&p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn env(dir: &std::path::Path) -> ChildEnv {
        [(OsString::from("HF_HOME"), dir.as_os_str().to_owned())].into_iter().collect()
    }

    #[test]
    fn a_recorded_cooldown_is_seen_by_others_for_the_same_endpoint() {
        let d = tempfile::tempdir().unwrap();
        let e = env(d.path());
        assert!(remaining(&e, "https://huggingface.co").is_none());
        record(&e, "https://huggingface.co/", Duration::from_secs(30));
        let left = remaining(&e, "https://huggingface.co").unwrap();
        assert!(left > Duration::from_secs(25) && left <= Duration::from_secs(30));
        assert!(remaining(&e, "http://127.0.0.1:9").is_none());
        // A shorter cooldown does not shorten a longer one.
        record(&e, "https://huggingface.co", Duration::from_secs(1));
        assert!(remaining(&e, "https://huggingface.co").unwrap() > Duration::from_secs(25));
    }

    #[test]
    fn stale_corrupt_and_absurd_records_are_ignored_or_capped() {
        let d = tempfile::tempdir().unwrap();
        let e = env(d.path());
        let p = path(&e).unwrap();
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, "{not json").unwrap();
        assert!(remaining(&e, "https://huggingface.co").is_none());
        std::fs::write(&p, r#"{"until": 1.0, "endpoint": "https://huggingface.co"}"#).unwrap();
        assert!(remaining(&e, "https://huggingface.co").is_none());
        std::fs::write(&p, r#"{"until": 1e15, "endpoint": "https://huggingface.co"}"#).unwrap();
        assert_eq!(remaining(&e, "https://huggingface.co"), Some(MAX_COOLDOWN));
    }
}
