//! Property tests ("fuzzing" with shrinking) for the record splitter and the catalogue matcher.
//!
//! Bounded on purpose: every property has a fixed number of cases, so the whole file runs in a
//! few seconds in a debug build and sits in the ordinary `cargo test` run. For a longer hunt,
//! multiply every case count: `HFWRAP_FUZZ_SCALE=50 cargo test --test integration fuzz::`.
//!
//! What is checked:
//! * the splitter yields exactly the reference records (split at every `\n`/`\r`, empty ones
//!   dropped, each cut to `RECORD_CAP` bytes) whatever the chunking, and never holds more than
//!   the cap;
//! * the gate never hides a match and never invents one: `match_record`, and `candidate_records`
//!   with `match_candidates`, find exactly the signatures whose own regexes match the record
//!   (for the built-in catalogue, and with a user catalogue whose patterns need the `RegexSet`);
//! * explaining a log read in arbitrary small pieces gives the same diagnosis as reading it at
//!   once, and as matching each reference record alone;
//! * `strip_ansi`, `strip_ci_decorations`, `redact` and `explain_reader` never panic and keep
//!   their promises (no growth, identity without ESC, records kept apart, no token left).
//!
//! Bugs these found are pinned by the plain tests at the end of the file.

// The library under test.
use hfwrap::app::explain::{explain_reader, reread_end};
use hfwrap::detect::catalogue::{Catalogue, Cause, Level, BUILTIN as BUILTIN_TOML};
use hfwrap::detect::record::{clean, strip_ansi, strip_ci_decorations, Splitter, RECORD_CAP};
use hfwrap::diagnose::{Collector, Diagnosis};
use hfwrap::facts::context::Context;
use hfwrap::redact::untrusted as redact;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::TestCaseError;
use regex::bytes::{Regex, RegexBuilder};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read};
use std::sync::OnceLock;

// ───────────────────────────── set-up ─────────────────────────────

fn config(cases: u32) -> ProptestConfig {
    let scale: u32 = std::env::var("HFWRAP_FUZZ_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1).max(1);
    ProptestConfig {
        cases: cases.saturating_mul(scale),
        max_shrink_iters: 4096,
        max_shrink_time: 20_000,
        // Failures found here are pinned as named tests at the end of this file instead.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A user catalogue next to the built-in one: patterns with no literal to gate on (a top-level
/// alternation whose branches start with a class: screened by the `RegexSet`, not the gate), anchored the way the catalogue's notes warn against, and ranks
/// equal to built-in signatures, so that ties between paths are exercised.
const USER_CATALOGUE: &str = r#"
[[signature]]
id = "user-bytes-lost"
cause = "stalled"
rank = 61
patterns = ['''(?:^|\s)\d+ bytes lost|(?:^|\s)\d+ bytes dropped''']
fix = "user fix"
examples = ["12 bytes lost", "transfer aborted: 4096 bytes lost"]

[[signature]]
id = "user-anchored-error"
cause = "server_error"
rank = 65
patterns = ['''^\w*Error: upstream (?P<status>\d+)|^\w*Error: upstream\[\d+\]''']
fix = "user fix"
examples = ["GatewayError: upstream 502", "Error: upstream 0"]

[[signature]]
id = "user-gated"
cause = "not_found"
rank = 65
patterns = ['''mirror missing (?P<path>\S+)''']
fix = "user fix {path}"
examples = ["mirror missing /srv/mirror/org/m"]
"#;

/// The reference matcher of one signature: its own regexes and `unless` vetoes, no gate.
struct Reference {
    patterns: Vec<Regex>,
    unless: Vec<Regex>,
}

/// A catalogue, its reference matcher and its example lines (with their signature's index).
struct Setup {
    cat: Catalogue,
    reference: Vec<Reference>,
    examples: Vec<(usize, String)>,
}

fn compile(p: &str) -> Regex {
    // The flags the catalogue compiles its patterns with.
    RegexBuilder::new(p).multi_line(true).crlf(true).size_limit(16 << 20).build().expect("catalogue pattern compiles")
}

fn make_setup(cat: Catalogue) -> Setup {
    let reference = cat
        .signatures()
        .iter()
        .map(|s| Reference {
            patterns: s.spec.patterns.iter().map(|p| compile(p)).collect(),
            unless: s.spec.unless.iter().map(|p| compile(p)).collect(),
        })
        .collect();
    let mut examples = Vec::new();
    for (i, s) in cat.signatures().iter().enumerate() {
        for e in &s.spec.examples {
            examples.push((i, e.clone()));
        }
    }
    assert!(!examples.is_empty());
    Setup { cat, reference, examples }
}

/// `false`: the built-in catalogue; `true`: the built-in one plus [`USER_CATALOGUE`].
fn setup(user: bool) -> &'static Setup {
    static BUILTIN: OnceLock<Setup> = OnceLock::new();
    static WITH_USER: OnceLock<Setup> = OnceLock::new();
    if user {
        WITH_USER.get_or_init(|| {
            let cat = Catalogue::from_sources(&[("built-in catalogue", BUILTIN_TOML), ("user.toml", USER_CATALOGUE)])
                .expect("user catalogue is valid");
            assert!(cat.ungated_patterns() >= 2, "the user catalogue must exercise the RegexSet screen");
            make_setup(cat)
        })
    } else {
        BUILTIN.get_or_init(|| make_setup(Catalogue::builtin()))
    }
}

/// Signatures whose own regexes match `record` (and no `unless` vetoes).
fn reference_matches(user: bool, record: &[u8]) -> BTreeSet<usize> {
    setup(user)
        .reference
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.patterns.iter().any(|re| re.is_match(record)) && !r.unless.iter().any(|re| re.is_match(record))
        })
        .map(|(i, _)| i)
        .collect()
}

