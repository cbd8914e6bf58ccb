use super::*;

fn opts() -> NormalizeOptions {
    NormalizeOptions::default()
}

#[test]
fn valid_addresses_display_and_key() {
    // raw, display, key
    let cases: &[(&str, &str, &str)] = &[
        (
            "  John.Smith@Example.co.uk ",
            "john.smith@example.co.uk",
            "john.smith@example.co.uk",
        ),
        (
            "John.Smith+news@gmail.com",
            "john.smith+news@gmail.com",
            "johnsmith@gmail.com",
        ),
        (
            "j.o.h.n@googlemail.com",
            "j.o.h.n@googlemail.com",
            "john@gmail.com",
        ),
        (
            "wei.zhang+shop@outlook.com",
            "wei.zhang+shop@outlook.com",
            "wei.zhang@outlook.com",
        ),
        (
            "wei.zhang+shop@icloud.com",
            "wei.zhang+shop@icloud.com",
            "wei.zhang@icloud.com",
        ),
        (
            "wei.zhang+shop@company.cn",
            "wei.zhang+shop@company.cn",
            "wei.zhang+shop@company.cn",
        ),
        ("mailto:Anna@Firma.DE", "anna@firma.de", "anna@firma.de"),
        (
            "Zhang Wei <zhangwei@163.com>",
            "zhangwei@163.com",
            "zhangwei@163.com",
        ),
        (
            "ｚｈａｎｇｗｅｉ＠ｑｑ．ｃｏｍ",
            "zhangwei@qq.com",
            "zhangwei@qq.com",
        ),
        ("josé@correo.es", "josé@correo.es", "josé@correo.es"),
        (
            "o'neil@example.ie",
            "o'neil@example.ie",
            "o'neil@example.ie",
        ),
    ];
    for (raw, display, key) in cases {
        let e = email(raw, &opts());
        assert_eq!(e.status, FieldStatus::Valid, "{raw}");
        assert_eq!(e.display.as_deref(), Some(*display), "display of {raw}");
        assert_eq!(e.key.as_deref(), Some(*key), "key of {raw}");
        assert_eq!(
            e.local_key.as_deref(),
            key.split('@').next(),
            "local of {raw}"
        );
    }
}

#[test]
fn domain_typos_are_corrected() {
    let cases: &[(&str, &str, &str)] = &[
        ("bob@gmial.com", "bob@gmail.com", "bob@gmail.com"),
        ("b.ob@gamil.com", "b.ob@gmail.com", "bob@gmail.com"),
        ("ann@hotmial.com", "ann@hotmail.com", "ann@hotmail.com"),
        ("ann@yaho.com", "ann@yahoo.com", "ann@yahoo.com"),
        ("wei@163.con", "wei@163.com", "wei@163.com"),
        ("wei@qq.con", "wei@qq.com", "wei@qq.com"),
        ("wei@qq.cm", "wei@qq.com", "wei@qq.com"),
        ("sales@acme.con", "sales@acme.com", "sales@acme.com"),
        ("x.y@gmail.con", "x.y@gmail.com", "xy@gmail.com"),
    ];
    for (raw, display, key) in cases {
        let e = email(raw, &opts());
        assert_eq!(e.display.as_deref(), Some(*display), "{raw}");
        assert_eq!(e.key.as_deref(), Some(*key), "{raw}");
        assert_eq!(e.status, FieldStatus::Valid);
    }
    let off = NormalizeOptions {
        fix_email_typos: false,
        email_provider_rules: false,
        ..NormalizeOptions::default()
    };
    let e = email("B.ob+x@gmial.com", &off);
    assert_eq!(e.display.as_deref(), Some("b.ob+x@gmial.com"));
    assert_eq!(e.key.as_deref(), Some("b.ob+x@gmial.com"));
    let e = email("B.ob+x@gmail.com", &off);
    assert_eq!(e.key.as_deref(), Some("b.ob+x@gmail.com"));
}

#[test]
fn invalid_and_missing_addresses() {
    let cases: &[(&str, FieldStatus, Option<&str>)] = &[
        ("", FieldStatus::Missing, None),
        ("N/A", FieldStatus::Missing, None),
        ("none", FieldStatus::Missing, None),
        ("-", FieldStatus::Missing, None),
        ("john.smith", FieldStatus::Invalid, Some(reason::SYNTAX)),
        ("john@", FieldStatus::Invalid, Some(reason::SYNTAX)),
        ("@gmail.com", FieldStatus::Invalid, Some(reason::SYNTAX)),
        ("john@gmail", FieldStatus::Invalid, Some(reason::SYNTAX)),
        (
            "john..smith@gmail.com",
            FieldStatus::Invalid,
            Some(reason::SYNTAX),
        ),
        (
            "john smith@gmail.com",
            FieldStatus::Invalid,
            Some(reason::SYNTAX),
        ),
        (
            "john@@gmail.com",
            FieldStatus::Invalid,
            Some(reason::SYNTAX),
        ),
        ("john@gmail.c0m", FieldStatus::Invalid, Some(reason::SYNTAX)),
        (
            "test@test.com",
            FieldStatus::Invalid,
            Some(reason::PLACEHOLDER),
        ),
        (
            "noemail@acme.com",
            FieldStatus::Invalid,
            Some(reason::PLACEHOLDER),
        ),
        (
            "a@example.com",
            FieldStatus::Invalid,
            Some(reason::PLACEHOLDER),
        ),
        (
            "xxx@xxx.com",
            FieldStatus::Invalid,
            Some(reason::PLACEHOLDER),
        ),
        (
            "aaaa@gmail.com",
            FieldStatus::Invalid,
            Some(reason::PLACEHOLDER),
        ),
        (
            "no-reply@shop.cn",
            FieldStatus::Invalid,
            Some(reason::PLACEHOLDER),
        ),
    ];
    for (raw, status, issue) in cases {
        let e = email(raw, &opts());
        assert_eq!(e.status, *status, "{raw:?}");
        assert_eq!(e.issue, *issue, "{raw:?}");
        assert_eq!(e.key, None, "{raw:?} has no key");
        assert_eq!(
            e.display.is_none(),
            *status == FieldStatus::Missing,
            "{raw:?}"
        );
    }
}

#[test]
fn a_placeholder_inside_a_wrapper_is_missing() {
    // Found by the idempotence property: `<﹨>0` unwrapped to `\`, which a
    // second pass treats as a placeholder.
    for raw in ["<\u{fe68}>0", "Customer <n/a>", "<->"] {
        let n = email(raw, &opts());
        assert_eq!(n.display, None, "{raw:?}");
        assert_eq!(n.status, FieldStatus::Missing, "{raw:?}");
    }
    let kept = email("Wei <wei.zhang@outlook.com>", &opts());
    assert_eq!(kept.display.as_deref(), Some("wei.zhang@outlook.com"));
}

#[test]
fn an_empty_wrapper_is_not_unwrapped() {
    // Found by the idempotence property: "²<>0<" kept "2<>0" (its last `<`
    // comes after the `>`), and a second pass unwrapped the empty `<>`.
    for raw in ["\u{b2}<>0<", "2<>0"] {
        let n = email(raw, &opts());
        assert_eq!(n.display.as_deref(), Some("2<>0"), "{raw:?}");
        assert_eq!(n.status, FieldStatus::Invalid, "{raw:?}");
    }
    let last = email("old <a@b.org> new <wei@163.com>", &opts());
    assert_eq!(last.display.as_deref(), Some("wei@163.com"));
}
