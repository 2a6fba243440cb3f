//! hfwrap as a CI citizen and as a configurable tool, driven through the built binary:
//! GitHub Actions workflow commands (annotations, groups, masking, stop-commands, step summary),
//! GitLab sections, the heartbeat, the JSON report, configuration precedence, user signatures,
//! the human-facing text (`insta` snapshots under `tests/integration/snapshots/`; tests/README.md
//! says how to refresh them), colour, completions and the man page.
//!
//! Children are `tests/children/ci_child.py` following a JSON plan (what to print on which stream,
//! when to wait, how to exit), appending to a counter file on every run. They print real failure
//! lines and contact nothing. Tokens are made at run time. Synchronisation is on output and files;
//! the one deadline (`DEADLINE`) only catches hangs.

use crate::common::*;
use regex::Regex;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Failure lines as the clients print them.
const LINE_503: &str = "HTTP Error 503 thrown while requesting GET https://huggingface.co/api/models/a/b\n";
const LINE_GATED: &str = "Error: Access denied. Model 'org/m' requires approval.\n";
const LINE_ENOSPC: &str = "OSError: [Errno 28] No space left on device\n";

// ---------------------------------------------------------------------------------------------
// Harness (the shared part is tests/common/)
// ---------------------------------------------------------------------------------------------

fn ci_child() -> String {
    child("ci_child.py")
}

/// How one run of hfwrap ended.
struct Out {
    status: ExitStatus,
    stdout: String,
    /// stderr, or stdout and stderr interleaved when they shared one pipe.
    stderr: String,
}

impl Out {
    fn code(&self) -> i32 {
        match self.status.code() {
            Some(c) => c,
            None => panic!("hfwrap died by signal {:?}\nstderr:\n{}", self.status.signal(), self.stderr),
        }
    }

    /// hfwrap's own human lines (`hfwrap: …`), as printed.
    fn own_lines(&self) -> Vec<&str> {
        self.stderr.lines().filter(|l| strip_ansi(l).starts_with("hfwrap:")).collect()
    }
}

impl From<Done> for Out {
    fn from(d: Done) -> Out {
        let stdout = d.out();
        Out { status: d.status, stdout, stderr: d.stderr }
    }
}

/// hfwrap driving `ci_child.py` in a [`Env`].
trait CiEnv {
    /// `[OPTS..., python3, ci_child.py, COUNTER, PLAN, EXTRA...]`
    fn child_args(&self, opts: &[&str], counter: &str, plan: &Value, extra: &[&str]) -> Vec<String>;
    /// Run to the end with stdout and stderr on separate pipes.
    fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> Out;
    /// Run to the end with stdout and stderr on one pipe, as a CI runner that merges them sees
    /// them: the result's `stderr` holds both, in the order they were written.
    fn run_combined<S: AsRef<OsStr>>(&self, args: &[S]) -> Out;
    /// Start without waiting (for tests that act while hfwrap runs).
    fn start<S: AsRef<OsStr>>(&self, args: &[S]) -> Live;
}

impl CiEnv for Env {
    fn child_args(&self, opts: &[&str], counter: &str, plan: &Value, extra: &[&str]) -> Vec<String> {
        let mut a: Vec<String> = opts.iter().map(|s| s.to_string()).collect();
        a.extend(["python3".to_string(), ci_child(), self.p(counter), plan.to_string()]);
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    }

    fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> Out {
        Live::start(self.hfwrap(args)).wait().into()
    }

    fn run_combined<S: AsRef<OsStr>>(&self, args: &[S]) -> Out {
        let (r, w) = pipe();
        let mut c = self.hfwrap(args);
        c.stdout(Stdio::from(w.try_clone().unwrap())).stderr(Stdio::from(w));
        let child = c.spawn().expect("spawn hfwrap");
        drop(c); // the parent's copies of the write end: EOF comes when hfwrap's tree is done
        Live::attach(child, None::<std::fs::File>, r).wait().into()
    }

    fn start<S: AsRef<OsStr>>(&self, args: &[S]) -> Live {
        Live::start(self.hfwrap(args))
    }
}

fn pipe() -> (std::fs::File, std::fs::File) {
    // Close-on-exec at once where the OS can (pipe2), right after elsewhere (macOS).
    #[cfg(target_os = "linux")]
    let (r, w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).unwrap();
    #[cfg(not(target_os = "linux"))]
    let (r, w) = rustix::pipe::pipe().unwrap();
    for fd in [&r, &w] {
        rustix::io::fcntl_setfd(fd, rustix::io::FdFlags::CLOEXEC).unwrap();
    }
    (std::fs::File::from(r), std::fs::File::from(w))
}

