//! Endpoints (`HF_ENDPOINT`, `--trust-endpoint`, a git remote, a proxy URL) and the network facts
//! about them.
//!
//! [`Endpoint`] is parsed by the `url` crate with the WHATWG rules HTTP clients follow, and keeps
//! what matters for where a request goes: scheme, host (lower-case, no trailing dot, IPv6 as an
//! address) and effective port (a default port equals none). Whether a token may go there is
//! [`trusted`]: only an endpoint written plainly (no user info, query, fragment, backslash,
//! percent-escape, whitespace or non-ASCII: spellings on which parsers disagree about the host)
//! whose origin is the official Hub or one the user trusted. `Display` never shows user info.
//!
//! Also here: which proxy the clients would use for an endpoint ([`proxy_for`], urllib's rules)
//! and a bounded DNS lookup plus TCP connect ([`reach`]; no TLS, no HTTP).

use crate::facts::context::{ChildEnv, OFFICIAL_ENDPOINT};
use crate::facts::token::EnvLookup;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The official Hub's spellings: a token may always go there.
pub const OFFICIAL: [&str; 2] = [OFFICIAL_ENDPOINT, "https://hf.co"];
/// DNS and the TCP connect each get this long in [`reach`].
pub const NET_TIMEOUT: Duration = Duration::from_secs(2);

/// The host of an endpoint, as HTTP clients resolve it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    /// A domain name, lower-case, without a trailing dot.
    Domain(String),
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
}

impl fmt::Display for Host {
    /// A domain or an IPv4 address as is; an IPv6 address bare (`::1`), as a resolver takes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Domain(d) => f.write_str(d),
            Host::Ipv4(a) => write!(f, "{a}"),
            Host::Ipv6(a) => write!(f, "{a}"),
        }
    }
}

/// Why a string is not an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointError {
    /// No `scheme://` in front.
    NoScheme,
    /// A scheme, but no host after it.
    NoHost,
    /// Parsed, but neither http nor https (from [`Endpoint::parse_http`]).
    Scheme(String),
    /// The URL parser refused it.
    Invalid(url::ParseError),
}

impl fmt::Display for EndpointError {
    /// Worded to follow the value: `HF_ENDPOINT=x has no host`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointError::NoScheme => f.write_str("has no scheme (http:// or https://)"),
            EndpointError::NoHost => f.write_str("has no host"),
            EndpointError::Scheme(s) => write!(f, "has scheme {s:?}; only http and https work"),
            EndpointError::Invalid(url::ParseError::InvalidPort) => f.write_str("has an invalid port"),
            EndpointError::Invalid(url::ParseError::EmptyHost) => f.write_str("has no host"),
            EndpointError::Invalid(e) => write!(f, "is not a valid URL ({e})"),
        }
    }
}

impl std::error::Error for EndpointError {}

/// Spellings that make a URL unfit to be trusted with a token (see [`Endpoint::flaw`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Flaw {
    UserInfo,
    Query,
    Fragment,
    Backslash,
    Percent,
    NonAscii,
    Whitespace,
    NotSlashSlash,
    NotHttp,
}

impl Flaw {
    fn describe(self) -> &'static str {
        match self {
            Flaw::UserInfo => "it has user info (an @)",
            Flaw::Query => "it has a query (a ?)",
            Flaw::Fragment => "it has a fragment (a #)",
            Flaw::Backslash => "it has a backslash",
            Flaw::Percent => "it has a percent-escape",
            Flaw::NonAscii => "it has non-ASCII characters",
            Flaw::Whitespace => "it has whitespace or control characters inside",
            Flaw::NotSlashSlash => "it is not written scheme://host",
            Flaw::NotHttp => "it is neither http nor https",
        }
    }
}

/// A parsed endpoint: scheme, host and effective port (plus the path, for display, and any
/// spelling that makes it untrustworthy). Equality covers all of it; [`Endpoint::same_origin`]
/// compares scheme, host and port only.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    scheme: String,
    host: Host,
    /// Explicit, else the scheme's default; `None` for a scheme without one (`socks5://p`).
    port: Option<u16>,
    /// Percent-encoded, without a trailing `/` (empty for the root).
    path: String,
    userinfo: bool,
    query: bool,
    fragment: bool,
    flaws: Vec<Flaw>,
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

