//! Rate limits against guessing and flooding: sign-in attempts per account and per client
//! address, API token checks per client address, and snapshots per user.
//!
//! Each limit is a token bucket (the `governor` crate): a client may use the whole allowance at
//! once, after which it comes back evenly over a minute. Every attempt counts, successful or
//! not, and an unknown email counts exactly like a known one, so the answers do not tell
//! which accounts exist. The state lives in the process: with several instances behind a load
//! balancer each keeps its own count, which multiplies the allowance by the number of
//! instances but still bounds it.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};

use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::web::error::AppError;

/// How many attempts a client gets per minute; every limit can be set by flag or environment.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct LimitSettings {
    /// Sign-in attempts per minute for one email address, whether the account exists or not.
    #[arg(
        long = "login-limit-per-account",
        env = "TRAFIKLYS_LOGIN_LIMIT_PER_ACCOUNT",
        default_value_t = 10
    )]
    pub login_per_account: u32,
    /// Sign-in attempts per minute from one client address (generous: offices share one).
    #[arg(
        long = "login-limit-per-ip",
        env = "TRAFIKLYS_LOGIN_LIMIT_PER_IP",
        default_value_t = 100
    )]
    pub login_per_ip: u32,
    /// API requests with a bearer token per minute from one client address.
    #[arg(
        long = "api-token-limit-per-ip",
        env = "TRAFIKLYS_API_TOKEN_LIMIT_PER_IP",
        default_value_t = 1200
    )]
    pub api_tokens_per_ip: u32,
    /// Attachment snapshots one user may save per minute.
    #[arg(
        long = "snapshot-limit-per-user",
        env = "TRAFIKLYS_SNAPSHOT_LIMIT_PER_USER",
        default_value_t = 6
    )]
    pub snapshots_per_user: u32,
    /// Take the client address from `X-Forwarded-For` (the entry a reverse proxy in front of
    /// Trafiklys adds last). Only set it behind such a proxy: otherwise clients choose their
    /// own address and escape the per-address limits.
    #[arg(long, env = "TRAFIKLYS_BEHIND_PROXY")]
    pub behind_proxy: bool,
}

impl Default for LimitSettings {
    fn default() -> Self {
        LimitSettings {
            login_per_account: 10,
            login_per_ip: 100,
            api_tokens_per_ip: 1200,
            snapshots_per_user: 6,
            behind_proxy: false,
        }
    }
}

/// One keyed limit.
struct Limit<K: std::hash::Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    checks: AtomicU32,
}

impl<K: std::hash::Hash + Eq + Clone> Limit<K> {
    fn per_minute(count: u32) -> Limit<K> {
        let count = NonZeroU32::new(count.max(1)).unwrap_or(NonZeroU32::MIN);
        Limit {
            limiter: RateLimiter::keyed(Quota::per_minute(count)),
            checks: AtomicU32::new(0),
        }
    }

    /// Counts one attempt; `Err(seconds to wait)` when the allowance is used up.
    fn check(&self, key: &K) -> Result<(), u64> {
        // Forget keys that have their whole allowance back now and then, so the map stays
        // small however many addresses and emails are tried.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 1024 == 1023 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter.check_key(key).map_err(|not_until| {
            not_until
                .wait_time_from(DefaultClock::default().now())
                .as_secs()
                .max(1)
        })
    }
}

/// The limits of one process.
pub struct Limits {
    behind_proxy: bool,
    login_account: Limit<String>,
    login_ip: Limit<IpAddr>,
    api_token_ip: Limit<IpAddr>,
    snapshot_user: Limit<i32>,
}

fn parse_ip(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
}

fn minutes(seconds: u64) -> String {
    match seconds {
        0..=60 => "et minut".to_owned(),
        s => format!("{} minutter", s.div_ceil(60)),
    }
}

impl Limits {
    pub fn new(settings: &LimitSettings) -> Limits {
        Limits {
            behind_proxy: settings.behind_proxy,
            login_account: Limit::per_minute(settings.login_per_account),
            login_ip: Limit::per_minute(settings.login_per_ip),
            api_token_ip: Limit::per_minute(settings.api_tokens_per_ip),
            snapshot_user: Limit::per_minute(settings.snapshots_per_user),
        }
    }

    /// The client's address: the connection's peer, or behind a proxy the address the proxy
    /// added last to `X-Forwarded-For` (earlier entries come from the client and prove
    /// nothing).
    pub fn client_ip(&self, req: &HttpRequest) -> Option<IpAddr> {
        let forwarded = self
            .behind_proxy
            .then(|| {
                req.headers()
                    .get_all("x-forwarded-for")
                    .filter_map(|v| v.to_str().ok())
                    .flat_map(|v| v.split(','))
                    .last()
                    .and_then(parse_ip)
            })
            .flatten();
        forwarded.or_else(|| req.peer_addr().map(|a| a.ip()))
    }

