//! hfwrap's own stdout and stderr, as the tee writes to them.
//!
//! A write to the user is not allowed to fail silently (issue 13):
//! - `EAGAIN`: someone made the shared stdout non-blocking (a parent, a sibling in the pipeline).
//!   The bytes are not dropped: wait until it is writable again (`poll`) and go on.
//! - `EPIPE`: the consumer went away (`hfwrap yes | head -1`). hfwrap stops the child as a pipeline
//!   would and exits as a pipeline's writer does (128+SIGPIPE).
//! - anything else (`EBADF` for `hfwrap cmd >&-`, `EIO`, `ENOSPC`): an error with a message and a
//!   non-zero exit.

use std::fs::File;
use std::io::{self, Write};

/// Why bytes could not be given to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undelivered {
    /// The reader went away (EPIPE).
    Closed,
    /// Any other write error, as text.
    Failed(String),
}

/// One of hfwrap's own output streams, or the note that it was closed when hfwrap started.
pub struct UserStream {
    file: Option<File>,
    /// Which stream, for messages (`stdout`, `stderr`).
    pub name: &'static str,
}

impl UserStream {
    pub fn new(file: Option<File>, name: &'static str) -> UserStream {
        UserStream { file, name }
    }

    /// Write all of `bytes`, waiting out `EAGAIN`.
    pub fn deliver(&mut self, mut bytes: &[u8]) -> Result<(), Undelivered> {
        if bytes.is_empty() {
            return Ok(());
        }
        let Some(file) = self.file.as_mut() else {
            // `hfwrap cmd >&-`: writing to a closed descriptor is EBADF, as for any program.
            return Err(Undelivered::Failed(io::Error::from_raw_os_error(ebadf()).to_string()));
        };
        while !bytes.is_empty() {
            match file.write(bytes) {
                Ok(0) => return Err(Undelivered::Failed(io::Error::from(io::ErrorKind::WriteZero).to_string())),
                Ok(n) => bytes = &bytes[n..],
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => wait_writable(file),
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Err(Undelivered::Closed),
                Err(e) => return Err(Undelivered::Failed(e.to_string())),
            }
        }
        Ok(())
    }
}

#[cfg(unix)]
fn ebadf() -> i32 {
    rustix::io::Errno::BADF.raw_os_error()
}

#[cfg(windows)]
fn ebadf() -> i32 {
    6 // ERROR_INVALID_HANDLE
}

/// Block until `file` accepts bytes again (bounded naps, so a lost wake-up cannot hang us).
#[cfg(unix)]
fn wait_writable(file: &File) {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    let mut fds = [PollFd::new(file, PollFlags::OUT)];
    let _ = poll(&mut fds, Some(&Timespec { tv_sec: 0, tv_nsec: 100_000_000 }));
}

#[cfg(windows)]
fn wait_writable(_file: &File) {
    std::thread::sleep(std::time::Duration::from_millis(1));
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::io::Read;

    fn pipe() -> (File, File) {
        let (r, w) = rustix::pipe::pipe().unwrap();
        (File::from(r), File::from(w))
    }

    #[test]
    fn a_non_blocking_pipe_gets_every_byte() {
        let (mut r, w) = pipe();
        rustix::fs::fcntl_setfl(&w, rustix::fs::OFlags::NONBLOCK).unwrap();
        let data: Vec<u8> = (0..(1 << 20)).map(|i| (i % 251) as u8).collect();
        let want = data.clone();
        let reader = std::thread::spawn(move || {
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            loop {
                // A slow consumer: the writer meets EAGAIN again and again.
                std::thread::sleep(std::time::Duration::from_micros(200));
                match r.read(&mut buf) {
                    Ok(0) => return got,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                    Err(e) => panic!("{e}"),
                }
            }
        });
        let mut out = UserStream::new(Some(w), "stdout");
        assert_eq!(out.deliver(&data), Ok(()));
        drop(out);
        assert_eq!(reader.join().unwrap(), want);
    }

    #[test]
    fn a_reader_going_away_and_a_closed_stream_are_told_apart() {
        let (r, w) = pipe();
        drop(r);
        assert_eq!(UserStream::new(Some(w), "stdout").deliver(b"x"), Err(Undelivered::Closed));
        match UserStream::new(None, "stdout").deliver(b"x") {
            Err(Undelivered::Failed(e)) => assert!(e.contains("Bad file descriptor"), "{e}"),
            other => panic!("{other:?}"),
        }
        // Nothing to write is no error, even on a closed stream (`true >&-` succeeds).
        assert_eq!(UserStream::new(None, "stdout").deliver(b""), Ok(()));
    }
}
