//! HTTP statuses and the hosts a record names, with the host's role.
//!
//! A status is read only where a client prints one as a status (`429 Client Error`, `HTTP Error
//! 429`, `status=429`, `status code 429`, `Status(429`, `HTTP/1.1 429`, `returned error: 429`,
//! `(429 Too Many Requests)`, `GET failed (429)`, `request /api/x - 429`), never from a number
//! inside a URL or a hash. Hosts come from URLs and from the places clients name them
//! (`host='…'`, `Connecting to … (…)`, `Failed to connect to … port`, `lookup …: no such host`,
//! `connecting to localhost:6379`).

use super::{rb, text_of};
use regex::bytes::Regex;
use std::sync::OnceLock;

/// Who a host is, as far as the record and the configured endpoint tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// huggingface.co, hf.co, their API and web hosts; or the configured endpoint.
    Hub,
    /// cdn-lfs*.huggingface.co, cdn-lfs*.hf.co and other CDN hosts of the Hub.
    Cdn,
    /// The Xet storage hosts (cas-bridge.xethub.hf.co, cas-server…, transfer.xethub.hf.co).
    Xet,
    /// A known public mirror of the Hub (hf-mirror.com), or the configured endpoint when it is not the Hub.
    Mirror,
    /// Named as the proxy that failed.
    Proxy,
    /// Loopback or a private address: the configured endpoint, a proxy, or an unrelated local service.
    Local,
    /// Anything else: not the Hub.
    Other,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Hub => "hub",
            Role::Cdn => "cdn",
            Role::Xet => "xet",
            Role::Mirror => "mirror",
            Role::Proxy => "proxy",
            Role::Local => "local",
            Role::Other => "other",
        }
    }

    pub const NAMES: &'static [&'static str] = &["hub", "cdn", "xet", "mirror", "proxy", "local", "other", "none"];

    /// A host hfwrap may call "the Hub" in a diagnosis (its traffic is what failed).
    pub fn is_hubs(self) -> bool {
        matches!(self, Role::Hub | Role::Cdn | Role::Xet | Role::Mirror | Role::Proxy)
    }
}

/// One host named in a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// Lower-cased, without port or userinfo.
    pub name: String,
    pub port: Option<u16>,
    pub role: Role,
    /// The URL it came from has a Hub-shaped path (`/api/models/…`, `/…/resolve/…`, `/org/repo.git`, `/info/lfs`).
    pub hub_path: bool,
    /// What the request to this host was for, as far as its URL tells.
    pub purpose: Purpose,
    /// The URL asks for a file of a model repo named without an owner (`/bac_model/resolve/…`):
    /// every gated or private repo has one, and a legacy id (`gpt2`) redirects, so a 401 there is
    /// a repo that does not exist (a local folder's name taken as a repo id).
    pub ownerless_repo: bool,
}

/// What a request was for. hfwrap recovers downloads; a refused upload or inference call is a
/// different job (a write token, an org's rights, a provider's permission), whatever it prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Purpose {
    /// Reading: file resolution, the repo API, git fetches, or a URL that says nothing else.
    #[default]
    Download,
    /// A change to the Hub: creating, uploading, committing, deleting, a repo's settings, a push.
    Write,
    /// A model call through the Hub's inference router or an inference endpoint.
    Inference,
}

impl Purpose {
    pub const NAMES: &'static [&'static str] = &["download", "write", "inference"];

    pub fn name(self) -> &'static str {
        match self {
            Purpose::Download => "download",
            Purpose::Write => "write",
            Purpose::Inference => "inference",
        }
    }
}

