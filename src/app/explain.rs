//! `hfwrap explain [--json] [FILE|-]`: diagnose a saved log without running anything.
//!
//! The log goes through the live run's own record pipeline ([`Matcher`]) in
//! chunks, so a file of any size (or binary garbage) costs bounded memory and
//! is read exactly as a live run would read it.

use crate::detect::catalogue::Catalogue;
use crate::detect::Matcher;
use crate::diagnose::{Collector, Diagnosis};
use crate::error::{Error, Result};
use crate::exit_code;
use crate::facts::context::Context;
use crate::process::ChunkSink;
use crate::report::terminal::render_diagnosis;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

/// Read `input` to its end and diagnose it.
pub fn explain_reader(catalogue: &Catalogue, mut input: impl Read) -> std::io::Result<Diagnosis> {
    let hits = Arc::new(Mutex::new(Collector::new()));
    let sink = hits.clone();
    let mut matcher = Matcher::new(
        catalogue.clone(),
        Arc::new(AtomicU64::new(0)),
        Box::new(move |new| {
            let mut c = sink.lock().unwrap_or_else(|e| e.into_inner());
            new.into_iter().for_each(|h| c.push(h));
        }),
    );
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        matcher.chunk(&buf[..n]);
    }
    matcher.finish();
    let collector = hits.lock().unwrap_or_else(|e| e.into_inner());
    Ok(collector.diagnose(catalogue, &Context::for_explain()))
}

/// Open the log; a clear error for a directory, a missing or unreadable file.
pub fn open(path: &Path) -> Result<Box<dyn Read>> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::stdin().lock()));
    }
    let read_error = |error| Error::Read { what: "log", path: path.to_path_buf(), error };
    let meta = std::fs::metadata(path).map_err(read_error)?;
    if meta.is_dir() {
        return Err(Error::NotAFile { what: "log file", path: path.to_path_buf(), is: "a directory" });
    }
    Ok(Box::new(std::fs::File::open(path).map_err(read_error)?))
}

/// Run the subcommand; returns the exit code.
pub fn run(catalogue: &Catalogue, path: &Path, json: bool) -> Result<i32> {
    let reader = open(path)?;
    let d = explain_reader(catalogue, reader).map_err(|error| Error::Read { what: "log", path: path.into(), error })?;
    let text = if json {
        let json =
            serde_json::to_string_pretty(&d).map_err(|e| Error::Write { what: "the diagnosis", error: e.into() })?;
        format!("{json}\n")
    } else {
        render_diagnosis(&d)
    };
    // `hfwrap explain --json log | head -1`: a reader that goes away is not an error.
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Write { what: "the diagnosis", error: e }),
        _ => Ok(exit_code::SUCCESS),
    }
}
