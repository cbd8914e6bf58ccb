//! Every scalar normaliser on arbitrary UTF-8: no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|x: &str| {
    let o = cim_normalize::NormalizeOptions::default();
    let _ = cim_normalize::email(x, &o);
    let _ = cim_normalize::phone(x, None);
    let _ = cim_normalize::phone(x, Some("CN"));
    let _ = cim_normalize::person_name(Some(x), None, None, None, &o);
    let _ = cim_normalize::person_name(None, Some(x), None, Some(x), &o);
    let _ = cim_normalize::address(Some(x), Some(x), &o);
    let _ = cim_normalize::city(x, &o);
    let _ = cim_normalize::country(x);
    let _ = cim_normalize::postcode(x, Some("GB"));
    let _ = cim_normalize::company(x, &o);
    let _ = cim_normalize::gender(x);
    let _ = cim_normalize::national_id(x, Some("CN"));
    let _ = cim_normalize::source_key(x);
    let _ = cim_normalize::date(x, cim_normalize::DateOrder::default(), true, &o);
    let _ = cim_normalize::datetime(x, cim_normalize::DateOrder::default());
    let _ = cim_normalize::fold(x, true);
    let _ = cim_normalize::clean(x);
});
