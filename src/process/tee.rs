//! One reader thread per child stream: write every byte to the user first,
//! then look for signatures.
//!
//! The user's copy is written unbuffered, chunk by chunk, exactly as read, so
//! progress bars and partial lines appear live and unchanged. Matching runs
//! after the write: a cheap whole-block check over the catalogue's `RegexSet`
//! skips per-record work for the ordinary bulk of output.

use super::Event;
use crate::detect::catalogue::Catalogue;
use crate::diagnose::hits_for_record;
use crate::detect::record::{strip_ansi, Splitter, Tail};
use std::fs::File;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;

/// Bytes of each stream kept for the report.
pub const TAIL_BYTES: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamId {
    Stdout,
    Stderr,
    /// A pseudo-terminal merges both.
    Pty,
}

/// What a reader thread hands back when its stream ends.
pub struct StreamEnd {
    pub stream: StreamId,
    pub tail: Tail,
    pub bytes: u64,
    /// The user's side went away (EPIPE); the child's output kept being drained.
    pub sink_closed: bool,
    /// The last byte passed on was not a line end (GitHub's runner holds such a line until more comes).
    pub ends_mid_line: bool,
}

/// Shared counters, so hits from both streams order correctly and liveness can be measured.
#[derive(Default)]
pub struct Counters {
    pub records: AtomicU64,
    pub bytes: AtomicU64,
    /// Readers not blocked in `read` right now: passing a chunk on (perhaps to a slow consumer
    /// downstream), matching it, or finishing their stream. 0 means everything read so far has
    /// been delivered and matched.
    pub busy: AtomicUsize,
}

pub struct Reader {
    pub stream: StreamId,
    pub source: File,
    /// Where the user's copy goes (hfwrap's stdout or stderr).
    pub sink: File,
    pub catalogue: Arc<Catalogue>,
    pub events: Sender<Event>,
    pub counters: Arc<Counters>,
}

impl Reader {
    pub fn spawn(self) -> std::thread::JoinHandle<StreamEnd> {
        std::thread::Builder::new()
            .name(format!("hfwrap-tee-{:?}", self.stream))
            .spawn(move || self.run())
            .expect("spawn tee thread")
    }

    fn run(mut self) -> StreamEnd {
        let mut buf = vec![0u8; 256 * 1024];
        let mut splitter = Splitter::new();
        let mut tail = Tail::new(TAIL_BYTES);
        let mut total = 0u64;
        let mut sink_closed = false;
        let mut ends_mid_line = false;
        loop {
            let read = self.source.read(&mut buf);
            self.counters.busy.fetch_add(1, Ordering::SeqCst);
            let n = match read {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {
                    self.counters.busy.fetch_sub(1, Ordering::SeqCst);
                    continue;
                }
                // A pty master reports EIO once the last slave holder is gone: that is EOF.
                Err(_) => break,
            };
            let chunk = &buf[..n];
            ends_mid_line = !matches!(chunk.last(), Some(b'\n' | b'\r'));
            if !sink_closed && self.sink.write_all(chunk).is_err() {
                // The user's reader went away (e.g. `| head`); keep draining so the child never blocks.
                sink_closed = true;
            }
            total += n as u64;
            self.counters.bytes.fetch_add(n as u64, Ordering::Relaxed);
            tail.push(chunk);
            let catalogue = &self.catalogue;
            let counters = &self.counters;
            let events = &self.events;
            let stream = self.stream;
            splitter.feed(
                chunk,
                &mut |block| {
                    catalogue.candidate_records(&strip_ansi(block), &mut |rec, patterns| {
                        observe(catalogue, counters, events, stream, rec, Some(patterns))
                    })
                },
                &mut |rec| observe(catalogue, counters, events, stream, rec, None),
            );
            self.counters.busy.fetch_sub(1, Ordering::SeqCst);
        }
        splitter.finish(&mut |rec| observe(&self.catalogue, &self.counters, &self.events, self.stream, rec, None));
        let _ = self.events.send(Event::StreamClosed(self.stream));
        self.counters.busy.fetch_sub(1, Ordering::SeqCst);
        StreamEnd { stream: self.stream, tail, bytes: total, sink_closed, ends_mid_line }
    }
}

/// Match one record (against only `patterns` when the gate already narrowed them down).
fn observe(
    catalogue: &Catalogue,
    counters: &Counters,
    events: &Sender<Event>,
    stream: StreamId,
    rec: &[u8],
    patterns: Option<&[usize]>,
) {
    let no = counters.records.fetch_add(1, Ordering::Relaxed) + 1;
    let hits = hits_for_record(catalogue, rec, no, patterns);
    if !hits.is_empty() {
        let _ = events.send(Event::Hits(stream, hits));
    }
}
