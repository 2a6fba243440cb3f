//! Diagnoses hfwrap makes itself, from what it measured (a stall, partial files
//! left after exit 0, git-lfs pointers, a command that cannot start, the Hub's
//! answer to a probe). Their words are data in `synthetic.toml`, like the
//! catalogue's; this module only fills them in.

use super::{render, Diagnosis};
use crate::detect::catalogue::{Cause, Recovery};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const TABLE: &str = include_str!("synthetic.toml");

/// One entry of `synthetic.toml`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub rule: Option<String>,
    pub cause: Option<Cause>,
    #[serde(default)]
    pub recovery: Recovery,
    /// Defaults to the cause's own summary.
    pub summary: Option<String>,
    /// One line of evidence, filled from the same fields.
    pub evidence: Option<String>,
    pub fix: String,
}

/// Every entry, by name; the table is built into the binary and checked by a test.
pub fn templates() -> &'static BTreeMap<String, Template> {
    static PARSED: OnceLock<BTreeMap<String, Template>> = OnceLock::new();
    PARSED.get_or_init(|| toml::from_str(TABLE).expect("synthetic.toml is valid (tested)"))
}

/// The named entry.
pub fn template(name: &str) -> &'static Template {
    templates().get(name).unwrap_or_else(|| panic!("synthetic.toml has no entry {name:?} (tested)"))
}

/// Build the named diagnosis from `fields` (which also become its details).
pub fn diagnosis(name: &str, fields: &[(&str, String)]) -> Diagnosis {
    let t = template(name);
    let cause = t.cause.unwrap_or(Cause::Unknown);
    let details: BTreeMap<String, String> = fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    Diagnosis {
        cause,
        rule: t.rule.clone(),
        summary: t.summary.clone().unwrap_or_else(|| cause.summary().to_string()),
        evidence: t.evidence.iter().map(|e| render(e, &details)).collect(),
        fix: render(&t.fix, &details),
        details,
        recovery: t.recovery,
    }
}

/// Only the fix of the named entry, filled in.
pub fn fix(name: &str, fields: &[(&str, String)]) -> String {
    let details: BTreeMap<String, String> = fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    render(&template(name).fix, &details)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_parses_and_every_name_used_exists() {
        let table: BTreeMap<String, Template> = toml::from_str(TABLE).unwrap();
        for name in [
            "stall",
            "exit_0_with_partials",
            "lfs_pointers",
            "spawn_not_found",
            "spawn_not_executable",
            "spawn_other",
            "probe_token_invalid",
            "probe_request_pending",
            "probe_token_scope",
            "probe_licence_not_accepted",
            "checked_unreachable",
            "ended_mid_transfer",
            "checked_disk_full",
            "checked_unwritable",
            "write_command_refused",
            "failed_mid_transfer",
            "ownerless_repo_401",
        ] {
            assert!(table.contains_key(name), "{name}");
        }
    }

    #[test]
    fn fields_fill_the_words() {
        let d = diagnosis("stall", &[("stall", "5s".into()), ("endpoint", "http://127.0.0.1:9".into())]);
        assert_eq!(d.cause, Cause::Stalled);
        assert_eq!(d.evidence, ["no byte arrived or reached the disk for 5s"]);
        assert!(d.fix.starts_with("The transfer from http://127.0.0.1:9 stopped"), "{}", d.fix);
        assert_eq!(d.recovery, Recovery::Rerun);
    }
}
