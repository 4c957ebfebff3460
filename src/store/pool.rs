//! Taking a connection from the pool, with a circuit that answers at once while the
//! database cannot be reached.

use super::*;

/// How long a failure to reach the database is trusted without trying again: meanwhile every
/// request is answered at once that the database cannot be used.
pub(super) const CIRCUIT_HOLD: Duration = Duration::from_millis(1000);
/// How long a request waits for a connection while the database is failing (after
/// [`CIRCUIT_HOLD`], while the pool tries to connect again in the background).
pub(super) const WAIT_WHILE_FAILING: Duration = Duration::from_millis(600);
/// How long a request waits for a connection while the database answers (all connections
/// busy with other requests).
pub(super) const WAIT: Duration = Duration::from_secs(10);
/// The pool's own timeout: what a plain `pool.get()` waits, and (halved) the longest pause
/// between the pool's attempts to connect again, so that requests recover within about a
/// second of the database's return.
pub(super) const POOL_TIMEOUT: Duration = Duration::from_secs(2);
/// How often a waiting request looks at the circuit.
pub(super) const WAIT_STEP: Duration = Duration::from_millis(50);

/// Remembers whether the last attempt to reach the database failed, when, and why. The pool
/// records every connection attempt and every failed check of a pooled connection here; a
/// request consults it before waiting for a connection (see [`checkout`]).
#[derive(Debug, Default)]
pub struct Circuit {
    failure: std::sync::Mutex<Option<(std::time::Instant, String)>>,
}

impl Circuit {
    pub(super) fn failed(&self, reason: String) {
        if let Ok(mut failure) = self.failure.lock() {
            *failure = Some((std::time::Instant::now(), reason));
        }
    }

    pub(super) fn succeeded(&self) {
        if let Ok(mut failure) = self.failure.lock() {
            *failure = None;
        }
    }

    /// The last failure and how long ago it was, unless the database answered since.
    fn last_failure(&self) -> Option<(Duration, String)> {
        let failure = self.failure.lock().ok()?;
        failure
            .as_ref()
            .map(|(at, reason)| (at.elapsed(), reason.clone()))
    }
}

/// Why no connection could be had.
#[derive(Debug, thiserror::Error)]
pub enum CheckoutError {
    #[error("the database could not be reached {ago} ms ago: {reason}")]
    Unreachable { ago: u128, reason: String },
    #[error("no database connection became free in time: {0}")]
    Timeout(#[source] diesel::r2d2::PoolError),
}

/// A connection from the pool, without waiting on a database that cannot be reached: within
/// [`CIRCUIT_HOLD`] of a failure the answer is immediate, and while failing a request waits
/// at most [`WAIT_WHILE_FAILING`] for the pool's next attempt to succeed; otherwise up to
/// [`WAIT`] for a busy pool, ending early as soon as an attempt to connect fails.
pub fn checkout(pool: &DbPool) -> Result<PooledDb, CheckoutError> {
    let circuit = &pool.circuit;
    let start = std::time::Instant::now();
    loop {
        let budget = match circuit.last_failure() {
            Some((ago, reason)) if ago < CIRCUIT_HOLD => {
                return Err(CheckoutError::Unreachable {
                    ago: ago.as_millis(),
                    reason,
                })
            }
            Some(_) => WAIT_WHILE_FAILING,
            None => WAIT,
        };
        let left = budget.saturating_sub(start.elapsed());
        match pool.get_timeout(left.min(WAIT_STEP).max(Duration::from_millis(1))) {
            Ok(conn) => return Ok(conn),
            Err(e) if start.elapsed() >= budget => {
                return Err(match circuit.last_failure() {
                    Some((ago, reason)) => CheckoutError::Unreachable {
                        ago: ago.as_millis(),
                        reason,
                    },
                    None => CheckoutError::Timeout(e),
                })
            }
            Err(_) => {}
        }
    }
}
