//! From signature hits to one diagnosis: the root cause and the one fix.
//!
//! Several signatures usually match one failure (a `ProxyError` inside a
//! `MaxRetryError` inside a `LocalEntryNotFoundError`). [`rank::root`] picks the
//! hit that explains the others: by level, by the catalogue's `[explains]`
//! relation between causes, then by the final exception and the later record.
//! Fields captured by every hit of the winning cause are merged with what the
//! records' facts state (a wait, the status, the host, the client's HTTP stack),
//! then what hfwrap knows itself (token source, proxy variables, free bytes) is
//! added, and the fix template is filled in.

pub mod progress;
pub mod rank;
pub mod rejoin;
pub mod synthetic;

use crate::detect::catalogue::{Catalogue, Cause, Level, Recovery};
use crate::detect::facts::{Facts, Purpose, Stack};
use crate::detect::{hits_for_record, Hit, Matcher};
use crate::facts::context::Context;
use crate::facts::endpoint::Endpoint;
use regex::Regex;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, OnceLock};

/// Hits kept (the first half and the latest): memory stays bounded on a flood of errors. Up to
/// half as many again are held between two trims.
const MAX_HITS: usize = 512;

/// The diagnosis shown to a person and written to JSON.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Diagnosis {
    pub cause: Cause,
    /// The signature's id; `null` when nothing matched.
    pub rule: Option<String>,
    pub summary: String,
    /// The matched lines, tokens redacted.
    pub evidence: Vec<String>,
    pub fix: String,
    /// Extracted specifics: repo, url, host, retry_after, needed, free, …
    pub details: BTreeMap<String, String>,
    #[serde(skip)]
    pub recovery: Recovery,
}

/// Collects hits from a stream of records.
#[derive(Default)]
pub struct Collector {
    hits: Vec<Hit>,
    records: u64,
}

impl Collector {
    pub fn new() -> Collector {
        Collector::default()
    }

    /// Every record of `input`, through the live run's own record pipeline ([`Matcher`]) in
    /// chunks: a saved log or a body a client wrote is read exactly as live output, in bounded
    /// memory whatever its size.
    pub fn read_all(catalogue: &Catalogue, mut input: impl std::io::Read) -> std::io::Result<Collector> {
        use crate::process::ChunkSink;
        let hits = Arc::new(Mutex::new(Collector::new()));
        let sink = hits.clone();
        let mut matcher = Matcher::new(
            catalogue.clone(),
            Arc::new(AtomicU64::new(0)),
            Box::new(move |new| {
                let mut c = sink.lock().unwrap_or_else(|e| e.into_inner());
                new.into_iter().for_each(|h| c.push(h));
            }),
        );
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = match input.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            matcher.chunk(&buf[..n]);
        }
        matcher.finish();
        let collected = std::mem::take(&mut *hits.lock().unwrap_or_else(|e| e.into_inner()));
        Ok(collected)
    }

    /// `d` (read from the output `tail` ends with) said little: nothing matched, or only a
    /// library's wrapper. The diagnosis of `tail` with its wrapped lines joined back, when that
    /// says more ([`rejoin`]).
    pub fn diagnose_rejoined(catalogue: &Catalogue, d: &Diagnosis, tail: &str, ctx: &Context) -> Option<Diagnosis> {
        let level =
            |d: &Diagnosis| d.rule.as_deref().and_then(|r| catalogue.find(r)).map(|i| catalogue.signature(i).level);
        // A status line whose URL a console put on the next line (`… for url:` then the URL,
        // httpx's `… for url` then the quoted URL): the host, read with it, may make it another
        // service's or a write.
        let url_cut_off = d.evidence.last().is_some_and(|e| {
            let e = e.trim_end().to_ascii_lowercase();
            e.ends_with("for url:") || e.ends_with("for url")
        }) && !d.details.contains_key("url");
        let weak = d.cause == Cause::Unknown || level(d) == Some(Level::Wrapper) || url_cut_off;
        if !weak {
            return None;
        }
        let text = rejoin::rejoin(rejoin::last_lines(tail));
        let again = Collector::read_all(catalogue, text.as_bytes()).ok()?.diagnose(catalogue, ctx);
        let better = match d.cause {
            Cause::Unknown => again.cause != Cause::Unknown,
            _ if url_cut_off => again.cause != d.cause,
            _ => level(&again).is_some_and(|l| l > Level::Wrapper),
        };
        better.then_some(again)
    }

    /// Match one raw record; returns the hits it produced.
    pub fn observe(&mut self, catalogue: &Catalogue, raw: &[u8]) -> Vec<Hit> {
        self.records += 1;
        let new = hits_for_record(catalogue, raw, self.records, None);
        for h in &new {
            self.push(h.clone());
        }
        new
    }

    /// Like `observe`, trying only `patterns` (see `Catalogue::candidate_records`).
    pub fn observe_candidates(&mut self, catalogue: &Catalogue, raw: &[u8], patterns: &[usize]) {
        self.records += 1;
        for h in hits_for_record(catalogue, raw, self.records, Some(patterns)) {
            self.push(h);
        }
    }

    pub fn push(&mut self, hit: Hit) {
        if self.hits.len() >= MAX_HITS + MAX_HITS / 2 {
            // Keep the first half (early root causes) and the most recent ones. Trimmed in one
            // go every `MAX_HITS / 2` hits: removing one hit from the middle at each push moved
            // the whole tail, every time, on a flood of errors.
            let keep_tail = self.hits.len() - MAX_HITS / 2;
            self.hits.drain(MAX_HITS / 2..keep_tail);
        }
        self.hits.push(hit);
    }

    pub fn hits(&self) -> &[Hit] {
        &self.hits
    }

    pub fn clear(&mut self) {
        self.hits.clear();
    }

    /// The root cause among everything seen so far.
    pub fn diagnose(&self, catalogue: &Catalogue, ctx: &Context) -> Diagnosis {
        diagnose(catalogue, &self.hits, ctx)
    }
}

