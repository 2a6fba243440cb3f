//! Doctor's network checks: `HF_ENDPOINT` and whether it is trusted, a DNS lookup and TCP
//! connect to it, the proxy and CA-bundle variables, offline mode.

use super::{shell_quote, truthy, Finding};
use crate::facts::context::{self, ChildEnv, OFFICIAL_ENDPOINT, OFFLINE_VARS};
use crate::facts::endpoint::{self, Endpoint, EndpointError};
use crate::facts::token::EnvLookup;
use std::path::Path;

pub(super) fn endpoint_finding(
    env: &ChildEnv,
    raw: &str,
    trusted: bool,
    url: &Result<Endpoint, EndpointError>,
) -> Finding {
    let set = env.var("HF_ENDPOINT").is_some_and(|s| !s.trim().is_empty());
    let url = match url {
        Ok(u) => u,
        Err(why) => {
            return Finding::fail(
                "endpoint",
                format!("HF_ENDPOINT={} {why}", endpoint::redact(raw)),
                format!("set HF_ENDPOINT to a URL such as {OFFICIAL_ENDPOINT}, or unset it"),
            )
        }
    };
    if !set {
        return Finding::ok("endpoint", format!("{OFFICIAL_ENDPOINT} (HF_ENDPOINT not set; official Hub)"));
    }
    let trust = if url.is_official() {
        "the official Hub".to_string()
    } else if trusted {
        "not the official Hub; trusted for tokens (HFWRAP_TRUST_ENDPOINT)".to_string()
    } else if let Some(flaw) = url.flaw() {
        format!("not trusted: {flaw}, so hfwrap never sends it a token")
    } else {
        "not the official Hub and not trusted: hfwrap never sends it a token".to_string()
    };
    Finding::ok("endpoint", format!("HF_ENDPOINT={url} ({trust})"))
}

pub(super) fn network_finding(env: &ChildEnv, url: &Endpoint) -> Finding {
    let target = format!("{}:{}", url.host_str(), url.port());
    let proxy = endpoint::proxy_for(env, url);
    let result = endpoint::reach(&url.host_str(), url.port());
    match (result, proxy) {
        (Ok((addr, took)), _) => Finding::ok("network", format!("{target} resolves and accepts a TCP connection ({addr}, {} ms)", took.as_millis())),
        (Err(why), Some((name, value))) => Finding::warn(
            "network",
            format!("direct connection to {target} failed ({why}); the clients go through {name}={}, which doctor does not test", endpoint::redact(&value)),
            format!("if downloads fail, test the proxy: curl -sSI -x \"${name}\" {}://{target}/", url.scheme()),
        ),
        (Err(why), None) => {
            let fix = if env.var("HF_ENDPOINT").is_some_and(|s| !s.trim().is_empty()) {
                "check HF_ENDPOINT (is the server up at that address?) or unset it to use the official Hub".to_string()
            } else {
                "check the network/firewall, or set HTTPS_PROXY if you must go through a proxy".to_string()
            };
            Finding::fail("network", format!("{target} is unreachable: {why}"), fix)
        }
    }
}

pub(super) fn proxy_finding(env: &ChildEnv, url: Option<&Endpoint>) -> Finding {
    let set: Vec<String> = context::PROXY_VARS
        .iter()
        .filter_map(|n| {
            env.var(n).filter(|v| !v.trim().is_empty()).map(|v| {
                if n.eq_ignore_ascii_case("no_proxy") {
                    format!("{n}={v}")
                } else {
                    format!("{n}={}", endpoint::redact(&v))
                }
            })
        })
        .collect();
    if set.is_empty() {
        return Finding::ok("proxy", "no proxy variable set (direct connections)");
    }
    let applies = match url.map(|u| (u, endpoint::proxy_for(env, u))) {
        Some((u, Some((name, _)))) => format!("; {} goes through {name}", u.host_str()),
        Some((u, None)) => format!("; {} is reached directly", u.host_str()),
        None => String::new(),
    };
    Finding::ok("proxy", format!("{}{applies}", set.join(", ")))
}

const CA_VARS: [&str; 4] = ["SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"];

