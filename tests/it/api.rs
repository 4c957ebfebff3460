//! The JSON API: its figures, its authorisation, API tokens, and that every response matches
//! the OpenAPI document.

use crate::helpers::*;
use serde_json::Value;
use trafiklys::domain::Role;

fn json(response: &Response) -> Value {
    assert!(
        response.content_type.starts_with("application/json"),
        "content type {}",
        response.content_type
    );
    serde_json::from_slice(&response.bytes).expect("JSON body")
}

/// Checks `value` against a schema of the OpenAPI document; returns every mismatch.
fn validate(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.trim_start_matches("#/components/schemas/");
        let target = &doc["components"]["schemas"][name];
        assert!(!target.is_null(), "unknown schema {name}");
        return validate(doc, target, value, at, errors);
    }
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let fits = types.iter().any(|t| match *t {
            "null" => value.is_null(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => false,
        });
        if !fits {
            errors.push(format!("{at}: {value} is not of type {types:?}"));
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            errors.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    if let Some(object) = value.as_object() {
        let properties = schema.get("properties").and_then(Value::as_object);
        for required in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !object.contains_key(required) {
                errors.push(format!("{at}: missing {required}"));
            }
        }
        for (key, item) in object {
            match properties.and_then(|p| p.get(key)) {
                Some(sub) => validate(doc, sub, item, &format!("{at}.{key}"), errors),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    errors.push(format!("{at}: undocumented property {key}"))
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(list)) = (schema.get("items"), value.as_array()) {
        for (i, item) in list.iter().enumerate() {
            validate(doc, items, item, &format!("{at}[{i}]"), errors);
        }
    }
}

fn assert_matches(doc: &Value, path: &str, status: u16, body: &Value) {
    let schema = &doc["paths"][path]["get"]["responses"][status.to_string()]["content"]
        ["application/json"]["schema"];
    assert!(!schema.is_null(), "{path} documents no {status} response");
    let mut errors = Vec::new();
    validate(doc, schema, body, "$", &mut errors);
    assert!(errors.is_empty(), "{path} {status}: {errors:#?}");
}

fn openapi(app: &TestApp) -> Value {
    json(&app.get(&client(), "/api/v1/openapi.json"))
}

#[test]
fn every_documented_response_matches_the_openapi_document() {
    let app = spawn_app();
    let doc = openapi(&app);
    assert_eq!(doc["openapi"], "3.1.0");
    let admin = app.signed_in(Role::Admin);
    let cases = [
        ("/api/v1/rounds", "/api/v1/rounds"),
        ("/api/v1/rounds/{id}/summary", "/api/v1/rounds/2/summary"),
        ("/api/v1/rounds/{id}/summary", "/api/v1/rounds/1/summary"),
        (
            "/api/v1/rounds/{id}/responses",
            "/api/v1/rounds/2/responses",
        ),
        (
            "/api/v1/rounds/{id}/municipalities/{code}/submission",
            "/api/v1/rounds/2/municipalities/147/submission",
        ),
        (
            "/api/v1/rounds/{id}/municipalities/{code}/submission",
            "/api/v1/rounds/2/municipalities/101/submission",
        ),
    ];
    for (documented, actual) in cases {
        let response = app.get(&admin, actual);
        assert_eq!(response.status, 200, "{actual}");
        assert_matches(&doc, documented, 200, &json(&response));
    }
    // Error responses too.
    let reader = app.signed_in(Role::Reader);
    let forbidden = app.get(&reader, "/api/v1/rounds/2/municipalities/101/submission");
    assert_eq!(forbidden.status, 403);
    assert_matches(
        &doc,
        "/api/v1/rounds/{id}/municipalities/{code}/submission",
        403,
        &json(&forbidden),
    );
    let missing = app.get(&admin, "/api/v1/rounds/99/summary");
    assert_eq!(missing.status, 404);
    assert_matches(&doc, "/api/v1/rounds/{id}/summary", 404, &json(&missing));
    let anonymous = app.get(&client(), "/api/v1/rounds/2/summary");
    assert_eq!(anonymous.status, 401);
    assert_matches(&doc, "/api/v1/rounds/{id}/summary", 401, &json(&anonymous));
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
    let start = body.find("<code id=\"new-token\">").unwrap() + "<code id=\"new-token\">".len();
    let token = &body[start..body[start..].find('<').unwrap() + start];
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
    let schema = serde_json::json!({"$ref": "#/components/schemas/Counts"});
    let mut errors = Vec::new();
    let wrong = serde_json::json!({"green": 1, "yellow": "2", "extra": true});
    validate(&doc, &schema, &wrong, "$", &mut errors);
    assert!(errors.iter().any(|e| e.contains("missing red")));
    assert!(errors
        .iter()
        .any(|e| e.contains("undocumented property extra")));
    assert!(errors.iter().any(|e| e.contains("$.yellow")));
}
