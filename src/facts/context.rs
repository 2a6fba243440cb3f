//! What hfwrap knows that the child's output does not say: which token is in
//! effect and where it came from, the endpoint, proxy, CA and offline
//! variables, the cache directory and its free space, the client's version.
//! `hf` 2.x prints the same line for every gated case, so these facts are
//! what makes a fix specific.

use crate::facts::cache;
use crate::facts::token::{self, EnvLookup, Token};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;

pub const OFFICIAL_ENDPOINT: &str = "https://huggingface.co";

pub const PROXY_VARS: [&str; 8] =
    ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"];
pub const OFFLINE_VARS: [&str; 3] = ["HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"];

/// The child's environment, as a sorted map.
pub type ChildEnv = BTreeMap<OsString, OsString>;

/// hfwrap's environment, as the child inherits it.
pub fn current_env() -> ChildEnv {
    std::env::vars_os().collect()
}

#[derive(Debug, Clone, Default)]
pub struct Context {
    /// `HF_ENDPOINT` or the official Hub, for display: user info, query and fragment masked
    /// (`endpoint::redact`). Never decide trust on it: parse [`endpoint`] instead.
    pub endpoint: String,
    /// Where the fix's links point (`{hub}`: token settings, licence and repo pages): the endpoint
    /// the user configured when it is written plainly, else the official Hub ([`hub_for_links`]).
    /// Never taken from the output, where a hostile server's text would make it a phishing link.
    pub hub: String,
    /// Whether facts about this machine apply (false for `explain`, which reads someone's saved log).
    pub live: bool,
    pub token: Option<Token>,
    pub proxy_vars: Vec<String>,
    pub offline_vars: Vec<String>,
    pub cache_dir: Option<PathBuf>,
    /// Major version of huggingface_hub behind the client, when known.
    pub hub_major: Option<u32>,
    /// The command uploads, pushes or changes a repo (`Command::writes_to_hub`): a refusal is
    /// not a download's. Unknown (false) for `explain`.
    pub writes: bool,
}

impl Context {
    /// For diagnosing a saved log: nothing about this machine is assumed.
    pub fn for_explain() -> Context {
        Context { endpoint: OFFICIAL_ENDPOINT.into(), hub: OFFICIAL_ENDPOINT.into(), live: false, ..Context::default() }
    }

    /// For a live run: read from the child's environment and arguments.
    pub fn for_child(env: &ChildEnv, args: &[OsString]) -> Context {
        let set = |names: &[&str]| -> Vec<String> {
            names.iter().filter(|n| env.var(n).is_some_and(|v| !v.is_empty())).map(|n| n.to_string()).collect()
        };
        let offline_vars =
            OFFLINE_VARS.iter().filter(|n| token::truthy(env.var(n).as_deref())).map(|n| n.to_string()).collect();
        let cache_dir = cache::hub_cache_dir(env).map(|(dir, _)| dir);
        Context {
            endpoint: crate::facts::endpoint::redact(&endpoint(env)),
            hub: hub_for_links(env, None),
            live: true,
            token: token::in_effect(env, args),
            proxy_vars: set(&PROXY_VARS),
            offline_vars,
            cache_dir,
            hub_major: None,
            writes: false,
        }
    }

    pub fn offline_vars_set(&self) -> bool {
        !self.offline_vars.is_empty()
    }

    pub fn token_description(&self) -> String {
        if !self.live {
            return "unknown (not recorded in the log)".into();
        }
        match &self.token {
            Some(t) => t.describe(),
            None => "none (no HF_TOKEN, no token file)".into(),
        }
    }

    pub fn proxy_description(&self) -> String {
        if !self.live {
            return "HTTPS_PROXY / HTTP_PROXY".into();
        }
        if self.proxy_vars.is_empty() {
            "no proxy variable is set".into()
        } else {
            format!("set: {}", self.proxy_vars.join(", "))
        }
    }

    pub fn offline_description(&self) -> String {
        if self.offline_vars.is_empty() {
            "HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE".into()
        } else {
            format!("{}=1", self.offline_vars.join("=1, "))
        }
    }

