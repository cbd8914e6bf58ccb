//! `cim cluster` text: lineage shown, PII masked unless asked for.

use cim_merge::{GoldenView, MemberView, SurvivorshipOptions, mask, render_cluster};
use cim_schema::{CanonicalField as F, GoldenId, RecordId};

use crate::helper::{batch, merge_groups, rec};

#[test]
fn renders_lineage_and_masks_pii() {
    let recs = vec![
        rec("crm", "7", 8)
            .v(F::FullName, "Ingrid Berg")
            .v(F::Email, "ingrid.berg@example.no")
            .v(F::DateOfBirth, "1971-04-09")
            .at("2024-02-01T08:30:00Z")
            .extra(r#"{"loyalty":"platinum"}"#),
        rec("web", "3", 4)
            .v(F::FullName, "Ingrid Berg")
            .bad(F::Phone, "4711")
            .v(F::City, "Tromsø")
            .at("2023-02-01"),
    ];
    let out = merge_groups(std::slice::from_ref(&recs), &SurvivorshipOptions::default());
    let id = GoldenId::derive("crm:7");
    let golden = GoldenView::from_master(std::slice::from_ref(&out.master), &id)
        .unwrap()
        .expect("golden id is in the master");
    assert_eq!(golden.member_count, 2);
    assert_eq!(golden.sources, ["crm", "web"]);
    let email = golden.fields.iter().find(|f| f.field == F::Email).unwrap();
    assert_eq!(email.values, ["ingrid.berg@example.no"]);
    assert_eq!(email.record_id, Some(RecordId("crm:7".into())));
    let dob = golden
        .fields
        .iter()
        .find(|f| f.field == F::DateOfBirth)
        .unwrap();
    assert_eq!(dob.values, ["1971-04-09"]);
    let last = golden
        .fields
        .iter()
        .find(|f| f.field == F::UpdatedAt)
        .unwrap();
    assert_eq!(last.values, ["2024-02-01T08:30:00Z"]);
    assert!(
        GoldenView::from_master(std::slice::from_ref(&out.master), &GoldenId("Gnope".into()))
            .unwrap()
            .is_none()
    );

    let normalized = vec![batch(&recs)];
    let members = MemberView::from_normalized(
        &normalized,
        &[RecordId("web:3".into()), RecordId("crm:7".into())],
    )
    .unwrap();
    assert_eq!(members.len(), 2);
    assert_eq!(members[0].record_id.as_str(), "web:3");

    let masked = render_cluster(&golden, &members, false);
    for secret in [
        "ingrid.berg",
        "Ingrid",
        "Berg",
        "1971",
        "4711",
        "Tromsø",
        "platinum",
    ] {
        assert!(!masked.contains(secret), "{secret} leaked:\n{masked}");
    }
    assert!(masked.contains(id.as_str()));
    assert!(masked.contains("i***@***.no"), "{masked}");
    assert!(masked.contains("\"loyalty\""), "{masked}");
    // The email line of the golden table names its source record.
    let email_line = masked
        .lines()
        .find(|l| l.trim_start().starts_with("email"))
        .unwrap();
    assert!(email_line.trim_end().ends_with("crm:7"), "{email_line}");
    // In the member listing, crm:7's email is marked as supplied, web:3's
    // invalid phone is flagged.
    assert!(masked.contains("* email"), "{masked}");
    assert!(masked.contains("! invalid"), "{masked}");
    assert!(masked.contains("crm.csv:8"));

    let clear = render_cluster(&golden, &members, true);
    assert!(clear.contains("ingrid.berg@example.no"));
    assert!(clear.contains("Tromsø"));
}

#[test]
fn mask_keeps_only_a_hint() {
    let cases = [
        (F::Email, "ann.lee@mail.example.com", "a***@***.com"),
        (F::Phone, "+47 22 33 44 55", "***55"),
        (F::DateOfBirth, "1980-01-02", "****-**-**"),
        (F::NationalId, "12345678901", "***"),
        (F::FullName, "Ann  Marie Lee", "A*** M*** L***"),
        (F::UpdatedAt, "2024-01-01", "2024-01-01"),
        (F::City, "", ""),
    ];
    for (f, v, want) in cases {
        assert_eq!(mask(f, v), want, "{f}");
    }
}
