//! The fake Hub is only worth something if the real clients cannot tell it from the Hub. These tests run
//! the REAL clients directly (no hfwrap): `hf download` (huggingface_hub 2.x), `huggingface-cli download`
//! (0.25.2), python `hf_hub_download` / `snapshot_download`, git + git-lfs, against tests/fakehub, and check
//! that they download byte-identical files and fail with the wording recorded in
//! /work/shared/CLIENTS.md §8/§9 (ports, request ids and shas vary).
//!
//! Run through ./scripts/test (it builds the client venvs): `./scripts/test --test e2e fidelity::`.

use crate::common::clients::*;
use crate::common::fakehub::*;
use crate::common::wrapped::hub_with;
use crate::common::*;
use serde_json::json;
use std::time::Duration;

fn hub() -> FakeHub {
    hub_with(json!([]))
}

fn hf(env: &TestEnv, args: &[&str]) -> Run {
    run(env.command(hub2_bin("hf")).args(args), RUN_TIMEOUT)
}

fn hfcli(env: &TestEnv, args: &[&str]) -> Run {
    run(env.command(hub0_bin("huggingface-cli")).args(args), RUN_TIMEOUT)
}

const PY_DOWNLOAD_FILE: &str =
    "import sys\nfrom huggingface_hub import hf_hub_download\nprint(hf_hub_download(sys.argv[1], sys.argv[2]))";
const PY_SNAPSHOT: &str =
    "import sys\nfrom huggingface_hub import snapshot_download\nprint(snapshot_download(sys.argv[1]))";

fn py(env: &TestEnv, client: Client, code: &str, args: &[&str]) -> Run {
    run(env.python(client, code).args(args), RUN_TIMEOUT)
}

fn count(hub: &FakeHub, pred: impl Fn(&Request) -> bool) -> usize {
    hub.requests().iter().filter(|r| pred(r)).count()
}

// ---------------------------------------------------------------------------------------------
// Successful downloads
// ---------------------------------------------------------------------------------------------

#[test]
fn hf_download_to_cache_is_byte_identical() {
    let hub = hub();
    let env = TestEnv::new(Some(&hub));
    let r = hf(&env, &["download", TINY]);
    r.assert_code(0).assert_stdout_contains("✓ Downloaded");
    let sha = &hub.repo(TINY).sha;
    let snap = env.snapshot_dir("model", TINY, sha);
    r.assert_stdout_contains(&snap.display().to_string());
    assert_repo_files(&snap, &hub, TINY);
    assert!(incomplete_files(&env.hf_home()).is_empty());
    // The Hub's request sequence: repo info, recursive tree listing, a HEAD per file, the LFS body from the CDN.
    let reqs = hub.requests();
    assert_eq!(count(&hub, |r| r.is_repo_info(TINY)), 1, "{}", hub.dump_requests());
    assert!(reqs.iter().any(|r| r.class == "tree" && r.path.contains("recursive=true")), "{}", hub.dump_requests());
    let heads = reqs.iter().filter(|r| r.class == "resolve" && r.method == "HEAD").count();
    assert_eq!(heads, hub.repo(TINY).files.len(), "{}", hub.dump_requests());
    let cdn: Vec<_> = reqs.iter().filter(|r| r.class == "cdn").collect();
    assert_eq!(cdn.len(), 1, "{}", hub.dump_requests());
    assert_eq!(cdn[0].origin, "cdn");
    assert_eq!(cdn[0].status, 200);
}

#[test]
fn hf_download_to_local_dir_is_byte_identical() {
    let hub = hub();
    let env = TestEnv::new(Some(&hub));
    let dest = env.path("out");
    let r = hf(&env, &["download", TINY, "--local-dir", dest.to_str().unwrap()]);
    r.assert_code(0);
    assert_repo_files(&dest, &hub, TINY);
    assert!(incomplete_files(&dest).is_empty());
}

#[test]
fn hf_download_dataset_with_subfolder() {
    let hub = hub();
    let env = TestEnv::new(Some(&hub));
    let r = hf(&env, &["download", "--repo-type", "dataset", DATASET]);
    r.assert_code(0);
    let key = format!("datasets/{DATASET}");
    let snap = env.snapshot_dir("dataset", DATASET, &hub.repo(&key).sha);
    assert!(hub.repo(&key).files.contains_key("data/train.csv"));
    assert_repo_files(&snap, &hub, &key);
    assert!(hub.requests().iter().any(|r| r.route() == format!("/api/datasets/{DATASET}/revision/main")));
}

