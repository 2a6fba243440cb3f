//! Finding tokens, cleaning them, and keeping them secret.
//!
//! The clients read `HF_TOKEN`, then `HUGGING_FACE_HUB_TOKEN`, then the token
//! file (`HF_TOKEN_PATH`, default `$HF_HOME/token`), removing every `\r`/`\n`
//! and surrounding whitespace. hfwrap mirrors that order to say which token is
//! *in effect* for the child, and looks further (`--token-file`,
//! `HFWRAP_TOKEN_FILE`, the default cache token when `HF_HOME` points
//! elsewhere, the legacy `~/.huggingface/token`) for a token it may inject.
//! A token's value is never printed, never put in argv and never written to disk.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

/// Where a token came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// A variable of the child's environment (`HF_TOKEN`, `HUGGING_FACE_HUB_TOKEN`).
    Env(&'static str),
    /// A token file.
    File(PathBuf),
    /// `--token VALUE` in the child's own arguments.
    Argument,
}

impl fmt::Display for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenSource::Env(v) => write!(f, "${v}"),
            TokenSource::File(p) => write!(f, "token file {}", p.display()),
            TokenSource::Argument => f.write_str("the --token argument"),
        }
    }
}

/// A token and what is wrong with its raw form. `Debug` never shows the value.
#[derive(Clone)]
pub struct Token {
    pub source: TokenSource,
    value: String,
    /// The raw value had whitespace or newlines (the clients strip them from env and files, not from `--token`).
    pub had_whitespace: bool,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token").field("source", &self.source).field("had_whitespace", &self.had_whitespace).finish()
    }
}

impl Token {
    /// Clean a raw token as huggingface_hub does; `None` when nothing is left.
    pub fn from_raw(source: TokenSource, raw: &str) -> Option<Token> {
        let value: String = raw.chars().filter(|c| *c != '\r' && *c != '\n').collect::<String>().trim().to_string();
        if value.is_empty() {
            return None;
        }
        Some(Token { had_whitespace: value.len() != raw.len(), value, source })
    }

    pub fn secret(&self) -> &str {
        &self.value
    }

    /// For messages: where it came from and whether it needed cleaning.
    pub fn describe(&self) -> String {
        if self.had_whitespace {
            format!("{} (its raw value has whitespace or a newline)", self.source)
        } else {
            self.source.to_string()
        }
    }
}

/// The environment as the child will see it: a lookup over variables.
pub trait EnvLookup {
    fn var(&self, name: &str) -> Option<String>;
}

impl EnvLookup for std::collections::BTreeMap<OsString, OsString> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(&OsString::from(name)).map(|v| v.to_string_lossy().into_owned())
    }
}

/// `$HF_HOME`, as the clients resolve it.
pub fn hf_home(env: &dyn EnvLookup) -> Option<PathBuf> {
    if let Some(h) = env.var("HF_HOME").filter(|s| !s.is_empty()) {
        return Some(PathBuf::from(h));
    }
    if let Some(x) = env.var("XDG_CACHE_HOME").filter(|s| !s.is_empty()) {
        return Some(Path::new(&x).join("huggingface"));
    }
    env.var("HOME").map(|h| Path::new(&h).join(".cache/huggingface"))
}

/// The token file the clients read.
pub fn client_token_path(env: &dyn EnvLookup) -> Option<PathBuf> {
    if let Some(p) = env.var("HF_TOKEN_PATH").filter(|s| !s.is_empty()) {
        return Some(PathBuf::from(p));
    }
    hf_home(env).map(|h| h.join("token"))
}

fn read_token_file(path: &Path) -> Option<Token> {
    let raw = std::fs::read(path).ok()?;
    if raw.len() > 64 * 1024 {
        return None;
    }
    Token::from_raw(TokenSource::File(path.to_path_buf()), &String::from_utf8_lossy(&raw))
}

/// The token the child will send, following the clients' own order.
/// `HF_HUB_DISABLE_IMPLICIT_TOKEN` turns off env and file tokens, not `--token`.
pub fn in_effect(env: &dyn EnvLookup, child_args: &[OsString]) -> Option<Token> {
    if let Some(raw) = token_argument(child_args) {
        return Some(Token {
            had_whitespace: raw.trim() != raw || raw.contains(['\r', '\n']),
            value: raw,
            source: TokenSource::Argument,
        });
    }
    if truthy(env.var("HF_HUB_DISABLE_IMPLICIT_TOKEN").as_deref()) {
        return None;
    }
    for name in ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"] {
        if let Some(t) = env.var(name).and_then(|raw| Token::from_raw(TokenSource::Env(name), &raw)) {
            return Some(t);
        }
    }
    client_token_path(env).and_then(|p| read_token_file(&p))
}

