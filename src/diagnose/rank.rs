//! Which hit is the root cause when several signatures matched.
//!
//! No hand-picked numbers decide it. In order:
//!
//! 1. Evidence about something else is dropped: a connection failure or an HTTP answer whose
//!    record names only hosts that are not the Hub's (a Redis on localhost:6379, GitHub's API,
//!    PyPI) and no Hub client request, a 5xx that a proxy sent about its tunnel, and a server's own access log
//!    line (`"GET /ui/ HTTP/1.1" 500`). So is a hit its signature's `unless_after` or `unless_near` voids (a
//!    `socket.timeout` just below a frame inside `connect()`), and a connection failure naming no
//!    Hub host when the log shows another service's client failing (OpenAI's `APIConnectionError`),
//!    or wrapped beside a record that names only another service's host.
//! 2. Context lines (a login that succeeded) are never the root cause. Only the hits of the
//!    highest [`Level`] present count: a line that states a failure beats
//!    a hint (a bare 401, a permission warning), which beats a library's wrapper
//!    (`LocalEntryNotFoundError`, "does not appear to have a file named …").
//! 3. A cause explained by another cause present is dropped (the catalogue's `[explains]`
//!    table: a rate limit explains "couldn't connect", a connection error explains a library's
//!    "file not found", offline mode explains both).
//! 4. Among what is left, the final exception of a traceback wins, then the later record (tools
//!    print the error that ended them last).
//! 5. The fix comes from the most specific signature of that cause (the first in the
//!    catalogue), its latest hit.

use crate::detect::catalogue::{Catalogue, Cause, Level};
use crate::detect::Hit;
use crate::facts::context::{Context, OFFICIAL_ENDPOINT};
use std::cmp::Reverse;

/// The configured endpoint's host, and whether it is the official Hub.
pub fn endpoint_host(ctx: &Context) -> (Option<String>, bool) {
    let host = url::Url::parse(&ctx.endpoint).ok().and_then(|u| u.host_str().map(str::to_ascii_lowercase));
    let official = ctx.endpoint.trim_end_matches('/') == OFFICIAL_ENDPOINT;
    (host, official)
}

/// Whether a hit is about something other than this download (step 1).
pub fn about_something_else(catalogue: &Catalogue, hit: &Hit, host: Option<&str>, official: bool) -> bool {
    // A server's access log line (`"GET /ui/ HTTP/1.1" 500 Internal Server Error`) reports what
    // that server answered, not what happened to the download.
    if hit.facts.access_log {
        return true;
    }
    match catalogue.signature(hit.signature).spec.cause {
        // An answer or a failure that names only another service's host (GitHub's API, PyPI,
        // a Redis on localhost:6379) and no Hub client's request is that service's, not the Hub's.
        Cause::NetworkBlocked => hit.facts.only_foreign_hosts(host, official),
        // (A checksum that does not match for files another service hosts: that file changed there.)
        Cause::NotFound
        | Cause::AuthRequired
        | Cause::TokenInvalid
        | Cause::RateLimited
        | Cause::Stalled
        | Cause::CorruptPartial => hit.facts.only_other_services(host, official),
        // `Tunnel connection failed: 503 Service Unavailable`: the proxy's answer, not the Hub's.
        Cause::ServerError => hit.facts.proxy || hit.facts.only_other_services(host, official),
        _ => false,
    }
}

/// Whether a hit of a signature listed in `hit`'s `unless_after` came just before it, or one in
/// its `unless_near` just before or after it.
fn voided(catalogue: &Catalogue, hit: &Hit, hits: &[Hit]) -> bool {
    let signature = catalogue.signature(hit.signature);
    let window = crate::detect::catalogue::UNLESS_AFTER_RECORDS;
    hits.iter().any(|o| {
        (signature.unless_after.contains(&o.signature)
            && o.record_no < hit.record_no
            && hit.record_no - o.record_no <= window)
            || (signature.unless_near.contains(&o.signature) && o.record_no.abs_diff(hit.record_no) <= window)
    })
}

/// How many records either side of a host-less connection failure may name its host.
const WRAPPED_RECORDS: u64 = 3;

/// A connection failure a console or a paste wrapped over several records names its host on
/// one of them (`HTTPSConnectionPool(host='x.scarf.sh')` above, `Max retries exceeded` below):
/// a hit naming no host and stating no exception of its own, beside one that names only another
/// service's host and with no Hub host near, is that service's failure too.
fn beside_another_hosts_failure(
    catalogue: &Catalogue,
    hit: &Hit,
    hits: &[Hit],
    host: Option<&str>,
    official: bool,
) -> bool {
    let network = |h: &Hit| catalogue.signature(h.signature).spec.cause == Cause::NetworkBlocked;
    let near = |h: &Hit| h.record_no.abs_diff(hit.record_no) <= WRAPPED_RECORDS;
    network(hit)
        && hit.facts.hosts.is_empty()
        && !hit.facts.opens_statement
        && !hit.facts.hub_request
        && !hit.facts.proxy
        && hits.iter().any(|o| near(o) && network(o) && o.facts.only_foreign_hosts(host, official))
        && !hits.iter().any(|o| near(o) && o.facts.names_the_hub(host, official))
}