#[test]
fn huggingface_cli_download_to_cache_is_byte_identical() {
    let hub = hub();
    let mut env = TestEnv::new(Some(&hub));
    env.client(Client::Hub0);
    let r = hfcli(&env, &["download", TINY]);
    r.assert_code(0);
    let snap = env.snapshot_dir("model", TINY, &hub.repo(TINY).sha);
    assert_eq!(r.stdout().trim_end().lines().last().unwrap_or(""), snap.display().to_string(), "{}", r.dump());
    assert_repo_files(&snap, &hub, TINY);
    // 0.25.2 lists files from the repo info's siblings: no tree listing.
    assert_eq!(count(&hub, |r| r.class == "tree"), 0, "{}", hub.dump_requests());
}

#[test]
fn huggingface_cli_download_to_local_dir_is_byte_identical() {
    let hub = hub();
    let mut env = TestEnv::new(Some(&hub));
    env.client(Client::Hub0);
    let dest = env.path("out");
    let r = hfcli(&env, &["download", TINY, "--local-dir", dest.to_str().unwrap()]);
    r.assert_code(0);
    assert_repo_files(&dest, &hub, TINY);
}

#[test]
fn python_hf_hub_download_and_snapshot_download_both_versions() {
    let hub = hub();
    let env = TestEnv::new(Some(&hub));
    let want = &hub.repo(TINY).files["model.safetensors"].sha256;
    for client in [Client::Hub2, Client::Hub0] {
        let r = py(&env, client, PY_DOWNLOAD_FILE, &[TINY, "model.safetensors"]);
        r.assert_code(0);
        let p = std::path::PathBuf::from(r.stdout().trim());
        assert_eq!(&sha256_file(&p), want, "{client:?}");
    }
    let r = py(&env, Client::Hub2, PY_SNAPSHOT, &[TINY]);
    r.assert_code(0);
    assert_repo_files(std::path::Path::new(r.stdout().trim()), &hub, TINY);
    // snapshot_download(local_dir=…), both versions.
    let code = "import sys\nfrom huggingface_hub import snapshot_download\nprint(snapshot_download(sys.argv[1], local_dir=sys.argv[2]))";
    for (client, dir) in [(Client::Hub2, "ld2"), (Client::Hub0, "ld0")] {
        let dest = env.path(dir);
        let r = py(&env, client, code, &[TINY, dest.to_str().unwrap()]);
        r.assert_code(0);
        assert_repo_files(&dest, &hub, TINY);
    }
}

#[test]
fn token_goes_to_the_hub_but_never_to_the_cdn() {
    let hub = hub();
    let mut env = TestEnv::new(Some(&hub));
    env.set("HF_TOKEN", good_token());
    hf(&env, &["download", TINY]).assert_code(0);
    let mut env0 = TestEnv::new(Some(&hub));
    env0.set("HF_TOKEN", good_token());
    hfcli(&env0, &["download", TINY]).assert_code(0);
    let reqs = hub.requests();
    let hub_reqs: Vec<_> = reqs.iter().filter(|r| matches!(r.class.as_str(), "api" | "tree" | "resolve")).collect();
    assert!(!hub_reqs.is_empty());
    for r in &hub_reqs {
        assert!(r.sent_token(&good_token()), "request without the token: {r:?}");
    }
    let cdn: Vec<_> = reqs.iter().filter(|r| r.class == "cdn").collect();
    assert_eq!(cdn.len(), 2, "{}", hub.dump_requests());
    assert!(cdn.iter().all(|r| !r.has_authorization), "{}", hub.dump_requests());
    // The CLI's agent-harness probe goes without the token.
    let probe: Vec<_> = reqs.iter().filter(|r| r.route() == "/api/agent-harnesses").collect();
    assert!(probe.iter().all(|r| !r.has_authorization), "{probe:?}");
}

// ---------------------------------------------------------------------------------------------
// Access errors
// ---------------------------------------------------------------------------------------------

#[test]
fn gated_repo_without_token() {
    let hub = hub();
    let env = TestEnv::new(Some(&hub));
    let r = hf(&env, &["download", GATED]);
    r.assert_code(1).assert_stderr_contains("Error: Access denied. Model 'fake-org/gated-model' requires approval.");
    // Gated metadata is public: the API calls succeed, the first file HEAD gets 401 GatedRepo.
    let reqs = hub.requests();
    assert!(reqs.iter().any(|r| r.is_repo_info(GATED) && r.status == 200), "{}", hub.dump_requests());
    assert!(reqs.iter().any(|r| r.class == "resolve" && r.status == 401), "{}", hub.dump_requests());

    let mut env0 = TestEnv::new(Some(&hub));
    env0.client(Client::Hub0);
    let r = hfcli(&env0, &["download", GATED]);
    r.assert_code(1).assert_stderr_contains("huggingface_hub.errors.GatedRepoError: 401 Client Error.");
    r.assert_stderr_contains("(Request ID: Root=1-");
}