/// The purpose of a request to `name` for `path` (query included). Only the Hub's own API
/// shapes count as writes: the same words elsewhere are another service's.
pub fn purpose_of(name: &str, path: &str) -> Purpose {
    static WRITE: OnceLock<Regex> = OnceLock::new();
    let n = name.trim_end_matches('.');
    let under = |d: &str| n == d || n.ends_with(&format!(".{d}"));
    if n == "router.huggingface.co" || n == "api-inference.huggingface.co" || under("endpoints.huggingface.cloud") {
        return Purpose::Inference;
    }
    // The Hub's storage takes uploads on links it signs for a `PutObject`, and its LFS upload
    // buckets (`hf-hub-lfs-us-east-1.s3-accelerate.amazonaws.com`) serve no downloads.
    let lfs_upload_bucket = n.starts_with("hf-hub-lfs-") && n.ends_with(".amazonaws.com");
    let signed_put = path.contains("x-id=PutObject") && (n.ends_with(".amazonaws.com") || role_of(n).is_hubs());
    if lfs_upload_bucket || signed_put {
        return Purpose::Write;
    }
    if other_service(n) {
        return Purpose::Download;
    }
    let write = rb(
        &WRITE,
        concat!(
            r"^/api/(?:repos/(?:create|delete|move)(?:[/?]|$)",
            r"|(?:models|datasets|spaces)/[\w.-]+/[\w.-]+/(?:preupload|commit|settings|branch|tag|discussions|super-squash|xet-write-token|hardware|restart|sleeptime|secrets|variables|duplicate|pause|storage)(?:[/?]|$))",
            r"|^/(?:(?:datasets|spaces)/)?[\w.-]+/[\w.-]+?(?:\.git)?/(?:git-receive-pack|info/refs\?service=git-receive-pack)"
        ),
    );
    if write.is_match(path.as_bytes()) {
        Purpose::Write
    } else {
        Purpose::Download
    }
}

/// Hosts kept per record.
const MAX_HOSTS: usize = 6;
/// Statuses kept per record.
const MAX_STATUSES: usize = 4;

/// The role of a host name by itself (the endpoint is taken into account later, see `Facts::resolve`).
pub fn role_of(name: &str) -> Role {
    let n = name.trim_end_matches('.');
    let under = |d: &str| n == d || n.ends_with(&format!(".{d}"));
    if under("xethub.hf.co") || n.starts_with("cas-") && under("hf.co") {
        return Role::Xet;
    }
    if (under("huggingface.co") || under("hf.co")) && n.starts_with("cdn") {
        return Role::Cdn;
    }
    // A Space's own host (`org-app.hf.space`) is Hugging Face's too: unreachable, it is the Hub
    // that cannot be reached. (Trust is decided elsewhere: no token goes to a Space's host.)
    if under("huggingface.co") || under("hf.co") || under("hf.space") {
        return Role::Hub;
    }
    if under("hf-mirror.com") {
        return Role::Mirror;
    }
    if is_local(n) {
        return Role::Local;
    }
    Role::Other
}

/// The Hub's LFS storage on S3 as its signed links name it: path-style
/// (`s3.us-east-1.amazonaws.com/lfs.huggingface.co/repos/…`; before the Hub, transformers' and
/// datasets' own `/models.huggingface.co/` and `/datasets.huggingface.co/`), virtual-hosted
/// (`lfs.huggingface.co.s3.amazonaws.com`) and its upload buckets (`hf-hub-lfs-us-east-1.…`). A
/// 5xx or a refusal there is the Hub's storage answering, not another service.
fn hub_storage_bucket(name: &str, path: &str) -> bool {
    name.ends_with(".amazonaws.com")
        && (["/lfs.huggingface.co/", "/models.huggingface.co/", "/datasets.huggingface.co/"]
            .iter()
            .any(|b| path.starts_with(b))
            || name.starts_with("lfs.huggingface.co.")
            || name.starts_with("hf-hub-lfs-"))
}

fn is_local(n: &str) -> bool {
    if n == "localhost" || n.ends_with(".localhost") || n == "::1" || n == "[::1]" {
        return true;
    }
    let parts: Vec<u8> = n.split('.').filter_map(|p| p.parse::<u8>().ok()).collect();
    if parts.len() != 4 || n.split('.').count() != 4 {
        return false;
    }
    matches!(parts[..], [127, ..] | [10, ..] | [192, 168, ..] | [0, 0, 0, 0])
        || parts[0] == 172 && (16..32).contains(&parts[1])
}

