//! Sign-in with the municipality's own login (OpenID Connect), against real providers on
//! loopback: Node's `oidc-provider` (tests/oidc/provider.mjs, installed from the committed
//! package-lock.json) and a hostile provider whose ID tokens are wrong one way each
//! (tests/oidc/hostile.mjs). The whole flow goes through real HTTP: the app's redirect to the
//! provider, the provider's login (the test names the account in `login_hint`), its redirect
//! back with a code, and the app's token request and checks.
//!
//! Without Node (or without `npm ci` in tests/oidc) each test says it was skipped and how to
//! run it. The two-process test runs in the PostgreSQL pass.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::helpers::*;
use trafiklys::domain::events::{Event, SignInEvent, UserEvent};
use trafiklys::sso::Providers;
use trafiklys::store::{self, audit, sign_in, users};

const CLIENT_ID: &str = "trafiklys";
const CLIENT_SECRET: &str = "a-client-secret-only-the-test-provider-knows";
const LABEL: &str = "Log ind med Frederiksberg Kommunes login";
const EDITOR: &str = "editor@frederiksberg.example";

fn oidc_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}

/// Whether Node and the test provider's packages are here; if not, says the test was skipped
/// and how to run it.
fn node_ready(test: &str) -> bool {
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let installed = oidc_dir().join("node_modules/oidc-provider").is_dir();
    if !node || !installed {
        println!(
            "skipped {test}: it needs Node.js and the test provider's packages. Run \
             `apt-get install nodejs npm`, `(cd tests/oidc && npm ci --ignore-scripts)`, then \
             `cargo test --test it oidc::`"
        );
    }
    node && installed
}

/// A Node provider, stopped when the test ends however it ends.
struct NodeProvider {
    child: Child,
    issuer: String,
}

