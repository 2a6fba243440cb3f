//! Unit tests of token finding, cleaning, listing and scrubbing.

use super::*;

fn env(pairs: &[(&str, &str)]) -> BTreeMap<OsString, OsString> {
    pairs.iter().map(|(k, v)| (OsString::from(k), OsString::from(v))).collect()
}

#[test]
fn cleans_like_the_client_and_notes_whitespace() {
    let t = Token::from_raw(TokenSource::Env("HF_TOKEN"), "  abc\r\n").unwrap();
    assert_eq!(t.secret(), "abc");
    assert!(t.had_whitespace);
    assert!(Token::from_raw(TokenSource::Env("HF_TOKEN"), " \n").is_none());
    assert!(!format!("{t:?}").contains("abc"));
}

#[test]
fn follows_the_clients_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token"), "fromfile\n").unwrap();
    let home = dir.path().to_str().unwrap();
    let e = env(&[("HF_HOME", home), ("HUGGING_FACE_HUB_TOKEN", "legacy")]);
    assert_eq!(in_effect(&e, &[]).unwrap().source, TokenSource::Env("HUGGING_FACE_HUB_TOKEN"));
    let e = env(&[("HF_HOME", home)]);
    let t = in_effect(&e, &[]).unwrap();
    assert_eq!(t.secret(), "fromfile");
    let e = env(&[("HF_HOME", home), ("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")]);
    assert!(in_effect(&e, &[]).is_none());
    let args: Vec<OsString> = vec!["download".into(), "--token=xyz ".into()];
    let t = in_effect(&e, &args).unwrap();
    assert_eq!(t.source, TokenSource::Argument);
    assert!(t.had_whitespace);
}

#[test]
fn injectable_prefers_the_explicit_file_and_reports_unreadable_ones() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("tok");
    std::fs::write(&f, "secret-value\n").unwrap();
    let e = env(&[("HF_TOKEN", "other")]);
    assert_eq!(injectable(&e, Some(&f)).unwrap().unwrap().secret(), "secret-value");
    assert!(injectable(&e, Some(&dir.path().join("missing"))).is_err());
    std::fs::write(dir.path().join("blank"), " \n").unwrap();
    assert!(injectable(&e, Some(&dir.path().join("blank"))).unwrap_err().contains("is empty"));
    let home = dir.path().to_str().unwrap();
    std::fs::create_dir_all(dir.path().join(".huggingface")).unwrap();
    std::fs::write(dir.path().join(".huggingface/token"), "legacy-token").unwrap();
    let e = env(&[("HOME", home), ("HF_HOME", "/nonexistent")]);
    assert_eq!(injectable(&e, None).unwrap().unwrap().secret(), "legacy-token");
}

#[test]
fn token_problems_are_bytes_only() {
    assert!(raw_token_problems(b"hf_abcdef").is_empty());
    assert_eq!(raw_token_problems(b"hf_abc\n"), vec!["ends with 0x0a (newline)"]);
    assert_eq!(
        raw_token_problems(b" hf_abc\r\n"),
        vec!["starts with 0x20 (space)", "ends with 0x0d (carriage return), 0x0a (newline)"]
    );
    assert_eq!(raw_token_problems(b""), vec!["is empty (0 bytes)"]);
    assert_eq!(raw_token_problems(b" \n"), vec!["is only whitespace (2 bytes)"]);
    assert_eq!(raw_token_problems(b"hf_a b"), vec!["has 0x20 (space) inside"]);
    for p in raw_token_problems(b" secretXYZ\t") {
        assert!(!p.contains("secret") && !p.contains("XYZ"), "{p}");
    }
    assert!(!survives_cleaning(b"  hf_good\r\n"));
    assert!(survives_cleaning(b"hf_go od"));
    assert_eq!(cleaned(b" ab\r\nc \n"), "abc");
    assert!(blank(b" \t\n") && !blank(b" x"));
}

