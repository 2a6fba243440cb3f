//! The one place that decides what of a secret may be shown: nothing.
//!
//! Two kinds of text leave hfwrap. The child's own output (evidence, captured
//! fields, the report's tail) is untrusted: anything token-shaped and every
//! URL's userinfo is hidden ([`untrusted`]). hfwrap's own lines (notes, fixes,
//! annotations, the report, the step summary) go through a [`Redactor`] that
//! knows every token value of this run and hides those, their cut-off
//! beginnings, Hugging Face token shapes and secret-like URL userinfo, while
//! leaving documentation placeholders such as `http://user:pass@proxy:port`
//! readable. Command lines are redacted word by word ([`argv`]).

use regex::{Captures, Regex};
use std::sync::OnceLock;

/// The shortest known-secret fragment that is still hidden where text was cut.
const MIN_FRAGMENT: usize = 6;

fn regex(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("valid built-in regex"))
}

/// Child text: token shapes (`hf_…`, `api_org_…`, `Bearer X`, `token=X`) and any URL userinfo hidden.
pub fn untrusted(s: &str) -> String {
    // Most text holds nothing token-shaped: skip running the regex for it.
    let lower = s.to_ascii_lowercase();
    if !["hf_", "api_org_", "bearer", "token", "@"].iter().any(|k| lower.contains(k)) {
        return s.to_string();
    }
    static TOKEN: OnceLock<Regex> = OnceLock::new();
    let t = regex(
        &TOKEN,
        r"(?i)(hf_[a-z0-9]{30,}|api_org_[a-z0-9]{30,}|(?:bearer|token)[ =:]+['\x22]?[a-z0-9_\-.]{8,}|://[^/\s@]+@)",
    );
    t.replace_all(s, |c: &Captures| {
        let m = &c[0];
        if m.starts_with("://") {
            "://***:***@".to_string()
        } else if let Some(p) = m.find([' ', '=', ':']) {
            format!("{}***", &m[..=p])
        } else {
            "hf_***".to_string()
        }
    })
    .into_owned()
}

/// Hugging Face tokens and secret-like URL userinfo in hfwrap's own prose. Narrow on purpose:
/// `http://user:pass@proxy:port` in a fix has no long secret-like run and is left alone.
pub fn credentials(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    if !lower.contains("hf_") && !lower.contains("api_org_") && !text.contains('@') {
        return text.to_string();
    }
    static TOKENS: OnceLock<Regex> = OnceLock::new();
    static USERINFO: OnceLock<Regex> = OnceLock::new();
    let tokens = regex(&TOKENS, r"(?:hf|api_org)_[A-Za-z0-9]{30,}");
    let userinfo = regex(&USERINFO, r"://([^/\s@'\x22`<>]+)@");
    let text =
        tokens.replace_all(text, |c: &Captures| if c[0].starts_with("api_org_") { "api_org_***" } else { "hf_***" });
    userinfo
        .replace_all(&text, |c: &Captures| {
            let info = &c[1];
            let secret_like =
                info.split(|ch: char| !ch.is_ascii_alphanumeric() && ch != '_' && ch != '-').any(|run| run.len() >= 16);
            if secret_like || info.contains("***") {
                "://***@".to_string()
            } else {
                c[0].to_string()
            }
        })
        .into_owned()
}

/// Every token value hfwrap knows of in this run. Owned by the reporters, never global.
#[derive(Debug, Default, Clone)]
pub struct Redactor {
    /// Longest first, so a secret that contains another is replaced whole.
    secrets: Vec<String>,
}

impl Redactor {
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Remember `secret`; true when it was new.
    pub fn add(&mut self, secret: &str) -> bool {
        let secret = secret.trim();
        if secret.len() < 4 || self.secrets.iter().any(|k| k == secret) {
            return false;
        }
        self.secrets.push(secret.to_string());
        self.secrets.sort_by_key(|k| std::cmp::Reverse(k.len()));
        true
    }

    pub fn secrets(&self) -> impl Iterator<Item = &str> {
        self.secrets.iter().map(String::as_str)
    }

