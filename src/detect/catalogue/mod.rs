//! The signature catalogue: the troubleshooting card as data.
//!
//! Each entry of `signatures.toml` reads like a row of the card: the cause it
//! proves, the tools that print it, the patterns that recognise it (stable
//! tokens such as status codes, `X-Error-Code` names, exception classes and
//! errno names first, wording second), the fix with extracted fields filled in,
//! and real transcript lines it must match (checked by the test suite). Users
//! can add entries of the same shape in a file of their own.
//!
//! The whole catalogue compiles once. A block of output is first screened
//! with literals every match must start with (one Aho-Corasick pass, case
//! folded), plus a small `RegexSet` for the few patterns without such
//! literals; only records in a block that passes are matched one by one.
//! That keeps the tee near the speed of a plain pipe.
//!
//! Entries with a `when` table ([`when`]) decide on the typed facts of a record
//! ([`crate::detect::facts`]) instead of its wording; the facts' trigger literals are part of
//! the same gate, so they are read only from records that could hold one. Which cause explains
//! which when several are seen is data too: the `[explains]` table of the catalogue file.

pub mod when;

use crate::detect::facts::{self, Facts};
use regex::bytes::{Regex, RegexSet, RegexSetBuilder};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

/// The built-in catalogue, embedded in the binary.
pub const BUILTIN: &str = include_str!("signatures.toml");

/// Declares [`Cause`] from one table, so the list, ids and summaries cannot drift apart.
macro_rules! causes {
    ($( $(#[$doc:meta])* $variant:ident => $id:literal, $summary:literal; )*) => {
        /// Why a download failed. The IDs are stable: they appear in JSON, reports and CI annotations.
        #[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
        #[serde(rename_all = "snake_case")]
        pub enum Cause {
            $( $(#[$doc])* $variant, )*
        }

        impl Cause {
            /// Every cause, in the table's order.
            pub const ALL: &'static [Cause] = &[$(Cause::$variant),*];

            pub fn id(self) -> &'static str {
                match self { $(Cause::$variant => $id,)* }
            }

            /// A short phrase for a person ("rate limited (429)").
            pub fn summary(self) -> &'static str {
                match self { $(Cause::$variant => $summary,)* }
            }

            /// Position in [`Cause::ALL`].
            pub fn index(self) -> usize {
                Cause::ALL.iter().position(|&c| c == self).unwrap_or(0)
            }
        }
    };
}

#[rustfmt::skip]
causes! {
    //  variant          id                    summary
    AuthRequired      => "auth_required",      "the Hub requires authentication for this repo";
    TokenInvalid      => "token_invalid",      "the token was rejected";
    RateLimited       => "rate_limited",       "rate limited (429)";
    NetworkBlocked    => "network_blocked",    "the Hub could not be reached";
    DiskFull          => "disk_full",          "the disk is full";
    Stalled           => "stalled",            "the transfer stalled";
    CorruptPartial    => "corrupt_partial",    "a downloaded or partial file is corrupt";
    NotFound          => "not_found",          "repo, revision or file not found";
    OfflineMode       => "offline_mode",       "offline mode is in force";
    ServerError       => "server_error",       "the Hub answered with a server error (5xx)";
    ToolMissing       => "tool_missing",       "a required tool or transfer backend is missing or broken";
    LockStuck         => "lock_stuck",         "waiting forever for a cache lock";
    CacheUnwritable   => "cache_unwritable",   "the cache or target directory is not writable";
    /// Beyond the card: the OS ran out of sockets, buffers or file descriptors.
    ResourceExhausted => "resource_exhausted", "the system ran out of sockets, buffers or file descriptors";
    /// Beyond the card: an upload, a repo change or an inference call was refused.
    NotADownload      => "not_a_download",     "not a download: the Hub refused an upload, a repo change or an inference call";
    Unknown           => "unknown",            "no known failure signature matched";
}

/// How much a line by itself says. When several signatures match, only the hits of the
/// highest level present are considered; the `[explains]` relation decides among those.
#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq, Debug, PartialOrd, Ord, Default)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Not a failure: a fact about the run the log states (a login that succeeded). Never the
    /// root cause; a hint whose cause this one's explains is read as this cause instead (a bare
    /// 401 after `Login successful` is the token's, see `diagnose`).
    Context,
    /// A library's summary of an error shown elsewhere (`LocalEntryNotFoundError`, "does not
    /// appear to have a file named", "Couldn't find … on the Hub either"): the answer only
    /// when nothing more specific was printed.
    Wrapper,
    /// True but often secondary or ambiguous (a bare 401, a permission warning, offline
    /// variables shown in a config dump): explained by any specific error next to it.
    Hint,
    /// The line states the failure.
    #[default]
    Cause,
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// What hfwrap may do on its own when this signature is the diagnosis.
/// The recovery policy decides whether it is safe *now*; this says what fits.
#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq, Debug, Default)]
#[serde(rename_all = "snake_case")]
pub enum Recovery {
    /// Stop and print the fix.
    #[default]
    None,
    /// Inject a token found elsewhere, toward a trusted endpoint only.
    InjectToken,
    /// Wait (Retry-After or exponential backoff with jitter), lower concurrency, re-run.
    Backoff,
    /// Re-run as it is (transient transport failure, stall, leftover partial).
    Rerun,
    /// Re-run once only: a client that called an incomplete download finished would only do so again.
    RerunOnce,
    /// Re-run with the fast transfer backend turned off (hf_transfer / hf_xet failing).
    DisableFastBackend,
    /// Re-run the legacy `huggingface-cli download` as `hf download`.
    LegacyCommand,
    /// Switch to the mirror the user allowed, without any token.
    Mirror,
}

/// One row of the catalogue as written in TOML.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct SignatureSpec {
    /// Stable id, e.g. `hf-gated-access-denied`.
    pub id: String,
    pub cause: Cause,
    /// Which clients print it (informational, and for the docs table).
    #[serde(default)]
    pub tools: Vec<String>,
    /// How much a matching line says by itself (see [`Level`]); `cause` when not given.
    #[serde(default)]
    pub level: Option<Level>,
    /// Deprecated (catalogues written for hfwrap before the `[explains]` relation): read as a
    /// level when `level` is not given: below 20 `wrapper`, below 60 `hint`, else `cause`.
    #[serde(default)]
    pub rank: Option<u8>,
    /// Any pattern matching one record (a line or a `\r`-redraw) is a hit.
    /// Named groups (`(?P<repo>…)`) become fields for the fix.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Instead of patterns: conditions on the facts of a record (see [`when`]).
    #[serde(default)]
    pub when: Option<when::When>,
    /// The one fix shown to a person; `{field}` placeholders are filled in.
    pub fix: String,
    #[serde(default)]
    pub recovery: Recovery,
    /// Real transcript lines this signature must match (tested).
    #[serde(default)]
    pub examples: Vec<String>,
    /// A record matching any of these is not evidence for this signature
    /// (e.g. a harmless "Ignored error while writing …" warning).
    #[serde(default)]
    pub unless: Vec<String>,
    /// Signature ids: a hit of this signature is not evidence when one of these hit in the few
    /// records just before it ([`UNLESS_AFTER_RECORDS`]; the same traceback). A `socket.timeout`
    /// below a frame inside `connect()` is a connection that never opened, not a stalled read.
    #[serde(default)]
    pub unless_after: Vec<String>,
    /// As `unless_after`, but a hit in the few records on either side voids it: a checksum line
    /// whose "actual" digest, printed just after it, is the SHA-256 of the Hub's 404 body.
    #[serde(default)]
    pub unless_near: Vec<String>,
    /// For a `context` signature that names another service's client failing (OpenAI's
    /// `APIConnectionError`): hits of these causes whose record names no Hub host are that
    /// service's failure, not the download's.
    #[serde(default)]
    pub another_service: Vec<Cause>,
    /// For a `context` signature: its line names where a download fetches from (aria2's `URI=`,
    /// `git clone URL`, wget's `Connecting to host`). A failure just after it that names no host
    /// of its own is about that host: another service's when it names only another service.
    #[serde(default)]
    pub names_source: bool,
}

/// How far back `unless_after` looks: a traceback's innermost frames sit just above its exception.
pub const UNLESS_AFTER_RECORDS: u64 = 8;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    /// `cause = [causes it explains]`: when both are seen, the first is the root cause.
    #[serde(default)]
    explains: BTreeMap<Cause, Vec<Cause>>,
    #[serde(default, rename = "signature")]
    signatures: Vec<SignatureSpec>,
}

