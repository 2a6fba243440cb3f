//! Configuration: flag > `HFWRAP_*` variable > config file > default.
//!
//! clap already ranks flags over variables over defaults; the file slots in
//! between: after parsing, every option whose value is still clap's default
//! takes the file's value ([`Loaded::apply`]). Nothing is written to the
//! process environment. Unknown keys are an error that names the key.
//!
//! Users' own signatures live in `signatures.toml` next to the config file
//! (same format as the built-in catalogue) and are validated on load.

use super::cli::{PtyMode, RunOptions};
use crate::error::Error;
use clap::parser::ValueSource;
use clap::ArgMatches;
use serde::Deserialize;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The config file's keys, one per command-line option.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FileConfig {
    pub retries: Option<u32>,
    pub no_retry: Option<bool>,
    pub max_time: Option<String>,
    pub token_file: Option<PathBuf>,
    pub trust_endpoint: Option<Vec<String>>,
    pub inject_token_into_programs: Option<bool>,
    pub mirror: Option<String>,
    pub stall_timeout: Option<String>,
    pub max_wait: Option<String>,
    pub rerun_program: Option<bool>,
    pub rerun_window: Option<String>,
    pub report: Option<PathBuf>,
    pub pty: Option<String>,
    pub quiet: Option<bool>,
    /// A signatures file (default: `signatures.toml` beside the config file).
    pub signatures: Option<PathBuf>,
}

/// `$XDG_CONFIG_HOME/hfwrap` (default `~/.config/hfwrap`).
pub fn config_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".config")))
        .map(|d| d.join("hfwrap"))
}

/// The options given before the command (or subcommand), as clap will read them: each long
/// option's name (no dashes) with its value when it takes one. Which options take a value comes
/// from the command line definition itself, so `--retries 3 --config c.toml` is read right.
fn leading_options(args: &[OsString]) -> Vec<(String, Option<OsString>)> {
    let cmd = <crate::app::cli::Cli as clap::CommandFactory>::command();
    let takes_value =
        |long: &str| cmd.get_arguments().any(|a| a.get_long() == Some(long) && a.get_action().takes_values());
    let short_long =
        |c: char| cmd.get_arguments().find(|a| a.get_short() == Some(c)).and_then(|a| a.get_long()).map(str::to_string);
    let subcommands: Vec<String> = cmd.get_subcommands().map(|c| c.get_name().to_string()).collect();
    let mut out = Vec::new();
    let mut it = args.iter().skip(1);
    let mut in_subcommand = false;
    while let Some(a) = it.next() {
        let s = a.to_string_lossy();
        if s == "--" {
            break;
        }
        if !s.starts_with('-') || s == "-" {
            // A subcommand (`explain --config c.toml build.log`: --config is global) or the command.
            if in_subcommand || !out.is_empty() || !subcommands.iter().any(|n| *n == s) {
                if in_subcommand {
                    continue;
                }
                break;
            }
            if s == "help" {
                // `hfwrap help …` works whatever state the configuration is in, like --help.
                out.push(("help".to_string(), None));
                break;
            }
            in_subcommand = true;
            continue;
        }
        if in_subcommand {
            // Only the global option matters here; the subcommand's own flags take no value.
            if s == "--config" {
                out.push(("config".to_string(), it.next().cloned()));
            } else if let Some(v) = s.strip_prefix("--config=") {
                out.push(("config".to_string(), Some(OsString::from(v))));
            }
            continue;
        }
        if let Some(long) = s.strip_prefix("--") {
            match long.split_once('=') {
                Some((name, value)) => out.push((name.to_string(), Some(OsString::from(value)))),
                None if takes_value(long) => out.push((long.to_string(), it.next().cloned())),
                None => out.push((long.to_string(), None)),
            }
        } else {
            // A cluster of short flags (`-q`); none of hfwrap's short options takes a value.
            for c in s.chars().skip(1) {
                if let Some(long) = short_long(c) {
                    out.push((long, None));
                }
            }
        }
    }
    out
}