/// Causes a refused request reads as to the download rules (401, 403, 404).
fn refusal(cause: Cause) -> bool {
    matches!(cause, Cause::AuthRequired | Cause::TokenInvalid | Cause::NotFound)
}

/// The signature for a record whose URLs show a request that is no download (and none that
/// is one): a write, or an inference call.
fn refused_request_rule(facts: &Facts) -> Option<&'static str> {
    if facts.hosts.iter().any(|h| h.purpose == Purpose::Download && h.hub_path) {
        return None;
    }
    facts.hosts.iter().find_map(|h| match h.purpose {
        Purpose::Write => Some("write-refused"),
        Purpose::Inference => Some("inference-refused"),
        Purpose::Download => None,
    })
}

/// The id of a context signature stating an upload under way (cause `not_a_download`) matched
/// on a record before `best`'s.
fn upload_before(catalogue: &Catalogue, hits: &[Hit], best: &Hit) -> Option<String> {
    hits.iter()
        .filter(|h| h.record_no < best.record_no)
        .map(|h| catalogue.signature(h.signature))
        .find(|s| s.level == Level::Context && s.spec.cause == Cause::NotADownload)
        .map(|s| s.spec.id.clone())
}

/// Pick the root cause among `hits` and render its fix.
pub fn diagnose(catalogue: &Catalogue, hits: &[Hit], ctx: &Context) -> Diagnosis {
    let Some(best) = rank::root(catalogue, hits, ctx) else {
        return unknown(ctx);
    };
    let sig = catalogue.signature(best.signature);
    let mut cause = sig.spec.cause;
    let mut rule = sig.spec.id.clone();
    let mut fix_template = sig.spec.fix.clone();
    let mut recovery = sig.spec.recovery;
    let mut take_rule = |cause_now: &mut Cause, rule_now: &mut String, id: &str, new_cause: Cause, from: &str| {
        *cause_now = new_cause;
        *rule_now = id.to_string();
        if let Some(i) = catalogue.find(from) {
            fix_template = catalogue.signature(i).spec.fix.clone();
            recovery = catalogue.signature(i).spec.recovery;
        }
    };

    // A command that writes (an upload, a push) refused: not a download, whatever the refusal
    // reads like to the download rules ("gated", "token", "not found").
    if ctx.writes && refusal(cause) {
        let t = synthetic::template("write_command_refused");
        cause = Cause::NotADownload;
        rule = t.rule.clone().unwrap_or_default();
        fix_template = t.fix.clone();
        recovery = t.recovery;
    } else if let Some(id) = upload_before(catalogue, hits, best).filter(|_| refusal(cause)) {
        // The log shows an upload under way before the refusal (git-lfs sending objects): it is
        // the upload's, as for a command known to write.
        take_rule(&mut cause, &mut rule, &id, Cause::NotADownload, &id);
    } else if let Some(id) = refused_request_rule(&best.facts).filter(|_| refusal(cause)) {
        // The same refusal of a request whose URL shows it was no download (a Space's settings,
        // an upload to the Hub's storage, the inference router): the download rules' "gated",
        // "token" or "not found" say nothing about it.
        take_rule(&mut cause, &mut rule, id, Cause::NotADownload, id);
    } else if cause == Cause::AuthRequired
        && sig.level == Level::Hint
        && best.facts.statuses.contains(&401)
        && best.facts.hosts.iter().any(|h| h.ownerless_repo)
    {
        // A bare 401 for a repo named without an owner: no gated or private repo is, so the repo
        // does not exist (a local folder's name read as a repo id).
        let t = synthetic::template("ownerless_repo_401");
        cause = Cause::NotFound;
        rule = t.rule.clone().unwrap_or_default();
        fix_template = t.fix.clone();
        recovery = t.recovery;
    } else if ctx.offline_vars_set() && matches!(cause, Cause::NetworkBlocked | Cause::NotFound) {
        take_rule(&mut cause, &mut rule, "context-offline-env", Cause::OfflineMode, "offline-mode-enabled");
    } else if cause == Cause::AuthRequired
        && sig.level == Level::Hint
        && ctx.live
        && ctx.token.is_some()
        && best.facts.git.is_none()
        && best.facts.stack != Some(Stack::Curl)
    {
        // A bare 401 although a token was sent: the Hub answers 403 (gated, no access) or 404
        // (private) to a valid token, so the token itself was refused. Not for git, which never
        // sends HF_TOKEN: its 401 is a missing credential.
        take_rule(&mut cause, &mut rule, "context-401-with-token", Cause::TokenInvalid, "hub-http-401-unmapped");
    } else if sig.level == Level::Hint {
        // A line of the log that states a fact of the run (a login that succeeded) turns a hint
        // it explains into its own cause: a bare 401 after `Login successful` is the token's.
        let explains = catalogue.explains();
        let context = hits.iter().rev().find(|h| {
            let c = catalogue.signature(h.signature);
            // (A line about another service's client, or one naming where a download fetches
            // from, states no failure of this download.)
            c.level == Level::Context
                && c.spec.another_service.is_empty()
                && !c.spec.names_source
                && explains.explains(c.spec.cause, cause)
        });
        if let Some(h) = context {
            let c = catalogue.signature(h.signature);
            let id = c.spec.id.clone();
            take_rule(&mut cause, &mut rule, &id, c.spec.cause, &id);
        }
    }

    // Fields: the winner's own first, then other hits of the same cause, then any hit.
    let mut details: BTreeMap<String, String> = BTreeMap::new();
    let same_cause = |h: &&Hit| catalogue.signature(h.signature).spec.cause == sig.spec.cause;
    let ordered = std::iter::once(best).chain(hits.iter().rev().filter(same_cause)).chain(hits.iter().rev());
    for h in ordered {
        for (k, v) in &h.fields {
            details.entry(k.clone()).or_insert_with(|| v.clone());
        }
        derive_fields(&h.evidence, &mut details);
    }
    facts_fields(best, hits, &mut details, ctx);
    complete_fields(&mut details, ctx);

    let mut evidence: Vec<String> = Vec::new();
    for h in hits.iter().filter(same_cause) {
        if !evidence.contains(&h.evidence) {
            evidence.push(h.evidence.clone());
        }
    }
    if evidence.len() > 5 {
        evidence.drain(..evidence.len() - 5);
    }
    if !evidence.contains(&best.evidence) {
        evidence.push(best.evidence.clone());
    }

    let ca_var = ca_variable(hits.iter().filter(same_cause), ctx);
    let fix = render(&fix_template, &template_vars(&details, ctx, ca_var));
    Diagnosis { cause, rule: Some(rule), summary: cause.summary().to_string(), evidence, fix, details, recovery }
}

