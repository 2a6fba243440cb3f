//! The built `hfwrap` binary against adversarial child programs (`tests/children/`): the tee, exit
//! codes, pathological output, bad input, retries, `--max-time`, pty mode. Signals to hfwrap are in
//! `signals.rs`. Tests synchronise on output, never on sleeps; the deadlines only catch hangs.
//! Linux only (reads /proc).

// The library under test (one block, to re-point when src/ moves things).
use hfwrap::exit_code;

use crate::common::*;
use serde_json::Value;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const HTTP_503: &str = "HTTP Error 503 thrown while requesting GET https://huggingface.co/api/models/x/y";

/// hfwrap's own lines on stderr all start with `hfwrap:`.
fn assert_only_hfwrap_lines(rest: &str) {
    for l in rest.lines().filter(|l| !l.is_empty()) {
        assert!(l.starts_with("hfwrap:"), "unexpected stderr line after the child's output: {l:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// 1. The tee: live, unchanged bytes, exit codes
// ---------------------------------------------------------------------------------------------

/// Run streams.py through hfwrap; both streams must carry the child's bytes unchanged.
fn byte_exact(size_kb: u32, seed: u32, code: i32) {
    let mut env = Env::new();
    // No "still running" heartbeat line in the middle of the child's stderr on a slow machine.
    env.set("HFWRAP_HEARTBEAT", "0");
    let sums = env.p("sums.json");
    let run = Live::start(env.hfwrap(&[
        "python3",
        &child("streams.py"),
        &size_kb.to_string(),
        &seed.to_string(),
        &code.to_string(),
        &sums,
    ]));
    let err_cap = run.err.clone();
    let done = run.wait();
    let err = err_cap.bytes();
    assert_eq!(done.code(), code, "stderr tail: {}", String::from_utf8_lossy(&err[err.len().saturating_sub(500)..]));
    let want = read_json(env.path("sums.json").as_path());
    assert_eq!(done.stdout.len() as u64, want["stdout"]["len"].as_u64().unwrap(), "stdout length");
    assert_eq!(sha256_hex(&done.stdout), want["stdout"]["sha256"], "stdout bytes changed");
    let n = want["stderr"]["len"].as_u64().unwrap() as usize;
    assert!(err.len() >= n, "stderr shorter than what the child wrote: {} < {n}", err.len());
    assert_eq!(sha256_hex(&err[..n]), want["stderr"]["sha256"], "stderr bytes changed");
    let rest = String::from_utf8_lossy(&err[n..]);
    if code == 0 {
        assert!(rest.is_empty(), "hfwrap added to stderr on success: {rest:?}");
    } else {
        // After the child's bytes, only hfwrap's own diagnosis.
        assert_only_hfwrap_lines(&rest);
        assert!(rest.contains(&format!("exit code {code}")), "{rest}");
    }
}

#[test]
fn tee_is_byte_exact_on_each_stream() {
    // ~4 MiB: random bytes (NUL, invalid UTF-8), ANSI storms, \r redraws, partial lines, both streams interleaved.
    byte_exact(4096, 1, 0);
}

#[test]
fn tee_is_byte_exact_when_the_child_fails() {
    byte_exact(1024, 2, 7);
}

#[test]
fn tee_is_live_for_partial_lines() {
    // Nothing reaches the gate until the partial lines (no newline) have reached hfwrap's stdout and stderr.
    let env = Env::new();
    let gate = env.path("gate");
    let mut run = Live::start(env.hfwrap(&["python3", &child("live.py"), &env.p("gate")]));
    run.wait_for_bytes(Stream::Stdout, "\rprogress 10% pid=");
    run.wait_for_bytes(Stream::Stderr, "partial-err");
    assert!(run.running(), "hfwrap must still be running while the child waits");
    touch(&gate);
    let done = run.wait();
    assert_eq!(done.code(), 0);
    assert!(done.out().ends_with("\rprogress 100%\n"), "{:?}", done.out());
    assert!(done.stderr.starts_with("partial-err done\n"), "{:?}", done.stderr);
}

#[test]
fn exit_codes_pass_through() {
    let env = Env::new();
    for code in [0, 1, 7, 255] {
        let done = Live::start(env.hfwrap(&["sh", &child("exit_with.sh"), &code.to_string()])).wait();
        assert_eq!(done.code(), code, "stderr: {}", done.stderr);
        assert_eq!(done.out(), format!("stdout before exit {code}\n"), "stdout is the child's alone");
        assert!(done.stderr.starts_with(&format!("stderr before exit {code}\n")), "{}", done.stderr);
    }
}

#[test]
fn death_by_signal_gives_128_plus_n() {
    let env = Env::new();
    for sig in [libc::SIGINT, libc::SIGABRT, libc::SIGKILL, libc::SIGSEGV, libc::SIGTERM] {
        let done = Live::start(env.hfwrap(&["python3", &child("die_by_signal.py"), &sig.to_string()])).wait();
        assert_eq!(done.code(), 128 + sig, "child killed by signal {sig}; stderr: {}", done.stderr);
    }
}

#[test]
fn command_substitution_captures_a_clean_stdout() {
    // `path=$(hfwrap cmd)`: even with hfwrap retrying (and announcing it) and failing (and diagnosing
    // it), stdout holds the child's output only.
    let env = Env::new();
    let script = r#"p=$("$HFW" --retries 1 python3 "$CHILD" "$COUNTER" 1 "$MSG"); rc=$?; printf '%s|%s' "$rc" "$p""#;
    let out = Command::new("sh")
        .args(["-c", script])
        .env_clear()
        .envs(&env.vars)
        .env("HFW", hfwrap_bin())
        .env("CHILD", child("fail_with.py"))
        .env("COUNTER", env.p("counter"))
        .env("MSG", HTTP_503)
        .current_dir(env.dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stdout, "1|attempt output\nattempt output", "stderr: {stderr}");
    assert_eq!(env.runs("counter"), 2);
    assert!(stderr.contains("hfwrap:"), "hfwrap's own lines go to stderr: {stderr}");
}

#[test]
fn child_gets_pythonunbuffered_and_only_stdio_fds_in_pipe_mode() {
    let env = Env::new();
    let done = Live::start(env.hfwrap(&["--pty", "never", "python3", &child("env_probe.py")])).wait();
    assert_eq!(done.code(), 0, "{}", done.stderr);
    let out = done.out();
    assert!(out.contains("PYTHONUNBUFFERED=1\n"), "{out}");
    assert!(out.contains("ISATTY stdout=False stderr=False\n"), "{out}");
    // hfwrap leaks none of its descriptors (pipes, dups of its stdout) into the child.
    assert!(out.contains("FDS=0,1,2\n"), "{out}");
}

/// The child starts as from a shell: no signal blocked, SIGPIPE not ignored (std ignores it in
/// hfwrap, and hfwrap blocks every signal while it starts the child), in both modes.
#[test]
fn child_starts_with_no_signal_blocked_and_sigpipe_default() {
    for pty in ["never", "always"] {
        let env = Env::new();
        let done = Live::start(env.hfwrap(&["--pty", pty, "cat", "/proc/self/status"])).wait();
        assert_eq!(done.code(), 0, "{}", done.stderr);
        let out = done.out();
        let mask = |name: &str| {
            let line = out.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("no {name} in {out}"));
            u64::from_str_radix(line[name.len()..].trim(), 16).unwrap()
        };
        assert_eq!(mask("SigBlk:"), 0, "--pty {pty}: signals blocked in the child\n{out}");
        assert_eq!(mask("SigIgn:") & (1 << (libc::SIGPIPE - 1)), 0, "--pty {pty}: SIGPIPE ignored in the child\n{out}");
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Pathological output
// ---------------------------------------------------------------------------------------------

const RSS_LIMIT: u64 = 64 * 1024 * 1024;

/// 200 MiB through hfwrap: hashed by `sha256sum`, hfwrap's peak RSS sampled while it is still alive.
fn flood(mode: &str, exit_code: i32) {
    let env = Env::new();
    let gate = env.path("gate");
    let mut run = Live::start_with(
        env.hfwrap(&["python3", &child("flood.py"), mode, "200", &env.p("gate"), &exit_code.to_string()]),
        false,
    );
    let mut out = run.take_stdout();
    let mut sum = Command::new("sha256sum").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let mut sum_in = sum.stdin.take().unwrap();
    let seen = Arc::new(AtomicU64::new(0));
    let seen2 = seen.clone();
    let pump = std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match out.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    sum_in.write_all(&buf[..n]).unwrap();
                    seen2.fetch_add(n as u64, Ordering::SeqCst);
                }
            }
        }
    });
    // A debug build of hfwrap passes CR redraws on at only ~5 MB/s: a generous bound, for hangs only.
    let done_line = run.wait_for_within(Stream::Stderr, "DONE pid=", Duration::from_secs(400));
    let len: u64 = field(&done_line, "len").parse().unwrap();
    // Everything has passed through hfwrap before we sample its peak memory.
    let deadline = Instant::now() + Duration::from_secs(300);
    while seen.load(Ordering::SeqCst) < len {
        assert!(Instant::now() < deadline, "only {} of {len} bytes arrived", seen.load(Ordering::SeqCst));
        assert!(run.running(), "hfwrap exited before passing all output through");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(run.running(), "hfwrap must still be running (the child waits for the gate)");
    let hwm = vm_hwm(run.pid);
    touch(&gate);
    let done = run.wait_within(Duration::from_secs(60));
    pump.join().unwrap();
    let sum_out = sum.wait_with_output().unwrap();
    let got = String::from_utf8_lossy(&sum_out.stdout).split_whitespace().next().unwrap_or("").to_string();
    assert_eq!(seen.load(Ordering::SeqCst), len, "byte count");
    assert_eq!(got, field(&done_line, "sha256"), "{mode}: output changed on the way through");
    assert_eq!(done.code(), exit_code, "stderr tail: {}", &done.stderr[done.stderr.len().saturating_sub(800)..]);
    assert!(hwm < RSS_LIMIT, "{mode}: hfwrap's peak RSS {} MiB >= 64 MiB", hwm >> 20);
    eprintln!("{mode}: 200 MiB in {:?}, hfwrap VmHWM {} KiB", done.elapsed, hwm >> 10);
}

