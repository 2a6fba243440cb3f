//! Where a command's requests went, as far as its output tells, and which of those places a token
//! may go to (issue 10, item 4).
//!
//! `HF_ENDPOINT` says where the clients *would* go; a script that sets `os.environ["HF_ENDPOINT"]`,
//! passes `endpoint=`, or calls curl goes elsewhere. What the failed attempt printed names where it
//! really went: the URLs of its errors (`… for url: https://…`, `unable to access '…'`), urllib3's
//! `HTTPSConnectionPool(host='…', port=…)`, curl's and git's `Could not resolve host: …` /
//! `Failed to connect to … port …`. [`Seen`] collects those (bounded), [`Trust`] says whether each
//! is a place the user trusts: the official Hub, an endpoint given with `--trust-endpoint`, or a
//! host the Hub owns for its files (its LFS CDN, the Xet hosts) — which count as the Hub's but are
//! never *sent* a token (the clients do not send one across origins, and hfwrap sends one only to
//! the endpoint).
//!
//! A URL whose authority has an `@`, a backslash or a percent-escape is ambiguous (parsers disagree
//! about its host): it is never trusted, whatever host the URL crate reads out of it.

use crate::facts::endpoint::{self, Endpoint, Host};
use regex::Regex;
use std::fmt;
use std::sync::OnceLock;

/// Distinct places kept per attempt; more than this and the attempt counts as having gone anywhere.
pub const MAX_SIGHTINGS: usize = 32;

/// One place the output names: a URL, or a host (and port) without a scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    /// `http` / `https` when the output said (a URL, an `HTTPSConnectionPool`).
    scheme: Option<String>,
    /// `None` when the text could not be read as a host at all.
    host: Option<Host>,
    /// The effective port, when the output said or the scheme implies it.
    port: Option<u16>,
    /// Spelled so that parsers could disagree about the host (see the module doc).
    ambiguous: bool,
    /// For messages: origin-like and without user info.
    shown: String,
}

impl fmt::Display for Sighting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl Sighting {
    fn url(raw: &str) -> Sighting {
        let after = raw.find("://").map(|i| &raw[i + 3..]).unwrap_or(raw);
        let authority = after.split('/').next().unwrap_or(after);
        let ambiguous = authority.is_empty() || authority.contains(['@', '\\', '%']) || !raw.is_ascii();
        match Endpoint::parse(raw) {
            Ok(e) => Sighting {
                scheme: Some(e.scheme().to_string()),
                host: Some(e.host().clone()),
                port: Some(e.port()),
                ambiguous,
                shown: if ambiguous { endpoint::redact(raw) } else { e.origin() },
            },
            Err(_) => Sighting { scheme: None, host: None, port: None, ambiguous: true, shown: endpoint::redact(raw) },
        }
    }

    fn host_port(scheme: Option<&str>, host: &str, port: Option<u16>) -> Sighting {
        let parsed = parse_host(host);
        let scheme = scheme.map(str::to_string);
        let port = port.or_else(|| scheme.as_deref().and_then(default_port));
        let shown = match (&scheme, &parsed, port) {
            (Some(s), Some(h), _) => {
                let e = format!("{s}://{}{}", bracket(h), port.map(|p| format!(":{p}")).unwrap_or_default());
                endpoint::normalise(&e)
            }
            (None, Some(h), Some(p)) => format!("{}:{p}", bracket(h)),
            (None, Some(h), None) => h.to_string(),
            (_, None, _) => endpoint::redact(host),
        };
        Sighting { scheme, ambiguous: parsed.is_none(), host: parsed, port, shown }
    }

    pub fn host(&self) -> Option<&Host> {
        self.host.as_ref()
    }

