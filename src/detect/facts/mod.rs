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
mod words;

pub use errno::Errno;
pub use http::{Host, Purpose, Role};
use words::{Kw, Words};

use regex::{bytes, Regex};
use std::sync::OnceLock;

/// Literals (matched case-insensitively) that can start a fact worth a `when` rule. A record
/// holding none of them has no status, errno or wait for the rules to see.
pub const TRIGGERS: &[&str] = &[
    // statuses
    "status",
    "http/1.",
    "http/2",
    "error 4",
    "error 5",
    "error: 4",
    "error: 5",
    // httpx (huggingface_hub >= 1.0): `Server error '503 Service Unavailable' for url …`
    "error '4",
    "error '5",
    "failed (",
    "failed, status",
    "failed to request",
    "http 4",
    "http 5",
    ": (4",
    ": (5",
    // a CDN error page's heading (`504 ERROR`)
    "0 error",
    "1 error",
    "2 error",
    "3 error",
    "4 error",
    "5 error",
    "6 error",
    "7 error",
    "8 error",
    "9 error",
    // OS errors by number (their phrases and symbols, `errno::PHRASES` and `errno::SYMBOLS`, open
    // the gate too: see the catalogue)
    "[errno",
    "winerror",
    "os error",
    "os { code",
    "errno=",
    "errno:",
    "error(",
    "error 1",
    // a tool's exit code that stands for a status or an OS error (aria2's `errorCode=24`)
    "errorcode=",
    // Java's `Server returned HTTP response code: 429`
    "response code",
    // waits
    "retry",
    "ratelimit",
    "try again",
    // the Hub's error code header
    "x-error-code",
    // a status before a JSON error body (Go clients: `500: {"errors":…}`)
    ": {\"error",
    // a status and its reason phrase with no word for "status" around them (wget in another
    // language: `FEHLER 404: Not Found.`, `… auf Antwort wird gewartet … 404 Not Found`)
    "4 not found",
    "4: not found",
    "1 unauthorized",
    "1: unauthorized",
    "3 forbidden",
    "3: forbidden",
    "9 too many requests",
    "9: too many requests",
    "3 service unavailable",
    "3: service unavailable",
    "2 bad gateway",
    "2: bad gateway",
    // Qt's QNetworkReply names the status by its reason phrase only: `server replied: Not Found`
    "server replied:",
    // urllib3's `too many 429 error responses`
    "error responses",
    // transformers.js: `Bad gateway error occurred while trying to load file`, `Error (429) occurred …`
    "occurred while trying to load file",
    // an app's own `Failed to download config.json from https://…: 401`
    ": 401",
    ": 403",
    ": 404",
    ": 429",
    ": 500",
    ": 502",
    ": 503",
    ": 504",
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
    /// The record opens with an exception of its own, whatever the class's case (`OSError: …`,
    /// `socket.gaierror: …`): a statement, not the continuation of a wrapped message
    /// (`connection: [Errno 11004] …`).
    pub opens_statement: bool,
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
    /// The Hub's own error code, from its `X-Error-Code` header where a client prints headers
    /// (`wget -S`, `curl -v`/`-i`): `GatedRepo`, `RepoNotFound`, `EntryNotFound`, `RevisionNotFound`.
    pub hub_error: Option<String>,
    /// The record is how a program reports the error that ends it: an exception line at the
    /// start of a line (a traceback's end, not a warning), a CLI's `Error: …`, git's `fatal:`.
    pub fatal: bool,
}

/// Bytes of a record facts are read from (records are already capped at 64 KiB).
const MAX_TEXT: usize = 8 * 1024;
/// Errno meanings kept per record.
const MAX_ERRNOS: usize = 4;

pub(crate) fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("built-in facts regex (tested)"))
}

