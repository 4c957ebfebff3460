//! The JSON API: its figures, its authorisation, API tokens, and that every response matches
//! the OpenAPI document the server generates from its code (validated with `jsonschema`).

use crate::helpers::*;
use serde_json::Value;
use trafiklys::domain::Role;

/// The JSON body of a response, which must say it is JSON.
pub fn json(response: &Response) -> Value {
    assert!(
        response.content_type.starts_with("application/json"),
        "content type {}",
        response.content_type
    );
    serde_json::from_slice(&response.bytes).expect("JSON body")
}

/// The OpenAPI document as the server serves it.
pub fn openapi(app: &TestApp) -> Value {
    json(&app.get(&client(), "/api/v1/openapi.json"))
}

/// A JSON Schema validator for `schema`, a schema of the document (usually a `$ref` into its
/// components). Formats (`date-time`) are checked too.
fn validator(doc: &Value, schema: &Value) -> jsonschema::Validator {
    let mut root = schema.clone();
    root["components"] = doc["components"].clone();
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&root)
        .expect("the document's schema compiles")
}

/// Every way `body` differs from `schema`: the error and where in the body.
fn mismatches(doc: &Value, schema: &Value, body: &Value) -> Vec<String> {
    validator(doc, schema)
        .iter_errors(body)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Asserts that `response` is what the document says `GET path` answers with its status: a
/// documented status, JSON, a body that fits the schema, and the documented headers.
pub fn assert_documented(doc: &Value, path: &str, response: &Response) {
    let documented = &doc["paths"][path]["get"]["responses"][response.status.to_string()];
    assert!(
        documented.is_object(),
        "GET {path} documents no {} response",
        response.status
    );
    let schema = &documented["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "GET {path} {}: no JSON schema",
        response.status
    );
    let errors = mismatches(doc, schema, &json(response));
    assert!(
        errors.is_empty(),
        "GET {path} {}: {errors:#?}",
        response.status
    );
    for header in documented["headers"].as_object().into_iter().flatten() {
        assert!(
            response.header(header.0).is_some(),
            "GET {path} {}: no {} header",
            response.status,
            header.0
        );
    }
}

fn error_schema() -> Value {
    serde_json::json!({"$ref": "#/components/schemas/Error"})
}

#[test]
fn every_documented_response_matches_the_openapi_document() {
    let app = spawn_app();
    let doc = openapi(&app);
    assert_eq!(doc["openapi"], "3.1.0");
    let admin = app.signed_in(Role::Admin);
    let submission = "/api/v1/rounds/{id}/municipalities/{code}/submission";
    let cases = [
        ("/api/v1/rounds", "/api/v1/rounds"),
        ("/api/v1/rounds/{id}/summary", "/api/v1/rounds/2/summary"),
        ("/api/v1/rounds/{id}/summary", "/api/v1/rounds/1/summary"),
        (
            "/api/v1/rounds/{id}/responses",
            "/api/v1/rounds/2/responses",
        ),
        (submission, "/api/v1/rounds/2/municipalities/147/submission"),
        (submission, "/api/v1/rounds/2/municipalities/101/submission"),
    ];
    for (documented, actual) in cases {
        let response = app.get(&admin, actual);
        assert_eq!(response.status, 200, "{actual}");
        assert_documented(&doc, documented, &response);
    }
    // Error responses too.
    let reader = app.signed_in(Role::Reader);
    let forbidden = app.get(&reader, "/api/v1/rounds/2/municipalities/101/submission");
    assert_eq!(forbidden.status, 403);
    assert_documented(&doc, submission, &forbidden);
    for missing in [
        "/api/v1/rounds/99/summary",
        "/api/v1/rounds/abc/summary",
        "/api/v1/rounds/99999999999/summary",
    ] {
        let response = app.get(&admin, missing);
        assert_eq!(response.status, 404, "{missing}");
        assert_documented(&doc, "/api/v1/rounds/{id}/summary", &response);
    }
    let anonymous = app.get(&client(), "/api/v1/rounds/2/summary");
    assert_eq!(anonymous.status, 401);
    assert_documented(&doc, "/api/v1/rounds/{id}/summary", &anonymous);
    let bad_token = app.request(
        &client(),
        "GET",
        "/api/v1/rounds",
        &[("Authorization", "Bearer tl_wrong")],
    );
    assert_eq!(bad_token.status, 401);
    assert_documented(&doc, "/api/v1/rounds", &bad_token);
    // Another method is not an operation of the document, but its answer is the documented
    // error body with `Allow`.
    let other_method = app.request(&admin, "DELETE", "/api/v1/rounds/2/summary", &[]);
    assert_eq!(other_method.status, 405);
    assert_eq!(other_method.header("allow"), Some("GET"));
    let errors = mismatches(&doc, &error_schema(), &json(&other_method));
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn throttled_token_requests_are_answered_as_documented() {
    let app = spawn_app_with(|s| s.limits.api_tokens_per_ip = 1);
    let doc = openapi(&app);
    let call = || {
        app.request(
            &client(),
            "GET",
            "/api/v1/rounds/2/responses",
            &[("Authorization", "Bearer tl_guess")],
        )
    };
    assert_eq!(call().status, 401);
    let limited = call();
    assert_eq!(limited.status, 429);
    assert_documented(&doc, "/api/v1/rounds/{id}/responses", &limited);
}

#[test]
fn the_document_lists_every_route_registered_under_api_v1() {
    let app = spawn_app();
    let doc = openapi(&app);
    let paths = doc["paths"].as_object().expect("paths");
    let mut registered = trafiklys::web::api::registered_paths();
    registered.sort();
    let mut documented: Vec<String> = paths.keys().cloned().collect();
    documented.sort();
    assert_eq!(registered, documented);
    // Each operation with its id and the statuses it documents: a change to the public
    // contract shows up here.
    let mut operations = Vec::new();
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("path item") {
            let statuses: Vec<&str> = operation["responses"]
                .as_object()
                .expect("responses")
                .keys()
                .map(String::as_str)
                .collect();
            operations.push(format!(
                "{} {path} {} {}",
                method.to_uppercase(),
                operation["operationId"].as_str().expect("operationId"),
                statuses.join(" ")
            ));
        }
    }
    operations.sort();
    assert_eq!(
        operations,
        [
            "GET /api/v1/openapi.json openApiDocument 200",
            "GET /api/v1/rounds listRounds 200 401 429 503",
            "GET /api/v1/rounds/{id}/groups roundGroups 200 401 403 404 429 503",
            "GET /api/v1/rounds/{id}/municipalities/{code}/history municipalityHistory 200 401 403 404 429 503",
            "GET /api/v1/rounds/{id}/municipalities/{code}/snapshots municipalitySnapshots 200 401 403 404 429 503",
            "GET /api/v1/rounds/{id}/municipalities/{code}/snapshots/{snapshot_id}/changes snapshotChanges 200 401 403 404 429 503",
            "GET /api/v1/rounds/{id}/municipalities/{code}/submission municipalitySubmission 200 401 403 404 429 503",
            "GET /api/v1/rounds/{id}/responses roundResponses 200 401 403 404 429 503",
            "GET /api/v1/rounds/{id}/summary roundSummary 200 401 403 404 429 503",
        ]
    );
    // Every registered path answers GET, with the document's own answer for the document.
    let served = app.get(&client(), "/api/v1/openapi.json");
    assert_documented(&doc, "/api/v1/openapi.json", &served);
    let bearer = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(bearer["scheme"], "bearer");
    assert_eq!(
        doc["components"]["securitySchemes"]["session"]["in"],
        "cookie"
    );
}

#[test]
fn the_summary_gives_the_seeds_five_three_four_and_the_trend() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Kkr);
    let body = json(&app.get(&agent, "/api/v1/rounds/2/summary"));
    let counts = &body["summary"]["classification_counts"];
    assert_eq!(
        (
            counts["green"].as_u64(),
            counts["yellow"].as_u64(),
            counts["red"].as_u64()
        ),
        (Some(5), Some(3), Some(4))
    );
    assert_eq!(
        body["summary"]["sentence"],
        "Fem af anbefalingerne er igangsat, tre anbefalinger er i proces, og fire anbefalinger er endnu ikke igangsat."
    );
    assert_eq!(
        body["summary"]["municipalities"].as_array().unwrap().len(),
        29
    );
    let years: Vec<i64> = body["trend"]["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["year"].as_i64().unwrap())
        .collect();
    assert_eq!(years, [2016, 2017]);
    assert_eq!(body["trend"]["retired"].as_array().unwrap().len(), 2);
}

