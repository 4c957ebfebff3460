//! Dashboard throughput: requests per second and latency percentiles at 64 concurrent
//! connections, for the demo round (29 municipalities × 12 recommendations) and a synthetic
//! round (98 municipalities × 60 recommendations).
//!
//! Run: `cargo bench --bench dashboard` (release build). The server runs in this process on
//! loopback with its default workers; the 64 client threads share the machine with it, so
//! the figures are a floor. Each case runs a bounded number of requests.

use std::net::TcpListener;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use trafiklys::demo::{self, DemoOutcome};
use trafiklys::domain::{Answer, MunicipalityCode, Role, RoundState, SubmissionState};
use trafiklys::store::{self, reference, rounds, submissions, users, DbPool};
use trafiklys::web;

const CONNECTIONS: usize = 64;
const REQUESTS_PER_CONNECTION: usize = 60;

struct Server {
    address: String,
    _dir: tempfile::TempDir,
}

fn start(pool: DbPool, dir: tempfile::TempDir) -> Server {
    let settings = web::Settings {
        secret_key: Some("benchmark-secret-key-that-is-long-enough-0123456789".into()),
        ..web::Settings::default()
    };
    let state = web::AppState::new(pool, &settings).expect("state");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            web::server(listener, state, &settings)
                .expect("server")
                .await
                .expect("server ran")
        })
    });
    Server { address, _dir: dir }
}

fn fresh_pool() -> (DbPool, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.db");
    let pool = store::connect(path.to_str().expect("path")).expect("database");
    (pool, dir)
}

fn sign_in(address: &str, email: &str, password: &str) -> ureq::Agent {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let page = agent
        .get(&format!("{address}/login"))
        .call()
        .expect("login page")
        .body_mut()
        .read_to_string()
        .expect("body");
    let marker = "name=\"csrf_token\" value=\"";
    let start = page.find(marker).expect("token") + marker.len();
    let token = &page[start..start + page[start..].find('"').expect("end")];
    let response = agent
        .post(&format!("{address}/login"))
        .send_form([
            ("email", email),
            ("password", password),
            ("csrf_token", token),
        ])
        .expect("sign in");
    assert_eq!(response.status().as_u16(), 303, "sign-in failed");
    agent
}

fn run(name: &str, address: &str, path: &str, email: &str, password: &str) {
    let agents: Vec<ureq::Agent> = (0..CONNECTIONS)
        .map(|_| sign_in(address, email, password))
        .collect();
    // One warm-up request fills the summary cache.
    let warm = agents[0]
        .get(&format!("{address}{path}"))
        .call()
        .expect("warm-up");
    assert_eq!(warm.status().as_u16(), 200);

    let barrier = Arc::new(Barrier::new(CONNECTIONS));
    let url = format!("{address}{path}");
    let started = Instant::now();
    let handles: Vec<_> = agents
        .into_iter()
        .map(|agent| {
            let barrier = Arc::clone(&barrier);
            let url = url.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let mut latencies = Vec::with_capacity(REQUESTS_PER_CONNECTION);
                for _ in 0..REQUESTS_PER_CONNECTION {
                    let t = Instant::now();
                    let mut response = agent.get(&url).call().expect("request");
                    let _ = response.body_mut().read_to_vec().expect("body");
                    assert_eq!(response.status().as_u16(), 200);
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("client thread"))
        .collect();
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "{name}: {} requests over {CONNECTIONS} connections in {:.2} s = {:.0} req/s; p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
        latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
    );
}

fn demo_case() {
    let (pool, dir) = fresh_pool();
    let sign_ins = match demo::load(&mut pool.get().expect("connection")).expect("demo") {
        DemoOutcome::Loaded(s) => s,
        other => panic!("{other:?}"),
    };
    let kkr = sign_ins
        .iter()
        .find(|s| s.role == Role::Kkr)
        .expect("kkr user");
    let server = start(pool, dir);
    run(
        "demo round (29 municipalities x 12 recommendations)",
        &server.address,
        "/rounds/2",
        &kkr.email,
        &kkr.password,
    );
}

fn synthetic_case() {
    let (pool, dir) = fresh_pool();
    let mut conn = pool.get().expect("connection");
    let kkr_id = reference::ensure_kkr(&mut conn, "KKR Syntetisk").expect("kkr");
    for i in 0..98 {
        let code = MunicipalityCode::parse(&format!("{}", 900 + i)).expect("code");
        reference::insert_municipality(&mut conn, &code, &format!("Kommune {i:02}"), kkr_id)
            .expect("municipality");
    }
    let round_id = rounds::insert_round(
        &mut conn,
        &rounds::NewRound {
            kkr_id,
            year: 2030,
            title: "Syntetisk runde".into(),
            subject: "beskæftigelsesområdet".into(),
            participants: None,
            deadline: (chrono::Utc::now() + chrono::Duration::days(30)).naive_utc(),
            state: RoundState::Open,
            focus_areas: (1..=10)
                .map(|area| rounds::NewFocusArea {
                    number: area,
                    title: format!("Indsatsområde {area}"),
                    recommendations: (1..=6)
                        .map(|n| rounds::NewRecommendation {
                            code: format!("{area}.{n}"),
                            text: format!("Anbefaling {area}.{n} om et tværkommunalt samarbejde"),
                            binding: n % 2 == 0,
                            carried_from: None,
                        })
                        .collect(),
                })
                .collect(),
        },
        None,
    )
    .expect("round");
    let password = "benchmark-password-long";
    let admin = users::create_user(
        &mut conn,
        &users::NewUser {
            email: "admin@syntetisk.example".into(),
            name: "Admin".into(),
            role: Role::Admin,
            kkr_id: Some(kkr_id),
            municipality_code: None,
        },
        &trafiklys::password::hash(password).expect("hash"),
        None,
    )
    .expect("user");
    let content = rounds::load_content(&mut conn, round_id)
        .expect("query")
        .expect("round");
    for (i, m) in content.municipalities.iter().enumerate() {
        let answers = content
            .recommendations
            .iter()
            .enumerate()
            .map(|(r, rec)| Answer {
                recommendation_id: rec.id,
                status: Some(trafiklys::domain::Status::ALL[(i * 7 + r * 3) % 3]),
                comment: format!("Kommentar fra {} til {}", m.name, rec.code),
                carried: false,
            })
            .collect();
        submissions::save(
            &mut conn,
            &submissions::SaveSubmission {
                round_id,
                municipality_code: m.code.clone(),
                base_version: 0,
                answers,
                proposals: String::new(),
                state: SubmissionState::Submitted,
            },
            admin.id,
        )
        .expect("submission");
    }
    drop(conn);
    let server = start(pool, dir);
    run(
        "synthetic round (98 municipalities x 60 recommendations)",
        &server.address,
        &format!("/rounds/{round_id}"),
        "admin@syntetisk.example",
        password,
    );
}

fn main() {
    demo_case();
    synthetic_case();
}
