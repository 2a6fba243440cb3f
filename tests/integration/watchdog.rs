//! The stall watchdog against real processes (supervise::watchdog): a lock that is never released
//! and a retry loop that never gets anywhere end as stalls named by their lines; a wait the child
//! announces is owed, within `--max-wait`.

use crate::common::*;
use hfwrap::exit_code;
use std::time::Duration;

/// `hfwrap OPTS --report r.json python3 chatter.py PARTIAL EVERY LINE [SECONDS QUIET]`.
fn chatter(env: &Env, opts: &[&str], every: &str, line: &str, then: &[&str]) -> Done {
    let partial = env.path("hf/hub/models--org--x/blobs/0123abcd.incomplete");
    let mut args: Vec<String> = opts.iter().map(|s| s.to_string()).collect();
    args.extend(["--report".into(), env.p("r.json"), "python3".into(), child("chatter.py")]);
    args.extend([partial.display().to_string(), every.into(), line.into()]);
    args.extend(then.iter().map(|s| s.to_string()));
    Live::start(env.hfwrap(&args)).wait()
}

fn hf_home() -> Env {
    let mut env = Env::new();
    env.set("HF_HOME", env.path("hf").into_os_string());
    env
}

#[test]
fn a_lock_wait_that_never_ends_is_lock_stuck() {
    // A line every 0.3 s, nothing moving: before, every line counted as life and it ran forever
    // (--max-time is the test's own bound).
    let env = hf_home();
    let line =
        "Still waiting to acquire lock on /tmp/hf/hub/.locks/models--org--x/0123abcd.lock (elapsed: 10.1 seconds)";
    let done = chatter(&env, &["--no-retry", "--stall-timeout", "2s", "--max-time", "30s"], "0.3", line, &[]);
    assert_eq!(done.code(), exit_code::INCOMPLETE, "{}", done.stderr);
    assert!(done.elapsed < Duration::from_secs(20), "{:?}", done.elapsed);
    let r = read_json(&env.path("r.json"));
    assert_eq!(r["cause"], "lock_stuck", "{r}");
    assert!(r["fix"].as_str().unwrap_or_default().contains(".lock"), "{r}");
}

#[test]
fn a_stuck_lock_names_the_process_that_holds_it() {
    // Another process has the lock file open (flock, as huggingface_hub's filelock does); the
    // download waits on it. The fix names that process, checked live after the attempt.
    let env = hf_home();
    let lock = env.path("hf/hub/.locks/models--org--x/0123abcd.lock");
    std::fs::create_dir_all(lock.parent().unwrap()).unwrap();
    let mut holder = std::process::Command::new("python3")
        .args(["-c", "import fcntl, sys, time\nf = open(sys.argv[1], 'w')\nfcntl.flock(f, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(60)\n"])
        .arg(&lock)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut ready = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(holder.stdout.take().unwrap()), &mut ready).unwrap();
    let line = format!("Still waiting to acquire lock on {} (elapsed: 10.1 seconds)", lock.display());
    let done = chatter(&env, &["--no-retry", "--stall-timeout", "2s", "--max-time", "30s"], "0.3", &line, &[]);
    let holder_pid = holder.id();
    let _ = holder.kill();
    let _ = holder.wait();
    let r = read_json(&env.path("r.json"));
    assert_eq!(r["cause"], "lock_stuck", "{r}");
    let fix = r["fix"].as_str().unwrap_or_default();
    assert!(fix.contains(&format!("held right now by pid {holder_pid} (`")), "{}\n{r}", done.stderr);
    assert!(fix.contains("python3 -c import fcntl, sys, time f = open"), "one line: {r}");
    assert!(!fix.contains("delete the stale"), "a held lock is not stale: {r}");
}

#[test]
fn an_announced_wait_is_not_a_stall() {
    // The child says it waits 3 s and is silent 3.5 s (longer than --stall-timeout 2s), then ends.
    let env = hf_home();
    let line = "Rate limited. Waiting 3.0s before retry [Retry 1/5].";
    let done = chatter(&env, &["--stall-timeout", "2s", "--max-time", "30s"], "0.1", line, &["0.05", "3.5"]);
    assert_eq!(done.code(), 0, "{}", done.stderr);
    assert_eq!(done.out(), "done\n");
}

#[test]
fn a_retry_loop_past_max_wait_is_rate_limited() {
    // "Waiting 2s" every 1.5 s forever: owed at most --max-wait 4s in all, then a stall that its
    // lines name as the rate limit.
    let env = hf_home();
    let line = "Rate limited. Waiting 2.0s before retry [Retry 1/5].";
    let opts = ["--no-retry", "--stall-timeout", "1s", "--max-wait", "4s", "--max-time", "40s"];
    let done = chatter(&env, &opts, "1.5", line, &[]);
    assert!(done.elapsed < Duration::from_secs(25), "{:?}\n{}", done.elapsed, done.stderr);
    let r = read_json(&env.path("r.json"));
    assert_eq!(r["cause"], "rate_limited", "{r}");
    assert_eq!(r["attempts"].as_array().map(|a| a.len()), Some(1), "{r}");
}

#[test]
fn in_ci_the_error_is_explained_when_it_is_printed_not_at_exit() {
    // The child prints its fatal error, lives on for 2 s, says so, and exits 1: the note comes
    // between the two, in the log's order.
    let mut env = Env::new();
    env.set("CI", "true");
    let code = "import sys, time\n\
        print('huggingface_hub.errors.GatedRepoError: 401 Client Error. Cannot access gated repo for url https://huggingface.co/org/m/resolve/main/config.json.', file=sys.stderr, flush=True)\n\
        time.sleep(2)\n\
        print('still alive after the error', file=sys.stderr, flush=True)\n\
        sys.exit(1)\n";
    let done = Live::start(env.hfwrap(&["--no-retry", "python3", "-c", code])).wait();
    assert_eq!(done.code(), 1, "{}", done.stderr);
    let note = done.stderr.find("the command printed its error: ");
    let later = done.stderr.find("still alive after the error");
    assert!(note.is_some() && note < later, "the meaning came only at exit:\n{}", done.stderr);
    assert!(done.stderr.contains("(auth_required)"), "{}", done.stderr);
}