/// A signature; its regexes are compiled the first time a record is a candidate for it.
#[derive(Debug)]
pub struct Signature {
    pub spec: SignatureSpec,
    pub level: Level,
    /// A derived order, for display and tests only: the level, then how many causes this
    /// signature's cause explains. Diagnoses use the level and the relation themselves.
    pub rank: u8,
    condition: Option<when::Condition>,
    regexes: OnceLock<Vec<Regex>>,
    unless: OnceLock<Vec<Regex>>,
    /// `unless_after`, as catalogue indices.
    pub unless_after: Vec<usize>,
    /// `unless_near`, as catalogue indices.
    pub unless_near: Vec<usize>,
}

/// `explains[a][b]`: cause `a` explains cause `b` (transitively closed).
#[derive(Debug, Clone)]
pub struct Explains {
    m: Vec<Vec<bool>>,
}

impl Explains {
    fn new(edges: &BTreeMap<Cause, Vec<Cause>>) -> Result<Explains, CatalogueError> {
        let n = Cause::ALL.len();
        let mut m = vec![vec![false; n]; n];
        for (a, bs) in edges {
            for b in bs {
                m[a.index()][b.index()] = true;
            }
        }
        // Warshall: the relation is meant transitively ("offline explains network, network explains not found").
        for k in 0..n {
            let via = m[k].clone();
            for row in m.iter_mut() {
                if row[k] {
                    for (x, &reach) in row.iter_mut().zip(&via) {
                        *x |= reach;
                    }
                }
            }
        }
        for (i, row) in m.iter().enumerate() {
            if row[i] {
                return Err(CatalogueError(format!(
                    "[explains] has a cycle through {}: a cause cannot explain itself",
                    Cause::ALL[i].id()
                )));
            }
        }
        Ok(Explains { m })
    }