/// Wait (bounded) until a file exists: the child made it.
fn wait_for_file(p: &Path) {
    let deadline = Instant::now() + DEADLINE;
    while !p.exists() {
        assert!(Instant::now() < deadline, "{} never appeared", p.display());
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

// ---------------------------------------------------------------------------------------------
// GitHub Actions: replaying the output the way the runner processes workflow commands
// ---------------------------------------------------------------------------------------------

/// Lines as the Actions runner reads them: `\n`, `\r\n` and a lone `\r` each end a line.
fn runner_lines(text: &str) -> Vec<String> {
    text.replace("\r\n", "\n").split(['\n', '\r']).map(str::to_string).collect()
}

/// Whether the runner would take a line for a workflow command (v2 `::cmd::`, legacy `##[cmd]`).
fn is_workflow_command(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("::") || t.contains("##[")
}

/// What the runner made of an output: the commands it processed, and the lines it ignored
/// because command processing was stopped.
#[derive(Debug)]
struct Replay {
    processed: Vec<String>,
    ignored: Vec<String>,
    /// Every token hfwrap stopped commands with.
    tokens: Vec<String>,
    /// Processing still stopped at the end (hfwrap's final commands would be swallowed).
    stopped_at_end: bool,
}

fn replay(text: &str) -> Replay {
    let mut r = Replay { processed: vec![], ignored: vec![], tokens: vec![], stopped_at_end: false };
    let mut stop: Option<String> = None;
    for line in runner_lines(text) {
        match &stop {
            Some(t) if line == format!("::{t}::") => {
                r.processed.push(line);
                stop = None;
            }
            Some(_) => r.ignored.push(line),
            None if is_workflow_command(&line) => {
                if let Some(t) = line.strip_prefix("::stop-commands::") {
                    stop = Some(t.to_string());
                    r.tokens.push(t.to_string());
                }
                r.processed.push(line);
            }
            None => {}
        }
    }
    r.stopped_at_end = stop.is_some();
    r
}

/// The workflow commands hfwrap itself emits; anything else processed is a forgery.
fn is_hfwraps_command(line: &str, secrets: &[&str]) -> bool {
    let own = Regex::new(
        r"^(::stop-commands::hfwrap-[0-9a-f]{32}|::hfwrap-[0-9a-f]{32}::|::group::hfwrap attempt \d+/\d+: .*|::endgroup::|::(error|warning) title=hfwrap%3A[^:]*::.*)$",
    )
    .unwrap();
    own.is_match(line) || secrets.iter().any(|s| line == format!("::add-mask::{s}"))
}

// ---------------------------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------------------------

/// Placeholders for what varies between runs and machines, applied in this order (after ANSI colour
/// is stripped and the test's own temp dir became `<TMP>`) before text meets its snapshot.
const SNAPSHOT_FILTERS: [(&str, &str); 7] = [
    (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "<TIME>"),
    (r"(127\.0\.0\.1|localhost):\d+", "$1:<PORT>"),
    (r"\d+(\.\d+)? (B|KiB|MiB|GiB|TiB) free", "<FREE> free"),
    (r"backing off \d+s", "backing off <N>s"),
    (r"/tmp/\.tmp[A-Za-z0-9]+", "<TMP>"),
    (r"\b\d+\.\d+s\b", "<DURATION>"),
    (r"\bpid([= ])\d+", "pid$1<PID>"),
];

/// `text` (what a user reads) against `tests/integration/snapshots/integration__ci__NAME.snap`.
/// A change shows as a diff; accept it with `cargo insta review`, or `INSTA_UPDATE=always` and a
/// look at `git diff` (tests/README.md).
fn assert_snapshot(name: &str, text: &str, env: &Env) {
    let plain = strip_ansi(text);
    // insta compares with trailing whitespace trimmed: the end is checked here, exactly.
    assert!(!plain.contains('\r'), "{name}: a carriage return in user-facing text: {plain:?}");
    assert_eq!(&plain[plain.trim_end().len()..], "\n", "{name}: must end in exactly one newline: {plain:?}");
    let mut settings = insta::Settings::clone_current();
    settings.set_omit_expression(true);
    settings.add_filter(&regex::escape(&env.dir.path().to_string_lossy()), "<TMP>");
    for (re, with) in SNAPSHOT_FILTERS {
        settings.add_filter(re, with);
    }
    settings.bind(|| insta::assert_snapshot!(name, plain));
}

// ---------------------------------------------------------------------------------------------
// The report schema
// ---------------------------------------------------------------------------------------------

/// The cause ids the README documents.
fn documented_causes() -> Vec<String> {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let table = readme.split("<!-- causes:start -->").nth(1).unwrap().split("<!-- causes:end -->").next().unwrap();
    let re = Regex::new(r"(?m)^\| `([a-z_]+)` \|").unwrap();
    re.captures_iter(table).map(|c| c[1].to_string()).collect()
}

/// `hfwrap-report/1` as the README documents it: every key, every type.
fn check_schema(v: &Value) {
    let causes = documented_causes();
    let time = Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$").unwrap();
    let obj = v.as_object().unwrap_or_else(|| panic!("report is not an object: {v}"));
    let keys: Vec<&str> = obj.keys().map(|k| k.as_str()).collect();
    let mut expected = vec![
        "schema",
        "hfwrap_version",
        "command",
        "started_at",
        "ended_at",
        "outcome",
        "exit_code",
        "cause",
        "rule",
        "fix",
        "evidence",
        "details",
        "attempts",
        "tail",
    ];
    expected.sort();
    let mut got = keys.clone();
    got.sort();
    assert_eq!(got, expected, "report keys: {v:#}");
    let strings = |x: &Value, what: &str| {
        let a = x.as_array().unwrap_or_else(|| panic!("{what} is not an array: {v:#}"));
        assert!(a.iter().all(|s| s.is_string()), "{what} holds a non-string: {v:#}");
    };
    let null_or_string =
        |x: &Value, what: &str| assert!(x.is_null() || x.is_string(), "{what} is neither null nor a string: {v:#}");
    let cause_ok = |x: &Value, what: &str| {
        assert!(
            x.is_null() || x.as_str().is_some_and(|c| causes.iter().any(|k| k == c)),
            "{what} {x} is not a documented cause: {v:#}"
        )
    };
    assert_eq!(v["schema"], "hfwrap-report/1");
    assert!(v["hfwrap_version"].as_str().is_some_and(|s| !s.is_empty()));
    strings(&v["command"], "command");
    assert!(!v["command"].as_array().unwrap().is_empty());
    for k in ["started_at", "ended_at"] {
        assert!(v[k].as_str().is_some_and(|t| time.is_match(t)), "{k} is not an RFC 3339 UTC time: {v:#}");
    }
    assert!(v["started_at"].as_str().unwrap() <= v["ended_at"].as_str().unwrap());
    let outcome = v["outcome"].as_str().unwrap_or_else(|| panic!("outcome: {v:#}"));
    assert!(["success", "failed", "interrupted"].contains(&outcome), "outcome {outcome}");
    assert!(v["exit_code"].is_i64(), "exit_code: {v:#}");
    cause_ok(&v["cause"], "cause");
    null_or_string(&v["rule"], "rule");
    null_or_string(&v["fix"], "fix");
    strings(&v["evidence"], "evidence");
    let details = v["details"].as_object().unwrap_or_else(|| panic!("details: {v:#}"));
    assert!(details.values().all(|d| d.is_string()), "details: {v:#}");
    assert!(v["tail"].is_string());
    let attempts = v["attempts"].as_array().unwrap_or_else(|| panic!("attempts: {v:#}"));
    for (i, a) in attempts.iter().enumerate() {
        let mut ak: Vec<&str> = a.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        ak.sort();
        assert_eq!(
            ak,
            ["action", "cause", "command", "duration_ms", "env_changes", "exit_code", "number", "rule", "started_at"],
            "{a:#}"
        );
        assert_eq!(a["number"].as_u64(), Some(i as u64 + 1), "attempts are numbered 1, 2, …: {v:#}");
        strings(&a["command"], "attempt command");
        assert!(a["started_at"].as_str().is_some_and(|t| time.is_match(t)), "{a:#}");
        assert!(a["duration_ms"].is_u64(), "{a:#}");
        assert!(a["exit_code"].is_i64(), "{a:#}");
        cause_ok(&a["cause"], "attempt cause");
        null_or_string(&a["rule"], "attempt rule");
        null_or_string(&a["action"], "attempt action");
        strings(&a["env_changes"], "env_changes");
    }
    match outcome {
        "success" => {
            assert_eq!(v["exit_code"], 0);
            assert!(v["cause"].is_null() && v["fix"].is_null(), "{v:#}");
            assert!(attempts.last().unwrap()["cause"].is_null());
        }
        "failed" => {
            assert!(v["cause"].is_string() && v["fix"].is_string(), "a failure names its cause and fix: {v:#}");
            assert_ne!(v["exit_code"], 0);
        }
        _ => {}
    }
    if let Some(last) = attempts.last() {
        assert!(last["action"].is_null(), "nothing follows the last attempt: {v:#}");
    }
}

// ---------------------------------------------------------------------------------------------
// 1. GitHub Actions
// ---------------------------------------------------------------------------------------------

fn github(env: &mut Env) -> PathBuf {
    let summary = env.path("step-summary.md");
    env.set("GITHUB_ACTIONS", "true").set("GITHUB_STEP_SUMMARY", summary.clone().into_os_string());
    summary
}

#[test]
fn github_failure_is_one_escaped_error_annotation() {
    let mut env = Env::new();
    github(&mut env);
    // A user signature whose fix holds `%`, CR, LF and a captured field with a `%0A` trick.
    env.write(
        "xdg/hfwrap/signatures.toml",
        r#"
[[signature]]
id = "ci-escape-test"
cause = "cache_unwritable"
patterns = ['''CI-ESCAPE-TEST (?P<thing>\S+)''']
fix = "100% sure: {thing}\r\n::error::injected-by-fix"
"#,
    );
    let plan = json!([[["err", "CI-ESCAPE-TEST a%0A::error::injected-by-field\n"], ["exit", 1]]]);
    let out = env.run(&env.child_args(&[], "counter", &plan, &[]));
    assert_eq!(out.code(), 1, "{}", out.stderr);
    let errors: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("::error")).collect();
    assert_eq!(
        errors,
        ["::error title=hfwrap%3A the cache or target directory is not writable::100%25 sure: a%250A::error::injected-by-field%0D%0A::error::injected-by-fix"],
        "exactly one annotation, with %, CR and LF escaped:\n{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("\n::error::injected"),
        "a line of the fix became a command of its own:\n{}",
        out.stderr
    );

    // A built-in diagnosis: the title names the cause, the message is the fix.
    let mut env = Env::new();
    github(&mut env);
    let out = env.run(&env.child_args(&[], "counter", &json!([[["err", LINE_GATED], ["exit", 1]]]), &[]));
    assert_eq!(out.code(), 1);
    let errors: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("::error")).collect();
    assert_eq!(errors.len(), 1, "{}", out.stderr);
    assert!(
        errors[0].starts_with(
            "::error title=hfwrap%3A the Hub requires authentication for this repo::The repo org/m is gated."
        ),
        "{}",
        errors[0]
    );
    assert!(!out.stderr.contains("::warning"), "{}", out.stderr);
}

