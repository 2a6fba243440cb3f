//! Thin entry point: everything lives in the library so tests and benches call the same `run`.
fn main() {
    std::process::exit(hfwrap::run(std::env::args_os()));
}

/// Before std's start-up code plugs a closed stdout with `/dev/null` (after which `hfwrap cmd >&-`
/// could not fail as `echo hi >&-` does), note which standard descriptors are closed. A
/// constructor, as the `ctor` crate makes one: ELF `.init_array`, Mach-O `__mod_init_func`.
#[cfg(any(target_os = "linux", target_vendor = "apple"))]
#[used]
#[cfg_attr(target_os = "linux", link_section = ".init_array")]
#[cfg_attr(target_vendor = "apple", link_section = "__DATA,__mod_init_func")]
static PROBE_STD_FDS: extern "C" fn() = {
    extern "C" fn probe() {
        hfwrap::process::probe_std_fds();
    }
    probe
};
