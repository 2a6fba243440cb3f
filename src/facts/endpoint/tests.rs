//! Unit and property tests of [`super::Endpoint`], the trust check, proxies.

use super::*;
use proptest::prelude::*;
use std::ffi::OsString;

fn env(pairs: &[(&str, &str)]) -> ChildEnv {
    pairs.iter().map(|(k, v)| (OsString::from(k), OsString::from(v))).collect()
}

fn ep(s: &str) -> Endpoint {
    Endpoint::parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

fn official(s: &str) -> bool {
    trusted(s, &[])
}

#[test]
fn parses_scheme_host_and_effective_port() {
    let e = ep("https://huggingface.co");
    assert_eq!((e.scheme(), e.host_str(), e.port()), ("https", "huggingface.co".to_string(), 443));
    assert_eq!(ep("http://u:p@127.0.0.1:8080/x").port(), 8080);
    assert_eq!(ep("http://[::1]:9").host(), &Host::Ipv6(Ipv6Addr::LOCALHOST));
    assert_eq!(ep("http://[::1]:9").host_str(), "::1");
    assert_eq!(ep("http://[::1]:9").origin(), "http://[::1]:9");
    assert_eq!(ep("http://127.0.0.1").host(), &Host::Ipv4(Ipv4Addr::LOCALHOST));
    assert_eq!(ep("  https://huggingface.co/\n"), ep("https://huggingface.co"));
}

#[test]
fn refuses_what_is_not_an_endpoint() {
    assert_eq!(Endpoint::parse("huggingface.co"), Err(EndpointError::NoScheme));
    assert_eq!(Endpoint::parse("huggingface.co:443"), Err(EndpointError::NoScheme));
    assert_eq!(Endpoint::parse("https://"), Err(EndpointError::Invalid(url::ParseError::EmptyHost)));
    assert!(Endpoint::parse("http://h:99999").is_err());
    assert!(Endpoint::parse("http://[::1").is_err());
    assert_eq!(Endpoint::parse_http("ftp://x"), Err(EndpointError::Scheme("ftp".into())));
    assert!(Endpoint::parse("ftp://x").is_ok());
    assert_eq!(EndpointError::Scheme("ftp".into()).to_string(), "has scheme \"ftp\"; only http and https work");
    assert_eq!(EndpointError::NoScheme.to_string(), "has no scheme (http:// or https://)");
    assert_eq!(Endpoint::parse("https://").unwrap_err().to_string(), "has no host");
}

#[test]
fn default_ports_case_trailing_dots_and_paths_fold() {
    let hub = ep("https://huggingface.co");
    for same in [
        "https://huggingface.co:443",
        "https://huggingface.co/",
        "HTTPS://HuggingFace.CO",
        "https://huggingface.co.",
        "https://huggingface.co.:443/",
        "https://huggingface.co:",
    ] {
        assert_eq!(ep(same), hub, "{same}");
        assert!(official(same), "{same}");
    }
    assert_eq!(ep("http://127.0.0.1:80"), ep("http://127.0.0.1"));
    assert_ne!(ep("https://huggingface.co:8443"), hub);
    assert_ne!(ep("http://huggingface.co"), hub);
    assert!(!official("http://huggingface.co"));
    assert!(!official("https://huggingface.co:8443"));
    // A path is kept (for display) but the origin is what trust compares.
    let p = ep("https://huggingface.co/api/");
    assert_ne!(p, hub);
    assert!(p.same_origin(&hub));
    assert!(official("https://huggingface.co/some/path"));
    assert!(official("https://HF.co"));
}

#[test]
fn tricks_never_compare_equal_to_the_hub() {
    let hub = ep("https://huggingface.co");
    for trick in [
        "https://evil?@huggingface.co",
        "https://evil#@huggingface.co",
        "https://evil\\@huggingface.co",
        "https://bot:pass@huggingface.co",
        "https://bot@huggingface.co",
        "https://@huggingface.co",
        "https://huggingface.co\\@evil",
        "https://huggingface.co?x=1",
        "https://huggingface.co/#x",
        "https://hugging\tface.co",
        "https:huggingface.co",
        "https:/huggingface.co",
        "https:///huggingface.co",
        "https://\\huggingface.co",
    ] {
        assert!(!official(trick), "{trick}");
        let everything = vec![trick.to_string(), "https://evil".into(), "https://huggingface.co".into()];
        assert!(!trusted(trick, &everything), "{trick}");
        if let Ok(e) = Endpoint::parse(trick) {
            assert_ne!(e, hub, "{trick}");
            assert!(!e.trustworthy() && e.flaw().is_some(), "{trick}");
        }
    }
    // What WHATWG makes of them: the host before the ?, #, \ is the host.
    assert_eq!(ep("https://evil?@huggingface.co").host_str(), "evil");
    assert_eq!(ep("https://evil#@huggingface.co").host_str(), "evil");
    assert_eq!(ep("https://evil\\@huggingface.co").host_str(), "evil");
    assert_eq!(ep("https://bot:pass@huggingface.co").host_str(), "huggingface.co");
    assert_eq!(ep("https://bot:pass@huggingface.co").flaw(), Some("it has user info (an @)"));
}

#[test]
fn percent_encoded_and_non_ascii_hosts_are_not_trusted() {
    // WHATWG decodes the host, so it *is* huggingface.co; but clients that do not decode would
    // look up another name, so such a spelling is never trusted.
    let e = ep("https://hugging%66ace.co");
    assert_eq!(e.host_str(), "huggingface.co");
    assert!(e.same_origin(&ep("https://huggingface.co")));
    assert!(!e.trustworthy());
    assert!(!official("https://hugging%66ace.co"));
    assert!(!official("https://ｈuggingface.co"));
    assert_eq!(ep("https://ｈuggingface.co").host_str(), "huggingface.co");
}

#[test]
fn trusted_endpoints_match_on_origin() {
    let list =
        vec!["http://127.0.0.1:8000/".to_string(), "http://[::1]:9".into(), "https://bot:x@mirror.example".into()];
    assert!(trusted("http://127.0.0.1:8000", &list));
    assert!(trusted("HTTP://127.0.0.1:8000/api", &list));
    assert!(!trusted("http://127.0.0.1:8001", &list));
    assert!(!trusted("https://127.0.0.1:8000", &list));
    assert!(trusted("http://[0:0::1]:9", &list));
    // A trust entry with user info trusts nothing.
    assert!(!trusted("https://mirror.example", &list));
    assert!(!trusted("https://huggingface.co.evil.com", &list));
    assert!(!trusted("https://hf-mirror.com", &list));
    assert!(!trusted("not a url", &list));
    assert!(!trusted("", &list));
}

#[test]
fn display_never_shows_user_info() {
    assert_eq!(ep("http://user:pa55@proxy:3128").to_string(), "http://***@proxy:3128");
    assert_eq!(ep("http://proxy:3128/").to_string(), "http://proxy:3128");
    assert_eq!(ep("https://huggingface.co:443/x/").to_string(), "https://huggingface.co/x");
    assert_eq!(ep("https://a@h.co/p?token=s3cret#frag").to_string(), "https://***@h.co/p?***#***");
    assert_eq!(ep("socks5://u:pw@Proxy:1080").to_string(), "socks5://***@proxy:1080");
    assert_eq!(redact("user:pa55@proxy:3128"), "***@proxy:3128");
    assert_eq!(redact("http://user:pa55@proxy:3128"), "http://***@proxy:3128");
    assert_eq!(redact("weird://a:b@[x"), "weird://***@[x");
    assert_eq!(redact("no-at-all"), "no-at-all");
}

#[test]
fn normalise_gives_the_origin_or_keeps_the_flaw() {
    assert_eq!(normalise("https://HuggingFace.co:443/"), "https://huggingface.co");
    assert_eq!(normalise("http://127.0.0.1:8000/x"), "http://127.0.0.1:8000");
    assert_eq!(normalise("https://huggingface.co/org/model.git"), "https://huggingface.co");
    assert_eq!(normalise("https://bot:pass@huggingface.co/org/m"), "https://***@huggingface.co/org/m");
    assert!(!trusted(&normalise("https://bot:pass@huggingface.co"), &[]));
    assert!(!trusted(&normalise("https://evil\\@huggingface.co"), &["https://evil".into()]));
}

#[test]
fn proxies_follow_urllib_rules() {
    let u = ep("https://huggingface.co");
    let e = env(&[("HTTPS_PROXY", "http://p:1"), ("https_proxy", "http://q:2")]);
    assert_eq!(proxy_for(&e, &u).unwrap().0, "https_proxy");
    let e = env(&[("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", ".huggingface.co")]);
    assert!(proxy_for(&e, &u).is_none());
    let e = env(&[("HTTP_PROXY", "http://p:1")]);
    assert!(proxy_for(&e, &u).is_none());
    let e = env(&[("ALL_PROXY", "socks5://p:1"), ("no_proxy", "example.com")]);
    assert_eq!(proxy_for(&e, &u).unwrap().0, "ALL_PROXY");
    assert!(bypasses("127.0.0.1", 80, "localhost,127.0.0.1"));
    assert!(!bypasses("evilhuggingface.co", 443, "huggingface.co"));
    assert!(bypasses("huggingface.co", 443, "huggingface.co:443"));
    assert!(!bypasses("huggingface.co", 443, "huggingface.co:8443"));
}

#[test]
fn reach_reports_a_refused_port() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err = reach("127.0.0.1", port).unwrap_err();
    assert!(err.contains("127.0.0.1"), "{err}");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let (addr, _) = reach("127.0.0.1", listener.local_addr().unwrap().port()).unwrap();
    assert!(addr.ip().is_loopback());
}