    /// Whether `a` explains `b`.
    pub fn explains(&self, a: Cause, b: Cause) -> bool {
        self.m[a.index()][b.index()]
    }

    /// How many causes `a` explains.
    pub fn reach(&self, a: Cause) -> usize {
        self.m[a.index()].iter().filter(|&&x| x).count()
    }
}

fn compile_pattern(id: &str, p: &str) -> Result<Regex, CatalogueError> {
    // A Unicode \b makes the fast matcher give up at the first non-ASCII byte (every tqdm bar).
    if p.replace("(?-u:\\b)", "").replace("(?-u:\\B)", "").contains("\\b") {
        return Err(CatalogueError(format!("signature '{id}': write word boundaries as (?-u:\\b) in {p:?}")));
    }
    regex::bytes::RegexBuilder::new(p)
        .multi_line(true)
        .crlf(true)
        .size_limit(16 << 20)
        .build()
        .map_err(|e| CatalogueError(format!("signature '{id}': bad pattern {p:?}: {e}")))
}

impl Signature {
    fn regexes(&self) -> &[Regex] {
        self.regexes.get_or_init(|| {
            self.spec.patterns.iter().map(|p| compile_pattern(&self.spec.id, p).expect("validated pattern")).collect()
        })
    }

    /// Whether an `unless` pattern vetoes this record.
    fn vetoed(&self, record: &[u8]) -> bool {
        !self.spec.unless.is_empty()
            && self
                .unless
                .get_or_init(|| {
                    self.spec
                        .unless
                        .iter()
                        .map(|p| compile_pattern(&self.spec.id, p).expect("validated pattern"))
                        .collect()
                })
                .iter()
                .any(|re| re.is_match(record))
    }

    /// Fields captured by the named groups of every pattern of this signature that matches.
    fn captures(&self, record: &[u8]) -> Vec<(String, String)> {
        let mut fields: Vec<(String, String)> = Vec::new();
        for re in self.regexes() {
            // Only patterns with named groups give fields: the others need no capture search.
            if re.capture_names().flatten().next().is_none() {
                continue;
            }
            let Some(caps) = re.captures(record) else { continue };
            for name in re.capture_names().flatten() {
                if let Some(m) = caps.name(name) {
                    let value = String::from_utf8_lossy(m.as_bytes()).trim().to_string();
                    if !value.is_empty() && !fields.iter().any(|(k, _)| k == name) {
                        fields.push((name.to_string(), value));
                    }
                }
            }
        }
        fields
    }
}

/// All signatures, compiled once, on first use: `hfwrap true` pays nothing
/// for a catalogue it never needs. Clones share the compiled form.
#[derive(Debug, Clone)]
pub struct Catalogue {
    inner: Arc<OnceLock<Compiled>>,
}

/// Pattern ids below number all patterns of all signatures in order.
#[derive(Debug)]
struct Compiled {
    signatures: Vec<Signature>,
    /// For each pattern id, the signature it belongs to.
    owner: Vec<usize>,
    /// Screens blocks: literals every match of a gated pattern starts with.
    gate: Option<aho_corasick::AhoCorasick>,
    /// For each gate literal, the pattern ids it may start.
    gate_patterns: Vec<Vec<usize>>,
    /// The gate literals themselves, in `gate` order (for the test that keeps them selective).
    gate_literals: Vec<Vec<u8>>,
    /// Patterns with no usable literal prefix, checked on every block.
    ungated: RegexSet,
    /// For each pattern of `ungated`, its pattern id.
    ungated_ids: Vec<usize>,
    /// For each pattern id, its index among its signature's regexes.
    regex_of: Vec<usize>,
    /// The pattern id standing for "holds a facts trigger" (one past the last pattern).
    facts_id: usize,
    /// Signatures with a `when` table, evaluated on the facts of every record read for facts.
    conditional: Vec<usize>,
    explains: Explains,
}

/// Literals (lower-cased) that every match of `pattern` starts with, or
/// `None` when the pattern has no finite set of non-trivial prefixes.
fn required_prefixes(pattern: &str) -> Option<Vec<Vec<u8>>> {
    use regex_syntax::hir::HirKind;
    let hir = regex_syntax::ParserBuilder::new().utf8(false).multi_line(true).crlf(true).build().parse(pattern).ok()?;
    if let Some(lits) = prefix_literals(&hir) {
        return Some(lits);
    }
    // No literal starts every match (`(?:^|\s)Login successful`, `^\s*retry-after: …`): then a
    // literal that starts what follows some leading items of the top-level sequence is in every
    // match all the same, and the gate widens each hit to its whole record. The most selective
    // such set wins: its shortest literal the longest, then the fewest literals.
    let HirKind::Concat(items) = hir.kind() else { return None };
    (1..items.len())
        .filter_map(|k| prefix_literals(&regex_syntax::hir::Hir::concat(items[k..].to_vec())))
        .max_by_key(|lits| (lits.iter().map(Vec::len).min().unwrap_or(0), std::cmp::Reverse(lits.len())))
}

