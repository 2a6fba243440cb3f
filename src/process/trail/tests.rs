use super::*;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::time::{Duration, Instant};

/// What the sink saw, in order.
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    Bytes(Vec<u8>),
    Gap(u64),
    Finish,
}

/// A sink that reports everything, and blocks in `chunk` until `go` lets it (when given).
struct Probe {
    seen: Arc<Mutex<Vec<Seen>>>,
    go: Option<Receiver<()>>,
    entered: Sender<()>,
}

impl ChunkSink for Probe {
    fn chunk(&mut self, bytes: &[u8]) {
        let _ = self.entered.send(());
        if let Some(go) = &self.go {
            let _ = go.recv();
        }
        self.seen.lock().unwrap().push(Seen::Bytes(bytes.to_vec()));
    }
    fn gap(&mut self, skipped: u64) {
        self.seen.lock().unwrap().push(Seen::Gap(skipped));
    }
    fn finish(&mut self) {
        self.seen.lock().unwrap().push(Seen::Finish);
    }
}

fn bytes_of(seen: &[Seen]) -> Vec<u8> {
    seen.iter().flat_map(|s| if let Seen::Bytes(b) = s { b.clone() } else { Vec::new() }).collect()
}

#[test]
fn a_sink_that_keeps_up_sees_every_byte_in_order_then_the_end() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (entered, _rx) = channel();
    let counters = Arc::new(Counters::default());
    let mut t =
        Trailing::start(Box::new(Probe { seen: seen.clone(), go: None, entered }), counters.clone(), "t".into());
    let mut sent = Vec::new();
    for i in 0..2000u32 {
        let chunk = format!("line {i}\n");
        sent.extend_from_slice(chunk.as_bytes());
        t.chunk(chunk.as_bytes());
    }
    t.finish();
    let seen = seen.lock().unwrap();
    assert_eq!(bytes_of(&seen), sent);
    assert_eq!(seen.last(), Some(&Seen::Finish));
    assert!(!seen.iter().any(|s| matches!(s, Seen::Gap(_))), "nothing was dropped");
    assert_eq!(counters.unmatched.load(Ordering::Relaxed), 0);
}

#[test]
fn a_stuck_sink_never_blocks_the_tee_and_gets_the_last_bytes_with_the_gap_counted() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (go_tx, go) = channel();
    let (entered, entered_rx) = channel();
    let counters = Arc::new(Counters::default());
    let probe = Probe { seen: seen.clone(), go: Some(go), entered };
    let mut t = Trailing::with_cap(Box::new(probe), counters.clone(), "t".into(), 100);
    t.chunk(b"first\n");
    // The sink now sits in its first chunk until told to go on.
    entered_rx.recv_timeout(Duration::from_secs(10)).expect("sink started");
    let began = Instant::now();
    let mut total = 0u64;
    for i in 0..10_000u32 {
        let chunk = format!("flood {i:05}\n");
        total += chunk.len() as u64;
        t.chunk(chunk.as_bytes());
        assert!(t.lock().bytes <= 100, "the queue stays within its cap");
    }
    assert!(began.elapsed() < Duration::from_secs(5), "the tee was held up by the sink");
    t.chunk(b"fatal: the last line\n");
    total += 21;
    for _ in 0..10_000 {
        let _ = go_tx.send(());
    }
    drop(go_tx);
    t.finish();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.first(), Some(&Seen::Bytes(b"first\n".to_vec())));
    assert_eq!(seen.last(), Some(&Seen::Finish));
    let after_first = &seen[1..seen.len() - 1];
    // A gap comes before the bytes after it; everything after it is the newest of the stream.
    assert!(matches!(after_first.first(), Some(Seen::Gap(_))), "{after_first:?}");
    let kept = bytes_of(after_first);
    assert!(kept.ends_with(b"flood 09999\nfatal: the last line\n"), "{:?}", String::from_utf8_lossy(&kept));
    assert!(kept.len() <= 100 && kept.len() >= 60, "kept {} bytes", kept.len());
    let gaps: u64 = after_first.iter().map(|s| if let Seen::Gap(n) = s { *n } else { 0 }).sum();
    assert_eq!(gaps + kept.len() as u64, total, "every byte is either matched or counted as skipped");
    assert_eq!(counters.unmatched.load(Ordering::Relaxed), gaps);
}

#[test]
fn a_chunk_larger_than_the_queue_keeps_its_end() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (go_tx, go) = channel();
    let (entered, entered_rx) = channel();
    let counters = Arc::new(Counters::default());
    let probe = Probe { seen: seen.clone(), go: Some(go), entered };
    let mut t = Trailing::with_cap(Box::new(probe), counters.clone(), "t".into(), 10);
    t.chunk(b"a");
    entered_rx.recv_timeout(Duration::from_secs(10)).expect("sink started");
    t.chunk(b"0123456789abcdefghij");
    go_tx.send(()).unwrap();
    go_tx.send(()).unwrap();
    t.finish();
    let seen = seen.lock().unwrap();
    assert_eq!(
        *seen,
        vec![Seen::Bytes(b"a".to_vec()), Seen::Gap(10), Seen::Bytes(b"abcdefghij".to_vec()), Seen::Finish]
    );
    assert_eq!(counters.unmatched.load(Ordering::Relaxed), 10);
}

#[test]
fn an_empty_stream_starts_no_thread_and_still_finishes_its_sink() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (entered, _rx) = channel();
    let mut t =
        Trailing::start(Box::new(Probe { seen: seen.clone(), go: None, entered }), Default::default(), "t".into());
    assert!(t.thread.is_none() && t.idle.is_some());
    t.finish();
    assert_eq!(*seen.lock().unwrap(), vec![Seen::Finish]);
}