/// What the records' facts add: the longest stated wait (the policy waits that long), the
/// status and method of the winning record, a Hub-side host, a quoted path.
fn facts_fields(best: &Hit, hits: &[Hit], d: &mut BTreeMap<String, String>, ctx: &Context) {
    // The number the rule captured stays verbatim (the fix quotes what the Hub asked, and the
    // policy caps it with --max-wait); a longer wait stated elsewhere replaces it.
    let stated = hits.iter().filter_map(|h| h.facts.wait).max();
    let captured = d.get("retry_after").map(|v| v.parse::<u64>().unwrap_or(u64::MAX));
    if let Some(w) = stated.filter(|&s| captured.map_or(true, |c| s > c)) {
        d.insert("retry_after".into(), w.to_string());
    }
    if let Some(s) = best.facts.statuses.first() {
        d.entry("status".into()).or_insert_with(|| s.to_string());
    }
    if let Some(m) = best.facts.method {
        d.entry("method".into()).or_insert_with(|| m.to_string());
    }
    if !d.contains_key("host") {
        let (host, official) = rank::endpoint_host(ctx);
        let hosts = best.facts.resolve(host.as_deref(), official);
        if let Some(h) = hosts.iter().find(|h| h.role.is_hubs()).or(hosts.first()) {
            d.insert("host".into(), h.name.clone());
        }
    }
    if let Some(p) = &best.facts.path {
        d.entry("path".into()).or_insert_with(|| crate::redact::untrusted(p));
    }
}