/// A facts regex over bytes with Unicode off: ASCII classes and case folding compile to a
/// fraction of the Unicode automaton (the Unicode status reader took 17 ms to build) and match
/// faster; the words read here are ASCII, and any byte of a UTF-8 text may sit between them.
pub(crate) fn rb(cell: &'static OnceLock<bytes::Regex>, pattern: &str) -> &'static bytes::Regex {
    cell.get_or_init(|| {
        bytes::RegexBuilder::new(pattern).unicode(false).build().expect("built-in facts regex (tested)")
    })
}

/// The text of a match (the input is UTF-8 and the readers stop at ASCII bytes; lossy anyway).
pub(crate) fn text_of(m: bytes::Match<'_>) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(m.as_bytes())
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

    /// The record ties the request to the Hub: a Hub client's request, or a host of the Hub's
    /// (or of the configured endpoint).
    pub fn names_the_hub(&self, endpoint_host: Option<&str>, official: bool) -> bool {
        self.hub_request || self.resolve(endpoint_host, official).iter().any(|h| h.role.is_hubs())
    }

    /// The record names only hosts of other public services (a dotted name that is neither the
    /// Hub's nor local: GitHub's API, PyPI), with nothing that ties the request to a Hub client:
    /// an HTTP answer from there is that service's. Stricter than [`Facts::only_foreign_hosts`]:
    /// a local host may be the endpoint or a mirror, and `huggingface` cut out of a URL tells nothing.
    pub fn only_other_services(&self, endpoint_host: Option<&str>, official: bool) -> bool {
        self.only_foreign_hosts(endpoint_host, official)
            // (Hugging Face's inference hosts, `*.endpoints.huggingface.cloud`, are no other service.)
            && self.resolve(endpoint_host, official)
                .iter()
                .all(|h| h.role == Role::Other && h.name.contains('.') && h.purpose != Purpose::Inference)
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
    extract_if(record, true).unwrap_or_default()
}

/// The facts of one record, read in two steps: first what `when` entries decide on (status,
/// errno, wait, exception); the rest (hosts, stack, path, …) only when one of those was found
/// or `full` is asked for (a signature matched the record). `None`: nothing decisive and not
/// `full`, so no rule can hold and the record is not worth more work.
pub fn extract_if(record: &str, full: bool) -> Option<Facts> {
    let text = head(record);
    // A traceback's frame line (`  File "…/_errors.py", line 304, in hf_raise_for_status`) names
    // only local source files: nothing to read, and there are many of them.
    if text.trim_start().starts_with("File \"") {
        return full.then(Facts::default);
    }
    let w = Words::scan(text);
    let has = |keys: &[Kw]| w.any(keys);
    // Each reader runs only where its words can be: most candidate records hold one fact or none.
    let access_log = text.contains(" HTTP/") && http::is_access_log(text);
    let mut f = Facts { access_log, ..Facts::default() };
    if !access_log && (has_status_digits(text) || w.any(&[Kw::ServerReplied, Kw::WhileTryingToLoadFile])) {
        f.statuses = http::statuses(text);
    }
    f.errnos = errnos(text, &w);
    if has(&[Kw::Curl, Kw::ErrorCode]) {
        f.tool_code = tool_code(text);
    }
    if let Some(("aria2", code)) = f.tool_code {
        aria2_code_facts(code, &mut f);
    }
    if has(&[Kw::Retry, Kw::Wait, Kw::RateLimit, Kw::TryAgain, Kw::TryItAgain]) {
        f.wait = wait::stated_wait(text);
    }
    f.exception = exception(text);
    f.opens_statement = f.exception.is_some() || opens_with_exception(text);
    if text.contains("rror-") {
        f.hub_error = hub_error(text);
    }
    let decisive = !f.statuses.is_empty()
        || !f.errnos.is_empty()
        || f.wait.is_some()
        || f.exception.is_some()
        || f.hub_error.is_some();
    if !full && !decisive {
        return None;
    }
    // Hosts matter to status and errno rules and to what a signature found; a bare exception
    // line or a stated wait needs none.
    let about_a_request = full || !f.statuses.is_empty() || !f.errnos.is_empty();
    if about_a_request && has(&[Kw::Get, Kw::Head, Kw::Post, Kw::Put]) {
        f.method = http::method(text);
    }
    if about_a_request && has(&[Kw::Scheme, Kw::HostWord, Kw::Connect, Kw::Lookup, Kw::Resolve, Kw::AtQuote, Kw::GitAt])
    {
        f.hosts = http::hosts(text);
    }
    f.chain = if w.has(Kw::DirectCause) {
        Some(Chain::DirectCause)
    } else if w.has(Kw::DuringHandling) {
        Some(Chain::DuringHandling)
    } else {
        None
    };
    f.stack = stack(&w);
    f.git = git_kind(text);
    let top_level = text.chars().next().is_some_and(|c| !c.is_whitespace());
    f.fatal = top_level
        && (f.exception.as_ref().is_some_and(|e| !e.class.ends_with("Warning"))
            || text.starts_with("Error: ")
            || f.git == Some("fatal:"));
    // datasets' "Couldn't reach <url>" also names the files a loading script fetches from other
    // hosts (a university's server, a cloud bucket): about those, it is no Hub request.
    let only_other_urls = !f.hosts.is_empty() && f.hosts.iter().all(|h| h.role == http::Role::Other && !h.hub_path);
    f.hub_request = w.any(&[Kw::ThrownWhileRequesting, Kw::WeCouldntConnect, Kw::ErrorWhileDownloading])
        || w.has(Kw::CouldntReach) && !only_other_urls;
    f.proxy = w.has(Kw::Proxy) && !w.has(Kw::ProxiesEq);
    if w.has(Kw::Bearer) {
        f.token_whitespace = token_whitespace(text);
    }
    if has(&[Kw::QuoteSlash, Kw::DquoteSlash, Kw::DriveColon, Kw::QuoteTilde]) {
        f.path = quoted_path(text);
    }
    Some(f)
}

/// Whether the text holds a 4xx/5xx-looking number at all (the status readers' pre-check).
fn has_status_digits(text: &str) -> bool {
    text.as_bytes().windows(3).any(|w| matches!(w[0], b'4' | b'5') && w[1].is_ascii_digit() && w[2].is_ascii_digit())
}

/// A line of source code a traceback shows for context (IPython's `   1174         raise …`,
/// VS Code's `[1174](file:…)`, rich's `│ ❱ 1024 │ …`, a plain traceback's `    raise X(…)`): the
/// words in it are code, not a message, and are no evidence of anything.
pub fn is_code_listing(record: &str) -> bool {
    static CODE: OnceLock<Regex> = OnceLock::new();
    re(
        &CODE,
        concat!(
            r"^(?:\s+|\s*-+>\s*)(?:\d{1,6}|\[\d{1,6}\]\([^)\s]+\))\s+(?:raise|return|msg|if|elif|except|try|with|for|#|[A-Za-z_][\w.]*\s*(?:[=(,)\[]|$))",
            r"|^\s*│\s*(?:❱\s*)?\d{1,6}\s*│",
            r"|^\s{4,}(?:raise|return|except|elif)\s",
            // An import a traceback lists (`    from huggingface_hub.utils._errors import RepositoryNotFoundError`).
            r"|^\s{2,}(?:from\s+[\w.]+\s+import\s|import\s+[\w.]+\s*(?:$|,|as\s))",
            // A test's assertion compares values: the class names in it are what a test expected
            // (`AssertionError: assert 'ConnectionError' == 'DatasetNotFoundError'`), and pytest's
            // diff of them (`- DatasetNotFoundError`) names nothing that was raised.
            r"|AssertionError: assert\s",
            r"|^\s*[-+] [A-Za-z_][\w.]*(?:Error|Exception)\s*$"
        ),
    )
    .is_match(record)
}

/// Whether the record is Python's ImportError for a name (`cannot import name 'X' from 'mod'`).
/// The names in it are identifiers a caller wanted, so it never states that an
/// `OfflineModeIsEnabled` or a `GatedRepoError` happened: only a missing-tool reading holds.
pub fn is_import_failure(record: &str) -> bool {
    static IMPORT: OnceLock<Regex> = OnceLock::new();
    re(&IMPORT, r"cannot import name '?[A-Za-z_]\w*'? from ").is_match(record)
}

/// OS error numbers in every spelling, then English phrases.
fn errnos(text: &str, w: &Words) -> Vec<Errno> {
    static NUMBERED: OnceLock<bytes::Regex> = OnceLock::new();
    let numbered = rb(
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
    let windows =
        w.any(&[Kw::WinError, Kw::DriveColon, Kw::DoubleBackslash, Kw::NotEnoughSpace, Kw::UsedByAnotherProcess]);
    let resolver = w.any(&[Kw::Gaierror, Kw::Getaddrinfo, Kw::Nodename]);
    let numbers = w.any(&[Kw::Errno, Kw::WinError, Kw::OsError, Kw::CodeColon, Kw::ErrorParen, Kw::ErrorSpace]);
    let mut out: Vec<Errno> = Vec::new();
    let mut push = |e: Errno| {
        if !out.contains(&e) && out.len() < MAX_ERRNOS {
            out.push(e);
        }
    };
    for c in numbered.captures_iter(if numbers { text.as_bytes() } else { b"" }) {
        let (num, numbering) = if let Some(m) = c.name("py").or(c.name("tup")) {
            let n = text_of(m);
            let numbering = if resolver && (n.starts_with('-') || n == "8" || n.starts_with("110")) {
                errno::Numbering::Resolver
            } else {
                errno::Numbering::Posix
            };
            (n, numbering)
        } else if let Some(m) = c.name("win").or(c.name("win2")) {
            (text_of(m), errno::Numbering::Windows)
        } else if let Some(m) = c.name("os").or(c.name("rs")).or(c.name("en")).or(c.name("redis")) {
            // Rust prints the OS's own message with the number: English on Linux and macOS (no
            // locale is set), the system language on Windows. A number whose Unix meaning the
            // message does not spell out, in another language or script, is Windows's:
            // `Espacio en disco insuficiente. (os error 112)` is a full disk, not EHOSTDOWN.
            let n = text_of(m);
            let spelled = |e: Errno| errno::PHRASES.iter().enumerate().any(|(i, (_, p))| *p == e && w.phrase(i));
            let numbering = match n.parse::<i64>().ok() {
                _ if windows => errno::Numbering::Windows,
                Some(k) if c.name("os").is_some() || c.name("rs").is_some() => {
                    match (
                        errno::from_number(k, errno::Numbering::Posix),
                        errno::from_number(k, errno::Numbering::Windows),
                    ) {
                        (Some(unix), Some(win)) if unix != win && !spelled(unix) => errno::Numbering::Windows,
                        (None, Some(_)) if text.bytes().any(|b| !b.is_ascii()) => errno::Numbering::Windows,
                        _ => errno::Numbering::Posix,
                    }
                }
                _ => errno::Numbering::Posix,
            };
            (n, numbering)
        } else {
            continue;
        };
        if let Some(e) = num.parse::<i64>().ok().and_then(|n| errno::from_number(n, numbering)) {
            push(e);
        }
    }
    errno::symbols_in(text).for_each(&mut push);
    for (i, (_, e)) in errno::PHRASES.iter().enumerate() {
        if w.phrase(i) {
            // `Permission denied (publickey)` is ssh refusing a key, not a file permission.
            if *e == Errno::Access && w.has(Kw::Publickey) {
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

/// `module.name: …` or `SomethingError: …` at the start of a record, lower-case classes too
/// (`socket.gaierror:`, `socket.timeout:`), which [`exception`] leaves out.
fn opens_with_exception(text: &str) -> bool {
    static OPENS: OnceLock<Regex> = OnceLock::new();
    re(&OPENS, r"^\W*(?:[A-Za-z_]\w*\.)+[A-Za-z_]\w*: |^\W*\w*(?:[Ee]rror|Exception|timeout)\w*: ").is_match(text)
}

fn stack(w: &Words) -> Option<Stack> {
    // Most specific first: an httpx error says httpx even when requests is installed alongside.
    if w.any(&[Kw::Httpx, Kw::Httpcore]) {
        Some(Stack::Httpx)
    } else if w.any(&[Kw::RequestsExceptions, Kw::Urllib3, Kw::HttpsPool, Kw::HttpPool, Kw::SitePackagesRequests]) {
        Some(Stack::Requests)
    } else if w.any(&[Kw::Aiohttp, Kw::ClientConnectorError]) {
        Some(Stack::Aiohttp)
    } else if w.any(&[Kw::Reqwest, Kw::Hyper, Kw::HyperUtil]) {
        Some(Stack::Reqwest)
    } else if w.any(&[Kw::Curl, Kw::UnableToAccess, Kw::SslCertificateProblem]) {
        Some(Stack::Curl)
    } else {
        None
    }
}

fn tool_code(text: &str) -> Option<(&'static str, u16)> {
    static CODE: OnceLock<bytes::Regex> = OnceLock::new();
    let c = rb(&CODE, r"(?-u:\b)(?:(?P<curl>curl) (?P<n1>\d{1,3})(?-u:\b)|errorCode=(?P<n2>\d{1,3})(?-u:\b))")
        .captures(text.as_bytes())?;
    let n = text_of(c.name("n1").or(c.name("n2"))?).parse::<u16>().ok()?;
    Some((if c.name("curl").is_some() { "curl" } else { "aria2" }, n))
}

/// aria2 names some failures only by its exit code (`errorCode=24 Authorization failed.`,
/// `errorCode=3 Resource not found`): the HTTP status or OS condition the code stands for, added
/// where the record states none itself (`errorCode=22 … status=403` already gives its status).
fn aria2_code_facts(code: u16, f: &mut Facts) {
    let (status, errno) = match code {
        3 => (Some(404), None),
        24 => (Some(401), None),
        29 => (Some(503), None),
        9 => (None, Some(Errno::NoSpace)),
        19 => (None, Some(Errno::NameTemporary)),
        _ => return,
    };
    if let Some(s) = status.filter(|_| f.statuses.is_empty()) {
        f.statuses.push(s);
    }
    if let Some(e) = errno.filter(|e| !f.errnos.contains(e)) {
        f.errnos.push(e);
    }
}

fn hub_error(text: &str) -> Option<String> {
    static CODE: OnceLock<bytes::Regex> = OnceLock::new();
    let c = rb(&CODE, r"(?i)\bx-error-code:\s*([A-Za-z]{3,40})\b").captures(text.as_bytes())?;
    Some(text_of(c.get(1)?).into_owned())
}

fn git_kind(text: &str) -> Option<&'static str> {
    let t = text.trim_start();
    ["fatal:", "error:", "remote:"].into_iter().find(|k| t.starts_with(k))
}

fn token_whitespace(text: &str) -> bool {
    static TOK: OnceLock<bytes::Regex> = OnceLock::new();
    rb(&TOK, r"(?i)Bearer (?:hf_|api_org_)?[A-Za-z0-9_\-*]{4,}(?:\\[rnt]|\s+')").is_match(text.as_bytes())
}

fn quoted_path(text: &str) -> Option<String> {
    static PATH: OnceLock<bytes::Regex> = OnceLock::new();
    let c = rb(&PATH, r#"['"](?P<p>/[^'"\s]+|[A-Za-z]:\\[^'"]+|~/[^'"\s]+)['"]"#).captures(text.as_bytes())?;
    Some(text_of(c.name("p")?).chars().take(400).collect())
}

#[cfg(test)]
mod tests;