/// Pieces that URL tricks are made of.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("https://".to_string()),
        Just("http://".to_string()),
        Just("huggingface.co".to_string()),
        Just("hf.co".to_string()),
        Just("evil".to_string()),
        Just("127.0.0.1".to_string()),
        Just("[::1]".to_string()),
        Just(":443".to_string()),
        Just(":8000".to_string()),
        Just("@".to_string()),
        Just("?".to_string()),
        Just("#".to_string()),
        Just("\\".to_string()),
        Just("/".to_string()),
        Just(".".to_string()),
        Just("%2e".to_string()),
        Just("user:pw".to_string()),
        "[ -~]{0,4}",
        any::<char>().prop_map(|c| c.to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics_never_trusts_userinfo_query_fragment_backslash(
        parts in proptest::collection::vec(piece(), 0..8),
        extra in proptest::collection::vec(piece(), 0..8),
    ) {
        let raw: String = parts.concat();
        let other: String = extra.concat();
        // Trust everything a confused user might list, the value itself included.
        let list = vec![raw.clone(), other.clone(), "https://evil".into(), "http://127.0.0.1:8000".into(), "http://[::1]".into()];
        let parsed = Endpoint::parse(&raw);
        let _ = Endpoint::parse_http(&raw);
        let _ = redact(&raw);
        if let Ok(e) = &parsed {
            let shown = e.to_string();
            if e.has_userinfo() {
                prop_assert!(shown.contains("://***@"), "{shown}");
            }
            let _ = (e.origin(), e.flaw(), e.is_official());
        }
        let flawed = ['@', '?', '#', '\\'].iter().any(|c| raw.contains(*c));
        if flawed {
            prop_assert!(!trusted(&raw, &list), "trusted {raw:?}");
            prop_assert!(parsed.map_or(true, |e| !e.trustworthy() && !e.is_official()));
        }
        // Normalising never makes an endpoint trusted that was not.
        if trusted(&normalise(&raw), &list) {
            prop_assert!(trusted(&raw, &list), "normalise({raw:?}) = {:?}", normalise(&raw));
        }
    }
}
