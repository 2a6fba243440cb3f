//! Configuration: flag > `HFWRAP_*` variable > config file > default.
//!
//! clap already ranks flags over variables over defaults; the file slots in
//! between by supplying a variable that is not set yet, before parsing. Those
//! supplied variables are hfwrap's own business and are kept out of the
//! child's environment. Unknown keys are an error that names the key.
//!
//! Users' own signatures live in `signatures.toml` next to the config file
//! (same format as the built-in catalogue) and are validated on load.

use serde::Deserialize;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The config file's keys, one per command-line option.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FileConfig {
    pub retries: Option<u32>,
    pub no_retry: Option<bool>,
    pub max_time: Option<String>,
    pub token_file: Option<PathBuf>,
    pub trust_endpoint: Option<Vec<String>>,
    pub mirror: Option<String>,
    pub stall_timeout: Option<String>,
    pub report: Option<PathBuf>,
    pub pty: Option<String>,
    pub quiet: Option<bool>,
    /// A signatures file (default: `signatures.toml` beside the config file).
    pub signatures: Option<PathBuf>,
}

/// `$XDG_CONFIG_HOME/hfwrap` (default `~/.config/hfwrap`).
pub fn config_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".config")))
        .map(|d| d.join("hfwrap"))
}

/// Variables hfwrap supplied from the config file (not the user's, not for the child).
static SUPPLIED: OnceLock<Vec<String>> = OnceLock::new();

pub fn supplied_vars() -> &'static [String] {
    SUPPLIED.get().map(|v| v.as_slice()).unwrap_or(&[])
}

/// The `--config PATH` given before the command, if any.
fn config_flag(args: &[OsString]) -> Option<PathBuf> {
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let s = a.to_string_lossy();
        if s == "--" || !s.starts_with('-') {
            return None;
        }
        if s == "--config" {
            return it.next().map(PathBuf::from);
        }
        if let Some(v) = s.strip_prefix("--config=") {
            return Some(PathBuf::from(v));
        }
    }
    None
}

/// Everything loaded from the config file that is not an option.
pub struct Loaded {
    /// The user's signature file text, with its path (for error messages).
    pub signatures: Option<(String, String)>,
}

/// Find and apply the config file. An explicitly named file must exist;
/// the default one is optional.
pub fn load(args: &[OsString]) -> Result<Loaded, String> {
    let explicit = config_flag(args).or_else(|| std::env::var_os("HFWRAP_CONFIG").filter(|v| !v.is_empty()).map(PathBuf::from));
    let path = explicit.clone().or_else(|| config_dir().map(|d| d.join("config.toml")));
    let mut cfg = FileConfig::default();
    if let Some(p) = &path {
        match std::fs::read_to_string(p) {
            Ok(text) => {
                cfg = toml::from_str(&text).map_err(|e| format!("config file {}: {}", p.display(), e.message().trim()))?;
            }
            Err(e) if explicit.is_none() && e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot read config file {}: {e}", p.display())),
        }
    }
    let mut supplied = Vec::new();
    let mut supply = |name: &str, value: Option<String>| {
        if let Some(v) = value {
            if std::env::var_os(name).is_none() {
                std::env::set_var(name, v);
                supplied.push(name.to_string());
            }
        }
    };
    let path_str = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
    supply("HFWRAP_RETRIES", cfg.retries.map(|n| n.to_string()));
    supply("HFWRAP_NO_RETRY", cfg.no_retry.filter(|b| *b).map(|_| "true".into()));
    supply("HFWRAP_MAX_TIME", cfg.max_time.clone());
    supply("HFWRAP_TOKEN_FILE", path_str(&cfg.token_file));
    supply("HFWRAP_TRUST_ENDPOINT", cfg.trust_endpoint.as_ref().map(|v| v.join(",")));
    supply("HFWRAP_MIRROR", cfg.mirror.clone());
    supply("HFWRAP_STALL_TIMEOUT", cfg.stall_timeout.clone());
    supply("HFWRAP_REPORT", path_str(&cfg.report));
    supply("HFWRAP_PTY", cfg.pty.clone());
    supply("HFWRAP_QUIET", cfg.quiet.filter(|b| *b).map(|_| "true".into()));
    let _ = SUPPLIED.set(supplied);

    let sig_path = cfg
        .signatures
        .clone()
        .or_else(|| path.as_ref().and_then(|p| p.parent()).map(|d| d.join("signatures.toml")));
    let signatures = match sig_path {
        Some(p) => match std::fs::read_to_string(&p) {
            Ok(text) => Some((p.display().to_string(), text)),
            Err(e) if cfg.signatures.is_none() && e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("cannot read signatures file {}: {e}", p.display())),
        },
        None => None,
    };
    Ok(Loaded { signatures })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_named() {
        let err = toml::from_str::<FileConfig>("retries = 2\ncolour = 'red'\n").unwrap_err();
        assert!(err.message().contains("colour"), "{}", err.message());
        let ok: FileConfig = toml::from_str("retries = 2\ntrust-endpoint = ['http://127.0.0.1:1']\nstall-timeout = '5s'\n").unwrap();
        assert_eq!(ok.retries, Some(2));
    }

    #[test]
    fn config_flag_is_read_before_the_command_only() {
        let a = |w: &[&str]| w.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(config_flag(&a(&["hfwrap", "--config", "c.toml", "hf"])), Some(PathBuf::from("c.toml")));
        assert_eq!(config_flag(&a(&["hfwrap", "hf", "--config", "c.toml"])), None);
    }
}