/// The CA-bundle variable of the client that failed: requests (huggingface_hub 0.x) reads
/// `REQUESTS_CA_BUNDLE` and ignores `SSL_CERT_FILE`; httpx (>= 1.0), aiohttp and the Rust
/// clients read `SSL_CERT_FILE`; git reads `GIT_SSL_CAINFO`. Without such facts, what hfwrap
/// knows of the installed client.
fn ca_variable<'a>(hits: impl Iterator<Item = &'a Hit>, ctx: &Context) -> &'static str {
    let stacks: Vec<Stack> = hits.filter_map(|h| h.facts.stack).collect();
    match stacks.last() {
        Some(Stack::Requests) => "REQUESTS_CA_BUNDLE",
        Some(Stack::Httpx | Stack::Aiohttp | Stack::Reqwest) => "SSL_CERT_FILE",
        Some(Stack::Curl) => "GIT_SSL_CAINFO",
        None => ctx.ca_variable(),
    }
}

fn unknown(ctx: &Context) -> Diagnosis {
    let mut details = BTreeMap::new();
    if ctx.live {
        complete_fields(&mut details, ctx);
    }
    Diagnosis {
        cause: Cause::Unknown,
        rule: None,
        summary: Cause::Unknown.summary().into(),
        evidence: Vec::new(),
        fix: "No known failure signature was found. Re-run with `HF_DEBUG=1` (huggingface_hub >= 1.0) or `HF_HUB_VERBOSITY=debug` for a full traceback, run `hfwrap doctor` to check tokens, proxy and disk, and save the output for `hfwrap explain`.".into(),
        details,
        recovery: Recovery::None,
    }
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("static regex"))
}

