//! `when` tables: catalogue entries that decide on the facts of a record
//! ([`crate::detect::facts`]) instead of, or on top of, its wording.
//!
//! ```toml
//! when = { status = [429] }                              # an HTTP 429, however it is printed
//! when = { status = ["500-599"] }                        # any 5xx
//! when = { errno = ["ECONNREFUSED", "ETIMEDOUT"] }       # by meaning: 111, 61, WinError 10061, …
//! when = { wait = true }                                 # the record asks to wait N seconds
//! when = { exception = ["SSLError"], host = ["hub"] }    # every given key must hold
//! when = { status = [403], purpose = ["write"] }         # a refused upload, create or push
//! ```
//!
//! Keys: `status` (codes or `"lo-hi"` ranges), `errno` (names from `facts::Errno`), `wait`,
//! `exception` (class names, compared without the module), `hub_error` (the Hub's
//! `X-Error-Code`: GatedRepo, RepoNotFound, EntryNotFound, RevisionNotFound), `host` (roles: hub, cdn, xet,
//! mirror, proxy, local, other, or none for "names no host"; it narrows one of the others),
//! `purpose` (what a URL in the record was for: download, write, inference; it narrows too). A
//! key lists alternatives (any one holds); all keys given must hold.

use crate::detect::facts::{Errno, Facts, Purpose, Role};
use serde::Deserialize;

/// A status or a `"lo-hi"` range of them.
#[derive(Deserialize, Debug, Clone)]
#[serde(untagged)]
pub enum StatusSpec {
    Code(u16),
    Range(String),
}

#[derive(Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct When {
    #[serde(default)]
    pub status: Vec<StatusSpec>,
    #[serde(default)]
    pub errno: Vec<String>,
    #[serde(default)]
    pub wait: Option<bool>,
    #[serde(default)]
    pub exception: Vec<String>,
    #[serde(default)]
    pub host: Vec<String>,
    #[serde(default)]
    pub hub_error: Vec<String>,
    #[serde(default)]
    pub purpose: Vec<String>,
}

/// A `when` table checked and ready to evaluate.
#[derive(Debug, Clone)]
pub struct Condition {
    status: Vec<(u16, u16)>,
    errno: Vec<Errno>,
    wait: Option<bool>,
    exception: Vec<String>,
    host: Vec<String>,
    hub_error: Vec<String>,
    purpose: Vec<Purpose>,
}

impl When {
    /// Check names and ranges; the error names the problem.
    pub fn compile(&self) -> Result<Condition, String> {
        let mut status = Vec::new();
        for s in &self.status {
            let range = match s {
                StatusSpec::Code(c) => (*c, *c),
                StatusSpec::Range(r) => {
                    let (lo, hi) = r.split_once('-').ok_or_else(|| format!("status range {r:?} is not \"lo-hi\""))?;
                    let lo: u16 = lo.trim().parse().map_err(|_| format!("status range {r:?}: bad number"))?;
                    let hi: u16 = hi.trim().parse().map_err(|_| format!("status range {r:?}: bad number"))?;
                    (lo, hi)
                }
            };
            if range.0 > range.1 || !(100..=599).contains(&range.0) || !(100..=599).contains(&range.1) {
                return Err(format!("status {range:?} is not an HTTP status (100-599)"));
            }
            status.push(range);
        }
        let mut errno = Vec::new();
        for e in &self.errno {
            let known: Vec<&str> = Errno::ALL.iter().map(|e| e.name()).collect();
            errno.push(Errno::from_name(e).ok_or_else(|| format!("errno {e:?} is not one of {}", known.join(", ")))?);
        }
        for h in &self.host {
            if !Role::NAMES.contains(&h.as_str()) {
                return Err(format!("host role {h:?} is not one of {}", Role::NAMES.join(", ")));
            }
        }
        let mut purpose = Vec::new();
        for p in &self.purpose {
            let found = [Purpose::Download, Purpose::Write, Purpose::Inference].into_iter().find(|k| k.name() == p);
            purpose.push(found.ok_or_else(|| format!("purpose {p:?} is not one of {}", Purpose::NAMES.join(", ")))?);
        }
        if status.is_empty()
            && errno.is_empty()
            && self.wait.is_none()
            && self.exception.is_empty()
            && self.hub_error.is_empty()
        {
            // Facts are read in full only from records that state a status, an errno, a wait
            // or an exception: a host alone narrows nothing down.
            return Err(if self.host.is_empty() && purpose.is_empty() {
                "`when` is empty".into()
            } else {
                "`host` and `purpose` only narrow a status, errno, wait or exception condition: give one of those too"
                    .into()
            });
        }
        Ok(Condition {
            status,
            errno,
            wait: self.wait,
            exception: self.exception.clone(),
            host: self.host.clone(),
            hub_error: self.hub_error.clone(),
            purpose,
        })
    }
}

