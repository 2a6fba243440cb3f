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

use regex::bytes::{Regex, RegexSet, RegexSetBuilder};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::{Arc, OnceLock};

/// The built-in catalogue, embedded in the binary.
pub const BUILTIN: &str = include_str!("signatures.toml");

/// Declares [`Cause`] from one table, so the list, ids, summaries and ranks cannot drift apart.
macro_rules! causes {
    ($( $(#[$doc:meta])* $variant:ident => $id:literal, $rank:literal, $summary:literal; )*) => {
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

            /// How much a cause explains others when several signatures match: the
            /// highest wins. A 429 logged before a generic "couldn't connect" is the
            /// root cause, so generic connection failures rank lowest.
            pub fn default_rank(self) -> u8 {
                match self { $(Cause::$variant => $rank,)* }
            }
        }
    };
}

#[rustfmt::skip]
causes! {
    //  variant          id                    rank  summary
    AuthRequired      => "auth_required",      85, "the Hub requires authentication for this repo";
    TokenInvalid      => "token_invalid",      87, "the token was rejected";
    RateLimited       => "rate_limited",       80, "rate limited (429)";
    NetworkBlocked    => "network_blocked",    60, "the Hub could not be reached";
    DiskFull          => "disk_full",          92, "the disk is full";
    Stalled           => "stalled",            50, "the transfer stalled";
    CorruptPartial    => "corrupt_partial",    75, "a downloaded or partial file is corrupt";
    NotFound          => "not_found",          70, "repo, revision or file not found";
    OfflineMode       => "offline_mode",       95, "offline mode is in force";
    ServerError       => "server_error",       55, "the Hub answered with a server error (5xx)";
    ToolMissing       => "tool_missing",       84, "a required tool or transfer backend is missing or broken";
    LockStuck         => "lock_stuck",         40, "waiting forever for a cache lock";
    CacheUnwritable   => "cache_unwritable",   88, "the cache or target directory is not writable";
    /// Beyond the card: the OS ran out of sockets, buffers or file descriptors.
    ResourceExhausted => "resource_exhausted", 70, "the system ran out of sockets, buffers or file descriptors";
    Unknown           => "unknown",             0, "no known failure signature matched";
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
    /// Overrides the cause's default rank (see [`Cause::default_rank`]).
    #[serde(default)]
    pub rank: Option<u8>,
    /// Any pattern matching one record (a line or a `\r`-redraw) is a hit.
    /// Named groups (`(?P<repo>…)`) become fields for the fix.
    pub patterns: Vec<String>,
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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    #[serde(default, rename = "signature")]
    signatures: Vec<SignatureSpec>,
}

/// A signature; its regexes are compiled the first time a record is a candidate for it.
#[derive(Debug)]
pub struct Signature {
    pub spec: SignatureSpec,
    pub rank: u8,
    regexes: OnceLock<Vec<Regex>>,
    unless: OnceLock<Vec<Regex>>,
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
    /// Patterns with no usable literal prefix, checked on every block.
    ungated: RegexSet,
    /// For each pattern of `ungated`, its pattern id.
    ungated_ids: Vec<usize>,
    /// For each pattern id, its index among its signature's regexes.
    regex_of: Vec<usize>,
}

/// Literals (lower-cased) that every match of `pattern` starts with, or
/// `None` when the pattern has no finite set of non-trivial prefixes.
fn required_prefixes(pattern: &str) -> Option<Vec<Vec<u8>>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let hir = regex_syntax::ParserBuilder::new().utf8(false).multi_line(true).crlf(true).build().parse(pattern).ok()?;
    let seq = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
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
            let start = block[..m.start()].iter().rposition(is_delim).map(|i| i + 1).unwrap_or(0);
            let end = block[m.end()..].iter().position(is_delim).map(|i| m.end() + i).unwrap_or(block.len());
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

    /// How many patterns need the slower screening (for tests and benchmarks).
    pub fn ungated_patterns(&self) -> usize {
        self.compiled().ungated.len()
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
        for (name, text) in sources {
            let file: CatalogueFile = toml::from_str(text).map_err(|e| CatalogueError(format!("{name}: {e}")))?;
            for spec in file.signatures {
                if spec.id.trim().is_empty() {
                    return Err(CatalogueError(format!("{name}: a signature has an empty id")));
                }
                if specs.iter().any(|s| s.id == spec.id) {
                    return Err(CatalogueError(format!("{name}: signature id '{}' is defined twice", spec.id)));
                }
                if spec.patterns.is_empty() {
                    return Err(CatalogueError(format!("{name}: signature '{}' has no patterns", spec.id)));
                }
                specs.push(spec);
            }
        }
        Compiled::compile(specs, validate)
    }

    /// `validate`: compile every regex now (user catalogues), so errors surface at start-up.
    fn compile(specs: Vec<SignatureSpec>, validate: bool) -> Result<Compiled, CatalogueError> {
        let mut all_patterns = Vec::new();
        let mut owner = Vec::new();
        let mut signatures = Vec::new();
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
            let rank = spec.rank.unwrap_or_else(|| spec.cause.default_rank());
            signatures.push(Signature { spec, rank, regexes, unless });
        }
        let mut by_literal: std::collections::BTreeMap<Vec<u8>, Vec<usize>> = std::collections::BTreeMap::new();
        let mut ungated_ids = Vec::new();
        for (i, p) in all_patterns.iter().enumerate() {
            match required_prefixes(p) {
                Some(lits) => lits.into_iter().for_each(|l| by_literal.entry(l).or_default().push(i)),
                None => ungated_ids.push(i),
            }
        }
        let (literals, gate_patterns): (Vec<Vec<u8>>, Vec<Vec<usize>>) = by_literal.into_iter().unzip();
        let gate = if literals.is_empty() {
            None
        } else {
            Some(
                aho_corasick::AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    // A full DFA: a few hundred KiB, built once, and the fastest scan without a prefilter.
                    .kind(Some(aho_corasick::AhoCorasickKind::DFA))
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
        Ok(Compiled { signatures, owner, gate, gate_patterns, ungated, ungated_ids, regex_of })
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
            let sig = self.owner[p];
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
                let hits = cat.match_record(ex.as_bytes());
                assert!(
                    hits.iter().any(|m| m.signature == i),
                    "example of '{}' does not match it: {ex:?}",
                    sig.spec.id
                );
                assert!(cat.any_match(ex.as_bytes()));
            }
        }
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
        let total: usize = cat.signatures().iter().map(|s| s.spec.patterns.len()).sum();
        assert!(cat.ungated_patterns() * 5 < total, "{} of {total} patterns ungated", cat.ungated_patterns());
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
    }
}
