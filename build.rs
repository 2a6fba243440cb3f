//! Start-up time (issue 11): hfwrap is a 7 MB position-independent executable with about 15,000
//! relative relocations. Packed as DT_RELR (`-z pack-relative-relocs`) the loader reads a few KiB
//! of them instead of 360 KiB: 0.14 M instead of 1.06 M cycles of relocation
//! (`LD_DEBUG=statistics hfwrap --version`).
//!
//! Only where the glibc the binary is linked against (and will run on: `cargo install` builds on
//! the machine it installs to) runs DT_RELR, which it says by defining the `GLIBC_ABI_DT_RELR`
//! version (glibc >= 2.36). Elsewhere (older glibc, musl, macOS, Windows, a cross build) nothing
//! changes. A GNU ld older than 2.38 warns about the flag and ignores it.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = |k: &str| std::env::var(k).unwrap_or_default();
    let native = target("HOST") == target("TARGET");
    if target("CARGO_CFG_TARGET_OS") != "linux" || target("CARGO_CFG_TARGET_ENV") != "gnu" || !native {
        return;
    }
    if libc_runs_relr() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// Whether the C compiler's libc.so.6 defines `GLIBC_ABI_DT_RELR`.
fn libc_runs_relr() -> bool {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let Ok(out) = Command::new(cc).arg("-print-file-name=libc.so.6").output() else { return false };
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    // Without a path of its own the compiler echoes the bare name: not found.
    if !out.status.success() || !path.starts_with('/') {
        return false;
    }
    let Ok(bytes) = std::fs::read(&path) else { return false };
    bytes.windows(b"GLIBC_ABI_DT_RELR".len()).any(|w| w == b"GLIBC_ABI_DT_RELR")
}
