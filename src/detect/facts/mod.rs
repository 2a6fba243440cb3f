//! Typed facts read from one record, so that a diagnosis can rest on what a line *states*
//! rather than on how one library worded it (issue 11, "Diagnosis from facts, not strings").
//!
//! The same failure reaches hfwrap through many layers: http.client, requests, urllib3, httpx,
//! reqwest, curl (git), aria2, wget; Linux, macOS and Windows numbering; English, Chinese or
//! Japanese messages; `[rank0]:` and CI decorations. What stays the same is the facts: an HTTP
//! status, the host it came from and its role, an OS error *number*, the exception class at
//! the end of a traceback, a stated wait. [`extract`] reads them; catalogue entries with a
//! `when` table decide on them (`src/detect/catalogue/signatures.toml`); the ranking uses the
//! exception facts, the diagnosis takes waits, hosts and the client's HTTP stack from them.
//!
//! Extraction is bounded and cannot panic: every list is capped, numbers are parsed with
//! checked conversions, and it only runs on records the catalogue's gate already let through
//! ([`TRIGGERS`] are part of that gate), so ordinary output never pays for it.

pub mod errno;
pub mod http;
pub mod wait;

pub use errno::Errno;
pub use http::{Host, Role};

use regex::Regex;
use std::sync::OnceLock;

/// Literals (matched case-insensitively) that can start a fact worth a `when` rule. A record
/// holding none of them has no status, errno or wait for the rules to see.
pub const TRIGGERS: &[&str] = &[
    "error",
    "errno",
    "status",
    "code:",
    "http/",
    "retry",
    "wait",
    "try again",
    "refused",
    "timed out",
    "unreachable",
    "no route",
    "no such host",
    "os error",
    "failed",
    "ratelimit",
];

/// The HTTP stack a client runs on, as far as exception classes and module paths tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stack {
    /// requests / urllib3 (huggingface_hub 0.x and most Python apps): reads `REQUESTS_CA_BUNDLE`.
    Requests,
    /// httpx / httpx2 (huggingface_hub >= 1.0): reads `SSL_CERT_FILE`.
    Httpx,
    /// aiohttp (datasets streaming, fsspec).
    Aiohttp,
    /// reqwest / hyper (hf_transfer, hf_xet, the Rust hf-hub crate).
    Reqwest,
    /// libcurl (git, curl).
    Curl,
}

/// How a Python traceback joins two exceptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chain {
    /// `The above exception was the direct cause of the following exception:`
    DirectCause,
    /// `During handling of the above exception, another exception occurred:`
    DuringHandling,
}

/// An exception line: `module.Class: message` (the last line of a traceback is the final one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// The class, without its module: `SSLError`, `LocalEntryNotFoundError`.
    pub class: String,
    /// The dotted path as printed, capped: `requests.exceptions.SSLError`.
    pub path: String,
}

/// What one record states. Empty for most records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// HTTP statuses 400–599, in order.
    pub statuses: Vec<u16>,
    pub method: Option<&'static str>,
    /// Hosts named, with roles from their names (see [`Facts::resolve`] for the endpoint).
    pub hosts: Vec<Host>,
    /// OS error conditions, by meaning, numbers first.
    pub errnos: Vec<Errno>,
    /// The record is an exception line.
    pub exception: Option<Exception>,
    pub chain: Option<Chain>,
    pub stack: Option<Stack>,
    /// Seconds the record asks to wait (capped at a day).
    pub wait: Option<u64>,
    /// curl's `curl N` / aria2's `errorCode=N`.
    pub tool_code: Option<(&'static str, u16)>,
    /// git's own line kinds: `fatal:`, `error:`, `remote:`.
    pub git: Option<&'static str>,
    /// A Hub client made the failing request (`thrown while requesting`, datasets' `Couldn't
    /// reach`, transformers' `We couldn't connect to`, `Error while downloading from`).
    pub hub_request: bool,
    /// The record reports a proxy failing.
    pub proxy: bool,
    /// The record is a server's own access log line (its statuses are that server's answers).
    pub access_log: bool,
    /// A bearer token followed by whitespace or an escaped newline.
    pub token_whitespace: bool,
    /// The first quoted absolute path (a cache dir, a lock file).
    pub path: Option<String>,
}

/// Bytes of a record facts are read from (records are already capped at 64 KiB).
const MAX_TEXT: usize = 8 * 1024;
/// Errno meanings kept per record.
const MAX_ERRNOS: usize = 4;

pub(crate) fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("built-in facts regex (tested)"))
}