impl Condition {
    /// Whether the facts of a record satisfy every key.
    pub fn holds(&self, f: &Facts) -> bool {
        (self.status.is_empty() || f.statuses.iter().any(|s| self.status.iter().any(|(lo, hi)| (lo..=hi).contains(&s))))
            && (self.errno.is_empty() || f.errnos.iter().any(|e| self.errno.contains(e)))
            && self.wait.is_none_or_eq(f.wait.is_some())
            && (self.exception.is_empty()
                || f.exception
                    .as_ref()
                    .is_some_and(|x| self.exception.iter().any(|c| c.eq_ignore_ascii_case(&x.class))))
            && (self.hub_error.is_empty()
                || f.hub_error.as_ref().is_some_and(|x| self.hub_error.iter().any(|c| c.eq_ignore_ascii_case(x))))
            && (self.host.is_empty()
                || self.host.iter().any(|r| {
                    if r == "none" {
                        f.hosts.is_empty()
                    } else {
                        f.hosts.iter().any(|h| h.role.name() == r)
                    }
                }))
            && (self.purpose.is_empty() || f.hosts.iter().any(|h| self.purpose.contains(&h.purpose)))
    }
}

trait OptEq {
    fn is_none_or_eq(&self, v: bool) -> bool;
}

impl OptEq for Option<bool> {
    fn is_none_or_eq(&self, v: bool) -> bool {
        match self {
            None => true,
            Some(w) => *w == v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::facts::extract;

    fn when(toml_text: &str) -> Result<Condition, String> {
        #[derive(Deserialize)]
        struct W {
            when: When,
        }
        toml::from_str::<W>(toml_text).map_err(|e| e.to_string())?.when.compile()
    }

    #[test]
    fn conditions_hold_on_facts() {
        let c = when("when = { status = [429] }").unwrap();
        assert!(c.holds(&extract("errorCode=22 The response status is not successful. status=429")));
        assert!(!c.holds(&extract("status=503")));
        let c = when("when = { status = [\"500-599\"], host = [\"hub\", \"cdn\", \"none\"] }").unwrap();
        assert!(c.holds(&extract("503 Server Error: Service Unavailable for url: https://huggingface.co/a/b")));
        assert!(c.holds(&extract("status=503")));
        assert!(!c.holds(&extract("503 Server Error for url: https://api.openai.com/v1")));
        let c = when("when = { errno = [\"ECONNREFUSED\"] }").unwrap();
        assert!(c.holds(&extract("[WinError 10061] 由于目标计算机积极拒绝，无法连接。")));
        let c = when("when = { wait = true }").unwrap();
        assert!(c.holds(&extract("You can retry this action in about 5 minutes.")));
        assert!(!c.holds(&extract("nothing to wait for")));
        let c = when("when = { status = [403], purpose = [\"write\"] }").unwrap();
        assert!(c.holds(&extract(
            "HTTPError: 403 Client Error: Forbidden for url: https://huggingface.co/api/repos/create"
        )));
        assert!(c.holds(&extract("403 Forbidden for url: https://huggingface.co/api/models/a/b/preupload/main")));
        assert!(
            !c.holds(&extract("403 Client Error: Forbidden for url: https://huggingface.co/a/b/resolve/main/c.bin"))
        );
        assert!(!c.holds(&extract("403 Forbidden for url: https://api.github.com/repos/create")));
    }

    #[test]
    fn bad_tables_are_named() {
        assert!(when("when = {}").unwrap_err().contains("empty"));
        assert!(when("when = { errno = [\"EWHAT\"] }").unwrap_err().contains("EWHAT"));
        assert!(when("when = { status = [\"599-500\"] }").unwrap_err().contains("HTTP status"));
        assert!(when("when = { status = [\"x\"] }").unwrap_err().contains("lo-hi"));
        assert!(when("when = { host = [\"moon\"] }").unwrap_err().contains("moon"));
        assert!(when("when = { host = [\"hub\"] }").unwrap_err().contains("narrow"));
        assert!(when("when = { purpose = [\"write\"] }").unwrap_err().contains("narrow"));
        assert!(when("when = { status = [403], purpose = [\"push\"] }").unwrap_err().contains("push"));
        assert!(when("when = { colour = 1 }").is_err());
    }
}
