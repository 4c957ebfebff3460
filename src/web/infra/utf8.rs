//! Form bodies must be UTF-8 once percent-decoded.
//!
//! The framework's form decoder replaces bytes that are not UTF-8 with U+FFFD, so a comment
//! pasted in a legacy encoding (or a tampered request) would be saved as question-mark boxes
//! without anyone noticing. This middleware reads every form body first and refuses one that
//! does not decode, with a Danish 400, before any handler sees it.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::CONTENT_TYPE;
use actix_web::middleware::Next;
use actix_web::web::Bytes;

use crate::web::error::AppError;

/// Whether a form body decodes to UTF-8 text: every percent escape and every raw byte.
pub fn is_utf8_form(body: &[u8]) -> bool {
    let decoded: Vec<u8> = percent_encoding::percent_decode(body).collect();
    std::str::from_utf8(&decoded).is_ok()
}

fn is_form(req: &ServiceRequest) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

/// Refuses a form body that is not UTF-8; passes everything else on unchanged.
pub async fn refuse_invalid_forms<B: MessageBody + 'static>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    if !is_form(&req) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let refusal = match req.extract::<Bytes>().await {
        Ok(body) if is_utf8_form(&body) => {
            req.set_payload(Payload::from(body));
            return next
                .call(req)
                .await
                .map(ServiceResponse::map_into_left_body);
        }
        Ok(_) => AppError::BadRequest(
            "Formularen indeholder tegn, der ikke kunne læses (de er ikke kodet som UTF-8). \
             Intet er gemt. Gå tilbage, og skriv teksten igen i stedet for at kopiere den ind."
                .to_owned(),
        ),
        Err(_) => AppError::PayloadTooLarge("Formularen er for stor. Intet er gemt.".to_owned()),
    };
    let (http_req, _) = req.into_parts();
    let response = refusal.response_for(&http_req);
    Ok(ServiceResponse::new(http_req, response).map_into_right_body())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn escaped_or_raw_bytes_that_are_not_utf8_are_refused() {
        assert!(is_utf8_form(b"comment-1=%C3%A6bler&x=1"));
        assert!(is_utf8_form("comment-1=æbler+og+pærer".as_bytes()));
        assert!(is_utf8_form(b"a=%25FF"), "an escaped percent sign is text");
        assert!(!is_utf8_form(b"comment-1=%FF"));
        assert!(!is_utf8_form(b"comment-1=%C3"));
        assert!(!is_utf8_form(b"comment-1=\xe6bler"));
        assert!(
            !is_utf8_form(b"a=%ED%A0%80"),
            "a lone surrogate is not UTF-8"
        );
    }

    proptest! {
        #[test]
        fn every_form_the_browser_encodes_from_text_is_accepted(fields in proptest::collection::vec(("\\PC{0,8}", "\\PC{0,16}"), 0..5)) {
            let body = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields.iter())
                .finish();
            prop_assert!(is_utf8_form(body.as_bytes()));
        }

        #[test]
        fn an_accepted_body_decodes_without_replacement_characters(body in proptest::collection::vec(any::<u8>(), 0..40)) {
            if is_utf8_form(&body) {
                let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
                let original: Vec<u8> = percent_encoding::percent_decode(&body).collect();
                let replacements = String::from_utf8_lossy(&original).matches('\u{FFFD}').count();
                let decoded_replacements: usize = pairs.iter().map(|(k, v)| k.matches('\u{FFFD}').count() + v.matches('\u{FFFD}').count()).sum();
                prop_assert_eq!(decoded_replacements, replacements, "no byte was replaced");
            }
        }
    }
}