#[test]
fn github_recovered_run_warns_groups_the_retry_and_writes_the_summary() {
    let mut env = Env::new();
    let summary = github(&mut env);
    let plan = json!([[["out", "first attempt\n"], ["err", LINE_503], ["exit", 1]], [["out", "second attempt\n"]]]);
    let out = env.run(&env.child_args(&["--retries", "2"], "counter", &plan, &[]));
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(env.runs("counter"), 2);
    assert_eq!(out.stdout, "first attempt\nsecond attempt\n", "stdout holds the child's output only");
    assert!(!out.stderr.contains("::error"), "{}", out.stderr);
    let warnings: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("::warning")).collect();
    assert_eq!(
        warnings,
        ["::warning title=hfwrap%3A recovered::recovered after 2 attempts (server_error)"],
        "{}",
        out.stderr
    );

    // The retry (attempt 2) is one group; the first attempt is not grouped.
    let lines: Vec<&str> = out.stderr.lines().collect();
    let groups: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].starts_with("::group::")).collect();
    let ends: Vec<usize> = (0..lines.len()).filter(|&i| lines[i] == "::endgroup::").collect();
    assert_eq!(groups.len(), 1, "{}", out.stderr);
    assert_eq!(ends.len(), 1, "{}", out.stderr);
    assert!(lines[groups[0]].starts_with("::group::hfwrap attempt 2/3: python3 "), "{}", lines[groups[0]]);
    assert!(groups[0] < ends[0]);
    let first_note =
        lines.iter().position(|l| l.starts_with("hfwrap: the Hub answered with a server error")).expect("retry note");
    assert!(first_note < groups[0], "the retry is announced before its group opens:\n{}", out.stderr);

    let md = std::fs::read_to_string(&summary).expect("step summary written");
    assert!(md.starts_with("### hfwrap: recovered (exit code 0)\n"), "{md}");
    assert!(md.contains(&format!("`python3 {} ", ci_child())), "the command: {md}");
    assert!(md.contains("| attempt | cause | action | duration | exit code |\n|---|---|---|---|---|\n"), "{md}");
    // Actions and the fix hold text from the child: code spans, where markdown renders nothing.
    let row = Regex::new(r"(?m)^\| 1 \| server_error \| `backing off \d+s` \| \d+\.\ds \| 1 \|$").unwrap();
    assert!(row.is_match(&md), "attempt 1 row: {md}");
    let row = Regex::new(r"(?m)^\| 2 \| — \| — \| \d+\.\ds \| 0 \|$").unwrap();
    assert!(row.is_match(&md), "attempt 2 row: {md}");
    assert!(!md.contains("**Fix:**"), "a recovered run needs no fix: {md}");
}

#[test]
fn github_each_retry_is_a_group_and_a_failure_summary_has_the_fix() {
    let mut env = Env::new();
    let summary = github(&mut env);
    std::fs::write(&summary, "earlier step\n").unwrap();
    let plan = json!([[["out", "attempt output\n"], ["err", LINE_503], ["exit", 7]]]);
    let out = env.run(&env.child_args(&["--retries", "2"], "counter", &plan, &[]));
    assert_eq!(out.code(), 7, "{}", out.stderr);
    assert_eq!(env.runs("counter"), 3);
    let lines: Vec<&str> = out.stderr.lines().collect();
    let opened: Vec<&str> = lines.iter().copied().filter(|l| l.starts_with("::group::")).collect();
    assert_eq!(opened.len(), 2, "{}", out.stderr);
    assert!(opened[0].starts_with("::group::hfwrap attempt 2/3: "));
    assert!(opened[1].starts_with("::group::hfwrap attempt 3/3: "));
    // Groups are closed before the next opens, and the child's lines of a retry are inside its group.
    let mut depth = 0;
    let mut inside = 0;
    for l in &lines {
        if l.starts_with("::group::") {
            depth += 1;
            assert_eq!(depth, 1, "nested group:\n{}", out.stderr);
        } else if *l == "::endgroup::" {
            depth -= 1;
        } else if l.starts_with("HTTP Error 503") && depth == 1 {
            inside += 1;
        }
    }
    assert_eq!(depth, 0, "a group left open:\n{}", out.stderr);
    assert_eq!(inside, 2, "the retries' output is grouped:\n{}", out.stderr);
    let errors: Vec<&str> = lines.iter().copied().filter(|l| l.starts_with("::error")).collect();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]
            .starts_with("::error title=hfwrap%3A the Hub answered with a server error (5xx)::The Hub answered 503"),
        "{}",
        errors[0]
    );

    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("earlier step\n### hfwrap: failed (exit code 7)\n"), "appended, not overwritten: {md}");
    assert_eq!(Regex::new(r"(?m)^\| [123] \| server_error \| ").unwrap().find_iter(&md).count(), 3, "{md}");
    assert!(Regex::new(r"(?m)^\| 3 \| server_error \| — \| \d+\.\ds \| 7 \|$").unwrap().is_match(&md), "{md}");
    assert!(md.contains("\n**Fix:** `The Hub answered 503: a server-side problem"), "{md}");
}

/// What the child prints in the forgery test: every trick for passing a line off as a command.
fn forging_plan(success_on_retry: bool) -> Value {
    let mut tricks = vec![
        json!(["out", "::error::forged-plain\n"]),
        json!(["out", "::add-mask::forged-mask\n"]),
        json!(["out", "::warning title=x::forged-escaped%0A::error::forged-after-escape\n"]),
        json!(["out", "progress 10%\r::error::forged-after-cr\n"]),
        json!(["out", "::stop-commands::guess\n::guess::\n::error::forged-after-own-stop\n"]),
        json!(["out", "::hfwrap-00000000000000000000000000000000::\n::error::forged-after-guessed-resume\n"]),
        json!(["out", "##[error]forged-legacy\n"]),
        json!(["out", "  ::error::forged-indented\n"]),
        json!(["out", LINE_503]),
        // The last line has no newline: hfwrap's next line must not be glued to it.
        json!(["out", "::error::forged-unterminated"]),
    ];
    let mut first = tricks.clone();
    first.push(json!(["exit", 1]));
    if success_on_retry {
        tricks.retain(|t| t[1] != LINE_503);
        json!([first, tricks])
    } else {
        json!([first])
    }
}

