//! The command line: `hfwrap [OPTIONS] [--] COMMAND [ARGS...]` plus the `explain`,
//! `doctor` and `completions` subcommands. `hfwrap -- explain` runs a program called `explain`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

const EXAMPLES: &str = "\
Examples:
  hfwrap hf download meta-llama/Llama-3.1-8B
  hfwrap huggingface-cli download org/model --local-dir m
  hfwrap --token-file ~/.hf-token hf download org/gated-model
  hfwrap --retries 5 --max-time 30m git clone https://huggingface.co/org/model
  hfwrap --report hfwrap.json -q hf download org/model      # in CI
  hfwrap explain build.log                                   # diagnose a saved log
  some-step 2>&1 | hfwrap explain --json -
  hfwrap -- explain                                          # run a program named `explain`

Exit codes: the command's own code passes through; 128+N when it died by signal N;
127 command not found, 126 not executable, 2 usage error, 3 left partial files or --max-time ran out.";

#[derive(Parser, Debug)]
#[command(
    name = "hfwrap",
    version,
    about = "Run a Hugging Face download (hf, huggingface-cli, python, git) and get it to finish: \
             output passes through unchanged; known failures are retried safely or explained with the one fix.",
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true,
    subcommand_precedence_over_arg = true,
)]
pub struct Cli {
    #[command(flatten)]
    pub run: RunOptions,

    #[command(subcommand)]
    pub subcommand: Option<Sub>,

    /// The command to run, with its arguments, passed verbatim (no shell).
    #[arg(value_name = "COMMAND", trailing_var_arg = true)]
    pub command: Vec<OsString>,
}

#[derive(Args, Debug, Clone)]
pub struct RunOptions {
    /// Automatic re-runs after the first attempt.
    #[arg(long, value_name = "N", default_value_t = 3, env = "HFWRAP_RETRIES")]
    pub retries: u32,

    /// Never re-run (same as --retries 0).
    #[arg(long, env = "HFWRAP_NO_RETRY")]
    pub no_retry: bool,

    /// Give up after this long in all, retries and waits included (e.g. 90s, 10m, 1h).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, env = "HFWRAP_MAX_TIME")]
    pub max_time: Option<Duration>,

    /// A file holding a Hugging Face token hfwrap may give the command (never put in argv or printed).
    #[arg(long, value_name = "PATH", env = "HFWRAP_TOKEN_FILE")]
    pub token_file: Option<PathBuf>,

    /// An endpoint besides the official Hub that may receive a token (repeatable).
    #[arg(long, value_name = "URL", env = "HFWRAP_TRUST_ENDPOINT", value_delimiter = ',')]
    pub trust_endpoint: Vec<String>,

    /// Also give a found token to commands whose requests hfwrap cannot follow (python, shell
    /// scripts; by default only hf/huggingface-cli download and git clone get one); the endpoint
    /// and every host the failed attempt named must still be trusted. It also lets such a
    /// program be switched to the `--mirror`, with every token hidden from it.
    #[arg(long, env = "HFWRAP_INJECT_TOKEN_INTO_PROGRAMS")]
    pub inject_token_into_programs: bool,

    /// A mirror hfwrap may switch to (without any token) when the Hub is unreachable or throttled.
    #[arg(long, value_name = "URL", env = "HFWRAP_MIRROR")]
    pub mirror: Option<String>,

    /// A transfer is stalled when no byte reaches the disk for this long.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "60s", env = "HFWRAP_STALL_TIMEOUT")]
    pub stall_timeout: Duration,

    /// The longest single wait (a Retry-After, a backoff, another hfwrap's cooldown); when the Hub
    /// asks for longer, hfwrap stops and says so.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "15m", env = "HFWRAP_MAX_WAIT")]
    pub max_wait: Duration,

    /// Re-run a general program (`python train.py`, a shell script) from the top even when its failed
    /// attempt ran longer than --rerun-window (download commands are always re-run when safe).
    #[arg(long, env = "HFWRAP_RERUN_PROGRAM")]
    pub rerun_program: bool,

    /// A general program whose failed attempt ended within this long of its start may be re-run.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "2m", env = "HFWRAP_RERUN_WINDOW")]
    pub rerun_window: Duration,