pub(super) fn ca_findings(env: &ChildEnv, major: Option<u32>) -> Vec<Finding> {
    let reads = |n: &str| match major {
        Some(0) => n == "REQUESTS_CA_BUNDLE" || n == "CURL_CA_BUNDLE",
        Some(_) => n == "SSL_CERT_FILE" || n == "SSL_CERT_DIR",
        None => true,
    };
    let who = match major {
        Some(0) => "huggingface_hub 0.x (requests) reads REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE",
        Some(_) => "huggingface_hub ≥1.0 (httpx) reads SSL_CERT_FILE / SSL_CERT_DIR",
        None => "huggingface_hub version unknown",
    };
    let set: Vec<(&str, String)> =
        CA_VARS.iter().filter_map(|n| env.var(n).filter(|v| !v.trim().is_empty()).map(|v| (*n, v))).collect();
    if set.is_empty() {
        return vec![Finding::ok(
            "ca-bundle",
            format!("no CA-bundle variable set, so the default trust store is used; {who}"),
        )];
    }
    let any_read = set.iter().any(|(n, _)| reads(n));
    let mut out = Vec::new();
    for (n, v) in &set {
        let p = Path::new(v);
        let want_dir = *n == "SSL_CERT_DIR";
        let exists = if want_dir { p.is_dir() } else { p.is_file() || (*n == "REQUESTS_CA_BUNDLE" && p.is_dir()) };
        let what = if want_dir { "directory" } else { "file" };
        let f = match (reads(n), exists, major.is_some()) {
            (true, false, true) => Finding::fail(
                "ca-bundle",
                format!("{n}={v}: no such {what}, and {who}, so every HTTPS request fails"),
                format!("point {n} at an existing CA bundle {what}, or unset it"),
            ),
            (true, false, false) => Finding::warn(
                "ca-bundle",
                format!("{n}={v}: no such {what}"),
                format!("point {n} at an existing CA bundle {what}, or unset it"),
            ),
            (true, true, _) => Finding::ok("ca-bundle", format!("{n}={v} ({what} exists; {who})")),
            (false, _, _) if any_read => Finding::ok("ca-bundle", format!("{n}={v} is ignored ({who})")),
            (false, false, _) => Finding::warn(
                "ca-bundle",
                format!("{n}={v}: no such {what} (and it is ignored: {who})"),
                format!("unset {n}"),
            ),
            (false, true, _) => {
                let want = match major {
                    Some(0) => "REQUESTS_CA_BUNDLE",
                    _ if want_dir || p.is_dir() => "SSL_CERT_DIR",
                    _ => "SSL_CERT_FILE",
                };
                Finding::warn(
                    "ca-bundle",
                    format!("{n}={v} is ignored: {who}"),
                    format!("export {want}={}", shell_quote(v)),
                )
            }
        };
        out.push(f);
    }
    out
}

pub(super) fn offline_finding(env: &ChildEnv) -> Finding {
    let on: Vec<&str> = OFFLINE_VARS.iter().copied().filter(|n| truthy(env, n)).collect();
    if on.is_empty() {
        return Finding::ok(
            "offline",
            "offline mode is off (HF_HUB_OFFLINE, TRANSFORMERS_OFFLINE, HF_DATASETS_OFFLINE unset)",
        );
    }
    Finding::warn(
        "offline",
        format!(
            "offline mode is on ({}=1): nothing is downloaded, only complete cached files are served",
            on.join("=1, ")
        ),
        format!("unset {}", on.join(" ")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::doctor::Status;
    use std::ffi::OsString;

    fn env(pairs: &[(&str, &str)]) -> ChildEnv {
        pairs.iter().map(|(k, v)| (OsString::from(k), OsString::from(v))).collect()
    }

    fn endpoint_of(raw: &str, trusted: bool) -> Finding {
        endpoint_finding(&env(&[("HF_ENDPOINT", raw)]), raw, trusted, &Endpoint::parse_http(raw))
    }

    #[test]
    fn the_endpoint_finding_says_why_and_hides_credentials() {
        let f = endpoint_of("https://bot:s3cret@huggingface.co", false);
        assert_eq!(f.status, Status::Ok);
        assert!(
            f.message.starts_with("HF_ENDPOINT=https://***@huggingface.co (not trusted: it has user info"),
            "{}",
            f.message
        );
        assert!(!f.message.contains("s3cret") && !f.message.contains("bot"));
        assert!(endpoint_of("https://HF.co/", false).message.contains("(the official Hub)"));
        assert!(endpoint_of("http://127.0.0.1:9", true).message.contains("trusted for tokens"));
        assert!(endpoint_of("http://127.0.0.1:9", false).message.contains("not the official Hub and not trusted"));
        let f = endpoint_of("ftp://u:pw@x", false);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.message, "HF_ENDPOINT=ftp://***@x has scheme \"ftp\"; only http and https work");
        let f = endpoint_finding(&env(&[]), OFFICIAL_ENDPOINT, true, &Endpoint::parse_http(OFFICIAL_ENDPOINT));
        assert!(f.message.contains("HF_ENDPOINT not set"), "{}", f.message);
    }

    #[test]
    fn proxy_values_are_redacted() {
        let hub = Endpoint::parse("https://huggingface.co").unwrap();
        let f = proxy_finding(&env(&[("HTTPS_PROXY", "user:pw@proxy:3128"), ("NO_PROXY", "localhost")]), Some(&hub));
        assert_eq!(
            f.message,
            "HTTPS_PROXY=***@proxy:3128, NO_PROXY=localhost; huggingface.co goes through HTTPS_PROXY"
        );
        assert_eq!(proxy_finding(&env(&[]), Some(&hub)).message, "no proxy variable set (direct connections)");
    }
}