#[test]
fn github_a_child_cannot_forge_workflow_commands() {
    let mut env = Env::new();
    github(&mut env);
    let token = hub_token();
    env.set("HF_TOKEN", &token);
    let out = env.run_combined(&env.child_args(&["--retries", "1"], "counter", &forging_plan(true), &[]));
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(env.runs("counter"), 2);
    let r = replay(&out.stderr);
    let forged: Vec<&String> = r.processed.iter().filter(|l| !is_hfwraps_command(l, &[&token])).collect();
    assert!(
        forged.is_empty(),
        "the runner would process these lines the child printed: {forged:?}\noutput:\n{}",
        out.stderr
    );
    assert!(
        !r.stopped_at_end,
        "command processing is left stopped (hfwrap's own final commands are lost):\n{}",
        out.stderr
    );
    // Every line of the child's was inside a stop-commands window, both attempts.
    let ignored = r.ignored.join("\n");
    for marker in [
        "forged-plain",
        "forged-mask",
        "forged-after-cr",
        "forged-after-own-stop",
        "forged-after-guessed-resume",
        "forged-legacy",
        "forged-indented",
        "forged-unterminated",
    ] {
        assert_eq!(
            ignored.matches(marker).count(),
            2,
            "{marker} not inside a window on both attempts:\n{}",
            out.stderr
        );
    }
    // hfwrap's own commands did reach the runner.
    assert!(r.processed.iter().any(|l| l.starts_with("::warning title=hfwrap%3A recovered::")), "{:?}", r.processed);
    assert!(r.processed.iter().any(|l| l.starts_with("::group::hfwrap attempt 2/2")), "{:?}", r.processed);
    assert!(r.processed.iter().any(|l| l == "::endgroup::"), "{:?}", r.processed);
    assert!(r.processed.iter().any(|l| *l == format!("::add-mask::{token}")), "{:?}", r.processed);
    // A fresh unguessable token per attempt (one the child saw in the log of attempt 1 is no key
    // to attempt 2), and a different one in another run.
    assert_eq!(r.tokens.len(), 2, "{:?}", r.tokens);
    assert_ne!(r.tokens[0], r.tokens[1], "the same token for both attempts");
    let again = env.run_combined(&env.child_args(&["--retries", "0"], "counter2", &forging_plan(false), &[]));
    assert_eq!(again.code(), 1, "{}", again.stderr);
    let r2 = replay(&again.stderr);
    assert!(r2.processed.iter().all(|l| is_hfwraps_command(l, &[&token])), "{:?}", r2.processed);
    assert!(!r2.stopped_at_end, "{}", again.stderr);
    assert!(
        r2.processed.iter().any(|l| l.starts_with("::error title=hfwrap%3A")),
        "the failure annotation is processed: {:?}",
        r2.processed
    );
    assert_eq!(r2.tokens.len(), 1);
    assert_ne!(r.tokens[0], r2.tokens[0], "the stop-commands token must differ between runs");
}