fn is_delim(b: u8) -> bool {
    b == b'\n' || b == b'\r'
}

/// The records of a whole stream, as `record.rs` documents them: split at every `\n` and `\r`,
/// empty records dropped, each cut to its first `RECORD_CAP` bytes. With the offset of each.
fn reference_records(input: &[u8]) -> Vec<(usize, &[u8])> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..=input.len() {
        if i == input.len() || is_delim(input[i]) {
            if i > start {
                out.push((start, &input[start..i.min(start + RECORD_CAP)]));
            }
            start = i + 1;
        }
    }
    out
}

/// A reader handing out the data in the given piece sizes (cycled); 0 means one `Interrupted` error.
struct Chunked<'a> {
    data: &'a [u8],
    pos: usize,
    sizes: Vec<usize>,
    next: usize,
}

impl<'a> Chunked<'a> {
    fn new(data: &'a [u8], sizes: &[usize]) -> Chunked<'a> {
        let mut sizes = sizes.to_vec();
        if sizes.iter().all(|&s| s == 0) {
            sizes.push(1);
        }
        Chunked { data, pos: 0, sizes, next: 0 }
    }
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = self.sizes[self.next % self.sizes.len()];
        self.next += 1;
        if want == 0 {
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        let n = want.min(buf.len()).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn explain_chunked(user: bool, data: &[u8], sizes: &[usize]) -> Diagnosis {
    explain_reader(&setup(user).cat, Chunked::new(data, sizes)).expect("reading from memory")
}

fn explain_whole(user: bool, data: &[u8]) -> Diagnosis {
    explain_reader(&setup(user).cat, Cursor::new(data)).expect("reading from memory")
}

/// The diagnosis without any of the streaming machinery: every reference record matched alone,
/// then explain's second reading (the output's end with wrapped lines joined) of the same bytes.
fn explain_naive(user: bool, data: &[u8]) -> Diagnosis {
    let cat = &setup(user).cat;
    let mut c = Collector::new();
    for (_, rec) in reference_records(data) {
        c.observe(cat, rec);
    }
    reread_end(cat, c.diagnose(cat, &Context::for_explain()), data)
}

fn text_of(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(2000)]).into_owned()
}

// ───────────────────────────── strategies ─────────────────────────────

/// Pieces of real-looking noise without a record delimiter: colour, CI decorations, token-ish
/// words, invalid UTF-8, NUL.
const FRAGMENTS: &[&[u8]] = &[
    b"\x1b[31m",
    b"\x1b[1m\x1b[31m",
    b"\x1b[0m",
    b"\x1b[2K",
    b"\x1b[",
    b"\x1b]8;;https://huggingface.co\x07",
    b"\x1b]0;title",
    b"\x1b]",
    b"\x1b\\",
    b"\x1b",
    b"##[error]",
    b"##[group]",
    b"##[",
    b"2024-03-28T01:20:32.9071234Z ",
    b"2024-03-28T01:20:32.9071234Z ##[error]",
    b"2024-03-28T01:20:32",
    b"section_start:1700000000:step",
    b"section_end:",
    b"::error::",
    b"Error: ",
    b"hf_",
    b"token=",
    b"Bearer ",
    b"https://user:pass@huggingface.co/org/m",
    b"://",
    b"@",
    b"'",
    b" ",
    b"\t",
    b"\0",
    b"\xff\xfe",
    b"\xc3\xa9",
    b"\xe2\x80\xa6",
    b"\xc5\xbf",
    b"100%|##########| 6/6 [00:00<00:00, 14.79it/s]",
    b"Downloading model.safetensors:  42%|####2     | 2.10G/5.00G",
];

const DELIMS: &[&[u8]] = &[b"\n", b"\r", b"\r\n", b"\n\n", b"\r\r\n", b"\n\r"];

fn any_but_delim() -> impl Strategy<Value = u8> {
    any::<u8>().prop_map(|b| if is_delim(b) { b' ' } else { b })
}

/// Bytes without `\n`/`\r`: random bytes, printable ASCII and the fragments above, mixed.
fn line_bytes(max_pieces: usize) -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        3 => prop::collection::vec(any_but_delim(), 0..8),
        3 => select(FRAGMENTS).prop_map(|f| f.to_vec()),
        2 => "[ -~]{0,16}".prop_map(String::into_bytes),
    ];
    prop::collection::vec(piece, 0..max_pieces).prop_map(|v| v.concat())
}