/// Literals (lower-cased, three bytes or more) one of which starts every match of `hir`.
fn prefix_literals(hir: &regex_syntax::hir::Hir) -> Option<Vec<Vec<u8>>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let seq = Extractor::new().kind(ExtractKind::Prefix).extract(hir);
    let lits = seq.literals()?;
    if lits.is_empty() || lits.iter().any(|l| l.as_bytes().len() < 3) {
        return None;
    }
    let mut out: Vec<Vec<u8>> = lits.iter().map(|l| l.as_bytes().to_ascii_lowercase()).collect();
    out.sort();
    out.dedup();
    Some(out)
}

/// A pattern that matched a record, with the fields its named groups captured.
#[derive(Debug, Clone)]
pub struct Match {
    pub signature: usize,
    pub fields: Vec<(String, String)>,
}

#[derive(Debug)]
pub struct CatalogueError(pub String);

impl fmt::Display for CatalogueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CatalogueError {}

fn build_regex_flags(b: &mut RegexSetBuilder) -> &mut RegexSetBuilder {
    // Records never contain '\n'; multi-line + CRLF keeps `^`/`$` meaningful
    // when a whole block of records is checked at once.
    b.multi_line(true).crlf(true).unicode(true).size_limit(64 << 20).dfa_size_limit(64 << 20)
}

impl Catalogue {
    /// The built-in catalogue, compiled when first used. It is tested, so failing to compile is a bug.
    pub fn builtin() -> Catalogue {
        Catalogue { inner: Arc::new(OnceLock::new()) }
    }

    fn compiled(&self) -> &Compiled {
        self.inner.get_or_init(|| {
            Compiled::from_sources(&[("built-in catalogue", BUILTIN)], false).expect("built-in catalogue is valid")
        })
    }

    /// Parse and compile one or more TOML sources (built-in first, then user files) now, so
    /// errors surface at start-up. They name the source, the signature id and what is wrong.
    pub fn from_sources(sources: &[(&str, &str)]) -> Result<Catalogue, CatalogueError> {
        let inner = OnceLock::new();
        let _ = inner.set(Compiled::from_sources(sources, true)?);
        Ok(Catalogue { inner: Arc::new(inner) })
    }

    pub fn signatures(&self) -> &[Signature] {
        &self.compiled().signatures
    }

    /// Cheap check: could any signature match somewhere in this block of
    /// records? Never says no when a record in it would match.
    pub fn any_match(&self, block: &[u8]) -> bool {
        let c = self.compiled();
        c.gate.as_ref().is_some_and(|g| g.is_match(block)) || c.ungated.is_match(block)
    }

    /// Call `f` with each record of `block` (records end at `\n` or `\r`)
    /// that could match, and the patterns it could match: those whose
    /// literal the record holds, plus any ungated pattern that matches the
    /// record with its CI decorations removed (as the caller matches it).
    /// Cost: one Aho-Corasick pass over the block, then only the candidate
    /// patterns on the candidate records (plus the `RegexSet` on each record
    /// when the catalogue has ungated patterns).
    pub fn candidate_records(&self, block: &[u8], f: &mut dyn FnMut(&[u8], &[usize])) {
        let c = self.compiled();
        let is_delim = |b: &u8| crate::detect::record::is_delim(*b);
        let gate_ids = |rec: &[u8], ids: &mut Vec<usize>| {
            if let Some(g) = &c.gate {
                for m in g.find_overlapping_iter(rec) {
                    ids.extend_from_slice(&c.gate_patterns[m.pattern().as_usize()]);
                }
            }
        };
        let mut ids: Vec<usize> = Vec::new();
        if !c.ungated.is_empty() {
            // Patterns without a literal (user catalogues only) are screened record by record, on
            // the record as it is matched, CI decorations off: screened on the block, a `^` or `\s`
            // before the text would see a timestamp where `match_record` sees none, and whether
            // a line matched would depend on where the reads happened to split the stream.
            for rec in block.split(is_delim).filter(|r| !r.is_empty()) {
                ids.clear();
                let seen = crate::detect::record::strip_ci_decorations(rec);
                if c.ungated.is_match(seen) {
                    ids.extend(c.ungated.matches(seen).iter().map(|i| c.ungated_ids[i]));
                }
                gate_ids(rec, &mut ids);
                if !ids.is_empty() {
                    f(rec, &ids);
                }
            }
            return;
        }
        let Some(gate) = &c.gate else { return };
        // The fast (prefiltered) search finds each candidate record; only inside it does an
        // overlapping pass collect every literal, so ordinary output costs one quick scan.
        let mut pos = 0;
        while pos < block.len() {
            let Some(m) = gate.find(aho_corasick::Input::new(block).range(pos..)) else { break };
            let start = memchr::memrchr2(b'\n', b'\r', &block[..m.start()]).map(|i| i + 1).unwrap_or(0);
            let end = memchr::memchr2(b'\n', b'\r', &block[m.end()..]).map(|i| m.end() + i).unwrap_or(block.len());
            ids.clear();
            gate_ids(&block[start..end], &mut ids);
            f(&block[start..end], &ids);
            pos = end + 1;
        }
    }

