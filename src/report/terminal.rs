//! hfwrap's own voice: lines prefixed `hfwrap:` on stderr, coloured only on a
//! terminal, never mixed into the child's stdout. The style (colour,
//! countdowns, heartbeats) is decided once, here, from the terminal,
//! `NO_COLOR` (wins), `CLICOLOR_FORCE`, `CLICOLOR=0`, `TERM=dumb` and CI variables.

use crate::diagnose::Diagnosis;
use std::io::{IsTerminal, Write};
use std::sync::{Mutex, OnceLock};

/// How hfwrap talks, decided once per process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub colour: bool,
    /// A live countdown / redrawn status line is allowed (interactive terminal, not CI).
    pub interactive: bool,
    pub ci: Option<Ci>,
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ci {
    GitHub,
    GitLab,
    Other,
}

static STYLE: OnceLock<Style> = OnceLock::new();

impl Style {
    pub fn detect(quiet: bool) -> Style {
        let var = |n: &str| std::env::var_os(n).filter(|v| !v.is_empty());
        let stderr_tty = std::io::stderr().is_terminal();
        let dumb = std::env::var("TERM").map(|t| t == "dumb").unwrap_or(false);
        let ci = if var("GITHUB_ACTIONS").is_some() {
            Some(Ci::GitHub)
        } else if var("GITLAB_CI").is_some() {
            Some(Ci::GitLab)
        } else if var("CI").is_some_and(|v| v != "false" && v != "0") {
            Some(Ci::Other)
        } else {
            None
        };
        let colour = if var("NO_COLOR").is_some() {
            false
        } else if var("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
            true
        } else if var("CLICOLOR").is_some_and(|v| v == "0") {
            false
        } else {
            stderr_tty && !dumb
        };
        Style { colour, interactive: stderr_tty && !dumb && ci.is_none(), ci, quiet }
    }

    pub fn init(quiet: bool) -> Style {
        *STYLE.get_or_init(|| Style::detect(quiet))
    }

    pub fn get() -> Style {
        *STYLE.get_or_init(|| Style::detect(false))
    }
}

fn paint(text: &str, code: &str) -> String {
    if Style::get().colour {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// Every token value hfwrap knows of in this run (see [`add_secrets`]).
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Remember token values so that no line of hfwrap's own (here, in CI annotations, in the step
/// summary) can ever print them, whatever text a diagnosis or a command line carries.
pub fn add_secrets(secrets: &[&str]) {
    let mut known = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    for s in secrets {
        if !s.is_empty() && !known.iter().any(|k| k == s) {
            known.push(s.to_string());
        }
    }
    // Longest first, so a secret that contains another is replaced whole.
    known.sort_by_key(|k| std::cmp::Reverse(k.len()));
}

/// `text` with every known secret replaced by `***`, and with what can only be a credential
/// (see [`hide_credentials`]) hidden even when hfwrap never knew its value.
pub fn scrub(text: &str) -> String {
    let text = hide_credentials(text);
    let known = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    if known.is_empty() {
        return text;
    }
    let refs: Vec<&str> = known.iter().map(|s| s.as_str()).collect();
    crate::facts::token::scrub(&text, &refs)
}

/// Hide Hugging Face tokens (`hf_…`, `api_org_…`) and credentials in URLs (`https://TOKEN@host`,
/// `https://user:TOKEN@host`) — say a fix whose endpoint was taken from a git error line. Narrow on
/// purpose, so hfwrap's own prose survives: a documentation example such as
/// `http://user:pass@proxy:port` has no long secret-like run and is left alone.
pub fn hide_credentials(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    if !lower.contains("hf_") && !lower.contains("api_org_") && !text.contains('@') {
        return text.to_string();
    }
    static TOKENS: OnceLock<regex::Regex> = OnceLock::new();
    static USERINFO: OnceLock<regex::Regex> = OnceLock::new();
    let tokens = TOKENS.get_or_init(|| regex::Regex::new(r"(?:hf|api_org)_[A-Za-z0-9]{30,}").expect("valid regex"));
    let userinfo = USERINFO.get_or_init(|| regex::Regex::new(r"://([^/\s@'\x22`<>]+)@").expect("valid regex"));
    let text = tokens
        .replace_all(text, |c: &regex::Captures| if c[0].starts_with("api_org_") { "api_org_***" } else { "hf_***" });
    userinfo
        .replace_all(&text, |c: &regex::Captures| {
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

/// Each line of `text` as a line of hfwrap's own, `hfwrap:` first. A fix or a field with a line
/// break in it must not start a line of its own: in CI that line could read as a workflow command.
fn emit(text: &str) {
    let text = scrub(text);
    let prefix = paint("hfwrap:", "1;35");
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split(['\n', '\r']).filter(|l| !l.is_empty()) {
        out.push_str(&prefix);
        out.push(' ');
        out.push_str(line);
        out.push('\n');
    }
    if out.is_empty() {
        return;
    }
    let mut e = std::io::stderr().lock();
    let _ = e.write_all(out.as_bytes());
}

/// A progress note (retry announcements etc.); silenced by `--quiet`.
pub fn note(line: &str) {
    if !Style::get().quiet {
        emit(line);
    }
}

/// An error of hfwrap's own (bad usage, unreadable file); never silenced.
pub fn error(line: &str) {
    emit(&format!("{} {line}", paint("error:", "1;31")));
}

/// The final diagnosis as a person reads it (used by `explain` on stdout and by runs on stderr).
pub fn render_diagnosis(d: &Diagnosis) -> String {
    let mut s = String::new();
    s.push_str(&format!("cause: {} ({})\n", d.cause, d.summary));
    if let Some(rule) = &d.rule {
        s.push_str(&format!("rule:  {rule}\n"));
    }
    for e in &d.evidence {
        s.push_str(&format!("seen:  {e}\n"));
    }
    s.push_str(&format!("fix:   {}\n", d.fix));
    s
}

/// The diagnosis of a failed run, on stderr, each line prefixed.
pub fn report_failure(d: &Diagnosis, exit_code: i32) {
    emit(&format!("{} {} ({}) — exit code {exit_code}", paint("failed:", "1;31"), d.summary, d.cause));
    if let Some(e) = d.evidence.last() {
        emit(&format!("seen: {e}"));
    }
    emit(&format!("{} {}", paint("fix:", "1;32"), d.fix));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_hidden_but_prose_is_not() {
        let t = format!("{}_{}", "hf", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7");
        assert_eq!(hide_credentials(&format!("token {t} here")), "token hf_*** here");
        assert_eq!(
            hide_credentials(
                "Create a new read token at https://FAKEtokenFAKEtokenFAKEtoken0@huggingface.co/settings/tokens"
            ),
            "Create a new read token at https://***@huggingface.co/settings/tokens"
        );
        assert_eq!(
            hide_credentials("https://user:FAKEtokenFAKEtokenFAKE@huggingface.co/x"),
            "https://***@huggingface.co/x"
        );
        for prose in [
            "Check the proxy address and credentials (`http://user:pass@proxy:port`)",
            "the token permissions of hf_transfer; mail me@example.com",
            "git@hf.co:org/model",
        ] {
            assert_eq!(hide_credentials(prose), prose);
        }
    }

    #[test]
    fn known_secrets_are_scrubbed_from_every_line() {
        add_secrets(&["s3cr3t-value-for-output-test"]);
        assert_eq!(scrub("x s3cr3t-value-for-output-test y"), "x *** y");
    }
}