    /// The CA-bundle variable the installed client reads.
    pub fn ca_variable(&self) -> &'static str {
        match self.hub_major {
            Some(0) => "REQUESTS_CA_BUNDLE",
            Some(_) => "SSL_CERT_FILE",
            None => "SSL_CERT_FILE",
        }
    }

    pub fn free_bytes_text(&self) -> Option<String> {
        if !self.live {
            return None;
        }
        let dir = self.cache_dir.as_deref()?;
        cache::free_bytes(dir).map(human_bytes)
    }

    pub fn cache_dir_text(&self) -> Option<String> {
        if !self.live {
            return None;
        }
        self.cache_dir.as_ref().map(|p| p.display().to_string())
    }
}

/// The base of the links a fix shows (`{hub}`): the clone URL's origin for a `git clone`, else
/// `HF_ENDPOINT`, when it is written plainly (`Endpoint::trustworthy`: http(s), no user info,
/// query, fragment, escapes); else the official Hub.
pub fn hub_for_links(env: &ChildEnv, clone_url: Option<&str>) -> String {
    use crate::facts::endpoint::Endpoint;
    let plain = |raw: &str| Endpoint::parse(raw).ok().filter(|e| e.trustworthy());
    if let Some(e) = clone_url.and_then(plain) {
        return e.origin();
    }
    match env.var("HF_ENDPOINT").filter(|s| !s.trim().is_empty()).as_deref().and_then(plain) {
        Some(e) => e.base(),
        None => OFFICIAL_ENDPOINT.to_string(),
    }
}

/// `HF_ENDPOINT` with the trailing `/` the clients strip, or the official Hub: the raw value, to
/// be parsed (`facts::destination::Trust::check`), never shown as is.
pub fn endpoint(env: &ChildEnv) -> String {
    env.var("HF_ENDPOINT")
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().trim_end_matches('/').to_string())
        .unwrap_or_else(|| OFFICIAL_ENDPOINT.to_string())
}

pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// The huggingface_hub version behind a client command (its script's
/// interpreter and site-packages, read from disk; see `hub::hub_behind`).
pub fn hub_version(program: &std::ffi::OsStr, env: &ChildEnv) -> Option<(u32, u32, u32)> {
    let path_var = env.get(std::ffi::OsStr::new("PATH"));
    let exe = which::which_in(program, path_var, ".").ok()?;
    crate::facts::hub::hub_behind(&exe, env).version.map(|v| (v.0, v.1, v.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_endpoint_proxy_and_offline_from_the_child_env() {
        let env: ChildEnv =
            [("HF_ENDPOINT", "http://127.0.0.1:9/"), ("HTTPS_PROXY", "http://p:1"), ("HF_HUB_OFFLINE", "1")]
                .iter()
                .map(|(k, v)| (OsString::from(k), OsString::from(v)))
                .collect();
        let c = Context::for_child(&env, &[]);
        assert_eq!(c.endpoint, "http://127.0.0.1:9");
        assert_eq!(c.proxy_vars, vec!["HTTPS_PROXY"]);
        assert!(c.offline_vars_set());
        assert_eq!(c.token_description(), "none (no HF_TOKEN, no token file)");
        assert_eq!(c.hub, "http://127.0.0.1:9");
    }

    #[test]
    fn credentials_in_the_endpoint_are_never_shown_nor_linked() {
        let env = |v: &str| -> ChildEnv { [(OsString::from("HF_ENDPOINT"), OsString::from(v))].into_iter().collect() };
        let c = Context::for_child(&env("https://bot:s3cret@hub.example/"), &[]);
        assert_eq!(c.endpoint, "https://***@hub.example");
        assert_eq!(c.hub, OFFICIAL_ENDPOINT);
        for trick in ["https://evil?@huggingface.co", "https://evil#@hub.example", "https://evil\\@hub.example"] {
            assert_eq!(Context::for_child(&env(trick), &[]).hub, OFFICIAL_ENDPOINT, "{trick}");
        }
        assert_eq!(Context::for_child(&env("https://hub.example/base/"), &[]).hub, "https://hub.example/base");
        assert_eq!(
            hub_for_links(&env("https://hub.example"), Some("http://127.0.0.1:9/org/m.git")),
            "http://127.0.0.1:9"
        );
        assert_eq!(
            hub_for_links(&env("https://hub.example"), Some("http://u:p@127.0.0.1:9/o/m")),
            "https://hub.example"
        );
    }

    #[test]
    fn human_bytes_reads_well() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(3 * 1024 * 1024), "3.0 MiB");
    }
}