/// A server's own access log line (`127.0.0.1:5000 - "GET /ui/ HTTP/1.1" 404 Not Found`, as
/// uvicorn, gunicorn or nginx print it): the statuses are what that server answered its
/// clients, not what the Hub answered this download.
pub fn is_access_log(text: &str) -> bool {
    static ACCESS: OnceLock<Regex> = OnceLock::new();
    rb(&ACCESS, r#""(?:GET|POST|HEAD|PUT|DELETE|PATCH|OPTIONS) /\S* HTTP/\d(?:\.\d)?" \d{3}(?-u:\b)"#)
        .is_match(text.as_bytes())
}

/// Statuses (400–599) a record states, in order, without duplicates.
pub fn statuses(text: &str) -> Vec<u16> {
    static STATUS: OnceLock<Regex> = OnceLock::new();
    let status = rb(
        &STATUS,
        concat!(
            r"(?i)(?:",
            r"(?-u:\b)(?:status(?:[ _]?code)?|response[ _]code)\s*[=:]?\s*\(?(?P<a>\d{3})(?-u:\b)",
            r"|(?-u:\b)HTTP(?:/\d(?:\.\d)?)?\s+(?:Error\s+|code\s+)?(?P<b>\d{3})(?-u:\b)",
            r"|(?-u:\b)(?P<c>\d{3})\s+(?:Client|Server)\s+Error(?-u:\b)",
            r"|(?-u:\b)(?P<d>[45]\d\d)[ :]+\(?(?:Too Many Requests|Service (?:Temporarily )?Unavailable|Bad Gateway|Gateway Time-?out|Internal Server Error|Unauthorized|Forbidden|Not Found|Proxy Authentication Required|Range Not Satisfiable|Request Timeout)(?-u:\b)",
            r"|(?-u:\b)returned error:?\s*(?P<e>\d{3})(?-u:\b)",
            r"|(?-u:\b)(?:GET|HEAD|POST|PUT)\s+(?:request\s+)?failed\W{1,12}(?:status\W{1,3})?(?P<f>\d{3})(?-u:\b)",
            r"|(?-u:\b)(?:request|requesting|fetch(?:ing)?)\s+\S+\s+[-:]\s+(?P<g>[45]\d\d)(?:\s|$|\.|,)",
            r"|(?-u:\b)error[ :]\s*(?P<h>[45]\d\d)(?:[:.)\s]|$)",
            r"|\((?:error|status|code)\s+(?P<i>\d{3})\)",
            // .NET's WebException in any locale: `…: (404) Nicht gefunden.`
            r"|:\s*\((?P<j>[45]\d\d)\)\s+\S",
            // A CDN's error page as text (CloudFront: `504 ERROR` above "The request could not
            // be satisfied."): the status alone on its line, before the page's words.
            r"|(?m:(?:^|\s|>)(?P<k>[45]\d\d) ERROR\s*(?:$|</))",
            // Go clients (ollama, registries) print the status before the JSON error body:
            // `pull model manifest: 500: {"errors":[{"code":"INTERNAL_ERROR",…}]}`.
            r#"|(?-u:\b)(?P<l>[45]\d\d):\s*\{"(?:errors?|message|detail)""#,
            // httpx: `Client error '401 Unauthorized' for url …`, `Server error '503 …`.
            r"|(?-u:\b)(?:Client|Server) error '(?P<m>[45]\d\d)(?-u:\b)",
            // An app's own assertion: `Failed to download config.json from https://…/config.json: 401`.
            r"|https?://\S+: (?P<n>[45]\d\d)\s*$",
            // urllib3's retry giving up on statuses: `ResponseError('too many 429 error responses')`.
            r"|(?-u:\b)too many (?P<p>[45]\d\d) error responses",
            // transformers.js for a status it has no words for: `Error (429) occurred while trying to load file`.
            r"|(?-u:\b)Error \((?P<o>[45]\d\d)\) occurred while trying to load file",
            r")"
        ),
    );
    let mut out: Vec<u16> = reason_only_status(text).into_iter().collect();
    for c in status.captures_iter(text.as_bytes()) {
        let Some(m) = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p"]
            .iter()
            .find_map(|n| c.name(n))
        else {
            continue;
        };
        // `Unknown error 524` and `[Errno 524]` are an OS error number strerror could not name
        // (Linux's ENOTSUPP from a lock on Lustre or NFS), not Cloudflare's 524.
        let before = text.as_bytes()[..m.start()].to_ascii_lowercase();
        if before.ends_with(b"unknown error ") || before.ends_with(b"[errno ") {
            continue;
        }
        let Ok(code) = text_of(m).parse::<u16>() else { continue };
        if (400..600).contains(&code) && !out.contains(&code) {
            out.push(code);
            if out.len() >= MAX_STATUSES {
                break;
            }
        }
    }
    out
}

/// Qt's QNetworkReply (Krita, Qt apps) states a status by its reason phrase alone:
/// `Error transferring https://… - server replied: Not Implemented`; so does transformers.js:
/// `Bad gateway error occurred while trying to load file: "https://…"`.
fn reason_only_status(text: &str) -> Option<u16> {
    static QT: OnceLock<Regex> = OnceLock::new();
    let c = rb(
        &QT,
        concat!(
            r"(?i)server replied: (Bad Request|Unauthorized|Forbidden|Not Found|Too Many Requests|Internal Server Error|Not Implemented|Bad Gateway|Service Unavailable|Gateway Time-?out)",
            r"|(?i)(Bad request|Request timeout|Internal server error|Bad gateway|Service unavailable|Gateway timeout) error occurred while trying to load file",
        ),
    )
    .captures(text.as_bytes())?;
    let reason = text_of(c.get(1).or(c.get(2))?).to_ascii_lowercase();
    Some(match reason.as_str() {
        "bad request" => 400,
        "request timeout" => 408,
        "unauthorized" => 401,
        "forbidden" => 403,
        "not found" => 404,
        "too many requests" => 429,
        "internal server error" => 500,
        "not implemented" => 501,
        "bad gateway" => 502,
        "service unavailable" => 503,
        _ => 504,
    })
}

/// The first HTTP method a record names next to a URL or a status.
pub fn method(text: &str) -> Option<&'static str> {
    static METHOD: OnceLock<Regex> = OnceLock::new();
    let m = rb(&METHOD, r"(?-u:\b)(GET|HEAD|POST|PUT)(?:\s+https?://|\s+/|\s+failed|\s+request)")
        .captures(text.as_bytes())?;
    ["GET", "HEAD", "POST", "PUT"].into_iter().find(|k| k.as_bytes() == &m[1])
}

