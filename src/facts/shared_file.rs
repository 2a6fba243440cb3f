//! Files hfwrap reads or writes in places others can write too: the cooldown record and the token
//! files under `$HF_HOME`, the config and signatures files, lock files in the cache, the report.
//!
//! Whatever sits at such a path (a FIFO, `/dev/zero` behind a symlink, a 2 GB file, a directory)
//! must not make hfwrap hang, read without end, or write somewhere it should not:
//!
//! - [`read`] looks before it opens (a device or FIFO is refused without being opened), opens
//!   without blocking (`O_NONBLOCK`: a FIFO swapped in meanwhile does not hold `open` up), checks
//!   the opened descriptor again (a regular file, or it is refused), and reads at most a bound
//!   ([`SMALL`] for tokens and the cooldown record, [`TEXT`] for config and signatures).
//! - [`replace`] writes a temporary file in the target's own directory and renames it over the
//!   target, and refuses a target that is a symlink or anything but a regular file.
//! - [`write_into`] is for a character device or a FIFO the user named (`--report /dev/null`): it
//!   is opened for writing in place, never replaced; a FIFO with no reader is an error, not a wait.
//!
//! A refusal is an [`std::io::Error`] whose text says why (`it is a FIFO, not a regular file`); the
//! caller decides whether that is a warning (a shared file hfwrap only looks at) or an error (a file
//! the user named). Unix gets the non-blocking open; elsewhere the open is a plain one.

