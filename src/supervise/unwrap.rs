//! A library's "file not found" that only wraps an unreachable Hub.
//!
//! huggingface_hub ≥ 1.0 makes `LocalEntryNotFoundError` (the Hub could not be reached and the
//! file is not cached) a subclass of `EntryNotFoundError`, so diffusers, catching the latter,
//! reports a refused connection as `X does not appear to have a file named model_index.json.`:
//! read alone, a missing file, and no mirror is tried. The output says better: the
//! `LocalEntryNotFoundError` and the network error under it come first. When that is so, the
//! diagnosis is made again from the network hits alone (their own ranks pick proxy, DNS, TLS,
//! refused …), so the fix is the network's. (`explain` reads a log without this step: it belongs in
//! `diagnose`, where its owner can make it part of the one reading of a log.)

use crate::detect::catalogue::{Catalogue, Cause};
use crate::detect::Hit;
use crate::diagnose::Diagnosis;
use crate::facts::context::Context;

/// `d` as it stands, or the network diagnosis it wraps.
pub fn unwrap_not_found(d: Diagnosis, hits: &[Hit], catalogue: &Catalogue, ctx: &Context) -> Diagnosis {
    let unreachable = |h: &Hit| {
        h.evidence.contains("LocalEntryNotFoundError")
            && h.evidence.contains("An error happened while trying to locate the file")
    };
    if d.cause != Cause::NotFound || !hits.iter().any(unreachable) {
        return d;
    }
    let network: Vec<Hit> =
        hits.iter().filter(|h| catalogue.signature(h.signature).spec.cause == Cause::NetworkBlocked).cloned().collect();
    if network.is_empty() {
        return d;
    }
    crate::diagnose::diagnose(catalogue, &network, ctx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::Collector;

    fn diagnosed(lines: &str) -> Diagnosis {
        let cat = Catalogue::builtin();
        let mut c = Collector::new();
        for l in lines.lines() {
            c.observe(&cat, l.as_bytes());
        }
        let ctx = Context::for_explain();
        unwrap_not_found(c.diagnose(&cat, &ctx), c.hits(), &cat, &ctx)
    }

    #[test]
    fn diffusers_wrapping_a_refused_connection_is_the_network() {
        let d = diagnosed(
            "httpx2.ConnectError: [Errno 111] Connection refused\n\
             huggingface_hub.errors.LocalEntryNotFoundError: An error happened while trying to locate the file on the Hub and we cannot find the requested files in the local cache. Please check your connection and try again or make sure your Internet connection is on.\n\
             OSError: fake-org/tiny-diffusion does not appear to have a file named model_index.json.",
        );
        assert_eq!(d.cause, Cause::NetworkBlocked, "{d:?}");
    }

    #[test]
    fn a_missing_file_stays_missing() {
        let d = diagnosed("OSError: fake-org/tiny-diffusion does not appear to have a file named model_index.json.");
        assert_eq!(d.cause, Cause::NotFound);
    }
}