    /// Like [`Catalogue::match_record`], trying only the given patterns (from `candidate_records`).
    pub fn match_candidates(&self, record: &[u8], patterns: &[usize]) -> Vec<Match> {
        self.compiled().match_candidates(record, patterns)
    }

    /// Whether the candidate patterns of a record (from `candidate_records`) include a facts
    /// trigger: then its facts are read and the `when` entries are tried.
    pub fn wants_facts(&self, patterns: &[usize]) -> bool {
        let c = self.compiled();
        patterns.contains(&c.facts_id)
    }

    /// [`Catalogue::match_record`] and [`Catalogue::wants_facts`] at once, for a record on its own.
    pub fn scan_record(&self, record: &[u8]) -> (Vec<Match>, bool) {
        let c = self.compiled();
        let mut ids = Vec::new();
        c.candidates(record, &mut ids);
        (c.match_candidates(record, &ids), ids.contains(&c.facts_id))
    }

    /// The `when` entries the facts of a record satisfy, in catalogue order; an entry's `unless`
    /// patterns veto the record as they do for patterns.
    pub fn match_facts(&self, facts: &Facts, record: &[u8]) -> Vec<usize> {
        let c = self.compiled();
        c.conditional
            .iter()
            .copied()
            .filter(|&i| c.signatures[i].condition.as_ref().is_some_and(|w| w.holds(facts)))
            .filter(|&i| !c.signatures[i].vetoed(record))
            .collect()
    }

    /// Which cause explains which (the catalogue's `[explains]` table, transitively closed).
    pub fn explains(&self) -> &Explains {
        &self.compiled().explains
    }

    /// How many patterns need the slower screening (for tests and benchmarks).
    pub fn ungated_patterns(&self) -> usize {
        self.compiled().ungated.len()
    }

    /// The signatures whose patterns need it: one such pattern puts a `RegexSet` on every record.
    /// Gate literals shorter than `len` bytes, with a signature each opens (or "facts"): a short
    /// one (a space, `:`) lets nearly every block of ordinary output through to the regexes.
    pub fn short_gate_literals(&self, len: usize) -> Vec<(String, &str)> {
        let c = self.compiled();
        c.gate_literals
            .iter()
            .zip(&c.gate_patterns)
            .filter(|(l, _)| l.len() < len)
            .map(|(l, ids)| {
                let id = ids
                    .iter()
                    .find(|&&i| i < c.owner.len())
                    .map_or("facts", |&i| c.signatures[c.owner[i]].spec.id.as_str());
                (String::from_utf8_lossy(l).into_owned(), id)
            })
            .collect()
    }

    pub fn ungated_signatures(&self) -> Vec<&str> {
        let c = self.compiled();
        c.ungated_ids.iter().map(|&i| c.signatures[c.owner[i]].spec.id.as_str()).collect()
    }

    /// Every signature matching one record, with captured fields.
    pub fn match_record(&self, record: &[u8]) -> Vec<Match> {
        let c = self.compiled();
        let mut ids = Vec::new();
        c.candidates(record, &mut ids);
        c.match_candidates(record, &ids)
    }

    pub fn signature(&self, index: usize) -> &Signature {
        &self.compiled().signatures[index]
    }

    pub fn find(&self, id: &str) -> Option<usize> {
        self.signatures().iter().position(|s| s.spec.id == id)
    }
}

impl Compiled {
    fn from_sources(sources: &[(&str, &str)], validate: bool) -> Result<Compiled, CatalogueError> {
        let mut specs: Vec<SignatureSpec> = Vec::new();
        let mut edges: BTreeMap<Cause, Vec<Cause>> = BTreeMap::new();
        for (name, text) in sources {
            let file: CatalogueFile = toml::from_str(text).map_err(|e| CatalogueError(format!("{name}: {e}")))?;
            for (a, bs) in file.explains {
                edges.entry(a).or_default().extend(bs);
            }
            for spec in file.signatures {
                if spec.id.trim().is_empty() {
                    return Err(CatalogueError(format!("{name}: a signature has an empty id")));
                }
                if specs.iter().any(|s| s.id == spec.id) {
                    return Err(CatalogueError(format!("{name}: signature id '{}' is defined twice", spec.id)));
                }
                match (spec.patterns.is_empty(), spec.when.is_some()) {
                    (true, false) => {
                        return Err(CatalogueError(format!("{name}: signature '{}' has no patterns", spec.id)))
                    }
                    (false, true) => {
                        return Err(CatalogueError(format!(
                            "{name}: signature '{}' has both patterns and `when`: use one (a `when` entry decides on facts alone)",
                            spec.id
                        )))
                    }
                    _ => {}
                }
                specs.push(spec);
            }
        }
        let explains = Explains::new(&edges)?;
        Compiled::compile(specs, explains, validate)
    }

