//! The sink runs behind the tee, on a thread of its own, so matching never holds up the bytes the
//! user is waiting for.
//!
//! The reader writes each chunk to the user first, then [`Trailing::chunk`] copies it into a
//! bounded queue and returns at once; the sink's thread takes chunks from the front. What happens
//! under pressure is decided here, once:
//!
//! - The queue holds at most [`TRAIL_BYTES`]. When the sink falls behind (a child that floods a
//!   fast pipe faster than the catalogue can be matched), the *oldest* queued bytes are dropped,
//!   never the newest: a failing program prints its fatal error last, and at least the last
//!   three quarters of [`TRAIL_BYTES`] of every stream always reach the sink (bytes are dropped
//!   a queued piece at a time).
//! - The sink is told of each gap ([`ChunkSink::gap`]) before the bytes after it, so it can drop
//!   the record the gap cut in two rather than match half a line glued to another.
//! - The bytes dropped are counted ([`Counters::unmatched`]) and end up in the report, so "no
//!   signature matched" after a flood says how much was not looked at.
//! - A sink that fell behind steps aside: once bytes were dropped while it matched a piece, its
//!   thread pauses [`FLOOD_NAP`] before the next (the queue holds the newest bytes by then). A
//!   flood then costs the pipeline a small share of one core rather than all of it (on a machine
//!   of two cores, the child, the tee and the consumer need both); matching the middle of a flood
//!   at full speed would only be dropped later anyway. The end of the stream wakes it at once.
//! - The reader never waits on the sink; at the end of the stream it waits for the sink to
//!   finish what is queued (the output is delivered by then), so no hit of the last bytes is lost.
//!
//! Memory is bounded: the queue, plus a few recycled buffers, plus what the sink keeps itself.

use super::tee::{ChunkSink, Counters};
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

/// Bytes of one stream that may wait for the sink; beyond that the oldest are dropped.
pub const TRAIL_BYTES: usize = 1 << 20;

/// How long a sink that fell behind pauses before it takes the next (newest) bytes.
pub const FLOOD_NAP: std::time::Duration = std::time::Duration::from_millis(50);

/// Emptied buffers kept for reuse, so a steady stream allocates nothing per chunk.
const SPARE_BUFFERS: usize = 4;

/// Bytes queued for the sink, in order, with the count dropped before each.
#[derive(Default)]
struct Queue {
    pieces: VecDeque<Piece>,
    bytes: usize,
    spare: Vec<Vec<u8>>,
    /// Dropped after the last queued piece (the queue was emptied by dropping).
    skipped: u64,
    /// How many times bytes were dropped, so the sink can tell it fell behind.
    drops: u64,
    ended: bool,
}

struct Piece {
    /// Bytes dropped just before this piece.
    skipped: u64,
    bytes: Vec<u8>,
}

struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
}

/// A [`ChunkSink`] that hands each chunk to `inner` on the sink's own thread (see the module).
pub struct Trailing {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    /// The sink, its counters and thread name until the first chunk: a stream that stays empty
    /// (`hfwrap true`) starts no thread.
    idle: Option<(Box<dyn ChunkSink>, Arc<Counters>, String)>,
    /// Used in place of the thread when it could not be started: inline, as before.
    inline: Option<Box<dyn ChunkSink>>,
    cap: usize,
}

impl Trailing {
    /// Start `inner`'s thread (named after the stream); on failure `inner` runs inline.
    pub fn start(inner: Box<dyn ChunkSink>, counters: Arc<Counters>, name: String) -> Trailing {
        Trailing::with_cap(inner, counters, name, TRAIL_BYTES)
    }

    fn with_cap(inner: Box<dyn ChunkSink>, counters: Arc<Counters>, name: String, cap: usize) -> Trailing {
        let shared = Arc::new(Shared { queue: Mutex::new(Queue::default()), wake: Condvar::new() });
        Trailing { shared, thread: None, idle: Some((inner, counters, name)), inline: None, cap }
    }