#[test]
fn municipal_users_get_only_their_own_municipalitys_answers() {
    let app = spawn_app();
    let reader = app.signed_in(Role::Reader);
    let body = json(&app.get(&reader, "/api/v1/rounds/2/summary"));
    let codes: Vec<&str> = body["summary"]["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["147"]);
    let own = json(&app.get(&reader, "/api/v1/rounds/2/municipalities/147/submission"));
    assert_eq!(own["state"], "draft");
    // A KKR member does not see the draft.
    let kkr = app.signed_in(Role::Kkr);
    assert_eq!(
        app.get(&kkr, "/api/v1/rounds/2/municipalities/147/submission")
            .status,
        404
    );
}

#[test]
fn api_tokens_work_until_revoked() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let page = app.get(&admin, "/account").text();
    let created = app.post(
        &admin,
        "/account/tokens",
        &[
            ("csrf_token", &csrf_from(&page)),
            ("name", "Månedligt udtræk"),
        ],
    );
    assert_eq!(created.status, 200);
    let body = created.text();
    let token = &parse(&body).text("code#new-token").unwrap();
    assert!(token.starts_with("tl_"));

    let script = client();
    let call = |t: &str| {
        let mut response = script
            .get(&app.url("/api/v1/rounds/2/responses"))
            .header("Authorization", &format!("Bearer {t}"))
            .call()
            .unwrap();
        (
            response.status().as_u16(),
            response.body_mut().read_to_string().unwrap(),
        )
    };
    let (status, text) = call(token);
    assert_eq!(status, 200);
    let responses: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(responses["submitted_count"], 24);
    assert_eq!(call("tl_wrong").0, 401);

    let account = app.get(&admin, "/account").text();
    let marker = "action=\"/account/tokens/";
    let id_start = account.find(marker).unwrap() + marker.len();
    let id: String = account[id_start..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let revoked = app.post(
        &admin,
        &format!("/account/tokens/{id}/revoke"),
        &[("csrf_token", &csrf_from(&account))],
    );
    assert_eq!(revoked.status, 303);
    assert_eq!(call(token).0, 401);
    assert!(app.get(&admin, "/account").text().contains("Tilbagekaldt"));
}

#[test]
fn anonymous_callers_see_only_published_rounds() {
    let app = spawn_app();
    let body = json(&app.get(&client(), "/api/v1/rounds"));
    assert_eq!(body["rounds"].as_array().unwrap().len(), 0);
    trafiklys::store::rounds::set_state(
        &mut app.conn(),
        1,
        trafiklys::domain::RoundState::Published,
        None,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    let body = json(&app.get(&client(), "/api/v1/rounds"));
    assert_eq!(body["rounds"].as_array().unwrap().len(), 1);
    let summary = json(&app.get(&client(), "/api/v1/rounds/1/summary"));
    assert_eq!(
        summary["summary"]["municipalities"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "no per-municipality answers"
    );
    assert_eq!(app.get(&client(), "/api/v1/nothing").status, 404);
}

#[test]
fn the_schema_check_catches_undocumented_missing_and_mistyped_fields() {
    let app = spawn_app();
    let doc = openapi(&app);
    let counts = serde_json::json!({"$ref": "#/components/schemas/Counts"});
    let wrong = serde_json::json!({"green": 1, "yellow": "2", "unanswered": 0, "extra": true});
    let errors = mismatches(&doc, &counts, &wrong);
    assert!(errors.iter().any(|e| e.contains("\"red\"")), "{errors:#?}");
    assert!(errors.iter().any(|e| e.contains("extra")), "{errors:#?}");
    assert!(
        errors.iter().any(|e| e.starts_with("/yellow:")),
        "{errors:#?}"
    );
    // A time without its zone is not the documented `date-time`.
    let round = serde_json::json!({"$ref": "#/components/schemas/Round"});
    let mut listed =
        json(&app.get(&app.signed_in(Role::Admin), "/api/v1/rounds"))["rounds"][0].clone();
    assert!(mismatches(&doc, &round, &listed).is_empty());
    listed["deadline"] = Value::from("2017-10-01T00:00:00");
    let errors = mismatches(&doc, &round, &listed);
    assert!(
        errors.iter().any(|e| e.starts_with("/deadline:")),
        "{errors:#?}"
    );
    // A status outside the enumeration, and a null where null is not allowed.
    let submission = serde_json::json!({"$ref": "#/components/schemas/Answer"});
    let answer = serde_json::json!({"recommendation_id": 1, "status": "blue", "comment": null, "carried": false});
    let errors = mismatches(&doc, &submission, &answer);
    assert!(
        errors.iter().any(|e| e.starts_with("/status:")),
        "{errors:#?}"
    );
    assert!(
        errors.iter().any(|e| e.starts_with("/comment:")),
        "{errors:#?}"
    );
}

#[test]
fn a_municipality_code_must_be_exactly_three_digits() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    assert_eq!(
        app.get(&admin, "/api/v1/rounds/2/municipalities/147/submission")
            .status,
        200
    );
    for code in ["%20147", "147%20", "0147", "14"] {
        let response = app.get(
            &admin,
            &format!("/api/v1/rounds/2/municipalities/{code}/submission"),
        );
        assert_eq!(response.status, 404, "{code}");
        assert_eq!(json(&response)["error"], "not_found");
    }
}

#[test]
fn a_refused_token_names_the_bearer_scheme() {
    let app = spawn_app();
    let response = app.request(
        &client(),
        "GET",
        "/api/v1/rounds",
        &[("Authorization", "Bearer tl_wrong")],
    );
    assert_eq!(response.status, 401);
    assert!(response
        .header("www-authenticate")
        .is_some_and(|v| v.starts_with("Bearer")));
    assert_eq!(json(&response)["error"], "unauthorized");
}