/// Usually nothing; sometimes a run long enough to reach the record cap.
fn padding() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        12 => Just(Vec::new()),
        1 => (any_but_delim(), RECORD_CAP - 64..RECORD_CAP + 64).prop_map(|(b, n)| vec![b; n]),
        1 => (any_but_delim(), RECORD_CAP..3 * RECORD_CAP).prop_map(|(b, n)| vec![b; n]),
    ]
}

fn example(user: bool) -> BoxedStrategy<(usize, String)> {
    let all = setup(user).examples.clone();
    if !user {
        return select(all).boxed();
    }
    // Half the time one of the user catalogue's own lines, or they would hardly ever come up.
    let builtin = setup(false).cat.signatures().len();
    let own: Vec<(usize, String)> = all.iter().filter(|(i, _)| *i >= builtin).cloned().collect();
    prop_oneof![select(all), select(own)].boxed()
}

/// What CI systems and colour put in front of a line.
const LINE_PREFIXES: &[&[u8]] = &[
    b"2024-03-28T01:20:32.9071234Z ",
    b"2024-03-28T01:20:32.9071234Z ##[error]",
    b"##[error]",
    b"##[warning]",
    b"\x1b[31m",
    b"\x1b[1m\x1b[31m",
    b"2024-03-28T01:20:32.9071234Z \x1b[31m",
];

/// Piece sizes for a reader or for feeding the splitter: tiny, small, large; 0 = `Interrupted`.
fn chunk_sizes() -> impl Strategy<Value = Vec<usize>> {
    let size = prop_oneof![
        4 => 1usize..8,
        3 => 1usize..300,
        1 => 1usize..(RECORD_CAP + 1000),
        1 => Just(256 * 1024),
        1 => Just(0usize),
    ];
    prop::collection::vec(size, 1..24)
}

