//! The catalogue's `recovery` column (and `synthetic.toml`'s) is what `decide` does: each
//! signature, given the context its recovery needs (a token it may send, an allowed mirror, `hf` on
//! PATH, a fast backend on), is decided, and the action taken is read back from the plan and the
//! decision, not from the diagnosis. A row whose declared recovery the policy cannot carry out for
//! its cause fails here.

use super::*;
use crate::detect::catalogue::Catalogue;
use crate::diagnose::synthetic;

/// What a decision did, read from its effects.
fn taken(before: &Plan, after: &Plan, d: &Decision) -> Recovery {
    let Decision::Retry { wait, action, env_changes } = d else { return Recovery::None };
    let changed = |name: &str| env_changes.iter().any(|c| c == name);
    if after.translated && !before.translated {
        Recovery::LegacyCommand
    } else if changed("HF_ENDPOINT") {
        Recovery::Mirror
    } else if after.backend_off && !before.backend_off {
        Recovery::DisableFastBackend
    } else if !wait.is_zero() && (action.starts_with("the Hub asked") || action.starts_with("backing off")) {
        Recovery::Backoff
    } else if after.injected_token {
        Recovery::InjectToken
    } else {
        Recovery::Rerun
    }
}

/// Decide `d` in the context its declared recovery needs; `(taken, and again on the same plan)`.
fn decided(d: &Diagnosis, dir: &tempfile::TempDir) -> (Recovery, Recovery) {
    let token = dir.path().join("token");
    std::fs::write(&token, "tok-value\n").unwrap();
    let settings = Settings {
        token_file: Some(token),
        mirror: (d.recovery == Recovery::Mirror).then(|| "http://127.0.0.1:7".into()),
        ..Default::default()
    };
    let (words, env): (&str, &[(&str, &str)]) = match d.recovery {
        Recovery::LegacyCommand => ("huggingface-cli download org/m --local-dir m", &[]),
        Recovery::DisableFastBackend => ("hf download org/m", &[("HF_HUB_ENABLE_HF_TRANSFER", "1")]),
        _ => ("hf download org/m", &[]),
    };
    let mut p = plan(words, env);
    let before = p.clone();
    let first = decide(&mut p, &situation(d, &settings, None));
    let once = taken(&before, &p, &first);
    let middle = p.clone();
    let second = decide(&mut p, &situation(d, &settings, None));
    (once, taken(&middle, &p, &second))
}

fn check(id: &str, d: &Diagnosis) {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = decided(d, &dir);
    match d.recovery {
        // Re-run once: the same failure again stops.
        Recovery::RerunOnce => {
            assert_eq!((first, second), (Recovery::Rerun, Recovery::None), "{id} ({:?})", d.cause)
        }
        declared => assert_eq!(first, declared, "{id} ({:?}) declares {declared:?}", d.cause),
    }
}

#[test]
fn every_signature_recovers_as_it_declares() {
    let catalogue = Catalogue::builtin();
    for sig in catalogue.signatures() {
        let details = [("retry_after", "3")];
        let d = diag(sig.spec.cause, sig.spec.recovery, &details);
        check(&sig.spec.id, &d);
    }
}

#[test]
fn every_synthetic_diagnosis_recovers_as_it_declares() {
    for (name, t) in synthetic::templates() {
        let d = diag(t.cause.unwrap_or(Cause::Unknown), t.recovery, &[]);
        check(name, &d);
    }
}

#[test]
fn the_check_can_fail() {
    // A row claiming an action its context cannot give is caught: a token with no token anywhere.
    let d = diag(Cause::AuthRequired, Recovery::InjectToken, &[]);
    let mut p = plan("hf download org/m", &[]);
    let before = p.clone();
    let decision = decide(&mut p, &situation(&d, &Settings::default(), None));
    assert_eq!(taken(&before, &p, &decision), Recovery::None);
}
