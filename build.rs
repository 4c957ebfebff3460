//! Linker options for a smaller release binary (docs/benchmarks.md, "The build"): on
//! x86_64 Linux with glibc, where Rust links with its own lld unless told otherwise,
//! - `--icf=all` folds functions whose machine code is identical (generic code instantiated
//!   for types of the same layout): 1.5 MB less;
//! - `-z pack-relative-relocs` stores the position-independent binary's relocations packed
//!   (DT_RELR) instead of 24 bytes each: 3.9 MB less. The dynamic loader must know the
//!   packed form (glibc 2.36 or newer), so it is used only when the glibc this builds against
//!   is at least that new; the binary then records that it needs it.
//!
//! Nothing is added for other targets, for debug builds, or when a linker of one's own is
//! configured (GNU ld, for one, has no `--icf`).

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let release = var("PROFILE") == "release";
    let target = var("TARGET") == "x86_64-unknown-linux-gnu";
    let own_linker = !var("RUSTC_LINKER").is_empty()
        || var("CARGO_ENCODED_RUSTFLAGS").contains("link")
        || !var("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER").is_empty();
    if !release || !target || own_linker {
        return;
    }
    println!("cargo:rustc-link-arg-bins=-Wl,--icf=all");
    if glibc_at_least(2, 36) {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// Whether the C library is glibc of at least this version (`getconf GNU_LIBC_VERSION`
/// answers e.g. "glibc 2.36"); `false` when it cannot tell.
fn glibc_at_least(major: u32, minor: u32) -> bool {
    let Ok(output) = Command::new("getconf").arg("GNU_LIBC_VERSION").output() else {
        return false;
    };
    let text = String::from_utf8_lossy(&output.stdout);
    let Some(version) = text.trim().strip_prefix("glibc ") else {
        return false;
    };
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let found = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    found >= (major, minor)
}
