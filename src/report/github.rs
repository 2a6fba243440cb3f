//! GitHub Actions: workflow commands on stderr and the markdown step summary.
//!
//! Workflow commands go to stderr (the runner reads both streams), so a
//! captured stdout stays clean. While the child runs, command processing is
//! switched off with `::stop-commands::<random>` so nothing the child prints
//! (`::error::`, `::add-mask::`, `%0A` tricks) can be mistaken for hfwrap's own
//! lines; hfwrap resumes it only between attempts, when every tee thread is
//! done, so there is no window for a forged line. Every secret is masked with
//! `::add-mask::` before anything could print it.

use super::json::{Outcome, Report};
use super::{Event, Reporter, Terminal};
use crate::redact::Redactor;
use std::io::Write;

/// Escape the message part of a workflow command.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escape a property value (`title=…`) of a workflow command.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One workflow command on stderr, with every known secret scrubbed.
fn emit(line: &str, redactor: &Redactor) {
    emit_raw(&redactor.scrub(line));
}

fn emit_raw(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// 16 bytes from the OS's CSPRNG, as hex: a child cannot guess it to resume command processing itself.
fn random_token() -> String {
    let mut random = [0u8; 16];
    if getrandom::fill(&mut random).is_err() {
        // No OS randomness at all: at least mix in what differs between runs.
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        random[..8].copy_from_slice(&(t as u64).to_le_bytes());
        random[8..12].copy_from_slice(&std::process::id().to_le_bytes());
    }
    random.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether hfwrap's stdout is a pipe: what GitHub's runner reads a step's output through. A
/// regular file (`> out.txt`) or a terminal is not the runner's log.
fn stdout_is_pipe() -> bool {
    is_pipe(std::io::stdout())
}

#[cfg(unix)]
fn is_pipe(fd: impl std::os::fd::AsFd) -> bool {
    rustix::fs::fstat(fd).is_ok_and(|st| rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::Fifo)
}

#[cfg(windows)]
fn is_pipe(h: impl std::os::windows::io::AsHandle) -> bool {
    use std::os::windows::io::AsRawHandle;
    use windows_sys::Win32::Storage::FileSystem::{GetFileType, FILE_TYPE_PIPE};
    // SAFETY: GetFileType only inspects a handle that `h` keeps open.
    unsafe { GetFileType(h.as_handle().as_raw_handle()) == FILE_TYPE_PIPE }
}

/// Wait, without a time bound, until nothing written to `fd` is left unread in its pipe; at once
/// when `fd` is not a pipe (a file or a terminal has no reader to wait for). The Actions runner
/// reads hfwrap's stdout and stderr on two threads: commands resumed on stderr while the child's
/// last stdout lines still sit in the pipe could be processed before them, and a forged
/// `::error::` would count. A bound (it was 500 ms) let a slow reader be overtaken.
#[cfg(unix)]
fn pipe_drained(fd: impl std::os::fd::AsFd) {
    let fd = fd.as_fd();
    if !is_pipe(fd) {
        return;
    }
    let mut nap = std::time::Duration::from_micros(100);
    let reader_gone = || {
        use rustix::event::{poll, PollFd, PollFlags, Timespec};
        let mut fds = [PollFd::new(&fd, PollFlags::OUT)];
        let _ = poll(&mut fds, Some(&Timespec { tv_sec: 0, tv_nsec: 0 }));
        fds[0].revents().intersects(PollFlags::ERR | PollFlags::HUP)
    };
    // Bytes left in a pipe whose reader went away will never be read: nothing to wait for.
    while rustix::io::ioctl_fionread(fd).is_ok_and(|unread| unread > 0) && !reader_gone() {
        std::thread::sleep(nap);
        nap = (nap * 2).min(std::time::Duration::from_millis(10));
    }
}

/// Windows cannot count what is unread in a pipe from its writing end.
#[cfg(windows)]
fn pipe_drained(_fd: impl std::os::windows::io::AsHandle) {}

/// A section title on one line: no control character may end the marker early.
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// The GitHub Actions sink: masks, groups, stop-commands, the annotation and the step summary.
pub struct GitHub {
    /// The token of the attempt under way: a fresh one per attempt, so a line a child learnt in
    /// one attempt (it is printed in the log) is no key to the next.
    stop_token: String,
    commands_stopped: bool,
    /// A reader of an attempt never closed: something may still print through it, so command
    /// processing stays off for the rest of the run (hfwrap's annotation is then not processed
    /// as one: safer than a forged one).
    tainted: bool,
    masked: Vec<String>,
    /// For errors of its own (an unwritable step summary).
    terminal: Terminal,
}

impl GitHub {
    pub fn new(terminal: Terminal) -> GitHub {
        GitHub { stop_token: String::new(), commands_stopped: false, tainted: false, masked: Vec::new(), terminal }
    }

    fn attempt_started(&mut self, number: u32, total: u32, command: &[String], r: &Redactor) {
        if number > 1 {
            let title = format!("hfwrap attempt {number}/{total}: {}", command.join(" "));
            emit(&format!("::group::{}", escape_data(&title)), r);
        }
        if !self.commands_stopped {
            self.stop_token = format!("hfwrap-{}", random_token());
            emit(&format!("::stop-commands::{}", self.stop_token), r);
            self.commands_stopped = true;
        }
    }

    /// The runner reads stdout and stderr separately and holds an unterminated stdout line
    /// until more comes or the stream ends — after the resume below: it would then be read as a
    /// command (`printf '::error::forged'`). So that line is ended first, when stdout is the
    /// runner's pipe (a file the user redirected to gets no byte hfwrap did not read).
    ///
    /// Commands resume only once every reader of the attempt has closed its stream (nothing the
    /// attempt started can print any more) and the runner has read all of stdout, however long
    /// that takes.
    fn attempt_ended(&mut self, number: u32, stdout_ends_mid_line: bool, streams_closed: bool, r: &Redactor) {
        let to_runner = stdout_is_pipe();
        if stdout_ends_mid_line && self.commands_stopped && to_runner {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(b"\n").and_then(|_| out.flush());
        }
        if !streams_closed {
            self.tainted = true;
        }
        pipe_drained(std::io::stdout());
        self.resume(r);
        if number > 1 {
            emit("::endgroup::", r);
        }
    }

    fn resume(&mut self, r: &Redactor) {
        if self.commands_stopped && !self.tainted {
            // The runner only honours the token on a line of its own. The child's last line may
            // have had no newline (`printf '::error::x'`): the resume line would be glued to it,
            // ignored, and every later command of hfwrap's (its annotation) swallowed. So it starts
            // with a newline of its own: at worst an empty line in the log.
            emit(&format!("\n::{}::", self.stop_token), r);
            self.commands_stopped = false;
        }
    }

    /// The run is over: the diagnosis as an annotation and the step summary.
    fn finished(&mut self, report: &Report, r: &Redactor) {
        self.resume(r);
        let recovered = report.outcome == Outcome::Success && report.attempts.len() > 1;
        match report.outcome {
            Outcome::Failed => {
                let cause = report.cause.map(|c| c.summary()).unwrap_or("failed");
                let title = format!("hfwrap: {cause}");
                let msg = report.fix_and_reason().unwrap_or_default();
                emit(&format!("::error title={}::{}", escape_property(&title), escape_data(&msg)), r);
            }
            Outcome::Success if recovered => {
                let causes: Vec<String> =
                    report.attempts.iter().filter_map(|a| a.cause.map(|c| c.to_string())).collect();
                let msg = format!("recovered after {} attempts ({})", report.attempts.len(), causes.join(", "));
                emit(&format!("::warning title={}::{}", escape_property("hfwrap: recovered"), escape_data(&msg)), r);
            }
            _ => {}
        }
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            let text = r.scrub(&step_summary(report));
            let mut options = std::fs::OpenOptions::new();
            options.create(true).append(true);
            // A FIFO there with no reader is an error (ENXIO), not a hang.
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
            let written = options.open(&path).and_then(|mut f| f.write_all(text.as_bytes()));
            if let Err(e) = written {
                let path = std::path::Path::new(&path).display().to_string();
                self.terminal.error(&format!("cannot append the step summary to {path}: {e}"), r);
            }
        }
    }
}

impl Reporter for GitHub {
    fn event(&mut self, event: &Event, r: &Redactor) {
        match event {
            Event::Secrets(secrets) => {
                for s in secrets.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
                    if !self.masked.iter().any(|m| m == s) {
                        // The one line that must carry the secret itself.
                        emit_raw(&format!("::add-mask::{}", escape_data(s)));
                        self.masked.push(s.to_string());
                    }
                }
            }
            Event::AttemptStarted { number, total, command } => self.attempt_started(*number, *total, command, r),
            Event::AttemptEnded { number, stdout_ends_mid_line, streams_closed } => {
                self.attempt_ended(*number, *stdout_ends_mid_line, *streams_closed, r)
            }
            Event::Finished { report, .. } => self.finished(report, r),
            _ => {}
        }
    }
}