    /// Whether this is `e`'s origin, as far as the output said (a host named without a port or
    /// scheme matches on what it names).
    fn is(&self, e: &Endpoint) -> bool {
        !self.ambiguous
            && self.host.as_ref() == Some(e.host())
            && self.scheme.as_deref().map_or(true, |s| s == e.scheme())
            && self.port.map_or(true, |p| p == e.port())
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

fn bracket(h: &Host) -> String {
    match h {
        Host::Ipv6(a) => format!("[{a}]"),
        h => h.to_string(),
    }
}

/// A host as it appears in a message (`huggingface.co`, `127.0.0.1`, `::1`, `[::1]`), folded the
/// way [`Endpoint`] folds hosts; `None` for anything else.
fn parse_host(raw: &str) -> Option<Host> {
    let raw = raw.trim();
    if raw.is_empty() || !raw.is_ascii() || raw.contains(['@', '\\', '%', '/', '?', '#']) {
        return None;
    }
    let bracketed = if raw.contains(':') && !raw.starts_with('[') { format!("[{raw}]") } else { raw.to_string() };
    Endpoint::parse(&format!("http://{bracketed}")).ok().map(|e| e.host().clone())
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("valid built-in regex"))
}

/// Every place `text` names (in order, duplicates included).
pub fn sightings(text: &str) -> Vec<Sighting> {
    static URL: OnceLock<Regex> = OnceLock::new();
    static POOL: OnceLock<Regex> = OnceLock::new();
    static HOST_EQ: OnceLock<Regex> = OnceLock::new();
    static CURL: OnceLock<Regex> = OnceLock::new();
    // Anything from a scheme to the next space or quote: backslashes, @, ? and # stay in, so
    // that an ambiguous URL is seen whole.
    let url = re(&URL, r#"(?i)\bhttps?://[^\s'"<>`]+"#);
    let pool = re(&POOL, r"(?i)\b(https?)ConnectionPool\(host='([^']*)', port=(\d{1,5})\)");
    let host_eq = re(&HOST_EQ, r#"\bhost=['"]([^'"]*)['"]"#);
    let curl = re(
        &CURL,
        r"(?i)(?:Could not resolve (?:host|proxy): |Failed to connect to |Failed to resolve ')([^\s']+)(?: port (\d{1,5}))?",
    );
    let mut out = Vec::new();
    for m in url.find_iter(text) {
        if is_reference(&text[..m.start()]) {
            continue;
        }
        let raw = m.as_str().trim_end_matches(['.', ',', ';', ':', ')', ']', '}', '!']);
        out.push(Sighting::url(raw));
    }
    let mut pooled = Vec::new();
    for c in pool.captures_iter(text) {
        let scheme = c[1].to_ascii_lowercase();
        out.push(Sighting::host_port(Some(&scheme), &c[2], c[3].parse().ok()));
        pooled.push(c.get(2).map(|m| m.start()));
    }
    for c in host_eq.captures_iter(text) {
        if !pooled.contains(&c.get(1).map(|m| m.start())) {
            out.push(Sighting::host_port(None, &c[1], None));
        }
    }
    for c in curl.captures_iter(text) {
        let port = c.get(2).and_then(|p| p.as_str().parse().ok());
        out.push(Sighting::host_port(None, &c[1], port));
    }
    out
}

/// Whether the URL after `before` is a link for the reader rather than a place a request went:
/// httpx's `For more information check: https://developer.mozilla.org/…`, `see https://…`,
/// `Learn more at …`. A request's own URL is printed after `for url:`, `requesting HEAD`,
/// `unable to access`: never after these.
fn is_reference(before: &str) -> bool {
    static REFERENCE: OnceLock<Regex> = OnceLock::new();
    let line = before.rsplit('\n').next().unwrap_or(before);
    // The last 80 bytes of the line, cut at a character boundary (the line may be any UTF-8).
    let start = (line.len().saturating_sub(80)..line.len()).find(|&i| line.is_char_boundary(i)).unwrap_or(line.len());
    let tail = &line[start..];
    re(
        &REFERENCE,
        r"(?i)(?:\bfor more (?:information|info|details|help)(?:,? (?:check|see|visit|go to|refer to|read))?|\b(?:see|visit|refer to|read more|learn more)(?: (?:at|on|here|also))?|\b(?:documentation|docs)(?: (?:at|here))?)\s*:?\s*[<(\[]?$",
    )
    .is_match(tail)
}

/// Cheap test before [`sightings`]: could `bytes` name a place at all?
pub fn may_name_a_place(bytes: &[u8]) -> bool {
    static FINDER: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    let f = FINDER.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(["://", "host=", "resolve host", "resolve proxy", "connect to ", "resolve '"])
            .expect("valid built-in patterns")
    });
    f.is_match(bytes)
}

/// The places one attempt's output named, each once, at most [`MAX_SIGHTINGS`].
#[derive(Debug, Clone, Default)]
pub struct Seen {
    places: Vec<Sighting>,
    /// More distinct places than are kept.
    overflowed: bool,
}

impl Seen {
    /// Note every place `text` names.
    pub fn record(&mut self, text: &str) {
        for s in sightings(text) {
            if self.places.contains(&s) {
                continue;
            }
            if self.places.len() >= MAX_SIGHTINGS {
                self.overflowed = true;
                return;
            }
            self.places.push(s);
        }
    }