    /// `text` with every known secret (and a cut-off beginning of one at the end of the text)
    /// replaced by `***`, and Hugging Face credentials hidden even when their value was never known.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = credentials(text);
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "***");
            }
            // A tail cut at N bytes may end in the first part of a secret.
            let max = s.len().min(out.len());
            for n in (MIN_FRAGMENT..max).rev() {
                if s.is_char_boundary(n) && out.ends_with(&s[..n]) {
                    let keep = out.len() - n;
                    out.truncate(keep);
                    out.push_str("***");
                    break;
                }
            }
        }
        out
    }
}

/// Whether `flag` is `--token` or an abbreviation of it that argparse (huggingface-cli 0.x, most
/// Python scripts) accepts: `--tok`, `--toke`, down to `--t` (huggingface-cli 0.25.2's `download`
/// has no other option starting with `--t`, so argparse takes `--t VALUE` as the token).
pub fn is_token_flag(flag: &str) -> bool {
    flag.len() >= 3 && "--token".starts_with(flag)
}

/// A command line with token values hidden: `--token X`, `--token=X` (and their abbreviations),
/// and anything token-shaped.
pub fn argv(words: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len());
    let mut hide_next = false;
    for w in words {
        if hide_next {
            out.push("***".to_string());
            hide_next = false;
        } else if is_token_flag(w) {
            out.push(w.clone());
            hide_next = true;
        } else if let Some((flag, _)) = w.split_once('=').filter(|(f, _)| is_token_flag(f)) {
            out.push(format!("{flag}=***"));
        } else {
            out.push(untrusted(w));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_token() -> String {
        format!("{}_{}", "hf", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7")
    }

    #[test]
    fn credentials_are_hidden_but_prose_is_not() {
        let t = fake_token();
        assert_eq!(credentials(&format!("token {t} here")), "token hf_*** here");
        assert_eq!(
            credentials(
                "Create a new read token at https://FAKEtokenFAKEtokenFAKEtoken0@huggingface.co/settings/tokens"
            ),
            "Create a new read token at https://***@huggingface.co/settings/tokens"
        );
        assert_eq!(credentials("https://user:FAKEtokenFAKEtokenFAKE@huggingface.co/x"), "https://***@huggingface.co/x");
        for prose in [
            "Check the proxy address and credentials (`http://user:pass@proxy:port`)",
            "the token permissions of hf_transfer; mail me@example.com",
            "git@hf.co:org/model",
        ] {
            assert_eq!(credentials(prose), prose);
        }
    }

    #[test]
    fn untrusted_text_loses_every_userinfo_and_token_shape() {
        assert_eq!(untrusted("GET https://bot:pw@example.org/x"), "GET https://***:***@example.org/x");
        assert_eq!(untrusted(&format!("using {}", fake_token())), "using hf_***");
        assert_eq!(untrusted("Authorization: Bearer abcdefgh12345"), "Authorization: Bearer ***");
        assert_eq!(untrusted("nothing here"), "nothing here");
    }

    #[test]
    fn known_secrets_and_their_cut_off_beginnings_are_scrubbed() {
        let mut r = Redactor::new();
        assert!(r.add("s3cr3t-value-for-output-test"));
        assert!(!r.add("s3cr3t-value-for-output-test"));
        assert!(!r.add("abc"), "too short to scrub safely");
        assert_eq!(r.scrub("x s3cr3t-value-for-output-test y"), "x *** y");
        assert_eq!(r.scrub("tail ends in s3cr3t-va"), "tail ends in ***");
        assert_eq!(r.scrub("tail ends in s3cr"), "tail ends in s3cr", "a short fragment is not a secret");
    }

    #[test]
    fn argv_hides_token_values_under_every_spelling() {
        let w: Vec<String> = [
            "hf",
            "download",
            "x",
            "--token",
            "v1",
            "--token=v2",
            "--tok",
            "v3",
            "--toke=v4",
            "--to",
            "v5",
            "--t=v6",
            "--top",
            "5",
            "-t",
            "7",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            argv(&w),
            [
                "hf",
                "download",
                "x",
                "--token",
                "***",
                "--token=***",
                "--tok",
                "***",
                "--toke=***",
                "--to",
                "***",
                "--t=***",
                "--top",
                "5",
                "-t",
                "7"
            ]
        );
    }
}