fn head(text: &str) -> &str {
    match text.char_indices().nth(MAX_TEXT) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

impl Facts {
    pub fn is_empty(&self) -> bool {
        *self == Facts::default()
    }

    /// Hosts with roles as seen from this run: the configured endpoint's host is the Hub (or a
    /// mirror, when the endpoint is not the official Hub).
    pub fn resolve(&self, endpoint_host: Option<&str>, official: bool) -> Vec<Host> {
        self.hosts
            .iter()
            .map(|h| {
                let mut h = h.clone();
                if endpoint_host.is_some_and(|e| e.eq_ignore_ascii_case(&h.name)) {
                    h.role = if official { Role::Hub } else { Role::Mirror };
                }
                h
            })
            .collect()
    }

    /// The record names only hosts that are not the Hub's, with nothing that ties the request to
    /// a Hub client: a connection failure there is some other service's (a Redis on
    /// localhost:6379, an API the app calls), never "the Hub could not be reached".
    pub fn only_foreign_hosts(&self, endpoint_host: Option<&str>, official: bool) -> bool {
        if self.hub_request || self.proxy {
            return false;
        }
        let hosts = self.resolve(endpoint_host, official);
        !hosts.is_empty() && hosts.iter().all(|h| matches!(h.role, Role::Other | Role::Local) && !h.hub_path)
    }
}

/// Read the facts of one cleaned record.
pub fn extract(record: &str) -> Facts {
    let text = head(record);
    let lower = text.to_ascii_lowercase();
    let access_log = http::is_access_log(text);
    let mut f = Facts {
        statuses: if access_log { Vec::new() } else { http::statuses(text) },
        access_log,
        method: http::method(text),
        hosts: http::hosts(text),
        ..Facts::default()
    };
    f.errnos = errnos(text, &lower);
    f.exception = exception(text);
    f.chain = if lower.contains("the above exception was the direct cause of the following exception") {
        Some(Chain::DirectCause)
    } else if lower.contains("during handling of the above exception, another exception occurred") {
        Some(Chain::DuringHandling)
    } else {
        None
    };
    f.stack = stack(&lower);
    f.wait = wait::stated_wait(text);
    f.tool_code = tool_code(text);
    f.git = git_kind(text);
    f.hub_request =
        ["thrown while requesting", "couldn't reach", "we couldn't connect to", "error while downloading from"]
            .iter()
            .any(|k| lower.contains(k));
    f.proxy = lower.contains("proxy") && !lower.contains("proxies=");
    f.token_whitespace = token_whitespace(text);
    f.path = quoted_path(text);
    f
}

/// A line of source code a traceback shows for context (IPython's `   1174         raise …`,
/// VS Code's `[1174](file:…)`, rich's `│ ❱ 1024 │ …`, a plain traceback's `    raise X(…)`): the
/// words in it are code, not a message, and are no evidence of anything.
pub fn is_code_listing(record: &str) -> bool {
    static CODE: OnceLock<Regex> = OnceLock::new();
    re(
        &CODE,
        concat!(
            r"^(?:\s+|\s*-+>\s*)(?:\d{1,6}|\[\d{1,6}\]\([^)\s]{1,400}\))\s+(?:raise|return|msg|if|elif|except|try|with|for|#|[A-Za-z_][\w.]*\s*[=(])",
            r"|^\s*│\s*(?:❱\s*)?\d{1,6}\s*│",
            r"|^\s{4,}(?:raise|return|except|elif)\s"
        ),
    )
    .is_match(record)
}

/// OS error numbers in every spelling, then English phrases.
fn errnos(text: &str, lower: &str) -> Vec<Errno> {
    static NUMBERED: OnceLock<Regex> = OnceLock::new();
    let numbered = re(
        &NUMBERED,
        concat!(
            r"(?i)(?:",
            r"\[Errno (?P<py>-?\d{1,6})\]",
            r"|\[WinError (?P<win>-?\d{1,6})\]",
            r"|(?-u:\b)WinError\s+(?P<win2>\d{1,6})(?-u:\b)",
            r"|\(os error (?P<os>-?\d{1,6})\)",
            r"|(?-u:\b)Os \{ code: (?P<rs>-?\d{1,6})",
            r"|(?-u:\b)errno[ =:]+(?P<en>-?\d{1,6})(?-u:\b)",
            r"|(?-u:\b)(?:Connection(?:Reset|Refused|Aborted)Error|TimeoutError|OSError|PermissionError|FileNotFoundError|BrokenPipeError)\((?P<tup>-?\d{1,6}), '",
            r"|(?-u:\b)Error (?P<redis>\d{2,5}) connecting to",
            r")"
        ),
    );
    let windows = lower.contains("winerror")
        || lower.contains(":\\")
        || lower.contains("\\\\")
        || lower.contains("not enough space on the disk")
        || lower.contains("being used by another process");
    let resolver =
        lower.contains("gaierror") || lower.contains("getaddrinfo") || lower.contains("nodename nor servname");
    let mut out: Vec<Errno> = Vec::new();
    let mut push = |e: Errno| {
        if !out.contains(&e) && out.len() < MAX_ERRNOS {
            out.push(e);
        }
    };
    for c in numbered.captures_iter(text) {
        let (num, numbering) = if let Some(m) = c.name("py").or(c.name("tup")) {
            let n = m.as_str();
            let numbering = if resolver && (n.starts_with('-') || n == "8" || n.starts_with("110")) {
                errno::Numbering::Resolver
            } else {
                errno::Numbering::Posix
            };
            (n, numbering)
        } else if let Some(m) = c.name("win").or(c.name("win2")) {
            (m.as_str(), errno::Numbering::Windows)
        } else if let Some(m) = c.name("os").or(c.name("rs")).or(c.name("en")).or(c.name("redis")) {
            (m.as_str(), if windows { errno::Numbering::Windows } else { errno::Numbering::Posix })
        } else {
            continue;
        };
        if let Some(e) = num.parse::<i64>().ok().and_then(|n| errno::from_number(n, numbering)) {
            push(e);
        }
    }
    for (phrase, e) in errno::PHRASES {
        if lower.contains(phrase) {
            // `Permission denied (publickey)` is ssh refusing a key, not a file permission.
            if *e == Errno::Access && lower.contains("(publickey)") {
                continue;
            }
            push(*e);
        }
    }
    out
}

/// `module.Class: message` or a bare `Class` at the start of a line (after `[rank0]:`, `E   `, `│`).
fn exception(text: &str) -> Option<Exception> {
    static EXC: OnceLock<Regex> = OnceLock::new();
    let exc = re(
        &EXC,
        r"^(?:\s|\[rank\d+\]:|E\s|│|\|)*(?P<path>(?:[A-Za-z_][\w]*\.){0,6}(?P<class>[A-Z]\w*(?:Error|Exception|Exceeded|Timeout|Refused|NotFound|Interrupt|Exit|Unavailable|Disabled|Enabled|Warning)))(?::|\s*$)",
    );
    let c = exc.captures(text)?;
    let path: String = c["path"].chars().take(120).collect();
    Some(Exception { class: c["class"].chars().take(80).collect(), path })
}

fn stack(lower: &str) -> Option<Stack> {
    // Most specific first: an httpx error says httpx even when requests is installed alongside.
    if lower.contains("httpx") || lower.contains("httpcore") {
        Some(Stack::Httpx)
    } else if lower.contains("requests.exceptions")
        || lower.contains("urllib3")
        || lower.contains("httpsconnectionpool")
        || lower.contains("httpconnectionpool")
        || lower.contains("site-packages/requests/")
    {
        Some(Stack::Requests)
    } else if lower.contains("aiohttp") || lower.contains("clientconnectorerror") {
        Some(Stack::Aiohttp)
    } else if lower.contains("reqwest") || lower.contains("hyper::error") || lower.contains("hyper_util") {
        Some(Stack::Reqwest)
    } else if lower.contains("curl ")
        || lower.contains("fatal: unable to access")
        || lower.contains("ssl certificate problem")
    {
        Some(Stack::Curl)
    } else {
        None
    }
}

fn tool_code(text: &str) -> Option<(&'static str, u16)> {
    static CODE: OnceLock<Regex> = OnceLock::new();
    let c = re(&CODE, r"(?-u:\b)(?:(?P<curl>curl) (?P<n1>\d{1,3})(?-u:\b)|errorCode=(?P<n2>\d{1,3})(?-u:\b))")
        .captures(text)?;
    let n = c.name("n1").or(c.name("n2"))?.as_str().parse::<u16>().ok()?;
    Some((if c.name("curl").is_some() { "curl" } else { "aria2" }, n))
}

fn git_kind(text: &str) -> Option<&'static str> {
    let t = text.trim_start();
    ["fatal:", "error:", "remote:"].into_iter().find(|k| t.starts_with(k))
}

fn token_whitespace(text: &str) -> bool {
    static TOK: OnceLock<Regex> = OnceLock::new();
    re(&TOK, r"(?i)Bearer (?:hf_|api_org_)?[A-Za-z0-9_\-*]{4,}(?:\\[rnt]|\s+')").is_match(text)
}

fn quoted_path(text: &str) -> Option<String> {
    static PATH: OnceLock<Regex> = OnceLock::new();
    let c = re(&PATH, r#"['"](?P<p>/[^'"\s]{1,400}|[A-Za-z]:\\[^'"]{1,400}|~/[^'"\s]{1,400})['"]"#).captures(text)?;
    Some(c["p"].to_string())
}

#[cfg(test)]
mod tests;
