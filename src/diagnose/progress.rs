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
    /// Bytes done of a total, as any downloader prints them: `133.86 MiB/1.53 GiB`, `1.51G/1.54G`.
    byte_counter: Regex,
    /// An app's own line: `Download progress: 29%, still working`, `Downloading: 45%`.
    stated: Regex,
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
        byte_counter: Regex::new(
            r"(\d{1,6}(?:\.\d{1,3})?\s?[kKMGT]?i?B?)\s?/\s?(\d{1,6}(?:\.\d{1,3})?\s?[kKMGT]?i?B?)",
        )
        .expect("valid"),
        stated: Regex::new(r"(?i)(?:^|\s)download(?:ing)?(?: progress)?:?\s+(\d{1,3})%(?:[\s,.]|$)").expect("valid"),
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

/// Records read back from the end for a bar that an error followed.
const FAILED_WITHIN: usize = 15;

/// The last transfer bar of `tail`, when it had moved bytes (a byte counter above zero, below its
/// total) and a line reporting a failure follows it (or ends its own record) within a few
/// records: the transfer broke off mid-file with an error no signature names (an app's own
/// "Error while downloading.", a panic). For `explain` only, when nothing else matched.
pub fn failed_mid_transfer(tail: &str) -> Option<StoppedBar> {
    let s = shapes();
    let records: Vec<&str> = tail.split(['\n', '\r']).map(str::trim).filter(|r| !r.is_empty()).collect();
    let mut failed_after = false;
    for record in records.iter().rev().take(FAILED_WITHIN) {
        let sized = |v: &str| v.ends_with(['k', 'K', 'M', 'G', 'T', 'B']);
        let counter = s.byte_counter.captures_iter(record).find(|c| sized(c[1].trim()) && sized(c[2].trim()));
        if let Some(c) = counter {
            let (done, total) = (c[1].trim().to_string(), c[2].trim().to_string());
            let moved = done.trim_start_matches(['0', '.']).starts_with(|ch: char| ch.is_ascii_digit());
            let failed_here = s.failure.find(record).is_some_and(|f| f.start() > c.get(0).map_or(0, |m| m.end()));
            let percent = s.tqdm_percent.captures(record).and_then(|p| p[1].parse::<u32>().ok());
            let short = done != total && percent.map_or(true, |p| p < 100);
            return (moved && short && (failed_after || failed_here))
                .then(|| StoppedBar { percent, done_of: Some(format!("{done}/{total}")) });
        }
        failed_after |= s.failure.is_match(record);
    }
    None
}

/// `None`: not a bar. `Some(None)`: a bar, but not a stopped transfer's. `Some(Some(…))`: one.
fn read_bar(s: &Shapes, record: &str) -> Option<Option<StoppedBar>> {
    let (percent, done_of) = if let Some(c) = s.aria2.captures(record) {
        (c[3].parse().ok(), Some(format!("{}/{}", &c[1], &c[2])))
    } else if let Some(c) = s.git.captures(record) {
        (c[1].parse().ok(), Some(c[2].to_string()))
    } else if let Some(c) = s.stated.captures(record) {
        (c[1].parse().ok(), None)
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
        assert_eq!(
            percent("Download progress: 28%, still working\nDownload progress: 29%, still working\n"),
            Some(Some(29))
        );
    }

    #[test]
    fn a_bar_that_moved_bytes_then_an_error_is_a_transfer_that_broke_off() {
        let panic = "⠒  00:01:56 ▕█▋   ▏ 133.86 MiB/1.53 GiB  636.03 KiB/s  ETA 39m. The application panicked (crashed).\nMessage: \"Error while downloading.\"";
        assert_eq!(failed_mid_transfer(panic).and_then(|b| b.done_of), Some("133.86 MiB/1.53 GiB".into()));
        let tqdm = "model.safetensors:  29%|███▍ | 1.4G/4.9G [01:10<02:50, 20MB/s]\nTraceback (most recent call last):\n  File \"x.py\", line 3\nRuntimeError: Data";
        assert_eq!(failed_mid_transfer(tqdm).and_then(|b| b.percent), Some(29));
        // No byte moved, a finished file, no error, a file count rather than bytes: not this.
        assert_eq!(failed_mid_transfer("model.bin:   0%|  | 0.00/4.9G [00:00<?, ?B/s]\nError: boom"), None);
        assert_eq!(failed_mid_transfer("model.bin: 100%|██| 4.9G/4.9G [01:00<00:00, 80MB/s]\nError: boom"), None);
        assert_eq!(failed_mid_transfer("model.bin:  40%|██| 1.9G/4.9G [01:00<01:00, 80MB/s]\nstill going"), None);
        assert_eq!(failed_mid_transfer("Fetching 4 files:  25%|█ | 1/4 [00:01<00:03]\nTypeError: x"), None);
        assert_eq!(failed_mid_transfer(""), None);
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
        assert_eq!(percent("Download progress: 100%, done\n"), None);
        assert_eq!(percent("Download progress: 40%, error: connection reset\n"), None);
        assert_eq!(percent(""), None);
    }
}
