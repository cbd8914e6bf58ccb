//! Arbitrary text as a pipeline config: errors, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = cim_config::parse(text, std::path::Path::new("fuzz.toml"));
});
