//! The HTTP client the OpenID Connect library calls (discovery, keys, the token endpoint):
//! ureq over rustls, no redirects followed (a redirect from a provider's endpoint is refused,
//! not followed elsewhere), a timeout on every request and a bound on every answer.

use std::time::Duration;

use openidconnect::{HttpRequest, HttpResponse, SyncHttpClient};

/// The largest answer read from a provider (a discovery document or a key set is a few KB).
const MAX_ANSWER_BYTES: u64 = 1024 * 1024;

/// A blocking client; run it off the async workers.
#[derive(Clone)]
pub struct ProviderClient {
    agent: ureq::Agent,
}

impl ProviderClient {
    pub fn new(timeout: Duration) -> ProviderClient {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(timeout))
            .build()
            .into();
        ProviderClient { agent }
    }
}

impl std::fmt::Debug for ProviderClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProviderClient")
    }
}

impl SyncHttpClient for ProviderClient {
    type Error = ureq::Error;

    fn call(&self, request: HttpRequest) -> Result<HttpResponse, Self::Error> {
        let response = self.agent.run(request)?;
        let (parts, mut body) = response.into_parts();
        let bytes = body.with_config().limit(MAX_ANSWER_BYTES).read_to_vec()?;
        Ok(HttpResponse::from_parts(parts, bytes))
    }
}