#[test]
fn flood_without_newline_is_exact_and_bounded() {
    flood("nonl", 0);
}

#[test]
fn flood_of_cr_redraws_is_exact_and_bounded() {
    flood("cr", 6);
}

#[test]
fn child_closing_stdout_early_keeps_being_teed() {
    let env = Env::new();
    let gate = env.path("gate");
    let mut run = Live::start(env.hfwrap(&["python3", &child("close_stdout.py"), &env.p("gate"), "5"]));
    run.wait_for(Stream::Stderr, "READY pid=");
    assert!(run.running(), "hfwrap must wait for the child, not for its stdout");
    touch(&gate);
    let done = run.wait();
    assert_eq!(done.code(), 5, "{}", done.stderr);
    assert_eq!(done.out(), "last words on stdout\n");
    assert!(done.stderr.contains("AFTER-GATE\n"), "stderr is still teed after stdout closed: {}", done.stderr);
}

#[test]
fn grandchild_holding_the_pipe_in_the_group_does_not_hang_hfwrap() {
    let env = Env::new();
    let mut reaper = Reaper::default();
    let mut run = Live::start(env.hfwrap(&["python3", &child("holder.py"), "group", "3"]));
    let ready = run.wait_for(Stream::Stdout, "READY pid=");
    let gc = pids(&ready, "gc");
    reaper.add(&gc);
    let done = run.wait();
    assert_eq!(done.code(), 3, "{}", done.stderr);
    assert_eq!(wait_gone(&gc), Vec::<i32>::new(), "the grandchild (same process group) was left running");
}

