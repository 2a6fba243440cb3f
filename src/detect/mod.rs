//! From bytes to hits: split a stream into records ([`record`]), match each
//! against the catalogue of failure signatures ([`catalogue`]), read the typed
//! facts of the records that could hold some ([`facts`]), hand the hits on.
//!
//! [`Matcher`] is the one record pipeline: the live run plugs it into the tee
//! as its [`ChunkSink`], `explain` feeds it a saved log. Either way the same
//! splitter, gate and patterns see the same records.

pub mod catalogue;
pub mod facts;
pub mod record;

use crate::process::ChunkSink;
use catalogue::Catalogue;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Characters of a matched line kept as evidence.
const EVIDENCE_CHARS: usize = 400;

/// One signature matching one record.
#[derive(Debug, Clone)]
pub struct Hit {
    pub signature: usize,
    /// Orders hits across streams: of equals, the later one explains.
    pub record_no: u64,
    /// The matched line, cleaned and redacted.
    pub evidence: String,
    pub fields: Vec<(String, String)>,
    /// What the matched record states (status, hosts, errno, exception…), shared by its hits.
    pub facts: Arc<facts::Facts>,
}

/// Match one raw record (ANSI and CI decorations are removed first), against only `patterns`
/// when the gate already narrowed them down. The record's facts are read when it holds a facts
/// trigger or a signature matched, and the catalogue's `when` entries are tried on them.
pub fn hits_for_record(catalogue: &Catalogue, raw: &[u8], record_no: u64, patterns: Option<&[usize]>) -> Vec<Hit> {
    let cleaned = record::clean(raw);
    if cleaned.is_empty() {
        return Vec::new();
    }
    let (mut matches, wants_facts) = match patterns {
        Some(p) => (catalogue.match_candidates(&cleaned, p), catalogue.wants_facts(p)),
        None => catalogue.scan_record(&cleaned),
    };
    if matches.is_empty() && !wants_facts {
        return Vec::new();
    }
    let text = String::from_utf8_lossy(&cleaned);
    if facts::is_code_listing(&text) {
        return Vec::new();
    }
    let Some(facts) = facts::extract_if(&text, !matches.is_empty()) else {
        return Vec::new();
    };
    let facts = Arc::new(facts);
    for sig in catalogue.match_facts(&facts, &cleaned) {
        if !matches.iter().any(|m| m.signature == sig) {
            matches.push(catalogue::Match { signature: sig, fields: Vec::new() });
        }
    }
    if !matches.is_empty() && facts::is_import_failure(&text) {
        matches.retain(|m| catalogue.signature(m.signature).spec.cause == catalogue::Cause::ToolMissing);
    }
    if matches.is_empty() {
        return Vec::new();
    }
    // Catalogue order, however the entries were found (patterns or facts).
    matches.sort_by_key(|m| m.signature);
    // Redact before cutting to length: a token cut in two is no longer token-shaped.
    let evidence = truncate_chars(&crate::redact::untrusted(text.trim()), EVIDENCE_CHARS).to_string();
    matches
        .into_iter()
        .map(|m| {
            // Captured fields (a URL with credentials in it, say) are shown and written to JSON too.
            let fields = m.fields.into_iter().map(|(k, v)| (k, crate::redact::untrusted(&v))).collect();
            Hit { signature: m.signature, record_no, evidence: evidence.clone(), fields, facts: facts.clone() }
        })
        .collect()
}

fn truncate_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Splits one stream into records, matches them, and hands every record's hits to `on_hits`.
pub struct Matcher {
    catalogue: Catalogue,
    splitter: record::Splitter,
    /// Shared by the streams of one attempt, so hits order across them.
    records: Arc<AtomicU64>,
    on_hits: Box<dyn FnMut(Vec<Hit>) + Send>,
}

impl Matcher {
    pub fn new(catalogue: Catalogue, records: Arc<AtomicU64>, on_hits: Box<dyn FnMut(Vec<Hit>) + Send>) -> Matcher {
        Matcher { catalogue, splitter: record::Splitter::new(), records, on_hits }
    }
}

/// Match one record and pass on what it hit.
fn observe(
    catalogue: &Catalogue,
    records: &AtomicU64,
    on_hits: &mut dyn FnMut(Vec<Hit>),
    rec: &[u8],
    patterns: Option<&[usize]>,
) {
    let no = records.fetch_add(1, Ordering::Relaxed) + 1;
    let hits = hits_for_record(catalogue, rec, no, patterns);
    if !hits.is_empty() {
        on_hits(hits);
    }
}

impl ChunkSink for Matcher {
    fn chunk(&mut self, bytes: &[u8]) {
        let Matcher { catalogue, splitter, records, on_hits } = self;
        // `feed` takes two callbacks that both need `on_hits`: share it through a cell.
        let on_hits = std::cell::RefCell::new(on_hits);
        splitter.feed(
            bytes,
            &mut |block| {
                let stripped = record::strip_ansi(block);
                let plain = record::plain_quotes(&stripped);
                catalogue.candidate_records(plain.as_deref().unwrap_or(&stripped), &mut |rec, patterns| {
                    observe(catalogue, records, &mut **on_hits.borrow_mut(), rec, Some(patterns))
                })
            },
            &mut |rec| observe(catalogue, records, &mut **on_hits.borrow_mut(), rec, None),
        );
    }

    fn gap(&mut self, _skipped: u64) {
        self.splitter.skip_to_next_record();
    }

    fn finish(&mut self) {
        let Matcher { catalogue, splitter, records, on_hits } = self;
        splitter.finish(&mut |rec| observe(catalogue, records, &mut **on_hits, rec, None));
    }
}