#[test]
fn gated_repo_with_token_that_has_not_accepted_the_licence() {
    let hub = hub();
    let mut env = TestEnv::new(Some(&hub));
    env.set("HF_TOKEN", other_token());
    let r = hf(&env, &["download", GATED]);
    r.assert_code(1).assert_stderr_contains("Error: Access denied. Model 'fake-org/gated-model' requires approval.");
    let r = py(&env, Client::Hub2, PY_DOWNLOAD_FILE, &[GATED, "config.json"]);
    r.assert_code(1).assert_stderr_contains("huggingface_hub.errors.GatedRepoError: 403 Client Error.");
    r.assert_stderr_contains(&format!(
        "Access to model fake-org/gated-model is restricted and you are not in the authorized list. Visit {} to ask for access.",
        hub.repo_url(GATED)
    ));
    let r = py(&env, Client::Hub0, PY_DOWNLOAD_FILE, &[GATED, "config.json"]);
    r.assert_code(1).assert_stderr_contains("GatedRepoError: 403 Client Error.");
}

#[test]
fn gated_repo_pending_and_rejected_requests() {
    let hub = hub();
    for (tok, msg) in [
        (
            pending_token(),
            "Your request to access model fake-org/gated-model is awaiting a review from the repo authors.",
        ),
        (
            rejected_token(),
            "Your request to access model fake-org/gated-model has been rejected by the repo's authors.",
        ),
    ] {
        let mut env = TestEnv::new(Some(&hub));
        env.set("HF_TOKEN", &tok);
        let r = py(&env, Client::Hub2, PY_DOWNLOAD_FILE, &[GATED, "config.json"]);
        r.assert_code(1).assert_stderr_contains("GatedRepoError: 403 Client Error.").assert_stderr_contains(msg);
    }
}

#[test]
fn gated_repo_with_accepted_token_downloads() {
    let hub = hub();
    let mut env = TestEnv::new(Some(&hub));
    env.set("HF_TOKEN", good_token());
    hf(&env, &["download", GATED]).assert_code(0);
    assert_repo_files(&env.snapshot_dir("model", GATED, &hub.repo(GATED).sha), &hub, GATED);
}

#[test]
fn private_and_missing_repos() {
    let hub = hub();
    let env = TestEnv::new(Some(&hub));
    hf(&env, &["download", PRIVATE])
        .assert_code(1)
        .assert_stderr_contains("Error: Model 'fake-org/private-model' not found.");
    hf(&env, &["download", MISSING])
        .assert_code(1)
        .assert_stderr_contains("Error: Model 'fake-org/does-not-exist' not found.");
    let mut envt = TestEnv::new(Some(&hub));
    envt.set("HF_TOKEN", other_token());
    hf(&envt, &["download", PRIVATE])
        .assert_code(1)
        .assert_stderr_contains("If the repo is private, make sure you are authenticated");
    let r = py(&envt, Client::Hub2, PY_DOWNLOAD_FILE, &[MISSING, "config.json"]);
    r.assert_code(1).assert_stderr_contains("RepositoryNotFoundError: 404 Client Error.");
    let r = py(&env, Client::Hub0, PY_DOWNLOAD_FILE, &[PRIVATE, "config.json"]);
    r.assert_code(1).assert_stderr_contains("RepositoryNotFoundError: 401 Client Error.");
    // 401 without a token, 404 with one.
    let statuses: Vec<(bool, u16)> = hub
        .requests()
        .iter()
        .filter(|r| r.is_repo_info(PRIVATE) || r.is_repo_info(MISSING))
        .map(|r| (r.has_authorization, r.status))
        .collect();
    assert!(statuses.contains(&(false, 401)) && statuses.contains(&(true, 404)), "{statuses:?}");
    // With the right token the private repo downloads.
    let mut envg = TestEnv::new(Some(&hub));
    envg.set("HF_TOKEN", good_token());
    hf(&envg, &["download", PRIVATE]).assert_code(0);
}

#[test]
fn revision_and_file_not_found() {
    let hub = hub();
    let env = TestEnv::new(Some(&hub));
    hf(&env, &["download", TINY, "--revision", "no-such-branch"])
        .assert_code(1)
        .assert_stderr_contains("Error: Revision not found in model 'fake-org/tiny-model'.");
    hf(&env, &["download", TINY, "no-such-file.bin"])
        .assert_code(1)
        .assert_stderr_contains("Error: File not found in model 'fake-org/tiny-model'.");
    let r = py(&env, Client::Hub0, PY_DOWNLOAD_FILE, &[TINY, "no-such-file.bin"]);
    r.assert_code(1).assert_stderr_contains("huggingface_hub.errors.EntryNotFoundError: 404 Client Error.");
}

