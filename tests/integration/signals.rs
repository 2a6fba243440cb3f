//! Signals sent to hfwrap's pid (as a terminal sends Ctrl-C to the foreground process, which hfwrap
//! is; the child runs in a process group of its own, so hfwrap must forward): hfwrap exits 130/143,
//! leaves no process of the child's tree, and never re-runs an interrupted command.
//!
//! The child (`tests/children/stubborn.py`) prints a 503 signature before READY, so an interrupt that
//! were treated like a failure would be retried; it appends to a counter file on every run.
//! Escalation: SIGINT → (2 s) SIGINT → (2 s) SIGTERM → (2 s) SIGKILL; SIGTERM → (2 s) SIGKILL.
//! Deadlines (60 s) only catch hangs. On Linux hfwrap is a subreaper and its child has a parent-death
//! signal: a helper that left the group and the session is stopped too, and a `kill -9` of hfwrap
//! takes its child along (`tests/children/setsid_helper.py`).

use crate::common::*;

struct Tree {
    env: Env,
    run: Live,
    pids: Vec<i32>,
    _reaper: Reaper,
}

/// Start `hfwrap --retries 3 python3 stubborn.py COUNTER MODE GRANDCHILDREN` and wait for READY.
fn start(mode: &str, grandchildren: &str) -> Tree {
    let env = Env::new();
    let mut run = Live::start(env.hfwrap(&[
        "--retries",
        "3",
        "python3",
        &child("stubborn.py"),
        &env.p("counter"),
        mode,
        grandchildren,
    ]));
    let ready = run.wait_for(Stream::Stdout, "READY pid=");
    let mut pids = pids(&ready, "pid");
    pids.extend(crate::common::pids(&ready, "gc"));
    let mut reaper = Reaper::default();
    reaper.add(&pids);
    assert!(pids.iter().all(|&p| alive(p)));
    Tree { env, run, pids, _reaper: reaper }
}

fn finish(t: Tree, expected: i32) -> (Done, Env) {
    let Tree { env, run, pids, _reaper } = t;
    let done = run.wait();
    assert_eq!(done.code(), expected, "stderr:\n{}", done.stderr);
    assert_eq!(env.runs("counter"), 1, "an interrupted command is never re-run");
    assert_eq!(
        wait_gone(&pids),
        Vec::<i32>::new(),
        "processes of the child's tree survived hfwrap (tree: {pids:?})\nstderr:\n{}",
        done.stderr
    );
    assert!(done.stderr.contains("not retrying"), "{}", done.stderr);
    (done, env)
}

#[test]
fn sigint_stops_a_tree_that_ignores_it() {
    // The child and both grandchildren ignore SIGINT and SIGTERM: only the final SIGKILL ends them.
    let t = start("stubborn", "both");
    t.run.signal(libc::SIGINT);
    let (done, _env) = finish(t, 130);
    assert!(done.stderr.contains("child got signal 2"), "SIGINT is forwarded to the child: {}", done.stderr);
    assert!(done.stderr.contains("child got signal 15"), "then escalated to SIGTERM: {}", done.stderr);
}

#[test]
fn sigterm_stops_a_tree_that_ignores_it() {
    let t = start("stubborn", "both");
    t.run.signal(libc::SIGTERM);
    let (done, _env) = finish(t, 143);
    assert!(done.stderr.contains("child got signal 15"), "SIGTERM is forwarded to the child: {}", done.stderr);
}

#[test]
fn sigint_leaves_no_grandchild_when_the_child_obeys() {
    // The child dies on the first SIGINT; its grandchild ignores signals and holds none of the pipes,
    // so nothing makes hfwrap wait for it: it must still not outlive hfwrap.
    let t = start("meek", "detached");
    t.run.signal(libc::SIGINT);
    finish(t, 130);
}

#[test]
fn sigterm_leaves_no_grandchild_when_the_child_obeys() {
    let t = start("meek", "detached");
    t.run.signal(libc::SIGTERM);
    finish(t, 143);
}

