//! What a re-run costs: may hfwrap start the command again from the top?
//!
//! [`crate::recover::policy::decide`] answers "is there a safe action for this failure"; this step,
//! applied by the supervisor after it, answers "is running the *whole command* again safe". A
//! download command (`hf download`, `huggingface-cli download`, `git clone`, aria2c / wget / curl of
//! a Hub URL, a Python script that only downloads) repeats nothing but the download, and the clients
//! skip what is complete: it may be re-run. A general program (`python train.py`, a shell script)
//! may have trained for an hour, written checkpoints or posted results before the download at its
//! end failed: running it again repeats all of that (issue 12: a 503 on the script's last download ran
//! 20 s of "training" four times). Such a program is re-run only when the user said so
//! (`--rerun-program`) or when the failed attempt ended within the re-run window of its start
//! (`--rerun-window`, default 2 minutes: it failed while it was still fetching what it needs).
//! Otherwise hfwrap stops with the diagnosis, the fix and the exact command that re-runs it with
//! the recovery applied (the environment changes hfwrap would have made), never printing a token.

use crate::facts::command::{Client, Command};
use crate::facts::token::{self, TokenSource};
use crate::recover::policy::Plan;
use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

/// The documented default of `--rerun-window`.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(120);

/// What the user allowed (`--rerun-program`, `--rerun-window`).
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Re-run a general program from the top, whatever its attempt cost.
    pub program: bool,
    /// A program whose failed attempt ended within this long of its start may be re-run.
    pub window: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings { program: false, window: DEFAULT_WINDOW }
    }
}

/// What running the command again repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only a download: the client skips what is complete.
    Download,
    /// Anything the program does before and around its downloads.
    Program,
}

/// Python modules a download-only script may import (besides huggingface_hub itself).
const DOWNLOAD_ONLY_IMPORTS: &[&str] = &[
    "huggingface_hub",
    "hf_transfer",
    "hf_xet",
    "__future__",
    "os",
    "sys",
    "pathlib",
    "argparse",
    "json",
    "logging",
    "time",
    "typing",
];

/// What a download-only script does not do: write files, run commands, wait, remove things.
const SIDE_EFFECTS: &[&str] =
    &["open(", ".write", "subprocess", "os.system", "os.remove", "unlink", "rmtree", "sleep(", "exec(", "eval("];

/// Calls that make a script a downloader.
const DOWNLOAD_CALLS: &[&str] = &["hf_hub_download(", "snapshot_download("];

/// A script longer than this is not read: it is a program.
const SCRIPT_LIMIT: u64 = 256 * 1024;

/// What a re-run of `command` repeats.
pub fn kind(command: &Command) -> Kind {
    if command.is_hub_download() || command.git_clone_target().is_some() {
        return Kind::Download;
    }
    if command.client() == Client::Python {
        if let Some(source) = python_source(command) {
            if downloads_only(&source) {
                return Kind::Download;
            }
        }
        if python_module(command).is_some_and(|(m, rest)| m.starts_with("huggingface_hub") && rest.contains("download"))
        {
            return Kind::Download;
        }
    }
    Kind::Program
}

/// `python [-u|-B|…] -m MODULE ARGS…`: the module and the rest, joined.
fn python_module(command: &Command) -> Option<(String, String)> {
    let args: Vec<String> = command.args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let i = args.iter().position(|a| a == "-m")?;
    Some((args.get(i + 1)?.clone(), args[i + 2..].join(" ")))
}

/// The code a Python command runs: `-c CODE`, or the script file's text (bounded).
fn python_source(command: &Command) -> Option<String> {
    let mut it = command.args.iter().map(|a| a.to_string_lossy().into_owned());
    while let Some(a) = it.next() {
        match a.as_str() {
            "-c" => return it.next(),
            "-m" => return None,
            // Interpreter options that take a value.
            "-W" | "-X" | "--check-hash-based-pycs" => {
                it.next();
            }
            _ if a.starts_with('-') => {}
            script => {
                let meta = std::fs::metadata(script).ok()?;
                if !meta.is_file() || meta.len() > SCRIPT_LIMIT {
                    return None;
                }
                return std::fs::read_to_string(script).ok();
            }
        }
    }
    None
}

