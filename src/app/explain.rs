//! `hfwrap explain [--json] [FILE|-]`: diagnose a saved log without running anything.
//!
//! The log is read in chunks through the same splitter and matcher as a live
//! run, so a file of any size (or binary garbage) costs bounded memory.

use crate::detect::catalogue::Catalogue;
use crate::facts::context::Context;
use crate::diagnose::{Collector, Diagnosis};
use crate::report::terminal as output;
use crate::detect::record::Splitter;
use std::io::Read;
use std::path::Path;

/// Read `input` (a path, or `-` for stdin) and diagnose it.
pub fn explain_reader(catalogue: &Catalogue, mut input: impl Read) -> std::io::Result<Diagnosis> {
    let collector = std::cell::RefCell::new(Collector::new());
    let mut splitter = Splitter::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = &buf[..n];
        splitter.feed(
            chunk,
            &mut |block| {
                catalogue.candidate_records(&crate::detect::record::strip_ansi(block), &mut |rec, patterns| {
                    collector.borrow_mut().observe_candidates(catalogue, rec, patterns);
                })
            },
            &mut |rec| {
                collector.borrow_mut().observe(catalogue, rec);
            },
        );
    }
    splitter.finish(&mut |rec| {
        collector.borrow_mut().observe(catalogue, rec);
    });
    Ok(collector.into_inner().diagnose(catalogue, &Context::for_explain()))
}

/// Open the log; a clear error for a directory, a missing or unreadable file.
pub fn open(path: &Path) -> Result<Box<dyn Read>, String> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::stdin().lock()));
    }
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read log {}: {e}", path.display()))?;
    if meta.is_dir() {
        return Err(format!("{} is a directory; give the log file (or - for standard input)", path.display()));
    }
    let f = std::fs::File::open(path).map_err(|e| format!("cannot read log {}: {e}", path.display()))?;
    Ok(Box::new(f))
}

/// Run the subcommand; returns the exit code.
pub fn run(catalogue: &Catalogue, path: &Path, json: bool) -> i32 {
    let reader = match open(path) {
        Ok(r) => r,
        Err(msg) => {
            output::error(&msg);
            return crate::exit_code::USAGE;
        }
    };
    match explain_reader(catalogue, reader) {
        Ok(d) => {
            let text = if json {
                format!("{}\n", serde_json::to_string_pretty(&d).expect("diagnosis serialises"))
            } else {
                output::render_diagnosis(&d)
            };
            // `hfwrap explain --json log | head -1`: a reader that goes away is not an error.
            let mut out = std::io::stdout().lock();
            match std::io::Write::write_all(&mut out, text.as_bytes()).and_then(|_| std::io::Write::flush(&mut out)) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    output::error(&format!("cannot write the diagnosis: {e}"));
                    crate::exit_code::USAGE
                }
                _ => crate::exit_code::SUCCESS,
            }
        }
        Err(e) => {
            output::error(&format!("cannot read log {}: {e}", path.display()));
            crate::exit_code::USAGE
        }
    }
}
