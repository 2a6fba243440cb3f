//! Unit and property tests of what an output names ([`super::sightings`]) and of [`super::Trust`].

use super::*;
use proptest::prelude::*;

fn shown(text: &str) -> Vec<String> {
    sightings(text).iter().map(|s| s.to_string()).collect()
}

fn trust(extra: &[&str]) -> Trust {
    Trust::new(&extra.iter().map(|s| s.to_string()).collect::<Vec<_>>())
}

fn seen(text: &str) -> Seen {
    let mut s = Seen::default();
    s.record(text);
    s
}

#[test]
fn finds_the_places_clients_name_in_their_errors() {
    assert_eq!(
        shown("huggingface_hub.errors.GatedRepoError: 401 Client Error. Cannot access gated repo for url https://huggingface.co/org/m/resolve/main/config.json."),
        ["https://huggingface.co"]
    );
    assert_eq!(
        shown("Error: Client error '401 Unauthorized' for url 'http://127.0.0.1:8000/api/models/a/b/revision/main'"),
        ["http://127.0.0.1:8000"]
    );
    assert_eq!(
        shown("MaxRetryError(\"HTTPSConnectionPool(host='cdn-lfs.hf.co', port=443): Max retries exceeded with url: /repos/x\")"),
        ["https://cdn-lfs.hf.co"]
    );
    assert_eq!(
        shown("fatal: unable to access 'http://[::1]:9/org/m/': Failed to connect to ::1 port 9 after 0 ms"),
        ["http://[::1]:9", "[::1]:9"]
    );
    assert_eq!(shown("curl: (6) Could not resolve host: evil.example"), ["evil.example"]);
    assert_eq!(shown("NameResolutionError: Failed to resolve 'huggingface.co' ([Errno -2])"), ["huggingface.co"]);
    assert_eq!(shown("connection to host='10.0.0.1' failed"), ["10.0.0.1"]);
    assert!(shown("Error: Access denied. Model 'org/m' requires approval.").is_empty());
    assert!(shown("Fetching 6 files: 100%|██████████| 6/6").is_empty());
}

#[test]
fn links_for_the_reader_are_not_places_requests_went() {
    // httpx (huggingface_hub 1.x) ends every status error with a documentation link.
    let httpx = "Client error '401 Unauthorized' for url 'http://127.0.0.1:8000/api/models/a/b'\nFor more information check: https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/401";
    assert_eq!(shown(httpx), ["http://127.0.0.1:8000"]);
    assert!(shown("See https://example.org/docs for details. Learn more at: https://x.example/").is_empty());
    assert!(shown("for more details, see (https://docs.example/a)").is_empty());
    // After one of those words, a request's URL still counts when it is printed as one.
    assert_eq!(shown("see error for url: https://evil.example/x"), ["https://evil.example"]);
    assert_eq!(shown("Failed to fetch https://evil.example/x; see logs"), ["https://evil.example"]);
    // A long line of any UTF-8 before the URL: no panic on a character boundary.
    let long = format!("{}see https://a.example/", "é ".repeat(100));
    assert!(shown(&long).is_empty());
}

#[test]
fn userinfo_is_never_shown_and_ambiguous_urls_stay_whole() {
    let s = sightings("GET https://bot:s3cretpass@127.0.0.1:8000/api/x failed");
    assert_eq!(s.len(), 1);
    assert!(!s[0].to_string().contains("s3cretpass"), "{}", s[0]);
    assert!(s[0].ambiguous);
    for text in [
        "for url: http://127.0.0.1:9?@127.0.0.1:8000/api",
        "for url: http://127.0.0.1:9#@127.0.0.1:8000/api",
        "for url: http://127.0.0.1:9\\@127.0.0.1:8000/api",
        "for url: http://127.0.0.1%3a9@127.0.0.1:8000/api",
        "for url: http://127.0.0.1:8000@127.0.0.1:9/api",
        "for url: http:///127.0.0.1:8000/api",
        "for url: http://\\127.0.0.1:8000/api",
    ] {
        let s = sightings(text);
        assert_eq!(s.len(), 1, "{text}");
        assert!(s[0].ambiguous, "{text}");
        assert!(!trust(&["http://127.0.0.1:8000"]).place(&s[0]), "{text}");
    }
}

