use super::*;

#[test]
fn legal_forms_are_stripped_from_the_key() {
    let o = NormalizeOptions::default();
    let cases: &[(&str, &str)] = &[
        ("Acme Ltd", "acme"),
        ("ACME LIMITED", "acme"),
        ("Acme Inc.", "acme"),
        ("Acme, Inc", "acme"),
        ("Acme LLC", "acme"),
        ("Acme Holdings Pty. Ltd.", "acme"),
        ("Acme Pty Ltd", "acme"),
        ("Siemens AG", "siemens"),
        ("Robert Bosch GmbH", "robert bosch"),
        ("Nestlé S.A.", "nestle"),
        ("Nestle SA", "nestle"),
        ("Smith & Co.", "smith"),
        ("Smith and Co", "smith"),
        ("Ford Motor Company", "ford motor"),
        ("Microsoft Corp.", "microsoft"),
        ("Microsoft Corporation", "microsoft"),
        ("The Boots Company PLC", "boots"),
        ("I.B.M.", "ibm"),
        ("Huawei Technologies Co., Ltd.", "huawei technologies"),
        ("华为技术有限公司", "华为技术"),
        ("阿里巴巴集团", "阿里巴巴"),
        ("中国平安保险(集团)股份有限公司", "中国平安保险"),
        ("腾讯科技(深圳)有限公司", "腾讯科技 深圳"),
        ("株式会社トヨタ", "トヨタ"),
        ("Ltd", "ltd"),
        ("有限公司", "有限公司"),
    ];
    for (raw, key) in cases {
        let c = company(raw, &o);
        assert_eq!(c.key.as_deref(), Some(*key), "{raw}");
        assert_eq!(c.status, FieldStatus::Valid);
    }
    let c = company("  Acme   Ltd ", &o);
    assert_eq!(
        c.display.as_deref(),
        Some("Acme Ltd"),
        "display keeps the legal form"
    );
    assert_eq!(company("N/A", &o).status, FieldStatus::Missing);
}