/// The `--config PATH` given before the command, if any.
fn config_flag(args: &[OsString]) -> Option<PathBuf> {
    leading_options(args).into_iter().find(|(name, _)| name == "config").and_then(|(_, v)| v).map(PathBuf::from)
}

/// What the config file says, checked, and the user's signatures beside it.
#[derive(Default)]
pub struct Loaded {
    file: FileConfig,
    /// The config file's own path (relative paths in it are relative to its directory).
    path: Option<PathBuf>,
    /// The user's signature file text, with its path (for error messages).
    pub signatures: Option<(String, String)>,
}

impl Loaded {
    /// Give every option the file's value where neither a flag nor an `HFWRAP_*` variable set it.
    pub fn apply(&self, run: &mut RunOptions, matches: &ArgMatches) -> Result<(), Error> {
        let unset =
            |id: &str| !matches!(matches.value_source(id), Some(ValueSource::CommandLine | ValueSource::EnvVariable));
        let f = &self.file;
        let beside_file = |p: &Path| match &self.path {
            Some(c) => beside(c, p),
            None => p.to_path_buf(),
        };
        let duration = |key: &str, v: &str| {
            super::cli::parse_duration(v).map_err(|e| Error::Usage(format!("{}: {key}: {e}", self.what())))
        };
        if let Some(n) = f.retries.filter(|_| unset("retries")) {
            run.retries = n;
        }
        if f.no_retry == Some(true) && unset("no_retry") {
            run.no_retry = true;
        }
        if let Some(v) = f.max_time.as_deref().filter(|_| unset("max_time")) {
            run.max_time = Some(duration("max-time", v)?);
        }
        if let Some(p) = f.token_file.as_deref().filter(|_| unset("token_file")) {
            run.token_file = Some(beside_file(p));
        }
        if let Some(v) = f.trust_endpoint.as_ref().filter(|_| unset("trust_endpoint")) {
            run.trust_endpoint = v.clone();
        }
        if f.inject_token_into_programs == Some(true) && unset("inject_token_into_programs") {
            run.inject_token_into_programs = true;
        }
        if let Some(v) = f.mirror.as_ref().filter(|_| unset("mirror")) {
            run.mirror = Some(v.clone());
        }
        if let Some(v) = f.stall_timeout.as_deref().filter(|_| unset("stall_timeout")) {
            run.stall_timeout = duration("stall-timeout", v)?;
        }
        if let Some(v) = f.max_wait.as_deref().filter(|_| unset("max_wait")) {
            run.max_wait = duration("max-wait", v)?;
        }
        if f.rerun_program == Some(true) && unset("rerun_program") {
            run.rerun_program = true;
        }
        if let Some(v) = f.rerun_window.as_deref().filter(|_| unset("rerun_window")) {
            run.rerun_window = duration("rerun-window", v)?;
        }
        if let Some(p) = f.report.as_ref().filter(|_| unset("report")) {
            run.report = Some(p.clone());
        }
        if let Some(v) = f.pty.as_deref().filter(|_| unset("pty")) {
            run.pty = match v {
                "always" => PtyMode::Always,
                "never" => PtyMode::Never,
                _ => PtyMode::Auto,
            };
        }
        if f.quiet == Some(true) && unset("quiet") {
            run.quiet = true;
        }
        Ok(())
    }

    fn what(&self) -> String {
        match &self.path {
            Some(p) => format!("config file {}", p.display()),
            None => "config file".into(),
        }
    }
}

/// A TOML error as one line: where, what, and the offending line of the file.
fn toml_error(what: &str, text: &str, e: &toml::de::Error) -> String {
    let msg = e.message().trim().replace('\n', ": ");
    match e.span() {
        Some(span) => {
            let line_no = text.get(..span.start).unwrap_or(text).matches('\n').count() + 1;
            let line = text.lines().nth(line_no - 1).unwrap_or("").trim();
            if line.is_empty() {
                format!("{what}, line {line_no}: {msg}")
            } else {
                format!("{what}, line {line_no}: {msg} (in `{line}`)")
            }
        }
        None => format!("{what}: {msg}"),
    }
}