#[test]
fn grandchild_holding_the_pipe_in_its_own_session_does_not_hang_hfwrap() {
    // Out of reach of a group signal: hfwrap gives up on the stream and exits with the child's code.
    let env = Env::new();
    let mut reaper = Reaper::default();
    let mut run = Live::start(env.hfwrap(&["python3", &child("holder.py"), "setsid", "3"]));
    let ready = run.wait_for(Stream::Stdout, "READY pid=");
    reaper.add(&pids(&ready, "gc"));
    let done = run.wait();
    assert_eq!(done.code(), 3, "{}", done.stderr);
}

#[test]
fn abandoned_stream_leaks_no_descriptor_into_the_next_attempt() {
    // Attempt 1 leaves a grandchild (own session) holding its pipes and fails with a 503; attempt 2
    // lists its fds: it must have 0, 1, 2 only (a dup of hfwrap's stdout leaking into it would let a
    // daemon of the child keep `$(hfwrap …)` waiting forever).
    let env = Env::new();
    let mut reaper = Reaper::default();
    let mut run = Live::start(env.hfwrap(&["--retries", "1", "python3", &child("retry_fds.py"), &env.p("counter")]));
    let gc_line = run.wait_for(Stream::Stdout, "GRANDCHILD gc=");
    reaper.add(&pids(&gc_line, "gc"));
    let done = run.wait();
    assert_eq!(done.code(), 0, "{}", done.stderr);
    assert_eq!(env.runs("counter"), 2);
    assert!(done.out().contains("FDS=0,1,2\n"), "{}", done.out());
}

