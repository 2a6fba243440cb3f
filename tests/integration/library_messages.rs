//! The download failures the clients themselves can raise, one message each, rendered from their
//! source (tests/transcripts/library-messages.tsv: huggingface_hub 0.x and 1.x, transformers,
//! diffusers, datasets, xet-core, hf-hub, transformers.js, llama.cpp, git-lfs, aria2; then the
//! apps and wrappers above them: vLLM, TEI, peft, fastembed, ollama, LM Studio, mlx, …). Unlike the
//! corpus these are not what one user saw but every way a library words a failure, so a client's
//! wording the catalogue does not know shows up here before a user meets it.
//!
//! Each row is labelled with the cause by the condition that raises the message. A row whose
//! answer differs says what hfwrap answers instead and why (most: the same message is raised for
//! two causes); the test holds every row to its label or that stated answer, so an improvement
//! or a regression both show.

use hfwrap::app::explain::explain_reader;
use hfwrap::detect::catalogue::Catalogue;

/// `\n`, `\t` and `\\` in the file's line column, back to the text a client prints.
fn unescape(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[test]
fn every_message_a_client_raises_reads_as_its_cause_or_the_answer_listed() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/transcripts/library-messages.tsv"))
        .expect("library-messages.tsv");
    let catalogue = Catalogue::builtin();
    let mut wrong = Vec::new();
    let mut rows = 0;
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.starts_with("cause\t") && !l.is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 5, "five columns: {line}");
        let (label, message, now) = (cols[0], unescape(cols[2]), cols[4]);
        let want = if now.is_empty() { label } else { now.split(':').next().unwrap_or(label) };
        let got = explain_reader(&catalogue, message.as_bytes()).expect("explain from memory");
        if got.cause.id() != want {
            wrong.push(format!(
                "want {want:<16} got {:<16} ({}) for {message:?}",
                got.cause.id(),
                got.rule.unwrap_or_default()
            ));
        }
        rows += 1;
    }
    assert!(rows > 400, "only {rows} rows read");
    assert!(wrong.is_empty(), "{} messages read otherwise than listed:\n{}", wrong.len(), wrong.join("\n"));
}