/// Whether Python source only downloads: it calls a download function, imports nothing but
/// huggingface_hub and a few standard modules (no transformers, datasets, torch, …) and has no
/// side effect of its own (no file written, no command run, no sleep).
pub fn downloads_only(source: &str) -> bool {
    if !DOWNLOAD_CALLS.iter().any(|c| source.contains(c)) || SIDE_EFFECTS.iter().any(|c| source.contains(c)) {
        return false;
    }
    let mut imports = Vec::new();
    for line in source.lines().flat_map(|l| l.split(';')) {
        let l = line.trim();
        if let Some(rest) = l.strip_prefix("from ") {
            imports.extend(rest.split_whitespace().next().map(str::to_string));
        } else if let Some(rest) = l.strip_prefix("import ") {
            imports.extend(rest.split(',').filter_map(|m| m.split_whitespace().next()).map(str::to_string));
        } else if l.contains("__import__") || l.contains("importlib") {
            return false;
        }
    }
    imports.iter().all(|m| DOWNLOAD_ONLY_IMPORTS.contains(&m.split('.').next().unwrap_or(m)))
}

/// Why hfwrap does not re-run, and how the user can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// One clause for "hfwrap did not retry: …".
    pub why: String,
    /// The command line (POSIX shell) that re-runs it with the recovery applied; no token in it.
    pub command: String,
}

/// After `decide` chose to re-run (`before` → `after`, `env_changes` as it reported them), may the
/// command start again from the top? `None`: yes. `attempt` is how long the failed attempt ran.
pub fn check(
    before: &Plan,
    after: &Plan,
    env_changes: &[String],
    action: &str,
    attempt: Duration,
    settings: &Settings,
    token_file: Option<&Path>,
) -> Option<Refusal> {
    if settings.program || kind(&before.command) == Kind::Download || attempt <= settings.window {
        return None;
    }
    let shown = crate::redact::argv(&before.command.display()).join(" ");
    let command = rerun_command(before, after, env_changes, token_file);
    let why = format!(
        "`{shown}` is a program, not only a download, and its attempt ran {} (more than the re-run window, \
         --rerun-window {}): running it again from the top would repeat everything it did before the failure. \
         hfwrap would have re-run it ({action}); re-run it yourself when that is safe, with the recovery applied: \
         `{}` (or let hfwrap re-run programs with --rerun-program)",
        crate::report::human_duration(attempt),
        crate::report::human_duration(settings.window),
        command
    );
    Some(Refusal { why, command })
}

/// `env [-u NAME]… [NAME=VALUE]… COMMAND…` for a POSIX shell: the environment changes hfwrap would
/// have made, then the (possibly changed) command. A token is never written out: it is read from
/// its file by the shell (`"$(cat FILE)"`), or left for the user to fill in.
pub fn rerun_command(before: &Plan, after: &Plan, env_changes: &[String], token_file: Option<&Path>) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut unset = Vec::new();
    let mut set = Vec::new();
    for change in env_changes {
        if let Some(name) = change.strip_prefix('-') {
            unset.push(format!("-u {}", quote(name)));
            continue;
        }
        let Some(value) = after.env.get(&OsString::from(change)) else { continue };
        let value = value.to_string_lossy();
        set.push(format!("{change}={}", shown_value(change, &value, before, token_file)));
    }
    if !unset.is_empty() || !set.is_empty() {
        words.push("env".into());
        words.extend(unset);
        words.extend(set);
    }
    words.extend(crate::redact::argv(&after.command.display()).iter().map(|w| quote(w)));
    words.join(" ")
}

/// A variable's value as the shell should get it: tokens are read from their file, never shown.
fn shown_value(name: &str, value: &str, before: &Plan, token_file: Option<&Path>) -> String {
    let secret = match name {
        "HF_TOKEN" | "HUGGING_FACE_HUB_TOKEN" => Some(value.trim().to_string()),
        n if n.starts_with("GIT_CONFIG_VALUE_") => value.strip_prefix("Authorization: Bearer ").map(str::to_string),
        _ => None,
    };
    let Some(secret) = secret.filter(|s| !s.is_empty()) else { return quote(value) };
    let from_file = match token::injectable(&before.env, token_file) {
        Ok(Some(t)) if t.secret() == secret => match &t.source {
            TokenSource::File(p) => Some(format!("$(cat {})", quote(&p.display().to_string()))),
            _ => None,
        },
        _ => None,
    };
    let token_text = from_file.unwrap_or_else(|| "<your token>".into());
    match value.strip_suffix(&secret) {
        Some(prefix) if !prefix.is_empty() => format!("\"{prefix}{token_text}\""),
        _ => format!("\"{token_text}\""),
    }
}

