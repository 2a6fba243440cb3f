//! `decide`'s waits for a rate limit or a server error: what the child printed is parsed with
//! bounds, and no wait is longer than `--max-wait`.

use super::*;

fn rate_limited(retry_after: &str) -> Diagnosis {
    diag(Cause::RateLimited, Recovery::Backoff, &[("retry_after", retry_after)])
}

#[test]
fn a_wait_longer_than_max_wait_stops_and_says_which() {
    let settings = Settings { max_wait: Some(Duration::from_secs(2)), ..Default::default() };
    for asked in ["999999999", "99999999999999999999", "3"] {
        let d = rate_limited(asked);
        let mut p = plan("hf download org/m", &[]);
        match decide(&mut p, &situation(&d, &settings, None)) {
            Decision::Stop(Some(why)) => {
                assert!(why.contains(&format!("asked to wait {asked}s")) && why.contains("--max-wait 2s"), "{why}")
            }
            other => panic!("{asked}: {other:?}"),
        }
    }
    // Within the cap: waited, one second more, never beyond the cap.
    let d = rate_limited("1.5");
    match decide(&mut plan("hf download org/m", &[]), &situation(&d, &settings, None)) {
        Decision::Retry { wait, action, .. } => {
            assert_eq!(wait, Duration::from_secs(2));
            assert!(action.starts_with("the Hub asked to wait 1.5s"), "{action}");
        }
        other => panic!("{other:?}"),
    }
    // The default cap is 15 minutes.
    let d = rate_limited("901");
    assert!(matches!(
        decide(&mut plan("hf download org/m", &[]), &situation(&d, &Settings::default(), None)),
        Decision::Stop(Some(_))
    ));
}

#[test]
fn a_long_wait_is_cut_to_the_cap_when_the_next_attempt_sends_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("t");
    std::fs::write(&f, "tok-value\n").unwrap();
    let settings = Settings { token_file: Some(f), max_wait: Some(Duration::from_secs(2)), ..Default::default() };
    let d = rate_limited("99999999999999999999");
    let mut p = plan("hf download org/m", &[]);
    match decide(&mut p, &situation(&d, &settings, None)) {
        Decision::Retry { wait, action, .. } => {
            assert_eq!(wait, Duration::from_secs(2));
            assert!(action.contains("longer than --max-wait") && action.contains("token"), "{action}");
        }
        other => panic!("{other:?}"),
    }
    // The token is in by now: the same answer again stops.
    assert!(matches!(decide(&mut p, &situation(&d, &settings, None)), Decision::Stop(Some(_))));
}

#[test]
fn a_retry_after_that_is_no_number_backs_off_within_the_cap() {
    let settings = Settings { max_wait: Some(Duration::from_millis(300)), ..Default::default() };
    for junk in ["NaN", "inf", "-1", "1e400", "", "30 seconds"] {
        let d = diag(Cause::ServerError, Recovery::Backoff, &[("retry_after", junk)]);
        match decide(&mut plan("hf download org/m", &[]), &situation(&d, &settings, None)) {
            Decision::Retry { wait, action, .. } => {
                assert!(wait <= Duration::from_millis(300), "{junk:?}: {wait:?}");
                assert!(action.starts_with("backing off"), "{action}");
            }
            other => panic!("{junk:?}: {other:?}"),
        }
    }
}
