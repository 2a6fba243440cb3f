//! A real terminal for hfwrap: an interactive `bash` (job control, `fg`) on a pseudo-terminal
//! that the test holds the master of, so it can type at hfwrap as a person does (keys, Ctrl-C,
//! Ctrl-Z), resize the window, and read the screen. What hfwrap does to the terminal (raw mode,
//! echo, the foreground job) is then what a user would see. Linux only (like the rest of the harness).

use super::live::Capture;
use super::{hfwrap_bin, Env, DEADLINE};
use rustix::fd::OwnedFd;
use rustix::termios::Winsize;
use std::fs::File;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::time::Instant;

pub struct Term {
    master: File,
    shell: Child,
    screen: Arc<Capture>,
    /// Where the screen was when the current command was typed: waits look only after it.
    mark: usize,
}

const PROMPT: &str = "PROMPT$ ";

impl Term {
    /// `bash -i` on a fresh 80x24 pty, in `env`'s temp dir and environment, with `$HFW` = hfwrap.
    pub fn start(env: &Env) -> Term {
        use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
        rustix::io::fcntl_setfd(&master, rustix::io::FdFlags::CLOEXEC).unwrap();
        grantpt(&master).unwrap();
        unlockpt(&master).unwrap();
        let name = ptsname(&master, Vec::new()).unwrap();
        let slave: OwnedFd = rustix::fs::open(
            name.as_c_str(),
            rustix::fs::OFlags::RDWR | rustix::fs::OFlags::NOCTTY | rustix::fs::OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
        )
        .unwrap();
        rustix::termios::tcsetwinsize(&master, Winsize { ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0 }).unwrap();
        let inputrc = env.write("inputrc", "set enable-bracketed-paste off\n");
        let mut cmd = env.command("bash");
        cmd.args(["--norc", "--noprofile", "-i"])
            .env("PS1", PROMPT)
            .env("TERM", "dumb")
            .env("INPUTRC", inputrc)
            .env("HFW", hfwrap_bin())
            .env("HFWRAP_HEARTBEAT", "0");
        let dup = |fd: &OwnedFd| Stdio::from(fd.try_clone().unwrap());
        cmd.stdin(dup(&slave)).stdout(dup(&slave)).stderr(dup(&slave));
        // SAFETY: only raw system calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                rustix::process::setsid()?;
                rustix::process::ioctl_tiocsctty(rustix::stdio::stdin())?;
                Ok(())
            });
        }
        let shell = cmd.spawn().expect("bash");
        drop(slave);
        let master = File::from(master);
        let screen = Capture::start(master.try_clone().unwrap());
        Term { master, shell, screen, mark: 0 }
    }

    /// Type `line` and Enter; later waits look at what the screen shows after the shell's echo of
    /// it (one line ending in the line's last characters, however the shell draws the rest: a long
    /// one scrolls sideways).
    pub fn run(&mut self, line: &str) {
        // Typed ahead of the prompt, the line would be echoed by the terminal itself first.
        self.wait_for(PROMPT);
        let before = self.screen.bytes().len();
        self.keys(format!("{line}\r").as_bytes());
        let tail: Vec<u8> = line.as_bytes()[line.len().saturating_sub(12)..].iter().chain(b"\r\n").copied().collect();
        let find =
            move |b: &[u8]| b.get(before..).and_then(|s| s.windows(tail.len()).position(|w| w == tail.as_slice()));
        self.wait_until(|b| find(b).is_some(), &format!("the echo of {line:?}"));
        let end = find(&self.screen.bytes()).unwrap_or(0);
        self.mark = before + end + line.len().min(12) + 2;
    }

    /// Raw keystrokes (`b"\x03"` is Ctrl-C, `b"\x1a"` Ctrl-Z).
    pub fn keys(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).unwrap();
    }

    /// Resize the window, as a terminal emulator does (the foreground job gets SIGWINCH).
    pub fn resize(&self, cols: u16, rows: u16) {
        rustix::termios::tcsetwinsize(&self.master, Winsize { ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0 })
            .unwrap();
    }

    /// The screen since the last command was typed.
    pub fn since(&self) -> String {
        let b = self.screen.bytes();
        String::from_utf8_lossy(&b[self.mark.min(b.len())..]).into_owned()
    }

    /// Wait until `pred` holds for the whole screen so far.
    fn wait_until(&self, pred: impl Fn(&[u8]) -> bool, what: &str) {
        let deadline = Instant::now() + DEADLINE;
        let ok = self.screen.wait_until(deadline, |b| pred(b).then_some(()));
        assert!(
            ok.is_some(),
            "never saw {what} on the terminal; screen:\n{}",
            String::from_utf8_lossy(&self.screen.bytes())
        );
    }

    /// Wait until the screen shows `needle` after the last command line; returns the screen since.
    pub fn wait_for(&self, needle: &str) -> String {
        let (mark, n) = (self.mark, needle.as_bytes().to_vec());
        self.wait_until(
            move |b| b.get(mark..).is_some_and(|b| b.windows(n.len()).any(|w| w == n.as_slice())),
            &format!("{needle:?}"),
        );
        self.since()
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        // The shell and its jobs: a hang-up, as when a terminal window is closed.
        let _ = rustix::process::kill_process_group(
            rustix::process::Pid::from_child(&self.shell),
            rustix::process::Signal::HUP,
        );
        let _ = self.shell.kill();
        let _ = self.shell.wait();
    }
}