    pub fn places(&self) -> &[Sighting] {
        &self.places
    }

    pub fn overflowed(&self) -> bool {
        self.overflowed
    }
}

/// Hosts the Hub serves files from (its LFS CDN, the Xet CAS and transfer hosts): the Hub's own,
/// but never a destination for a token.
pub fn hub_owned(host: &Host) -> bool {
    let Host::Domain(d) = host else { return false };
    let under = |apex: &str| d.strip_suffix(apex).and_then(|rest| rest.strip_suffix('.'));
    let first_label_cdn = |rest: &str| !rest.contains('.') && rest.starts_with("cdn-lfs");
    d == "huggingface.co"
        || d == "hf.co"
        || under("huggingface.co").is_some_and(first_label_cdn)
        || under("hf.co").is_some_and(|rest| first_label_cdn(rest) || rest == "xethub" || rest.ends_with(".xethub"))
}

/// What the user trusts with a token: the official Hub and the `--trust-endpoint` entries that
/// are themselves written plainly (an entry with user info, a query… trusts nothing).
#[derive(Debug, Clone)]
pub struct Trust {
    extra: Vec<Endpoint>,
}

/// Why a place is not one a token may follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The endpoint is spelled so that clients may read another host out of it.
    Flawed { shown: String, flaw: &'static str },
    /// A plain endpoint that is neither the official Hub nor trusted.
    NotTrusted { origin: String },
    /// The output names a place that is neither the Hub's nor trusted.
    Named { place: String },
    /// The output names more places than hfwrap keeps.
    TooMany,
}

impl Trust {
    pub fn new(extra: &[String]) -> Trust {
        Trust { extra: extra.iter().filter_map(|t| Endpoint::parse(t).ok()).filter(|e| e.trustworthy()).collect() }
    }

    /// May a token be sent to `e`?
    pub fn endpoint(&self, e: &Endpoint) -> bool {
        e.trustworthy() && (e.is_official() || self.extra.iter().any(|t| t.same_origin(e)))
    }

    /// [`Trust::endpoint`] of a raw URL, with the reason when not.
    pub fn check(&self, raw: &str) -> Result<Endpoint, Refusal> {
        let e = Endpoint::parse(raw)
            .map_err(|_| Refusal::Flawed { shown: endpoint::redact(raw), flaw: "it is not a URL hfwrap can parse" })?;
        if let Some(flaw) = e.flaw() {
            return Err(Refusal::Flawed { shown: e.to_string(), flaw });
        }
        if self.endpoint(&e) {
            Ok(e)
        } else {
            Err(Refusal::NotTrusted { origin: e.origin() })
        }
    }

    /// Is `s` the official Hub, a host the Hub owns, or a trusted endpoint?
    pub fn place(&self, s: &Sighting) -> bool {
        if s.ambiguous {
            return false;
        }
        let Some(host) = &s.host else { return false };
        if hub_owned(host) {
            return true;
        }
        endpoint::OFFICIAL
            .iter()
            .filter_map(|o| Endpoint::parse(o).ok())
            .chain(self.extra.iter().cloned())
            .any(|e| s.is(&e))
    }

    /// Every place of `seen` is one [`Trust::place`] allows; else the first that is not.
    pub fn all_places(&self, seen: &Seen) -> Result<(), Refusal> {
        if seen.overflowed() {
            return Err(Refusal::TooMany);
        }
        match seen.places().iter().find(|s| !self.place(s)) {
            Some(s) => Err(Refusal::Named { place: s.to_string() }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests;