/// Markdown inline code holding `text` verbatim, whatever backticks it contains.
fn code_span(text: &str) -> String {
    let text = one_line(text);
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// The text of `s` outside its Markdown code spans (CommonMark: a run of N backticks opens one,
/// the next run of exactly N closes it); `None` when a span is left open. The reading
/// [`code_span`] is written for: tests check with it that child text lands inside spans only.
#[doc(hidden)]
pub fn outside_code_spans(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let run = |at: usize| b[at..].iter().take_while(|c| **c == b'`').count();
    let (mut out, mut i, mut from) = (String::new(), 0, 0);
    while i < b.len() {
        if b[i] != b'`' {
            i += 1;
            continue;
        }
        out.push_str(&s[from..i]);
        let n = run(i);
        let mut j = i + n;
        loop {
            if j >= b.len() {
                return None;
            }
            if b[j] == b'`' {
                let m = run(j);
                j += m;
                if m == n {
                    break;
                }
            } else {
                j += 1;
            }
        }
        i = j;
        from = j;
    }
    out.push_str(&s[from..]);
    Some(out)
}

/// Markdown for `$GITHUB_STEP_SUMMARY`: the command, one row per attempt, the fix.
///
/// Everything that holds text from the child (the command, each attempt's action, the fix with
/// its fields from the output) is a code span, where markdown renders nothing: no link, image,
/// HTML or autolink a child's output could plant in the summary (issue 10, item 10).
pub fn step_summary(r: &Report) -> String {
    let cell = |s: &str| code_span(s).replace('|', "\\|");
    let outcome = match r.outcome {
        Outcome::Success if r.attempts.len() > 1 => "recovered",
        Outcome::Success => "succeeded",
        Outcome::Failed => "failed",
        Outcome::Interrupted => "interrupted",
    };
    let mut s = format!("### hfwrap: {outcome} (exit code {})\n\n{}\n\n", r.exit_code, code_span(&r.command.join(" ")));
    s.push_str("| attempt | cause | action | duration | exit code |\n|---|---|---|---|---|\n");
    for a in &r.attempts {
        s.push_str(&format!(
            "| {} | {} | {} | {:.1}s | {} |\n",
            a.number,
            a.cause.map(|c| c.to_string()).unwrap_or_else(|| "—".into()),
            a.action.as_deref().map(cell).unwrap_or_else(|| "—".into()),
            a.duration_ms as f64 / 1000.0,
            a.exit_code
        ));
    }
    if let Some(fix) = r.fix_and_reason() {
        s.push_str(&format!("\n**Fix:** {}\n", code_span(&fix)));
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_neutralises_newlines_and_percent() {
        assert_eq!(escape_data("a%0Ab\r\nc"), "a%250Ab%0D%0Ac");
        assert_eq!(escape_property("x: y, z"), "x%3A y%2C z");
    }

    #[test]
    fn summary_has_a_row_per_attempt() {
        let mut r = Report::new(vec!["hf".into(), "download".into(), "a|b".into()]);
        r.attempts.push(super::super::json::Attempt {
            number: 1,
            command: vec![],
            started_at: String::new(),
            duration_ms: 1500,
            exit_code: 1,
            cause: Some(crate::detect::catalogue::Cause::RateLimited),
            rule: None,
            action: Some("waited 3s".into()),
            env_changes: vec![],
            unmatched_bytes: 0,
        });
        let s = step_summary(&r);
        assert!(s.contains("| 1 | rate_limited | `waited 3s` | 1.5s | 1 |"), "{s}");
        assert!(s.contains("\n`hf download a|b`\n"), "the command, verbatim, as code: {s}");
    }

    #[test]
    fn child_text_in_the_summary_renders_as_nothing_but_text() {
        let mut r = Report::new(vec!["python".into(), "x.py".into()]);
        r.outcome = Outcome::Failed;
        let planted = "[click](https://evil.example) ![i](https://evil.example/p.png) <img src=x> **b** ` x|y\n## H";
        r.fix = Some(format!("The disk holding {planted} is full."));
        r.attempts.push(super::super::json::Attempt {
            number: 1,
            command: vec![],
            started_at: String::new(),
            duration_ms: 10,
            exit_code: 1,
            cause: None,
            rule: None,
            action: Some(format!("re-running as `{planted}`")),
            env_changes: vec![],
            unmatched_bytes: 0,
        });
        let s = step_summary(&r);
        let outside = outside_code_spans(&s).unwrap_or_else(|| panic!("unclosed code span in {s}"));
        for markup in ["](", "<img", "**b**", "![", "## H"] {
            assert!(!outside.contains(markup), "{markup:?} outside a code span:\n{s}");
        }
    }

    #[test]
    fn code_spans_survive_backticks_and_line_breaks() {
        assert_eq!(code_span("python -c 'x`y'"), "``python -c 'x`y'``");
        assert_eq!(code_span("`a`"), "`` `a` ``");
        assert_eq!(code_span("a\nb"), "`a b`");
    }

    #[cfg(unix)]
    #[test]
    fn a_pipe_counts_as_drained_only_when_its_reader_took_everything() {
        use std::io::Read;
        let (r, w) = rustix::pipe::pipe().unwrap();
        let (mut r, mut w) = (std::fs::File::from(r), std::fs::File::from(w));
        pipe_drained(&w);
        w.write_all(b"::error::late\n").unwrap();
        let began = std::time::Instant::now();
        let reader = std::thread::spawn(move || {
            // A reader slower than the old 500 ms bound.
            std::thread::sleep(std::time::Duration::from_millis(700));
            let mut buf = [0u8; 64];
            let n = r.read(&mut buf).unwrap();
            (n, r)
        });
        pipe_drained(&w);
        assert!(began.elapsed() >= std::time::Duration::from_millis(700), "drained before the reader took the bytes");
        let (n, r) = reader.join().unwrap();
        assert_eq!(n, 14);
        // A reader that went away leaving bytes unread: nothing will read them, no wait.
        w.write_all(b"left behind\n").unwrap();
        drop(r);
        pipe_drained(&w);
        let f = tempfile::tempfile().unwrap();
        pipe_drained(&f);
        assert!(!is_pipe(&f), "a file is not the runner's log");
        assert!(is_pipe(&w));
    }
}
