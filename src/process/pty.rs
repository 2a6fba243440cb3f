//! A pseudo-terminal for the child, so progress bars and colours survive
//! when a person watches. Used only when both of hfwrap's stdout and stderr
//! are terminals (a pty merges the two streams, and `path=$(hfwrap …)` must
//! still capture a clean stdout).

use std::fs::File;
use std::io;
use std::os::fd::{FromRawFd, OwnedFd};

pub struct Pty {
    pub master: OwnedFd,
    pub slave: OwnedFd,
}

/// Open a pty sized like hfwrap's own terminal (80x24 when there is none).
pub fn open() -> io::Result<Pty> {
    let mut master: libc::c_int = -1;
    let mut slave: libc::c_int = -1;
    let size = window_size().unwrap_or(libc::winsize { ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0 });
    // SAFETY: out-pointers are valid; name and termios may be null.
    let rc = unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), &size) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: openpty returned two fresh descriptors we now own.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    for fd in [&master, &slave] {
        use std::os::fd::AsRawFd;
        // SAFETY: plain fcntl on an fd we own.
        unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    Ok(Pty { master, slave })
}

/// hfwrap's terminal size, from whichever standard stream is a terminal.
pub fn window_size() -> Option<libc::winsize> {
    for fd in [1, 2, 0] {
        let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
        // SAFETY: TIOCGWINSZ writes a winsize into a valid pointer.
        if unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut ws) } == 0 && ws.ws_col > 0 {
            return Some(ws);
        }
    }
    None
}

/// Copy hfwrap's terminal size to the pty (on SIGWINCH).
pub fn resize(master: &File) {
    use std::os::fd::AsRawFd;
    if let Some(ws) = window_size() {
        // SAFETY: TIOCSWINSZ reads a valid winsize.
        unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCSWINSZ, &ws) };
    }
}
