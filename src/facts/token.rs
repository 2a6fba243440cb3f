//! Finding tokens, cleaning them, and keeping them secret.
//!
//! The clients read `HF_TOKEN`, then `HUGGING_FACE_HUB_TOKEN`, then the token
//! file (`HF_TOKEN_PATH`, default `$HF_HOME/token`), removing every `\r`/`\n`
//! and surrounding whitespace. hfwrap mirrors that order to say which token is
//! *in effect* for the child, and looks further (`--token-file`,
//! `HFWRAP_TOKEN_FILE`, the default cache token when `HF_HOME` points
//! elsewhere, the legacy `~/.huggingface/token`) for a token it may inject.
//! A token's value is never printed, never put in argv and never written to disk.
//!
//! For `doctor`: every token source there is ([`list_sources`]), and what is wrong with a raw
//! value described in bytes only ([`raw_token_problems`]: `ends with 0x0a (newline)`).

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
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

/// `$HF_HOME`, as the clients resolve it: `os.path.expanduser`, then (huggingface_hub >= 1.0)
/// `os.path.expandvars`, so `HF_HOME=~/hf` is `$HOME/hf`, not a directory called `~`.
pub fn hf_home(env: &dyn EnvLookup) -> Option<PathBuf> {
    if let Some(h) = env.var("HF_HOME").filter(|s| !s.is_empty()) {
        return Some(PathBuf::from(expand_path(env, &h)));
    }
    if let Some(x) = env.var("XDG_CACHE_HOME").filter(|s| !s.is_empty()) {
        return Some(Path::new(&expand_path(env, &x)).join("huggingface"));
    }
    // Where Python's `expanduser("~")` looks: USERPROFILE on Windows.
    let home = if cfg!(windows) { env.var("USERPROFILE") } else { env.var("HOME") };
    home.map(|h| Path::new(&h).join(".cache").join("huggingface"))
}

/// The token file the clients read: `HF_TOKEN_PATH` (expanded like `HF_HOME`), else
/// `$HF_HOME/token`.
pub fn client_token_path(env: &dyn EnvLookup) -> Option<PathBuf> {
    if let Some(p) = env.var("HF_TOKEN_PATH").filter(|s| !s.is_empty()) {
        return Some(PathBuf::from(expand_path(env, &p)));
    }
    hf_home(env).map(|h| h.join("token"))
}