impl Endpoint {
    /// Parse any `scheme://host[:port][/path]` URL (WHATWG rules), surrounding whitespace ignored.
    pub fn parse(raw: &str) -> Result<Endpoint, EndpointError> {
        let raw = raw.trim_matches(|c: char| c <= ' ' || c.is_whitespace());
        let url = url::Url::parse(raw).map_err(|e| match e {
            url::ParseError::RelativeUrlWithoutBase => EndpointError::NoScheme,
            e => EndpointError::Invalid(e),
        })?;
        let scheme = url.scheme().to_ascii_lowercase();
        let host = match url.host() {
            Some(url::Host::Domain(d)) => {
                let d = d.to_ascii_lowercase();
                let d = d.strip_suffix('.').unwrap_or(&d).to_string();
                if d.is_empty() {
                    return Err(EndpointError::NoHost);
                }
                Host::Domain(d)
            }
            Some(url::Host::Ipv4(a)) => Host::Ipv4(a),
            Some(url::Host::Ipv6(a)) => Host::Ipv6(a),
            None if raw.contains("://") => return Err(EndpointError::NoHost),
            None => return Err(EndpointError::NoScheme),
        };
        let userinfo = !url.username().is_empty() || url.password().is_some();
        let (query, fragment) = (url.query().is_some(), url.fragment().is_some());
        let mut flaws = Vec::new();
        let mut flag = |on: bool, f: Flaw| {
            if on {
                flaws.push(f);
            }
        };
        // Checked on the raw text as well: `https://@h` has an empty user info that the parser drops.
        flag(userinfo || raw.contains('@'), Flaw::UserInfo);
        flag(query || raw.contains('?'), Flaw::Query);
        flag(fragment || raw.contains('#'), Flaw::Fragment);
        flag(raw.contains('\\'), Flaw::Backslash);
        flag(raw.contains('%'), Flaw::Percent);
        flag(!raw.is_ascii(), Flaw::NonAscii);
        flag(raw.chars().any(|c| c <= ' ' || c == '\x7f'), Flaw::Whitespace);
        let prefix = format!("{scheme}://");
        // `https:huggingface.co`, `https:/h` and `https:///h` all parse (WHATWG skips or adds
        // slashes for http and https); other readers find no host in them.
        let slash_slash = raw.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(&prefix))
            && !raw[prefix.len()..].starts_with(['/', '\\']);
        flag(!slash_slash, Flaw::NotSlashSlash);
        flag(scheme != "http" && scheme != "https", Flaw::NotHttp);
        let path = url.path().trim_end_matches('/').to_string();
        let port = url.port().or_else(|| default_port(&scheme));
        Ok(Endpoint { scheme, host, port, path, userinfo, query, fragment, flaws })
    }

    /// [`Endpoint::parse`], and the scheme must be http or https (what the clients can talk to).
    pub fn parse_http(raw: &str) -> Result<Endpoint, EndpointError> {
        let e = Endpoint::parse(raw)?;
        match e.scheme.as_str() {
            "http" | "https" => Ok(e),
            other => Err(EndpointError::Scheme(other.to_string())),
        }
    }

    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The host as a resolver takes it (`huggingface.co`, `127.0.0.1`, `::1`).
    pub fn host_str(&self) -> String {
        self.host.to_string()
    }

    /// The port a connection goes to: explicit, else the scheme's default (0 when it has none).
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(0)
    }

    pub fn has_userinfo(&self) -> bool {
        self.userinfo
    }

    /// Why this endpoint may not be trusted with a token whatever the trust list says, if so.
    pub fn flaw(&self) -> Option<&'static str> {
        self.flaws.first().map(|f| f.describe())
    }

    /// http(s), and written so that every client reads the same host out of it.
    pub fn trustworthy(&self) -> bool {
        self.flaws.is_empty()
    }

    /// Same scheme, host and effective port.
    pub fn same_origin(&self, other: &Endpoint) -> bool {
        self.scheme == other.scheme && self.host == other.host && self.port == other.port
    }

    /// `scheme://host[:port]`, the port only when it is not the default.
    pub fn origin(&self) -> String {
        format!("{}://{}", self.scheme, self.authority())
    }

    /// `scheme://host[:port][/path]`: where requests go, without user info, query or fragment
    /// (what `HF_ENDPOINT` should be set to for this endpoint).
    pub fn base(&self) -> String {
        format!("{}{}", self.origin(), self.path)
    }

    /// `host[:port]`, the port only when it is not the scheme's default.
    fn authority(&self) -> String {
        let host = match &self.host {
            Host::Ipv6(a) => format!("[{a}]"),
            h => h.to_string(),
        };
        match self.port {
            Some(p) if Some(p) != default_port(&self.scheme) => format!("{host}:{p}"),
            _ => host,
        }
    }

    /// One of the official Hub's spellings (and trustworthy).
    pub fn is_official(&self) -> bool {
        self.trustworthy() && OFFICIAL.iter().filter_map(|o| Endpoint::parse(o).ok()).any(|o| o.same_origin(self))
    }
}

impl fmt::Display for Endpoint {
    /// `scheme://[***@]host[:port][/path][?***][#***]`: user info, query and fragment are masked.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let user = if self.userinfo { "***@" } else { "" };
        write!(f, "{}://{user}{}{}", self.scheme, self.authority(), self.path)?;
        if self.query {
            f.write_str("?***")?;
        }
        if self.fragment {
            f.write_str("#***")?;
        }
        Ok(())
    }
}

