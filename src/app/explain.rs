//! `hfwrap explain [--json] [FILE|-]`: diagnose a saved log without running anything.
//!
//! The log goes through the live run's own record pipeline (`Collector::read_all`) in
//! chunks, so a file of any size (or binary garbage) costs bounded memory and
//! is read exactly as a live run would read it.

use crate::detect::catalogue::Catalogue;
use crate::detect::catalogue::Cause;
use crate::diagnose::{progress, rejoin, synthetic, Collector, Diagnosis};
use crate::error::{Error, Result};
use crate::exit_code;
use crate::facts::context::Context;
use crate::report::terminal::render_diagnosis;
use std::io::{Read, Write};
use std::path::Path;

/// Read `input` to its end and diagnose it (its end read again with wrapped lines joined when
/// nothing or only a wrapper matched, as a live run does).
pub fn explain_reader(catalogue: &Catalogue, input: impl Read) -> std::io::Result<Diagnosis> {
    let mut input = Tail { inner: input, kept: Vec::new() };
    let d = Collector::read_all(catalogue, &mut input)?.diagnose(catalogue, &Context::for_explain());
    Ok(reread_end(catalogue, d, &input.kept))
}

/// The second reading of a log whose first one said `d`: its end (`end` holds at least its last
/// [`KEPT`] bytes, or all of it) with wrapped lines joined, when that says more.
pub fn reread_end(catalogue: &Catalogue, d: Diagnosis, end: &[u8]) -> Diagnosis {
    // The same bytes whatever the reads were: the last `KEPT` (one more than the window, so that
    // `rejoin::last_lines` sees a line the window cut, and leaves it out).
    let window = &end[end.len().saturating_sub(KEPT)..];
    let tail = String::from_utf8_lossy(&crate::detect::record::strip_ansi(window)).into_owned();
    let d = Collector::diagnose_rejoined(catalogue, &d, &tail, &Context::for_explain()).unwrap_or(d);
    if d.cause != Cause::Unknown {
        return d;
    }
    // Nothing failed in words: a log that ends in a transfer's bar stopped there.
    match progress::ended_mid_transfer(rejoin::last_lines(&tail)) {
        Some(bar) => synthetic::diagnosis(
            "ended_mid_transfer",
            &[
                ("percent", bar.percent.map_or_else(|| "?".to_string(), |p| p.to_string())),
                ("done_of", bar.done_of.unwrap_or_else(|| "?".to_string())),
            ],
        ),
        // An error no signature knows, just after a bar that had moved bytes: the transfer
        // broke off there.
        None => match progress::failed_mid_transfer(rejoin::last_lines(&tail)) {
            Some(bar) => synthetic::diagnosis(
                "failed_mid_transfer",
                &[
                    ("percent", bar.percent.map_or_else(|| "?".to_string(), |p| p.to_string())),
                    ("done_of", bar.done_of.unwrap_or_else(|| "?".to_string())),
                ],
            ),
            None => d,
        },
    }
}

/// Bytes of the input's end kept for [`Collector::diagnose_rejoined`].
const KEPT: usize = rejoin::TAIL + 1;

/// A reader that keeps (at least) the last [`KEPT`] bytes it passed on.
struct Tail<R> {
    inner: R,
    kept: Vec<u8>,
}

impl<R: Read> Read for Tail<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.kept.extend_from_slice(&buf[..n]);
        if self.kept.len() > 2 * KEPT {
            self.kept.drain(..self.kept.len() - KEPT);
        }
        Ok(n)
    }
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
