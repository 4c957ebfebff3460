//! Attachment rendering: one attachment PDF cold (a fresh engine, fonts loaded) and warm
//! (the shared engine, as the server uses it), and `export all` for the demo round's 29
//! municipalities plus the KKR report. Targets: at most 150 ms warm, 5 s for all.
//!
//! Run: `cargo bench --bench exports` (release build).

use std::time::{Duration, Instant};

use trafiklys::demo::{self, DemoOutcome};
use trafiklys::domain::MunicipalityCode;
use trafiklys::report::Renderer;
use trafiklys::store::{self, rounds};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.db");
    let pool = store::connect(path.to_str().expect("path")).expect("database");
    let mut conn = pool.get().expect("connection");
    assert!(matches!(
        demo::load(&mut conn).expect("demo"),
        DemoOutcome::Loaded(_)
    ));
    let analysis = rounds::analyse_round(&mut conn, 2)
        .expect("query")
        .expect("round");
    let code = MunicipalityCode::parse("147").expect("code");
    let now = trafiklys::clock::Clock::system().now();

    let started = Instant::now();
    let renderer = Renderer::new(None).expect("renderer");
    let built = started.elapsed();
    let first = renderer
        .attachment(&analysis, &code, false, now)
        .expect("pdf");
    let cold = started.elapsed();
    println!(
        "cold: engine and fonts {:.1} ms, first attachment {:.1} ms in all ({} bytes)",
        ms(built),
        ms(cold),
        first.pdf.len()
    );

    let mut warm: Vec<Duration> = (0..30)
        .map(|_| {
            let t = Instant::now();
            renderer
                .attachment(&analysis, &code, false, now)
                .expect("pdf");
            t.elapsed()
        })
        .collect();
    warm.sort_unstable();
    println!(
        "warm attachment: median {:.1} ms, max {:.1} ms over {} renders (target: at most 150 ms)",
        ms(warm[warm.len() / 2]),
        ms(warm[warm.len() - 1]),
        warm.len()
    );

    let out = tempfile::tempdir().expect("out dir");
    let t = Instant::now();
    for m in &analysis.data.content.municipalities {
        let pdf = renderer
            .attachment(&analysis, &m.code, false, now)
            .expect("pdf")
            .pdf;
        std::fs::write(out.path().join(format!("bilag-{}.pdf", m.code)), pdf).expect("write");
    }
    let report = renderer.kkr_report(&analysis, now).expect("kkr report");
    std::fs::write(out.path().join("kkr-rapport.pdf"), report).expect("write");
    println!(
        "export all: {} attachments and the KKR report in {:.2} s (target: at most 5 s)",
        analysis.data.content.municipalities.len(),
        t.elapsed().as_secs_f64()
    );
}
