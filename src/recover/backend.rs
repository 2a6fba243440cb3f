//! The fast transfer backend, both ways, per installed version.
//!
//! A transfer that failed from slowness (the watchdog's stall, a read timeout, a body cut
//! mid-file) is re-run with the fast backend on, where it is installed and applies: hf_transfer
//! (`HF_HUB_ENABLE_HF_TRANSFER=1`) for huggingface_hub < 1.0 when the child's interpreter can
//! import it — without it that variable is a hard failure (CLIENTS.md §0.1) — and
//! `HF_XET_HIGH_PERFORMANCE=1` for huggingface_hub ≥ 1.0 with hf_xet (2.x never imports
//! hf_transfer). When the fast backend itself failed (hf_transfer's RuntimeError, Xet errors) the
//! policy turns it off and it stays off: [`clear`] removes what [`speed_up`] set, so no attempt has
//! both. What is known comes from `facts::hub`: the script's interpreter for `hf` /
//! `huggingface-cli`, the interpreter itself for `python …`.

use crate::diagnose::Diagnosis;
use crate::facts::command::{Client, Command};
use crate::facts::context::ChildEnv;
use crate::facts::hub::{self, Version};
use crate::facts::token;
use crate::recover::policy::Plan;
use std::ffi::OsString;

pub const HF_TRANSFER: &str = "HF_HUB_ENABLE_HF_TRANSFER";
pub const XET_HIGH_PERFORMANCE: &str = "HF_XET_HIGH_PERFORMANCE";
const DISABLE_XET: &str = "HF_HUB_DISABLE_XET";

/// The fast backends behind the child's huggingface_hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Installed {
    pub hub: Version,
    /// hf_transfer is importable by the child's interpreter (only read for huggingface_hub < 1.0).
    pub hf_transfer: bool,
    pub hf_xet: bool,
}

/// What is installed behind `command` (`hf`, `huggingface-cli`, `python …`); `None` for other
/// clients or when it cannot be told.
pub fn installed(command: &Command, env: &ChildEnv) -> Option<Installed> {
    let exe = which::which_in(&command.program, env.get(&OsString::from("PATH")), ".").ok()?;
    let found = match command.client() {
        Client::Hf | Client::LegacyCli => hub::hub_behind(&exe, env),
        Client::Python => hub::hub_of_interpreter(&exe),
        _ => return None,
    };
    let version = found.version?;
    let hf_transfer = version.0 == 0 && hub::hf_transfer_importable(&found) == Some(true);
    Some(Installed { hub: version, hf_transfer, hf_xet: found.hf_xet == Some(true) })
}

fn on(env: &ChildEnv, name: &str) -> bool {
    token::truthy(env.get(&OsString::from(name)).map(|v| v.to_string_lossy()).as_deref())
}

/// Whether the fast backend that is on failed, by the evidence: a cut body can outrank the
/// hf_transfer line in the diagnosis (the hf_transfer error quotes it), but its evidence keeps both.
pub fn failed(d: &Diagnosis, env: &ChildEnv) -> bool {
    on(env, HF_TRANSFER)
        && d.evidence.iter().any(|e| e.contains("using `hf_transfer`") || e.contains("hf_transfer.download"))
}

/// After a failure from slowness: turn the fast backend on for the next attempt, if it is
/// installed, applies, is not on already and was not turned off. Returns the action to announce.
pub fn speed_up(plan: &mut Plan, installed: Option<Installed>, changes: &mut Vec<String>) -> Option<String> {
    if plan.backend_off || on(&plan.env, HF_TRANSFER) || on(&plan.env, XET_HIGH_PERFORMANCE) {
        return None;
    }
    let i = installed?;
    let (name, what) = if i.hub.0 == 0 {
        if !i.hf_transfer {
            return None;
        }
        (HF_TRANSFER, format!("hf_transfer (huggingface_hub {})", i.hub))
    } else {
        if !i.hf_xet || on(&plan.env, DISABLE_XET) {
            return None;
        }
        (XET_HIGH_PERFORMANCE, format!("Xet's high-performance mode (huggingface_hub {})", i.hub))
    };
    plan.env.insert(name.into(), "1".into());
    changes.push(name.to_string());
    Some(format!("the transfer was slow; re-running with the fast backend on: {name}=1 ({what})"))
}

/// The fast backend failed: remove what [`speed_up`] (or the user) set to turn it on, so no attempt
/// has it on and off at once.
pub fn clear(plan: &mut Plan, changes: &mut Vec<String>) {
    for name in [HF_TRANSFER, XET_HIGH_PERFORMANCE, "HF_XET_HP"] {
        if plan.env.remove(&OsString::from(name)).is_some() {
            let change = format!("-{name}");
            if !changes.contains(&change) {
                changes.push(change);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn plan(env: &[(&str, &str)]) -> Plan {
        let cmd = Command::new("hf".into(), vec!["download".into(), "org/m".into()]);
        Plan::new(cmd, env.iter().map(|(k, v)| (OsString::from(k), OsString::from(v))).collect::<BTreeMap<_, _>>())
    }

    #[test]
    fn on_per_version_and_only_where_installed() {
        let old = Installed { hub: Version(0, 25, 2), hf_transfer: true, hf_xet: false };
        let mut p = plan(&[]);
        let mut c = Vec::new();
        assert!(speed_up(&mut p, Some(old), &mut c).unwrap().contains("HF_HUB_ENABLE_HF_TRANSFER=1"));
        assert_eq!(c, ["HF_HUB_ENABLE_HF_TRANSFER"]);
        assert_eq!(speed_up(&mut p, Some(old), &mut Vec::new()), None, "already on");

        let without = Installed { hf_transfer: false, ..old };
        assert_eq!(speed_up(&mut plan(&[]), Some(without), &mut Vec::new()), None);

        let new = Installed { hub: Version(2, 4, 0), hf_transfer: true, hf_xet: true };
        let mut p = plan(&[]);
        assert!(speed_up(&mut p, Some(new), &mut Vec::new()).unwrap().contains("HF_XET_HIGH_PERFORMANCE=1"));
        assert!(!p.env.contains_key(&OsString::from(HF_TRANSFER)), "2.x never imports hf_transfer");
        assert_eq!(speed_up(&mut plan(&[("HF_HUB_DISABLE_XET", "1")]), Some(new), &mut Vec::new()), None);
        assert_eq!(speed_up(&mut plan(&[]), None, &mut Vec::new()), None);
    }

    #[test]
    fn off_stays_off() {
        let old = Installed { hub: Version(0, 25, 2), hf_transfer: true, hf_xet: false };
        let mut p = plan(&[]);
        let mut c = Vec::new();
        speed_up(&mut p, Some(old), &mut c);
        let mut c = Vec::new();
        clear(&mut p, &mut c);
        assert_eq!(c, ["-HF_HUB_ENABLE_HF_TRANSFER"]);
        p.backend_off = true;
        assert_eq!(speed_up(&mut p, Some(old), &mut Vec::new()), None);
    }
}
