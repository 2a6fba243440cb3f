//! Fixes name shell commands and paths in POSIX syntax (`export HF_HOME=…`, `~/.cache/huggingface`).
//! On Windows a person types PowerShell and reads Windows paths, so where a fix names a variable
//! or a path, it is shown in that syntax instead (issue 13; kept to what the catalogue uses):
//!
//! | POSIX | Windows |
//! |---|---|
//! | `export NAME=value` | `$env:NAME="value"` (`$HOME/…` in it: `$env:USERPROFILE\…`) |
//! | `unset A B` | `Remove-Item Env:A, Env:B` |
//! | `$HF_HOME/hub/.locks/` | `$env:HF_HOME\hub\.locks\` |
//! | `~/.cache/huggingface`, `$HOME/.cache/huggingface` | `%USERPROFILE%\.cache\huggingface` |
//!
//! A command too shell-specific to translate (a `$(…)` pipeline) is left as it is.

use regex::{Captures, Regex};
use std::borrow::Cow;
use std::sync::LazyLock;

/// `text` in the syntax of the OS hfwrap was built for.
pub fn for_this_os(text: &str) -> Cow<'_, str> {
    if cfg!(windows) {
        Cow::Owned(windows_syntax(text))
    } else {
        Cow::Borrowed(text)
    }
}

static EXPORT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"export ([A-Za-z_][A-Za-z0-9_{}]*)=([^\s`"'()|;]+)"#).expect("valid regex"));
static UNSET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"unset ((?:[A-Z_][A-Z0-9_]*)(?: [A-Z_][A-Z0-9_]*)*)").expect("valid regex"));
static HOME_PATH: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?:~|\$HOME)/([^\s`'),]*)").expect("valid regex"));
static VAR_PATH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$([A-Z_][A-Z0-9_]*)/([^\s`'),]*)").expect("valid regex"));

fn backslashes(p: &str) -> String {
    p.replace('/', "\\")
}

/// POSIX shell syntax of a fix as PowerShell / Windows paths (see the module doc).
pub fn windows_syntax(text: &str) -> String {
    let text = EXPORT.replace_all(text, |c: &Captures| {
        let value = c[2].strip_prefix("$HOME/").map(|rest| format!("$env:USERPROFILE\\{}", backslashes(rest)));
        format!("$env:{}=\"{}\"", &c[1], value.unwrap_or_else(|| c[2].to_string()))
    });
    let text = UNSET.replace_all(&text, |c: &Captures| {
        let names: Vec<String> = c[1].split(' ').map(|n| format!("Env:{n}")).collect();
        format!("Remove-Item {}", names.join(", "))
    });
    let text = HOME_PATH.replace_all(&text, |c: &Captures| format!("%USERPROFILE%\\{}", backslashes(&c[1])));
    let text = VAR_PATH.replace_all(&text, |c: &Captures| format!("$env:{}\\{}", &c[1], backslashes(&c[2])));
    text.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixes_read_as_powershell_and_windows_paths() {
        assert_eq!(
            windows_syntax("point the cache elsewhere (`export HF_HOME=/bigger/disk/huggingface`)"),
            "point the cache elsewhere (`$env:HF_HOME=\"/bigger/disk/huggingface\"`)"
        );
        assert_eq!(windows_syntax("`export HF_HUB_DISABLE_XET=1`"), "`$env:HF_HUB_DISABLE_XET=\"1\"`");
        assert_eq!(
            windows_syntax("(`export HF_HOME=$HOME/.cache/huggingface` or `--local-dir ./model`)"),
            "(`$env:HF_HOME=\"$env:USERPROFILE\\.cache\\huggingface\"` or `--local-dir ./model`)"
        );
        assert_eq!(
            windows_syntax("Unset it (`unset HF_HUB_OFFLINE TRANSFORMERS_OFFLINE HF_DATASETS_OFFLINE`) so"),
            "Unset it (`Remove-Item Env:HF_HUB_OFFLINE, Env:TRANSFORMERS_OFFLINE, Env:HF_DATASETS_OFFLINE`) so"
        );
        assert_eq!(
            windows_syntax("delete the stale `.lock` file under `$HF_HOME/hub/.locks/` (or"),
            "delete the stale `.lock` file under `$env:HF_HOME\\hub\\.locks\\` (or"
        );
        assert_eq!(
            windows_syntax("the token in ~/.cache/huggingface/token"),
            "the token in %USERPROFILE%\\.cache\\huggingface\\token"
        );
        // Too shell-specific to translate: left alone rather than mangled.
        let pipeline = "`export HF_TOKEN=\"$(printf %s \"$HF_TOKEN\" | tr -d '[:space:]')\"`";
        assert_eq!(windows_syntax(pipeline), pipeline);
        // What is not shell syntax is untouched.
        assert_eq!(windows_syntax("Re-run with `--max-workers 2`."), "Re-run with `--max-workers 2`.");
    }

    #[test]
    fn only_windows_builds_translate() {
        let fix = "`export HF_HUB_DISABLE_XET=1`";
        assert_eq!(for_this_os(fix) == fix, !cfg!(windows));
    }
}
