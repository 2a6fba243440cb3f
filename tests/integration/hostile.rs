//! Hostile files, numbers and paths (issue 10, items 7, 8, 9, 11): whatever sits at a shared file
//! hfwrap reads (`$HF_HOME/hfwrap/cooldown.json`, `$HF_HOME/token`), whatever number a child prints,
//! whatever is at the `--report` path or appears at a clone's target, hfwrap runs the command, ends
//! promptly, never panics, and never writes or deletes where it should not.
//!
//! Every run here must end within [`PROMPT`]: a FIFO that holds `open` up, a read of `/dev/zero` or
//! a 31-year wait reaches it. (As root, the character-device test uses a private node made with
//! mknod(2), never the machine's `/dev/null`: a buggy baseline binary must not be able to replace it.)

use crate::common::*;
use std::ffi::CString;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A run that must end promptly ends within this (each case below needs a few seconds at most).
const PROMPT: Duration = Duration::from_secs(10);

/// What a rate-limited client prints, with the Hub's wait in it.
fn rate_limited(secs: &str) -> String {
    format!(
        "429 Too Many Requests: you have reached your 'api' rate limit.\n\
         Retry after {secs} seconds (0/500 requests remaining in current 300s window)."
    )
}

fn mkfifo(p: &Path) {
    let c = CString::new(p.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo {}", p.display());
}

fn file_type(p: &Path) -> std::fs::FileType {
    std::fs::symlink_metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).file_type()
}

fn unix_now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs_f64()
}

/// The three things that used to hang hfwrap or make it read without end, put at `p`.
#[derive(Debug, Clone, Copy)]
enum Hostile {
    Fifo,
    DevZero,
    Sparse100M,
}

impl Hostile {
    const ALL: [Hostile; 3] = [Hostile::Fifo, Hostile::DevZero, Hostile::Sparse100M];

    fn make(self, p: &Path) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        match self {
            Hostile::Fifo => mkfifo(p),
            Hostile::DevZero => std::os::unix::fs::symlink("/dev/zero", p).unwrap(),
            Hostile::Sparse100M => std::fs::File::create(p).unwrap().set_len(100 << 20).unwrap(),
        }
    }

    /// What the warning says about it.
    fn said(self) -> &'static str {
        match self {
            Hostile::Fifo => "it is a FIFO, not a regular file",
            Hostile::DevZero => "it is a character device, not a regular file",
            Hostile::Sparse100M => "it is larger than 64 KiB",
        }
    }

    fn still_there(self, p: &Path) {
        let t = file_type(p);
        let ok = match self {
            Hostile::Fifo => t.is_fifo(),
            Hostile::DevZero => t.is_symlink(),
            Hostile::Sparse100M => t.is_file() && std::fs::metadata(p).unwrap().len() == 100 << 20,
        };
        assert!(ok, "{self:?} at {} was changed: {t:?}", p.display());
    }
}

/// An [`Env`] with `HF_HOME` in its temp dir.
fn hf_env() -> Env {
    let mut env = Env::new();
    env.set("HF_HOME", env.path("hf").into_os_string());
    env
}

/// `hfwrap ARGS` to its end, which must come within [`PROMPT`].
fn prompt(env: &Env, args: &[&str]) -> Done {
    let done = Live::start(env.hfwrap(args)).wait_within(PROMPT);
    assert!(!done.stderr.contains("panicked"), "hfwrap panicked:\n{}", done.stderr);
    done
}

// ---------------------------------------------------------------------------------------------
// 1. Shared files hfwrap reads: the cooldown record and the token files (item 7)
// ---------------------------------------------------------------------------------------------