/// The hosts a record names, with their roles (as far as the name tells).
pub fn hosts(text: &str) -> Vec<Host> {
    static URL: OnceLock<Regex> = OnceLock::new();
    static NAMED: OnceLock<Regex> = OnceLock::new();
    let url = rb(
        &URL,
        r#"(?i)https?://(?:[^/\s@'"<>()]*@)?(?P<host>\[[0-9a-f:]+\]|[a-z0-9][a-z0-9.-]*)(?::(?P<port>\d{1,5}))?(?P<path>/[^\s'"<>()\]]*)?"#,
    );
    let named = rb(
        &NAMED,
        concat!(
            r#"(?i)(?:"#,
            r#"host='(?P<h1>[a-z0-9.-]+)'(?:, port=(?P<p1>\d{1,5}))?"#,
            r#"|Connecting to (?P<h2>[a-z0-9.-]+) ?[(|]"#,
            r#"|Failed to connect to (?P<h3>[a-z0-9.-]+) port (?P<p3>\d{1,5})"#,
            r#"|Could not resolve host: (?P<h4>[a-z0-9.-]+)"#,
            r#"|lookup (?P<h5>[a-z0-9.-]+)(?::\d{1,5})?(?: on [^:]+)?: no such host"#,
            r#"|Connection to (?P<h6>[a-z0-9.-]+) timed out"#,
            r#"|connect to host (?P<h7>[a-z0-9.-]+):(?P<p7>\d{1,5})"#,
            r#"|(?:connecting to|refused by|connect to|connection to) (?P<h8>localhost|[a-z0-9-]+(?:\.[a-z0-9-]+)+):(?P<p8>\d{1,5})(?-u:\b)"#,
            r#"|resolve dns name '(?P<h9>[a-z0-9.-]+)(?::\d{1,5})?'"#,
            r#"|(?:server|host) at "(?P<h10>[a-z0-9.-]+)""#,
            // urllib3 2.x's NameResolutionError: `Failed to resolve 'huggingface.co' ([Errno -2] …)`.
            r#"|Failed to resolve '(?P<h11>[a-z0-9.-]+)'"#,
            // git over ssh: `git@github.com: Permission denied (publickey)`, `git@hf.co:org/m`,
            // `ssh: connect to host hf.co port 22: …`, `ssh://git@host/…`.
            r#"|(?-u:\b)git@(?P<h12>[a-z0-9-]+(?:\.[a-z0-9-]+)+)[:/]"#,
            r#"|ssh: connect to host (?P<h13>[a-z0-9.-]+) port (?P<p13>\d{1,5})"#,
            r#"|ssh://(?:[^/\s@'"]*@)?(?P<h14>[a-z0-9-]+(?:\.[a-z0-9-]+)+)"#,
            r#")"#
        ),
    );
    let mut out: Vec<Host> = Vec::new();
    let mut push = |name: &str, port: Option<&str>, path: Option<&str>| {
        let name = name.trim_matches(['[', ']']).trim_end_matches('.').to_ascii_lowercase();
        if name.is_empty() || out.len() >= MAX_HOSTS {
            return;
        }
        let port = port.and_then(|p| p.parse::<u16>().ok());
        // `github.com/org/repo.git` or PyPI's `/simple/torch/` is shaped like a Hub path, but a
        // well-known other service is never a Hub mirror (for each URL of the host, not the first).
        let hub_path = path.is_some_and(hub_shaped) && !other_service(&name) || datasets_script_store(&name, path);
        let ownerless_repo = path.is_some_and(ownerless_repo_file);
        let purpose = path.map_or(Purpose::Download, |p| purpose_of(&name, p));
        if let Some(h) = out.iter_mut().find(|h| h.name == name) {
            h.hub_path |= hub_path;
            h.ownerless_repo |= ownerless_repo;
            if h.purpose == Purpose::Download {
                h.purpose = purpose;
            }
            return;
        }
        let role = match path {
            Some(p) if hub_storage_bucket(&name, p) => Role::Cdn,
            _ => role_of(&name),
        };
        out.push(Host { name, port, role, hub_path, purpose, ownerless_repo });
    };
    static REFERENCE: OnceLock<Regex> = OnceLock::new();
    // Where to report a bug (`… let us know by opening an issue on https://github.com/…`) is a
    // link for the reader, not a request the program made.
    let reference = rb(
        &REFERENCE,
        r"(?i)(?:open(?:ing)? an issue (?:on|at|in)|report (?:it|this|the issue|a bug) (?:on|at|to))\s*:?\s*$",
    );
    for c in url.captures_iter(text.as_bytes()) {
        let start = c.get(0).map_or(0, |m| m.start());
        if reference.is_match(&text.as_bytes()[start.saturating_sub(48)..start]) {
            continue;
        }
        let path = c.name("path").map_or("".into(), text_of);
        // A sentence's full stop after the URL (`… for url: https://…/hardware.`) is not the path's.
        let path = path.trim_end_matches(['.', ',', ';', ':']);
        let Some(host) = c.name("host") else { continue };
        push(&text_of(host), c.name("port").map(text_of).as_deref(), Some(path));
    }
    for c in named.captures_iter(text.as_bytes()) {
        let Some(h) = ["h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8", "h9", "h10", "h11", "h12", "h13", "h14"]
            .iter()
            .find_map(|n| c.name(n))
        else {
            continue;
        };
        let port = ["p1", "p3", "p7", "p8", "p13"].iter().find_map(|n| c.name(n)).map(text_of);
        push(&text_of(h), port.as_deref(), None);
    }
    out
}