/// A log: lines of noise and catalogue examples (decorated, padded, run together), mixed delimiters.
fn log_text(user: bool) -> impl Strategy<Value = Vec<u8>> {
    let line = prop_oneof![
        3 => line_bytes(6),
        2 => (line_bytes(3), example(user), line_bytes(3), padding())
            .prop_map(|(pre, (_, ex), post, pad)| [pad, pre, ex.into_bytes(), post].concat()),
        1 => (select(LINE_PREFIXES), example(user)).prop_map(|(p, (_, ex))| [p, ex.as_bytes()].concat()),
        // Two catalogue lines run together: one record matching several signatures.
        1 => (example(user), line_bytes(2), example(user))
            .prop_map(|((_, a), mid, (_, b))| [a.into_bytes(), mid, b.into_bytes()].concat()),
        1 => select(FRAGMENTS).prop_map(|f| f.to_vec()),
    ];
    prop::collection::vec((line, select(DELIMS)), 0..10).prop_map(|lines| {
        let mut out = Vec::new();
        for (l, d) in lines {
            out.extend_from_slice(&l);
            out.extend_from_slice(d);
        }
        out
    })
}

/// Which catalogue, then a log for it.
fn catalogue_and_log() -> impl Strategy<Value = (bool, Vec<u8>)> {
    any::<bool>().prop_flat_map(|user| (Just(user), log_text(user)))
}

/// Arbitrary bytes rich in the ones that matter: delimiters, ESC, NUL, high bytes.
fn raw_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    let b = prop_oneof![
        6 => any::<u8>(),
        2 => select(&[b'\n', b'\r', 0x1b, b'[', b']', 0x07, b'\\', 0, b'm', b'#'][..]),
    ];
    prop::collection::vec(b, 0..max)
}

fn token() -> impl Strategy<Value = String> {
    // Built at run time: no token-shaped literal in the source for a secret scanner to flag.
    "[A-Za-z0-9]{34}".prop_map(|body| format!("{}{}{body}", "hf", "_"))
}

// ───────────────────────────── helpers ─────────────────────────────

/// Feed `input` to a splitter in pieces; returns every record it handed out, in order.
fn split_in_chunks(input: &[u8], sizes: &[usize]) -> Result<Vec<Vec<u8>>, TestCaseError> {
    let mut s = Splitter::new();
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut pos = 0;
    let mut i = 0;
    while pos < input.len() {
        let n = sizes[i % sizes.len()].max(1).min(input.len() - pos);
        i += 1;
        let chunk = &input[pos..pos + n];
        pos += n;
        let emitted = std::cell::RefCell::new(Vec::<Vec<u8>>::new());
        s.feed(
            chunk,
            &mut |block| {
                assert!(!block.is_empty(), "empty block handed out");
                emitted
                    .borrow_mut()
                    .extend(block.split(|&b| is_delim(b)).filter(|r| !r.is_empty()).map(<[u8]>::to_vec));
            },
            &mut |rec| {
                assert!(!rec.is_empty() && !rec.iter().any(|&b| is_delim(b)), "bad single record {rec:?}");
                emitted.borrow_mut().push(rec.to_vec());
            },
        );
        prop_assert!(s.pending_len() <= RECORD_CAP, "splitter holds {} bytes", s.pending_len());
        out.extend(emitted.into_inner());
    }
    s.finish(&mut |rec| out.push(rec.to_vec()));
    prop_assert_eq!(s.pending_len(), 0);
    Ok(out)
}

fn short(v: &[Vec<u8>]) -> Vec<String> {
    v.iter()
        .map(|r| {
            let t = String::from_utf8_lossy(&r[..r.len().min(40)]).into_owned();
            format!("{}b:{t:?}", r.len())
        })
        .collect()
}