#[test]
fn invalid_token_is_rejected_everywhere() {
    let hub = hub();
    let mut env = TestEnv::new(Some(&hub));
    env.set("HF_TOKEN", bad_token());
    let r = hf(&env, &["download", TINY]);
    r.assert_code(1).assert_stderr_contains(&format!(
        "Error: Client error '401 Unauthorized' for url '{}/api/models/fake-org/tiny-model/revision/main'",
        hub.url()
    ));
    r.assert_stderr_contains("Invalid credentials in Authorization header");
    let r = py(&env, Client::Hub2, PY_DOWNLOAD_FILE, &[TINY, "config.json"]);
    r.assert_code(1).assert_stderr_contains("huggingface_hub.errors.HfHubHTTPError: Client error '401 Unauthorized'");
    let r = hf(&env, &["auth", "whoami"]);
    r.assert_code(1)
        .assert_stderr_contains("Invalid user token. The token from HF_TOKEN environment variable is invalid.");
    let mut env0 = TestEnv::new(Some(&hub));
    env0.set("HF_TOKEN", bad_token()).client(Client::Hub0);
    // Over plain http 0.25.2 turns the 401 into "check your connection" (CLIENTS.md §5).
    hfcli(&env0, &["download", TINY])
        .assert_code(1)
        .assert_stderr_contains("huggingface_hub.errors.LocalEntryNotFoundError");
    assert!(hub.requests().iter().filter(|r| r.has_authorization).all(|r| r.status == 401), "{}", hub.dump_requests());
}

#[test]
fn whoami_with_a_good_token() {
    let hub = hub();
    let mut env = TestEnv::new(Some(&hub));
    env.set("HF_TOKEN", good_token());
    let r = hf(&env, &["auth", "whoami"]);
    r.assert_code(0);
    assert!(r.stdout_plain().contains("user-"), "{}", r.dump());
    assert!(hub
        .requests()
        .iter()
        .any(|r| r.route() == "/api/whoami-v2" && r.status == 200 && r.sent_token(&good_token())));
}

// ---------------------------------------------------------------------------------------------
// Rate limits and server errors
// ---------------------------------------------------------------------------------------------

#[test]
fn rate_limit_on_resolve_is_retried_by_hub2_but_not_by_hub0() {
    let hub = hub_with(json!([
        {"kind": "status", "status": 429, "on": "resolve", "method": "HEAD", "path_contains": "config.json", "times": 2, "retry_after": 1}
    ]));
    let env = TestEnv::new(Some(&hub));
    let r = hf(&env, &["download", TINY]);
    r.assert_code(0).assert_stderr_contains("Rate limited. Waiting 2.0s before retry [Retry 1/5].");
    r.assert_stderr_contains("No local file found. Retrying..");
    assert_repo_files(&env.snapshot_dir("model", TINY, &hub.repo(TINY).sha), &hub, TINY);
    assert_eq!(count(&hub, |r| r.status == 429), 2, "{}", hub.dump_requests());

    let hub = hub_with(json!([
        {"kind": "status", "status": 429, "on": "resolve", "times": 1, "retry_after": 1}
    ]));
    let mut env0 = TestEnv::new(Some(&hub));
    env0.client(Client::Hub0);
    hfcli(&env0, &["download", TINY])
        .assert_code(1)
        .assert_stderr_contains("huggingface_hub.errors.LocalEntryNotFoundError");
}

#[test]
fn rate_limit_on_first_api_call_is_not_retried_by_hub2() {
    let hub = hub_with(json!([
        {"kind": "status", "status": 429, "on": "api", "times": 1, "retry_after": 1}
    ]));
    let env = TestEnv::new(Some(&hub));
    let r = hf(&env, &["download", TINY]);
    r.assert_code(1).assert_stderr_contains("Error: Local entry not found.");
    assert_eq!(count(&hub, |r| r.is_repo_info(TINY)), 1, "{}", hub.dump_requests());
    assert_eq!(count(&hub, |r| r.class == "resolve"), 0, "{}", hub.dump_requests());
}

#[test]
fn rate_limit_headers_on_tree_are_honoured() {
    let hub = hub_with(json!([
        {"kind": "status", "status": 429, "on": "tree", "times": 2,
         "ratelimit": {"resource": "api", "reset": 1, "limit": 500, "window": 300}}
    ]));
    let env = TestEnv::new(Some(&hub));
    let r = hf(&env, &["download", TINY]);
    r.assert_code(0).assert_stderr_contains("Rate limited. Waiting 2.0s before retry");
    assert_eq!(count(&hub, |r| r.class == "tree"), 3, "{}", hub.dump_requests());
    // Once the retries run out the message names the rate-limit window (python, so we see the exception).
    let hub = hub_with(json!([
        {"kind": "status", "status": 429, "on": "tree",
         "ratelimit": {"resource": "api", "reset": 0, "limit": 500, "window": 300}}
    ]));
    let env = TestEnv::new(Some(&hub));
    let code =
        "import sys\nfrom huggingface_hub import HfApi\nlist(HfApi().list_repo_tree(sys.argv[1], recursive=True))";
    let r = py(&env, Client::Hub2, code, &[TINY]);
    r.assert_code(1).assert_stderr_contains("429 Too Many Requests: you have reached your 'api' rate limit.");
    r.assert_stderr_contains("Retry after 0 seconds (0/500 requests remaining in current 300s window).");
}