/// datasets before 2.0 fetched a dataset's loading script (and its metadata) from the
/// huggingface/datasets repository on GitHub: a request there is part of a Hub download.
fn datasets_script_store(name: &str, path: Option<&str>) -> bool {
    name == "raw.githubusercontent.com" && path.is_some_and(|p| p.starts_with("/huggingface/datasets/"))
}

/// Services a download tool talks to that are never the Hub or a mirror of it: code hosts,
/// package indexes, container registries, other AI APIs.
fn other_service(name: &str) -> bool {
    const SERVICES: &[&str] = &[
        "github.com",
        "githubusercontent.com",
        "gitlab.com",
        "bitbucket.org",
        "pypi.org",
        "pythonhosted.org",
        "pytorch.org",
        "anaconda.org",
        "anaconda.com",
        "docker.io",
        "docker.com",
        "ghcr.io",
        "quay.io",
        "npmjs.org",
        "crates.io",
        "openai.com",
        "anthropic.com",
        "googleapis.com",
        "wandb.ai",
        // Other model registries and APIs an app calls beside the Hub.
        "github.ai",
        "llamameta.net",
        "ollama.ai",
        "ollama.com",
        "modelscope.cn",
        "civitai.com",
        "kaggle.com",
        "replicate.com",
    ];
    SERVICES.iter().any(|d| name == *d || name.strip_suffix(d).is_some_and(|rest| rest.ends_with('.')))
}