/// What the tee does with a block: `candidate_records`, then `match_candidates` on each candidate
/// as `hits_for_record` sees it (CI decorations off). Signatures found, by record offset.
fn candidate_matches(user: bool, block: &[u8]) -> Result<BTreeMap<usize, BTreeSet<usize>>, TestCaseError> {
    let cat = &setup(user).cat;
    let mut found: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    let mut bad: Option<String> = None;
    cat.candidate_records(block, &mut |rec, patterns| {
        let off = rec.as_ptr() as usize - block.as_ptr() as usize;
        let whole = (off == 0 || is_delim(block[off - 1]))
            && (off + rec.len() == block.len() || is_delim(block[off + rec.len()]))
            && !rec.iter().any(|&b| is_delim(b));
        if !whole && bad.is_none() {
            bad = Some(format!("candidate at {off} is not one whole record: {:?}", String::from_utf8_lossy(rec)));
        }
        if found.contains_key(&off) && bad.is_none() {
            bad = Some(format!("record at {off} offered twice"));
        }
        let seen = clean(rec);
        found.entry(off).or_default().extend(cat.match_candidates(&seen, patterns).iter().map(|m| m.signature));
    });
    if let Some(b) = bad {
        return Err(TestCaseError::fail(b));
    }
    Ok(found)
}

fn ids(user: bool, set: &BTreeSet<usize>) -> Vec<String> {
    set.iter().map(|&i| setup(user).cat.signature(i).spec.id.clone()).collect()
}

// ───────────────────────────── properties ─────────────────────────────

proptest! {
    #![proptest_config(config(256))]

    /// Records do not depend on how the stream was cut, are cut at the cap, and the splitter's
    /// memory stays bounded.
    #[test]
    fn splitter_matches_reference_for_any_chunking(
        parts in prop::collection::vec((raw_bytes(40), padding()), 0..6),
        sizes in chunk_sizes(),
    ) {
        let input: Vec<u8> = parts.into_iter().flat_map(|(a, b)| [a, b]).flatten().collect();
        let expected: Vec<Vec<u8>> = reference_records(&input).into_iter().map(|(_, r)| r.to_vec()).collect();
        let got = split_in_chunks(&input, &sizes)?;
        prop_assert!(got == expected, "chunks {:?}\n got {:?}\nwant {:?}", sizes, short(&got), short(&expected));
    }

    /// The gate never hides a match, and never invents one: for `prefix + example + suffix`,
    /// `match_record` finds exactly the signatures whose own regexes match the record.
    #[test]
    fn gate_finds_what_the_regexes_find(
        (user, (_sig, ex)) in any::<bool>().prop_flat_map(|u| (Just(u), example(u))),
        prefix in line_bytes(6),
        suffix in line_bytes(6),
    ) {
        let record = [prefix, ex.into_bytes(), suffix].concat();
        let want = reference_matches(user, &record);
        let got: BTreeSet<usize> = setup(user).cat.match_record(&record).iter().map(|m| m.signature).collect();
        prop_assert!(got == want, "record {:?}\n match_record {:?}\n regexes {:?}", text_of(&record), ids(user, &got), ids(user, &want));
    }

    /// The same through the block screen the tee uses: each record of a block gets exactly the
    /// signatures its regexes give the record as it is matched (ANSI and CI decorations off).
    #[test]
    fn candidate_records_find_what_the_regexes_find((user, text) in catalogue_and_log()) {
        let block = strip_ansi(&text).into_owned();
        let got = candidate_matches(user, &block)?;
        for (off, rec) in reference_records(&block) {
            if rec.len() < RECORD_CAP {
                let want = reference_matches(user, &clean(rec));
                let have = got.get(&off).cloned().unwrap_or_default();
                prop_assert!(have == want, "record at {} {:?}\n candidates {:?}\n regexes {:?}", off, text_of(rec), ids(user, &have), ids(user, &want));
            }
        }
    }

    /// `strip_ansi` never panics, never grows, is the identity without ESC, leaves no ESC, is
    /// idempotent, and keeps records apart: stripping a block equals stripping its records.
    #[test]
    fn strip_ansi_is_safe_and_local(input in raw_bytes(300)) {
        let out = strip_ansi(&input);
        prop_assert!(out.len() <= input.len());
        prop_assert!(!out.contains(&0x1b));
        if !input.contains(&0x1b) {
            prop_assert_eq!(&*out, &input[..]);
        }
        prop_assert_eq!(&*strip_ansi(&out), &*out);
        let mut joined = Vec::new();
        let mut records = input.split(|&b| is_delim(b));
        joined.extend_from_slice(&strip_ansi(records.next().unwrap_or_default()));
        for (d, r) in input.iter().filter(|&&b| is_delim(b)).zip(records) {
            joined.push(*d);
            joined.extend_from_slice(&strip_ansi(r));
        }
        prop_assert!(*out == joined[..], "block {:?}\n whole {:?}\n per record {:?}", text_of(&input), text_of(&out), text_of(&joined));
    }

    /// `strip_ci_decorations` never panics and only ever removes a prefix.
    #[test]
    fn strip_ci_decorations_is_safe(input in prop_oneof![raw_bytes(80), line_bytes(8)]) {
        let out = strip_ci_decorations(&input);
        prop_assert!(input.ends_with(out));
    }

    /// `redact` never panics, and a token anywhere in any text never survives it.
    #[test]
    fn redact_hides_every_token(
        before in prop_oneof![any::<String>(), line_bytes(6).prop_map(|b| String::from_utf8_lossy(&b).into_owned())],
        after in prop_oneof![any::<String>(), line_bytes(6).prop_map(|b| String::from_utf8_lossy(&b).into_owned())],
        tok in token(),
        noise in any::<String>(),
    ) {
        let _ = redact(&noise);
        let text = format!("{before}{tok}{after}");
        let out = redact(&text);
        prop_assert!(!out.contains(&tok[3..]), "{:?} -> {:?}", text, out);
    }
}

