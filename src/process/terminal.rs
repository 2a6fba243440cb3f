//! hfwrap's own terminal (its stdin, when that is one) while a child runs: raw input while the
//! child owns a pty, the foreground handed to a child that must read the terminal, and the user's
//! settings put back on every way out.
//!
//! Issue 13: with the child on a pty, the outer terminal stayed in cooked mode with echo on, so a
//! token typed at `hfwrap hf auth login` was shown by the outer terminal while the child's own
//! prompt had echo off. Now the outer terminal is put in raw *input* mode for the attempt (no
//! echo, no line editing, no signal keys: Ctrl-C is a byte that the child's pty turns into
//! SIGINT for the child's foreground job). Output processing is left as it was, so hfwrap's own
//! lines stay lines. The saved settings are restored when the attempt ends, before hfwrap stops
//! itself for Ctrl-Z, and on drop (normal return, error, panic unwinding, a caught signal).
//!
//! Every call that changes the terminal first checks that hfwrap is in its foreground: a
//! background job that touched it would be stopped by SIGTTOU.

use rustix::fd::{AsFd, OwnedFd};
use rustix::process::{getpgrp, Pid};
use rustix::termios::{self, InputModes, LocalModes, OptionalActions, Termios, Winsize};
use std::sync::Mutex;

pub struct Tty {
    fd: OwnedFd,
    saved: Termios,
    raw: Mutex<bool>,
}

impl Tty {
    /// hfwrap's stdin, if it is a terminal.
    pub fn stdin() -> Option<Tty> {
        let stdin = rustix::stdio::stdin();
        if !termios::isatty(stdin) {
            return None;
        }
        let fd = rustix::io::fcntl_dupfd_cloexec(stdin, 3).ok()?;
        let saved = termios::tcgetattr(&fd).ok()?;
        Some(Tty { fd, saved, raw: Mutex::new(false) })
    }

    /// Whether hfwrap's process group is the terminal's foreground job.
    pub fn foreground(&self) -> bool {
        termios::tcgetpgrp(&self.fd).is_ok_and(|p| p == getpgrp())
    }

    pub fn size(&self) -> Option<Winsize> {
        termios::tcgetwinsize(&self.fd).ok().filter(|w| w.ws_col > 0)
    }

    /// Raw input (what a terminal emulator inside a terminal does), output left alone.
    pub fn enter_raw(&self) {
        let mut raw = self.raw.lock().unwrap_or_else(|e| e.into_inner());
        if *raw || !self.foreground() {
            return;
        }
        let mut t = self.saved.clone();
        t.input_modes -= InputModes::IGNBRK
            | InputModes::BRKINT
            | InputModes::PARMRK
            | InputModes::ISTRIP
            | InputModes::INLCR
            | InputModes::IGNCR
            | InputModes::ICRNL
            | InputModes::IXON;
        t.local_modes -=
            LocalModes::ECHO | LocalModes::ECHONL | LocalModes::ICANON | LocalModes::ISIG | LocalModes::IEXTEN;
        t.special_codes[termios::SpecialCodeIndex::VMIN] = 1;
        t.special_codes[termios::SpecialCodeIndex::VTIME] = 0;
        if termios::tcsetattr(&self.fd, OptionalActions::Now, &t).is_ok() {
            *raw = true;
        }
    }

    /// The user's own settings again.
    pub fn leave_raw(&self) {
        let mut raw = self.raw.lock().unwrap_or_else(|e| e.into_inner());
        if *raw {
            without_sigttou(|| {
                let _ = termios::tcsetattr(&self.fd, OptionalActions::Now, &self.saved);
            });
            *raw = false;
        }
    }

    /// Make `pgid` the terminal's foreground job (a child that must read it).
    pub fn give_to(&self, pgid: Pid) -> bool {
        self.foreground() && termios::tcsetpgrp(&self.fd, pgid).is_ok()
    }

    /// Take the foreground back from a child it was given to.
    pub fn take_back(&self) {
        without_sigttou(|| {
            let _ = termios::tcsetpgrp(&self.fd, getpgrp());
        });
    }

    pub fn fd(&self) -> impl AsFd + '_ {
        &self.fd
    }
}

impl Drop for Tty {
    fn drop(&mut self) {
        self.leave_raw();
    }
}

/// Run `f` with SIGTTOU blocked in this thread: a process outside the foreground may then still
/// set the terminal's foreground job and attributes (what shells do to take the terminal back).
fn without_sigttou(f: impl FnOnce()) {
    // SAFETY: plain signal-mask calls on this thread with sets we own (rustix does not expose
    // sigprocmask); the old mask is restored before returning.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTTOU);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old);
        f();
        libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
    }
}
