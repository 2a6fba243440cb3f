//! The README's generated tables (causes, signatures, exit codes) must match the code.
//! Run with `HFWRAP_UPDATE_README=1` to rewrite them.

// The library under test.
use hfwrap::detect::catalogue::{Catalogue, Cause};
use hfwrap::exit_code;

use crate::common::repo_root;

fn causes() -> String {
    let cat = Catalogue::builtin();
    let mut s = String::from("| cause | meaning | signatures |\n|---|---|---|\n");
    for &c in Cause::ALL {
        let n = cat.signatures().iter().filter(|sig| sig.spec.cause == c).count();
        s.push_str(&format!("| `{}` | {} | {} |\n", c.id(), c.summary(), n));
    }
    s
}

fn signatures() -> String {
    let cat = Catalogue::builtin();
    let mut s = String::from("| rule | cause | tools | automatic action | fix |\n|---|---|---|---|---|\n");
    for sig in cat.signatures() {
        let recovery = serde_json::to_value(sig.spec.recovery).unwrap();
        s.push_str(&format!(
            "| `{}` | `{}` | {} | {} | {} |\n",
            sig.spec.id,
            sig.spec.cause.id(),
            sig.spec.tools.join(", "),
            recovery.as_str().unwrap_or("none").replace('_', " "),
            sig.spec.fix.replace('|', "\\|").replace('\n', " ")
        ));
    }
    s
}

fn exit_codes() -> String {
    let mut s = String::from("| code | meaning |\n|---|---|\n");
    for (code, meaning) in exit_code::TABLE {
        s.push_str(&format!("| {code} | {meaning} |\n"));
    }
    s
}

fn splice(text: &str, name: &str, body: &str) -> String {
    let start = format!("<!-- {name}:start -->");
    let end = format!("<!-- {name}:end -->");
    let a = text.find(&start).unwrap_or_else(|| panic!("README lacks {start}")) + start.len();
    let b = text.find(&end).unwrap_or_else(|| panic!("README lacks {end}"));
    format!("{}\n{}{}", &text[..a], body, &text[b..])
}

#[test]
fn readme_tables_match_the_code() {
    let path = repo_root().join("README.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut want = splice(&text, "causes", &causes());
    want = splice(&want, "signatures", &signatures());
    want = splice(&want, "exit-codes", &exit_codes());
    if std::env::var_os("HFWRAP_UPDATE_README").is_some() {
        std::fs::write(path, &want).unwrap();
        return;
    }
    assert!(
        text == want,
        "README.md's generated tables are out of date: run `HFWRAP_UPDATE_README=1 cargo test --test integration readme::`"
    );
}

#[test]
fn readme_test_command_is_what_ci_runs() {
    let root = repo_root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let ci = std::fs::read_to_string(root.join(".ci/run")).unwrap();
    assert!(readme.contains("./scripts/test"), "README names the test command");
    assert!(ci.lines().any(|l| l.trim() == "exec ./scripts/test"), ".ci/run runs ./scripts/test");
    // Plain `cargo test` leaves the venv-backed e2e binary out: the script must turn it on.
    let script = std::fs::read_to_string(root.join("scripts/test")).unwrap();
    let test_line =
        script.lines().find(|l| l.trim_start().starts_with("exec cargo test")).expect("scripts/test runs cargo test");
    assert!(test_line.contains("--features e2e"), "scripts/test must enable the e2e suites: {test_line}");
}
