//! Doctor's checks of the clients: `hf` / `huggingface-cli` and the huggingface_hub behind
//! them, the transfer back ends that apply to that version, `git` and `git-lfs`.

use super::{truthy, Finding};
use crate::facts::context::ChildEnv;
use crate::facts::hub::{self, Clients, Hub, Version};

fn describe_hub(hub: &Hub) -> String {
    match (&hub.version, &hub.site) {
        (Some(v), Some(site)) => format!("huggingface_hub {v} (in {})", site.display()),
        (Some(v), None) => format!("huggingface_hub {v}"),
        _ => "huggingface_hub version unknown".into(),
    }
}

const INSTALL_FIX: &str =
    "install the hf CLI: pip install -U huggingface_hub (or: curl -LsSf https://hf.co/cli/install.sh | bash)";

pub(super) fn client_findings(c: &Clients) -> Vec<Finding> {
    let mut out = Vec::new();
    let legacy_usable = c
        .legacy
        .as_ref()
        .is_some_and(|l| l.hub.broken.is_none() && l.hub.version.map_or(true, |v| v < Version(1, 0, 0)));
    match &c.hf {
        Some(hf) if hf.hub.broken.is_some() => out.push(Finding::fail(
            "hf",
            format!("{} is broken: {}", hf.path.display(), hf.hub.broken.as_deref().unwrap_or("")),
            "reinstall it: pip install --force-reinstall -U huggingface_hub",
        )),
        Some(hf) => out.push(Finding::ok("hf", format!("{}: {}", hf.path.display(), describe_hub(&hf.hub)))),
        None if legacy_usable => {
            let v = c.legacy.as_ref().and_then(|l| l.hub.version);
            out.push(Finding::ok(
                "hf",
                match v {
                    Some(v) if v < Version(0, 34, 0) => {
                        format!("not on PATH (huggingface_hub {v} predates it; huggingface-cli is the client)")
                    }
                    _ => "not on PATH (huggingface-cli is the client)".into(),
                },
            ))
        }
        None => out.push(Finding::fail("hf", "neither hf nor a working huggingface-cli is on PATH", INSTALL_FIX)),
    }
    match &c.legacy {
        None => {
            let msg = match c.hf.as_ref().and_then(|h| h.hub.version) {
                Some(v) if v >= Version(2, 0, 0) => {
                    format!("not on PATH (huggingface_hub {v} has no huggingface-cli; use hf download)")
                }
                _ => "not on PATH".into(),
            };
            out.push(Finding::ok("huggingface-cli", msg));
        }
        Some(l) => {
            let at = l.path.display();
            let f = match (l.hub.version, &l.hub.broken) {
                (_, Some(why)) => Finding::warn("huggingface-cli", format!("{at} is broken: {why}"), "use hf download instead (pip install -U huggingface_hub)"),
                (None, None) => Finding::ok("huggingface-cli", format!("{at}: huggingface_hub version unknown")),
                (Some(v), None) if v < Version(0, 34, 0) => Finding::ok("huggingface-cli", format!("{at}: huggingface_hub {v} (works; hf arrives in 0.34)")),
                (Some(v), None) if v < Version(1, 0, 0) => Finding::ok(
                    "huggingface-cli",
                    format!("{at}: huggingface_hub {v} (works, but deprecated: `huggingface-cli download` prints a warning on stdout; prefer hf download)"),
                ),
                (Some(v), None) if v >= Version(1, 10, 2) && v < Version(2, 0, 0) => Finding::warn(
                    "huggingface-cli",
                    format!("{at} is the huggingface_hub {v} stub: it prints a deprecation notice and exits 1 without downloading"),
                    "run hf download instead (hfwrap rewrites huggingface-cli download to it when hf is on PATH)",
                ),
                (Some(v), None) => Finding::warn(
                    "huggingface-cli",
                    format!("{at} is a leftover: huggingface_hub {v} ships no huggingface-cli"),
                    format!("use hf download, and remove the stale script {at}"),
                ),
            };
            out.push(f);
        }
    }
    out
}