#[test]
fn server_error_once_on_cdn_is_not_retried() {
    let hub = hub_with(json!([{"kind": "status", "status": 503, "on": "cdn", "times": 1}]));
    let env = TestEnv::new(Some(&hub));
    let r = hf(&env, &["download", TINY]);
    r.assert_code(1).assert_stderr_contains("Server error '503 Service Unavailable' for url");
    r.assert_stderr_contains(&format!("{}/repos/", hub.cdn_url()));
}

#[test]
fn server_error_once_on_resolve_is_retried_by_hub2() {
    let hub = hub_with(
        json!([{"kind": "status", "status": 500, "on": "resolve", "path_contains": "config.json", "times": 1}]),
    );
    let env = TestEnv::new(Some(&hub));
    let r = hf(&env, &["download", TINY]);
    r.assert_code(0).assert_stderr_contains("No local file found. Retrying..");
    assert_eq!(count(&hub, |r| r.status == 500), 1);
}

#[test]
fn server_error_on_api_fails_hub2_with_url() {
    let hub = hub_with(json!([{"kind": "status", "status": 500, "on": "api"}]));
    let env = TestEnv::new(Some(&hub));
    hf(&env, &["download", TINY]).assert_code(1).assert_stderr_contains(&format!(
        "Error: Local entry not found. Server error '500 Internal Server Error' for url '{}/api/models/fake-org/tiny-model/revision/main'",
        hub.url()
    ));
}

// ---------------------------------------------------------------------------------------------
// Broken transfers
// ---------------------------------------------------------------------------------------------

#[test]
fn stalled_cdn_ends_in_read_timeout() {
    let hub = hub_with(json!([{"kind": "stall", "on": "cdn", "after_bytes": 1024 * 1024, "max_seconds": 60}]));
    let mut env = TestEnv::new(Some(&hub));
    env.set("HF_HUB_DOWNLOAD_TIMEOUT", "1");
    let r = py(&env, Client::Hub2, PY_DOWNLOAD_FILE, &[TINY, "model.safetensors"]);
    r.assert_code(1).assert_stderr_contains("httpx2.ReadTimeout: timed out");
    r.assert_stderr_contains("Trying to resume download...");
    // 1 + 5 resumes. Data reaches the disk in 10 MiB chunks, so after a stall at 1 MiB there is nothing
    // to resume from: every attempt starts at byte 0 (no Range).
    let cdn: Vec<_> = hub.requests().into_iter().filter(|r| r.class == "cdn").collect();
    assert_eq!(cdn.len(), 6, "{}", hub.dump_requests());
    assert!(cdn.iter().all(|r| r.range.is_none() && r.fault.is_some()), "{}", hub.dump_requests());
}

#[test]
fn stalled_cdn_once_recovers_by_resuming() {
    for client in [Client::Hub2, Client::Hub0] {
        // Stall after 11 MiB: one 10 MiB chunk has reached the disk, so the resume asks for the rest.
        let hub = hub_with(json!([{"kind": "stall", "on": "cdn", "after_bytes": 11 * 1024 * 1024, "times": 1}]));
        let mut env = TestEnv::new(Some(&hub));
        env.set("HF_HUB_DOWNLOAD_TIMEOUT", "2");
        let r = py(&env, client, PY_DOWNLOAD_FILE, &[TINY, "model.safetensors"]);
        r.assert_code(0)
            .assert_stderr_contains(&format!("Error while downloading from {}/repos/", hub.cdn_url()))
            .assert_stderr_contains("Trying to resume download...");
        assert_eq!(
            sha256_file(std::path::Path::new(r.stdout().trim())),
            hub.repo(TINY).files["model.safetensors"].sha256
        );
        let cdn: Vec<_> = hub.requests().into_iter().filter(|r| r.class == "cdn").collect();
        assert_eq!(cdn.len(), 2, "{client:?}\n{}", hub.dump_requests());
        assert_eq!(cdn[0].fault.as_deref(), Some("stall#0"));
        assert_eq!(cdn[1].range.as_deref(), Some("bytes=10485760-"), "{client:?}\n{}", hub.dump_requests());
        assert_eq!(cdn[1].status, 206);
    }
}

#[test]
fn body_cut_once_recovers_in_hub2_only() {
    let hub = hub_with(json!([{"kind": "truncate", "on": "cdn", "after_bytes": 4 * 1024 * 1024, "times": 1}]));
    let env = TestEnv::new(Some(&hub));
    let r = hf(&env, &["download", TINY]);
    r.assert_code(0).assert_stderr_contains("Trying to resume download...");
    let hub = hub_with(json!([{"kind": "truncate", "on": "cdn", "after_bytes": 4 * 1024 * 1024, "times": 1}]));
    let mut env0 = TestEnv::new(Some(&hub));
    env0.client(Client::Hub0);
    hfcli(&env0, &["download", TINY])
        .assert_code(1)
        .assert_stderr_contains("requests.exceptions.ChunkedEncodingError: ('Connection broken: IncompleteRead(4194304 bytes read, 8388608 more expected)'");
}