/// A URL-ish value fit to print: the [`Endpoint`] display when it parses, else the text with
/// everything between `://` (or the start) and the last `@` replaced by `***`.
pub fn redact(raw: &str) -> String {
    match Endpoint::parse(raw) {
        Ok(e) => e.to_string(),
        Err(_) => mask_userinfo(raw.trim()),
    }
}

fn mask_userinfo(s: &str) -> String {
    let (scheme, rest) = match s.find("://") {
        Some(i) => s.split_at(i + 3),
        None => ("", s),
    };
    match rest.rfind('@') {
        Some(i) => format!("{scheme}***{}", &rest[i..]),
        None => s.to_string(),
    }
}

/// For comparing endpoints as text: the origin of a trustworthy endpoint, else the value itself
/// (trimmed, user info masked), which keeps whatever made it untrustworthy.
pub fn normalise(raw: &str) -> String {
    match Endpoint::parse(raw) {
        Ok(e) if e.trustworthy() => e.origin(),
        _ => mask_userinfo(raw.trim()),
    }
}

/// May a token be sent to `endpoint`? Only when it is trustworthy and its origin is the official
/// Hub's or that of one of the (themselves trustworthy) `extra` endpoints the user trusted.
pub fn trusted(endpoint: &str, extra: &[String]) -> bool {
    let Ok(e) = Endpoint::parse(endpoint) else { return false };
    e.trustworthy()
        && (e.is_official()
            || extra.iter().filter_map(|t| Endpoint::parse(t).ok()).any(|t| t.trustworthy() && t.same_origin(&e)))
}

/// The proxy the clients would use for `url` (urllib's rules: lower-case names win, NO_PROXY exempts):
/// the variable's name and its raw value.
pub fn proxy_for(env: &ChildEnv, url: &Endpoint) -> Option<(&'static str, String)> {
    let get = |names: [&'static str; 2]| {
        names.into_iter().find_map(|n| env.var(n).filter(|v| !v.trim().is_empty()).map(|v| (n, v)))
    };
    if let Some((_, no)) = get(["no_proxy", "NO_PROXY"]) {
        if bypasses(&url.host_str(), url.port(), &no) {
            return None;
        }
    }
    let own =
        if url.scheme() == "https" { get(["https_proxy", "HTTPS_PROXY"]) } else { get(["http_proxy", "HTTP_PROXY"]) };
    own.or_else(|| get(["all_proxy", "ALL_PROXY"]))
}

/// Whether a `NO_PROXY` list exempts `host:port` (`*`, `name`, `.name`, `*.name`, `name:port`).
pub fn bypasses(host: &str, port: u16, no_proxy: &str) -> bool {
    no_proxy.split(',').map(|e| e.trim().to_ascii_lowercase()).filter(|e| !e.is_empty()).any(|e| {
        if e == "*" {
            return true;
        }
        let (name, eport) = match e.rsplit_once(':') {
            Some((n, p)) if p.chars().all(|c| c.is_ascii_digit()) && !n.contains(':') => {
                (n.to_string(), p.parse::<u16>().ok())
            }
            _ => (e.clone(), None),
        };
        if eport.is_some_and(|p| p != port) {
            return false;
        }
        let name = name.trim_start_matches("*.").trim_start_matches('.');
        host == name || host.ends_with(&format!(".{name}"))
    })
}

/// DNS (in a thread, bounded) then a TCP connect, each within [`NET_TIMEOUT`]: the address that
/// accepted and how long the connect took, or why not.
pub fn reach(host: &str, port: u16) -> Result<(SocketAddr, Duration), String> {
    let (tx, rx) = mpsc::channel();
    let h = host.to_string();
    std::thread::spawn(move || {
        let _ = tx.send((h.as_str(), port).to_socket_addrs().map(|a| a.collect::<Vec<_>>()));
    });
    let addrs = match rx.recv_timeout(NET_TIMEOUT) {
        Ok(Ok(a)) if !a.is_empty() => a,
        Ok(Ok(_)) => return Err(format!("{host} resolves to no address")),
        Ok(Err(e)) => return Err(format!("{host} does not resolve ({e})")),
        Err(_) => return Err(format!("resolving {host} took over {} s", NET_TIMEOUT.as_secs())),
    };
    let start = Instant::now();
    let mut last = String::new();
    for addr in addrs.iter().take(3) {
        let left = NET_TIMEOUT.saturating_sub(start.elapsed());
        if left.is_zero() {
            break;
        }
        match TcpStream::connect_timeout(addr, left) {
            Ok(_) => return Ok((*addr, start.elapsed())),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                last = format!("TCP connect to {addr} timed out after {} s", NET_TIMEOUT.as_secs())
            }
            Err(e) => last = format!("TCP connect to {addr}: {e}"),
        }
    }
    Err(if last.is_empty() { format!("TCP connect timed out after {} s", NET_TIMEOUT.as_secs()) } else { last })
}

#[cfg(test)]
mod tests;
