use super::*;

fn opts() -> NormalizeOptions {
    NormalizeOptions::default()
}

fn full(raw: &str) -> PersonNameNorm {
    person_name(Some(raw), None, None, None, &opts())
}

#[test]
fn split_full_names_in_many_forms() {
    // raw, display, given, middle, family
    type Case = (
        &'static str,
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
    );
    let cases: &[Case] = &[
        (
            "John Smith",
            "John Smith",
            Some("John"),
            None,
            Some("Smith"),
        ),
        (
            "  john   paul  smith ",
            "john paul smith",
            Some("john"),
            Some("paul"),
            Some("smith"),
        ),
        (
            "Mr. John Smith",
            "John Smith",
            Some("John"),
            None,
            Some("Smith"),
        ),
        (
            "Dr Jane A. Doe PhD",
            "Jane A. Doe PhD",
            Some("Jane"),
            Some("A."),
            Some("Doe"),
        ),
        (
            "Smith, John",
            "John Smith",
            Some("John"),
            None,
            Some("Smith"),
        ),
        (
            "SMITH, John Paul",
            "John Paul SMITH",
            Some("John"),
            Some("Paul"),
            Some("SMITH"),
        ),
        (
            "Smith Jr., John",
            "John Smith Jr.",
            Some("John"),
            None,
            Some("Smith"),
        ),
        (
            "John Smith, Jr.",
            "John Smith Jr.",
            Some("John"),
            None,
            Some("Smith"),
        ),
        (
            "Martin Luther King III",
            "Martin Luther King III",
            Some("Martin"),
            Some("Luther"),
            Some("King"),
        ),
        (
            "Ludwig van Beethoven",
            "Ludwig van Beethoven",
            Some("Ludwig"),
            None,
            Some("van Beethoven"),
        ),
        (
            "Maria de la Cruz",
            "Maria de la Cruz",
            Some("Maria"),
            None,
            Some("de la Cruz"),
        ),
        ("ZHANG Wei", "ZHANG Wei", Some("Wei"), None, Some("ZHANG")),
        (
            "Jean-Pierre DUPONT",
            "Jean-Pierre DUPONT",
            Some("Jean-Pierre"),
            None,
            Some("DUPONT"),
        ),
        ("Mrs Smith", "Smith", None, None, Some("Smith")),
        ("Madonna", "Madonna", Some("Madonna"), None, None),
        (
            "Ｚｈａｎｇ Ｗｅｉ",
            "Zhang Wei",
            Some("Zhang"),
            None,
            Some("Wei"),
        ),
        ("张伟", "张伟", Some("伟"), None, Some("张")),
        ("张 伟", "张伟", Some("伟"), None, Some("张")),
        ("王小明", "王小明", Some("小明"), None, Some("王")),
        ("欧阳娜娜", "欧阳娜娜", Some("娜娜"), None, Some("欧阳")),
        ("司马相如", "司马相如", Some("相如"), None, Some("司马")),
        ("诸葛亮", "诸葛亮", Some("亮"), None, Some("诸葛")),
        ("上官婉儿", "上官婉儿", Some("婉儿"), None, Some("上官")),
        ("东方", "东方", Some("方"), None, Some("东")),
        ("张伟先生", "张伟", Some("伟"), None, Some("张")),
        ("李女士", "李", None, None, Some("李")),
        ("陳大文", "陳大文", Some("大文"), None, Some("陳")),
        (
            "约翰·史密斯",
            "约翰·史密斯",
            Some("约翰"),
            None,
            Some("史密斯"),
        ),
        (
            "Wei Zhang 张伟",
            "Wei Zhang 张伟",
            Some("伟"),
            None,
            Some("张"),
        ),
    ];
    for (raw, display, given, middle, family) in cases {
        let p = split_full_name(raw);
        assert_eq!(p.display, *display, "display of {raw:?}");
        assert_eq!(p.given.as_deref(), *given, "given of {raw:?}");
        assert_eq!(p.middle.as_deref(), *middle, "middle of {raw:?}");
        assert_eq!(p.family.as_deref(), *family, "family of {raw:?}");
    }
}