#[test]
fn sigint_with_a_grandchild_holding_the_pipes() {
    let t = start("meek", "both");
    t.run.signal(libc::SIGINT);
    finish(t, 130);
}

#[test]
fn second_sigint_forces_an_immediate_kill() {
    let t = start("stubborn", "both");
    t.run.signal(libc::SIGINT);
    // The child's own log file, not hfwrap's stderr: a debug build of hfwrap may take seconds to pass
    // the first lines on (it compiles its catalogue), and the point is to send the second Ctrl-C
    // while the first is still being escalated.
    let log = t.env.path("counter.signals");
    let deadline = std::time::Instant::now() + DEADLINE;
    while !std::fs::read_to_string(&log).unwrap_or_default().contains("child got signal 2") {
        assert!(std::time::Instant::now() < deadline, "the child never got the forwarded SIGINT");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    t.run.signal(libc::SIGINT);
    let (_done, _env) = finish(t, 130);
    // Killed on the second Ctrl-C: the escalation's SIGTERM (4 s after the first SIGINT) never came.
    // (Not asserted: whether the escalation's own second SIGINT, due 2 s after the first, beat ours —
    // on a loaded machine it can; the SIGTERM, 2 s later still, leaves a margin that only a hang eats.)
    let got = std::fs::read_to_string(&log).unwrap();
    assert!(!got.contains("child got signal 15"), "escalated instead of killed at once: {got}");
}

#[cfg(target_os = "linux")]
/// `hfwrap python3 setsid_helper.py COUNTER MODE`, READY seen: (run, child pid, helper pid).
#[cfg(target_os = "linux")]
fn start_with_helper(env: &Env, mode: &str, reaper: &mut Reaper) -> (Live, i32, i32) {
    let mut run = Live::start(env.hfwrap(&["python3", &child("setsid_helper.py"), &env.p("counter"), mode]));
    let ready = run.wait_for(Stream::Stdout, "READY pid=");
    let (pid, helper) = (pids(&ready, "pid")[0], pids(&ready, "helper")[0]);
    reaper.add(&[pid, helper]);
    (run, pid, helper)
}

#[cfg(target_os = "linux")]
#[test]
fn a_helper_in_a_session_of_its_own_does_not_survive_ctrl_c() {
    // Day one: the child's group was signalled, and a helper that had left it (setsid, holding no
    // pipe) ran on. hfwrap is a subreaper now: the orphan is re-parented to it and found.
    let env = Env::new();
    let mut reaper = Reaper::default();
    let (run, _pid, helper) = start_with_helper(&env, "wait", &mut reaper);
    run.signal(libc::SIGINT);
    let done = run.wait();
    assert_eq!(done.code(), 130, "{}", done.stderr);
    assert_eq!(wait_gone(&[helper]), Vec::<i32>::new(), "the detached helper survived Ctrl-C");
}

#[cfg(target_os = "linux")]
#[test]
fn a_helper_in_a_session_of_its_own_does_not_outlive_its_attempt() {
    let env = Env::new();
    let mut reaper = Reaper::default();
    let (run, _pid, helper) = start_with_helper(&env, "exit", &mut reaper);
    let done = run.wait();
    assert_eq!(done.code(), 0, "{}", done.stderr);
    assert_eq!(wait_gone(&[helper]), Vec::<i32>::new(), "the detached helper outlived the run");
}

#[cfg(target_os = "linux")]
#[test]
fn the_child_dies_with_a_killed_hfwrap() {
    // Day one: `kill -9` of hfwrap left the download running. The child has a parent-death signal.
    let env = Env::new();
    let mut reaper = Reaper::default();
    let (run, pid, _helper) = start_with_helper(&env, "wait", &mut reaper);
    run.signal(libc::SIGKILL);
    assert_eq!(wait_gone(&[pid]), Vec::<i32>::new(), "the child outlived a killed hfwrap");
}
