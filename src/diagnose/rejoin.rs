//! Messages that a terminal, a logger or a boxed panel wrapped onto several lines.
//!
//! A logger that indents its continuation lines (`ERROR    Exception: 404 …` then the URL 25
//! columns in), a paste from a narrow terminal, a `rich` panel (`│ … │` on every line): the
//! sentence the catalogue knows is cut in two, and neither half matches. When nothing matched, or
//! only a library's wrapper, the tail of the output is read once more with such lines joined back
//! (see [`rejoin`]); a diagnosis that says more wins. A log whose lines matched as they are is read
//! as it is.

use crate::detect::facts::is_code_listing;

/// The bytes of the output's end that are read again.
pub const TAIL: usize = 64 * 1024;

/// The whole lines among the last [`TAIL`] bytes of `text`: a line cut by the window is left out,
/// so what is read again does not depend on where the window began (or on a line longer than a
/// record, which the first reading cut at its cap).
pub fn last_lines(text: &str) -> &str {
    if text.len() <= TAIL {
        return text;
    }
    let from = text.len() - TAIL;
    match text.as_bytes()[from..].iter().position(|b| *b == b'\n') {
        Some(nl) => &text[from + nl + 1..],
        None => "",
    }
}

/// Box-drawing borders of panels and tables.
fn border(c: char) -> bool {
    matches!(c, '│' | '┃' | '║' | '╭' | '╮' | '╰' | '╯' | '─' | '━' | '═')
}

/// A traceback's frame or source listing (`File "…", line 3`, `-> 1174 raise …`, `   1175 elif …`,
/// `^^^^`, and whatever [`is_code_listing`] calls code, as `    raise X(…)`): never joined, so a
/// library's source quoted in a traceback stays code. `line` is `raw` without its indentation.
fn code(line: &str, raw: &str) -> bool {
    is_code_listing(raw)
        || line.starts_with("File ")
        || line.starts_with("->")
        || line.starts_with('^')
        || line.starts_with("Traceback")
        || line.split_whitespace().next().is_some_and(|w| w.bytes().all(|b| b.is_ascii_digit()))
}

/// `text` with every continuation line joined to the line it continues: a line that does not end
/// a sentence, followed by one that is indented, starts in lower case, or starts a URL or a quote.
pub fn rejoin(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut open = false;
    for raw in text.lines() {
        let line = raw.trim_matches(|c: char| c.is_whitespace() || border(c));
        if line.is_empty() {
            out.push('\n');
            open = false;
            continue;
        }
        let indented = raw.starts_with(|c: char| c.is_whitespace() || border(c));
        let is_code = code(line, raw);
        let continues = open
            && !is_code
            && (indented
                || line.starts_with(|c: char| c.is_lowercase())
                || line.starts_with("http")
                || line.starts_with(['\'', '"', '(']));
        if continues {
            out.push(' ');
        } else if !out.is_empty() {
            out.push('\n');
        }
        // Code stays as printed (its indentation is how a listing is told from a message).
        out.push_str(if is_code { raw } else { line });
        open = !is_code && !line.ends_with(['.', '!', '?', ')', ']', '}', '>']);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_lines_are_joined_and_whole_ones_kept() {
        // A traceback's source line keeps its indentation, so it still reads as code.
        let source = "  File \"/x/adapters.py\", line 713, in send\n    raise ReadTimeout(e, request=request)\nrequests.exceptions.ReadTimeout: x";
        assert_eq!(rejoin(source), "  File \"/x/adapters.py\", line 713, in send\n    raise ReadTimeout(e, request=request)\nrequests.exceptions.ReadTimeout: x");
        let logger = "ERROR    Exception: 404 Client Error.\n                         Entry Not Found for url:\n                         https://huggingface.co/a/b/resolve/main/c.json.";
        assert_eq!(
            rejoin(logger),
            "ERROR    Exception: 404 Client Error.\nEntry Not Found for url: https://huggingface.co/a/b/resolve/main/c.json."
        );
        let panel = "│ Cannot find an appropriate cached snapshot folder for the specified │\n│ revision on the local disk and outgoing traffic has been disabled.   │";
        assert!(rejoin(panel).contains("specified revision on the local disk"), "{}", rejoin(panel));
        assert_eq!(rejoin("one.\ntwo."), "one.\ntwo.");
        assert_eq!(rejoin("Error: a\nError: b"), "Error: a\nError: b", "a new line of its own");
        assert_eq!(rejoin(""), "");
        assert_eq!(rejoin("│\n│"), "\n\n");
        let listing = "-> 1174         raise ConnectionError(x)\n   1175     elif \"404\" in str(e):\n   1176         msg = f\"doesn't exist\"";
        assert_eq!(rejoin(listing), listing, "source listings stay as printed");
        let long = format!("{}\nlast line\n", "é".repeat(TAIL));
        assert_eq!(last_lines(&long), "last line\n", "a line cut by the window is left out");
        assert_eq!(last_lines("short\n"), "short\n");
    }
}