use std::fs::{File, Metadata};
use std::io::{self, Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// The most read of a token file or the cooldown record (a token is ~40 bytes, a record ~100).
pub const SMALL: u64 = 64 * 1024;
/// The most read of a config or signatures file.
pub const TEXT: u64 = 1024 * 1024;

/// What a file is, for messages: `a FIFO`, `a character device`, `a directory`.
pub fn kind(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_file() {
        return "a regular file";
    }
    if t.is_dir() {
        return "a directory";
    }
    if t.is_symlink() {
        return "a symbolic link";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// A refusal: the text says what is wrong with the file (the caller names the file).
fn refused(why: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, why)
}

/// `64 KiB`, `1 MiB`: a bound as people write it.
fn bound_text(limit: u64) -> String {
    match limit {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

#[cfg(unix)]
fn open_nonblocking(path: &Path, write: bool) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // No O_CREAT, no O_TRUNC: what is opened here already exists and is not changed by opening it.
    // (std adds O_CLOEXEC.)
    std::fs::OpenOptions::new().read(!write).write(write).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY).open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path, write: bool) -> io::Result<File> {
    std::fs::OpenOptions::new().read(!write).write(write).open(path)
}

/// Open `path` for reading, only if it is a regular file (a symlink is followed to one), without
/// ever blocking on the open. The descriptor's own metadata is returned with it.
pub fn open_regular(path: &Path) -> io::Result<(File, Metadata)> {
    // Looked at first: a device or a FIFO is refused without being opened (opening some has effects).
    let before = std::fs::metadata(path)?;
    if !before.is_file() {
        return Err(refused(format!("it is {}, not a regular file", kind(&before))));
    }
    let file = open_nonblocking(path, false)?;
    // And again on the descriptor: it may have been swapped between the look and the open.
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(refused(format!("it is {}, not a regular file", kind(&meta))));
    }
    Ok((file, meta))
}

/// The bytes of a regular file of at most `limit` bytes; anything else is refused (see the module).
pub fn read(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let (file, meta) = open_regular(path)?;
    let too_big = || refused(format!("it is larger than {}", bound_text(limit)));
    if meta.len() > limit {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // One byte more than allowed: a file that grew since the look is refused too, not cut.
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if u64::try_from(bytes.len()).map_or(true, |n| n > limit) {
        return Err(too_big());
    }
    Ok(bytes)
}

/// Replace the regular file at `path` (or create it) with `bytes`, atomically: a temporary file in
/// the same directory, renamed over it. A symlink or anything but a regular file at `path` is
/// refused, so nothing is written through a link to somewhere else. `mode` on unix.
pub fn replace(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if !m.file_type().is_file() => {
            return Err(refused(format!("it is {}; hfwrap replaces only a regular file", kind(&m))));
        }
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new().prefix(".hfwrap-").suffix(".tmp").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    // rename(2) replaces a symlink swapped in since the look, never what it points to.
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Whether `meta` is something [`write_into`] writes into rather than replaces.
pub fn is_device_or_fifo(meta: &Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        t.is_char_device() || t.is_fifo()
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        false
    }
}

/// ENXIO from a non-blocking open for writing: a FIFO nobody reads.
fn no_reader(e: io::Error) -> io::Error {
    #[cfg(unix)]
    if e.raw_os_error() == Some(libc::ENXIO) {
        return io::Error::new(io::ErrorKind::NotConnected, "it is a FIFO with no reader");
    }
    e
}

/// Write `bytes` into the character device or FIFO at `path` (`/dev/null`, `/dev/stdout`, a named
/// pipe with a reader), in place. The open never blocks: a FIFO with no reader is an error. A
/// reader that stops reading makes the write give up after `patience`.
pub fn write_into(path: &Path, bytes: &[u8], patience: Duration) -> io::Result<()> {
    let file = open_nonblocking(path, true).map_err(no_reader)?;
    let meta = file.metadata()?;
    if !is_device_or_fifo(&meta) {
        return Err(refused(format!("it is {}, not a character device or FIFO", kind(&meta))));
    }
    let give_up = Instant::now() + patience;
    let mut rest = bytes;
    while !rest.is_empty() {
        match (&file).write(rest) {
            Ok(0) => return Err(io::Error::new(io::ErrorKind::WriteZero, "it accepted no more bytes")),
            Ok(n) => rest = rest.get(n..).unwrap_or_default(),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if Instant::now() >= give_up {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("its reader read nothing for {}", humantime::format_duration(patience)),
                    ));
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;

    fn mkfifo(p: &Path) {
        let c = CString::new(p.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    }

    #[test]
    fn a_regular_file_within_the_bound_is_read() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("t");
        std::fs::write(&p, "hf_abc\n").unwrap();
        assert_eq!(read(&p, SMALL).unwrap(), b"hf_abc\n");
        // Through a symlink to a regular file too.
        std::os::unix::fs::symlink(&p, d.path().join("l")).unwrap();
        assert_eq!(read(&d.path().join("l"), SMALL).unwrap(), b"hf_abc\n");
        assert_eq!(read(&d.path().join("missing"), SMALL).unwrap_err().kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn fifos_devices_directories_and_big_files_are_refused_at_once() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("fifo");
        mkfifo(&fifo);
        let zero = d.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let big = d.path().join("big");
        std::fs::File::create(&big).unwrap().set_len(100 << 20).unwrap();
        let started = Instant::now();
        for (p, says) in [
            (&fifo, "it is a FIFO, not a regular file"),
            (&zero, "it is a character device, not a regular file"),
            (&d.path().to_path_buf(), "it is a directory, not a regular file"),
            (&big, "it is larger than 64 KiB"),
        ] {
            let e = read(p, SMALL).unwrap_err();
            assert_eq!(e.to_string(), says, "{}", p.display());
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
        assert_eq!(bound_text(TEXT), "1 MiB");
        assert_eq!(bound_text(100), "100 bytes");
    }

    #[test]
    fn replace_refuses_links_and_non_files_and_leaves_their_targets_alone() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("r.json");
        replace(&p, b"one", 0o644).unwrap();
        replace(&p, b"two", 0o644).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let target = d.path().join("elsewhere");
        std::fs::write(&target, "keep").unwrap();
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = replace(&link, b"x", 0o644).unwrap_err();
        assert!(e.to_string().contains("a symbolic link"), "{e}");
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        let fifo = d.path().join("fifo");
        mkfifo(&fifo);
        assert!(replace(&fifo, b"x", 0o644).unwrap_err().to_string().contains("a FIFO"));
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(d.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 4, "{names:?}");
    }

    #[test]
    fn write_into_a_fifo_without_a_reader_fails_at_once() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("fifo");
        mkfifo(&fifo);
        let e = write_into(&fifo, b"{}", Duration::from_secs(1)).unwrap_err();
        assert_eq!(e.to_string(), "it is a FIFO with no reader");
        write_into(Path::new("/dev/null"), b"{}", Duration::from_secs(1)).unwrap();
        let f = d.path().join("f");
        std::fs::write(&f, "").unwrap();
        assert!(write_into(&f, b"{}", Duration::from_secs(1)).unwrap_err().to_string().contains("a regular file"));
    }

    #[test]
    fn write_into_a_fifo_whose_reader_stops_reading_gives_up() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("fifo");
        mkfifo(&fifo);
        // A reader that never reads (opened without blocking: no writer yet).
        let _reader = {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(&fifo).unwrap()
        };
        let big = vec![b'x'; 1 << 20];
        let started = Instant::now();
        let e = write_into(&fifo, &big, Duration::from_millis(300)).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut, "{e}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