#[test]
fn han_and_pinyin_spellings_share_the_full_name_key() {
    for raw in [
        "张伟",
        "Zhang Wei",
        "Wei Zhang",
        "ZHANG Wei",
        "zhang, wei",
        "张 伟",
        "Ｚｈａｎｇ　Ｗｅｉ",
        "Mr Zhang Wei",
    ] {
        let n = full(raw);
        assert_eq!(
            n.full_name.key.as_deref(),
            Some("wei zhang"),
            "full key of {raw:?}"
        );
    }
    let n = full("张伟");
    assert_eq!(n.given_name.key.as_deref(), Some("wei"));
    assert_eq!(n.family_name.key.as_deref(), Some("zhang"));
    assert_eq!(n.han_name.as_deref(), Some("张伟"));
    assert_eq!(n.given_initial.as_deref(), Some("w"));
    // Western spelling of the same person agrees on given/family keys when
    // the family name is marked by capitals.
    let n = full("ZHANG Wei");
    assert_eq!(n.given_name.key.as_deref(), Some("wei"));
    assert_eq!(n.family_name.key.as_deref(), Some("zhang"));
    assert_eq!(n.han_name, None);
}

#[test]
fn han_name_keys() {
    // raw, full key, given key, family key, han key
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        ("王小明", "wang xiaoming", "xiaoming", "wang", "王小明"),
        ("欧阳娜娜", "nana ouyang", "nana", "ouyang", "欧阳娜娜"),
        ("单田芳", "shan tianfang", "tianfang", "shan", "单田芳"),
        ("曾国藩", "guofan zeng", "guofan", "zeng", "曾国藩"),
        ("陳大文", "chen dawen", "dawen", "chen", "陳大文"),
        ("尉迟恭", "gong yuchi", "gong", "yuchi", "尉迟恭"),
        ("吕布", "bu lu", "bu", "lu", "吕布"),
    ];
    for (raw, fk, gk, famk, hk) in cases {
        let n = full(raw);
        assert_eq!(n.full_name.key.as_deref(), Some(*fk), "full key of {raw}");
        assert_eq!(n.given_name.key.as_deref(), Some(*gk), "given key of {raw}");
        assert_eq!(
            n.family_name.key.as_deref(),
            Some(*famk),
            "family key of {raw}"
        );
        assert_eq!(n.han_name.as_deref(), Some(*hk), "han key of {raw}");
    }
}

#[test]
fn nicknames_are_canonical_in_keys_only() {
    let cases: &[(&str, &str)] = &[
        ("Bob", "robert"),
        ("Liz", "elizabeth"),
        ("Bill", "william"),
        ("Peggy", "margaret"),
        ("Jim", "james"),
        ("Kate", "katherine"),
        ("Catherine", "katherine"),
        ("Tony", "anthony"),
        ("Robert", "robert"),
        ("Mohammed", "muhammad"),
    ];
    for (given, want) in cases {
        let n = person_name(None, Some(given), None, Some("Smith"), &opts());
        assert_eq!(n.given_name.key.as_deref(), Some(*want), "{given}");
        assert_eq!(
            n.given_name.display.as_deref(),
            Some(*given),
            "display kept"
        );
        let mut toks = [*want, "smith"];
        toks.sort_unstable();
        assert_eq!(n.full_name.key, Some(toks.join(" ")));
    }
    let no_nick = NormalizeOptions {
        nicknames: false,
        ..NormalizeOptions::default()
    };
    let n = person_name(None, Some("Bob"), None, Some("Smith"), &no_nick);
    assert_eq!(n.given_name.key.as_deref(), Some("bob"));
    assert_eq!(canonical_given("peggy"), "margaret");
    assert_eq!(canonical_given("zyx"), "zyx");
}

#[test]
fn accents_stripped_in_keys_but_kept_in_display() {
    let n = person_name(Some("José Müller-Lüdenscheidt"), None, None, None, &opts());
    assert_eq!(
        n.full_name.display.as_deref(),
        Some("José Müller-Lüdenscheidt")
    );
    assert_eq!(n.given_name.display.as_deref(), Some("José"));
    assert_eq!(n.given_name.key.as_deref(), Some("jose"));
    assert_eq!(n.family_name.key.as_deref(), Some("muller ludenscheidt"));
    let keep = NormalizeOptions {
        strip_accents: false,
        ..NormalizeOptions::default()
    };
    let n = person_name(Some("José Smith"), None, None, None, &keep);
    assert_eq!(n.given_name.key.as_deref(), Some("josé"));
}

