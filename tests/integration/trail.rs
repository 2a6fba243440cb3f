//! The matcher trails the tee on a thread of its own and may skip the middle of a flood
//! (`src/process/trail.rs`): what it must never skip is the end, where a failing program prints
//! its fatal error.

use crate::common::*;

const HTTP_503: &str = "HTTP Error 503 thrown while requesting GET https://huggingface.co/api/models/x/y";

#[test]
fn the_fatal_line_after_a_flood_on_the_same_stream_is_diagnosed_and_every_byte_delivered() {
    let env = Env::new();
    // 64 MiB of ordinary lines as fast as `yes` writes them, then the failure, on stdout.
    let script =
        format!("yes 'epoch 3 step 1200 loss 0.4213 lr 3e-4 ok' | head -c 67108864; echo '{HTTP_503}'; exit 1");
    let done = Live::start(env.hfwrap(&["--no-retry", "--report", &env.p("r.json"), "sh", "-c", &script])).wait();
    assert_eq!(done.code(), 1, "{}", done.stderr);
    assert_eq!(done.stdout.len(), 67108864 + HTTP_503.len() + 1, "every byte reaches the user");
    assert!(done.out().ends_with(&format!("{HTTP_503}\n")));
    let r = read_json(env.path("r.json").as_path());
    assert_eq!(r["cause"], "server_error", "{r}");
    // Whatever was skipped is counted, and never more than the flood itself.
    let skipped = r["attempts"][0]["unmatched_bytes"].as_u64().unwrap_or(0);
    assert!(skipped < 67108864, "{r}");
}