    /// Write a JSON report of the run (attempts, causes, fix) to this path.
    #[arg(long, value_name = "PATH", env = "HFWRAP_REPORT")]
    pub report: Option<PathBuf>,

    /// Give the command a pseudo-terminal: auto = only when stdout and stderr are both terminals.
    #[arg(long, value_enum, default_value_t = PtyMode::Auto, env = "HFWRAP_PTY")]
    pub pty: PtyMode,

    /// Print nothing of hfwrap's own but the final diagnosis.
    #[arg(short, long, env = "HFWRAP_QUIET")]
    pub quiet: bool,

    /// Config file (default: $XDG_CONFIG_HOME/hfwrap/config.toml); precedence: flag > HFWRAP_* > file > default.
    #[arg(long, value_name = "PATH", env = "HFWRAP_CONFIG", global = true)]
    pub config: Option<PathBuf>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PtyMode {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Sub {
    /// Diagnose a saved log (a file of any size, or - for standard input) without running anything.
    Explain {
        /// Print one JSON object: cause, rule, evidence, fix, details.
        #[arg(long)]
        json: bool,
        /// The log file, or - for standard input.
        #[arg(value_name = "FILE", default_value = "-")]
        file: PathBuf,
    },
    /// Print a shell completion script (e.g. `hfwrap completions bash > /etc/bash_completion.d/hfwrap`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to standard output: `hfwrap man > hfwrap.1`.
    Man,
    /// Check tokens, endpoint, proxy, CA bundle, clients, cache and disk before downloading.
    Doctor {
        /// Print one JSON object with every finding.
        #[arg(long)]
        json: bool,
    },
}

/// `90s`, `10m`, `1h30m`, `2.5s`, `500ms`, or plain seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("empty duration; use e.g. 90s, 10m or 1h".into());
    }
    if let Ok(secs) = t.parse::<f64>() {
        return secs_to_duration(secs, s);
    }
    let mut total = 0f64;
    let mut num = String::new();
    let mut chars = t.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let mut unit = c.to_string();
        while let Some(&n) = chars.peek() {
            if n.is_ascii_alphabetic() {
                unit.push(n);
                chars.next();
            } else {
                break;
            }
        }
        let v: f64 = num.parse().map_err(|_| format!("invalid duration {s:?}; use e.g. 90s, 10m or 1h"))?;
        let mult = match unit.as_str() {
            "ms" => 0.001,
            "s" | "sec" | "secs" => 1.0,
            "m" | "min" | "mins" => 60.0,
            "h" | "hr" | "hrs" => 3600.0,
            _ => return Err(format!("invalid duration {s:?}: unknown unit {unit:?}; use ms, s, m or h")),
        };
        total += v * mult;
        num.clear();
        any = true;
    }
    if !num.is_empty() || !any {
        return Err(format!("invalid duration {s:?}: a number needs a unit (s, m, h), e.g. 90s"));
    }
    secs_to_duration(total, s)
}

fn secs_to_duration(secs: f64, original: &str) -> Result<Duration, String> {
    if !secs.is_finite() || !(0.0..=1e9).contains(&secs) {
        return Err(format!("invalid duration {original:?}: must be a positive length of time, e.g. 90s"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
        for bad in ["", "abc", "10x", "-5s", "5s3", "s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("hfwrap").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn max_wait_defaults_to_the_policy_default() {
        assert_eq!(parse(&["true"]).run.max_wait, crate::recover::wait::DEFAULT_MAX_WAIT);
        assert_eq!(parse(&["--max-wait", "2s", "true"]).run.max_wait, Duration::from_secs(2));
    }

    #[test]
    fn command_and_subcommands() {
        let c = parse(&["--retries", "5", "hf", "download", "x", "--max-workers", "2"]);
        assert_eq!(c.run.retries, 5);
        assert_eq!(c.command, vec!["hf", "download", "x", "--max-workers", "2"]);
        assert!(matches!(parse(&["explain", "--json", "f.log"]).subcommand, Some(Sub::Explain { json: true, .. })));
        let c = parse(&["--", "explain", "x"]);
        assert!(c.subcommand.is_none());
        assert_eq!(c.command, vec!["explain", "x"]);
        let c = parse(&["-q", "git", "clone", "--depth", "1", "u"]);
        assert!(c.run.quiet);
        assert_eq!(c.command[0], "git");
    }
}