pub(super) fn transfer_findings(env: &ChildEnv, hub: Option<&Hub>) -> Vec<Finding> {
    let transfer_on = truthy(env, "HF_HUB_ENABLE_HF_TRANSFER");
    let Some(hub) = hub else {
        let msg = "huggingface_hub version unknown: transfer knobs not checked";
        return vec![if transfer_on {
            Finding::warn(
                "transfer",
                format!(
                    "{msg}; HF_HUB_ENABLE_HF_TRANSFER=1 is set (no effect on ≥1.0, fatal on 0.x without hf_transfer)"
                ),
                "unset HF_HUB_ENABLE_HF_TRANSFER",
            )
        } else {
            Finding::ok("transfer", msg)
        }];
    };
    let v = hub.version.expect("primary has a version");
    let mut out = Vec::new();
    if v >= Version(1, 0, 0) {
        let xet = match hub.hf_xet {
            Some(true) => "hf_xet installed: Xet-backed repos use it (HF_XET_HIGH_PERFORMANCE=1 speeds it up, HF_HUB_DISABLE_XET=1 falls back to plain HTTP)",
            Some(false) => "hf_xet not installed: Xet-backed repos download over plain HTTP",
            None => "hf_xet: unknown",
        };
        let disabled =
            if truthy(env, "HF_HUB_DISABLE_XET") { "; HF_HUB_DISABLE_XET=1 is set (plain HTTP)" } else { "" };
        out.push(Finding::ok("transfer", format!("huggingface_hub {v}: {xet}{disabled}; hf_transfer is not used")));
        if transfer_on {
            out.push(Finding::warn(
                "transfer",
                format!("HF_HUB_ENABLE_HF_TRANSFER=1 has no effect on huggingface_hub {v} (hf_transfer was dropped in 1.0; it only prints a FutureWarning)"),
                "unset HF_HUB_ENABLE_HF_TRANSFER and set HF_XET_HIGH_PERFORMANCE=1 instead",
            ));
        }
        let hp = truthy(env, "HF_XET_HIGH_PERFORMANCE") || truthy(env, "HF_XET_HP");
        if hp && hub.hf_xet == Some(false) {
            out.push(Finding::warn(
                "transfer",
                "HF_XET_HIGH_PERFORMANCE=1 has no effect: hf_xet is not installed",
                "install it beside huggingface_hub: pip install -U hf_xet",
            ));
        }
        return out;
    }
    // 0.x: hf_transfer, opt-in, and fatal when enabled without the package.
    if transfer_on {
        match hub::hf_transfer_importable(hub) {
            Some(true) => out.push(Finding::ok(
                "transfer",
                format!("huggingface_hub {v}: HF_HUB_ENABLE_HF_TRANSFER=1 with hf_transfer installed (used for files > 50 MiB; no resume)"),
            )),
            Some(false) => out.push(Finding::fail(
                "transfer",
                format!("HF_HUB_ENABLE_HF_TRANSFER=1 but hf_transfer is not installed: huggingface_hub {v} fails on the first file"),
                "unset HF_HUB_ENABLE_HF_TRANSFER",
            )),
            None => out.push(Finding::warn(
                "transfer",
                format!("HF_HUB_ENABLE_HF_TRANSFER=1 and it is unknown whether hf_transfer is installed (huggingface_hub {v} fails on the first file without it)"),
                "unset HF_HUB_ENABLE_HF_TRANSFER unless `python -c \"import hf_transfer\"` works for this client",
            )),
        }
    } else {
        let msg = match hub.hf_transfer {
            Some(true) => format!("huggingface_hub {v}: plain HTTP; hf_transfer is installed (HF_HUB_ENABLE_HF_TRANSFER=1 would use it for files > 50 MiB)"),
            Some(false) => format!("huggingface_hub {v}: plain HTTP; hf_transfer not installed, so leave HF_HUB_ENABLE_HF_TRANSFER unset"),
            None => format!("huggingface_hub {v}: plain HTTP"),
        };
        out.push(Finding::ok("transfer", msg));
    }
    out
}

pub(super) fn git_findings(env: &ChildEnv) -> Vec<Finding> {
    let Some(git) = hub::git(env) else {
        let lfs =
            hub::find_program(env, "git-lfs").map(|p| format!(" (git-lfs at {})", p.display())).unwrap_or_default();
        return vec![
            Finding::ok("git", "not on PATH (only needed for git clone downloads)"),
            Finding::ok("git-lfs", format!("not checked: git is not on PATH{lfs}")),
        ];
    };
    let mut out = Vec::new();
    match &git.version {
        Some(v) => out.push(Finding::ok("git", format!("{}: {v}", git.path.display()))),
        None => out.push(Finding::warn(
            "git",
            format!("{} is on PATH but `git --version` failed", git.path.display()),
            "reinstall git, or remove the broken one from PATH",
        )),
    }
    match &git.lfs {
        Some(v) => out.push(Finding::ok("git-lfs", v.clone())),
        None => out.push(Finding::warn(
            "git-lfs",
            "git is on PATH but git-lfs is not: a git clone of a model leaves 132-byte pointer files instead of the weights",
            "install git-lfs (e.g. apt-get install git-lfs) and run git lfs install",
        )),
    }
    out
}
