//! Beyond the library matrix: a full disk, hf_transfer both ways (huggingface_hub 0.25.2) and aria2c
//! of a Hub URL.

use super::*;
use crate::common::clients::*;
use crate::common::fakehub::*;
use crate::common::wrapped::*;
use crate::common::*;
use serde_json::{json, Value};
use std::path::PathBuf;

// ---------------------------------------------------------------------------------------------
// A full disk: the cache on a 4 MiB tmpfs, the 12 MiB weights do not fit
// ---------------------------------------------------------------------------------------------

/// A small tmpfs (mounted as root, as CI runs), unmounted on drop.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(dir: PathBuf, size: &str) -> SmallDisk {
        std::fs::create_dir_all(&dir).unwrap();
        let r = run(
            std::process::Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"]).arg(&dir),
            RUN_TIMEOUT,
        );
        assert_eq!(
            r.code,
            Some(0),
            "cannot mount a tmpfs (the disk-full test runs as root, as CI does):\n{}",
            r.dump()
        );
        SmallDisk(dir)
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn disk_full(lib: Lib) {
    let hub = lib_hub(json!([]));
    let mut env = TestEnv::new(Some(&hub));
    let small = SmallDisk::mount(env.path("small"), "4m");
    env.set("HF_HOME", small.0.join("hf_home"));
    let w = wrap(&env, &[], &str_vec(&lib.cmd(Access::Public, true)));
    w.assert_failed(1, "disk_full").assert_attempts(1);
    w.assert_fix_contains("HF_HOME");
    drop(small);
}

#[test]
fn transformers5_disk_full() {
    disk_full(Lib::Transformers5);
}

#[test]
fn transformers4_disk_full() {
    disk_full(Lib::Transformers4);
}

// ---------------------------------------------------------------------------------------------
// hf_transfer (huggingface_hub 0.25.2): off when it fails, on when the plain download is slow
// ---------------------------------------------------------------------------------------------

/// A repo with a 60 MiB file: hf_transfer only takes files over 50 MiB.
const BIG: &str = "fake-org/big-model";

fn big_hub(faults: Value) -> FakeHub {
    FakeHub::start(json!({"repos": [{"id": BIG, "large_size": 60 * 1024 * 1024}], "faults": faults, "git": false}))
}

fn xfer_cli() -> String {
    lib_dir("xfer").join("huggingface-cli").display().to_string()
}

#[test]
fn hf_transfer_failing_mid_transfer_is_switched_off() {
    // Every closed range (hf_transfer's 10 MiB chunks) is cut: its RuntimeError, then a plain re-run.
    let hub =
        big_hub(json!([{"kind": "truncate", "on": "cdn", "range_matches": r"^bytes=\d+-\d+$", "after_bytes": 65536}]));
    let mut env = TestEnv::new(Some(&hub));
    env.set("HF_HUB_ENABLE_HF_TRANSFER", "1");
    let w = wrap(&env, &[], &[&xfer_cli(), "download", BIG, "model.safetensors"]);
    w.assert_success().assert_attempts(2).assert_attempt_cause(0, "stalled");
    assert!(w.attempt_action(0).contains("hf_transfer failed"), "{}", w.dump());
    assert_eq!(w.attempt_env_changes(0), ["-HF_HUB_ENABLE_HF_TRANSFER"], "{}", w.dump());
    assert_repo_files_subset(&env, &hub, &["model.safetensors"]);
}

#[test]
fn hf_transfer_is_switched_on_for_a_slow_plain_download() {
    // The plain GET (no Range) stalls once; the re-run uses hf_transfer, which is installed.
    let hub = big_hub(json!([{"kind": "stall", "on": "cdn", "range_matches": "", "times": 1, "after_bytes": 1048576}]));
    let mut env = TestEnv::new(Some(&hub));
    env.set("HF_HUB_DOWNLOAD_TIMEOUT", "60");
    let w = wrap(&env, &["--stall-timeout", "4s"], &[&xfer_cli(), "download", BIG, "model.safetensors"]);
    w.assert_success().assert_attempts(2).assert_attempt_cause(0, "stalled");
    assert_eq!(w.attempt_env_changes(0), ["HF_HUB_ENABLE_HF_TRANSFER"], "{}", w.dump());
    assert!(w.attempt_action(0).contains("hf_transfer"), "{}", w.dump());
    assert_repo_files_subset(&env, &hub, &["model.safetensors"]);
    // The re-run really used it: closed-range requests, which the plain downloader never sends.
    let closed = regex::Regex::new(r"^bytes=\d+-\d+$").unwrap();
    assert!(
        hub.requests().iter().any(|r| r.range.as_deref().is_some_and(|x| closed.is_match(x) && x != "bytes=0-0")),
        "{}",
        hub.dump_requests()
    );
}

fn assert_repo_files_subset(env: &TestEnv, hub: &FakeHub, files: &[&str]) {
    let snap = env.snapshot_dir("model", BIG, &hub.repo(BIG).sha);
    for f in files {
        assert_eq!(sha256_file(&snap.join(f)), hub.repo(BIG).files[*f].sha256, "{f}");
    }
}

