//! The real `trafiklys` binary as a child process: started on a database file, its address
//! read from what it prints, its log lines collected.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use trafiklys::domain::Role;

pub struct Server {
    child: Child,
    pub address: String,
    /// Demo sign-ins printed at start (role, email, password), when started with `--demo`.
    pub sign_ins: Vec<(String, String, String)>,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `trafiklys serve` on `db` with the given extra arguments and environment, and
    /// waits until it listens.
    pub fn start(db: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_trafiklys"));
        command
            .arg("serve")
            .args(["--bind", "127.0.0.1:0"])
            .args(args)
            .env("TRAFIKLYS_DATABASE_URL", db)
            .env(
                "TRAFIKLYS_SECRET_KEY",
                "binary-test-secret-that-is-long-enough-0123456789",
            )
            .env_remove("TRAFIKLYS_LOG_FORMAT")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let child = command.spawn().expect("start trafiklys");
        let log = Arc::new(Mutex::new(Vec::new()));
        // Owned by the server value from here on, so it is killed however this ends.
        let mut server = Server {
            child,
            address: String::new(),
            sign_ins: Vec::new(),
            log: Arc::clone(&log),
        };
        let stderr = server.child.stderr.take().expect("stderr");
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let stdout = server.child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let line = rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_else(|_| {
                    panic!(
                        "trafiklys did not start; its log:\n{}",
                        log.lock().unwrap().join("\n")
                    )
                });
            if let Some(rest) = line.strip_prefix("Trafiklys is running at ") {
                server.address = rest.trim().trim_end_matches('/').to_owned();
                return server;
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            if words.len() == 3 && ["admin", "kkr", "editor", "reader"].contains(&words[0]) {
                server.sign_ins.push((
                    words[0].to_owned(),
                    words[1].to_owned(),
                    words[2].to_owned(),
                ));
            }
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn sign_in_of(&self, role: Role) -> (String, String) {
        self.sign_ins
            .iter()
            .find(|(r, _, _)| r == role.as_str())
            .map(|(_, email, password)| (email.clone(), password.clone()))
            .expect("demo sign-in printed")
    }

    /// The log lines written so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Kills the process at once (SIGKILL): no shutdown, no flushing.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