#[test]
fn lists_every_source_once_and_says_which_cannot_be_used() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join(".cache/huggingface")).unwrap();
    std::fs::write(home.join(".cache/huggingface/token"), "file-token\n").unwrap();
    std::fs::create_dir_all(home.join(".huggingface/token")).unwrap();
    let e = env(&[("HOME", home.to_str().unwrap()), ("HF_TOKEN", " env-token")]);
    let missing = dir.path().join("nope");
    let l = list_sources(&e, Some(&missing));
    let labels: Vec<&str> = l.sources.iter().map(|s| s.label.as_str()).collect();
    // $HF_HOME/token and the default location are the same file: listed once, as the clients' one.
    assert_eq!(labels.len(), 2, "{labels:?}");
    assert_eq!(labels[0], "$HF_TOKEN");
    assert!(l.sources[1].client_reads && l.sources[1].note == "$HF_HOME/token");
    assert_eq!(
        l.unusable,
        vec![Unusable::Unreadable(home.join(".huggingface/token")), Unusable::Missing(missing.clone())]
    );
    let t = in_effect(&e, &[]).unwrap();
    assert!(l.sources[0].is_source_of(&t) && !l.sources[1].is_source_of(&t));
    let secrets = secret_forms(&l.sources);
    assert!(secrets.contains(&"env-token".to_string()) && secrets.contains(&"file-token".to_string()));
    assert!(!format!("{:?}", l.sources).contains("env-token"));
    // hfwrap's own file, when it exists, is listed as such.
    std::fs::write(&missing, "own").unwrap();
    let l = list_sources(&e, Some(&missing));
    assert!(l.sources.last().unwrap().own && !l.sources.last().unwrap().client_reads);
}

#[test]
fn token_arguments_are_found_under_every_spelling() {
    let args = |w: &[&str]| w.iter().map(OsString::from).collect::<Vec<_>>();
    for (words, value) in [
        (&["download", "r", "--token", "a"][..], "a"),
        (&["download", "r", "--token=b"], "b"),
        (&["download", "r", "--tok", "c"], "c"),
        (&["download", "r", "--toke=d"], "d"),
        (&["train.py", "--", "--tok", "e"], "e"),
        (&["download", "r", "--token"], ""),
    ] {
        assert_eq!(token_argument(&args(words)).as_deref(), Some(value), "{words:?}");
    }
    for words in [&["download", "r", "--token-file", "x"][..], &["download", "--tokenizer", "x"], &["x", "-t", "y"]] {
        assert_eq!(token_argument(&args(words)), None, "{words:?}");
    }
    let t = in_effect(&env(&[]), &args(&["download", "r", "--tok", "zz"])).unwrap();
    assert_eq!((&t.source, t.secret()), (&TokenSource::Argument, "zz"));
}

#[test]
fn paths_are_expanded_as_the_clients_expand_them() {
    let e = env(&[("HOME", "/home/u/"), ("BASE", "/srv")]);
    assert_eq!(expand_path(&e, "~"), "/home/u");
    assert_eq!(expand_path(&e, "~/hf"), "/home/u/hf");
    assert_eq!(expand_path(&e, "~other/hf"), "~other/hf");
    assert_eq!(expand_path(&e, "$BASE/hf/${BASE}x"), "/srv/hf//srvx");
    assert_eq!(expand_path(&e, "$NOPE/a$"), "$NOPE/a$");
    assert_eq!(expand_path(&e, "${BASE"), "${BASE");
    assert_eq!(expand_path(&env(&[]), "~/x"), "~/x");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("hf")).unwrap();
    std::fs::write(dir.path().join("hf/token"), "tilde-token\n").unwrap();
    let home = dir.path().to_str().unwrap();
    let e = env(&[("HOME", home), ("HF_HOME", "~/hf")]);
    assert_eq!(in_effect(&e, &[]).unwrap().secret(), "tilde-token");
    let e = env(&[("HOME", home), ("HF_TOKEN_PATH", "~/hf/token")]);
    assert_eq!(client_token_path(&e), Some(dir.path().join("hf/token")));
    assert_eq!(in_effect(&e, &[]).unwrap().secret(), "tilde-token");
}
