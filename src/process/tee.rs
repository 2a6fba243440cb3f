//! One reader thread per child stream: write every byte to the user first,
//! then hand the same chunk to a [`ChunkSink`].
//!
//! The user's copy is written unbuffered, chunk by chunk, exactly as read, so
//! progress bars and partial lines appear live and unchanged. What the sink
//! does with the bytes (splitting, matching) is not this module's business:
//! the runner knows nothing of the catalogue. The sink runs on a thread of its
//! own behind the reader ([`super::trail`]), so it never slows the user's copy.

use super::output::{Undelivered, UserStream};
use std::collections::VecDeque;
use std::fs::File;
use std::io::Read;
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

/// Where each chunk goes after the user has it (the live run's matcher, say).
pub trait ChunkSink: Send {
    /// Bytes the user was just given, unchanged.
    fn chunk(&mut self, bytes: &[u8]);
    /// `skipped` bytes of the stream were not passed on here (the sink fell too far behind, see
    /// [`super::trail`]); the next chunk does not continue the last one, so a record cut by the
    /// gap must not be matched as if it were whole.
    fn gap(&mut self, skipped: u64);
    /// The stream ended: flush whatever is pending.
    fn finish(&mut self);
}

/// What a reader thread hands back when its stream ends.
pub struct StreamEnd {
    pub stream: StreamId,
    /// The last [`TAIL_BYTES`] of the stream, raw.
    pub tail: Vec<u8>,
    pub bytes: u64,
    /// The user's side went away (EPIPE) or could not be written: the reader stopped there and
    /// closed its end, so the child's next write to this stream fails as it would in a pipeline.
    pub undelivered: Option<Undelivered>,
    /// The last byte passed on was not a line end (GitHub's runner holds such a line until more comes).
    pub ends_mid_line: bool,
}

/// Shared counters, so liveness can be measured and the end of a stream told from a slow reader.
#[derive(Default)]
pub struct Counters {
    pub bytes: AtomicU64,
    /// Readers not blocked in `read` right now: passing a chunk on (perhaps to a slow consumer
    /// downstream), matching it, or finishing their stream. 0 means everything read so far has
    /// been delivered and matched.
    pub busy: AtomicUsize,
    /// Bytes the sinks never saw: dropped from the middle of a flood they could not keep up with.
    pub unmatched: AtomicU64,
}

/// Told which stream could not be delivered, and why.
pub type OnUndelivered = Box<dyn Fn(StreamId, &Undelivered) + Send>;

pub struct Reader {
    pub stream: StreamId,
    pub source: File,
    /// Where the user's copy goes (hfwrap's stdout or stderr).
    pub user: UserStream,
    pub sink: Box<dyn ChunkSink>,
    pub counters: Arc<Counters>,
    /// Told when the user's copy could not be written (before the stream is closed).
    pub on_undelivered: OnUndelivered,
    /// Told once the stream has ended.
    pub on_close: Box<dyn FnOnce(StreamId) + Send>,
}

impl Reader {
    /// Start the reader; its [`StreamEnd`] is sent on `ended` (a channel, so the owner wakes the
    /// moment the last stream ends rather than polling the threads).
    pub fn spawn(self, ended: Sender<StreamEnd>) -> std::io::Result<()> {
        std::thread::Builder::new().name(format!("hfwrap-tee-{:?}", self.stream)).spawn(move || {
            let _ = ended.send(self.run());
        })?;
        Ok(())
    }

    fn run(self) -> StreamEnd {
        let name = format!("hfwrap-match-{:?}", self.stream);
        let sink = super::trail::Trailing::start(self.sink, self.counters.clone(), name);
        Reader { sink: Box::new(sink), ..self }.tee()
    }

    fn tee(mut self) -> StreamEnd {
        let mut buf = vec![0u8; 256 * 1024];
        let mut tail = Tail::new(TAIL_BYTES);
        let mut total = 0u64;
        let mut undelivered = None;
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
            let delivered = self.user.deliver(chunk);
            total += n as u64;
            self.counters.bytes.fetch_add(n as u64, Ordering::Relaxed);
            tail.push(chunk);
            self.sink.chunk(chunk);
            if let Err(why) = delivered {
                // Nobody gets this stream any more: stop reading it, so the child's next write
                // fails (EPIPE/SIGPIPE) as it would had it written to the user itself.
                (self.on_undelivered)(self.stream, &why);
                undelivered = Some(why);
                break;
            }
            ends_mid_line = !matches!(chunk.last(), Some(b'\n' | b'\r'));
            self.counters.busy.fetch_sub(1, Ordering::SeqCst);
        }
        drop(self.source);
        self.sink.finish();
        (self.on_close)(self.stream);
        self.counters.busy.fetch_sub(1, Ordering::SeqCst);
        StreamEnd { stream: self.stream, tail: tail.bytes(), bytes: total, undelivered, ends_mid_line }
    }
}

/// Keeps the last `cap` bytes of a stream, for the report.
struct Tail {
    buf: VecDeque<u8>,
    cap: usize,
}

impl Tail {
    fn new(cap: usize) -> Tail {
        Tail { buf: VecDeque::with_capacity(cap.min(1 << 16)), cap }
    }

    fn push(&mut self, bytes: &[u8]) {
        let bytes = if bytes.len() > self.cap { &bytes[bytes.len() - self.cap..] } else { bytes };
        let overflow = (self.buf.len() + bytes.len()).saturating_sub(self.cap);
        self.buf.drain(..overflow);
        self.buf.extend(bytes);
    }

    fn bytes(&self) -> Vec<u8> {
        let (a, b) = self.buf.as_slices();
        let mut v = a.to_vec();
        v.extend_from_slice(b);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_last_bytes() {
        let mut t = Tail::new(5);
        t.push(b"hello ");
        t.push(b"world");
        assert_eq!(t.bytes(), b"world");
        t.push(b"0123456789");
        assert_eq!(t.bytes(), b"56789");
    }
}
