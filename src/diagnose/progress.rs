//! A saved log whose last word is a transfer's progress bar: the transfer stopped where the bar
//! did ("stuck at 98%", pasted with nothing after it).
//!
//! Only `explain` reads this: live, the watchdog measures a stall (no byte on the wire or the
//! disk) instead of guessing one from a bar, and knows when the user pressed Ctrl-C. A bar counts
//! only when it is a transfer's (sizes or a byte rate, `Downloading`, `Fetching N files`, git-lfs
//! or aria2c's summary), below 100%, and followed by at most a few short lines that report no
//! error: a log that goes on to fail says what failed.

use regex::Regex;
use std::sync::OnceLock;

/// Lines after the bar that may still follow a stopped transfer ("Froze forever", a prompt).
const TRAILING_LINES: usize = 3;
/// Longer than this, a trailing line is output of its own, not a remark.
const TRAILING_WIDTH: usize = 100;

/// Where the last bar stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoppedBar {
    /// The bar's percentage, when it shows one.
    pub percent: Option<u32>,
    /// `done/total` as the bar wrote it (`1.51G/1.54G`, `9/20`), when it shows one.
    pub done_of: Option<String>,
}

struct Shapes {
    /// tqdm: `98%|████▊ |` (the percentage right before the bar's border).
    tqdm_percent: Regex,
    /// tqdm's counter and clock: `1.51G/1.54G [10:55<02:43, 193kB/s]`.
    tqdm_counter: Regex,
    /// git / git-lfs: `Downloading LFS objects:  45% (9/20), 1.2 GB | 0 B/s`.
    git: Regex,
    /// aria2c's summary: `[#2089b8 1.2GiB/4.0GiB(30%) CN:16 DL:0B]`.
    aria2: Regex,
    /// A byte size or rate: what makes a bar a transfer's.
    bytes: Regex,
    /// Words a failure is reported in.
    failure: Regex,
}

fn shapes() -> &'static Shapes {
    static SHAPES: OnceLock<Shapes> = OnceLock::new();
    SHAPES.get_or_init(|| Shapes {
        tqdm_percent: Regex::new(r"(?:^|[\s:])(\d{1,3})%\|").expect("valid"),
        tqdm_counter: Regex::new(r"([\d.]+\s?[kKMGTP]?i?B?)/([\d.]+\s?[kKMGTP]?i?B?) \[[\d:]+<").expect("valid"),
        git: Regex::new(r"(?:^|\s)(\d{1,3})% \((\d+/\d+)\)").expect("valid"),
        aria2: Regex::new(r"\[#[0-9a-f]+ ([\d.]+[KMGT]?i?B)/([\d.]+[KMGT]?i?B)\((\d{1,3})%\)").expect("valid"),
        bytes: Regex::new(
            r"\d(?:\.\d+)?\s?(?:[kKMGTP]i?B|[kKMGTP]\b|B/s|[kKMGTP]i?B/s)|(?i:download|fetching \d+ files|lfs)",
        )
        .expect("valid"),
        failure: Regex::new(
            r"(?i)error|exception|traceback|fail|fatal|denied|refused|killed|abort|interrupt|timed? ?out",
        )
        .expect("valid"),
    })
}

/// The bar a log ends in, when it ends in a transfer's bar below 100% (see the module's doc).
pub fn ended_mid_transfer(tail: &str) -> Option<StoppedBar> {
    let s = shapes();
    let records = tail.split(['\n', '\r']).map(str::trim).filter(|r| !r.is_empty());
    // From the end: a few short remarks, then the bar.
    let mut after = 0;
    for record in records.rev().take(TRAILING_LINES + 1) {
        if let Some(bar) = read_bar(s, record) {
            return bar;
        }
        after += 1;
        if after > TRAILING_LINES || record.chars().count() > TRAILING_WIDTH || s.failure.is_match(record) {
            return None;
        }
    }
    None
}

/// `None`: not a bar. `Some(None)`: a bar, but not a stopped transfer's. `Some(Some(…))`: one.
fn read_bar(s: &Shapes, record: &str) -> Option<Option<StoppedBar>> {
    let (percent, done_of) = if let Some(c) = s.aria2.captures(record) {
        (c[3].parse().ok(), Some(format!("{}/{}", &c[1], &c[2])))
    } else if let Some(c) = s.git.captures(record) {
        (c[1].parse().ok(), Some(c[2].to_string()))
    } else {
        let percent = s.tqdm_percent.captures(record).and_then(|c| c[1].parse::<u32>().ok());
        let counter = s.tqdm_counter.captures(record).map(|c| (c[1].trim().to_string(), c[2].trim().to_string()));
        if percent.is_none() && counter.is_none() {
            return None;
        }
        if counter.as_ref().is_some_and(|(done, total)| done == total) {
            return Some(None);
        }
        (percent, counter.map(|(done, total)| format!("{done}/{total}")))
    };
    let stopped = percent.map_or(true, |p| p < 100) && s.bytes.is_match(record) && !s.failure.is_match(record);
    Some(stopped.then_some(StoppedBar { percent, done_of }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn percent(tail: &str) -> Option<Option<u32>> {
        ended_mid_transfer(tail).map(|b| b.percent)
    }

    #[test]
    fn a_transfer_bar_below_100_at_the_end_is_a_stop() {
        let tqdm = "Fetching 3 files:  33%|███▎      | 1/3 [00:01<00:02,  1.01s/it]\r\
                    model.safetensors:  98%|█████████▊| 1.51G/1.54G [10:55<02:43, 193kB/s]\n\nFroze forever\n";
        assert_eq!(
            ended_mid_transfer(tqdm),
            Some(StoppedBar { percent: Some(98), done_of: Some("1.51G/1.54G".into()) })
        );
        // The counter wrapped onto a line of its own (a narrow terminal).
        assert_eq!(percent(" 52%|███████▉\n               | 3.43G/6.62G [09:30<08:35, 6.64MB/s]\n"), Some(None));
        assert_eq!(percent("Downloading LFS objects:  45% (9/20), 1.2 GB | 0 B/s\n"), Some(Some(45)));
        assert_eq!(percent("[#2089b8 1.2GiB/4.0GiB(30%) CN:16 DL:0B]\n"), Some(Some(30)));
    }

    #[test]
    fn a_finished_bar_an_error_after_it_or_a_bar_that_is_no_transfer_is_not() {
        assert_eq!(percent("model.safetensors: 100%|██████████| 1.54G/1.54G [01:00<00:00, 25MB/s]\n"), None);
        assert_eq!(percent("model.safetensors:  98%|█████████▊| 1.54G/1.54G [01:00<00:00, 25MB/s]\n"), None);
        assert_eq!(
            percent("model.bin:  40%|████| 600M/1.5G [00:10<00:15, 60MB/s]\nOSError: [Errno 28] No space left\n"),
            None
        );
        assert_eq!(percent("model.bin:  40%|████| 600M/1.5G [00:10<00:15, 60MB/s]\na\nb\nc\nd\n"), None);
        assert_eq!(percent("Epoch 3:  40%|████      | 40/100 [00:10<00:15, 4.00it/s]\n"), None, "a training loop");
        assert_eq!(percent("all done, 3 files\n"), None);
        assert_eq!(percent(""), None);
    }
}