#[test]
fn body_cut_every_time_fails_hub2() {
    let hub = hub_with(json!([{"kind": "truncate", "on": "cdn", "after_bytes": 4 * 1024 * 1024}]));
    let env = TestEnv::new(Some(&hub));
    let r = py(&env, Client::Hub2, PY_DOWNLOAD_FILE, &[TINY, "model.safetensors"]);
    r.assert_code(1).assert_stderr_contains(
        "httpx2.RemoteProtocolError: peer closed connection without sending complete message body",
    );
}

#[test]
fn connection_dropped_once_before_the_answer() {
    let hub = hub_with(json!([{"kind": "drop", "on": "cdn", "times": 1}]));
    let env = TestEnv::new(Some(&hub));
    let r = py(&env, Client::Hub2, PY_DOWNLOAD_FILE, &[TINY, "model.safetensors"]);
    r.assert_code(0).assert_stderr_contains("Trying to resume download...");
    let hub = hub_with(json!([{"kind": "drop", "on": "cdn", "times": 1}]));
    let env = TestEnv::new(Some(&hub));
    let r = py(&env, Client::Hub0, PY_DOWNLOAD_FILE, &[TINY, "model.safetensors"]);
    r.assert_code(1).assert_stderr_contains("RemoteDisconnected('Remote end closed connection without response')");
    assert_eq!(hub.requests().iter().filter(|r| r.class == "cdn").map(|r| r.status).collect::<Vec<_>>(), vec![0]);
}

#[test]
fn black_holed_metadata_head_times_out_in_0_25() {
    let hub = hub_with(json!([{"kind": "hang", "on": "resolve", "method": "HEAD", "max_seconds": 60}]));
    let mut env = TestEnv::new(Some(&hub));
    env.set("HF_HUB_ETAG_TIMEOUT", "1");
    let r = py(&env, Client::Hub0, PY_DOWNLOAD_FILE, &[TINY, "config.json"]);
    r.assert_code(1).assert_stderr_contains("huggingface_hub.errors.LocalEntryNotFoundError");
    r.assert_stderr_contains("requests.exceptions.ReadTimeout")
        .assert_stderr_contains("Read timed out. (read timeout=1)");
    let heads: Vec<_> = hub.requests().into_iter().filter(|r| r.class == "resolve").collect();
    assert_eq!(heads.len(), 1, "{}", hub.dump_requests());
    assert_eq!((heads[0].status, heads[0].fault.as_deref()), (0, Some("hang#0")));
}

#[test]
fn slow_but_steady_body_completes() {
    // 2 MiB at 1 MiB/s: slow bodies are never timed out (the timeout is per read).
    let hub = hub_with(json!([{"kind": "trickle", "on": "cdn", "bytes_per_second": 1024 * 1024}]));
    let mut env = TestEnv::new(Some(&hub));
    env.set("HF_HUB_DOWNLOAD_TIMEOUT", "1");
    let r = hf(&env, &["download", "--repo-type", "dataset", DATASET]);
    r.assert_code(0);
    let key = format!("datasets/{DATASET}");
    assert_repo_files(&env.snapshot_dir("dataset", DATASET, &hub.repo(&key).sha), &hub, &key);
    assert!(hub.requests().iter().any(|r| r.class == "cdn" && r.fault.as_deref() == Some("trickle#0")));
}

#[test]
fn wrong_size_fails_the_consistency_check() {
    let hub = hub_with(json!([{"kind": "wrong_size", "on": "resolve", "path_contains": "model.safetensors"}]));
    let want = format!(
        "OSError: Consistency check failed: file should be of size {} but has size {} (model.safetensors).",
        LARGE + 1,
        LARGE
    );
    let env = TestEnv::new(Some(&hub));
    hf(&env, &["download", TINY]).assert_code(1).assert_stderr_contains(&want);
    let mut env0 = TestEnv::new(Some(&hub));
    env0.client(Client::Hub0);
    hfcli(&env0, &["download", TINY]).assert_code(1).assert_stderr_contains(&want);
}

// ---------------------------------------------------------------------------------------------
// Network-level failures
// ---------------------------------------------------------------------------------------------

