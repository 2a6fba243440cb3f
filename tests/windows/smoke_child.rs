//! A child program for the Windows smoke suite of `./scripts/test` (run under wine), where neither
//! python nor a POSIX shell is there to play the adversarial children of `tests/children/`.
//!
//! ```text
//! smoke_child bytes N SEED   N pseudo-random bytes (NUL, 0xff, \r, \n, ANSI) on stdout, N/3 on stderr
//! smoke_child exit CODE      a line on each stream, then exit CODE
//! smoke_child flaky COUNTER  a 503 from the Hub and exit 1 on the first run, success on the next
//! ```
use std::io::Write;

fn bytes(n: usize, seed: u64, out: &mut dyn Write) {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut left = n;
    while left > 0 {
        // Odd-sized writes, as a progress bar makes them.
        let chunk = (left).min(1 + (x % 7919) as usize);
        let mut buf = Vec::with_capacity(chunk);
        for _ in 0..chunk {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf.push(match x % 16 {
                0 => b'\r',
                1 => b'\n',
                2 => 0x1b,
                3 => 0,
                4 => 0xff,
                _ => b' ' + (x % 95) as u8,
            });
        }
        out.write_all(&buf).unwrap();
        left -= chunk;
    }
    out.flush().unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
    match arg(0).as_str() {
        "bytes" => {
            let n: usize = arg(1).parse().unwrap();
            let seed: u64 = arg(2).parse().unwrap();
            bytes(n, seed, &mut std::io::stdout().lock());
            bytes(n / 3, seed + 1, &mut std::io::stderr().lock());
        }
        "exit" => {
            let code: i32 = arg(1).parse().unwrap();
            println!("stdout before exit {code}");
            eprintln!("stderr before exit {code}");
            std::process::exit(code);
        }
        "flaky" => {
            let counter = arg(1);
            let runs = std::fs::read_to_string(&counter).map(|s| s.lines().count()).unwrap_or(0);
            std::fs::write(&counter, "run\n".repeat(runs + 1)).unwrap();
            if runs == 0 {
                eprintln!("HTTP Error 503 thrown while requesting GET https://huggingface.co/api/models/org/model");
                std::process::exit(1);
            }
            println!("downloaded on run {}", runs + 1);
        }
        other => {
            eprintln!("smoke_child: unknown mode {other:?}");
            std::process::exit(2);
        }
    }
}
