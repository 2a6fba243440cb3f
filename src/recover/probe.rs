//! Ask the Hub when the output cannot tell.
//!
//! `hf` 2.x prints one line for every gated case. When a token was in effect
//! (so the user already sends it to this endpoint), one read-only call through
//! the client's own Python and huggingface_hub (`whoami`, then `auth_check` of
//! the repo) says which case it is: token invalid or expired, access request
//! pending, licence not accepted, fine-grained token without gated-repo
//! scope. A failed probe changes nothing.
//!
//! What the probe may do is narrow (issue 10, item 2):
//! - it goes only to a trusted endpoint (the official Hub or a `--trust-endpoint`), given to
//!   `HfApi(endpoint=…)` as its parsed base URL, never to a mirror hfwrap switched to;
//! - it sends exactly the token in effect, handed over on stdin (never argv, never an inherited
//!   variable or token file: the probe's `HF_HOME` and `HF_TOKEN_PATH` are in an empty
//!   directory of its own, and implicit tokens are off); a token the command got with `--token`
//!   stays with the command;
//! - the interpreter runs isolated (`python -I -B`: no current directory, `PYTHON*` variables or
//!   user site on `sys.path`) from that fresh directory, with only the environment it needs
//!   (PATH, HOME, locale, proxy and CA variables), so a `json.py` in a cloned repo never runs;
//! - it is bounded ([`TIMEOUT`]) and called off when a signal comes, so Ctrl-C during it is an
//!   interrupt.

use crate::facts::context::ChildEnv;
use crate::facts::endpoint::Endpoint;
use crate::facts::subprocess;
use crate::facts::token::{Token, TokenSource};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The whole probe (interpreter start, `whoami`, `auth_check`) gets this long.
pub const TIMEOUT: Duration = Duration::from_secs(15);

/// Variables of the child's environment the probe keeps: what finding Python and reaching the
/// endpoint need. Nothing token-related is among them.
const KEPT: [&str; 21] = [
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "TMPDIR",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

const SCRIPT: &str = r#"
import json, os, sys
out = {}
try:
    token = sys.stdin.readline().strip()
    if len(sys.argv) > 3 and sys.argv[3] not in sys.path:
        sys.path.append(sys.argv[3])
    from huggingface_hub import HfApi
    try:
        from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError, HfHubHTTPError
    except ImportError:
        from huggingface_hub.utils import GatedRepoError, RepositoryNotFoundError, HfHubHTTPError
    api = HfApi(endpoint=os.environ["HFWRAP_PROBE_ENDPOINT"], token=token)
    try:
        api.whoami(token=token)
        out["token"] = "valid"
    except HfHubHTTPError as e:
        code = getattr(getattr(e, "response", None), "status_code", None)
        out["token"] = "invalid" if code == 401 else "unknown"
    if out.get("token") == "valid" and len(sys.argv) > 2 and sys.argv[1]:
        try:
            api.auth_check(sys.argv[1], repo_type=sys.argv[2], token=token)
            out["access"] = "granted"
        except GatedRepoError as e:
            out["access"] = "gated"
            out["message"] = " ".join(str(e).split())[:600]
        except RepositoryNotFoundError:
            out["access"] = "not_found"
except Exception as e:
    out["error"] = type(e).__name__
print(json.dumps(out))
"#;

/// What the Hub said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    TokenInvalid,
    RequestPending,
    TokenScope,
    LicenceNotAccepted,
    AccessGranted,
    RepoNotFound,
}

/// What to ask, and of whom.
pub struct Question<'a> {
    /// The Python of the client (its huggingface_hub is what the probe imports).
    pub interpreter: &'a Path,
    /// Where that huggingface_hub is installed, when it is outside the interpreter's own paths.
    pub site: Option<&'a Path>,
    /// The child's environment (only [`KEPT`] variables of it reach the probe).
    pub env: &'a ChildEnv,
    /// A trusted endpoint (the caller checked).
    pub endpoint: &'a Endpoint,
    /// The token in effect.
    pub token: &'a Token,
    pub repo: Option<&'a str>,
    pub repo_type: &'a str,
}

/// Why there is no verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoVerdict {
    /// The probe may not run (a `--token` token, an empty one).
    NotAllowed,
    /// It ran (or tried to) and could not tell.
    Unknown,
    /// A signal came while it ran: it was killed.
    Interrupted,
}

/// The probe's command: interpreter, flags, script, arguments, environment and directory.
fn command(q: &Question, dir: &Path) -> Command {
    let mut cmd = Command::new(q.interpreter);
    cmd.args(["-I", "-B", "-c", SCRIPT]);
    cmd.arg(q.repo.unwrap_or("")).arg(q.repo_type);
    if let Some(site) = q.site {
        cmd.arg(site);
    }
    cmd.env_clear().current_dir(dir);
    for name in KEPT {
        if let Some(v) = q.env.get(std::ffi::OsStr::new(name)) {
            cmd.env(name, v);
        }
    }
    cmd.env("HFWRAP_PROBE_ENDPOINT", q.endpoint.base())
        .env("HF_ENDPOINT", q.endpoint.base())
        .env("HF_HOME", dir)
        .env("HF_TOKEN_PATH", dir.join("token"))
        .env("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")
        .env("HF_HUB_DISABLE_TELEMETRY", "1")
        .env("HF_HUB_DISABLE_UPDATE_CHECK", "1");
    cmd
}