#[test]
fn parts_fill_each_other() {
    // full -> parts
    let n = person_name(Some("Mary Ann O'Neil"), None, None, None, &opts());
    assert_eq!(n.given_name.display.as_deref(), Some("Mary"));
    assert_eq!(n.middle_name.display.as_deref(), Some("Ann"));
    assert_eq!(n.family_name.display.as_deref(), Some("O'Neil"));
    assert_eq!(n.given_name.status, FieldStatus::Valid);
    assert_eq!(n.family_name.key.as_deref(), Some("oneil"));
    // parts -> full (Latin)
    let n = person_name(None, Some("John"), None, Some("Smith"), &opts());
    assert_eq!(n.full_name.display.as_deref(), Some("John Smith"));
    assert_eq!(n.full_name.status, FieldStatus::Valid);
    // parts -> full (Han, family first, no space)
    let n = person_name(None, Some("伟"), None, Some("张"), &opts());
    assert_eq!(n.full_name.display.as_deref(), Some("张伟"));
    assert_eq!(n.full_name.key.as_deref(), Some("wei zhang"));
    assert_eq!(n.han_name.as_deref(), Some("张伟"));
    // given present is not overwritten by the split
    let n = person_name(Some("Robert Smith"), Some("Bob"), None, None, &opts());
    assert_eq!(n.given_name.display.as_deref(), Some("Bob"));
    assert_eq!(n.family_name.display.as_deref(), Some("Smith"));
    // mixed: Han family, Latin given
    let n = person_name(None, Some("Wei"), None, Some("张"), &opts());
    assert_eq!(n.full_name.display.as_deref(), Some("Wei 张"));
    assert_eq!(n.full_name.key.as_deref(), Some("wei zhang"));
    assert_eq!(n.han_name, None);
    // A part split off the full name that is a placeholder ("無", none) is
    // missing, as it would be in its own column (proptest found "ୟ🈚").
    let n = person_name(Some("ୟ🈚"), None, None, None, &opts());
    assert_eq!(n.full_name.status, FieldStatus::Valid);
    assert_eq!(n.family_name.status, FieldStatus::Missing);
    let alone = person_name(None, None, None, Some("無"), &opts());
    assert_eq!(alone.family_name.status, FieldStatus::Missing);
}

#[test]
fn a_title_before_only_a_suffix_is_kept() {
    // Found by the idempotence property: "Mmé, Jr." displays "Mmé Jr.", and
    // that display must split the same way (not drop "Mmé" as a title).
    for raw in ["Mmé, Jr.", "Mmé Jr."] {
        let n = full(raw);
        assert_eq!(n.full_name.display.as_deref(), Some("Mmé Jr."), "{raw:?}");
        assert_eq!(n.given_name.display.as_deref(), Some("Mmé"), "{raw:?}");
    }
    let n = full("Dr. John Smith Jr.");
    assert_eq!(n.full_name.display.as_deref(), Some("John Smith Jr."));
    assert_eq!(n.family_name.display.as_deref(), Some("Smith"));
}

#[test]
fn phonetic_keys_block_spelling_variants() {
    let pairs: &[(&str, &str)] = &[
        ("Smith", "Smyth"),
        ("Catherine", "Kathryn"),
        ("Stephen", "Steven"),
        ("Meyer", "Meier"),
        ("Schmidt", "Schmitt"),
    ];
    for (a, b) in pairs {
        assert_eq!(
            phonetic(&fold(a, true)),
            phonetic(&fold(b, true)),
            "{a} ~ {b}"
        );
    }
    let n = person_name(None, Some("Jon"), None, Some("Smyth"), &opts());
    assert_eq!(n.given_phonetic, phonetic("john"));
    assert_eq!(n.family_phonetic, phonetic("smith"));
    assert_eq!(phonetic("张"), None);
    let n = full("张伟");
    assert_eq!(n.family_phonetic, phonetic("zhang"));
}

#[test]
fn invalid_and_missing_names() {
    let n = full("J0hn Smith");
    assert_eq!(n.full_name.status, FieldStatus::Invalid);
    assert_eq!(n.full_name.issue, Some(reason::CONTAINS_DIGITS));
    assert_eq!(n.full_name.key, None);
    assert_eq!(
        n.given_name.status,
        FieldStatus::Missing,
        "invalid full name fills nothing"
    );
    for raw in ["", "  ", "N/A", "-", "NULL", "unknown"] {
        let n = full(raw);
        assert_eq!(n.full_name.status, FieldStatus::Missing, "{raw:?}");
        assert_eq!(n.full_name.display, None);
        assert_eq!(n.full_name.key, None);
    }
    // "Na" is a real family name, not a placeholder.
    let n = person_name(None, Some("Li"), None, Some("Na"), &opts());
    assert_eq!(n.family_name.status, FieldStatus::Valid);
    assert_eq!(n.full_name.key.as_deref(), Some("li na"));
}

#[test]
fn pinyin_helpers() {
    assert_eq!(pinyin_of("小明"), "xiaoming");
    assert_eq!(pinyin_of("绿"), "lu");
    assert_eq!(surname_pinyin("单"), "shan");
    assert_eq!(surname_pinyin("欧阳"), "ouyang");
    assert_eq!(surname_pinyin("张"), "zhang");
}
