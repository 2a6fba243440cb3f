//! Ask the Hub when the output cannot tell.
//!
//! `hf` 2.x prints one line for every gated case. When a token was in effect
//! (so the user already sends it to this endpoint), one read-only call through
//! the client's own Python and huggingface_hub (`whoami`, then `auth_check` of
//! the repo) says which case it is: token invalid or expired, access request
//! pending, licence not accepted, fine-grained token without gated-repo
//! scope. Never toward a mirror hfwrap switched to; short timeout; a failed
//! probe changes nothing.

use crate::facts::context::ChildEnv;
use crate::facts::subprocess;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(15);

const SCRIPT: &str = r#"
import json, sys
out = {}
try:
    from huggingface_hub import HfApi
    try:
        from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError, HfHubHTTPError
    except ImportError:
        from huggingface_hub.utils import GatedRepoError, RepositoryNotFoundError, HfHubHTTPError
    api = HfApi()
    try:
        api.whoami()
        out["token"] = "valid"
    except HfHubHTTPError as e:
        code = getattr(getattr(e, "response", None), "status_code", None)
        out["token"] = "invalid" if code == 401 else "unknown"
    if out.get("token") == "valid" and len(sys.argv) > 1:
        try:
            api.auth_check(sys.argv[1], repo_type=sys.argv[2])
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

/// Run the probe with `interpreter` in the child's environment; `None` when it could not tell.
pub fn ask(interpreter: &Path, env: &ChildEnv, repo: Option<&str>, repo_type: &str) -> Option<Verdict> {
    let mut cmd = Command::new(interpreter);
    cmd.arg("-c").arg(SCRIPT);
    if let Some(r) = repo {
        cmd.arg(r).arg(repo_type);
    }
    cmd.env_clear().envs(env).env("HF_HUB_DISABLE_TELEMETRY", "1").env("HF_HUB_DISABLE_UPDATE_CHECK", "1");
    let out = subprocess::run(&mut cmd, TIMEOUT).ok()?;
    let text = out.stdout_text();
    let v: serde_json::Value = serde_json::from_str(text.lines().last()?).ok()?;
    interpret(&v)
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
}