/// A token hfwrap could inject: the explicit file first, then places the client does not look.
pub fn injectable(env: &dyn EnvLookup, token_file: Option<&Path>) -> Result<Option<Token>, String> {
    if let Some(p) = token_file {
        return match std::fs::read(p) {
            // The user pointed at this file for a token: an empty one is worth saying, not skipping.
            Ok(raw) => match Token::from_raw(TokenSource::File(p.to_path_buf()), &String::from_utf8_lossy(&raw)) {
                Some(t) => Ok(Some(t)),
                None => Err(format!("the token file {} is empty: put the token in it", p.display())),
            },
            Err(e) => Err(format!("cannot read token file {}: {e}", p.display())),
        };
    }
    // The env tokens, cleaned: the child already uses them, but a whitespace-damaged one is worth re-sending clean.
    for name in ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"] {
        if let Some(t) = env.var(name).and_then(|raw| Token::from_raw(TokenSource::Env(name), &raw)) {
            return Ok(Some(t));
        }
    }
    let mut candidates: Vec<PathBuf> = Vec::new();
    candidates.extend(client_token_path(env));
    if let Some(h) = hf_home(env) {
        candidates.push(h.join("token"));
    }
    if let Some(home) = env.var("HOME") {
        candidates.push(Path::new(&home).join(".cache/huggingface/token"));
        candidates.push(Path::new(&home).join(".huggingface/token"));
    }
    Ok(candidates.iter().find_map(|p| read_token_file(p)))
}

/// The value of `--token X` / `--token=X` in a child's arguments.
pub fn token_argument(args: &[OsString]) -> Option<String> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let a = a.to_string_lossy();
        if a == "--token" {
            return it.next().map(|v| v.to_string_lossy().into_owned());
        }
        if let Some(v) = a.strip_prefix("--token=") {
            return Some(v.to_string());
        }
    }
    None
}

pub fn truthy(v: Option<&str>) -> bool {
    matches!(v.map(|s| s.trim().to_ascii_lowercase()).as_deref(), Some("1" | "true" | "yes" | "on"))
}

/// Replace every occurrence of the secrets in `text` (used on everything hfwrap prints or writes).
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for s in secrets {
        if s.len() >= 4 {
            out = out.replace(s, "***");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<OsString, OsString> {
        pairs.iter().map(|(k, v)| (OsString::from(k), OsString::from(v))).collect()
    }

    #[test]
    fn cleans_like_the_client_and_notes_whitespace() {
        let t = Token::from_raw(TokenSource::Env("HF_TOKEN"), "  abc\r\n").unwrap();
        assert_eq!(t.secret(), "abc");
        assert!(t.had_whitespace);
        assert!(Token::from_raw(TokenSource::Env("HF_TOKEN"), " \n").is_none());
        assert!(!format!("{t:?}").contains("abc"));
    }

    #[test]
    fn follows_the_clients_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("token"), "fromfile\n").unwrap();
        let home = dir.path().to_str().unwrap();
        let e = env(&[("HF_HOME", home), ("HUGGING_FACE_HUB_TOKEN", "legacy")]);
        assert_eq!(in_effect(&e, &[]).unwrap().source, TokenSource::Env("HUGGING_FACE_HUB_TOKEN"));
        let e = env(&[("HF_HOME", home)]);
        let t = in_effect(&e, &[]).unwrap();
        assert_eq!(t.secret(), "fromfile");
        let e = env(&[("HF_HOME", home), ("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")]);
        assert!(in_effect(&e, &[]).is_none());
        let args: Vec<OsString> = vec!["download".into(), "--token=xyz ".into()];
        let t = in_effect(&e, &args).unwrap();
        assert_eq!(t.source, TokenSource::Argument);
        assert!(t.had_whitespace);
    }

    #[test]
    fn injectable_prefers_the_explicit_file_and_reports_unreadable_ones() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("tok");
        std::fs::write(&f, "secret-value\n").unwrap();
        let e = env(&[("HF_TOKEN", "other")]);
        assert_eq!(injectable(&e, Some(&f)).unwrap().unwrap().secret(), "secret-value");
        assert!(injectable(&e, Some(&dir.path().join("missing"))).is_err());
        std::fs::write(dir.path().join("blank"), " \n").unwrap();
        assert!(injectable(&e, Some(&dir.path().join("blank"))).unwrap_err().contains("is empty"));
        let home = dir.path().to_str().unwrap();
        std::fs::create_dir_all(dir.path().join(".huggingface")).unwrap();
        std::fs::write(dir.path().join(".huggingface/token"), "legacy-token").unwrap();
        let e = env(&[("HOME", home), ("HF_HOME", "/nonexistent")]);
        assert_eq!(injectable(&e, None).unwrap().unwrap().secret(), "legacy-token");
    }

    #[test]
    fn scrub_hides_secrets() {
        assert_eq!(scrub("a secret-value b", &["secret-value"]), "a *** b");
    }
}