proptest! {
    #![proptest_config(config(128))]

    /// Explaining a log read in arbitrary pieces gives the diagnosis of reading it at once, and of
    /// matching its reference records one by one with no gate and no blocks.
    #[test]
    fn explain_does_not_depend_on_chunking((user, text) in catalogue_and_log(), sizes in chunk_sizes()) {
        let naive = explain_naive(user, &text);
        let whole = explain_whole(user, &text);
        let chunked = explain_chunked(user, &text, &sizes);
        prop_assert_eq!(&whole, &naive, "whole vs naive for {:?}", text_of(&text));
        prop_assert_eq!(&chunked, &naive, "chunks {:?} for {:?}", sizes, text_of(&text));
    }

    /// A catalogue example embedded in noise is diagnosed the same however it arrives, and
    /// whenever a signature's regexes match the record, the diagnosis is not `unknown`.
    #[test]
    fn embedded_example_is_found_through_the_tee_path(
        (user, (_sig, ex), before) in any::<bool>().prop_flat_map(|u| (Just(u), example(u), log_text(u))),
        prefix in line_bytes(6),
        suffix in line_bytes(6),
        pad in padding(),
        delim in select(DELIMS),
        sizes in chunk_sizes(),
    ) {
        // Noise apart from the example: glued to it, noise changes its facts (`huggingface.co` +
        // `.A` is a host that is not the Hub's, rightly not diagnosed), which is not this property.
        let record = [pad, prefix, b" ".to_vec(), ex.into_bytes(), b" ".to_vec(), suffix].concat();
        let text = [before, record.clone(), delim.to_vec()].concat();
        let whole = explain_whole(user, &text);
        let chunked = explain_chunked(user, &text, &sizes);
        prop_assert_eq!(&chunked, &whole, "chunks {:?}", sizes);
        let seen = clean(&record[..record.len().min(RECORD_CAP)]).into_owned();
        // A context line (a login that succeeded) states no failure: it is never the diagnosis.
        // Noise naming another service's client or source (`ollama run`, `git clone
        // https://github.com/…`, botocore's frames) rightly makes a failure that names no host that
        // service's: `unknown` is then the right answer, not a miss.
        let cat = &setup(user).cat;
        let owned = reference_records(&text[..text.len() - record.len() - delim.len()]).iter().any(|(_, rec)| {
            reference_matches(user, &clean(rec)).iter().any(|i| {
                let s = &cat.signatures()[*i].spec;
                s.names_source || !s.another_service.is_empty()
            })
        });
        if !owned && reference_matches(user, &seen).iter().any(|i| cat.signatures()[*i].level != Level::Context) {
            prop_assert!(whole.cause != Cause::Unknown, "{:?} not diagnosed", text_of(&seen));
        }
    }

    /// `explain_reader` takes anything (NUL, invalid UTF-8, stray escapes) and returns a diagnosis.
    #[test]
    fn explain_reader_takes_arbitrary_bytes(input in raw_bytes(2000), sizes in chunk_sizes()) {
        let whole = explain_whole(false, &input);
        let chunked = explain_chunked(false, &input, &sizes);
        prop_assert_eq!(&chunked, &whole);
        prop_assert!(Cause::ALL.contains(&whole.cause));
    }

    /// No part of a token reaches a diagnosis: not its evidence (even when the matched line is
    /// cut to length), nor the fields captured from the line, nor the rendered fix.
    #[test]
    fn no_token_reaches_a_diagnosis(
        (_sig, ex) in example(false),
        tok in token(),
        at in any::<prop::sample::Index>(),
        shape in select(&["{t}", "https://user:{t}@huggingface.co/org/m", " token={t} ", "Bearer {t}", "'{t}'"][..]),
        lead in 0usize..500,
    ) {
        let ex = format!("{}{ex}", ".".repeat(lead));
        let cut = ex.char_indices().map(|(i, _)| i).chain([ex.len()]).nth(at.index(ex.chars().count() + 1)).unwrap();
        let line = format!("{}{}{}", &ex[..cut], shape.replace("{t}", &tok), &ex[cut..]);
        let d = explain_whole(false, line.as_bytes());
        let json = serde_json::to_string(&d).unwrap();
        let body = &tok[3..];
        for w in 0..body.len() - 10 {
            prop_assert!(!json.contains(&body[w..w + 10]), "token part {:?} leaked from {:?}:\n{}", &body[w..w + 10], line, json);
        }
    }
}