/// Fields any line can give: a URL, its host, the repo and the endpoint it names.
fn derive_fields(evidence: &str, details: &mut BTreeMap<String, String>) {
    static URL: OnceLock<Regex> = OnceLock::new();
    static REPO: OnceLock<Regex> = OnceLock::new();
    static HOST: OnceLock<Regex> = OnceLock::new();
    let url_re = re(&URL, r#"https?://[^\s'"()\]<>,]+"#);
    let Some(url) = url_re.find(evidence).map(|m| m.as_str().trim_end_matches(['.', ';', ':'])) else {
        if !details.contains_key("host") {
            let host_re = re(&HOST, r"host='([\w.-]+)'");
            if let Some(c) = host_re.captures(evidence) {
                details.insert("host".into(), c[1].to_string());
            }
        }
        return;
    };
    details.entry("url".into()).or_insert_with(|| url.to_string());
    // Parsed as the clients parse it (`Endpoint`, the url crate); a URL that does not parse gives no
    // host, endpoint or repo. These are for reading only: no link and no trust is built on them.
    let (Ok(parsed), Ok(e)) = (url::Url::parse(url), Endpoint::parse(url)) else { return };
    let host = e.host_str();
    details.entry("host".into()).or_insert_with(|| host.clone());
    let path = parsed.path().trim_start_matches('/').to_string();
    let is_cdn = host.starts_with("cdn") || host.contains("xethub") || host.starts_with("cas-");
    if !is_cdn && !details.contains_key("endpoint") {
        // scheme://host[:port]: never the userinfo of the URL it came from.
        details.insert("endpoint".into(), e.origin());
    }
    // `/api/repos/create` and its siblings name an action, not a repo.
    if !details.contains_key("repo") && !is_cdn && !path.starts_with("api/repos/") {
        let repo_re = re(
            &REPO,
            r"^(?:api/)?(?:(models|datasets|spaces)/)?([\w.-]+/[\w.-]+?)(?:\.git)?(?:/(?:resolve|revision|tree|blob|info|refs|paths-info|preupload|commit|settings|branch|tag|git-receive-pack)\b|/?$)",
        );
        if let Some(c) = repo_re.captures(&path) {
            let kind = c.get(1).map(|m| m.as_str()).unwrap_or("models");
            details.insert("repo".into(), c[2].to_string());
            if kind != "models" {
                details.entry("repo_kind".into()).or_insert_with(|| kind.trim_end_matches('s').to_string());
            }
        }
    }
}

/// Facts worth reporting: the endpoint and repo page, and (live) what hfwrap measured itself.
/// The repo page is always on `ctx.hub` (the configured endpoint or the official Hub), never on
/// a host the output named: a fix's links must not be a hostile server's to choose.
fn complete_fields(d: &mut BTreeMap<String, String>, ctx: &Context) {
    // A Windows path quoted by Python's repr (`'C:\\Users\\u'`) is shown as the user types it.
    if let Some(p) = d.get_mut("path") {
        let drive = p.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) && p[1..].starts_with(":\\\\");
        if drive || p.starts_with("\\\\\\\\") {
            *p = p.replace("\\\\", "\\");
        }
    }
    let endpoint = d.get("endpoint").cloned().unwrap_or_else(|| ctx.endpoint.clone());
    d.insert("endpoint".into(), endpoint.trim_end_matches('/').to_string());
    if !d.contains_key("host") {
        let host = Endpoint::parse(&endpoint).ok().map(|e| e.host_str());
        d.insert("host".into(), host.unwrap_or_else(|| "huggingface.co".into()));
    }
    if let Some(repo) = d.get("repo").cloned() {
        let prefix = match d.get("repo_kind").map(|s| s.to_ascii_lowercase()) {
            Some(k) if k.starts_with("dataset") => "datasets/",
            Some(k) if k.starts_with("space") => "spaces/",
            _ => "",
        };
        let url = format!("{}/{prefix}{repo}", ctx.hub.trim_end_matches('/'));
        d.insert("repo_url".into(), url);
    } else {
        d.remove("repo_url");
    }
    if ctx.live {
        d.entry("token_source".into()).or_insert_with(|| ctx.token_description());
        if let Some(free) = ctx.free_bytes_text() {
            d.entry("free".into()).or_insert(free);
        }
        if let Some(p) = ctx.cache_dir_text() {
            d.entry("path".into()).or_insert(p);
        }
    }
}

/// What a fix template may name beyond the facts: words for the variables to set.
fn template_vars(details: &BTreeMap<String, String>, ctx: &Context, ca_var: &str) -> BTreeMap<String, String> {
    let mut v = details.clone();
    v.entry("token_source".into()).or_insert_with(|| ctx.token_description());
    v.insert("proxy_vars".into(), ctx.proxy_description());
    v.insert("offline_vars".into(), ctx.offline_description());
    v.insert("ca_var".into(), ca_var.to_string());
    v.insert("hub".into(), ctx.hub.trim_end_matches('/').to_string());
    let phrase = match details.get("retry_after") {
        Some(s) => format!(" and asked to wait {s} s"),
        None => String::new(),
    };
    v.insert("retry_after_phrase".into(), phrase);
    v
}