    /// `validate`: compile every regex now (user catalogues), so errors surface at start-up.
    fn compile(specs: Vec<SignatureSpec>, explains: Explains, validate: bool) -> Result<Compiled, CatalogueError> {
        let mut all_patterns = Vec::new();
        let mut owner = Vec::new();
        let mut signatures = Vec::new();
        let mut conditional = Vec::new();
        for (i, spec) in specs.into_iter().enumerate() {
            let regexes = OnceLock::new();
            let unless = OnceLock::new();
            if validate {
                let compiled: Result<Vec<Regex>, CatalogueError> =
                    spec.unless.iter().map(|p| compile_pattern(&spec.id, p)).collect();
                let _ = unless.set(compiled?);
                let compiled: Result<Vec<Regex>, CatalogueError> =
                    spec.patterns.iter().map(|p| compile_pattern(&spec.id, p)).collect();
                let _ = regexes.set(compiled?);
            }
            for p in &spec.patterns {
                all_patterns.push(p.clone());
                owner.push(i);
            }
            let condition = match &spec.when {
                Some(w) => {
                    conditional.push(i);
                    Some(w.compile().map_err(|e| CatalogueError(format!("signature '{}': when: {e}", spec.id)))?)
                }
                None => None,
            };
            let level = spec.level.unwrap_or(match spec.rank {
                Some(r) if r < 20 => Level::Wrapper,
                Some(r) if r < 60 => Level::Hint,
                _ => Level::Cause,
            });
            let base = match level {
                Level::Context | Level::Wrapper => 0,
                Level::Hint => 40,
                Level::Cause => 80,
            };
            if (!spec.another_service.is_empty() || spec.names_source) && level != Level::Context {
                return Err(CatalogueError(format!(
                    "signature '{}': another_service and names_source are for `level = \"context\"` signatures",
                    spec.id
                )));
            }
            let rank = base + explains.reach(spec.cause).min(39) as u8;
            signatures.push(Signature {
                spec,
                level,
                rank,
                condition,
                regexes,
                unless,
                unless_after: Vec::new(),
                unless_near: Vec::new(),
            });
        }
        let indices = |signatures: &[Signature], i: usize, field: &str, ids: &[String]| {
            ids.iter()
                .map(|id| {
                    signatures.iter().position(|s| &s.spec.id == id).ok_or_else(|| {
                        CatalogueError(format!(
                            "signature '{}': {field} names '{id}', which is not a signature",
                            signatures[i].spec.id
                        ))
                    })
                })
                .collect::<Result<Vec<usize>, CatalogueError>>()
        };
        for i in 0..signatures.len() {
            signatures[i].unless_after = indices(&signatures, i, "unless_after", &signatures[i].spec.unless_after)?;
            signatures[i].unless_near = indices(&signatures, i, "unless_near", &signatures[i].spec.unless_near)?;
        }
        let facts_id = all_patterns.len();
        let mut by_literal: BTreeMap<Vec<u8>, Vec<usize>> = BTreeMap::new();
        let mut ungated_ids = Vec::new();
        for (i, p) in all_patterns.iter().enumerate() {
            match required_prefixes(p) {
                Some(lits) => lits.into_iter().for_each(|l| by_literal.entry(l).or_default().push(i)),
                None => ungated_ids.push(i),
            }
        }
        if !conditional.is_empty() {
            // Every errno phrase and symbol too: a localised phrase or `ETIMEDOUT` is no pattern's literal.
            let errnos = facts::errno::PHRASES.iter().chain(facts::errno::SYMBOLS).map(|(p, _)| p);
            for t in facts::TRIGGERS.iter().chain(errnos) {
                by_literal.entry(t.as_bytes().to_ascii_lowercase()).or_default().push(facts_id);
            }
        }
        let (literals, gate_patterns): (Vec<Vec<u8>>, Vec<Vec<usize>>) = by_literal.into_iter().unzip();
        let gate_literals = literals.clone();
        let gate = if literals.is_empty() {
            None
        } else {
            Some(
                aho_corasick::AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    // A contiguous NFA, not a full DFA: half the build time (the catalogue is compiled
                    // on the first output of every run, behind the tee but before the last hit),
                    // for a slower scan that the matcher's own thread can afford.
                    .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
                    .build(&literals)
                    .map_err(|e| CatalogueError(format!("catalogue literals do not compile: {e}")))?,
            )
        };
        let ungated = build_regex_flags(&mut RegexSetBuilder::new(ungated_ids.iter().map(|&i| &all_patterns[i])))
            .build()
            .map_err(|e| CatalogueError(format!("catalogue does not compile: {e}")))?;
        let mut regex_of = Vec::with_capacity(owner.len());
        for (i, &sig) in owner.iter().enumerate() {
            regex_of.push(i - owner.iter().position(|&o| o == sig).unwrap_or(i));
        }
        Ok(Compiled {
            signatures,
            owner,
            gate,
            gate_patterns,
            gate_literals,
            ungated,
            ungated_ids,
            regex_of,
            facts_id,
            conditional,
            explains,
        })
    }

