//! GitLab CI: each re-run in a collapsible section of the job log.

use super::{Event, Reporter};
use crate::redact::Redactor;
use std::io::Write;

/// A section title on one line: no control character may end the marker early.
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// The GitLab sink: attempts after the first open a collapsed section.
pub struct GitLab;

impl Reporter for GitLab {
    fn event(&mut self, event: &Event, r: &Redactor) {
        let line = match event {
            Event::AttemptStarted { number, total, command } if *number > 1 => {
                let title = format!("hfwrap attempt {number}/{total}: {}", command.join(" "));
                format!(
                    "\x1b[0Ksection_start:{}:hfwrap_attempt_{number}[collapsed=true]\r\x1b[0K{}",
                    unix_now(),
                    one_line(&title)
                )
            }
            Event::AttemptEnded { number, .. } if *number > 1 => {
                format!("\x1b[0Ksection_end:{}:hfwrap_attempt_{number}\r\x1b[0K", unix_now())
            }
            _ => return,
        };
        let _ = writeln!(std::io::stderr().lock(), "{}", r.scrub(&line));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_titles_stay_on_one_line() {
        assert_eq!(one_line("a\r\nb\x1bc"), "a  b c");
    }
}
