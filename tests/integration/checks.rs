//! Check instead of guess: a download whose output names no known failure is checked live
//! (the endpoint refused, the disk full) before hfwrap calls it unknown; other commands are not.

use crate::common::live::Live;
use crate::common::sandbox::Env;
use crate::common::write_script;
use std::net::TcpListener;
use std::time::Duration;

/// A port on 127.0.0.1 that nothing listens on (bound, then closed).
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A fake `hf` on PATH that prints something no signature knows and fails.
fn fake_hf(env: &mut Env) {
    let bin = env.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    write_script(&bin.join("hf"), "#!/bin/sh\necho 'zork: the flux capacitor gave up' >&2\nexit 1\n");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    env.set("PATH", path);
}

#[test]
fn an_unknown_download_failure_with_the_endpoint_refused_is_network_blocked_with_the_check_as_evidence() {
    let mut env = Env::new();
    fake_hf(&mut env);
    let port = closed_port();
    env.set("HF_ENDPOINT", format!("http://127.0.0.1:{port}"));
    env.set("HF_HOME", env.p("hf-home"));
    let report = env.p("report.json");
    let done = Live::start(env.hfwrap(&["--no-retry", "--report", &report, "hf", "download", "org/model"]))
        .wait_within(Duration::from_secs(60));
    assert_eq!(done.code(), 1, "{}", done.stderr);
    let r = crate::common::read_json(std::path::Path::new(&report));
    assert_eq!(r["cause"], "network_blocked", "{r:#}");
    assert_eq!(r["rule"], "checked-endpoint-unreachable", "{r:#}");
    let evidence = r["evidence"].to_string();
    assert!(evidence.contains(&format!("127.0.0.1:{port}")) && evidence.contains("checked:"), "{evidence}");
}

#[test]
fn an_unknown_failure_of_a_reachable_endpoint_stays_unknown() {
    let mut env = Env::new();
    fake_hf(&mut env);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    env.set("HF_ENDPOINT", format!("http://{}", listener.local_addr().unwrap()));
    env.set("HF_HOME", env.p("hf-home"));
    let report = env.p("report.json");
    let done = Live::start(env.hfwrap(&["--no-retry", "--report", &report, "hf", "download", "org/model"]))
        .wait_within(Duration::from_secs(60));
    assert_eq!(done.code(), 1, "{}", done.stderr);
    assert_eq!(crate::common::read_json(std::path::Path::new(&report))["cause"], "unknown");
}

#[test]
fn a_program_that_is_not_a_download_is_never_checked() {
    let mut env = Env::new();
    env.set("HF_ENDPOINT", format!("http://127.0.0.1:{}", closed_port()));
    let report = env.p("report.json");
    let done = Live::start(env.hfwrap(&["--no-retry", "--report", &report, "sh", "-c", "echo zork >&2; exit 4"]))
        .wait_within(Duration::from_secs(60));
    assert_eq!(done.code(), 4);
    assert_eq!(crate::common::read_json(std::path::Path::new(&report))["cause"], "unknown");
}
