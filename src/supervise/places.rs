//! A tee sink beside the matcher: every place the child's output names (URLs, hosts; see
//! `facts::destination`), for the policy to check before a token follows the command there.

use crate::detect::record::{strip_ansi, Splitter};
use crate::facts::destination::{may_name_a_place, Seen};
use crate::process::ChunkSink;
use std::sync::{Arc, Mutex};

/// Passes every chunk on to `inner` unchanged, and notes the places its records name in `seen`.
pub struct Places {
    inner: Box<dyn ChunkSink>,
    splitter: Splitter,
    seen: Arc<Mutex<Seen>>,
}

impl Places {
    pub fn new(inner: Box<dyn ChunkSink>, seen: Arc<Mutex<Seen>>) -> Places {
        Places { inner, splitter: Splitter::new(), seen }
    }
}

/// Records (one, or a block of several) that may name a place: ANSI removed, scanned.
fn note(seen: &Mutex<Seen>, bytes: &[u8]) {
    if !may_name_a_place(bytes) {
        return;
    }
    let text = String::from_utf8_lossy(&strip_ansi(bytes)).into_owned();
    seen.lock().unwrap_or_else(|e| e.into_inner()).record(&text);
}

impl ChunkSink for Places {
    fn chunk(&mut self, bytes: &[u8]) {
        self.inner.chunk(bytes);
        let seen = &self.seen;
        self.splitter.feed(bytes, &mut |block| note(seen, block), &mut |rec| note(seen, rec));
    }

    fn gap(&mut self, skipped: u64) {
        self.inner.gap(skipped);
        self.splitter.skip_to_next_record();
    }

    fn finish(&mut self) {
        self.inner.finish();
        let seen = &self.seen;
        self.splitter.finish(&mut |rec| note(seen, rec));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Count(Arc<Mutex<usize>>);
    impl ChunkSink for Count {
        fn chunk(&mut self, bytes: &[u8]) {
            *self.0.lock().unwrap() += bytes.len();
        }
        fn gap(&mut self, _skipped: u64) {}
        fn finish(&mut self) {}
    }

    #[test]
    fn notes_places_across_chunk_boundaries_and_passes_everything_on() {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let bytes = Arc::new(Mutex::new(0));
        let mut p = Places::new(Box::new(Count(bytes.clone())), seen.clone());
        let text = "ok\n\x1b[31mError: for url 'http://127.0.0.1:7/api/x'\x1b[0m\nCould not resolve host: evil.example\nlast https://huggingface.co/x";
        for piece in text.as_bytes().chunks(5) {
            p.chunk(piece);
        }
        p.finish();
        assert_eq!(*bytes.lock().unwrap(), text.len());
        let shown: Vec<String> = seen.lock().unwrap().places().iter().map(|s| s.to_string()).collect();
        assert_eq!(shown, ["http://127.0.0.1:7", "evil.example", "https://huggingface.co"]);
    }
}
