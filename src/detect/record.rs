//! Turning a byte stream into records to match, with bounded memory.
//!
//! A record ends at `\n` or `\r` (progress bars redraw with `\r`). Only the
//! first [`RECORD_CAP`] bytes of a record are kept for matching, so a child
//! that prints a gigabyte without a newline costs 64 KiB, not a gigabyte.
//! The bytes that reach the user are never touched here: the tee writes the
//! original chunk before it is split.
//!
//! Records are cleaned before matching: ANSI colour (`hf` colours its errors
//! even into a pipe) and CI log decorations (GitHub's timestamps and
//! `##[error]` markers, GitLab's section markers) are removed, and typographic
//! quotes a paste put in (`couldn’t`) are read as ASCII ones.

use std::borrow::Cow;

/// Bytes of one record kept for matching.
pub const RECORD_CAP: usize = 64 * 1024;

/// Splits chunks into complete records. Feed it chunks as they arrive; it
/// calls back with each complete record. Blocks of complete records are
/// offered whole first (`block`), so the caller can skip per-record work when
/// a cheap check over the block finds nothing.
#[derive(Default)]
pub struct Splitter {
    pending: Vec<u8>,
    /// The pending record passed the cap; its rest is dropped until the next delimiter.
    overflowed: bool,
}

/// A record ends at `\n` or `\r` (the one definition the catalogue gate also uses).
pub fn is_delim(b: u8) -> bool {
    b == b'\n' || b == b'\r'
}

impl Splitter {
    pub fn new() -> Splitter {
        Splitter::default()
    }

    /// Feed one chunk. The record that straddles the previous chunk goes to
    /// `on_record`; the run of complete records after it goes to `on_block`
    /// whole (the caller picks the records worth a look, see
    /// `Catalogue::candidate_records`), except that a record longer than
    /// [`RECORD_CAP`] goes to `on_record` cut to the cap; the unfinished tail
    /// is kept (capped). Every record handed out is at most `RECORD_CAP` bytes.
    pub fn feed(&mut self, chunk: &[u8], on_block: &mut dyn FnMut(&[u8]), on_record: &mut dyn FnMut(&[u8])) {
        let Some(first) = memchr2(chunk) else {
            self.push_pending(chunk);
            return;
        };
        self.push_pending(&chunk[..first]);
        if !self.pending.is_empty() {
            on_record(&self.pending);
        }
        self.pending.clear();
        self.overflowed = false;

        let last = memchr::memrchr2(b'\n', b'\r', chunk).unwrap_or(first);
        if last > first + 1 {
            emit_block(&chunk[first + 1..last], on_block, on_record);
        }
        self.push_pending(&chunk[last + 1..]);
    }

    /// Some bytes of the stream are missing here: the unfinished record and whatever comes before
    /// the next delimiter are parts of different records, and neither is matched.
    pub fn skip_to_next_record(&mut self) {
        self.pending.clear();
        self.overflowed = true;
    }

    /// Bytes held for the unfinished record: never more than [`RECORD_CAP`].
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// End of stream: the last record may have no delimiter.
    pub fn finish(&mut self, on_record: &mut dyn FnMut(&[u8])) {
        if !self.pending.is_empty() {
            on_record(&self.pending);
        }
        self.pending.clear();
        self.overflowed = false;
    }

    fn push_pending(&mut self, bytes: &[u8]) {
        if self.overflowed {
            return;
        }
        let room = RECORD_CAP - self.pending.len();
        if bytes.len() > room {
            self.pending.extend_from_slice(&bytes[..room]);
            self.overflowed = true;
        } else {
            self.pending.extend_from_slice(bytes);
        }
    }
}

/// Hand out a run of complete records, keeping the cap: a record longer than
/// [`RECORD_CAP`] goes to `on_record` cut to the cap, the runs of records
/// around it go to `on_block`. Which bytes are matched then does not depend on
/// where the reads happened to split the stream.
fn emit_block(block: &[u8], on_block: &mut dyn FnMut(&[u8]), on_record: &mut dyn FnMut(&[u8])) {
    let mut from = 0; // first byte not handed out yet
    let mut start = 0; // start of a record
                       // Only a window of RECORD_CAP + 1 bytes without a delimiter holds a long record: look at the
                       // last delimiter of each window, so ordinary output costs a few bytes per window.
    while start + RECORD_CAP < block.len() {
        match memchr::memrchr2(b'\n', b'\r', &block[start..=start + RECORD_CAP]) {
            Some(d) => start += d + 1,
            None => {
                if start > from + 1 {
                    on_block(&block[from..start - 1]);
                }
                on_record(&block[start..start + RECORD_CAP]);
                let rest = start + RECORD_CAP + 1;
                let end = memchr2(&block[rest..]).map_or(block.len(), |e| rest + e);
                from = end + 1;
                start = end + 1;
            }
        }
    }
    if from < block.len() {
        on_block(&block[from..]);
    }
}

fn memchr2(hay: &[u8]) -> Option<usize> {
    memchr::memchr2(b'\n', b'\r', hay)
}

/// Remove ANSI escape sequences (CSI `ESC [ … final`, OSC `ESC ] … BEL/ST`,
/// two-byte `ESC x`). Borrowed when there is nothing to strip.
///
/// A sequence never runs past the end of a record (`\n` or `\r` are kept),
/// so stripping a block of records equals stripping each record: a stray
/// unterminated `ESC ]` cannot swallow the lines after it.
pub fn strip_ansi(bytes: &[u8]) -> Cow<'_, [u8]> {
    if !bytes.contains(&0x1b) {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b != 0x1b {
            out.push(b);
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(b'[') => {
                i += 2;
                while i < bytes.len() && !(0x40..=0x7e).contains(&bytes[i]) && !is_delim(bytes[i]) {
                    i += 1;
                }
                if i < bytes.len() && !is_delim(bytes[i]) {
                    i += 1;
                }
            }
            Some(b']') => {
                i += 2;
                while i < bytes.len() && !is_delim(bytes[i]) {
                    if bytes[i] == 0x07 {
                        i += 1;
                        break;
                    }
                    if bytes[i] == 0x1b && bytes.get(i + 1) == Some(&b'\\') {
                        i += 2;
                        break;
                    }
                    i += 1;
                }
            }
            Some(&b) if !is_delim(b) => i += 2,
            _ => i += 1,
        }
    }
    Cow::Owned(out)
}