#[test]
fn slow_consumer_downstream_loses_no_byte_after_the_child_exits() {
    // `hfwrap cmd | slow-reader`: the child writes its output and exits while hfwrap's tee is still blocked
    // on its stdout. hfwrap must keep passing bytes on for as long as the reader takes, not give up on
    // the stream (or signal anything) after its end-of-file grace. We read nothing until the child is
    // gone and hfwrap has had well over that grace (1.5 s + 2 × 0.5 s) to misbehave: a correct hfwrap
    // cannot exit in that time (its stdout is full), so this wait cannot make the test flaky.
    let env = Env::new();
    // 120 KiB: small enough to fit in the pipes and hfwrap's tee buffer (3 × 64 KiB) so the child can
    // exit without anyone reading; large enough that most of it is still inside hfwrap when it does.
    let mut run = Live::start_with(env.hfwrap(&["python3", &child("burst.py"), "120"]), false);
    let start = run.wait_for(Stream::Stderr, "START pid=");
    let child_pid: i32 = field(&start, "pid").parse().unwrap();
    let end = run.wait_for(Stream::Stderr, "END len=");
    assert_eq!(wait_gone(&[child_pid]), Vec::<i32>::new(), "the child exits once its bytes are in the pipe");
    let patience = Instant::now() + Duration::from_secs(5);
    while Instant::now() < patience && run.running() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut out = Vec::new();
    run.take_stdout().read_to_end(&mut out).unwrap();
    let done = run.wait();
    assert_eq!(
        out.len().to_string(),
        field(&end, "len"),
        "bytes lost: hfwrap gave up on a stream it was still passing on"
    );
    assert_eq!(sha256_hex(&out), field(&end, "sha256"));
    assert_eq!(done.code(), 0, "{}", done.stderr);
}

#[test]
fn closed_stdout_of_hfwrap_stops_the_child_as_a_pipeline_would() {
    // `hfwrap cmd | head -c 10`: the reader goes away after 10 bytes. As in `cmd | head -c 10`, the
    // child's stdout breaks (it sees EPIPE: Python ignores SIGPIPE), hfwrap exits 128+SIGPIPE
    // quietly, and a broken pipe is never retried.
    let env = Env::new();
    let marker = env.path("marker");
    let mut run = Live::start_with(
        env.hfwrap(&["--retries", "2", "python3", &child("head_writer.py"), "64", &env.p("marker")]),
        false,
    );
    let mut out = run.take_stdout();
    let mut ten = [0u8; 10];
    out.read_exact(&mut ten).unwrap();
    drop(out);
    let done = run.wait();
    assert_eq!(&ten, b"line of ou");
    assert_eq!(done.code(), exit_code::BROKEN_PIPE, "{}", done.stderr);
    assert!(done.stderr.contains("CHILD-STDOUT-BROKEN"), "the child's own stdout broke: {}", done.stderr);
    assert!(!marker.exists(), "the child wrote all 64 MiB into a pipe nobody reads");
    assert!(
        !done.stderr.contains("hfwrap:"),
        "a broken pipe ends quietly, with no diagnosis or retry: {}",
        done.stderr
    );
}