// ---------------------------------------------------------------------------------------------
// aria2c of a Hub URL
// ---------------------------------------------------------------------------------------------

fn aria2c_url(hub: &FakeHub) -> String {
    format!("{}/{TINY}/resolve/main/model.safetensors", hub.url())
}

#[test]
fn aria2c_downloads_a_hub_url() {
    let hub = hub_with(json!([]));
    let env = TestEnv::new(Some(&hub));
    let url = aria2c_url(&hub);
    let w = wrap(&env, &[], &["aria2c", "-x", "16", "-s", "16", &url, "-o", "model.safetensors"]);
    w.assert_success().assert_attempts(1);
    assert_eq!(sha256_file(&env.path("work/model.safetensors")), hub.repo(TINY).files["model.safetensors"].sha256);
}

#[test]
fn aria2c_under_429_is_backed_off_with_fewer_connections() {
    let hub = hub_with(json!([{"kind": "status", "status": 429, "on": "cdn", "times": 2}]));
    let env = TestEnv::new(Some(&hub));
    let url = aria2c_url(&hub);
    let w = wrap(&env, &[], &["aria2c", "-x", "16", "-s", "16", &url, "-o", "model.safetensors"]);
    w.assert_success().assert_attempt_cause(0, "rate_limited");
    assert_eq!(w.attempts()[0]["rule"], "aria2c-http-429", "{}", w.dump());
    assert!(w.attempt_action(0).contains("-x 4"), "{}", w.dump());
    assert_eq!(w.attempt_command(1), ["aria2c", "-x", "4", "-s", "4", &url, "-o", "model.safetensors"], "{}", w.dump());
    if w.attempts().len() > 2 {
        assert_eq!(w.attempt_command(2)[..5], ["aria2c", "-x", "2", "-s", "2"], "{}", w.dump());
    }
    assert_eq!(sha256_file(&env.path("work/model.safetensors")), hub.repo(TINY).files["model.safetensors"].sha256);
    assert!(!env.path("work/model.safetensors.aria2").exists());
}

#[test]
fn aria2c_refused_by_a_gated_repo_is_not_rerun_with_a_token_it_cannot_use() {
    let hub = hub_with(json!([]));
    let env = TestEnv::new(Some(&hub));
    let tf = token_file(&env);
    let url = format!("{}/{GATED}/resolve/main/config.json", hub.url());
    let w = wrap(&env, &["--token-file", tf.to_str().unwrap(), "--trust-endpoint", hub.url()], &["aria2c", &url]);
    w.assert_failed(24, "auth_required").assert_attempts(1);
    w.assert_fix_contains("--conf-path");
    assert!(hub.requests().iter().all(|r| !r.has_authorization), "{}", hub.dump_requests());
}

#[test]
fn curl_without_fail_saving_the_hubs_error_is_that_error() {
    // curl exits 0 on a 401 and saves the Hub's JSON error as the file: not a download.
    let hub = hub_with(json!([]));
    let env = TestEnv::new(Some(&hub));
    let url = format!("{}/{GATED}/resolve/main/config.json", hub.url());
    let w = wrap(&env, &[], &["curl", "-sL", "-o", "config.json", &url]);
    w.assert_cause("auth_required").assert_attempts(1);
    assert_ne!(w.run.code, Some(0), "a saved error page is not a success:\n{}", w.dump());
    w.assert_fix_contains("curl -fL");
    // With --fail the same failure is curl's own exit 22, read from its output as before.
    let w = wrap(&env, &[], &["curl", "-fsSL", "-o", "config2.json", &url]);
    assert_eq!(w.run.code, Some(22), "{}", w.dump());
    // And a curl that got the file is a success.
    let ok = format!("{}/{TINY}/resolve/main/config.json", hub.url());
    let w = wrap(&env, &[], &["curl", "-sL", "-o", "ok.json", &ok]);
    w.assert_success().assert_attempts(1);
}

#[test]
fn wget_showing_the_hubs_error_code_header_is_read_from_it() {
    // `wget -S` prints the response headers: the Hub's X-Error-Code decides, whatever the prose.
    let hub = hub_with(json!([]));
    let env = TestEnv::new(Some(&hub));
    let gated = format!("{}/{GATED}/resolve/main/config.json", hub.url());
    let w = wrap(&env, &[], &["wget", "-S", "-O", "config.json", &gated]);
    w.assert_cause("auth_required").assert_attempts(1);
    assert_eq!(w.attempts()[0]["rule"], "hub-error-code-gated", "{}", w.dump());
    let missing = format!("{}/{TINY}/resolve/main/no-such-file.bin", hub.url());
    let w = wrap(&env, &[], &["wget", "-S", "-O", "x.bin", &missing]);
    w.assert_cause("not_found");
    assert_eq!(w.attempts()[0]["rule"], "hub-error-code-entry-not-found", "{}", w.dump());
}