fn hostile_shared_file_is_ignored_with_a_warning(rel: &str, warning: &str) {
    for hostile in Hostile::ALL {
        let env = hf_env();
        let p = env.path(rel);
        hostile.make(&p);
        let started = Instant::now();
        let done = prompt(&env, &["sh", &child("exit_with.sh"), "0"]);
        assert_eq!(done.code(), 0, "{hostile:?}: {}", done.stderr);
        assert_eq!(done.out(), "stdout before exit 0\n", "{hostile:?}: the child ran");
        let line = done
            .stderr
            .lines()
            .find(|l| l.starts_with("hfwrap: warning:"))
            .unwrap_or_else(|| panic!("{hostile:?}: no warning:\n{}", done.stderr));
        assert_eq!(line, format!("hfwrap: warning: {warning} {}: {}", p.display(), hostile.said()));
        assert_eq!(done.stderr.matches("hfwrap: warning:").count(), 1, "one line: {}", done.stderr);
        hostile.still_there(&p);
        eprintln!("{hostile:?} at {rel}: hfwrap ran the child and exited in {:?}", started.elapsed());
    }
}

#[test]
fn a_fifo_dev_zero_or_huge_file_at_the_cooldown_record_is_ignored_with_a_warning() {
    hostile_shared_file_is_ignored_with_a_warning("hf/hfwrap/cooldown.json", "ignoring the rate-limit cooldown record");
}

#[test]
fn a_fifo_dev_zero_or_huge_file_at_the_token_file_is_ignored_with_a_warning() {
    hostile_shared_file_is_ignored_with_a_warning("hf/token", "ignoring the token file");
}

#[test]
fn a_fifo_named_as_the_token_file_or_the_config_is_a_clear_error() {
    let env = hf_env();
    let fifo = env.path("fifo");
    mkfifo(&fifo);
    let f = fifo.to_str().unwrap();
    for args in [["--token-file", f], ["--config", f]] {
        let done = prompt(&env, &[args[0], args[1], "sh", &child("exit_with.sh"), "0"]);
        assert_eq!(done.code(), hfwrap::exit_code::USAGE, "{args:?}: {}", done.stderr);
        assert!(done.out().is_empty(), "{args:?}: nothing ran");
        assert!(done.stderr.contains(&format!("{f}: it is a FIFO, not a regular file")), "{args:?}: {}", done.stderr);
    }
}

