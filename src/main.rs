//! Thin entry point: everything lives in the library so tests and benches call the same `run`.
fn main() {
    std::process::exit(hfwrap::run(std::env::args_os()));
}