#[test]
fn github_commands_go_to_stderr_and_stdout_stays_the_childs() {
    let mut env = Env::new();
    github(&mut env);
    let plan = json!([[["out", "/path/to/model\n"], ["err", LINE_GATED], ["exit", 1]]]);
    let out = env.run(&env.child_args(&[], "counter", &plan, &[]));
    assert_eq!(out.code(), 1);
    assert_eq!(out.stdout, "/path/to/model\n", "`path=$(hfwrap …)` must capture the child's stdout only");
    for cmd in ["::stop-commands::hfwrap-", "::error title=hfwrap"] {
        assert!(out.stderr.lines().any(|l| l.starts_with(cmd)), "{cmd} on stderr:\n{}", out.stderr);
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Token masking and redaction
// ---------------------------------------------------------------------------------------------

fn token_leak_check(token: &str) {
    let mut env = Env::new();
    let summary = github(&mut env);
    env.set("HF_TOKEN", token);
    let report = env.path("report.json");
    let plan = json!([[
        ["out", format!("the child may echo its token: {token}\n")],
        ["err", "requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/api/models/org/m\n"],
        ["err", format!("Invalid credentials in Authorization header: Bearer {token}\n")],
        // git puts the token in the URL it complains about; the fix is built from that URL.
        ["err", format!("fatal: Authentication failed for 'https://{token}@huggingface.co/org/m/'\n")],
        ["exit", 1]
    ]]);
    let out = env.run_combined(&env.child_args(
        &["--report", report.to_str().unwrap()],
        "counter",
        &plan,
        &["--token", token],
    ));
    assert_eq!(out.code(), 1, "{}", out.stderr);
    let all = runner_lines(&out.stderr);
    // The mask comes first, before any line of hfwrap's or the child's.
    assert_eq!(all[0], format!("::add-mask::{token}"), "the first line must mask the token:\n{}", out.stderr);
    // Outside the mask line, the token appears only in the child's own lines (inside the windows).
    let r = replay(&out.stderr);
    for l in &r.processed {
        assert!(!l.contains(token) || *l == format!("::add-mask::{token}"), "hfwrap's command carries the token: {l}");
    }
    for l in all.iter().filter(|l| l.starts_with("hfwrap:")) {
        assert!(!l.contains(token), "hfwrap's own line carries the token: {l}");
    }
    let seen = all
        .iter()
        .find(|l| l.starts_with("hfwrap: seen:"))
        .unwrap_or_else(|| panic!("no evidence line:\n{}", out.stderr));
    assert!(seen.contains("***@huggingface.co/org/m/"), "the evidence shows the URL redacted: {seen}");
    assert!(
        all.iter().any(|l| l.starts_with("hfwrap: failed: the token was rejected (token_invalid)")),
        "{}",
        out.stderr
    );
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(!text.contains(token), "the report carries the token:\n{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    check_schema(&v);
    assert!(v["evidence"].as_array().unwrap().iter().any(|e| e.as_str().unwrap().contains("Bearer ***")), "{v:#}");
    assert!(!v["fix"].as_str().unwrap().contains(token), "{v:#}");
    assert!(v["command"].as_array().unwrap().windows(2).any(|w| w[0] == "--token" && w[1] == "***"), "{v:#}");
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(!md.contains(token), "the step summary carries the token:\n{md}");
    assert!(md.contains("--token ***"), "{md}");
}

#[test]
fn token_is_masked_first_and_never_in_hfwraps_lines_report_or_summary() {
    token_leak_check(&hub_token());
}

#[test]
fn a_token_of_any_shape_is_scrubbed_by_value() {
    // Not `hf_`-shaped: only knowing the value can hide it.
    token_leak_check(&random_alnum(28));
}

// ---------------------------------------------------------------------------------------------
// 3. GitLab
// ---------------------------------------------------------------------------------------------

#[test]
fn gitlab_retry_attempts_are_collapsed_sections() {
    let mut env = Env::new();
    env.set("GITLAB_CI", "true");
    let plan = json!([
        [["err", LINE_503], ["exit", 1]],
        [["err", format!("attempt two {LINE_503}")], ["exit", 1]],
        [["err", "attempt three ok\n"]]
    ]);
    let out = env.run(&env.child_args(&["--retries", "2"], "counter", &plan, &[]));
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(env.runs("counter"), 3);
    let start = Regex::new(r"^\x1b\[0Ksection_start:(\d+):hfwrap_attempt_(\d+)\[collapsed=true\]\r\x1b\[0Khfwrap attempt (\d+)/3: python3 .*$").unwrap();
    let end = Regex::new(r"^\x1b\[0Ksection_end:(\d+):hfwrap_attempt_(\d+)\r\x1b\[0K$").unwrap();
    let mut open: Option<String> = None;
    let mut sections = Vec::new();
    let mut content: BTreeMap<String, String> = BTreeMap::new();
    for l in out.stderr.lines() {
        if let Some(c) = start.captures(l) {
            assert!(open.is_none(), "nested section:\n{}", out.stderr);
            assert_eq!(c[2], c[3]);
            open = Some(c[2].to_string());
        } else if let Some(c) = end.captures(l) {
            assert_eq!(open.as_deref(), Some(&c[2]), "section_end without its start:\n{:?}", out.stderr);
            sections.push(c[2].to_string());
            open = None;
        } else if let Some(n) = &open {
            content.entry(n.clone()).or_default().push_str(l);
        }
    }
    assert!(open.is_none(), "a section left open:\n{:?}", out.stderr);
    assert_eq!(sections, ["2", "3"], "{:?}", out.stderr);
    assert!(content["2"].contains("attempt two"), "{content:?}");
    assert!(content["3"].contains("attempt three ok"), "{content:?}");
    assert!(!out.stderr.contains("::"), "no GitHub commands in GitLab:\n{}", out.stderr);
}

// ---------------------------------------------------------------------------------------------
// 4. Heartbeat
// ---------------------------------------------------------------------------------------------

#[test]
fn heartbeat_shows_a_silent_run_is_alive_and_quiet_silences_it() {
    let mut env = Env::new();
    env.set("HFWRAP_HEARTBEAT", "1s");
    let go = env.path("go");
    // The quiet run starts first: by the time the chatty one has shown two heartbeats, the quiet
    // one has been watching its (silent) child for longer than that.
    let quiet = env.start(&env.child_args(
        &["-q"],
        "counter-q",
        &json!([[["touch", env.p("q-started")], ["wait", env.p("go")]]]),
        &[],
    ));
    wait_for_file(&env.path("q-started"));
    let mut chatty =
        env.start(&env.child_args(&[], "counter", &json!([[["wait", env.p("go")], ["out", "done\n"]]]), &[]));
    chatty.wait_for_lines(Stream::Stderr, "hfwrap: still running:", 2);
    assert!(!go.exists());
    std::fs::write(&go, "go").unwrap();
    let out: Out = chatty.wait().into();
    let q: Out = quiet.wait().into();
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(out.stdout, "done\n");
    let beat = Regex::new(r"^hfwrap: still running: \d+(\.\d)? (B|KiB|MiB|GiB) on disk, \d+(\.\d)? (B|KiB|MiB|GiB)/s, \d+s since the start$").unwrap();
    let beats: Vec<&str> = out.stderr.lines().filter(|l| l.contains("still running")).collect();
    assert!(beats.len() >= 2 && beats.iter().all(|l| beat.is_match(l)), "{beats:?}");
    assert_eq!(q.code(), 0, "{}", q.stderr);
    assert!(!q.stderr.contains("still running"), "-q prints no heartbeat:\n{}", q.stderr);
    assert_eq!(q.stderr, "", "-q on a successful run prints nothing of hfwrap's");
}

// ---------------------------------------------------------------------------------------------
// 5. The report
// ---------------------------------------------------------------------------------------------

#[test]
fn report_on_success_failure_and_death_by_signal() {
    let env = Env::new();
    std::fs::create_dir(env.path("reports")).unwrap();
    let path = env.path("reports/r.json");
    let p = path.to_str().unwrap();

    let out = env.run(&env.child_args(&["--report", p], "c1", &json!([[["out", "fine\n"]]]), &[]));
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let v = read_json(&path);
    check_schema(&v);
    assert_eq!(v["outcome"], "success");
    assert_eq!(v["attempts"].as_array().unwrap().len(), 1);
    assert_eq!(files_in(&env.path("reports")), ["r.json"], "no temporary file left");

    let out = env.run(&env.child_args(&["--report", p], "c2", &json!([[["err", LINE_ENOSPC], ["exit", 1]]]), &[]));
    assert_eq!(out.code(), 1);
    let v = read_json(&path);
    check_schema(&v);
    assert_eq!(
        (v["outcome"].as_str(), v["cause"].as_str(), v["rule"].as_str(), v["exit_code"].as_i64()),
        (Some("failed"), Some("disk_full"), Some("enospc"), Some(1))
    );
    assert_eq!(v["evidence"][0], "OSError: [Errno 28] No space left on device");
    assert_eq!(v["attempts"][0]["cause"], "disk_full");
    assert!(v["tail"].as_str().unwrap().contains("No space left on device"));
    assert_eq!(files_in(&env.path("reports")), ["r.json"]);

    let out = env.run(&env.child_args(
        &["--report", p],
        "c3",
        &json!([[["out", "about to die\n"], ["kill", libc::SIGUSR1]]]),
        &[],
    ));
    assert_eq!(out.code(), 128 + libc::SIGUSR1, "{}", out.stderr);
    let v = read_json(&path);
    check_schema(&v);
    assert_eq!(v["outcome"], "failed");
    assert_eq!(v["exit_code"], 128 + libc::SIGUSR1);
    assert_eq!(v["attempts"][0]["exit_code"], 128 + libc::SIGUSR1);
    assert_eq!(files_in(&env.path("reports")), ["r.json"]);
    // Readable like any file the user makes: CI uploads it, other users read it.
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&path).unwrap().permissions());
    assert_eq!(mode & 0o044, 0o044, "report mode {mode:o}");
}

#[test]
fn report_when_hfwrap_is_interrupted() {
    let mut env = Env::new();
    std::fs::create_dir(env.path("reports")).unwrap();
    let path = env.path("reports/r.json");
    env.set("HFWRAP_REPORT", path.clone().into_os_string());
    let plan = json!([[["err", LINE_503], ["out", "READY\n"], ["wait", env.p("never")]]]);
    let mut live = env.start(&env.child_args(&["--retries", "3"], "counter", &plan, &[]));
    live.wait_for_bytes(Stream::Stdout, "READY\n");
    // SAFETY: kill(2) on the hfwrap this test started.
    assert_eq!(unsafe { libc::kill(live.pid, libc::SIGINT) }, 0);
    let out: Out = live.wait().into();
    assert_eq!(out.code(), 130, "{}", out.stderr);
    assert_eq!(env.runs("counter"), 1, "an interrupted command is not re-run");
    let v = read_json(&path);
    check_schema(&v);
    assert_eq!(v["outcome"], "interrupted");
    assert_eq!(v["exit_code"], 130);
    assert_eq!(v["attempts"].as_array().unwrap().len(), 1);
    assert_eq!(files_in(&env.path("reports")), ["r.json"], "no temporary file left");
}

#[test]
fn report_redacts_tokens_on_the_command_line_and_in_the_output() {
    let mut env = Env::new();
    let token = hub_token();
    let other = random_alnum(24);
    env.set("HF_TOKEN", &token);
    let path = env.path("r.json");
    let plan = json!([[["out", format!("echo {token}\n")], ["err", LINE_GATED], ["exit", 1]]]);
    let extra = ["--token", other.as_str(), &format!("--token={other}")];
    let out = env.run(&env.child_args(&["--report", path.to_str().unwrap()], "counter", &plan, &extra));
    assert_eq!(out.code(), 1, "{}", out.stderr);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(&token) && !text.contains(&other), "a secret in the report:\n{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    check_schema(&v);
    let cmd: Vec<&str> = v["command"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert_eq!(&cmd[cmd.len() - 3..], ["--token", "***", "--token=***"], "{cmd:?}");
    assert_eq!(v["attempts"][0]["command"], v["command"]);
    assert!(!out.stderr.contains(&other), "{}", out.stderr);
}

#[test]
fn report_to_a_missing_or_read_only_directory_is_a_clear_error_and_changes_nothing_else() {
    let env = Env::new();
    let missing = env.path("no-such-dir/r.json");
    let out = env.run(&env.child_args(
        &["--report", missing.to_str().unwrap()],
        "c1",
        &json!([[["out", "ran\n"], ["exit", 5]]]),
        &[],
    ));
    assert_eq!(out.code(), 5, "the child's exit code passes through: {}", out.stderr);
    assert_eq!(env.runs("c1"), 1);
    assert_eq!(out.stdout, "ran\n");
    let msg = out
        .stderr
        .lines()
        .find(|l| l.contains("cannot write report"))
        .unwrap_or_else(|| panic!("no error:\n{}", out.stderr));
    assert!(msg.starts_with("hfwrap: error: cannot write report ") && msg.contains(missing.to_str().unwrap()), "{msg}");
    assert!(msg.contains("does not exist"), "{msg}");
    assert!(
        !msg.replace(&env.p(""), "<TMP>/").contains(".tmp") && !msg.contains(".hfwrap-report"),
        "the message names the user's path, not a temporary file: {msg}"
    );

    // A directory nobody may create files in (root ignores modes: use sysfs, where nothing can be created).
    let ro = if unsafe { libc::geteuid() } == 0 {
        PathBuf::from("/sys")
    } else {
        let d = env.path("read-only");
        std::fs::create_dir(&d).unwrap();
        std::fs::set_permissions(&d, std::os::unix::fs::PermissionsExt::from_mode(0o555)).unwrap();
        d
    };
    let target = ro.join("hfwrap-report-test.json");
    let out = env.run(&env.child_args(
        &["-q", "--report", target.to_str().unwrap()],
        "c2",
        &json!([[["out", "ran\n"]]]),
        &[],
    ));
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(env.runs("c2"), 1);
    let msg = out
        .stderr
        .lines()
        .find(|l| l.contains("cannot write report"))
        .unwrap_or_else(|| panic!("no error even with -q:\n{}", out.stderr));
    assert!(msg.contains(target.to_str().unwrap()) && msg.contains("not writable"), "{msg}");
    assert!(
        !msg.contains(".hfwrap-report") && !msg.contains("at path"),
        "the message names the user's path, not a temporary file: {msg}"
    );
    assert!(!target.exists());
}

// ---------------------------------------------------------------------------------------------
// 6. Configuration
// ---------------------------------------------------------------------------------------------

/// A child that always fails with a retryable 503.
fn always_503() -> Value {
    json!([[["err", LINE_503], ["exit", 1]]])
}

#[test]
fn retries_precedence_flag_over_env_over_file_over_default() {
    // File over default (3): 1 retry.
    let env = Env::new();
    env.write("xdg/hfwrap/config.toml", "retries = 1\n");
    assert_eq!(env.run(&env.child_args(&[], "counter", &always_503(), &[])).code(), 1);
    assert_eq!(env.runs("counter"), 2, "config file retries = 1");

    // Variable over file.
    let mut env = Env::new();
    env.write("xdg/hfwrap/config.toml", "retries = 2\n");
    env.set("HFWRAP_RETRIES", "1");
    assert_eq!(env.run(&env.child_args(&[], "counter", &always_503(), &[])).code(), 1);
    assert_eq!(env.runs("counter"), 2, "HFWRAP_RETRIES=1 over retries = 2");

    // Flag over variable and file, wherever the other options stand.
    let mut env = Env::new();
    env.write("xdg/hfwrap/config.toml", "retries = 2\n");
    env.set("HFWRAP_RETRIES", "2");
    assert_eq!(
        env.run(&env.child_args(&["--max-time", "10m", "--retries", "0", "-q"], "counter", &always_503(), &[])).code(),
        1
    );
    assert_eq!(env.runs("counter"), 1, "--retries 0 over HFWRAP_RETRIES=2");

    // no-retry from the file.
    let env = Env::new();
    env.write("xdg/hfwrap/config.toml", "no-retry = true\n");
    assert_eq!(env.run(&env.child_args(&[], "counter", &always_503(), &[])).code(), 1);
    assert_eq!(env.runs("counter"), 1, "no-retry = true");
}

#[test]
fn duration_errors_name_their_source() {
    let ok = json!([[["out", "ran\n"]]]);
    // A flag.
    let env = Env::new();
    let out = env.run(&env.child_args(&["--max-time", "soon"], "counter", &ok, &[]));
    assert_eq!(out.code(), 2);
    assert!(out.stderr.contains("--max-time") && out.stderr.contains("soon"), "{}", out.stderr);
    assert_eq!(env.runs("counter"), 0, "nothing runs on a usage error");

    // A variable: the message names the variable, not a flag the user never typed.
    let mut env = Env::new();
    env.set("HFWRAP_STALL_TIMEOUT", "5 parsecs");
    let out = env.run(&env.child_args(&[], "counter", &ok, &[]));
    assert_eq!(out.code(), 2, "{}", out.stderr);
    assert!(out.stderr.contains("HFWRAP_STALL_TIMEOUT") && out.stderr.contains("5 parsecs"), "{}", out.stderr);
    assert_eq!(env.runs("counter"), 0);
    // … unless a flag overrides it: then the variable is not used at all.
    let out = env.run(&env.child_args(&["--stall-timeout", "5s"], "counter", &ok, &[]));
    assert_eq!(out.code(), 0, "{}", out.stderr);

    // The config file: the message names the file and the key.
    let mut env = Env::new();
    let cfg = env.write("xdg/hfwrap/config.toml", "max-time = \"a while\"\n");
    let out = env.run(&env.child_args(&[], "counter", &ok, &[]));
    assert_eq!(out.code(), 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(&cfg) && out.stderr.contains("max-time") && out.stderr.contains("a while"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("--max-time"), "the user typed no --max-time: {}", out.stderr);
    // The file is validated as a whole, like an unknown key: a bad value is an error even when overridden.
    env.set("HFWRAP_MAX_TIME", "10m");
    let out = env.run(&env.child_args(&[], "counter", &ok, &[]));
    assert_eq!(out.code(), 2, "{}", out.stderr);
    assert_eq!(env.runs("counter"), 0);

    let env = Env::new();
    let cfg = env.write("xdg/hfwrap/config.toml", "stall-timeout = \"90x\"\n");
    let out = env.run(&env.child_args(&[], "counter", &ok, &[]));
    assert_eq!(out.code(), 2);
    assert!(out.stderr.contains(&cfg) && out.stderr.contains("stall-timeout"), "{}", out.stderr);

    // The file's valid duration is used when nothing overrides it: a 1 s budget stops a child waiting forever.
    let env = Env::new();
    env.write("xdg/hfwrap/config.toml", "max-time = \"1s\"\n");
    let out = env.run(&env.child_args(&[], "counter", &json!([[["wait", env.p("never")]]]), &[]));
    assert_eq!(out.code(), 3, "--max-time from the file ran out: {}", out.stderr);
    assert!(out.stderr.contains("--max-time 1s ran out"), "{}", out.stderr);
}

#[test]
fn config_file_locations_and_precedence_between_them() {
    let ok = json!([[["out", "ran\n"]]]);
    let mut env = Env::new();
    env.write("xdg/hfwrap/config.toml", "report = \"from-xdg.json\"\n");
    let a = env.write("a.toml", "report = \"from-a.json\"\n");
    let b = env.write("elsewhere/b.toml", "report = \"from-b.json\"\n");

    // The default location.
    assert_eq!(env.run(&env.child_args(&[], "c", &ok, &[])).code(), 0);
    assert!(env.path("from-xdg.json").exists(), "$XDG_CONFIG_HOME/hfwrap/config.toml is read");
    std::fs::remove_file(env.path("from-xdg.json")).unwrap();

    // HFWRAP_CONFIG replaces it.
    env.set("HFWRAP_CONFIG", &a);
    assert_eq!(env.run(&env.child_args(&[], "c", &ok, &[])).code(), 0);
    assert!(env.path("from-a.json").exists() && !env.path("from-xdg.json").exists());
    std::fs::remove_file(env.path("from-a.json")).unwrap();

    // --config beats HFWRAP_CONFIG, also after options that take a value.
    for opts in [
        vec!["--config", b.as_str()],
        vec!["--retries", "0", "--config", b.as_str()],
        vec!["-q", &format!("--config={b}")],
    ] {
        let out = env.run(&env.child_args(&opts, "c", &ok, &[]));
        assert_eq!(out.code(), 0, "{opts:?}: {}", out.stderr);
        assert!(env.path("from-b.json").exists(), "{opts:?} did not read {b}");
        assert!(!env.path("from-a.json").exists() && !env.path("from-xdg.json").exists(), "{opts:?}");
        std::fs::remove_file(env.path("from-b.json")).unwrap();
    }

    // An explicitly named file must exist.
    let out = env.run(&env.child_args(&["--config", &env.p("missing.toml")], "c", &ok, &[]));
    assert_eq!(out.code(), 2);
    assert!(out.stderr.contains("missing.toml"), "{}", out.stderr);
    env.set("HFWRAP_CONFIG", env.p("missing-too.toml"));
    let out = env.run(&env.child_args(&[], "c", &ok, &[]));
    assert_eq!(out.code(), 2);
    assert!(out.stderr.contains("missing-too.toml"), "{}", out.stderr);
}

#[test]
fn config_errors_unknown_key_type_and_garbage() {
    let ok = json!([[["out", "ran\n"]]]);
    for (text, needles) in [
        ("retries = 1\ncolour = \"red\"\n", vec!["colour", "unknown"]),
        ("retries = \"three\"\n", vec!["retries", "line 1"]),
        ("pty = \"sometimes\"\n", vec!["pty", "sometimes"]),
    ] {
        let env = Env::new();
        let cfg = env.write("xdg/hfwrap/config.toml", text);
        let out = env.run(&env.child_args(&["--retries", "0"], "counter", &ok, &[]));
        assert_eq!(out.code(), 2, "{text:?}: {}", out.stderr);
        let msg = out.stderr.lines().next().unwrap_or("");
        assert!(msg.starts_with("hfwrap: error: ") && msg.contains(&cfg), "{msg}");
        for n in needles {
            assert!(msg.contains(n), "{text:?}: the message lacks {n:?}: {msg}");
        }
        assert_eq!(env.runs("counter"), 0);
    }
    // Binary garbage (not UTF-8, NULs).
    let env = Env::new();
    let p = env.path("xdg/hfwrap/config.toml");
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    let mut garbage = vec![0u8, 0xff, 0xfe, b'\n', 0x80, 0x00, 0x1b];
    garbage.extend((0..=255u8).cycle().take(2048));
    std::fs::write(&p, &garbage).unwrap();
    let out = env.run(&env.child_args(&[], "counter", &ok, &[]));
    assert_eq!(out.code(), 2);
    assert_eq!(out.stderr.lines().count(), 1, "one clear line, no dump of the file:\n{}", out.stderr);
    assert!(out.stderr.contains(p.to_str().unwrap()) && out.stderr.contains("not a TOML text file"), "{}", out.stderr);
    // Help still works with a broken config.
    let out = env.run(&["--help"]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
}

#[test]
fn config_values_do_not_leak_into_the_childs_environment() {
    let env = Env::new();
    let token_file = env.write("token-file", "x\n");
    env.write(
        "xdg/hfwrap/config.toml",
        &format!(
            "retries = 1\nno-retry = true\nmax-time = \"10m\"\ntoken-file = {token_file:?}\ntrust-endpoint = [\"http://127.0.0.1:9\"]\n\
             mirror = \"http://127.0.0.1:9\"\nstall-timeout = \"5m\"\nreport = \"r.json\"\npty = \"never\"\nquiet = true\n\
             inject-token-into-programs = true\n"
        ),
    );
    let out = env.run(&env.child_args(&[], "counter", &json!([[["env"]]]), &[]));
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(out.stdout.contains("ENV PATH="), "{}", out.stdout);
    let leaked: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with("ENV HFWRAP_")).collect();
    assert!(leaked.is_empty(), "config values leaked into the child: {leaked:?}");
    assert!(env.path("r.json").exists(), "the config was applied");
    // A variable the user set is the user's and passes through.
    let mut env2 = Env::new();
    env2.set("HFWRAP_RETRIES", "0");
    env2.write("xdg/hfwrap/config.toml", "quiet = true\n");
    let out = env2.run(&env2.child_args(&[], "counter", &json!([[["env"]]]), &[]));
    let leaked: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with("ENV HFWRAP_")).collect();
    assert_eq!(leaked, ["ENV HFWRAP_RETRIES=0"]);
}

// ---------------------------------------------------------------------------------------------
// 7. User signatures
// ---------------------------------------------------------------------------------------------

#[test]
fn user_signature_adds_a_cause_and_fix() {
    let env = Env::new();
    env.write(
        "xdg/hfwrap/signatures.toml",
        r#"
[[signature]]
id = "acme-proxy-quota"
cause = "network_blocked"
tools = ["any"]
patterns = ['''ACME-PROXY: quota exceeded for (?P<host>\S+)''']
fix = "The ACME proxy quota for {host} is used up: ask #it-help to reset it."
"#,
    );
    let report = env.path("r.json");
    let plan = json!([[["err", "ACME-PROXY: quota exceeded for huggingface.co\n"], ["exit", 1]]]);
    let out = env.run(&env.child_args(&["--report", report.to_str().unwrap()], "counter", &plan, &[]));
    assert_eq!(out.code(), 1, "{}", out.stderr);
    let own = out.own_lines();
    assert!(own.contains(&"hfwrap: failed: the Hub could not be reached (network_blocked) — exit code 1"), "{own:?}");
    assert!(
        own.iter().any(|l| l
            .starts_with("hfwrap: fix: The ACME proxy quota for huggingface.co is used up: ask #it-help to reset it.")),
        "{own:?}"
    );
    let v = read_json(&report);
    check_schema(&v);
    assert_eq!(v["rule"], "acme-proxy-quota");
    assert_eq!(v["cause"], "network_blocked");
    assert!(
        v["fix"]
            .as_str()
            .unwrap()
            .starts_with("The ACME proxy quota for huggingface.co is used up: ask #it-help to reset it."),
        "{v:#}"
    );
    // `explain` uses them too, and `signatures = "path"` in the config names another file.
    let env = Env::new();
    let sigs = env.write(
        "conf/mine.toml",
        "[[signature]]\nid = \"acme-x\"\ncause = \"disk_full\"\npatterns = ['''ACME-DISK-FULL''']\nfix = \"Empty /scratch.\"\n",
    );
    let cfg = env.write("conf/hfwrap.toml", "signatures = \"mine.toml\"\n");
    let log = env.write("build.log", "step 1\nACME-DISK-FULL\n");
    let out = env.run(&["explain", "--config", &cfg, &log]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("rule:  acme-x\n") && out.stdout.contains("fix:   Empty /scratch.\n"),
        "{} (from {sigs})",
        out.stdout
    );
}

#[test]
fn invalid_user_signatures_are_usage_errors_naming_file_and_id() {
    let cases = [
        ("bad-regex", "cause = \"disk_full\"\npatterns = ['''(unclosed''']\nfix = \"x\"", "bad pattern"),
        ("bad-cause", "cause = \"cosmic_rays\"\npatterns = ['''abc''']\nfix = \"x\"", "cosmic_rays"),
        ("no-fix", "cause = \"disk_full\"\npatterns = ['''abc''']", "fix"),
        ("no-patterns", "cause = \"disk_full\"\npatterns = []\nfix = \"x\"", "no patterns"),
        ("http-5xx", "cause = \"server_error\"\npatterns = ['''abc''']\nfix = \"x\"", "built-in"),
        ("unicode-boundary", "cause = \"disk_full\"\npatterns = ['''\\bdisk''']\nfix = \"x\"", "(?-u:\\b)"),
    ];
    for (id, body, what) in cases {
        let env = Env::new();
        let file = env.write("xdg/hfwrap/signatures.toml", &format!("[[signature]]\nid = \"ok-one\"\ncause = \"disk_full\"\npatterns = ['''fine''']\nfix = \"x\"\n\n[[signature]]\nid = \"{id}\"\n{body}\n"));
        for args in [
            env.child_args(&[], "counter", &json!([[["out", "ran\n"]]]), &[]),
            vec!["explain".to_string(), file.clone()],
        ] {
            let out = env.run(&args);
            assert_eq!(out.code(), 2, "{id}: {}", out.stderr);
            let msg = out.stderr.clone();
            assert!(msg.contains(&file), "{id}: the message names the file: {msg}");
            assert!(msg.contains(&format!("'{id}'")), "{id}: the message names the signature: {msg}");
            assert!(msg.contains(what), "{id}: the message says what is wrong ({what}): {msg}");
            assert!(!msg.contains("ok-one"), "{id}: blames the wrong signature: {msg}");
        }
        assert_eq!(env.runs("counter"), 0);
    }
    // The same id twice in the user's own file.
    let env = Env::new();
    let file = env.write("xdg/hfwrap/signatures.toml", "[[signature]]\nid = \"twice\"\ncause = \"disk_full\"\npatterns = ['''a''']\nfix = \"x\"\n[[signature]]\nid = \"twice\"\ncause = \"disk_full\"\npatterns = ['''b''']\nfix = \"y\"\n");
    let out = env.run(&["explain", &file]);
    assert_eq!(out.code(), 2);
    assert!(out.stderr.contains(&file) && out.stderr.contains("'twice'"), "{}", out.stderr);
}

// ---------------------------------------------------------------------------------------------
// 8. Human-facing text: snapshots and colour
// ---------------------------------------------------------------------------------------------

fn failure_block(name: &str, opts: &[&str], plan: Value, setup: impl FnOnce(&mut Env)) {
    let mut env = Env::new();
    setup(&mut env);
    let out = env.run(&env.child_args(opts, "counter", &plan, &[]));
    assert_ne!(out.code(), 0);
    let block = out.own_lines().join("\n") + "\n";
    assert_snapshot(name, &block, &env);
}

#[test]
fn snapshot_failure_blocks() {
    failure_block("failure_auth_required", &[], json!([[["err", LINE_GATED], ["exit", 1]]]), |_| {});
    failure_block(
        "failure_disk_full",
        &[],
        json!([[["out", "Downloading model.safetensors\n"], ["err", LINE_ENOSPC], ["exit", 1]]]),
        |e| {
            let home = e.path("hf-home");
            e.set("HF_HOME", home.into_os_string());
        },
    );
    failure_block(
        "failure_server_error_retried",
        &["--retries", "1"],
        json!([[["err", LINE_503], ["exit", 1]]]),
        |_| {},
    );
}

#[test]
fn snapshot_token_invalid_shows_the_header_redacted() {
    let mut env = Env::new();
    let token = hub_token();
    env.set("HF_TOKEN", &token);
    let plan =
        json!([[["err", format!("Invalid credentials in Authorization header: Bearer {token}\n")], ["exit", 1]]]);
    let out = env.run(&env.child_args(&[], "counter", &plan, &[]));
    assert_eq!(out.code(), 1);
    let block = out.own_lines().join("\n") + "\n";
    assert!(!block.contains(&token), "{block}");
    assert_snapshot("failure_token_invalid", &block, &env);
}

#[test]
fn snapshot_explain_and_help() {
    let env = Env::new();
    for log in ["d028", "d003"] {
        let path = repo_root().join(format!("tests/transcripts/{log}.log"));
        let out = env.run(&["explain", path.to_str().unwrap()]);
        assert_eq!(out.code(), 0, "{}", out.stderr);
        assert_eq!(out.stderr, "");
        assert_snapshot(&format!("explain_{log}"), &out.stdout, &env);
    }
    let out = env.run(&["--help"]);
    assert_eq!(out.code(), 0);
    assert_snapshot("help", &out.stdout, &env);
}

#[test]
fn colour_only_on_a_terminal_or_when_forced_and_no_color_wins() {
    let run = |vars: &[(&str, &str)]| {
        let mut env = Env::new();
        for (k, v) in vars {
            env.set(k, *v);
        }
        let out = env.run(&env.child_args(&[], "counter", &json!([[["err", LINE_GATED], ["exit", 1]]]), &[]));
        assert_eq!(out.code(), 1);
        out.stderr
    };
    let plain = run(&[]);
    assert!(plain.lines().any(|l| l.starts_with("hfwrap: failed:")), "{plain}");
    assert!(!plain.contains('\x1b'), "stderr is not a terminal: no colour\n{plain:?}");
    let forced = run(&[("CLICOLOR_FORCE", "1")]);
    let own: Vec<&str> = forced.lines().filter(|l| strip_ansi(l).starts_with("hfwrap:")).collect();
    assert!(
        !own.is_empty() && own.iter().all(|l| l.starts_with("\x1b[")),
        "CLICOLOR_FORCE=1 colours hfwrap's lines: {own:?}"
    );
    assert_eq!(strip_ansi(&forced), plain, "colour changes nothing but colour");
    assert!(!run(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]).contains('\x1b'), "NO_COLOR wins over CLICOLOR_FORCE");
    assert!(!run(&[("CLICOLOR_FORCE", "0")]).contains('\x1b'), "CLICOLOR_FORCE=0 forces nothing");
}

// ---------------------------------------------------------------------------------------------
// 9. Completions and the man page
// ---------------------------------------------------------------------------------------------

#[test]
fn completions_and_man_page() {
    let env = Env::new();
    let out = env.run(&["completions", "bash"]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(out.stdout.contains("hfwrap") && out.stdout.contains("complete -F"), "{}", out.stdout);
    for opt in ["--retries", "--report", "--stall-timeout"] {
        assert!(out.stdout.contains(opt), "{opt} missing from the completions");
    }
    let out = env.run(&["man"]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(out.stdout.lines().any(|l| l.starts_with(".TH hfwrap")), "{}", &out.stdout[..out.stdout.len().min(500)]);
    assert!(out.stdout.contains("\\-\\-retries"), "the options are in the man page");
    let out = env.run(&["completions", "no-such-shell"]);
    assert_eq!(out.code(), 2);
}