/// A path the Hub (or a mirror of it) serves: the API, file resolution, git and git-lfs of a repo.
/// The model ids the Hub had before owners (transformers' first checkpoints): they still resolve
/// (redirected to their organisations), so a 401 there is a refused token, not a missing repo.
const LEGACY_IDS: &[&str] = &[
    "albert-",
    "bert-",
    "camembert-",
    "ctrl",
    "distilbert-",
    "distilgpt2",
    "distilroberta-",
    "gpt2",
    "openai-gpt",
    "roberta-",
    "t5-",
    "transfo-xl-",
    "xlm-",
    "xlnet-",
];

/// `/<name>/resolve/<revision>/<file>`: a model repo's file without an owner in the id (and not
/// one of the [`LEGACY_IDS`]).
fn ownerless_repo_file(path: &str) -> bool {
    let mut parts = path.trim_start_matches('/').split('/');
    let (Some(name), Some(resolve)) = (parts.next(), parts.next()) else { return false };
    resolve == "resolve"
        && !matches!(name, "api" | "datasets" | "spaces" | "models")
        && !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        && !LEGACY_IDS.iter().any(|l| name.starts_with(l))
}

pub fn hub_shaped(path: &str) -> bool {
    static HUB_API: OnceLock<Regex> = OnceLock::new();
    static REPO_PATH: OnceLock<Regex> = OnceLock::new();
    if rb(&HUB_API, r"^/api/(?:models|datasets|spaces|whoami)").is_match(path.as_bytes()) {
        return true;
    }
    // Any other API route (`/api/chat` of a local Ollama, `/v1/completions`) is shaped like
    // `owner/name` but names no repo.
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    !matches!(first, "api" | "v1" | "v2" | "v3")
        && rb(
            &REPO_PATH,
            r"^/(?:(?:datasets|spaces)/)?[\w.-]+/[\w.-]+(?:\.git)?(?:/(?:resolve|info/lfs|info/refs|tree|blob)(?:/|$)|/?$)",
        )
        .is_match(path.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_as_every_layer_prints_them() {
        let cases: &[(&str, &[u16])] = &[
            ("requests.exceptions.HTTPError: 429 Client Error: Too Many Requests for url: https://huggingface.co/x/y/resolve/main/a", &[429]),
            ("Client error '401 Unauthorized' for url 'https://huggingface.co/api/models/a/b'", &[401]),
            ("RuntimeError: HfHubHTTPError: Server error '503 Servi", &[503]),
            ("HTTP Error 429 thrown while requesting HEAD https://huggingface.co/a/b/resolve/main/c", &[429]),
            ("[HttpSkipResponseCommand.cc:239] errorCode=22 The response status is not successful. status=429", &[429]),
            ("Status Code: 503. Retrying...", &[503]),
            ("HTTP request sent, awaiting response... 403 Forbidden", &[403]),
            ("2023-09-19 ERROR 403: Forbidden.", &[403]),
            ("\"GET https://huggingface.co/api/models/x/y HTTP/1.1 401 Unauthorized\"", &[401]),
            ("common_download_file_single_online: HEAD failed, status: 401", &[401]),
            ("get_repo_files: error: GET failed (429): <!DOCTYPE html>", &[429]),
            ("Failed to request /api/whoami-v2 - 429", &[429]),
            ("llama_load_model_from_hf: failed to download model: HTTP 429", &[429]),
            ("Invoke-WebRequest : Der Remoteserver hat einen Fehler zurückgegeben: (404) Nicht gefunden.", &[404]),
            ("Invoke-WebRequest : 远程服务器返回错误: (401) 未经授权。", &[401]),
            ("fatal: unable to access 'https://huggingface.co/a/b/': The requested URL returned error: 503", &[503]),
            ("RequestError(Status(403, Response[status: 403, status_text: Forbidden]))", &[403]),
            ("ConnectionError: Couldn't reach https://huggingface.co/datasets/a/b/resolve/main/c (error 429)", &[429]),
            ("HTTP status client error (429 Too Many Requests) for url (https://huggingface.co/x)", &[429]),
            ("HTTP Request: GET https://huggingface.co/api/models/x/revision/main \"HTTP/1.1 401 Unauthorized\"", &[401]),
            ("System.Net.Http.HttpRequestException: Response status code does not indicate success: 503 (Service Unavailable).", &[503]),
            ("504 ERROR", &[504]),
            ("2023-05-13T10:00:00Z 403 ERROR", &[403]),
            ("<HTML><BODY><H1>503 ERROR</H1>", &[503]),
            ("AssertionError: Failed to download config.json from https://huggingface.co/o/m/resolve/main/config.json: 401", &[401]),
            ("Error: Error (429) occurred while trying to load file: \"https://huggingface.co/o/m/resolve/main/onnx/model.onnx\".", &[429]),
            ("MaxRetryError: HTTPSConnectionPool(host='huggingface.co', port=443): Max retries exceeded with url: /api/models/o/m (Caused by ResponseError('too many 429 error responses'))", &[429]),
            ("Error: Bad gateway error occurred while trying to load file: \"https://huggingface.co/o/m/resolve/main/config.json\".", &[502]),
        ];
        for (text, want) in cases {
            assert_eq!(&statuses(text), want, "{text}");
        }
        for quiet in [
            "https://huggingface.co/org/m/resolve/a429b5c1f0d4290/model.safetensors",
            "Receiving objects: 100% (429/429), 503.12 KiB",
            "redis.exceptions.ConnectionError: Error 111 connecting to localhost:6379. Connection refused.",
            "Fetching 429 files",
            "HTTP/1.1 200 OK",
            "Found 404 ERROR lines in the report",
            "wrote 500 ERROR-free records",
            "Downloading https://huggingface.co/o/m/resolve/main/x.bin: 404 MB",
            "see https://huggingface.co/o/m/discussions/ 404",
        ] {
            assert!(statuses(quiet).is_empty(), "{quiet}: {:?}", statuses(quiet));
        }
    }

    #[test]
    fn hosts_and_roles() {
        let h = hosts("HTTPSConnectionPool(host='cdn-lfs-us-1.hf.co', port=443): Read timed out.");
        assert_eq!((h[0].name.as_str(), h[0].role, h[0].port), ("cdn-lfs-us-1.hf.co", Role::Cdn, Some(443)));
        assert_eq!(role_of("cas-bridge.xethub.hf.co"), Role::Xet);
        assert_eq!(role_of("huggingface.co"), Role::Hub);
        assert_eq!(role_of("router.huggingface.co"), Role::Hub);
        assert_eq!(role_of("cdn-lfs.huggingface.co"), Role::Cdn);
        assert_eq!(role_of("hf-mirror.com"), Role::Mirror);
        assert_eq!(role_of("127.0.0.1"), Role::Local);
        assert_eq!(role_of("172.20.0.3"), Role::Local);
        assert_eq!(role_of("raw.githubusercontent.com"), Role::Other);
        assert_eq!(role_of("huggingface.co.evil.example"), Role::Other);
        let h = hosts("Error 111 connecting to localhost:6379. Connection refused.");
        assert_eq!((h[0].name.as_str(), h[0].role, h[0].port), ("localhost", Role::Local, Some(6379)));
        let h = hosts(
            "fatal: unable to access 'http://127.0.0.1:9/fake-org/tiny-model/': Failed to connect to 127.0.0.1 port 9",
        );
        assert_eq!(h.len(), 1);
        assert!(h[0].hub_path, "{h:?}");
        // Every URL of a well-known service is read as its own, the second as the first.
        let h = hosts("git clone https://github.com/a/b.git fatal: unable to access 'https://github.com/a/b.git/': x");
        assert!(h.len() == 1 && !h[0].hub_path, "{h:?}");
        // git over ssh names its host without a scheme.
        assert_eq!(hosts("git@github.com: Permission denied (publickey).")[0].role, Role::Other);
        assert_eq!(hosts("ssh: connect to host hf.co port 22: Connection timed out")[0].port, Some(22));
        assert_eq!(hosts("git clone git@hf.co:org/m")[0].role, Role::Hub);
        assert_eq!(hosts("ssh://git@hf.co/org/m")[0].name, "hf.co");
        let h = hosts("dial tcp: lookup huggingface.co: no such host");
        assert_eq!(h[0].role, Role::Hub);
        let h = hosts("https://user:secret@huggingface.co/org/m");
        assert_eq!(h[0].name, "huggingface.co");
        // The Hub's LFS storage on S3, path-style; another bucket on the same S3 host is not it.
        let h = hosts("500 Server Error for url: https://s3.us-east-1.amazonaws.com/lfs.huggingface.co/repos/bf/18/x?X-Amz-Date=1");
        assert_eq!(h[0].role, Role::Cdn);
        let h = hosts("500 Server Error for url: https://s3.us-east-1.amazonaws.com/my-bucket/lfs.huggingface.co/x");
        assert_eq!(h[0].role, Role::Other);
        assert_eq!(hosts("https://hf-hub-lfs-us-east-1.s3-accelerate.amazonaws.com/repos/x")[0].role, Role::Cdn);
        assert!(hosts("for url: https://huggingface.co/bac_model/resolve/main/config.json")[0].ownerless_repo);
        assert!(!hosts("for url: https://huggingface.co/org/m/resolve/main/config.json")[0].ownerless_repo);
        assert!(!hosts("for url: https://huggingface.co/datasets/resolve/x")[0].ownerless_repo);
        assert!(!hosts("for url: https://huggingface.co/bert-base-uncased/resolve/main/config.json")[0].ownerless_repo);
    }
}