/// Remove the decorations CI systems add to each log line, so `explain`
/// sees what the tool printed: GitHub Actions' leading ISO timestamp and
/// `##[error]`/`##[warning]`/`##[group]` markers, GitLab's
/// `section_start:…`/`section_end:…` markers, and GitHub's `::error::` prefix.
pub fn strip_ci_decorations(rec: &[u8]) -> &[u8] {
    let mut r = rec;
    // GitHub: "2024-03-28T01:20:32.9071234Z " prefix.
    if r.len() > 20 && r[4] == b'-' && r[7] == b'-' && r[10] == b'T' && r[..4].iter().all(u8::is_ascii_digit) {
        if let Some(sp) = r.iter().take(40).position(|&b| b == b' ') {
            if r[sp - 1] == b'Z' || r[sp - 1].is_ascii_digit() {
                r = &r[sp + 1..];
            }
        }
    }
    // GitLab: "section_start:1700000000:name[collapsed=true]" then the real text (after \r\e[0K, already split off).
    for marker in [&b"section_start:"[..], &b"section_end:"[..]] {
        if r.starts_with(marker) {
            return &[];
        }
    }
    // GitHub: "##[error]text", "##[group]text".
    if r.starts_with(b"##[") {
        if let Some(end) = r.iter().position(|&b| b == b']') {
            r = &r[end + 1..];
        }
    }
    r
}

/// `bytes` with typographic quotes (`‘ ’ ‚ ‛` and `“ ” „ ‟`) made ASCII, or `None` when it has
/// none: a message pasted through a forum, a word processor or a localised console (`We couldn’t
/// connect to ‘https://…’`) then reads as the library printed it. No quote holds a record
/// delimiter, so a block made plain equals its records made plain.
pub fn plain_quotes(bytes: &[u8]) -> Option<Vec<u8>> {
    let curly =
        |i: usize| bytes[i] == 0xe2 && bytes.get(i + 1) == Some(&0x80) && matches!(bytes.get(i + 2), Some(0x98..=0x9f));
    let first = memchr::memmem::find_iter(bytes, b"\xe2\x80").find(|&i| curly(i))?;
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..first]);
    let mut i = first;
    while i < bytes.len() {
        if curly(i) {
            out.push(if bytes[i + 2] <= 0x9b { b'\'' } else { b'"' });
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// One record as the catalogue sees it: ANSI and CI decorations removed, quotes made plain.
pub fn clean(rec: &[u8]) -> Cow<'_, [u8]> {
    let stripped = match strip_ansi(rec) {
        Cow::Borrowed(b) => Cow::Borrowed(strip_ci_decorations(b)),
        Cow::Owned(v) => Cow::Owned(strip_ci_decorations(&v).to_vec()),
    };
    match plain_quotes(&stripped) {
        Some(plain) => Cow::Owned(plain),
        None => stripped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_all(chunks: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut s = Splitter::new();
        let mut out = Vec::new();
        for c in chunks {
            let mut block_records = Vec::new();
            s.feed(
                c,
                &mut |b| block_records.extend(b.split(|&x| is_delim(x)).filter(|r| !r.is_empty()).map(|r| r.to_vec())),
                &mut |r| out.push(r.to_vec()),
            );
            out.extend(block_records);
        }
        s.finish(&mut |r| out.push(r.to_vec()));
        out
    }

    #[test]
    fn splits_on_newline_and_carriage_return_across_chunks() {
        let recs = split_all(&[b"ab", b"c\nde\rf", b"g\r\nh"]);
        assert_eq!(recs, vec![b"abc".to_vec(), b"de".to_vec(), b"fg".to_vec(), b"h".to_vec()]);
    }

    #[test]
    fn caps_a_record_without_newline() {
        let big = vec![b'x'; RECORD_CAP * 3 + 5];
        let mut chunks: Vec<&[u8]> = big.chunks(10_000).collect();
        chunks.push(b"\nend");
        let recs = split_all(&chunks);
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].len(), RECORD_CAP);
        assert_eq!(recs[1], b"end");
    }

    #[test]
    fn makes_typographic_quotes_plain() {
        let pasted = "OSError: We couldn‘t connect to ‘https://huggingface.co’ “now”";
        assert_eq!(
            clean(pasted.as_bytes()).as_ref(),
            b"OSError: We couldn't connect to 'https://huggingface.co' \"now\""
        );
        // Other punctuation of the same block (an ellipsis, a dash) and other text stay as they are.
        assert!(plain_quotes("Downloading… — 下载".as_bytes()).is_none());
        assert!(plain_quotes(b"\xe2\x80").is_none(), "a cut sequence at the end");
    }

    #[test]
    fn strips_colour_and_ci_decorations() {
        assert_eq!(&*clean(b"\x1b[1m\x1b[31mError: x\x1b[0m"), b"Error: x");
        assert_eq!(&*clean(b"2024-03-28T01:20:32.9071234Z ##[error]Process completed"), b"Process completed");
        assert_eq!(&*clean(b"section_start:1700000000:step"), b"");
        assert_eq!(&*clean(b"\x1b]8;;http://x\x07link"), b"link");
    }
}