    /// Counts an attempt on `account` from this client address against the sign-in
    /// allowance; refused with `message` (given the wait) when either is used up.
    fn account_attempt(
        &self,
        req: &HttpRequest,
        account: &str,
        what: &str,
        message: impl FnOnce(String) -> String,
    ) -> Result<(), AppError> {
        let by_ip = self
            .client_ip(req)
            .map_or(Ok(()), |ip| self.login_ip.check(&ip));
        let by_account = self.login_account.check(&account.to_owned());
        match (by_ip, by_account) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(wait), _) | (_, Err(wait)) => {
                tracing::warn!(account = %account, "{what} limited");
                Err(AppError::TooManyRequests {
                    message: message(minutes(wait)),
                    retry_after_secs: wait,
                })
            }
        }
    }

    /// Counts a sign-in attempt for this email and client address.
    pub fn login(&self, req: &HttpRequest, email: &str) -> Result<(), AppError> {
        let account = email.trim().to_lowercase();
        self.account_attempt(req, &account, "sign-in attempts", |wait| {
            format!(
                "Der har været for mange forsøg på at logge ind. Vent {wait}, og prøv igen. \
                 Har du glemt adgangskoden, så kontakt KKR-sekretariatet."
            )
        })
    }

    /// Counts an attempt at the second step of a sign-in (a code from the app, or a recovery
    /// code) for this account and client address: the same allowance as the password step,
    /// counted apart from it.
    pub fn second_step(&self, req: &HttpRequest, email: &str) -> Result<(), AppError> {
        let account = format!("second-step:{}", email.trim().to_lowercase());
        self.account_attempt(req, &account, "second-step attempts", |wait| {
            format!("Der har været for mange forsøg med koder. Vent {wait}, og prøv igen.")
        })
    }

    /// Counts a request for a password link ("Glemt adgangskode?") for this email and client
    /// address, against the same allowance as sign-in attempts: both try an account.
    pub fn password_link(&self, req: &HttpRequest, email: &str) -> Result<(), AppError> {
        let account = email.trim().to_lowercase();
        self.account_attempt(req, &account, "password link requests", |wait| {
            format!(
                "Der er bedt om for mange links til ny adgangskode eller forsøgt at logge \
                 ind for mange gange. Vent {wait}, og prøv igen."
            )
        })
    }

    /// Counts a check of an API token from this client address.
    pub fn api_token(&self, req: &HttpRequest) -> Result<(), AppError> {
        let Some(ip) = self.client_ip(req) else {
            return Ok(());
        };
        self.api_token_ip.check(&ip).map_err(|wait| {
            tracing::warn!(%ip, "API token checks limited");
            AppError::TooManyRequests {
                message: format!(
                    "For mange forespørgsler med API-nøgle fra denne adresse. Vent {}, og prøv igen.",
                    minutes(wait)
                ),
                retry_after_secs: wait,
            }
        })
    }

    /// Counts a snapshot by this user.
    pub fn snapshot(&self, user_id: i32) -> Result<(), AppError> {
        self.snapshot_user
            .check(&user_id)
            .map_err(|wait| AppError::TooManyRequests {
                message: format!(
                    "Du har gemt mange øjebliksbilleder lige efter hinanden. Vent {}, og prøv igen. \
                     Intet nyt øjebliksbillede er gemt.",
                    minutes(wait)
                ),
                retry_after_secs: wait,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allowance_is_used_up_then_refused_with_a_wait() {
        let limit: Limit<String> = Limit::per_minute(3);
        let key = "anne@kkr.dk".to_owned();
        for _ in 0..3 {
            assert_eq!(limit.check(&key), Ok(()));
        }
        let wait = limit.check(&key).unwrap_err();
        assert!((1..=20).contains(&wait), "{wait}");
        assert_eq!(limit.check(&"other@kkr.dk".to_owned()), Ok(()));
    }

    #[test]
    fn behind_a_proxy_the_address_it_added_counts_not_what_the_client_claims() {
        use actix_web::test::TestRequest;
        let peer: std::net::SocketAddr = "10.0.0.1:4000".parse().unwrap();
        let req = TestRequest::default()
            .peer_addr(peer)
            .insert_header(("X-Forwarded-For", "1.2.3.4, 203.0.113.7"))
            .to_http_request();
        let direct = Limits::new(&LimitSettings::default());
        assert_eq!(direct.client_ip(&req), Some(peer.ip()));
        let proxied = Limits::new(&LimitSettings {
            behind_proxy: true,
            ..LimitSettings::default()
        });
        assert_eq!(proxied.client_ip(&req), "203.0.113.7".parse().ok());
        let no_header = TestRequest::default().peer_addr(peer).to_http_request();
        assert_eq!(proxied.client_ip(&no_header), Some(peer.ip()));
    }

    #[test]
    fn waits_are_said_in_danish_minutes() {
        assert_eq!(minutes(1), "et minut");
        assert_eq!(minutes(60), "et minut");
        assert_eq!(minutes(61), "2 minutter");
    }
}
