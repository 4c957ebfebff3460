use crate::helpers::*;
use trafiklys::domain::Role;

const ATTACHMENT: &str = "/rounds/2/municipalities/147/attachment.pdf";

#[test]
fn the_reader_downloads_an_accessible_pdf_attachment() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Reader);
    let response = app.get(&agent, ATTACHMENT);
    assert_eq!(response.status, 200);
    assert_eq!(response.content_type, "application/pdf");
    assert!(response.bytes.starts_with(b"%PDF-"));
    let text = pdf_text(&response.bytes);
    assert!(text.contains("Frederiksberg Kommune"));
    // pdftotext breaks long lines; compare with whitespace folded.
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(folded.contains(
        "Fem af anbefalingerne er igangsat, tre anbefalinger er i proces, og fire anbefalinger er endnu ikke igangsat."
    ));
    assert!(folded.contains("Initiativer som er igangsat efter planen (5)"));
    let info = pdf_info(&response.bytes);
    assert!(info.contains("Tagged:          yes"), "{info}");
    assert!(info.contains("Frederiksberg Kommune"), "document title");
}

#[test]
fn the_attachment_of_another_municipality_is_forbidden_for_its_reader() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Reader);
    assert_eq!(
        app.get(&agent, "/rounds/2/municipalities/101/attachment.pdf")
            .status,
        403
    );
    assert_eq!(
        app.get(&agent, "/rounds/2/municipalities/999/attachment.pdf")
            .status,
        404
    );
}

#[test]
fn a_kkr_member_does_not_see_a_municipalitys_draft_in_its_attachment() {
    let app = spawn_app();
    let reader = app.signed_in(Role::Reader);
    let own = pdf_text(&app.get(&reader, ATTACHMENT).bytes);
    assert!(own.contains("Kladde, endnu ikke indsendt"));
    let kkr = app.signed_in(Role::Kkr);
    let theirs = pdf_text(&app.get(&kkr, ATTACHMENT).bytes);
    assert!(theirs.contains("Skemaet er endnu ikke udfyldt"));
    assert!(!theirs.contains("Kladde"));
}