/// An exception naming no host (urllib3's `SSLError: [SSL: CERTIFICATE_VERIFY_FAILED] …`) whose
/// traceback chain goes on to the next exception, the same failure wrapped with its host
/// (`MaxRetryError: HTTPSConnectionPool(host='gpt4all.io', …)`), is that host's failure: when it
/// names only another service and nothing between names the Hub.
fn chained_to_another_hosts_failure(
    catalogue: &Catalogue,
    hit: &Hit,
    hits: &[Hit],
    host: Option<&str>,
    official: bool,
) -> bool {
    let network = |h: &Hit| catalogue.signature(h.signature).spec.cause == Cause::NetworkBlocked;
    if !network(hit)
        || !hit.facts.opens_statement
        || !hit.facts.hosts.is_empty()
        || hit.facts.hub_request
        || hit.facts.proxy
    {
        return false;
    }
    let next = hits
        .iter()
        .filter(|o| o.record_no > hit.record_no && o.record_no - hit.record_no <= CHAIN_RECORDS)
        .filter(|o| o.facts.opens_statement)
        .min_by_key(|o| o.record_no);
    next.is_some_and(|o| {
        network(o)
            && o.facts.only_foreign_hosts(host, official)
            && !hits
                .iter()
                .any(|b| (hit.record_no..=o.record_no).contains(&b.record_no) && b.facts.names_the_hub(host, official))
    })
}

/// How many records a traceback's chain may put between an exception and the next one that wraps it.
const CHAIN_RECORDS: u64 = 40;

/// How many records after a download's source line a failure naming no host may be about it:
/// enough for the traceback between torch.hub's `Downloading: "URL"` and its exception.
const SOURCE_RECORDS: u64 = 16;

/// A failure naming no host of its own (aria2's `status=403`, git's `RPC failed; curl 92`, a
/// bare `429 (Too Many Requests)`) just after the line that says where the download fetches from
/// (`URI=https://storage.googleapis.com/…`, `git clone https://github.com/…`), when that line
/// names only another service and nothing in between names the Hub: that service's failure.
fn after_another_services_source(
    catalogue: &Catalogue,
    hit: &Hit,
    hits: &[Hit],
    endpoint: (Option<&str>, bool),
) -> bool {
    let (host, official) = endpoint;
    // (A full disk or a locked cache is this machine's, wherever the bytes came from.)
    let about_the_request = matches!(
        catalogue.signature(hit.signature).spec.cause,
        Cause::NetworkBlocked
            | Cause::Stalled
            | Cause::AuthRequired
            | Cause::TokenInvalid
            | Cause::RateLimited
            | Cause::ServerError
            | Cause::NotFound
            | Cause::CorruptPartial
    );
    if !about_the_request || !hit.facts.hosts.is_empty() || hit.facts.hub_request || hit.facts.proxy {
        return false;
    }
    let in_reach = |h: &&Hit| h.record_no < hit.record_no && hit.record_no - h.record_no <= SOURCE_RECORDS;
    let Some(source) = hits
        .iter()
        .filter(in_reach)
        .filter(|h| catalogue.signature(h.signature).spec.names_source)
        .max_by_key(|h| h.record_no)
    else {
        return false;
    };
    source.facts.only_other_services(host, official)
        && !hits
            .iter()
            .any(|h| (source.record_no..=hit.record_no).contains(&h.record_no) && h.facts.names_the_hub(host, official))
}

/// The hit that explains the others, or `None` when nothing usable matched.
pub fn root<'a>(catalogue: &Catalogue, hits: &'a [Hit], ctx: &Context) -> Option<&'a Hit> {
    let (host, official) = endpoint_host(ctx);
    // Causes another service's client failing accounts for (a context line of the log).
    let elsewhere: Vec<Cause> =
        hits.iter().flat_map(|h| catalogue.signature(h.signature).spec.another_service.iter().copied()).collect();
    let usable: Vec<&Hit> = hits
        .iter()
        .filter(|h| catalogue.signature(h.signature).level != Level::Context)
        .filter(|h| !about_something_else(catalogue, h, host.as_deref(), official) && !voided(catalogue, h, hits))
        .filter(|h| !beside_another_hosts_failure(catalogue, h, hits, host.as_deref(), official))
        .filter(|h| !chained_to_another_hosts_failure(catalogue, h, hits, host.as_deref(), official))
        .filter(|h| !after_another_services_source(catalogue, h, hits, (host.as_deref(), official)))
        .filter(|h| {
            !elsewhere.contains(&catalogue.signature(h.signature).spec.cause)
                || h.facts.names_the_hub(host.as_deref(), official)
        })
        .collect();
    let level = |h: &Hit| catalogue.signature(h.signature).level;
    let cause = |h: &Hit| catalogue.signature(h.signature).spec.cause;
    let top: Level = usable.iter().map(|h| level(h)).max()?;
    let at_top: Vec<&Hit> = usable.into_iter().filter(|h| level(h) == top).collect();
    let explains = catalogue.explains();
    let roots: Vec<&&Hit> = at_top
        .iter()
        .filter(|h| !at_top.iter().any(|o| cause(o) != cause(h) && explains.explains(cause(o), cause(h))))
        .collect();
    // Incomparable causes: the final exception (the last exception line among these hits), then
    // the later record; in one record, the cause that explains more, then the catalogue's order.
    let final_exception = roots.iter().filter(|h| h.facts.exception.is_some()).map(|h| h.record_no).max();
    let winner = roots.iter().max_by_key(|h| {
        (Some(h.record_no) == final_exception, h.record_no, explains.reach(cause(h)), Reverse(h.signature))
    })?;
    let chosen = cause(winner);
    at_top.into_iter().filter(|h| cause(h) == chosen).min_by_key(|h| (h.signature, Reverse(h.record_no)))
}
