//! A pseudo-terminal for the child, so progress bars, colours and prompts survive when a person
//! watches. Used only when all of hfwrap's stdin, stdout and stderr are terminals (a pty merges the
//! two output streams, `path=$(hfwrap …)` must still capture a clean stdout, and a redirected stdin
//! must reach the child untouched rather than through a line discipline).

use rustix::fd::OwnedFd;
use rustix::fs::{Mode, OFlags};
use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
use rustix::termios::Winsize;
use std::io;

pub struct Pty {
    pub master: OwnedFd,
    pub slave: OwnedFd,
}

/// Open a pty of `size` (80x24 when hfwrap has no terminal to copy), both ends close-on-exec.
pub fn open(size: Option<Winsize>) -> io::Result<Pty> {
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY)?;
    cloexec(&master)?;
    grantpt(&master)?;
    unlockpt(&master)?;
    let name = ptsname(&master, Vec::new())?;
    let slave = rustix::fs::open(name.as_c_str(), OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC, Mode::empty())?;
    let size = size.unwrap_or(Winsize { ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0 });
    rustix::termios::tcsetwinsize(&master, size)?;
    Ok(Pty { master, slave })
}

fn cloexec(fd: &OwnedFd) -> io::Result<()> {
    rustix::io::fcntl_setfd(fd, rustix::io::FdFlags::CLOEXEC)?;
    Ok(())
}