/// Read a file that must be TOML text; binary content is an error that says so. Only a regular
/// file of at most 1 MiB is read, and a FIFO or device is refused without blocking (`shared_file`).
fn read_text(kind: &str, path: &Path) -> std::io::Result<Result<String, String>> {
    use crate::facts::shared_file;
    let bytes = shared_file::read(path, shared_file::TEXT)?;
    let binary = || Err(format!("{kind} {} is not a TOML text file (it holds binary data)", path.display()));
    if bytes.contains(&0) {
        return Ok(binary());
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Ok(text)),
        Err(_) => Ok(binary()),
    }
}

/// A value hfwrap reads as a duration, a count or a mode: check it now so the error names where it
/// came from (clap would name `--max-time`, which the user never typed).
fn check_value(key: &str, value: &str) -> Result<(), String> {
    match key {
        "max-time" | "stall-timeout" | "max-wait" | "rerun-window" | "heartbeat" => {
            crate::app::cli::parse_duration(value).map(|_| ())
        }
        "retries" => value
            .parse::<u32>()
            .map(|_| ())
            .map_err(|_| format!("invalid number {value:?}; use a whole number such as 3")),
        "pty" => match value {
            "auto" | "always" | "never" => Ok(()),
            _ => Err(format!("invalid value {value:?}; use auto, always or never")),
        },
        _ => Ok(()),
    }
}

/// A relative path in the config file means relative to the file's own directory.
fn beside(config: &Path, p: &Path) -> PathBuf {
    match config.parent() {
        Some(dir) if p.is_relative() => dir.join(p),
        _ => p.to_path_buf(),
    }
}

/// Find and read the config file (an explicitly named one must exist; the default one is
/// optional) and check the `HFWRAP_*` variables, so every error names where the value came from.
pub fn load(args: &[OsString]) -> Result<Loaded, Error> {
    read_config(args).map_err(Error::Usage)
}

fn read_config(args: &[OsString]) -> Result<Loaded, String> {
    let given = leading_options(args);
    if given.iter().any(|(name, _)| name == "help" || name == "version") {
        // Help and version work whatever state the configuration is in.
        return Ok(Loaded::default());
    }
    // HFWRAP_* variables the user set, for options not given as flags: clap will use them.
    for (var, key) in [
        ("HFWRAP_MAX_TIME", "max-time"),
        ("HFWRAP_STALL_TIMEOUT", "stall-timeout"),
        ("HFWRAP_MAX_WAIT", "max-wait"),
        ("HFWRAP_RERUN_WINDOW", "rerun-window"),
        ("HFWRAP_RETRIES", "retries"),
        ("HFWRAP_PTY", "pty"),
        ("HFWRAP_HEARTBEAT", "heartbeat"),
    ] {
        if given.iter().any(|(name, _)| name == key) {
            continue;
        }
        if let Some(v) = std::env::var_os(var) {
            let v = v.to_string_lossy();
            check_value(key, &v).map_err(|e| format!("{var}={v:?}: {e}"))?;
        }
    }

    let explicit =
        config_flag(args).or_else(|| std::env::var_os("HFWRAP_CONFIG").filter(|v| !v.is_empty()).map(PathBuf::from));
    let path = explicit.clone().or_else(|| config_dir().map(|d| d.join("config.toml")));
    let mut cfg = FileConfig::default();
    if let Some(p) = &path {
        match read_text("config file", p) {
            Ok(Ok(text)) => {
                let what = format!("config file {}", p.display());
                cfg = toml::from_str(&text).map_err(|e| toml_error(&what, &text, &e))?;
                for (key, value) in [
                    ("max-time", &cfg.max_time),
                    ("stall-timeout", &cfg.stall_timeout),
                    ("max-wait", &cfg.max_wait),
                    ("rerun-window", &cfg.rerun_window),
                    ("pty", &cfg.pty),
                ] {
                    if let Some(v) = value {
                        check_value(key, v).map_err(|e| format!("{what}: {key}: {e}"))?;
                    }
                }
            }
            Ok(Err(msg)) => return Err(msg),
            Err(e) if explicit.is_none() && e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot read config file {}: {e}", p.display())),
        }
    }
    let named = match (&cfg.signatures, &path) {
        (Some(s), Some(c)) => Some(beside(c, s)),
        _ => None,
    };
    let sig_path = named.clone().or_else(|| path.as_ref().and_then(|p| p.parent()).map(|d| d.join("signatures.toml")));
    let signatures = match sig_path {
        Some(p) => match read_text("signatures file", &p) {
            Ok(Ok(text)) => {
                check_signatures(&p, &text)?;
                Some((p.display().to_string(), text))
            }
            Ok(Err(msg)) => return Err(msg),
            Err(e) if named.is_none() && e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("cannot read signatures file {}: {e}", p.display())),
        },
        None => None,
    };
    Ok(Loaded { file: cfg, path, signatures })
}