/// A word as a POSIX shell reads it back unchanged.
pub fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word.bytes().all(|b| b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(&b))
        && !word.starts_with('=');
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn plan(words: &str, env: &[(&str, &str)]) -> Plan {
        let mut w = words.split_whitespace().map(OsString::from);
        let cmd = Command::new(w.next().unwrap(), w.collect());
        Plan::new(cmd, env.iter().map(|(k, v)| (OsString::from(k), OsString::from(v))).collect::<BTreeMap<_, _>>())
    }

    #[test]
    fn downloads_and_programs() {
        for d in [
            "hf download org/m",
            "huggingface-cli download org/m",
            "git clone https://huggingface.co/org/m",
            "aria2c -x 16 https://huggingface.co/org/m/resolve/main/model.safetensors",
            "wget https://huggingface.co/org/m/resolve/main/config.json",
            "python -m huggingface_hub.commands.huggingface_cli download org/m",
        ] {
            assert_eq!(kind(&plan(d, &[]).command), Kind::Download, "{d}");
        }
        for p in ["python train.py", "bash run.sh", "hf upload org/m .", "aria2c https://example.com/x.iso"] {
            assert_eq!(kind(&plan(p, &[]).command), Kind::Program, "{p}");
        }
        let mut c = plan("python3 -c x", &[]).command;
        c.args[1] = "from huggingface_hub import snapshot_download; snapshot_download('org/m')".into();
        assert_eq!(kind(&c), Kind::Download);
        c.args[1] =
            "import transformers; from huggingface_hub import hf_hub_download; hf_hub_download('o/m', 'f')".into();
        assert_eq!(kind(&c), Kind::Program);
    }

    #[test]
    fn a_download_only_script_file_is_a_download() {
        let d = tempfile::tempdir().unwrap();
        let s = d.path().join("fetch.py");
        std::fs::write(&s, "import os, sys\nfrom huggingface_hub import hf_hub_download\nhf_hub_download(sys.argv[1], 'config.json')\n").unwrap();
        let c = Command::new("python3".into(), vec![s.clone().into()]);
        assert_eq!(kind(&c), Kind::Download);
        std::fs::write(&s, "import torch\nfrom huggingface_hub import hf_hub_download\nhf_hub_download('o/m', 'f')\n")
            .unwrap();
        assert_eq!(kind(&c), Kind::Program);
        let train = "import os, time\ntime.sleep(60)\nopen('ckpt', 'a').write('x')\n\
                     from huggingface_hub import hf_hub_download\nhf_hub_download('o/m', 'f')\n";
        std::fs::write(&s, train).unwrap();
        assert_eq!(kind(&c), Kind::Program, "a script with side effects of its own");
    }

    #[test]
    fn a_program_is_rerun_only_inside_the_window_or_when_allowed() {
        let before = plan("python train.py", &[]);
        let mut after = before.clone();
        after.env.insert("HF_HUB_DISABLE_XET".into(), "1".into());
        let changes = vec!["HF_HUB_DISABLE_XET".to_string()];
        let s = Settings::default();
        let short = Duration::from_secs(5);
        let long = Duration::from_secs(600);
        assert_eq!(check(&before, &after, &changes, "a", short, &s, None), None);
        let r = check(&before, &after, &changes, "backing off 2s", long, &s, None).unwrap();
        assert_eq!(r.command, "env HF_HUB_DISABLE_XET=1 python train.py");
        assert!(
            r.why.contains("10m") && r.why.contains("--rerun-program") && r.why.contains("backing off 2s"),
            "{}",
            r.why
        );
        assert_eq!(check(&before, &after, &changes, "a", long, &Settings { program: true, ..s }, None), None);
        let dl = plan("hf download org/m", &[]);
        assert_eq!(check(&dl, &dl, &[], "a", long, &s, None), None);
    }

    #[test]
    fn the_rerun_command_never_shows_a_token() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("my token");
        std::fs::write(&f, "secret-value\n").unwrap();
        let before = plan("python train.py --out a b", &[("HF_HUB_ENABLE_HF_TRANSFER", "1")]);
        let mut after = before.clone();
        after.env.insert("HF_TOKEN".into(), "secret-value".into());
        after.env.remove(&OsString::from("HF_HUB_ENABLE_HF_TRANSFER"));
        let changes = vec!["HF_TOKEN".to_string(), "-HF_HUB_ENABLE_HF_TRANSFER".to_string()];
        let cmd = rerun_command(&before, &after, &changes, Some(&f));
        assert_eq!(
            cmd,
            format!("env -u HF_HUB_ENABLE_HF_TRANSFER HF_TOKEN=\"$(cat '{}')\" python train.py --out a b", f.display())
        );
        let cmd = rerun_command(&before, &after, &changes, None);
        assert!(!cmd.contains("secret-value") && cmd.contains("HF_TOKEN=\"<your token>\""), "{cmd}");
        let mut after = before.clone();
        after.command.args.push("it's".into());
        assert!(rerun_command(&before, &after, &[], None).ends_with("'it'\\''s'"));
    }
}
