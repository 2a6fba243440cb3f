//! The fixed words the fact readers look for, found in one pass.
//!
//! The readers ask "does this record say `winerror`, `httpx`, `connection refused`, …?" some
//! sixty times per record. One case-insensitive Aho-Corasick pass over the record answers them
//! all, and each question is then an index into a table.

use aho_corasick::AhoCorasick;
use std::sync::OnceLock;

macro_rules! keywords {
    ($( $name:ident = $text:literal, )*) => {
        /// A word the readers ask about.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Kw { $( $name, )* }

        /// Their text, in [`Kw`] order (lower case; ASCII case is ignored when matching).
        const TEXT: &[&str] = &[ $( $text, )* ];
    };
}

keywords! {
    Retry = "retry", Wait = "wait", RateLimit = "ratelimit", TryAgain = "try again", TryItAgain = "try it again",
    Get = "get ", Head = "head ", Post = "post ", Put = "put ", Scheme = "://", HostWord = "host",
    Connect = "connect", Lookup = "lookup", Resolve = "resolve", AtQuote = " at \"", Curl = "curl ",
    ErrorCode = "errorcode=", Bearer = "bearer", QuoteSlash = "'/", DquoteSlash = "\"/", DriveColon = ":\\",
    QuoteTilde = "'~/", GitAt = "git@",
    DirectCause = "the above exception was the direct cause of the following exception",
    DuringHandling = "during handling of the above exception, another exception occurred",
    ThrownWhileRequesting = "thrown while requesting", CouldntReach = "couldn't reach",
    WeCouldntConnect = "we couldn't connect to", ErrorWhileDownloading = "error while downloading from",
    Proxy = "proxy", ProxiesEq = "proxies=",
    Errno = "errno", WinError = "winerror", OsError = "os error", CodeColon = "code:", ErrorParen = "error(",
    ErrorSpace = "error ", DoubleBackslash = "\\\\", Gaierror = "gaierror", Getaddrinfo = "getaddrinfo",
    Nodename = "nodename nor servname", Publickey = "(publickey)",
    Httpx = "httpx", Httpcore = "httpcore", RequestsExceptions = "requests.exceptions", Urllib3 = "urllib3",
    HttpsPool = "httpsconnectionpool", HttpPool = "httpconnectionpool", SitePackagesRequests = "site-packages/requests/",
    Aiohttp = "aiohttp", ClientConnectorError = "clientconnectorerror", Reqwest = "reqwest", Hyper = "hyper::error",
    HyperUtil = "hyper_util", UnableToAccess = "fatal: unable to access", SslCertificateProblem = "ssl certificate problem",
    NotEnoughSpace = "not enough space on the disk", UsedByAnotherProcess = "being used by another process",
    ServerReplied = "server replied:", WhileTryingToLoadFile = "error occurred while trying to load file",
}

/// The automaton over [`TEXT`] followed by the errno phrases (`errno::PHRASES`, same order).
fn automaton() -> &'static AhoCorasick {
    static AC: OnceLock<AhoCorasick> = OnceLock::new();
    AC.get_or_init(|| {
        let words = TEXT.iter().copied().chain(super::errno::PHRASES.iter().map(|(p, _)| *p));
        AhoCorasick::builder().ascii_case_insensitive(true).build(words).expect("built-in fact keywords compile")
    })
}

/// Which keywords and errno phrases one record holds.
pub struct Words {
    found: Vec<bool>,
}

impl Words {
    pub fn scan(text: &str) -> Words {
        let mut found = vec![false; TEXT.len() + super::errno::PHRASES.len()];
        for m in automaton().find_overlapping_iter(text) {
            if let Some(f) = found.get_mut(m.pattern().as_usize()) {
                *f = true;
            }
        }
        Words { found }
    }

    pub fn has(&self, k: Kw) -> bool {
        self.found[k as usize]
    }

    pub fn any(&self, ks: &[Kw]) -> bool {
        ks.iter().any(|&k| self.has(k))
    }

    /// Whether the record holds the `i`-th of `errno::PHRASES`.
    pub fn phrase(&self, i: usize) -> bool {
        TEXT.len().checked_add(i).and_then(|j| self.found.get(j)).copied().unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pass_answers_like_a_search() {
        let text = "requests.exceptions.ConnectionError: [WinError 10061] ... Connection REFUSED";
        let w = Words::scan(text);
        assert!(w.has(Kw::RequestsExceptions) && w.has(Kw::WinError) && w.has(Kw::ErrorSpace) && !w.has(Kw::Httpx));
        let refused = super::super::errno::PHRASES.iter().position(|(p, _)| *p == "connection refused").unwrap();
        assert!(w.phrase(refused));
        assert!(!w.phrase(usize::MAX));
        for (i, t) in TEXT.iter().enumerate() {
            assert_eq!(t.to_ascii_lowercase(), *t, "keyword {i} is not lower case");
        }
    }
}