#[test]
fn connection_refused_and_offline_mode() {
    let closed = ClosedPort::new();
    let mut env = TestEnv::new(None);
    env.set("HF_ENDPOINT", closed.url());
    hf(&env, &["download", TINY])
        .assert_code(1)
        .assert_stderr_contains("Error: Local entry not found. [Errno 111] Connection refused");
    let hub = hub();
    let mut env = TestEnv::new(Some(&hub));
    env.set("HF_HUB_OFFLINE", "1");
    hf(&env, &["download", TINY]).assert_code(1).assert_stderr_contains("offline mode is enabled");
    assert!(
        hub.requests().iter().all(|r| r.class == "misc"),
        "offline client reached the hub:\n{}",
        hub.dump_requests()
    );
}

#[test]
fn proxy_answering_407() {
    let hub = hub();
    let proxy = FakeProxy::start("407");
    let mut env = TestEnv::new(Some(&hub));
    env.remove("NO_PROXY")
        .remove("no_proxy")
        .set("HTTP_PROXY", proxy.url())
        .set("http_proxy", proxy.url())
        .remove("ALL_PROXY")
        .remove("all_proxy");
    hf(&env, &["download", TINY])
        .assert_code(1)
        .assert_stderr_contains("Client error '407 Proxy Authentication Required'");
    assert!(proxy.requests().iter().any(|r| r.status == 407));
    assert!(hub.requests().iter().all(|r| r.class == "misc"), "{}", hub.dump_requests());
}

#[test]
fn forwarding_proxy_reaches_the_hub() {
    let hub = hub();
    let proxy = FakeProxy::start("forward");
    let mut env = TestEnv::new(Some(&hub));
    env.remove("NO_PROXY")
        .remove("no_proxy")
        .set("HTTP_PROXY", proxy.url())
        .set("http_proxy", proxy.url())
        .remove("ALL_PROXY")
        .remove("all_proxy");
    hf(&env, &["download", TINY]).assert_code(0);
    assert!(proxy.requests().iter().any(|r| r.path.contains("/api/models/fake-org/tiny-model") && r.status == 200));
}

#[test]
fn token_follows_hf_endpoint_to_a_mirror_unless_implicit_token_is_disabled() {
    let mirror = hub();
    let mut env = TestEnv::new(Some(&mirror));
    env.set("HF_TOKEN", good_token());
    hf(&env, &["download", TINY]).assert_code(0);
    assert!(
        mirror.requests().iter().any(|r| r.class == "api" && r.sent_token(&good_token())),
        "{}",
        mirror.dump_requests()
    );

    let mirror = hub();
    let mut env = TestEnv::new(Some(&mirror));
    env.set("HF_TOKEN", good_token()).set("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1");
    hf(&env, &["download", TINY]).assert_code(0);
    assert!(mirror.requests().iter().all(|r| !r.has_authorization), "{}", mirror.dump_requests());
    assert_repo_files(&env.snapshot_dir("model", TINY, &mirror.repo(TINY).sha), &mirror, TINY);
}

#[test]
fn two_instances_serve_the_same_commit() {
    let a = hub();
    let b = hub();
    assert_ne!(a.url(), b.url());
    assert_eq!(a.repo(TINY).sha, b.repo(TINY).sha);
    assert_eq!(a.repo(TINY).files["model.safetensors"].sha256, b.repo(TINY).files["model.safetensors"].sha256);
}

// ---------------------------------------------------------------------------------------------
// git
// ---------------------------------------------------------------------------------------------

fn clone(env: &TestEnv, url: &str, dest: &str, extra: &[&str]) -> Run {
    run(env.git().args(extra).args(["clone", url, dest]), RUN_TIMEOUT)
}

#[test]
fn git_clone_without_git_lfs_leaves_pointer_files() {
    let hub = hub();
    let mut env = TestEnv::new(Some(&hub));
    // A PATH with git but no git-lfs (and no lfs filter in the test's global config).
    let bin = env.path("gitonly");
    std::fs::create_dir_all(&bin).unwrap();
    let git = which_git();
    std::os::unix::fs::symlink(&git, bin.join("git")).unwrap();
    env.set("PATH", &bin);
    let r = clone(&env, &hub.repo_url(TINY), "clone", &[]);
    r.assert_code(0).assert_stderr_contains("Cloning into 'clone'...");
    let dir = env.path("work/clone");
    let entry = hub.repo(TINY);
    for (path, f) in &entry.files {
        let got = std::fs::read(dir.join(path)).unwrap();
        if f.lfs {
            let text = String::from_utf8(got).unwrap();
            assert_eq!(
                text,
                format!("version https://git-lfs.github.com/spec/v1\noid sha256:{}\nsize {}\n", f.sha256, f.size)
            );
        } else {
            assert_eq!(sha256_hex(&got), f.sha256, "{path}");
        }
    }
    // The checked-out commit is the one the HTTP API announces.
    let head = run(env.git().args(["-C", "clone", "rev-parse", "HEAD"]), RUN_TIMEOUT);
    assert_eq!(head.stdout().trim(), entry.sha);
}