/// Ask the Hub; `cancel` is asked while the probe runs and ends it when true.
pub fn ask(q: &Question, cancel: &dyn Fn() -> bool) -> Result<Verdict, NoVerdict> {
    if q.token.source == TokenSource::Argument || q.token.secret().is_empty() {
        return Err(NoVerdict::NotAllowed);
    }
    let dir = tempfile::Builder::new().prefix("hfwrap-probe-").tempdir().map_err(|_| NoVerdict::Unknown)?;
    let input = format!("{}\n", q.token.secret());
    let out = match subprocess::run_with(&mut command(q, dir.path()), TIMEOUT, Some(input.as_bytes()), cancel) {
        Ok(out) => out,
        Err(subprocess::Error::Cancelled) => return Err(NoVerdict::Interrupted),
        Err(_) => return Err(NoVerdict::Unknown),
    };
    let text = out.stdout_text();
    let v: serde_json::Value =
        text.lines().last().and_then(|l| serde_json::from_str(l).ok()).ok_or(NoVerdict::Unknown)?;
    interpret(&v).ok_or(NoVerdict::Unknown)
}

fn interpret(v: &serde_json::Value) -> Option<Verdict> {
    match v.get("token").and_then(|t| t.as_str()) {
        Some("invalid") => return Some(Verdict::TokenInvalid),
        Some("valid") => {}
        _ => return None,
    }
    match v.get("access").and_then(|a| a.as_str())? {
        "granted" => Some(Verdict::AccessGranted),
        "not_found" => Some(Verdict::RepoNotFound),
        "gated" => {
            let m = v.get("message").and_then(|m| m.as_str()).unwrap_or("").to_ascii_lowercase();
            Some(if m.contains("awaiting") || m.contains("pending") {
                Verdict::RequestPending
            } else if m.contains("fine-grained") || m.contains("scope") || m.contains("permission") {
                Verdict::TokenScope
            } else {
                Verdict::LicenceNotAccepted
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::ffi::OsString;

    #[test]
    fn reads_the_hubs_answer() {
        assert_eq!(interpret(&json!({"token": "invalid"})), Some(Verdict::TokenInvalid));
        assert_eq!(
            interpret(
                &json!({"token": "valid", "access": "gated", "message": "Your request to access model a/b is awaiting a review from the repo authors."})
            ),
            Some(Verdict::RequestPending)
        );
        assert_eq!(
            interpret(
                &json!({"token": "valid", "access": "gated", "message": "Access to model a/b is restricted and you are not in the authorized list."})
            ),
            Some(Verdict::LicenceNotAccepted)
        );
        assert_eq!(
            interpret(
                &json!({"token": "valid", "access": "gated", "message": "This fine-grained token does not have access to public gated repositories"})
            ),
            Some(Verdict::TokenScope)
        );
        assert_eq!(interpret(&json!({"error": "ImportError"})), None);
    }

    fn question<'a>(env: &'a ChildEnv, endpoint: &'a Endpoint, token: &'a Token, py: &'a Path) -> Question<'a> {
        Question { interpreter: py, site: None, env, endpoint, token, repo: Some("org/m"), repo_type: "model" }
    }

    #[test]
    fn the_probe_is_isolated_and_carries_no_inherited_token() {
        let env: ChildEnv = [
            ("PATH", "/usr/bin"),
            ("HF_TOKEN", "inherited-a"),
            ("HUGGING_FACE_HUB_TOKEN", "inherited-b"),
            ("HF_TOKEN_PATH", "/home/u/tok"),
            ("GIT_CONFIG_VALUE_0", "Authorization: Bearer inherited-c"),
            ("PYTHONPATH", "."),
            ("HTTPS_PROXY", "http://p:3128"),
        ]
        .iter()
        .map(|(k, v)| (OsString::from(k), OsString::from(v)))
        .collect();
        let endpoint = Endpoint::parse("http://127.0.0.1:8000/").unwrap();
        let token = Token::from_raw(TokenSource::Env("HF_TOKEN"), "in-effect").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cmd = command(&question(&env, &endpoint, &token, Path::new("python3")), dir.path());
        let args: Vec<String> = cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        assert_eq!(&args[..2], ["-I", "-B"]);
        assert!(args.iter().all(|a| !a.contains("in-effect") && !a.contains("inherited")), "{args:?}");
        assert_eq!(cmd.get_current_dir(), Some(dir.path()));
        let vars: Vec<(String, String)> = cmd
            .get_envs()
            .filter_map(|(k, v)| Some((k.to_string_lossy().into_owned(), v?.to_string_lossy().into_owned())))
            .collect();
        let get = |k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert!(vars.iter().all(|(_, v)| !v.contains("inherited") && !v.contains("in-effect")), "{vars:?}");
        assert_eq!(get("HF_ENDPOINT"), Some("http://127.0.0.1:8000"));
        assert_eq!(get("HF_HUB_DISABLE_IMPLICIT_TOKEN"), Some("1"));
        assert_eq!(get("HF_TOKEN_PATH"), Some(dir.path().join("token").to_str().unwrap()));
        assert_eq!(get("HTTPS_PROXY"), Some("http://p:3128"));
        assert_eq!(get("PYTHONPATH"), None);
        assert_eq!(get("HF_TOKEN"), None);
    }

    #[test]
    fn a_token_from_the_command_line_is_never_probed() {
        let env = ChildEnv::new();
        let endpoint = Endpoint::parse("https://huggingface.co").unwrap();
        let token = Token::from_raw(TokenSource::Argument, "from-argv").unwrap();
        let q = question(&env, &endpoint, &token, Path::new("/definitely/not/python"));
        assert_eq!(ask(&q, &|| false), Err(NoVerdict::NotAllowed));
    }
}