// ───────────────────────────── exhaustive checks and found bugs ─────────────────────────────

/// Two lines of signatures of equal rank run into one record: the tie must be broken the same way
/// whether the record is matched alone (`match_record`) or found in a block (`candidate_records`).
#[test]
fn equal_rank_ties_do_not_depend_on_the_path() {
    for user in [false, true] {
        let s = setup(user);
        let mut checked = 0;
        for (i, a) in &s.examples {
            for (j, b) in &s.examples {
                if i == j || s.cat.signature(*i).rank != s.cat.signature(*j).rank {
                    continue;
                }
                let text = format!("noise before\n{a} {b}\nnoise after\n");
                assert_eq!(explain_whole(user, text.as_bytes()), explain_naive(user, text.as_bytes()), "{text:?}");
                checked += 1;
            }
        }
        assert!(checked > 0);
    }
}

/// Found: with a pattern the gate cannot screen, `match_record` tried the gated patterns first and
/// `candidate_records` the ungated ones, so the winner among equal ranks in one record depended on
/// whether the record straddled two reads.
#[test]
fn found_tie_order_depended_on_the_path() {
    let user = r#"
[[signature]]
id = "mine-gated"
cause = "server_error"
rank = 99
patterns = ['''upstream exploded''']
fix = "gated"

[[signature]]
id = "mine-ungated"
cause = "stalled"
rank = 99
patterns = ['''\d+ bytes? lost|\d+ bytes? dropped''']
fix = "ungated"
"#;
    let cat = Catalogue::from_sources(&[("built-in catalogue", BUILTIN_TOML), ("mine.toml", user)]).unwrap();
    assert!(cat.ungated_patterns() > 0, "the test needs a pattern the gate cannot screen");
    let text = b"start\nupstream exploded: 12 bytes lost\nend\n";
    let whole = explain_reader(&cat, Cursor::new(&text[..])).unwrap();
    let bytewise = explain_reader(&cat, Chunked::new(&text[..], &[1])).unwrap();
    assert_eq!(whole, bytewise);
}