#[test]
fn corrupt_cooldown_records_with_huge_numbers_never_panic_and_wait_at_most_max_wait() {
    // HFWRAP_MAX_WAIT (not the flag): a baseline hfwrap without it still runs these records.
    for (record, waits) in [
        (r#"{"until": 1e300, "endpoint": "https://huggingface.co"}"#, true),
        (r#"{"until": 1.7976931348623157e308, "endpoint": "https://huggingface.co/"}"#, true),
        (r#"{"until": 99999999999999999999999999999, "endpoint": "https://huggingface.co"}"#, true),
        (r#"{"until": 1e400, "endpoint": "https://huggingface.co"}"#, false),
        (r#"{"until": -1e308, "endpoint": "https://huggingface.co"}"#, false),
        (r#"{"until": "soon", "endpoint": []}"#, false),
        ("\u{0}\u{ff}{{{{", false),
    ] {
        let mut env = hf_env();
        env.set("HFWRAP_MAX_WAIT", "1s");
        env.write("hf/hfwrap/cooldown.json", record);
        let done = prompt(&env, &["sh", &child("exit_with.sh"), "0"]);
        assert_eq!(done.code(), 0, "{record}: {}", done.stderr);
        assert_eq!(done.out(), "stdout before exit 0\n", "{record}");
        assert_eq!(
            done.stderr.contains("another hfwrap on this machine was rate-limited"),
            waits,
            "{record}: {}",
            done.stderr
        );
        if waits {
            assert!(done.stderr.contains("waiting 1s before asking again"), "{record}: {}", done.stderr);
            assert!(done.elapsed >= Duration::from_secs(1), "{record}: {:?}", done.elapsed);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Numbers from a child's output (item 8)
// ---------------------------------------------------------------------------------------------

/// `hfwrap OPTS --report r.json python3 fail_with.py counter 1 MESSAGE`, within [`PROMPT`].
fn fail_with(env: &Env, opts: &[&str], message: &str) -> Done {
    let mut args: Vec<String> = opts.iter().map(|s| s.to_string()).collect();
    args.extend(["--report".into(), env.p("r.json"), "python3".into(), child("fail_with.py")]);
    args.extend([env.p("counter"), "1".into(), message.into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    prompt(env, &args)
}

/// The cooldown record's deadline, if there is one.
fn cooldown_until(env: &Env) -> Option<f64> {
    let bytes = std::fs::read(env.path("hf/hfwrap/cooldown.json")).ok()?;
    serde_json::from_slice::<serde_json::Value>(&bytes).ok()?["until"].as_f64()
}

#[test]
fn a_retry_after_beyond_any_integer_neither_panics_nor_waits() {
    let env = hf_env();
    let done = fail_with(&env, &[], &rate_limited("99999999999999999999"));
    assert_eq!(done.code(), 1, "the child's own failure code:\n{}", done.stderr);
    assert_eq!(env.runs("counter"), 1);
    assert!(done.stderr.contains("asked to wait 99999999999999999999s, longer than --max-wait 15m"), "{}", done.stderr);
    let r = read_json(&env.path("r.json"));
    assert_eq!(r["outcome"], "failed", "{r}");
    assert_eq!(r["exit_code"], 1, "{r}");
    assert_eq!(r["cause"], "rate_limited", "{r}");
    assert!(r["fix"].as_str().unwrap().contains("longer than --max-wait"), "{r}");
    assert_eq!(cooldown_until(&env), None, "nothing recorded for a run that did not wait");
}

#[test]
fn a_31_year_retry_after_waits_at_most_max_wait_and_the_cooldown_holds_at_most_it() {
    // A token the next attempt can send makes waiting the cap worth it: hfwrap waits 2 s (not 31
    // years), re-runs once with the token, and stops when the Hub asks the same again.
    let mut env = hf_env();
    env.set("HFWRAP_MAX_WAIT", "2s");
    let tf = env.write("secrets/token", &format!("{}\n", hub_token()));
    // A python program gets a found token only when the user says so (Security model).
    let done = fail_with(&env, &["--inject-token-into-programs", "--token-file", &tf], &rate_limited("999999999"));
    let ended = unix_now();
    assert_eq!(done.code(), 1, "{}", done.stderr);
    assert_eq!(env.runs("counter"), 2, "{}", done.stderr);
    assert!(done.elapsed >= Duration::from_secs(2), "waited the cap: {:?}", done.elapsed);
    let r = read_json(&env.path("r.json"));
    let first = r["attempts"][0]["action"].as_str().unwrap_or_default();
    assert!(first.contains("asked to wait 999999999s, longer than --max-wait; waiting 2s"), "{r}");
    assert!(r["fix"].as_str().unwrap().contains("longer than --max-wait 2s"), "{r}");
    let until = cooldown_until(&env).expect("the capped wait was recorded for the other hfwraps");
    assert!(until <= ended + 2.0, "the cooldown record asks for {:.1}s more than --max-wait", until - ended - 2.0);
    eprintln!("31-year Retry-After with HFWRAP_MAX_WAIT=2s: ended after {:?}", done.elapsed);
}

#[test]
fn max_wait_and_max_time_bound_a_31_year_retry_after() {
    // Without a token: stops at once and says which wait was too long.
    let env = hf_env();
    let done = fail_with(&env, &["--max-wait", "2s", "--max-time", "5s"], &rate_limited("999999999"));
    assert_eq!(done.code(), 1, "{}", done.stderr);
    assert_eq!(env.runs("counter"), 1);
    assert!(done.stderr.contains("asked to wait 999999999s, longer than --max-wait 2s"), "{}", done.stderr);
    assert_eq!(cooldown_until(&env), None);
    // With one: within --max-time whichever limit ends it, and the record never beyond the cap.
    let env = hf_env();
    let tf = env.write("secrets/token", &format!("{}\n", hub_token()));
    let done =
        fail_with(&env, &["--max-wait", "2s", "--max-time", "5s", "--token-file", &tf], &rate_limited("999999999"));
    let ended = unix_now();
    assert!([1, hfwrap::exit_code::INCOMPLETE].contains(&done.code()), "{}", done.stderr);
    assert!(done.elapsed < Duration::from_secs(9), "--max-time 5s: {:?}", done.elapsed);
    if let Some(until) = cooldown_until(&env) {
        assert!(until <= ended + 2.0, "the cooldown record asks for {:.1}s more than --max-wait", until - ended - 2.0);
    }
}

#[test]
fn max_wait_comes_from_the_config_file_and_a_bad_value_is_named() {
    // Short waits: this is about which setting wins, and the run stays well inside PROMPT.
    let env = hf_env();
    env.write("xdg/hfwrap/config.toml", "max-wait = \"1s\"\n");
    let done = fail_with(&env, &[], &rate_limited("2"));
    assert_eq!(done.code(), 1, "{}", done.stderr);
    assert!(done.stderr.contains("asked to wait 2s, longer than --max-wait 1s"), "{}", done.stderr);
    // The flag wins over the file: 2 s (+1) fits in 5 s, so it waits and re-runs.
    let env = hf_env();
    env.write("xdg/hfwrap/config.toml", "max-wait = \"1s\"\n");
    let done = fail_with(&env, &["--max-wait", "5s", "--retries", "1"], &rate_limited("2"));
    assert_eq!(env.runs("counter"), 2, "{}", done.stderr);
    let mut env = hf_env();
    env.set("HFWRAP_MAX_WAIT", "forever");
    let done = prompt(&env, &["sh", &child("exit_with.sh"), "0"]);
    assert_eq!(done.code(), hfwrap::exit_code::USAGE, "{}", done.stderr);
    assert!(done.stderr.contains("HFWRAP_MAX_WAIT=\"forever\""), "{}", done.stderr);
}

// ---------------------------------------------------------------------------------------------
// 3. The report path (item 9)
// ---------------------------------------------------------------------------------------------

#[test]
fn report_at_dev_null_leaves_it_a_character_device() {
    let env = Env::new();
    // SAFETY: geteuid(2) cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    let null = if root {
        let p = env.path("null");
        let c = CString::new(p.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid path; makedev(1, 3) is the null device.
        assert_eq!(unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) }, 0);
        p
    } else {
        PathBuf::from("/dev/null")
    };
    for code in ["0", "4"] {
        let done = prompt(&env, &["--report", null.to_str().unwrap(), "sh", &child("exit_with.sh"), code]);
        assert_eq!(done.code().to_string(), code, "{}", done.stderr);
        assert!(!done.stderr.contains("cannot write report"), "{}", done.stderr);
        assert!(file_type(&null).is_char_device(), "{} is no longer a character device", null.display());
    }
    let mut left: Vec<String> =
        std::fs::read_dir(env.dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
    left.sort();
    let mut want = vec!["home", "xdg"];
    if root {
        want.insert(1, "null");
    }
    assert_eq!(left, want, "no temporary file left beside it");
}

#[test]
fn report_into_a_fifo_with_a_reader_gets_the_json() {
    // A named pipe, and a symlink to one (the shape of /dev/stdout → /proc/self/fd/1 → pipe).
    for via_link in [false, true] {
        let env = Env::new();
        let fifo = env.path("fifo");
        mkfifo(&fifo);
        let target = if via_link {
            std::os::unix::fs::symlink(&fifo, env.path("report.json")).unwrap();
            env.path("report.json")
        } else {
            fifo.clone()
        };
        // The reader end, opened without blocking (no writer yet), read while hfwrap runs.
        let mut reader = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(&fifo).unwrap();
        let mut run =
            Live::start(env.hfwrap(&["--report", target.to_str().unwrap(), "sh", &child("exit_with.sh"), "3"]));
        let mut got = Vec::new();
        let mut buf = [0u8; 8192];
        let deadline = Instant::now() + PROMPT;
        loop {
            let exited = !run.running();
            match reader.read(&mut buf) {
                Ok(n) if n > 0 => got.extend_from_slice(&buf[..n]),
                _ if exited => break,
                _ => std::thread::sleep(Duration::from_millis(5)),
            }
            assert!(Instant::now() < deadline, "hfwrap still running: {}", String::from_utf8_lossy(&got));
        }
        let done = run.wait_within(PROMPT);
        assert_eq!(done.code(), 3, "{}", done.stderr);
        assert!(!done.stderr.contains("cannot write report"), "{}", done.stderr);
        let v: serde_json::Value = serde_json::from_slice(&got)
            .unwrap_or_else(|e| panic!("not the report ({e}): {:?}\n{}", String::from_utf8_lossy(&got), done.stderr));
        assert_eq!(v["schema"], "hfwrap-report/1");
        assert_eq!(v["exit_code"], 3);
        assert!(file_type(&fifo).is_fifo(), "the FIFO was replaced");
        if via_link {
            assert!(file_type(&target).is_symlink(), "the link was replaced");
        }
    }
}

#[test]
fn report_into_a_fifo_without_a_reader_is_an_error_not_a_hang() {
    let env = Env::new();
    let fifo = env.path("fifo");
    mkfifo(&fifo);
    let done = prompt(&env, &["--report", fifo.to_str().unwrap(), "sh", &child("exit_with.sh"), "4"]);
    assert_eq!(done.code(), 4, "{}", done.stderr);
    assert!(
        done.stderr
            .contains(&format!("hfwrap: error: cannot write report {}: it is a FIFO with no reader", fifo.display())),
        "{}",
        done.stderr
    );
    assert!(file_type(&fifo).is_fifo(), "the FIFO was replaced");
}

#[test]
fn report_at_a_symlink_is_refused_and_its_target_untouched() {
    let env = Env::new();
    let target = env.write("elsewhere/precious.json", "mine\n");
    let link = env.path("r.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let done = prompt(&env, &["--report", link.to_str().unwrap(), "sh", &child("exit_with.sh"), "0"]);
    assert_eq!(done.code(), 0, "{}", done.stderr);
    assert!(
        done.stderr.contains(&format!(
            "cannot write report {}: it is a symbolic link to a regular file; hfwrap neither writes through a link nor replaces one",
            link.display()
        )),
        "{}",
        done.stderr
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "mine\n", "the link's target was written");
    assert!(file_type(&link).is_symlink(), "the link was replaced by a file");
}

// ---------------------------------------------------------------------------------------------
// 4. A clone's target directory (item 11)
// ---------------------------------------------------------------------------------------------

/// An [`Env`] whose `git` is `tests/children/fake_git.sh` in `MODE`.
fn fake_git_env(mode: &str) -> Env {
    let mut env = Env::new();
    std::fs::create_dir_all(env.path("bin")).unwrap();
    std::os::unix::fs::symlink(child("fake_git.sh"), env.path("bin/git")).unwrap();
    let path = format!("{}:{}", env.p("bin"), std::env::var("PATH").unwrap_or_default());
    env.set("PATH", path);
    env.set("FAKE_GIT_MODE", mode);
    env.set("FAKE_GIT_COUNTER", env.path("counter").into_os_string());
    env
}

#[test]
fn a_directory_another_process_made_at_the_clone_target_during_the_attempt_is_never_removed() {
    let env = fake_git_env("bystander");
    let dir = env.path("clone");
    let done = prompt(&env, &["--retries", "2", "git", "clone", "https://huggingface.co/org/m", dir.to_str().unwrap()]);
    assert_eq!(done.code(), 128, "{}", done.stderr);
    assert_eq!(env.runs("counter"), 1, "not re-run into a directory hfwrap cannot show is its own");
    assert_eq!(std::fs::read_to_string(dir.join("bystander.txt")).unwrap(), "theirs\n", "removed: {}", done.stderr);
    assert!(
        done.stderr.contains("it has files but no .git, so git did not make it")
            && done.stderr.contains("hfwrap never deletes what it did not create"),
        "{}",
        done.stderr
    );
}

#[test]
fn a_failed_clone_of_hfwraps_own_attempt_is_still_removed_and_rerun() {
    let env = fake_git_env("own");
    let dir = env.path("clone");
    let done = prompt(&env, &["--retries", "2", "git", "clone", "https://huggingface.co/org/m", dir.to_str().unwrap()]);
    assert_eq!(done.code(), 0, "{}", done.stderr);
    assert_eq!(env.runs("counter"), 2, "{}", done.stderr);
    let mut left: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
    left.sort();
    assert_eq!(left, [".git", "config.json"], "the first attempt's partial file is gone");
    let aside: Vec<_> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("hfwrap-removing"))
        .collect();
    assert!(aside.is_empty(), "{aside:?}");
}