    /// Start the sink's thread before the first chunk is queued; on failure the sink runs inline.
    fn wake_up(&mut self) {
        let Some((inner, counters, name)) = self.idle.take() else { return };
        let theirs = self.shared.clone();
        // The sink is moved into the thread only once it has started: a failed start keeps it here.
        let slot = Arc::new(Mutex::new(Some(inner)));
        let handed = slot.clone();
        let thread = std::thread::Builder::new().name(name).spawn(move || {
            let inner = handed.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(inner) = inner {
                drain(&theirs, inner, &counters);
            }
        });
        self.thread = thread.ok();
        if self.thread.is_none() {
            self.inline = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.shared.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The sink's thread: take pieces from the front until the stream has ended and all is taken.
fn drain(shared: &Shared, mut inner: Box<dyn ChunkSink>, counters: &Counters) {
    let mut done: Option<Vec<u8>> = None;
    let mut drops_seen = 0;
    loop {
        let piece = {
            let mut q = shared.queue.lock().unwrap_or_else(|e| e.into_inner());
            if q.drops != drops_seen && !q.ended {
                q = shared.wake.wait_timeout_while(q, FLOOD_NAP, |q| !q.ended).unwrap_or_else(|e| e.into_inner()).0;
                drops_seen = q.drops;
            }
            if let Some(mut buf) = done.take() {
                if q.spare.len() < SPARE_BUFFERS {
                    buf.clear();
                    q.spare.push(buf);
                }
            }
            loop {
                if let Some(p) = q.pieces.pop_front() {
                    q.bytes -= p.bytes.len();
                    break Some(p);
                }
                if q.ended {
                    break None;
                }
                q = shared.wake.wait(q).unwrap_or_else(|e| e.into_inner());
            }
        };
        let Some(piece) = piece else { break };
        if piece.skipped > 0 {
            counters.unmatched.fetch_add(piece.skipped, Ordering::Relaxed);
            inner.gap(piece.skipped);
        }
        inner.chunk(&piece.bytes);
        done = Some(piece.bytes);
    }
    let skipped = std::mem::take(&mut shared.queue.lock().unwrap_or_else(|e| e.into_inner()).skipped);
    if skipped > 0 {
        counters.unmatched.fetch_add(skipped, Ordering::Relaxed);
        inner.gap(skipped);
    }
    inner.finish();
}

impl ChunkSink for Trailing {
    fn chunk(&mut self, bytes: &[u8]) {
        self.wake_up();
        if let Some(inner) = self.inline.as_mut() {
            inner.chunk(bytes);
            return;
        }
        let cap = self.cap;
        let mut q = self.lock();
        // A chunk larger than the whole queue: only its end can be kept.
        let (cut, bytes) =
            if bytes.len() > cap { (bytes.len() - cap, &bytes[bytes.len() - cap..]) } else { (0, bytes) };
        // Make room by dropping the oldest pieces: what a piece lost counts as skipped before the
        // piece after it (or before this chunk, when none is left).
        let mut before = std::mem::take(&mut q.skipped) + cut as u64;
        q.drops += (cut > 0) as u64;
        while q.bytes + bytes.len() > cap {
            let Some(old) = q.pieces.pop_front() else { break };
            q.bytes -= old.bytes.len();
            q.drops += 1;
            let lost = old.skipped + old.bytes.len() as u64;
            match q.pieces.front_mut() {
                Some(next) => next.skipped += lost,
                None => before += lost,
            }
            if q.spare.len() < SPARE_BUFFERS {
                let mut buf = old.bytes;
                buf.clear();
                q.spare.push(buf);
            }
        }
        q.bytes += bytes.len();
        // Appended to the last piece when nothing was dropped in between and it has room: a chatty
        // child's small writes cost one hand-off, not one each. A piece stays within a quarter of
        // the queue, so dropping the oldest one still keeps three quarters of the newest bytes.
        let room = |l: &&mut Piece| {
            before == 0 && l.bytes.len() + bytes.len() <= cap / 4 && l.bytes.capacity() - l.bytes.len() >= bytes.len()
        };
        if let Some(last) = q.pieces.back_mut().filter(room) {
            last.bytes.extend_from_slice(bytes);
        } else {
            let mut buf = q.spare.pop().unwrap_or_else(|| Vec::with_capacity(bytes.len().max(64 << 10)));
            buf.extend_from_slice(bytes);
            q.pieces.push_back(Piece { skipped: before, bytes: buf });
        }
        drop(q);
        self.shared.wake.notify_one();
    }

    fn gap(&mut self, skipped: u64) {
        if let Some((inner, _, _)) = self.idle.as_mut() {
            return inner.gap(skipped);
        }
        match self.inline.as_mut() {
            Some(inner) => inner.gap(skipped),
            None => self.lock().skipped += skipped,
        }
    }

    fn finish(&mut self) {
        if let Some((mut inner, _, _)) = self.idle.take() {
            return inner.finish();
        }
        if let Some(inner) = self.inline.as_mut() {
            inner.finish();
            return;
        }
        self.lock().ended = true;
        self.shared.wake.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Trailing {
    /// A reader that ends without `finish` (it cannot, but a panic might) still stops the thread.
    fn drop(&mut self) {
        self.lock().ended = true;
        self.shared.wake.notify_one();
    }
}

#[cfg(test)]
mod tests;
