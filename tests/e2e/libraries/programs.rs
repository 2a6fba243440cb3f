//! A training-style program under hfwrap: what a re-run from the top would repeat (recover::rerun),
//! and a program that computes is never taken for a stalled download (facts::sockets).

use super::*;
use crate::common::clients::*;
use crate::common::fakehub::*;
use crate::common::wrapped::*;
use crate::common::*;
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// A training-style script whose download fails at its end
// ---------------------------------------------------------------------------------------------

fn train_cmd(marker: &std::path::Path, repo: &str, seconds: &str) -> Vec<String> {
    vec![
        Lib::Transformers5.python().display().to_string(),
        child("train.py"),
        marker.display().to_string(),
        repo.to_string(),
        "config.json".to_string(),
        seconds.to_string(),
    ]
}

#[test]
fn a_program_failing_after_the_rerun_window_is_not_rerun_and_the_printed_command_works() {
    // The script "trains" 3 s, writes its marker, then meets a gated repo; the token is only in a
    // file. hfwrap would inject it, but the attempt ran past --rerun-window 1s: no re-run, and the
    // command it prints (the token read from its file by the shell) is the one that works.
    let hub = hub_with(json!([]));
    let env = TestEnv::new(Some(&hub));
    let tf = token_file(&env);
    let marker = env.path("work/marker.txt");
    let cmd = train_cmd(&marker, GATED, "3");
    let w = wrap(
        &env,
        &[
            "--rerun-window",
            "1s",
            "--inject-token-into-programs",
            "--token-file",
            tf.to_str().unwrap(),
            "--trust-endpoint",
            hub.url(),
        ],
        &str_vec(&cmd),
    );
    w.assert_failed(1, "auth_required").assert_attempts(1);
    assert_eq!(read_lossy(&marker).lines().count(), 1, "the program's side effect was repeated");
    w.assert_fix_contains("is a program").assert_fix_contains("--rerun-program");
    let expected = format!(
        "env HF_TOKEN=\"$(cat {})\" {} {} {} {GATED} config.json 3",
        tf.display(),
        cmd[0],
        cmd[1],
        marker.display()
    );
    assert_eq!(w.report["rerun_command"], expected, "{}", w.dump());
    let shown = w.run.hfwrap_lines().into_iter().find(|l| l.contains("re-run with:")).unwrap_or_default();
    assert!(shown.ends_with(&expected), "hfwrap should print the re-run command:\n{}", w.dump());
    w.assert_nothing_shows(&good_token());

    // The printed command, run as a user would paste it, succeeds (and trains once more).
    let r = run(env.command("sh").args(["-c", &expected]), RUN_TIMEOUT);
    assert_eq!(r.code, Some(0), "the printed re-run command failed:\n{}", r.dump());
    assert_eq!(read_lossy(&marker).lines().count(), 2);
    assert!(r.stdout().contains("LOADED config.json"), "{}", r.dump());
}

#[test]
fn a_program_failing_within_the_rerun_window_is_rerun() {
    // The default window (2 minutes): a program that fails while still fetching is re-run.
    let hub = hub_with(json!([]));
    let env = TestEnv::new(Some(&hub));
    let tf = token_file(&env);
    let marker = env.path("work/marker.txt");
    let opts = ["--inject-token-into-programs", "--token-file", tf.to_str().unwrap(), "--trust-endpoint", hub.url()];
    let w = wrap(&env, &opts, &str_vec(&train_cmd(&marker, GATED, "0.2")));
    w.assert_success().assert_attempts(2).assert_attempt_cause(0, "auth_required");
    assert_eq!(read_lossy(&marker).lines().count(), 2, "inside the window the program is re-run from the top");
}

#[test]
fn rerun_program_lets_hfwrap_rerun_a_long_program() {
    let hub = hub_with(json!([]));
    let env = TestEnv::new(Some(&hub));
    let tf = token_file(&env);
    let marker = env.path("work/marker.txt");
    let opts = [
        "--rerun-window",
        "1s",
        "--rerun-program",
        "--inject-token-into-programs",
        "--token-file",
        tf.to_str().unwrap(),
        "--trust-endpoint",
        hub.url(),
    ];
    let w = wrap(&env, &opts, &str_vec(&train_cmd(&marker, GATED, "2")));
    w.assert_success().assert_attempts(2);
    assert_eq!(read_lossy(&marker).lines().count(), 2);
}

#[test]
fn a_program_computing_with_no_hub_traffic_is_never_stalled() {
    // CPU work with a stall timeout far shorter than the work: not a download, not stopped.
    let hub = hub_with(json!([]));
    let env = TestEnv::new(Some(&hub));
    let code = "import time\nt=time.time()\nwhile time.time()-t<6: sum(range(10000))\nprint('trained')\n";
    let py = Lib::Transformers5.python().display().to_string();
    let w = wrap(&env, &["--stall-timeout", "2s"], &[&py, "-c", code]);
    w.assert_success().assert_attempts(1);
    assert!(w.run.stdout().contains("trained"));
}

#[test]
fn a_program_hung_on_a_worker_after_its_error_is_stopped_after_the_grace_and_diagnosed() {
    // The main thread dies of GatedRepoError; a worker thread keeps Python alive on a request the
    // Hub never answers. With a stall timeout of 2 minutes, hfwrap stops it 10 s after the error
    // and names the error, not a stall.
    let hub = hub_with(json!([{"kind": "hang", "on": "resolve", "path_contains": "worker.bin"}]));
    let mut env = TestEnv::new(Some(&hub));
    env.set("TRAIN_HUNG_WORKER", "1");
    let marker = env.path("work/marker.txt");
    let w = wrap(&env, &["--stall-timeout", "120s"], &str_vec(&train_cmd(&marker, GATED, "0.2")));
    w.assert_failed(1, "auth_required").assert_attempts(1);
    assert!(w.run.stderr().contains("printed its error and then did nothing for 10s"), "{}", w.dump());
    assert!(
        w.run.elapsed < std::time::Duration::from_secs(60),
        "waited on the hung worker: {:?}\n{}",
        w.run.elapsed,
        w.dump()
    );
    let hung = hub.requests().into_iter().find(|r| r.path.contains("worker.bin"));
    assert!(hung.is_some_and(|r| r.status == 0), "the worker's request was not left hanging:\n{}", hub.dump_requests());
}