#[test]
fn the_hub_and_its_file_hosts_are_the_hubs() {
    for host in [
        "huggingface.co",
        "hf.co",
        "cdn-lfs.huggingface.co",
        "cdn-lfs-us-1.huggingface.co",
        "cdn-lfs.hf.co",
        "cdn-lfs-eu-1.hf.co",
        "cas-bridge.xethub.hf.co",
        "cas-server.xethub.hf.co",
        "transfer.xethub.hf.co",
    ] {
        assert!(hub_owned(&Host::Domain(host.into())), "{host}");
    }
    for host in [
        "evilhf.co",
        "huggingface.co.evil.example",
        "cdn-lfs.hf.co.evil.example",
        "x.cdn-lfs.hf.co",
        "evil.huggingface.co",
        "xethub.hf.co.evil",
        "hf.space",
        "cdn-lfs.hf-mirror.com",
    ] {
        assert!(!hub_owned(&Host::Domain(host.into())), "{host}");
    }
    assert!(!hub_owned(&Host::Ipv4(std::net::Ipv4Addr::LOCALHOST)));
}

#[test]
fn trust_of_places_follows_origin_and_what_the_output_said() {
    let t = trust(&["http://127.0.0.1:8000", "http://[::1]:8001", "https://bot:pw@mirror.example"]);
    assert!(t.all_places(&seen("for url: http://127.0.0.1:8000/api/x")).is_ok());
    assert!(t.all_places(&seen("HTTPConnectionPool(host='127.0.0.1', port=8000)")).is_ok());
    assert!(t.all_places(&seen("Failed to connect to ::1 port 8001 after 0 ms")).is_ok());
    assert!(t.all_places(&seen("Could not resolve host: huggingface.co")).is_ok());
    assert!(t.all_places(&seen("for url: https://cas-bridge.xethub.hf.co/x?sig=1")).is_ok());
    for foreign in [
        "for url: http://127.0.0.1:8001/api",
        "for url: https://127.0.0.1:8000/api",
        "HTTPSConnectionPool(host='127.0.0.1', port=8000)",
        "for url: http://localhost:8000/api",
        "for url: https://mirror.example/api",
        "Could not resolve host: evil.example",
        "raised for https://github.com/huggingface/transformers/issues",
    ] {
        match t.all_places(&seen(&format!("ok https://huggingface.co/x\n{foreign}"))) {
            Err(Refusal::Named { place }) => assert!(!place.contains("pw"), "{place}"),
            other => panic!("{foreign}: {other:?}"),
        }
    }
    let mut many = Seen::default();
    for i in 0..(MAX_SIGHTINGS + 1) {
        many.record(&format!("https://huggingface.co/{i} http://127.0.0.1:{}/x", 1000 + i));
    }
    assert_eq!(t.all_places(&many), Err(Refusal::TooMany));
}

#[test]
fn endpoints_are_checked_on_their_spelling_first() {
    let t = trust(&["http://127.0.0.1:8000"]);
    assert!(t.check("https://huggingface.co/").is_ok());
    assert!(t.check("HTTP://127.0.0.1:8000/").is_ok());
    assert_eq!(t.check("http://127.0.0.1:9"), Err(Refusal::NotTrusted { origin: "http://127.0.0.1:9".into() }));
    for trick in [
        "http://127.0.0.1:9?@127.0.0.1:8000",
        "http://127.0.0.1:9#@127.0.0.1:8000",
        "http://127.0.0.1:9\\@127.0.0.1:8000",
        "http://127.0.0.1:8000@127.0.0.1:9",
        "http://bot:pass@127.0.0.1:8000",
        "not a url",
    ] {
        match t.check(trick) {
            Err(Refusal::Flawed { shown, .. }) => assert!(!shown.contains("pass"), "{shown}"),
            other => panic!("{trick}: {other:?}"),
        }
    }
}

/// What a simple RFC 3986 reader makes of a URL's authority (cut at the first `/`, `?`, `#` or
/// `\`, user info up to the last `@` dropped): what a lax client or a naive check would use.
fn naive_host_port(raw: &str) -> Option<(String, Option<u16>)> {
    host_port_cut_at(raw, &['/', '?', '#', '\\'])
}

/// A laxer reader still: the authority runs to the first `/`, so an `@` after a `?` or `#` still
/// ends the user info (what `HF_ENDPOINT=https://evil?@hub` fooled).
fn lax_host_port(raw: &str) -> Option<(String, Option<u16>)> {
    host_port_cut_at(raw, &['/'])
}