#[test]
fn head_c_10_in_a_real_pipeline() {
    let env = Env::new();
    let script = r#"set -o pipefail; "$HFW" python3 "$CHILD" 16 "$MARKER" | head -c 10; echo "|rc=$?""#;
    let out = Command::new("bash")
        .args(["-c", script])
        .env_clear()
        .envs(&env.vars)
        .env("HFW", hfwrap_bin())
        .env("CHILD", child("head_writer.py"))
        .env("MARKER", env.p("marker"))
        .current_dir(env.dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    // The same status as `python3 head_writer.py | head -c 10` would give a writer killed by SIGPIPE.
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "line of ou|rc=141\n",
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn yes_into_head_1_ends() {
    // `yes` dies of SIGPIPE once hfwrap stops reading its stdout; before, hfwrap drained it forever
    // at 100% CPU.
    let env = Env::new();
    let script = r#"set -o pipefail; "$HFW" yes | head -1; echo "rc=${PIPESTATUS[0]}""#;
    let mut sh = env.command("bash");
    sh.args(["-c", script]).env("HFW", hfwrap_bin()).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let done = Live::start(sh).wait_within(Duration::from_secs(60));
    assert_eq!(done.out(), "y\nrc=141\n", "stderr: {}", done.stderr);
    assert!(done.stderr.is_empty(), "{}", done.stderr);
}

#[test]
fn a_closed_stdout_is_a_write_error() {
    // `echo hi >&-` fails (exit 1, "write error: Bad file descriptor"); so does hfwrap.
    let env = Env::new();
    let run = |script: &str| {
        let mut sh = env.command("bash");
        sh.args(["-c", script])
            .env("HFW", hfwrap_bin())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        Live::start(sh).wait_within(Duration::from_secs(60))
    };
    let done = run(r#""$HFW" echo hi >&-; echo "rc=$?" >&2"#);
    let err = &done.stderr;
    assert!(err.contains("hfwrap: error: cannot write the command's output to stdout: Bad file descriptor"), "{err}");
    assert!(err.ends_with("rc=1\n"), "{err}");
    // A command that writes nothing there does not fail (`true >&-` succeeds).
    assert_eq!(run(r#""$HFW" true >&-; echo "rc=$?" >&2"#).stderr, "rc=0\n");
}

#[test]
fn a_non_blocking_stdout_gets_every_byte() {
    // Someone set O_NONBLOCK on the pipe hfwrap's stdout shares (a parent, a sibling in the
    // pipeline): every EAGAIN is waited out, no byte is dropped and the run succeeds. (Before,
    // everything after the first EAGAIN was dropped, and hfwrap exited 0.)
    let mut env = Env::new();
    env.set("HFWRAP_HEARTBEAT", "0");
    let (r, w) = rustix::pipe::pipe().unwrap();
    rustix::fs::fcntl_setfl(&w, rustix::fs::OFlags::NONBLOCK).unwrap();
    let mut cmd = env.hfwrap(&["python3", &child("streams.py"), "8192", "5", "0", &env.p("sums.json")]);
    cmd.stdout(std::fs::File::from(w));
    let mut hfwrap = cmd.spawn().unwrap();
    drop(cmd); // the test's copy of the write end
    let err = hfwrap.stderr.take().unwrap();
    let done = Live::attach(hfwrap, Some(SlowReader(std::fs::File::from(r))), err).wait();
    assert_eq!(done.code(), 0, "{}", done.stderr);
    let want = read_json(env.path("sums.json").as_path());
    assert_eq!(done.stdout.len() as u64, want["stdout"]["len"].as_u64().unwrap(), "bytes dropped on EAGAIN");
    assert_eq!(sha256_hex(&done.stdout), want["stdout"]["sha256"]);
}

/// A consumer that takes a moment over each read, so a fast writer meets a full pipe.
struct SlowReader(std::fs::File);

impl Read for SlowReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        std::thread::sleep(Duration::from_millis(1));
        self.0.read(buf)
    }
}

#[test]
fn max_time_holds_while_the_consumer_does_not_read() {
    // hfwrap's stdout is a pipe nobody reads: the tee blocks on it, and so does the child. The
    // deadline still stops the run.
    let env = Env::new();
    let (r, w) = rustix::pipe::pipe().unwrap();
    let mut cmd = env.hfwrap(&["--max-time", "2s", "yes"]);
    cmd.stdout(std::fs::File::from(w));
    let mut hfwrap = cmd.spawn().unwrap();
    drop(cmd);
    let err = hfwrap.stderr.take().unwrap();
    let done = Live::attach(hfwrap, None::<std::fs::File>, err).wait_within(Duration::from_secs(60));
    drop(r);
    assert_eq!(done.code(), exit_code::INCOMPLETE, "{}", done.stderr);
    assert!(done.stderr.contains("--max-time 2s ran out"), "{}", done.stderr);
    assert!(done.elapsed < Duration::from_secs(20), "{:?}", done.elapsed);
}

// ---------------------------------------------------------------------------------------------
// 3. Bad input
// ---------------------------------------------------------------------------------------------

#[test]
fn command_not_found_is_127() {
    let env = Env::new();
    let done = Live::start(env.hfwrap(&["no-such-command-hfwrap-test", "x"])).wait();
    assert_eq!(done.code(), 127);
    assert!(done.stderr.contains("hfwrap: error: command not found: no-such-command-hfwrap-test"), "{}", done.stderr);
    assert!(done.stdout.is_empty());
}

#[test]
fn not_executable_is_126() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let noexec = env.path("noexec.sh");
    std::fs::write(&noexec, "#!/bin/sh\necho ran\n").unwrap();
    std::fs::set_permissions(&noexec, std::fs::Permissions::from_mode(0o644)).unwrap();
    let garbage = env.path("garbage.bin");
    std::fs::write(&garbage, [0x7fu8, b'E', b'L', b'F', 0, 1, 2, 3, 0xff, 0xfe]).unwrap();
    std::fs::set_permissions(&garbage, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::create_dir(env.path("adir")).unwrap();
    for target in [env.p("noexec.sh"), env.p("adir"), env.p("garbage.bin")] {
        let done = Live::start(env.hfwrap(&[target.as_str()])).wait();
        assert_eq!(done.code(), 126, "{target}: {}", done.stderr);
        assert!(done.stderr.contains("hfwrap: error: cannot execute"), "{}", done.stderr);
        assert!(done.stdout.is_empty());
    }
}

#[test]
fn usage_errors_are_2_and_run_nothing() {
    let env = Env::new();
    let marker = env.p("ran");
    let cases: &[(&[&str], &str)] = &[
        (&["--bogus-flag"], "unexpected argument '--bogus-flag'"),
        (&[], "no command given"),
        (&["--max-time", "10x"], "invalid value '10x' for '--max-time"),
        (&["--max-time=10x"], "invalid value '10x' for '--max-time"),
        (&["--stall-timeout", "-5s"], "unexpected argument '-5'"),
        (&["--stall-timeout=-5s"], "invalid value '-5s' for '--stall-timeout"),
        (&["--retries", "-1"], "unexpected argument '-1'"),
        (&["--retries=-1"], "invalid value '-1' for '--retries"),
        (&["--pty", "sometimes"], "invalid value 'sometimes' for '--pty"),
    ];
    for (flags, msg) in cases {
        let mut args: Vec<&str> = flags.to_vec();
        if !flags.is_empty() {
            args.extend(["touch", marker.as_str()]);
        }
        let done = Live::start(env.hfwrap(&args)).wait();
        assert_eq!(done.code(), 2, "{flags:?}: {}", done.stderr);
        assert!(done.stderr.contains(msg), "{flags:?}: expected {msg:?} in {}", done.stderr);
        assert!(done.stdout.is_empty(), "{flags:?}");
        assert!(!std::path::Path::new(&marker).exists(), "{flags:?} ran the command");
    }
}

#[test]
fn double_dash_explain_runs_a_program_named_explain() {
    use std::os::unix::fs::PermissionsExt;
    let mut env = Env::new();
    let bin = env.path("bin");
    std::fs::create_dir(&bin).unwrap();
    std::fs::copy(child("explain_prog.sh"), bin.join("explain")).unwrap();
    std::fs::set_permissions(bin.join("explain"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    env.set("PATH", path);
    let done = Live::start(env.hfwrap(&["--", "explain", "some.log"])).wait();
    assert_eq!(done.code(), 42, "{}", done.stderr);
    assert_eq!(done.out(), "i am the explain program: some.log\n");
    // Without `--` it is the subcommand (which fails on a missing log with 2).
    let done = Live::start(env.hfwrap(&["explain", "some.log"])).wait();
    assert_eq!(done.code(), 2, "{}", done.stderr);
}

#[test]
fn explain_of_what_cannot_be_read_is_2() {
    // Tests run as root, so a chmod 000 file is still readable: use what root cannot read either —
    // a missing path, a directory, a symlink loop (ELOOP on open), and /proc/self/mem, which opens
    // fine but fails on read (EIO at offset 0), exercising the read-error path rather than the open one.
    let env = Env::new();
    std::fs::create_dir(env.path("adir")).unwrap();
    std::os::unix::fs::symlink(env.path("loop-b"), env.path("loop-a")).unwrap();
    std::os::unix::fs::symlink(env.path("loop-a"), env.path("loop-b")).unwrap();
    for (what, msg) in [
        (env.p("missing.log"), "cannot read log"),
        (env.p("adir"), "is a directory"),
        (env.p("loop-a"), "cannot read log"),
        ("/proc/self/mem".to_string(), "cannot read log"),
    ] {
        let done = Live::start(env.hfwrap(&["explain", what.as_str()])).wait();
        assert_eq!(done.code(), 2, "{what}: {}", done.stderr);
        assert!(done.stderr.contains("hfwrap: error: ") && done.stderr.contains(msg), "{what}: {}", done.stderr);
    }
}

#[test]
fn explain_of_50_mb_of_binary_garbage_is_unknown() {
    let env = Env::new();
    let path = env.path("garbage.log");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut block = vec![0u8; 1 << 20];
    for _ in 0..50 {
        for c in block.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            c.copy_from_slice(&x.to_le_bytes());
        }
        f.write_all(&block).unwrap();
    }
    drop(f);
    let mut run = Live::start(env.hfwrap(&["explain", "--json", path.to_str().unwrap()]));
    let done = run.wait_within(Duration::from_secs(300));
    assert_eq!(done.code(), 0, "{}", done.stderr);
    let v: Value = serde_json::from_slice(&done.stdout).unwrap();
    assert_eq!(v["cause"], "unknown");
    eprintln!("explain of 50 MiB of garbage: {:?}", done.elapsed);
}

#[test]
fn explain_reads_standard_input() {
    let env = Env::new();
    for (args, check) in [
        (&["explain", "--json", "-"][..], "\"cause\": \"server_error\""),
        (&["explain", "-"][..], "cause: server_error"),
    ] {
        let mut cmd = env.hfwrap(args);
        cmd.stdin(Stdio::piped());
        let mut run = Live::start(cmd);
        let mut stdin = run.child.stdin.take().unwrap();
        writeln!(stdin, "Downloading model.safetensors\n{HTTP_503}\nTraceback (most recent call last):").unwrap();
        drop(stdin);
        let done = run.wait();
        assert_eq!(done.code(), 0, "{}", done.stderr);
        assert!(done.out().contains(check), "{}", done.out());
    }
}

#[test]
fn report_in_a_missing_directory_still_runs_and_passes_the_code_through() {
    let env = Env::new();
    let report = env.p("no/such/dir/r.json");
    for code in [0, 4] {
        let done =
            Live::start(env.hfwrap(&["--report", report.as_str(), "sh", &child("exit_with.sh"), &code.to_string()]))
                .wait();
        assert_eq!(done.code(), code, "{}", done.stderr);
        assert_eq!(done.out(), format!("stdout before exit {code}\n"), "the command ran");
        assert!(done.stderr.contains("hfwrap: error: cannot write report"), "{}", done.stderr);
        assert!(done.stderr.contains("no/such/dir/r.json"), "{}", done.stderr);
    }
}

// ---------------------------------------------------------------------------------------------
// 5. --max-time
// ---------------------------------------------------------------------------------------------

#[test]
fn max_time_stops_the_child_and_its_tree() {
    // The child sleeps forever; its grandchild ignores SIGINT/SIGTERM and holds none of the pipes.
    // hfwrap stops the tree and exits 3 (INCOMPLETE: "--max-time ran out"; no child code to pass on).
    // (No waiting for READY: on a loaded machine 3 s may run out before the child prints it. Every
    // process of the tree records its pid in counter.pids as it starts.)
    let env = Env::new();
    let mut reaper = Reaper::default();
    let report = env.p("r.json");
    let run = Live::start(env.hfwrap(&[
        "--max-time",
        "3s",
        "--report",
        report.as_str(),
        "python3",
        &child("stubborn.py"),
        &env.p("counter"),
        "meek",
        "detached",
    ]));
    let done = run.wait();
    let tree = pids_in(&env.path("counter.pids"));
    reaper.add(&tree);
    assert_eq!(done.code(), exit_code::INCOMPLETE, "{}", done.stderr);
    assert!(done.stderr.contains("--max-time 3s ran out"), "{}", done.stderr);
    assert!(env.runs("counter") <= 1, "not re-run after --max-time");
    assert_eq!(wait_gone(&tree), Vec::<i32>::new(), "processes of the child's tree survived --max-time");
    let r = read_json(env.path("r.json").as_path());
    assert_eq!(r["exit_code"], 3);
    assert_eq!(r["attempts"].as_array().unwrap().len(), 1);
}

#[test]
fn quiet_command_that_is_not_a_download_is_not_a_stall() {
    // `hfwrap python train.py`: silent for 4 s, writing nothing to any Hugging Face cache. That is not
    // a stalled transfer (there is none); with --stall-timeout 1s it must run once, to its end.
    let env = Env::new();
    let done =
        Live::start(env.hfwrap(&["--stall-timeout", "1s", "python3", &child("quiet.py"), &env.p("counter"), "4"]))
            .wait();
    assert_eq!(done.code(), 0, "{}", done.stderr);
    assert_eq!(env.runs("counter"), 1, "{}", done.stderr);
    assert_eq!(done.out(), "finished quietly\n");
}

#[test]
fn stalled_download_of_a_script_is_stopped_with_its_tree() {
    // A script whose download stalled: a partial file in the hub cache that stops growing. hfwrap stops
    // it (its detached grandchild ignores SIGINT/SIGTERM) and, with --no-retry, exits 3 — not 130, which
    // would read as the user's Ctrl-C.
    let mut env = Env::new();
    env.set("HF_HOME", env.path("hf").into_os_string());
    let partial = env.path("hf/hub/models--org--x/blobs/0123abcd.incomplete");
    let report = env.p("r.json");
    let mut reaper = Reaper::default();
    let run = Live::start(env.hfwrap(&[
        "--no-retry",
        "--stall-timeout",
        "1s",
        "--report",
        report.as_str(),
        "python3",
        &child("stubborn.py"),
        &env.p("counter"),
        "meek",
        "detached",
        partial.to_str().unwrap(),
    ]));
    // (Not waiting for READY: the stall may be declared before the child gets that far.)
    let done = run.wait();
    let tree = pids_in(&env.path("counter.pids"));
    reaper.add(&tree);
    assert!(!tree.is_empty(), "the child started (it made the partial file the stall is about)");
    assert_eq!(done.code(), exit_code::INCOMPLETE, "{}", done.stderr);
    assert_eq!(env.runs("counter"), 1);
    assert_eq!(wait_gone(&tree), Vec::<i32>::new(), "processes of the child's tree survived the stall stop");
    let r = read_json(env.path("r.json").as_path());
    assert_eq!(r["cause"], "stalled", "{r}");
    assert_eq!(r["exit_code"], 3);
}

// ---------------------------------------------------------------------------------------------
// 6. The retry budget
// ---------------------------------------------------------------------------------------------

/// `hfwrap OPTS --report r.json python3 fail_with.py counter 1 MESSAGE` to its end: each run prints
/// `attempt output`, then `message` on stderr, and exits 1.
fn fail_with(env: &Env, opts: &[&str], message: &str) -> Done {
    let mut args: Vec<String> = opts.iter().map(|s| s.to_string()).collect();
    args.extend(["--report".into(), env.p("r.json"), "python3".into(), child("fail_with.py")]);
    args.extend([env.p("counter"), "1".into(), message.into()]);
    Live::start(env.hfwrap(&args)).wait()
}

#[test]
fn server_error_is_retried_within_the_budget() {
    let env = Env::new();
    let done = fail_with(&env, &["--retries", "2"], HTTP_503);
    assert_eq!(done.code(), 1, "{}", done.stderr);
    assert_eq!(env.runs("counter"), 3, "1 run + 2 retries");
    assert_eq!(done.out(), "attempt output\n".repeat(3));
    let r = read_json(env.path("r.json").as_path());
    assert_eq!(r["cause"], "server_error", "{r}");
    assert_eq!(r["outcome"], "failed");
    assert_eq!(r["exit_code"], 1);
    let attempts = r["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 3, "{r}");
    for (i, a) in attempts.iter().enumerate() {
        assert_eq!(a["number"], i as u64 + 1);
        assert_eq!(a["exit_code"], 1);
        assert_eq!(a["cause"], "server_error");
    }
}

#[test]
fn no_retry_runs_once() {
    let env = Env::new();
    let done = fail_with(&env, &["--no-retry"], HTTP_503);
    assert_eq!(done.code(), 1, "{}", done.stderr);
    assert_eq!(env.runs("counter"), 1);
    let r = read_json(env.path("r.json").as_path());
    assert_eq!(r["cause"], "server_error");
    assert_eq!(r["attempts"].as_array().unwrap().len(), 1);
}

#[test]
fn not_found_without_a_token_runs_once() {
    // HOME is an empty temp dir and no HF_TOKEN: there is no token to try, so nothing to retry.
    let env = Env::new();
    let done = fail_with(&env, &[], "Error: Model 'org/x' not found.");
    assert_eq!(done.code(), 1, "{}", done.stderr);
    assert_eq!(env.runs("counter"), 1);
    let r = read_json(env.path("r.json").as_path());
    assert_eq!(r["cause"], "not_found", "{r}");
    assert_eq!(r["attempts"].as_array().unwrap().len(), 1);
}

// ---------------------------------------------------------------------------------------------
// 7. pty mode
// ---------------------------------------------------------------------------------------------

#[test]
fn pty_always_gives_the_child_a_terminal() {
    let env = Env::new();
    let done =
        Live::start(env.hfwrap(&["--pty", "always", "python3", "-c", "import sys; print(sys.stdout.isatty())"])).wait();
    assert_eq!(done.code(), 0, "{}", done.stderr);
    assert_eq!(done.out().trim_end(), "True");

    let done = Live::start(env.hfwrap(&["--pty", "always", "python3", &child("env_probe.py"), "7"])).wait();
    assert_eq!(done.code(), 7, "the exit code passes through in pty mode: {}", done.stderr);
    assert!(done.out().contains("ISATTY stdout=True stderr=True"), "{}", done.out());
}

#[test]
fn pty_output_is_complete_when_the_child_exits_at_once() {
    // The child writes ~1 MB and exits immediately: everything still queued in the pty reaches stdout.
    let env = Env::new();
    let code = "import sys\nfor i in range(20000): sys.stdout.write('line %05d of pty output\\n' % i)\nsys.stdout.flush()\nsys.exit(3)";
    let done = Live::start(env.hfwrap(&["--pty", "always", "python3", "-c", code])).wait();
    assert_eq!(done.code(), 3, "{}", done.stderr);
    let out = done.out().replace("\r\n", "\n");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 20000, "lines lost in the pty");
    assert_eq!(lines[19999], "line 19999 of pty output");
}
