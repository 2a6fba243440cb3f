//! hfwrap in a real terminal (issue 13): an interactive bash on a pseudo-terminal (`common::term`)
//! runs hfwrap as a person would, and the test types at it. Each test names the day-one bug it
//! guards against. Children: `tests/children/tty_child.py`.

use crate::common::term::Term;
use crate::common::*;
use std::time::Duration;

/// The child script, as typed on the command line.
fn tty_child() -> String {
    child("tty_child.py")
}

/// The state letter of a process (`T`: stopped), from /proc.
fn state(pid: i32) -> char {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.rsplit_once(')').and_then(|(_, after)| after.trim_start().chars().next()).unwrap_or('?')
}

/// Wait (bounded) until `pid` is in state `want`.
fn wait_state(pid: i32, want: char) {
    let deadline = std::time::Instant::now() + DEADLINE;
    while state(pid) != want {
        assert!(std::time::Instant::now() < deadline, "pid {pid} never reached state {want}, is {}", state(pid));
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The terminal's settings before and after must match: `stty -g` into two files, compared.
const SAVE_TTY: &str = "stty -g > tty.before";
const CHECK_TTY: &str = "stty -g > tty.after; cmp -s tty.before tty.after && echo TTY-SAME";

#[test]
fn a_secret_typed_at_a_pty_child_is_not_echoed() {
    // Day one: the outer terminal stayed in cooked mode with echo on while the child (on its pty)
    // had echo off, so `hfwrap hf auth login` showed the token as it was typed.
    let env = Env::new();
    let mut t = Term::start(&env);
    t.run(SAVE_TTY);
    t.run(&format!("$HFW python3 {} getpass; echo rc=$?", tty_child()));
    t.wait_for("Token: ");
    t.keys(b"s3cret-tok\r");
    let screen = t.wait_for("rc=");
    assert!(screen.contains("GOT 10 kot-terc3s"), "the child read the secret: {screen:?}");
    assert!(!screen.contains("s3cret-tok"), "the secret was echoed: {screen:?}");
    assert!(screen.contains("rc=0"), "{screen:?}");
    t.run(CHECK_TTY);
    t.wait_for("TTY-SAME");
}

#[test]
fn ctrl_c_at_a_pty_child_is_the_users_interrupt_never_retried() {
    // Ctrl-C is a byte on the way to the child's pty (the outer terminal is raw), which turns it
    // into SIGINT for the child; hfwrap must still know it was the user's and not retry, although
    // the child printed a 503 (retryable) first.
    let env = Env::new();
    let mut t = Term::start(&env);
    t.run(SAVE_TTY);
    t.run(&format!("$HFW --retries 3 python3 {} interrupt {}; echo rc=$?", tty_child(), env.p("runs")));
    t.wait_for("READY");
    t.keys(b"\x03");
    let screen = t.wait_for("rc=");
    assert!(screen.contains("rc=130"), "{screen:?}");
    assert!(screen.contains("hfwrap: interrupted (SIGINT); not retrying"), "{screen:?}");
    assert_eq!(env.runs("runs"), 1, "an interrupted command is never re-run");
    t.run(CHECK_TTY);
    t.wait_for("TTY-SAME");
}

/// Ctrl-Z stops the child and hfwrap together; `fg` resumes both; the time stopped counts neither
/// against `--max-time` nor as a stall. `pipe`: with stdout piped (the child is then in a group of
/// its own that the terminal's SIGTSTP does not reach: hfwrap passes it on).
fn ctrl_z_then_fg(pipe: bool) {
    let env = Env::new();
    let mut t = Term::start(&env);
    t.run(SAVE_TTY);
    let tail = if pipe { " | cat" } else { "" };
    if pipe {
        t.run("set -o pipefail");
    }
    // 15 ticks of 0.2 s: 3 s of running time, within --max-time 5s only if stopped time is not
    // counted. (No `; echo` after it: bash runs the rest of a list as soon as a job stops.)
    t.run(&format!("$HFW --max-time 5s python3 {} ticks 15{tail}", tty_child()));
    let screen = t.wait_for("TICK 2 ");
    let pid: i32 = screen.split("pid=").nth(1).unwrap().split_whitespace().next().unwrap().parse().unwrap();
    t.keys(b"\x1a");
    t.wait_for("Stopped");
    wait_state(pid, 'T');
    // Stopped for longer than --max-time: time that must not count. (A deliberate wait: the time
    // passing is what is tested, nothing is synchronised on it.)
    std::thread::sleep(Duration::from_millis(5500));
    assert_eq!(state(pid), 'T', "the child ran on while hfwrap was stopped");
    t.run("fg; echo rc=$?");
    let screen = t.wait_for("rc=");
    assert!(screen.contains("TICKS-DONE"), "{screen:?}");
    assert!(screen.contains("rc=0"), "stopped time counted against --max-time: {screen:?}");
    t.run(CHECK_TTY);
    t.wait_for("TTY-SAME");
}

#[test]
fn ctrl_z_stops_a_pty_child_with_hfwrap_and_fg_resumes_both() {
    ctrl_z_then_fg(false);
}

#[test]
fn ctrl_z_stops_a_piped_child_with_hfwrap_and_fg_resumes_both() {
    ctrl_z_then_fg(true);
}

#[test]
fn a_window_resize_reaches_the_pty_child() {
    let env = Env::new();
    let mut t = Term::start(&env);
    t.run(&format!("$HFW python3 {} winch; echo rc=$?", tty_child()));
    t.wait_for("READY 80x24");
    t.resize(100, 40);
    let screen = t.wait_for("rc=");
    assert!(screen.contains("SIZE 100x40"), "{screen:?}");
    assert!(screen.contains("rc=0"), "{screen:?}");
}

#[test]
fn a_child_reading_the_terminal_with_stdout_piped_gets_it() {
    // Day one: stdin a terminal, stdout piped: no pty, the child in a background group; its read
    // stopped it with SIGTTIN and hfwrap waited forever, saying nothing.
    let env = Env::new();
    let mut t = Term::start(&env);
    t.run(&format!("$HFW python3 {} input | cat; echo rc=${{PIPESTATUS[0]}}", tty_child()));
    t.wait_for("name?");
    t.wait_for("hfwrap: the command is reading the terminal");
    t.keys(b"bob\r");
    let screen = t.wait_for("rc=");
    assert!(screen.contains("hello bob"), "{screen:?}");
    assert!(screen.contains("rc=0"), "{screen:?}");
    // The shell has its terminal back.
    t.run("echo back-$((6*7))");
    t.wait_for("back-42");
}

#[test]
fn stdin_from_a_file_reaches_the_child_untouched() {
    // Day one: in the terminal, a redirected stdin still went through the child's pty: echoed into
    // the output, DEL and ^U applied, 0x03 a SIGINT, and no EOF (a hang).
    let env = Env::new();
    let data: Vec<u8> = b"line one\r\nkill\x15this\x7f\x03 and \x04 then more\n\xff\x00no newline at the end".to_vec();
    std::fs::write(env.path("input.bin"), &data).unwrap();
    let mut t = Term::start(&env);
    t.run(&format!("$HFW python3 {} readall < input.bin; echo rc=$?", tty_child()));
    let screen = t.wait_for("rc=");
    assert!(screen.contains(&format!("LEN {} {}", data.len(), sha256_hex(&data))), "{screen:?}");
    assert!(!screen.contains("kill"), "stdin was echoed into the output: {screen:?}");
    assert!(screen.contains("rc=0"), "{screen:?}");
}

#[test]
fn the_first_key_after_a_retry_reaches_the_new_attempt() {
    // Day one: a stdin forwarder per attempt, never stopped: the first attempt's took the first
    // keystroke typed at the second one (and wrote it to a pty nobody read).
    let env = Env::new();
    let mut t = Term::start(&env);
    t.run(&format!("$HFW --retries 1 python3 {} second {}; echo rc=$?", tty_child(), env.p("runs")));
    t.wait_for("name?");
    t.keys(b"alice\r");
    let screen = t.wait_for("rc=");
    assert!(screen.contains("hello alice"), "{screen:?}");
    assert!(screen.contains("rc=0"), "{screen:?}");
    assert_eq!(env.runs("runs"), 2);
}