/// Fill `{field}` placeholders; an unknown field reads as a neutral phrase.
pub fn render(template: &str, fields: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if after[..end].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && end > 0 => {
                let key = &after[..end];
                match fields.get(key) {
                    Some(v) => out.push_str(v),
                    // "The repo {repo} was not found" without a repo reads "The repo was not found".
                    None if ends_with_label(&out) => {
                        out.pop();
                    }
                    None => out.push_str(fallback(key)),
                }
                rest = &after[end + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether the text so far ends in a noun that names the missing value ("the lock {path}").
fn ends_with_label(out: &str) -> bool {
    const LABELS: [&str; 7] = ["repo ", "dataset ", "model ", "location ", "file ", "lock ", "name "];
    LABELS.iter().any(|l| out.ends_with(l))
}

fn fallback(key: &str) -> &'static str {
    match key {
        "repo" => "the repo",
        "repo_url" => "the repo's page on the Hub",
        "retry_after" => "some",
        "free" => "too little",
        "needed" => "more",
        "path" => "the download location",
        "host" => "the Hub",
        "hub" => crate::facts::context::OFFICIAL_ENDPOINT,
        "status" => "a 5xx error",
        "module" => "see the traceback",
        "expected" | "actual" => "?",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lines: &str) -> Diagnosis {
        let cat = Catalogue::builtin();
        let mut c = Collector::new();
        for l in lines.lines() {
            c.observe(&cat, l.as_bytes());
        }
        c.diagnose(&cat, &Context::for_explain())
    }

    const OFFICIAL: &str = crate::facts::context::OFFICIAL_ENDPOINT;

    #[test]
    fn proxy_inside_local_entry_not_found_is_network_blocked_by_proxy() {
        let d = run("requests.exceptions.ProxyError: (MaxRetryError(\"HTTPSConnectionPool(host='huggingface.co', port=443): x (Caused by ProxyError('Cannot connect to proxy.', OSError('Tunnel connection failed: 403 Forbidden')))\"))\nhuggingface_hub.utils._errors.LocalEntryNotFoundError: An error happened while trying to locate the file on the Hub and we cannot find the requested files in the local cache.");
        assert_eq!(d.cause, Cause::NetworkBlocked);
        assert_eq!(d.rule.as_deref(), Some("proxy-error"));
        assert_eq!(d.details["host"], "huggingface.co");
    }

    #[test]
    fn a_429_before_a_generic_connection_error_is_the_root_cause() {
        let d = run("HTTP Error 429 thrown while requesting HEAD https://huggingface.co/org/m/resolve/main/config.json\nOSError: We couldn't connect to 'https://huggingface.co' to load this file");
        assert_eq!(d.cause, Cause::RateLimited);
        assert_eq!(d.details["repo"], "org/m");
    }

    #[test]
    fn gated_fix_names_the_repo_page() {
        let d = run("\x1b[1m\x1b[31mError: Access denied. Model 'meta-llama/Llama-3.1-8B' requires approval.\x1b[0m");
        assert_eq!(d.cause, Cause::AuthRequired);
        assert!(d.fix.contains("https://huggingface.co/meta-llama/Llama-3.1-8B"), "{}", d.fix);
    }

    #[test]
    fn dataset_urls_keep_their_prefix() {
        let d = run("huggingface_hub.utils._errors.GatedRepoError: 401 Client Error.\nCannot access gated repo for url https://huggingface.co/datasets/org/data/resolve/main/x.parquet.");
        assert_eq!(d.details["repo_url"], "https://huggingface.co/datasets/org/data");
    }

    #[test]
    fn retry_after_is_extracted() {
        let d = run("429 Too Many Requests: you have reached your 'api' rate limit.\nRetry after 42 seconds (0/500 requests remaining in current 300s window).");
        assert_eq!(d.cause, Cause::RateLimited);
        assert_eq!(d.details["retry_after"], "42");
        assert!(d.fix.contains("42"));
    }

    #[test]
    fn a_socket_timeout_is_the_connects_only_just_below_a_connect_frame() {
        let frame = "  File \"/env/lib/python3.9/site-packages/urllib3/connection.py\", line 174, in _new_conn";
        let d = run(&format!("{frame}\n    sock.connect(sa)\nsocket.timeout: timed out"));
        assert_eq!((d.cause, d.rule.as_deref()), (Cause::NetworkBlocked, Some("connect-frame")));
        // Far below (another traceback), the frame says nothing of this timeout.
        let d = run(&format!("{frame}\n{}socket.timeout: timed out", "x\n".repeat(12)));
        assert_eq!(d.cause, Cause::Stalled);
        // A read timeout names its phase itself, frame or not.
        let d = run(&format!("{frame}\nurllib3.exceptions.ReadTimeoutError: HTTPSConnectionPool(host='huggingface.co', port=443): Read timed out. (read timeout=10)"));
        assert_eq!(d.cause, Cause::Stalled);
    }

    #[test]
    fn a_context_line_is_never_the_cause_and_only_turns_the_hint_it_explains() {
        assert_eq!(run("Login successful").cause, Cause::Unknown);
        let bare = "requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/org/m/resolve/main/config.json";
        let d = run(&format!("Login successful\n{bare}"));
        assert_eq!((d.cause, d.rule.as_deref()), (Cause::TokenInvalid, Some("login-succeeded")));
        // A stated failure is not re-read: a gated repo after a login is still the licence.
        let gated = "huggingface_hub.errors.GatedRepoError: 403 Client Error. Cannot access gated repo for url https://huggingface.co/org/m/resolve/main/config.json.";
        assert_eq!(run(&format!("Login successful\n{gated}")).cause, Cause::AuthRequired);
    }

    #[test]
    fn nothing_matching_is_unknown_with_a_next_step() {
        let d = run("all good\nstill fine");
        assert_eq!(d.cause, Cause::Unknown);
        assert!(d.fix.contains("HF_DEBUG=1"));
    }

    #[test]
    fn tokens_are_redacted_from_evidence() {
        let tok = format!("hf_{}", "a".repeat(34));
        let d = run(&format!("requests.exceptions.InvalidHeader: Invalid leading whitespace, reserved character(s), or return character(s) in header value: 'Bearer {tok}\\n'"));
        assert_eq!(d.cause, Cause::TokenInvalid);
        assert!(!d.evidence.join("\n").contains(&tok));
    }

    fn run_in(ctx: &Context, lines: &str) -> Diagnosis {
        let cat = Catalogue::builtin();
        let mut c = Collector::new();
        for l in lines.lines() {
            c.observe(&cat, l.as_bytes());
        }
        c.diagnose(&cat, ctx)
    }

    #[test]
    fn a_bare_401_with_a_token_in_effect_is_the_token() {
        use crate::facts::token::{Token, TokenSource};
        let line = "requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/org/public/resolve/main/config.json";
        assert_eq!(run(line).cause, Cause::AuthRequired, "no context: gated, private or missing");
        let mut ctx = Context { endpoint: OFFICIAL.into(), live: true, ..Context::default() };
        assert_eq!(run_in(&ctx, line).cause, Cause::AuthRequired, "live, no token: the repo wants one");
        let expired = format!("hf_{}00", "expired".repeat(4)); // built at run time: no token-shaped literal
        ctx.token = Token::from_raw(TokenSource::Env("HF_TOKEN"), &expired);
        let d = run_in(&ctx, line);
        assert_eq!((d.cause, d.rule.as_deref()), (Cause::TokenInvalid, Some("context-401-with-token")));
        // A gated repo's own wording is not a bare 401.
        assert_eq!(run_in(&ctx, "huggingface_hub.errors.GatedRepoError: 401 Client Error.").cause, Cause::AuthRequired);
        // git does not send HF_TOKEN: its 401 says nothing about the token.
        let git = "fatal: unable to access 'https://huggingface.co/org/gated/': The requested URL returned error: 401";
        assert_eq!(run_in(&ctx, git).cause, Cause::AuthRequired);
    }

    #[test]
    fn a_refusal_of_a_command_that_writes_is_not_a_download() {
        let ctx = Context { endpoint: OFFICIAL.into(), live: true, writes: true, ..Context::default() };
        for line in [
            "remote: Invalid username or password.",
            "fatal: Authentication failed for 'https://huggingface.co/acme/m/'",
            "requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/api/whoami-v2",
            "huggingface_hub.errors.RepositoryNotFoundError: 404 Client Error. Repository Not Found for url: https://huggingface.co/api/models/acme/m.",
        ] {
            assert_ne!(run(line).cause, Cause::NotADownload, "without the command: {line}");
            let d = run_in(&ctx, line);
            assert_eq!((d.cause, d.rule.as_deref()), (Cause::NotADownload, Some("context-write-command")), "{line}");
            assert_eq!(d.recovery, Recovery::None);
            assert!(d.fix.contains("write access") && d.fix.contains("git credential reject"), "{}", d.fix);
        }
        // Not every failure of an upload is a refusal: a full disk, a 429 keep their cause.
        assert_eq!(run_in(&ctx, "OSError: [Errno 28] No space left on device").cause, Cause::DiskFull);
        assert_eq!(
            run_in(&ctx, "429 Client Error: Too Many Requests for url: https://huggingface.co/api/models/acme/m").cause,
            Cause::RateLimited
        );
    }

    #[test]
    fn a_windows_path_in_pythons_repr_is_shown_as_typed() {
        let d = run(r"PermissionError: [WinError 5] Access is denied: 'C:\\Users\\u\\.cache\\huggingface\\hub'");
        assert_eq!(d.details.get("path").map(String::as_str), Some(r"C:\Users\u\.cache\huggingface\hub"), "{d:?}");
        // A POSIX path keeps every character.
        let d = run(r"PermissionError: [Errno 13] Permission denied: '/data/a\\b'");
        assert_eq!(d.details.get("path").map(String::as_str), Some(r"/data/a\\b"), "{d:?}");
    }

    #[test]
    fn the_configured_endpoint_on_loopback_is_the_hub() {
        let line = "curl: (7) Failed to connect to 127.0.0.1 port 8080 after 0 ms: Connection refused";
        assert_eq!(run(line).cause, Cause::Unknown, "a local service, as far as a saved log tells");
        let ctx = Context { endpoint: "http://127.0.0.1:8080".into(), live: true, ..Context::default() };
        assert_eq!(run_in(&ctx, line).cause, Cause::NetworkBlocked);
    }

    #[test]
    fn levels_then_explains_then_the_final_exception() {
        // A hint (bare 401) next to a stated failure (404 RepositoryNotFound): the failure.
        let d = run("requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/x/y/resolve/main/a\nhuggingface_hub.errors.RepositoryNotFoundError: 401 Client Error.");
        assert_eq!(d.cause, Cause::NotFound);
        // Offline mode explains the unreachable Hub even when it is printed first.
        let d = run("huggingface_hub.errors.OfflineModeIsEnabled: Cannot reach https://huggingface.co/api/models/a/b: offline mode is enabled.\nrequests.exceptions.ConnectionError: [Errno 111] Connection refused");
        assert_eq!(d.cause, Cause::OfflineMode);
        // Incomparable causes (a gated repo, an unreachable Hub): the final exception wins over a
        // later plain line; without exceptions, the later record.
        let gated = "huggingface_hub.errors.GatedRepoError: 401 Client Error. (Request ID: Root=1-x)";
        let dns = "fatal: unable to access 'https://huggingface.co/x/y/': Could not resolve host: huggingface.co";
        assert_eq!(run(&format!("{gated}\n{dns}")).cause, Cause::AuthRequired);
        let restricted =
            "Access to model x/y is restricted. You must have access to it and be authenticated to access it.";
        assert_eq!(run(&format!("{dns}\n{restricted}")).cause, Cause::AuthRequired);
        assert_eq!(run(&format!("{restricted}\n{dns}")).cause, Cause::NetworkBlocked);
    }

    #[test]
    fn links_come_from_the_configured_hub_never_from_the_output() {
        let d = run("huggingface_hub.errors.HfHubHTTPError: 401 Client Error: Unauthorized for url: https://evil.example/api/whoami-v2 (Invalid credentials in Authorization header). Create a new token at https://evil.example/settings/tokens");
        assert_eq!(d.cause, Cause::TokenInvalid);
        assert!(d.fix.contains("https://huggingface.co/settings/tokens"), "{}", d.fix);
        assert!(!d.fix.contains("evil.example/settings"), "{}", d.fix);
        let d = run("huggingface_hub.utils._errors.GatedRepoError: 403 Client Error.\nCannot access gated repo for url https://evil.example/org/m/resolve/main/x.bin.\nAccess to model org/m is restricted. Visit https://evil.example/org/m to ask for access.");
        assert_eq!(d.cause, Cause::AuthRequired);
        assert_eq!(d.details["repo_url"], "https://huggingface.co/org/m");
        assert!(!d.fix.contains("evil"), "{}", d.fix);
        let cat = Catalogue::builtin();
        let mut c = Collector::new();
        c.observe(&cat, b"Cannot access gated repo for url http://127.0.0.1:9/org/m/resolve/main/x.bin.");
        let ctx = Context { hub: "http://127.0.0.1:8000".into(), ..Context::for_explain() };
        assert!(c.diagnose(&cat, &ctx).fix.contains("http://127.0.0.1:8000/org/m"));
    }

    #[test]
    fn render_fills_and_falls_back() {
        let mut f = BTreeMap::new();
        f.insert("repo".to_string(), "a/b".to_string());
        assert_eq!(render("{repo} at {repo_url} {not a field}", &f), "a/b at the repo's page on the Hub {not a field}");
    }

    #[test]
    fn a_missing_value_after_its_own_noun_is_left_out() {
        let none = BTreeMap::new();
        assert_eq!(render("The repo {repo} was not found.", &none), "The repo was not found.");
        assert_eq!(render("The cache lock {path} stays taken.", &none), "The cache lock stays taken.");
        assert_eq!(render("Access to {repo} is gated.", &none), "Access to the repo is gated.");
        let mut f = BTreeMap::new();
        f.insert("repo".to_string(), "a/b".to_string());
        assert_eq!(render("The repo {repo} was not found.", &f), "The repo a/b was not found.");
    }
}
