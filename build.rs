//! Build script of the `tuf_native` PHP extension (the cdylib).
//!
//! ext-php-rs's own build script finds PHP (the `PHP` and `PHP_CONFIG`
//! environment variables, else `php` and `php-config` on PATH) and
//! generates the bindings; this one only adds what the final shared object
//! needs.

fn main() {
    // The PHP the extension is built for; config.m4 passes both as
    // absolute paths. A change means a different ABI: rebuild.
    println!("cargo:rerun-if-env-changed=PHP");
    println!("cargo:rerun-if-env-changed=PHP_CONFIG");
    println!("cargo:rerun-if-changed=build.rs");

    // PHP's symbols are resolved when the extension is loaded into the
    // php binary. ELF linkers allow undefined symbols in shared objects by
    // default; Apple's ld must be told.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("macos") {
        println!("cargo:rustc-cdylib-link-arg=-undefined");
        println!("cargo:rustc-cdylib-link-arg=dynamic_lookup");
    }
}