fn host_port_cut_at(raw: &str, cut: &[char]) -> Option<(String, Option<u16>)> {
    let raw = raw.trim_matches(|c: char| c <= ' ' || c.is_whitespace());
    // Deliberately naive (the point of the comparison): whatever follows the first "://".
    let rest = &raw[raw.find("://")? + 3..];
    let authority = rest.split(cut).next()?;
    let hostport = authority.rsplit('@').next()?.split(['?', '#', '\\']).next()?;
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, _)) if !h.ends_with(']') && h.contains(':') => (hostport, None),
        Some((h, "")) => (h, None),
        Some((h, p)) => (h, Some(p.parse().ok()?)),
        None => (hostport, None),
    };
    Some((host.trim_end_matches('.').to_ascii_lowercase(), port))
}

fn default_port_of(raw: &str) -> u16 {
    if raw.to_ascii_lowercase().starts_with("https") {
        443
    } else {
        80
    }
}

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("http://".to_string()),
        Just("https://".to_string()),
        Just("HTTP://".to_string()),
        Just("127.0.0.1".to_string()),
        Just("localhost".to_string()),
        Just("huggingface.co".to_string()),
        Just("[::1]".to_string()),
        Just(":8000".to_string()),
        Just(":9".to_string()),
        Just(":80".to_string()),
        Just(":443".to_string()),
        Just("@".to_string()),
        Just("?".to_string()),
        Just("#".to_string()),
        Just("\\".to_string()),
        Just("/".to_string()),
        Just(".".to_string()),
        Just("%2e".to_string()),
        Just("%40".to_string()),
        Just("bot:pw".to_string()),
        "[ -~]{0,3}",
    ]
}

const TRUSTED: [(&str, u16); 3] = [("127.0.0.1", 8000), ("localhost", 8000), ("[::1]", 8000)];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Whatever the spelling, an endpoint is trusted only when a naive reader agrees on its host
    /// and port and that is a trusted origin.
    #[test]
    fn a_trusted_endpoint_reads_the_same_to_every_parser(parts in proptest::collection::vec(piece(), 1..8)) {
        let raw: String = parts.concat();
        let t = trust(&["http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"]);
        if let Ok(e) = t.check(&raw) {
            prop_assert!(!raw.contains(['@', '?', '#', '\\', '%']), "{:?}", raw);
            for reader in [naive_host_port, lax_host_port] {
                let (host, port) = reader(&raw).unwrap_or_else(|| panic!("no authority in {raw:?}"));
                let port = port.unwrap_or(default_port_of(raw.trim()));
                prop_assert_eq!(port, e.port(), "{:?}", raw);
                let official = host == "huggingface.co" && e.scheme() == "https" && port == 443;
                prop_assert!(official || (e.scheme() == "http" && TRUSTED.contains(&(host.as_str(), port))), "{:?}", raw);
            }
        }
    }

    /// A URL in the output counts as a trusted place only when a naive reader of it sees a trusted
    /// origin or a Hub host too.
    #[test]
    fn a_trusted_place_reads_the_same_to_every_parser(
        scheme in prop_oneof![Just("http://"), Just("https://"), Just("HTTP://")],
        parts in proptest::collection::vec(piece(), 0..7),
    ) {
        let rest: String = parts.concat().replace("://", "").replace(|c: char| c.is_whitespace() || "'\"<>`".contains(c), "");
        let raw = format!("{scheme}{rest}");
        let t = trust(&["http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"]);
        let s = seen(&format!("for url: {raw} failed"));
        for place in s.places().iter().filter(|p| t.place(p)) {
            let cut = raw.trim_end_matches(['.', ',', ';', ':', ')', ']', '}', '!']);
            for reader in [naive_host_port, lax_host_port] {
                let (host, port) = reader(cut).unwrap_or_else(|| panic!("no authority in {cut:?}"));
                let port = port.unwrap_or(default_port_of(cut));
                let hub = hub_owned(&Host::Domain(host.clone()));
                prop_assert!(hub || TRUSTED.contains(&(host.as_str(), port)), "{:?} counted as {}", raw, place);
            }
        }
    }

    /// Arbitrary text never panics the scanner, and what it shows has no user info.
    #[test]
    fn scanning_any_text_is_safe(text in "(?s).{0,200}", secret in "[a-z]{12}") {
        let line = format!("{text} https://bot:{secret}@h.example/x {text}");
        let mut s = Seen::default();
        s.record(&line);
        for p in s.places() {
            prop_assert!(!p.to_string().contains(&secret), "{}", p);
        }
        prop_assert!(may_name_a_place(line.as_bytes()));
    }
}