impl Drop for NodeProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Starts a provider on `port`; `None` when it could not listen there (another process took
/// the port between the test choosing it and the provider binding it).
fn start_node(
    script: &str,
    port: u16,
    redirects: &[String],
    after_logout: &[String],
) -> Option<NodeProvider> {
    let mut child = Command::new("node")
        .arg(script)
        .current_dir(oidc_dir())
        .env("PORT", port.to_string())
        .env("CLIENT_ID", CLIENT_ID)
        .env("CLIENT_SECRET", CLIENT_SECRET)
        .env("REDIRECT_URIS", redirects.join(","))
        .env("POST_LOGOUT_URIS", after_logout.join(","))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start node");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let issuer = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("listening on ").map(str::to_owned));
    std::thread::spawn(move || lines.for_each(drop));
    let provider = NodeProvider {
        child,
        issuer: issuer?,
    };
    Some(provider)
}

/// The providers' configuration as an installation writes it.
fn config(real_port: u16, hostile_port: u16, real_extra: &str) -> String {
    format!(
        r#"
[[provider]]
id = "frb"
label = "{LABEL}"
issuer = "http://127.0.0.1:{real_port}"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
{real_extra}
[provider.domains]
"frederiksberg.example" = "147"

[[provider]]
id = "hostile"
label = "Log ind med en fjendtlig udbyder"
issuer = "http://127.0.0.1:{hostile_port}"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
[provider.domains]
"frederiksberg.example" = "147"
"#
    )
}

/// The app with both providers running, the real one registered with the app's redirect URI.
struct OidcApp {
    app: TestApp,
    real: NodeProvider,
    hostile: NodeProvider,
}

fn spawn_with_providers(
    real_extra: &str,
    adjust: impl Fn(&mut trafiklys::web::Settings),
) -> OidcApp {
    // The providers' ports are chosen before the app starts (its configuration names them);
    // should another process take one meanwhile, everything starts again on new ports.
    for _ in 0..3 {
        let (real_port, hostile_port) = (free_port(), free_port());
        if real_port == hostile_port {
            continue;
        }
        let text = config(real_port, hostile_port, real_extra);
        let providers =
            Providers::parse(&text, |_| None, |_| None, Duration::from_secs(10)).expect("config");
        let app = spawn_app_with(|s| {
            s.sso = providers;
            adjust(s);
        });
        let callback = format!("{}/login/sso/frb/callback", app.address);
        let after = [format!("{}/", app.address)];
        let Some(real) = start_node("provider.mjs", real_port, &[callback], &after) else {
            continue;
        };
        let Some(hostile) = start_node("hostile.mjs", hostile_port, &[], &[]) else {
            continue;
        };
        return OidcApp { app, real, hostile };
    }
    panic!("the test providers could not listen on the ports chosen for them");
}

fn origin(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split('/').next().unwrap_or(rest);
    format!("{}://{host}", url.split("://").next().unwrap_or("http"))
}

/// Starts a sign-in with the provider at `base` and follows the provider's redirects as a
/// browser would, signing in as `hint`; returns the address the provider sends the browser
/// back to (not yet requested).
fn through_provider(base: &str, agent: &ureq::Agent, provider: &str, hint: &str) -> String {
    let start = TestApp::request_to(
        agent,
        base,
        &format!("/login/sso/{provider}?next=/account"),
        None,
    );
    assert_eq!(start.status, 303, "{}", start.text());
    let to = start.location.expect("to the provider");
    let encoded: String = form_urlencoded::byte_serialize(hint.as_bytes()).collect();
    let mut url = format!("{to}&login_hint={encoded}");
    for _ in 0..12 {
        if url.contains("/login/sso/") {
            return url;
        }
        let response = finish(agent.get(&url).call());
        assert!(
            matches!(response.status, 302 | 303),
            "the provider answered {} at {url}: {}",
            response.status,
            response.text()
        );
        let next = response.location.expect("a redirect");
        url = if next.starts_with("http") {
            next
        } else {
            format!("{}{next}", origin(&url))
        };
    }
    panic!("the provider never sent the browser back");
}

/// A whole sign-in as `hint`: the app's answer to the provider's redirect back.
fn sign_in_with(app: &TestApp, agent: &ureq::Agent, provider: &str, hint: &str) -> Response {
    let back = through_provider(&app.address, agent, provider, hint);
    finish(agent.get(&back).call())
}

fn refusals(app: &TestApp, provider: &str) -> Vec<(Option<String>, String)> {
    audit::history(&mut app.conn(), "sign_in", provider)
        .expect("history")
        .iter()
        .map(|e| match e.event().expect("a typed event") {
            Event::SignIn(SignInEvent::Refuse { after }) => (after.email, after.reason),
            other => panic!("not a refused sign-in: {other:?}"),
        })
        .collect()
}

fn signed_in(app: &TestApp, agent: &ureq::Agent) -> bool {
    app.get(agent, "/account").status == 200
}

#[test]
fn a_user_signs_in_with_their_provider_lands_in_their_role_and_signs_out_there_too() {
    if !node_ready("oidc::a_user_signs_in_with_their_provider") {
        return;
    }
    let OidcApp {
        app,
        real,
        hostile: _hostile,
    } = spawn_with_providers("", |_| {});
    let agent = client();
    let login = app.get(&agent, "/login").text();
    assert!(login.contains(LABEL), "the sign-in page lists the provider");
    assert!(login.contains("href=\"/login/sso/frb?next="));
    let back = sign_in_with(&app, &agent, "frb", EDITOR);
    assert_eq!(back.status, 303, "{}", back.text());
    assert_eq!(back.location.as_deref(), Some("/account"));
    let account = app.get(&agent, "/account").text();
    assert!(
        account.contains("Emma Editor"),
        "signed in as the demo editor"
    );
    assert!(account.contains("Kommunal medarbejder") && account.contains("147"));
    assert!(account.contains(&format!("Med <strong>{LABEL}</strong>")));
    // Her own municipality's form opens; another's does not.
    assert_eq!(
        app.get(&agent, "/rounds/2/municipalities/147/form").status,
        200
    );
    let (user, _) = users::find_by_email(&mut app.conn(), EDITOR)
        .unwrap()
        .unwrap();
    let linked = audit::history(&mut app.conn(), "user", &user.id.to_string()).unwrap();
    assert!(linked.iter().any(|e| matches!(
        e.event(),
        Ok(Event::User(UserEvent::LinkIdentity { after })) if after.provider == "frb" && after.email == EDITOR
    )));
    // The admin's page of the user says how she signs in.
    let admin = app.signed_in(trafiklys::domain::Role::Admin);
    let shown = app.get(&admin, &format!("/users/{}", user.id)).text();
    assert!(parse(&shown)
        .texts("#sign-in-methods li")
        .contains(&format!("Med {LABEL}")));
    // Sign-out ends the session and sends the browser to the provider's end-session endpoint.
    let csrf = csrf_from(&account);
    let out = app.post(&agent, "/logout", &[("csrf_token", &csrf)]);
    assert_eq!(out.status, 303);
    let to = out.location.unwrap();
    assert!(
        to.starts_with(&format!("{}/session/end?", real.issuer)),
        "{to}"
    );
    assert!(to.contains("client_id=trafiklys") && to.contains("post_logout_redirect_uri="));
    assert!(!signed_in(&app, &agent));
    // The page allows a form's redirect to the provider (sign-out's form).
    let csp = app.get(&agent, "/login");
    assert!(csp
        .header("Content-Security-Policy")
        .unwrap()
        .contains(&real.issuer));
}

#[test]
fn every_faulty_answer_of_a_hostile_provider_is_refused_and_logged() {
    if !node_ready("oidc::every_faulty_answer_of_a_hostile_provider_is_refused_and_logged") {
        return;
    }
    let OidcApp {
        app,
        real: _real,
        hostile: _hostile,
    } = spawn_with_providers("", |_| {});
    let cases = [
        ("wrong-issuer", "token_issuer", "forkert udsteder"),
        (
            "wrong-audience",
            "token_audience",
            "udstedt til en anden tjeneste",
        ),
        ("expired", "token_expired", "udløbet"),
        ("bad-signature", "token_signature", "ugyldig signatur"),
        ("alg-none", "token_algorithm", "usigneret"),
        (
            "nonce-mismatch",
            "token_nonce",
            "hører ikke til dette log ind",
        ),
        ("unverified-email", "email_not_verified", "ikke bekræftet"),
    ];
    for (mode, reason, words) in cases {
        let agent = client();
        let answer = sign_in_with(&app, &agent, "hostile", &format!("{mode}:{EDITOR}"));
        assert!(
            matches!(answer.status, 400 | 403),
            "{mode}: {}",
            answer.status
        );
        let page = answer.text();
        assert!(
            page.contains("Du er ikke logget ind") && page.contains(words),
            "{mode}: {page}"
        );
        assert!(
            page.contains(&format!("data-reason=\"{reason}\"")),
            "{mode}"
        );
        assert!(!signed_in(&app, &agent), "{mode} signed someone in");
    }
    let logged: Vec<String> = refusals(&app, "hostile")
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    let expected: Vec<String> = cases.iter().map(|(_, r, _)| r.to_string()).collect();
    assert_eq!(logged, expected);
    // The same provider's correct answer signs in: the refusals were the faults, not the setup.
    let agent = client();
    assert_eq!(
        sign_in_with(&app, &agent, "hostile", &format!("ok:{EDITOR}")).status,
        303
    );
    assert!(signed_in(&app, &agent));
    // A token signed with a key the provider published after its keys were read: they are
    // read again once, and the sign-in goes through.
    let agent = client();
    let rotated = sign_in_with(&app, &agent, "hostile", &format!("rotated-key:{EDITOR}"));
    assert_eq!(rotated.status, 303, "{}", rotated.text());
    assert!(signed_in(&app, &agent));
}

#[test]
fn a_replayed_or_foreign_answer_is_refused() {
    if !node_ready("oidc::a_replayed_or_foreign_answer_is_refused") {
        return;
    }
    let OidcApp {
        app,
        real: _real,
        hostile: _hostile,
    } = spawn_with_providers("", |_| {});
    let agent = client();
    let back = through_provider(&app.address, &agent, "frb", EDITOR);
    // The session cookie as it was before the answer came back: a copy an attacker kept.
    let before = session_cookie(&agent);
    assert_eq!(finish(agent.get(&back).call()).status, 303);
    // The same answer again in the same browser: the sign-in it finished is gone.
    let again = finish(agent.get(&back).call());
    assert_eq!(again.status, 400);
    assert!(again.text().contains("data-reason=\"state_mismatch\""));
    // In another browser, which never started a sign-in.
    let stranger = client();
    let foreign = finish(stranger.get(&back).call());
    assert_eq!(foreign.status, 400);
    assert!(!signed_in(&app, &stranger));
    // With the copied cookie: the state matches, but the provider takes a code only once.
    let copy = client();
    let replay = finish(copy.get(&back).header("Cookie", &before).call());
    assert_eq!(replay.status, 400, "{}", replay.text());
    assert!(replay
        .text()
        .contains("data-reason=\"provider_error:invalid_grant\""));
    let reasons: Vec<String> = refusals(&app, "frb").into_iter().map(|(_, r)| r).collect();
    assert_eq!(reasons[..2], ["state_mismatch", "state_mismatch"]);
}

#[test]
fn an_unknown_person_is_told_whom_to_ask_and_the_attempt_is_logged() {
    if !node_ready("oidc::an_unknown_person_is_told_whom_to_ask") {
        return;
    }
    let OidcApp {
        app,
        real: _real,
        hostile: _hostile,
    } = spawn_with_providers("", |_| {});
    let agent = client();
    let answer = sign_in_with(&app, &agent, "frb", "ny.kollega@frederiksberg.example");
    assert_eq!(answer.status, 403);
    let page = answer.text();
    assert!(
        page.contains("ingen bruger med den adresse i Trafiklys"),
        "{page}"
    );
    assert!(page.contains("Bed KKR-sekretariatet om at oprette dig"));
    assert!(page.contains("Hvem kan hjælpe?") && page.contains("href=\"/kontakt\""));
    assert!(!signed_in(&app, &agent));
    assert_eq!(
        refusals(&app, "frb"),
        vec![(
            Some("ny.kollega@frederiksberg.example".to_owned()),
            "unknown_person".to_owned()
        )]
    );
    assert!(
        users::find_by_email(&mut app.conn(), "ny.kollega@frederiksberg.example")
            .unwrap()
            .is_none()
    );
}

#[test]
fn a_deactivated_user_and_a_domain_not_vouched_for_are_refused() {
    if !node_ready("oidc::a_deactivated_user_and_a_domain_not_vouched_for_are_refused") {
        return;
    }
    let OidcApp {
        app,
        real: _real,
        hostile: _hostile,
    } = spawn_with_providers("", |_| {});
    let (reader, _) = users::find_by_email(&mut app.conn(), "reader@frederiksberg.example")
        .unwrap()
        .unwrap();
    let (admin, _) =
        users::find_by_email(&mut app.conn(), &app.email(trafiklys::domain::Role::Admin))
            .unwrap()
            .unwrap();
    users::deactivate(&mut app.conn(), reader.id, admin.id, app.clock.now()).unwrap();
    let agent = client();
    let answer = sign_in_with(&app, &agent, "frb", "reader@frederiksberg.example");
    assert_eq!(answer.status, 403);
    assert!(answer.text().contains("er deaktiveret"));
    assert!(!signed_in(&app, &agent));
    // The admin exists and is active, but the provider does not vouch for her domain.
    let agent = client();
    let answer = sign_in_with(&app, &agent, "frb", &admin.email);
    assert_eq!(answer.status, 403);
    assert!(answer
        .text()
        .contains("kan ikke logge ind i Trafiklys på den måde"));
    assert!(!signed_in(&app, &agent));
    let reasons: Vec<String> = refusals(&app, "frb").into_iter().map(|(_, r)| r).collect();
    assert_eq!(reasons, ["deactivated", "domain_not_vouched"]);
}

#[test]
fn a_provider_may_create_readers_of_its_domains_municipality() {
    if !node_ready("oidc::a_provider_may_create_readers") {
        return;
    }
    let OidcApp {
        app,
        real: _real,
        hostile: _hostile,
    } = spawn_with_providers("create_readers = true", |_| {});
    let agent = client();
    let answer = sign_in_with(&app, &agent, "frb", "ny.sekretaer@frederiksberg.example");
    assert_eq!(answer.status, 303, "{}", answer.text());
    let (user, hash) = users::find_by_email(&mut app.conn(), "ny.sekretaer@frederiksberg.example")
        .unwrap()
        .expect("made a user");
    assert_eq!(user.role, trafiklys::domain::Role::Reader);
    assert_eq!(user.municipality_code.unwrap().as_str(), "147");
    assert!(hash.is_empty(), "no password");
    assert!(app
        .get(&agent, "/account")
        .text()
        .contains("Byrådssekretær"));
}

#[test]
fn passwords_can_be_turned_off_for_a_providers_domains_and_altogether() {
    if !node_ready("oidc::passwords_can_be_turned_off") {
        return;
    }
    use trafiklys::domain::Role;
    let OidcApp {
        app,
        real: _real,
        hostile: _hostile,
    } = spawn_with_providers("passwords = false", |_| {});
    let refused = password_sign_in(&app, EDITOR, &app.password(Role::Editor));
    assert_eq!(refused.status, 403);
    assert!(refused.text().contains(&format!("Brug knappen «{LABEL}»")));
    // Another domain still signs in with a password.
    let admin = password_sign_in(&app, &app.email(Role::Admin), &app.password(Role::Admin));
    assert_eq!(admin.status, 303);
    // A wrong password is told as a wrong password: the refusal tells a guesser nothing.
    assert_eq!(
        password_sign_in(&app, EDITOR, "not-the-password").status,
        401
    );
    drop(app);

    let OidcApp {
        app,
        real: _real,
        hostile: _hostile,
    } = spawn_with_providers("", |s| s.passwords_off = true);
    let kkr = password_sign_in(&app, &app.email(Role::Kkr), &app.password(Role::Kkr));
    assert_eq!(kkr.status, 403);
    assert!(kkr.text().contains("Log ind med adgangskode er slået fra"));
    // The break-glass admin, as `trafiklys admin create` makes one, still may.
    let (admin, _) = users::find_by_email(&mut app.conn(), &app.email(Role::Admin))
        .unwrap()
        .unwrap();
    sign_in::set_break_glass(&mut app.conn(), admin.id).unwrap();
    let admin = password_sign_in(&app, &app.email(Role::Admin), &app.password(Role::Admin));
    assert_eq!(admin.status, 303);
    // And the provider's users sign in with it.
    assert_eq!(sign_in_with(&app, &client(), "frb", EDITOR).status, 303);
}

#[test]
fn the_admin_the_command_line_creates_is_the_break_glass_admin() {
    let app = spawn_app();
    let out = app.cli(&[
        "admin",
        "create",
        "--email",
        "noed@kkr-hovedstaden.example",
        "--kkr",
        "Hovedstaden",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (user, _) = users::find_by_email(&mut app.conn(), "noed@kkr-hovedstaden.example")
        .unwrap()
        .unwrap();
    assert!(sign_in::is_break_glass(&mut app.conn(), user.id).unwrap());
    let (other, _) = users::find_by_email(&mut app.conn(), EDITOR)
        .unwrap()
        .unwrap();
    assert!(!sign_in::is_break_glass(&mut app.conn(), other.id).unwrap());
}

fn password_sign_in(app: &TestApp, email: &str, password: &str) -> Response {
    let agent = client();
    let token = csrf_from(&app.get(&agent, "/login").text());
    app.post(
        &agent,
        "/login",
        &[
            ("email", email),
            ("password", password),
            ("csrf_token", &token),
            ("next", "/"),
        ],
    )
}

/// A child process, killed when the test ends.
struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(database_url: &str, port: u16, base: &str, config: &std::path::Path) -> Serve {
    let mut child = Command::new(BINARY)
        .arg("serve")
        .env("TRAFIKLYS_DATABASE_URL", database_url)
        .env("TRAFIKLYS_BIND", format!("127.0.0.1:{port}"))
        .env("TRAFIKLYS_BASE_URL", base)
        .env(
            "TRAFIKLYS_SECRET_KEY",
            "a-secret-key-both-processes-share-0123456789abcdef",
        )
        .env("TRAFIKLYS_OIDC_CONFIG", config)
        .env("TRAFIKLYS_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start trafiklys serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    lines
        .by_ref()
        .map_while(Result::ok)
        .find(|l| l.starts_with("Trafiklys is running at"))
        .expect("the process says it runs");
    std::thread::spawn(move || lines.for_each(drop));
    Serve(child)
}

#[test]
fn a_sign_in_started_at_one_process_finishes_at_another() {
    if !node_ready("oidc::a_sign_in_started_at_one_process_finishes_at_another") {
        return;
    }
    if backend() != Backend::Postgres {
        println!("oidc::a_sign_in_started_at_one_process_finishes_at_another runs in the PostgreSQL pass (one database, two processes), not in this SQLite pass");
        return;
    }
    let (database_url, _database) = fresh_database();
    let pool = store::connect(&database_url).expect("database");
    trafiklys::demo::load(&mut pool.get().unwrap()).expect("demo data");
    let (port_a, port_b, provider_port) = (free_port(), free_port(), free_port());
    let base = format!("http://127.0.0.1:{port_a}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("oidc.toml");
    let text = config(provider_port, free_port(), "").replace("\"frederiksberg.example\" = \"147\"\n\n[[provider]]", "\"frederiksberg.example\" = \"147\"\n\"kkr-hovedstaden.example\" = \"KKR Hovedstaden\"\n\n[[provider]]");
    std::fs::write(&file, text).unwrap();
    let _a = serve(&database_url, port_a, &base, &file);
    let _b = serve(&database_url, port_b, &base, &file);
    let _provider = start_node(
        "provider.mjs",
        provider_port,
        &[format!("{base}/login/sso/frb/callback")],
        &[format!("{base}/")],
    )
    .expect("the provider listens");
    let agent = client();
    let back = through_provider(&base, &agent, "frb", "admin@kkr-hovedstaden.example");
    // The provider sends the browser back to A's address; B answers it (a load balancer's
    // choice), with only what the cookie carries.
    let at_b = back.replace(&base, &format!("http://127.0.0.1:{port_b}"));
    let answer = finish(agent.get(&at_b).call());
    assert_eq!(answer.status, 303, "{}", answer.text());
    // The cookie B set is good at both processes.
    let cookie = session_cookie(&agent);
    for port in [port_a, port_b] {
        let page = finish(
            client()
                .get(&format!("http://127.0.0.1:{port}/account"))
                .header("Cookie", &cookie)
                .call(),
        );
        assert_eq!(page.status, 200, "at {port}");
        assert!(page.text().contains("Anne Admin"));
    }
}