/// Found: the `RegexSet` screened a block with CI decorations still on, so `(?:^|\s)…` after a
/// GitHub timestamp matched when the line straddled two reads and was missed inside a block.
#[test]
fn found_ungated_screen_saw_ci_decorations() {
    let text = b"start\n2024-03-28T01:20:32.9071234Z ##[error]12 bytes lost\nend\n";
    let whole = explain_whole(true, text);
    assert_eq!(whole.rule.as_deref(), Some("user-bytes-lost"));
    assert_eq!(explain_chunked(true, text, &[1]), whole);
}

/// Found: `strip_ansi` ran an escape sequence across record delimiters when given a block, so an
/// unterminated `ESC ]` (or `ESC [`) swallowed the following lines and the error in them.
#[test]
fn found_escape_sequences_ran_across_records() {
    assert_eq!(&*strip_ansi(b"\x1b[\nx"), b"\nx");
    assert_eq!(
        &*strip_ansi(b"\x1b]0;title\nOSError: [Errno 28] No space left on device\n"),
        b"\nOSError: [Errno 28] No space left on device\n"
    );
    assert_eq!(&*strip_ansi(b"a\x1b\nb"), b"a\nb");
    let text = b"\x1b]0;title\nOSError: [Errno 28] No space left on device\n";
    assert_eq!(explain_whole(false, text).cause, Cause::DiskFull);
    assert_eq!(explain_whole(false, text), explain_chunked(false, text, &[1]));
}

/// Found: records inside one read reached the matcher uncut, so a line longer than `RECORD_CAP`
/// matched past the cap or not depending on where the reads split it.
#[test]
fn found_long_records_inside_a_read_were_not_capped() {
    let mut text = b"start\n".to_vec();
    text.extend(std::iter::repeat(b'.').take(RECORD_CAP + 10));
    text.extend_from_slice(b"OSError: [Errno 28] No space left on device\nend\n");
    let recs = split_in_chunks(&text, &[text.len()]).unwrap();
    assert!(recs.iter().all(|r| r.len() <= RECORD_CAP));
    assert_eq!(recs.len(), 3);
    assert_eq!(explain_whole(false, &text), explain_chunked(false, &text, &[7]));
    assert_eq!(explain_whole(false, &text).cause, Cause::Unknown, "the error is past the cap");
}

/// Found: evidence was cut to length before redaction (a cut token is no longer token-shaped),
/// and fields captured by named groups (a URL holding a token) were not redacted at all.
#[test]
fn found_tokens_leaked_through_cut_evidence_and_captured_fields() {
    let tok = format!("{}{}", "hf_", "Ab3".repeat(12));
    let body = &tok[3..15];
    // A 404 whose URL holds the token: `url` is captured by the signature's named group.
    let line = format!(
        "HTTPError: 404 Client Error: Not Found for url: https://huggingface.co/api/models/org/m-{tok}/revision/main"
    );
    let json = serde_json::to_string(&explain_whole(false, line.as_bytes())).unwrap();
    assert!(json.contains("404") && !json.contains(body), "{json}");
    // The token straddles the evidence's 400-character cut.
    let line = format!("{}OSError: [Errno 28] No space left on device {tok}", ".".repeat(360));
    let json = serde_json::to_string(&explain_whole(false, line.as_bytes())).unwrap();
    assert!(json.contains("disk_full") && !json.contains(body), "{json}");
}