fn which_git() -> std::path::PathBuf {
    let out = std::process::Command::new("sh").args(["-c", "command -v git"]).output().unwrap();
    std::path::PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

#[test]
fn git_clone_with_git_lfs_fetches_the_large_file_from_the_cdn() {
    let hub = hub();
    let env = TestEnv::new(Some(&hub));
    env.install_git_lfs();
    let r = clone(&env, &hub.repo_url(TINY), "clone", &[]);
    r.assert_code(0);
    assert_repo_files(&env.path("work/clone"), &hub, TINY);
    let reqs = hub.requests();
    assert!(reqs.iter().any(|r| r.class == "lfs" && r.method == "POST" && r.status == 200), "{}", hub.dump_requests());
    assert!(
        reqs.iter().any(|r| r.class == "cdn" && r.status == 200 && !r.has_authorization),
        "{}",
        hub.dump_requests()
    );
}

#[test]
fn git_clone_of_a_gated_repo() {
    let hub = hub();
    let env = TestEnv::new(Some(&hub));
    env.install_git_lfs();
    let r = clone(&env, &hub.repo_url(GATED), "anon", &[]);
    r.assert_code(128).assert_stderr_contains(&format!(
        "fatal: could not read Username for '{}': terminal prompts disabled",
        hub.url()
    ));
    // A valid token that has not accepted the licence: 403 with the Hub's message echoed by git.
    let header = format!("http.extraHeader=Authorization: Bearer {}", other_token());
    let r = clone(&env, &hub.repo_url(GATED), "other", &["-c", &header]);
    r.assert_code(128).assert_stderr_contains(&format!(
        "remote: Access to model fake-org/gated-model is restricted and you are not in the authorized list. Visit {} to ask for access.",
        hub.repo_url(GATED)
    ));
    r.assert_stderr_contains("The requested URL returned error: 403");
    // An unknown token in the URL.
    let url = format!("http://user:{}@127.0.0.1:{}/{}", bad_token(), hub.port(), GATED);
    let r = clone(&env, &url, "bad", &[]);
    r.assert_code(128).assert_stderr_contains("remote: Invalid credentials in Authorization header");
    r.assert_stderr_contains("fatal: Authentication failed for");
    // The accepted token, as HTTP basic password: clone and LFS smudge both authenticate.
    let url = format!("http://user:{}@127.0.0.1:{}/{}", good_token(), hub.port(), GATED);
    clone(&env, &url, "good", &[]).assert_code(0);
    assert_repo_files(&env.path("work/good"), &hub, GATED);
    assert!(hub.requests().iter().any(|r| r.class == "lfs" && r.repo.as_deref() == Some(GATED) && r.status == 200));
}

#[test]
fn git_clone_with_server_error() {
    let hub = hub_with(json!([{"kind": "status", "status": 500, "on": "git", "times": 1}]));
    let env = TestEnv::new(Some(&hub));
    let r = clone(&env, &hub.repo_url(TINY), "clone", &[]);
    r.assert_code(128).assert_stderr_contains(&format!(
        "fatal: unable to access '{}/': The requested URL returned error: 500",
        hub.repo_url(TINY)
    ));
}

// ---------------------------------------------------------------------------------------------
// The harness itself
// ---------------------------------------------------------------------------------------------

/// Asks for both venvs; fails when ./scripts/test did not provide them.
#[test]
fn venvs_are_provided() {
    assert!(hub2_bin("hf").exists());
    assert!(hub0_bin("huggingface-cli").exists());
}

#[test]
fn tests_fail_rather_than_skip_without_the_venvs() {
    // Re-run `venvs_are_provided` from this very test binary with the variables removed.
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "fidelity::venvs_are_provided", "--test-threads=1"])
        .env_remove("HFWRAP_TEST_HUB2")
        .env_remove("HFWRAP_TEST_HUB0")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("HFWRAP_TEST_HUB2 is not set") && text.contains("run ./scripts/test"), "{text}");
    assert!(text.contains("1 failed"), "{text}");
}

#[test]
fn stall_does_not_outlive_the_server() {
    // A client stuck on a stalled body is released when the fake hub goes away (no hang at shutdown).
    let hub = hub_with(json!([{"kind": "stall", "on": "cdn", "after_bytes": 0}]));
    let mut env = TestEnv::new(Some(&hub));
    env.set("HF_HUB_DOWNLOAD_TIMEOUT", "300");
    let running = spawn(env.python(Client::Hub0, PY_DOWNLOAD_FILE).args([TINY, "model.safetensors"]));
    hub.wait_for_request("the stalled CDN GET", Duration::from_secs(60), |r| r.fault.is_some());
    drop(hub);
    let r = running.wait(Duration::from_secs(60));
    assert_ne!(r.code, Some(0), "{}", r.dump());
    assert_no_leftovers(Scope::Marker(&env.marker));
}
