//! Doctor's token checks: every source, what is wrong with each in bytes only, which one the
//! clients send and whether it goes to a trusted endpoint.

use super::{shell_quote, truthy, Finding, Own};
use crate::facts::context::ChildEnv;
use crate::facts::endpoint;
use crate::facts::token::{self, Listing, Source, SourceKind, TokenSource, Unusable};

pub(super) fn token_findings(env: &ChildEnv, own: &Own, endpoint: &str, trusted: bool) -> (Vec<Finding>, Vec<String>) {
    let Listing { sources, unusable } = token::list_sources(env, own.token_file.as_deref());
    let mut out: Vec<Finding> = unusable
        .iter()
        .map(|u| match u {
            Unusable::Missing(p) => Finding::warn(
                "token",
                format!("HFWRAP_TOKEN_FILE {} does not exist", p.display()),
                "point HFWRAP_TOKEN_FILE (or --token-file) at an existing token file",
            ),
            Unusable::Unreadable(p) => Finding::warn(
                "token",
                format!("token file {} cannot be read (or is not a small regular file)", p.display()),
                format!("make {} a readable file holding only the token", p.display()),
            ),
        })
        .collect();

    let implicit_off = truthy(env, "HF_HUB_DISABLE_IMPLICIT_TOKEN");
    let winner = token::in_effect(env, &[]);
    let secrets = token::secret_forms(&sources);
    let winner_is = |s: &Source| winner.as_ref().is_some_and(|t| s.is_source_of(t));
    let winner_label = sources.iter().find(|s| winner_is(s)).map(|s| s.label.clone());

    for s in &sources {
        let raw = s.raw.as_slice();
        let problems = token::raw_token_problems(raw);
        let differs_from_winner = s.client_reads
            && !winner_is(s)
            && !implicit_off
            && !token::blank(raw)
            && winner.as_ref().is_some_and(|w| w.secret() != token::cleaned(raw));
        let role = if winner_is(s) {
            "in effect".to_string()
        } else if !s.client_reads {
            if s.own {
                "hfwrap's --token-file: given to the client only after an auth failure, only to hf/huggingface-cli download and git clone (other programs with --inject-token-into-programs), and only toward a trusted endpoint".into()
            } else {
                format!("{}; hfwrap may inject it after an auth failure toward a trusted endpoint", s.note)
            }
        } else if token::blank(raw) {
            "ignored by the clients".into()
        } else if implicit_off {
            "not sent: HF_HUB_DISABLE_IMPLICIT_TOKEN is set".into()
        } else {
            let w = winner_label.as_deref().unwrap_or("another source");
            if differs_from_winner {
                format!("shadowed by {w}, which holds a different token")
            } else {
                format!("shadowed by {w} (same token)")
            }
        };
        let size = format!("{} bytes", raw.len());
        let message = if problems.is_empty() {
            format!("{}: {role}; {size}, no stray whitespace", s.label)
        } else {
            format!("{}: {role}; {size}, {}", s.label, problems.join(", "))
        };
        if problems.is_empty() && differs_from_winner {
            let fix = match winner.as_ref().map(|t| &t.source) {
                Some(TokenSource::Env(n)) => {
                    format!("unset {n} if this file holds the token you want ({n} takes precedence)")
                }
                _ => format!(
                    "make {} and {} hold the same token",
                    winner_label.as_deref().unwrap_or("the token in effect"),
                    s.label
                ),
            };
            out.push(Finding::warn("token", message, fix));
            continue;
        }
        if problems.is_empty() {
            out.push(Finding::ok("token", message));
            continue;
        }
        let blank = token::blank(raw);
        let cleaned_by_client = s.client_reads && !token::survives_cleaning(raw);
        let consequence = if blank {
            if s.client_reads {
                ""
            } else {
                " — nothing to inject"
            }
        } else if cleaned_by_client {
            " — huggingface_hub strips it, but tools that read it verbatim (curl, git, scripts) will not"
        } else {
            " — the token sent will not be the one you meant"
        };
        let fix = match (&s.kind, blank) {
            (SourceKind::Env(n), true) => format!("unset {n} (it is empty)"),
            (SourceKind::Env(n), false) => {
                format!("re-export it without the whitespace: export {n}=\"$(printf %s \"${n}\" | tr -d '[:space:]')\"")
            }
            (SourceKind::File(p), true) => {
                format!("delete the empty file {} or write your token into it (hf auth login)", p.display())
            }
            (SourceKind::File(p), false) => {
                let q = shell_quote(&p.display().to_string());
                format!("rewrite it without the whitespace: printf %s \"$(tr -d '[:space:]' < {q})\" > {q}")
            }
        };
        out.push(Finding::warn("token", format!("{message}{consequence}"), fix));
    }

    // Which one wins, and where it goes.
    if implicit_off {
        let has_token = sources.iter().any(|s| s.client_reads && !token::blank(&s.raw));
        if has_token && trusted {
            out.push(Finding::warn(
                "token",
                "HF_HUB_DISABLE_IMPLICIT_TOKEN=1: the clients send no token from HF_TOKEN or the token file, so gated and private repos fail",
                "unset HF_HUB_DISABLE_IMPLICIT_TOKEN",
            ));
        } else {
            out.push(Finding::ok(
                "token",
                "HF_HUB_DISABLE_IMPLICIT_TOKEN=1: the clients send no token from HF_TOKEN or the token file",
            ));
        }
    } else if let Some(t) = &winner {
        if !trusted {
            out.push(Finding::warn(
                "token",
                format!("the clients will send the token from {} to HF_ENDPOINT {}, which is not the official Hub and not trusted", t.source, endpoint::redact(endpoint)),
                format!("set HF_HUB_DISABLE_IMPLICIT_TOKEN=1 if it must not see your token (or trust it: HFWRAP_TRUST_ENDPOINT={})", endpoint::redact(endpoint)),
            ));
        } else if out.iter().all(|f| f.check != "token" || !f.message.contains("in effect")) {
            out.push(Finding::ok("token", format!("in effect: {}", t.source)));
        }
    } else if sources.iter().all(|s| !s.client_reads) {
        let extra =
            if sources.is_empty() { "" } else { " the clients read (hfwrap may inject one of the files above)" };
        out.push(Finding::ok(
            "token",
            format!("no token{extra}: public repos only; gated and private repos need HF_TOKEN or hf auth login"),
        ));
    }
    (out, secrets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::doctor::Status;
    use std::ffi::OsString;

    #[test]
    fn an_untrusted_endpoint_is_named_without_its_credentials() {
        let d = tempfile::tempdir().unwrap();
        let value = format!("hf_{}", "t".repeat(20));
        let e: ChildEnv = [("HOME", d.path().to_str().unwrap()), ("HF_TOKEN", value.as_str())]
            .iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v)))
            .collect();
        let missing = d.path().join("missing-token");
        let own = Own { token_file: Some(missing.clone()), ..Own::default() };
        let (findings, secrets) = token_findings(&e, &own, "https://bot:s3cret@huggingface.co", false);
        assert!(secrets.contains(&value));
        let first = &findings[0];
        assert_eq!(first.message, format!("HFWRAP_TOKEN_FILE {} does not exist", missing.display()));
        let w = findings.iter().find(|f| f.message.contains("not trusted")).expect("a trust warning");
        assert_eq!(w.status, Status::Warn);
        assert!(w.message.contains("to HF_ENDPOINT https://***@huggingface.co"), "{}", w.message);
        for text in findings.iter().flat_map(|f| [Some(&f.message), f.fix.as_ref()]).flatten() {
            assert!(!text.contains("s3cret") && !text.contains(&value), "{text}");
        }
    }
}