/// Validate a user's signatures file entry by entry, so every error names the file and the
/// signature: its shape (fields, cause, recovery), its id (not a built-in's, not twice), its patterns.
fn check_signatures(path: &Path, text: &str) -> Result<(), String> {
    use crate::detect::catalogue::{Catalogue, SignatureSpec, BUILTIN};
    let what = format!("signatures file {}", path.display());
    let table: toml::Table = toml::from_str(text).map_err(|e| toml_error(&what, text, &e))?;
    if let Some(key) = table.keys().find(|k| *k != "signature") {
        return Err(format!("{what}: unknown key `{key}`; signatures are [[signature]] tables"));
    }
    let entries = match table.get("signature") {
        None => return Ok(()),
        Some(toml::Value::Array(a)) => a,
        Some(_) => return Err(format!("{what}: `signature` must be written as [[signature]] tables")),
    };
    let builtin: toml::Table = toml::from_str(BUILTIN).map_err(|e| format!("built-in catalogue: {e}"))?;
    let builtin_ids: Vec<&str> = match builtin.get("signature") {
        Some(toml::Value::Array(a)) => a.iter().filter_map(|s| s.get("id")?.as_str()).collect(),
        _ => Vec::new(),
    };
    let mut seen: Vec<String> = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let id = entry.get("id").and_then(|v| v.as_str()).map(str::to_string);
        let label = match &id {
            Some(id) if !id.trim().is_empty() => format!("signature '{id}'"),
            _ => format!("signature #{} (it has no id)", i + 1),
        };
        let spec: SignatureSpec = entry
            .clone()
            .try_into()
            .map_err(|e: toml::de::Error| format!("{what}: {label}: {}", e.message().trim()))?;
        if spec.id.trim().is_empty() {
            return Err(format!("{what}: {label}: the id is empty"));
        }
        if builtin_ids.contains(&spec.id.as_str()) {
            return Err(format!("{what}: {label}: the id is already used by a built-in signature; choose another id"));
        }
        if seen.contains(&spec.id) {
            return Err(format!("{what}: {label}: the id is defined twice in this file"));
        }
        if spec.patterns.is_empty() {
            return Err(format!("{what}: {label}: it has no patterns"));
        }
        if spec.fix.trim().is_empty() {
            return Err(format!("{what}: {label}: the fix is empty"));
        }
        seen.push(spec.id.clone());
    }
    // The patterns compile (the catalogue's own rules: valid regex, ASCII word boundaries).
    Catalogue::from_sources(&[(what.as_str(), text)]).map(|_| ()).map_err(|e| {
        let e = e.to_string();
        if e.starts_with(&what) {
            e
        } else {
            format!("{what}: {e}")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_named() {
        let err = toml::from_str::<FileConfig>("retries = 2\ncolour = 'red'\n").unwrap_err();
        assert!(err.message().contains("colour"), "{}", err.message());
        let ok: FileConfig =
            toml::from_str("retries = 2\ntrust-endpoint = ['http://127.0.0.1:1']\nstall-timeout = '5s'\n").unwrap();
        assert_eq!(ok.retries, Some(2));
        let ok: FileConfig = toml::from_str("inject-token-into-programs = true\n").unwrap();
        assert_eq!(ok.inject_token_into_programs, Some(true));
    }

    #[test]
    fn config_flag_is_read_before_the_command_only() {
        let a = |w: &[&str]| w.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(config_flag(&a(&["hfwrap", "--config", "c.toml", "hf"])), Some(PathBuf::from("c.toml")));
        assert_eq!(config_flag(&a(&["hfwrap", "hf", "--config", "c.toml"])), None);
        // Options that take a value do not end the scan at their value.
        assert_eq!(
            config_flag(&a(&["hfwrap", "--retries", "3", "--config", "c.toml", "hf"])),
            Some(PathBuf::from("c.toml"))
        );
        assert_eq!(
            config_flag(&a(&["hfwrap", "-q", "--max-time", "5m", "--config=c.toml", "hf"])),
            Some(PathBuf::from("c.toml"))
        );
        assert_eq!(config_flag(&a(&["hfwrap", "--retries", "3", "--", "--config", "c.toml"])), None);
        // --config is global: after a subcommand too, but not after the command.
        assert_eq!(
            config_flag(&a(&["hfwrap", "explain", "--config", "c.toml", "x.log"])),
            Some(PathBuf::from("c.toml"))
        );
        assert_eq!(config_flag(&a(&["hfwrap", "explain", "x.log", "--config=c.toml"])), Some(PathBuf::from("c.toml")));
        assert_eq!(config_flag(&a(&["hfwrap", "-q", "explain", "--config", "c.toml"])), None);
        assert_eq!(config_flag(&a(&["hfwrap", "python", "explain", "--config", "c.toml"])), None);
    }

    #[test]
    fn values_are_checked_with_their_source_in_mind() {
        assert!(check_value("max-time", "10m").is_ok());
        assert!(check_value("max-wait", "2s").is_ok());
        assert!(check_value("max-wait", "forever").unwrap_err().contains("forever"));
        assert!(check_value("stall-timeout", "soon").unwrap_err().contains("soon"));
        assert!(check_value("retries", "three").is_err());
        assert!(check_value("pty", "sometimes").is_err());
        assert!(check_value("pty", "never").is_ok());
    }

    #[test]
    fn signature_errors_name_the_file_and_the_signature() {
        let p = Path::new("/x/signatures.toml");
        let ok = "[[signature]]\nid = 'mine'\ncause = 'disk_full'\npatterns = ['MINE']\nfix = 'f'\n";
        assert_eq!(check_signatures(p, ok), Ok(()));
        for (body, what) in [
            ("id = 'a'\ncause = 'nope'\npatterns = ['x']\nfix = 'f'", "nope"),
            ("id = 'a'\ncause = 'disk_full'\npatterns = ['(x']\nfix = 'f'", "bad pattern"),
            ("id = 'a'\ncause = 'disk_full'\npatterns = ['x']", "fix"),
            ("id = 'enospc'\ncause = 'disk_full'\npatterns = ['x']\nfix = 'f'", "built-in"),
        ] {
            let e = check_signatures(p, &format!("{ok}[[signature]]\n{body}\n")).unwrap_err();
            assert!(e.contains("/x/signatures.toml") && e.contains(what), "{e}");
            assert!(e.contains("'a'") || e.contains("'enospc'"), "{e}");
        }
    }
}