    /// The pattern ids a record could match: its gate literals, plus ungated patterns that match it.
    fn candidates(&self, record: &[u8], ids: &mut Vec<usize>) {
        if let Some(g) = &self.gate {
            for m in g.find_overlapping_iter(record) {
                ids.extend_from_slice(&self.gate_patterns[m.pattern().as_usize()]);
            }
        }
        if !self.ungated.is_empty() {
            ids.extend(self.ungated.matches(record).iter().map(|i| self.ungated_ids[i]));
        }
    }

    fn match_candidates(&self, record: &[u8], patterns: &[usize]) -> Vec<Match> {
        let mut sigs: Vec<usize> = Vec::new();
        for &p in patterns {
            // The facts trigger (and any id a caller made up) is no pattern of a signature.
            let Some(&sig) = self.owner.get(p) else { continue };
            if !sigs.contains(&sig)
                && self.signatures[sig].regexes()[self.regex_of[p]].is_match(record)
                && !self.signatures[sig].vetoed(record)
            {
                sigs.push(sig);
            }
        }
        // In catalogue order, whichever path found the patterns (the gate, the `RegexSet`, a block
        // or one record): ties between equal ranks in one record must not depend on it.
        sigs.sort_unstable();
        sigs.into_iter().map(|sig| Match { signature: sig, fields: self.signatures[sig].captures(record) }).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_compiles_and_every_example_matches_its_own_signature() {
        // Validate eagerly, as for a user catalogue: every pattern and `unless` compiles.
        Catalogue::from_sources(&[("built-in catalogue", BUILTIN)]).expect("valid");
        let cat = Catalogue::builtin();
        assert!(cat.signatures().len() > 20);
        for (i, sig) in cat.signatures().iter().enumerate() {
            assert!(!sig.spec.examples.is_empty(), "signature '{}' has no example transcript line", sig.spec.id);
            for ex in &sig.spec.examples {
                // Through the record pipeline: patterns, and the facts for `when` entries.
                let hits = crate::detect::hits_for_record(&cat, ex.as_bytes(), 1, None);
                assert!(
                    hits.iter().any(|h| h.signature == i),
                    "example of '{}' does not match it: {ex:?}",
                    sig.spec.id
                );
                assert!(cat.any_match(ex.as_bytes()));
            }
        }
    }

    #[test]
    fn a_pattern_without_a_leading_literal_is_gated_on_its_tail() {
        let lits = |p: &str| {
            required_prefixes(p).map(|v| v.into_iter().map(|l| String::from_utf8(l).unwrap()).collect::<Vec<_>>())
        };
        assert_eq!(lits(r"(?:^|\s)Login successful"), Some(vec!["login successful".to_string()]));
        // The most selective tail: `: hf: `, not the `: 0`…`: 9` after the first colon.
        assert_eq!(lits(r"(?:^|[^\s:][^:\n]{0,80}): \d+: hf: "), Some(vec![": hf: ".to_string()]));
        assert_eq!(lits(r"retry-after: \d+"), Some(vec!["retry-after: ".to_string()]));
        // Nothing of three bytes in every match: screened by the RegexSet.
        assert_eq!(lits(r"\d+ ab|\s+ cd"), None);
    }

    #[test]
    fn the_gate_never_hides_a_match() {
        let cat = Catalogue::builtin();
        for sig in cat.signatures() {
            for ex in &sig.spec.examples {
                // Embedded in a block of ordinary output, in any letter case the pattern allows.
                let block = format!("Fetching 6 files: 100%\nDownloading model.safetensors\n{ex}\nINFO done");
                assert!(cat.any_match(block.as_bytes()), "gate hides {:?} ({})", ex, sig.spec.id);
            }
        }
        assert!(!cat.any_match(b"Fetching 6 files: 100%|####| 6/6 [00:00<00:00, 14.79it/s]\nDownloading config.json"));
        // One pattern without a literal would run a RegexSet on every record of every stream
        // (the tee falls to a few MiB/s): every built-in pattern must start from a literal.
        assert_eq!(cat.ungated_signatures(), Vec::<&str>::new(), "built-in patterns without a literal to gate on");
        // A gate literal of a byte or two (a space a `^\s*` leaves, `: `) passes every block.
        assert_eq!(cat.short_gate_literals(3), Vec::<(String, &str)>::new(), "gate literals too short to screen");
    }

    #[test]
    fn the_two_5xx_signatures_void_the_same_lines() {
        // A status and a reason phrase are two spellings of one 5xx: what voids one (an inference
        // server's own model-loading failure) voids the other. Written twice in the TOML, kept equal here.
        let cat = Catalogue::builtin();
        let unless = |id: &str| cat.signature(cat.find(id).expect(id)).spec.unless.clone();
        assert!(!unless("http-5xx").is_empty());
        assert_eq!(unless("http-5xx"), unless("status-5xx"));
    }

    #[test]
    fn every_cause_but_unknown_has_a_signature() {
        let cat = Catalogue::builtin();
        for &cause in Cause::ALL {
            if cause == Cause::Unknown {
                continue;
            }
            assert!(cat.signatures().iter().any(|s| s.spec.cause == cause), "no signature for {cause}");
        }
    }

    #[test]
    fn when_entries_levels_and_the_explains_relation_load_and_validate() {
        let ok = Catalogue::from_sources(&[
            ("built-in catalogue", BUILTIN),
            (
                "mine.toml",
                "[explains]\nserver_error = [\"lock_stuck\"]\n[[signature]]\nid='mine-teapot'\ncause='server_error'\nwhen={status=[\"500-599\"]}\nfix='f'\n[[signature]]\nid='mine-old'\ncause='stalled'\nrank=30\npatterns=['bytes lost']\nfix='f'\n",
            ),
        ])
        .expect("valid");
        let old = ok.signature(ok.find("mine-old").unwrap());
        assert_eq!(old.level, Level::Hint, "a legacy rank below 60 reads as a hint");
        assert!(ok.explains().explains(Cause::ServerError, Cause::LockStuck));
        assert!(ok.explains().explains(Cause::OfflineMode, Cause::NotFound));
        assert!(!ok.explains().explains(Cause::NotFound, Cause::OfflineMode));
        let cycle = Catalogue::from_sources(&[
            ("built-in catalogue", BUILTIN),
            ("mine.toml", "[explains]\nnot_found = [\"offline_mode\"]\n"),
        ])
        .unwrap_err();
        assert!(cycle.0.contains("cycle"), "{cycle}");
        let both = Catalogue::from_sources(&[(
            "mine.toml",
            "[[signature]]\nid='x'\ncause='stalled'\npatterns=['a']\nwhen={status=[429]}\nfix='f'\n",
        )])
        .unwrap_err();
        assert!(both.0.contains("both patterns and `when`"), "{both}");
        let bad = Catalogue::from_sources(&[(
            "mine.toml",
            "[[signature]]\nid='x'\ncause='stalled'\nwhen={errno=['EPERHAPS']}\nfix='f'\n",
        )])
        .unwrap_err();
        assert!(bad.0.contains("signature 'x'") && bad.0.contains("EPERHAPS"), "{bad}");
    }

    #[test]
    fn user_catalogue_errors_name_the_problem() {
        let err =
            Catalogue::from_sources(&[("mine.toml", "[[signature]]\nid='x'\ncause='nope'\npatterns=['a']\nfix='f'\n")])
                .unwrap_err();
        assert!(err.0.contains("mine.toml"), "{err}");
        let err = Catalogue::from_sources(&[(
            "mine.toml",
            "[[signature]]\nid='x'\ncause='stalled'\npatterns=['(']\nfix='f'\n",
        )])
        .unwrap_err();
        assert!(err.0.contains("signature 'x'") && err.0.contains("bad pattern"), "{err}");
        let err = Catalogue::from_sources(&[(
            "mine.toml",
            "[[signature]]\nid='x'\ncause='stalled'\npatterns=['a']\nfix='f'\ncolour='red'\n",
        )])
        .unwrap_err();
        assert!(err.0.contains("colour"), "{err}");
        let err = Catalogue::from_sources(&[(
            "mine.toml",
            "[[signature]]\nid='x'\ncause='stalled'\npatterns=['a']\nfix='f'\nunless_after=['nobody']\n",
        )])
        .unwrap_err();
        assert!(err.0.contains("signature 'x'") && err.0.contains("'nobody'"), "{err}");
        let err = Catalogue::from_sources(&[(
            "mine.toml",
            "[[signature]]\nid='x'\ncause='stalled'\npatterns=['a']\nfix='f'\nunless_near=['nobody']\n",
        )])
        .unwrap_err();
        assert!(err.0.contains("unless_near names 'nobody'"), "{err}");
        let err = Catalogue::from_sources(&[(
            "mine.toml",
            "[[signature]]\nid='x'\ncause='stalled'\npatterns=['a']\nfix='f'\nanother_service=['stalled']\n",
        )])
        .unwrap_err();
        assert!(err.0.contains("another_service"), "{err}");
    }

    #[test]
    fn unless_vetoes_a_when_entry_too() {
        // ENOSPC naming /dev/shm is shared memory, not the disk: the `when` entry must not fire.
        let cat = Catalogue::builtin();
        let id = |rec: &str| -> Vec<String> {
            crate::detect::hits_for_record(&cat, rec.as_bytes(), 1, None)
                .iter()
                .map(|h| cat.signature(h.signature).spec.id.clone())
                .collect()
        };
        let shm = id("OSError: [Errno 28] 设备上没有空间: '/dev/shm/psm_3f2a1b'");
        assert!(!shm.iter().any(|s| s == "errno-no-space"), "{shm:?}");
        assert!(shm.iter().any(|s| s == "shared-memory-full"), "{shm:?}");
        let disk = id("OSError: [Errno 28] 设备上没有空间: '/root/.cache/huggingface/hub/x.incomplete'");
        assert!(disk.iter().any(|s| s == "errno-no-space"), "{disk:?}");
    }
}