/// Python's `os.path.expandvars(os.path.expanduser(p))` over the child's environment: a leading
/// `~` or `~/` is `$HOME` (a `~user` is left alone), then `$NAME` and `${NAME}` are replaced
/// where NAME is set (left as written where it is not).
pub fn expand_path(env: &dyn EnvLookup, p: &str) -> String {
    let user = match p.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => match env.var("HOME") {
            Some(home) => format!("{}{rest}", home.trim_end_matches('/')),
            None => p.to_string(),
        },
        _ => p.to_string(),
    };
    if !user.contains('$') {
        return user;
    }
    let mut out = String::with_capacity(user.len());
    let mut rest = user.as_str();
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, len) = match after.strip_prefix('{') {
            Some(inner) => match inner.find('}') {
                Some(end) => (&inner[..end], end + 2),
                None => ("", 0),
            },
            None => {
                let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
                (&after[..end], end)
            }
        };
        match env.var(name).filter(|_| !name.is_empty()) {
            Some(v) => {
                out.push_str(&v);
                rest = &after[len..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A token file: a regular file of at most 64 KiB, opened without blocking (`shared_file`);
/// anything else (a FIFO, a device, a huge file) is no token.
fn read_token_file(path: &Path) -> Option<Token> {
    let raw = super::shared_file::read(path, super::shared_file::SMALL).ok()?;
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
        return match super::shared_file::read(p, super::shared_file::SMALL) {
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

/// The value of `--token X` / `--token=X` in a child's arguments, under every spelling argparse
/// accepts for it (`--tok`, `--toke`: see [`crate::redact::is_token_flag`]), anywhere in the
/// arguments (after a `--` too: hfwrap cannot know how the program reads them). A token flag with
/// nothing after it counts as a token argument with an empty value.
pub fn token_argument(args: &[OsString]) -> Option<String> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let a = a.to_string_lossy();
        if crate::redact::is_token_flag(&a) {
            return Some(it.next().map(|v| v.to_string_lossy().into_owned()).unwrap_or_default());
        }
        if let Some((_, v)) = a.split_once('=').filter(|(f, _)| crate::redact::is_token_flag(f)) {
            return Some(v.to_string());
        }
    }
    None
}

pub fn truthy(v: Option<&str>) -> bool {
    matches!(v.map(|s| s.trim().to_ascii_lowercase()).as_deref(), Some("1" | "true" | "yes" | "on"))
}

// ---------------------------------------------------------------------------------------------
// A raw token's bytes, described without showing any of them
// ---------------------------------------------------------------------------------------------

fn byte_name(b: u8) -> String {
    let name = match b {
        b' ' => "space",
        b'\t' => "tab",
        b'\n' => "newline",
        b'\r' => "carriage return",
        0x0b => "vertical tab",
        0x0c => "form feed",
        0 => "NUL",
        _ => "",
    };
    if name.is_empty() {
        format!("0x{b:02x}")
    } else {
        format!("0x{b:02x} ({name})")
    }
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Empty or only whitespace: the clients treat it as no token.
pub fn blank(raw: &[u8]) -> bool {
    raw.iter().all(|b| is_ws(*b))
}

/// The token as huggingface_hub cleans it (for comparing sources, never for printing).
pub fn cleaned(raw: &[u8]) -> String {
    let s: String = String::from_utf8_lossy(raw).chars().filter(|c| *c != '\r' && *c != '\n').collect();
    s.trim().to_string()
}

/// What is wrong with a raw token, in bytes only: never a character of the token itself.
/// Empty when nothing is.
pub fn raw_token_problems(raw: &[u8]) -> Vec<String> {
    if raw.is_empty() {
        return vec!["is empty (0 bytes)".into()];
    }
    if raw.iter().all(|b| is_ws(*b)) {
        return vec![format!("is only whitespace ({} bytes)", raw.len())];
    }
    let mut p = Vec::new();
    let lead = raw.iter().take_while(|b| is_ws(**b)).count();
    let trail = raw.iter().rev().take_while(|b| is_ws(**b)).count();
    let list = |bytes: &[u8]| bytes.iter().take(4).map(|b| byte_name(*b)).collect::<Vec<_>>().join(", ");
    if lead > 0 {
        p.push(format!("starts with {}", list(&raw[..lead])));
    }
    if trail > 0 {
        p.push(format!("ends with {}", list(&raw[raw.len() - trail..])));
    }
    let inner = &raw[lead..raw.len() - trail];
    let mut inner_ws: Vec<u8> = inner.iter().copied().filter(|b| is_ws(*b)).collect();
    inner_ws.dedup();
    if !inner_ws.is_empty() {
        p.push(format!("has {} inside", list(&inner_ws)));
    }
    let odd = inner.iter().filter(|b| !is_ws(**b) && !(0x20..0x7f).contains(*b)).count();
    if odd > 0 {
        p.push(format!("has {odd} control or non-ASCII byte(s)"));
    }
    p
}

/// Interior spaces or tabs survive the clients' cleaning (only `\r`/`\n` are removed everywhere).
pub fn survives_cleaning(raw: &[u8]) -> bool {
    let cleaned: Vec<u8> = raw.iter().copied().filter(|b| *b != b'\r' && *b != b'\n').collect();
    let s = String::from_utf8_lossy(&cleaned);
    let t = s.trim();
    t.bytes().any(|b| is_ws(b) || !(0x20..0x7f).contains(&b))
}

// ---------------------------------------------------------------------------------------------
// Every place a token may be, for `doctor`
// ---------------------------------------------------------------------------------------------

/// Where a listed token lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    /// A variable, by the name a fix uses.
    Env(&'static str),
    File(PathBuf),
}

/// A token source that exists, with its raw bytes (for checks; never printed). `Debug` omits them.
#[derive(Clone)]
pub struct Source {
    /// `$HF_TOKEN`, `token file /path`.
    pub label: String,
    pub kind: SourceKind,
    pub raw: Vec<u8>,
    /// Read by the clients (vs. only a place hfwrap may inject from).
    pub client_reads: bool,
    /// How the clients find it, or why it is listed though they do not read it.
    pub note: &'static str,
    /// hfwrap's own token file (`--token-file`, `HFWRAP_TOKEN_FILE`).
    pub own: bool,
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Source")
            .field("label", &self.label)
            .field("bytes", &self.raw.len())
            .field("client_reads", &self.client_reads)
            .finish()
    }
}

impl Source {
    /// Whether `t` (as [`in_effect`] found it) came from here.
    pub fn is_source_of(&self, t: &Token) -> bool {
        match &self.kind {
            SourceKind::Env(n) => t.source == TokenSource::Env(n),
            SourceKind::File(p) => t.source == TokenSource::File(p.clone()),
        }
    }
}

/// A token file that is listed but cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    /// hfwrap's own token file does not exist (missing default files are not worth a word).
    Missing(PathBuf),
    /// It exists but cannot be read, or is not a small regular file.
    Unreadable(PathBuf),
}

/// Every token source there is: the clients' (`HF_TOKEN`, `HUGGING_FACE_HUB_TOKEN`, the token
/// file) and the places hfwrap may inject from; each file once.
#[derive(Debug, Default)]
pub struct Listing {
    pub sources: Vec<Source>,
    /// In the order met, before any source is judged.
    pub unusable: Vec<Unusable>,
}

/// A token file, read only when it is a regular file of at most 64 KiB (never blocking on a FIFO).
fn read_limited(p: &Path) -> Option<Vec<u8>> {
    super::shared_file::read(p, super::shared_file::SMALL).ok()
}

/// List every token source in `env` (raw values, as the child would get them) plus `own_file`.
pub fn list_sources(env: &BTreeMap<OsString, OsString>, own_file: Option<&Path>) -> Listing {
    let mut listing = Listing::default();
    for name in ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"] {
        if let Some(v) = env.get(OsStr::new(name)) {
            listing.sources.push(Source {
                label: format!("${name}"),
                kind: SourceKind::Env(name),
                raw: v.as_encoded_bytes().to_vec(),
                client_reads: true,
                note: "",
                own: false,
            });
        }
    }
    let mut files: Vec<(PathBuf, bool, &'static str)> = Vec::new();
    if let Some(p) = client_token_path(env) {
        let via =
            if env.var("HF_TOKEN_PATH").is_some_and(|s| !s.is_empty()) { "HF_TOKEN_PATH" } else { "$HF_HOME/token" };
        files.push((p, true, via));
    }
    if let Some(home) = env.var("HOME") {
        files.push((
            Path::new(&home).join(".cache/huggingface/token"),
            false,
            "default location, not read while HF_HOME/HF_TOKEN_PATH point elsewhere",
        ));
        files.push((Path::new(&home).join(".huggingface/token"), false, "legacy location, not read by the clients"));
    }
    let own_at = files.len();
    if let Some(p) = own_file {
        files.push((p.to_path_buf(), false, "HFWRAP_TOKEN_FILE"));
    }
    let mut seen: Vec<PathBuf> = Vec::new();
    for (i, (p, client_reads, note)) in files.into_iter().enumerate() {
        let own = i == own_at;
        let key = std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone());
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        if !p.exists() {
            if own {
                listing.unusable.push(Unusable::Missing(p));
            }
            continue;
        }
        let Some(raw) = read_limited(&p) else {
            listing.unusable.push(Unusable::Unreadable(p));
            continue;
        };
        listing.sources.push(Source {
            label: format!("token file {}", p.display()),
            kind: SourceKind::File(p),
            raw,
            client_reads,
            note,
            own,
        });
    }
    listing
}

/// Every form of every listed token value (raw, trimmed, cleaned): what output is scrubbed of.
pub fn secret_forms(sources: &[Source]) -> Vec<String> {
    sources
        .iter()
        .flat_map(|src| {
            let s = String::from_utf8_lossy(&src.raw).into_owned();
            [s.trim().to_string(), s.replace(['\r', '\n'], "").trim().to_string(), s]
        })
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests;
