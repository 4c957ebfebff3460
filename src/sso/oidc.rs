//! OpenID Connect: the authorization code flow with PKCE (the `openidconnect` crate), the
//! provider's metadata found by discovery, and every check of the ID token (issuer, audience,
//! expiry against the app clock, signature against the provider's keys with an asymmetric
//! algorithm only, nonce). The calls are blocking: run them off the async workers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreJsonWebKey, CoreJwsSigningAlgorithm,
};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    EmptyAdditionalClaims, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenClaims,
    IdTokenVerifier, IssuerUrl, JsonWebKeySet, LogoutRequest, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, Scope,
    SignatureVerificationError, TokenResponse,
};

use super::http::ProviderClient;
use super::{Pending, VouchedIdentity};
use crate::domain::sign_in::{SignInRefusal, TokenProblem};

/// How long discovered metadata (endpoints and signing keys) is used before it is read again.
const METADATA_SECONDS: i64 = 600;

/// The signature algorithms an ID token may use: asymmetric ones only, whatever the provider's
/// metadata offers (never `none`, never a MAC keyed with the client secret).
const ALGORITHMS: [CoreJwsSigningAlgorithm; 8] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
];

/// A client made from discovered metadata: its authorization and token endpoints set, the
/// user-info endpoint as the metadata has it.
type SignInClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// An OpenID Connect provider: where it is, who Trafiklys is to it, and its metadata once read.
pub struct OidcProvider {
    issuer: IssuerUrl,
    client_id: ClientId,
    client_secret: Option<ClientSecret>,
    trust_email: bool,
    http: ProviderClient,
    metadata: Mutex<Option<(i64, Arc<ProviderMetadataWithLogout>)>>,
}

impl std::fmt::Debug for OidcProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcProvider")
            .field("issuer", &self.issuer.as_str())
            .field("client_id", &self.client_id.as_str())
            .finish_non_exhaustive()
    }
}

impl OidcProvider {
    pub fn new(
        issuer: &str,
        client_id: &str,
        client_secret: Option<String>,
        trust_email: bool,
        timeout: Duration,
    ) -> Result<OidcProvider, String> {
        let issuer = IssuerUrl::new(issuer.trim().to_owned())
            .map_err(|e| format!("the issuer is not a URL: {e}"))?;
        if !matches!(issuer.url().scheme(), "https" | "http") {
            return Err("the issuer must be an https address".into());
        }
        Ok(OidcProvider {
            issuer,
            client_id: ClientId::new(client_id.to_owned()),
            client_secret: client_secret.map(ClientSecret::new),
            trust_email,
            http: ProviderClient::new(timeout),
            metadata: Mutex::new(None),
        })
    }

    /// `https://login.example.dk` of the issuer `https://login.example.dk/tenant/v2.0`.
    pub fn origin(&self) -> Option<String> {
        let url = self.issuer.url();
        let host = url.host_str()?;
        Some(match url.port() {
            Some(port) => format!("{}://{host}:{port}", url.scheme()),
            None => format!("{}://{host}", url.scheme()),
        })
    }

    /// The provider's metadata: the copy read less than [`METADATA_SECONDS`] ago, else read
    /// again by discovery (which also checks that the document names this issuer).
    fn metadata(&self, now: i64) -> Result<Arc<ProviderMetadataWithLogout>, SignInRefusal> {
        if let Ok(cached) = self.metadata.lock() {
            if let Some((at, metadata)) = cached.as_ref() {
                if now - at < METADATA_SECONDS && now >= *at {
                    return Ok(metadata.clone());
                }
            }
        }
        self.metadata_now(now)
    }

    /// The provider's metadata read now by discovery, kept for the next [`METADATA_SECONDS`].
    fn metadata_now(&self, now: i64) -> Result<Arc<ProviderMetadataWithLogout>, SignInRefusal> {
        let metadata = ProviderMetadataWithLogout::discover(&self.issuer, &self.http)
            .map(Arc::new)
            .map_err(|e| {
                tracing::warn!(issuer = %self.issuer.as_str(), error = %error_chain(&e), "OpenID Connect discovery failed");
                SignInRefusal::ProviderUnavailable
            })?;
        if let Ok(mut cached) = self.metadata.lock() {
            *cached = Some((now, metadata.clone()));
        }
        Ok(metadata)
    }

    /// The client for one step of a sign-in: the provider's metadata, Trafiklys's client id
    /// and secret, and where the provider sends the browser back.
    fn client(
        &self,
        metadata: &ProviderMetadataWithLogout,
        redirect_uri: &str,
    ) -> Result<SignInClient, SignInRefusal> {
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|_| SignInRefusal::ProviderUnavailable)?;
        Ok(CoreClient::from_provider_metadata(
            metadata.clone(),
            self.client_id.clone(),
            self.client_secret.clone(),
        )
        .set_redirect_uri(redirect))
    }

    /// Starts a sign-in: the address to send the browser to, and what the session keeps
    /// until the provider sends the browser back.
    pub fn begin(
        &self,
        provider_id: &str,
        redirect_uri: &str,
        next: String,
        now: i64,
    ) -> Result<(String, Pending), SignInRefusal> {
        let client = self.client(&*self.metadata(now)?, redirect_uri)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".to_owned()))
            .add_scope(Scope::new("profile".to_owned()))
            .set_pkce_challenge(challenge)
            .url();
        let pending = Pending {
            provider: provider_id.to_owned(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            verifier: verifier.secret().clone(),
            next,
        };
        Ok((url.to_string(), pending))
    }

    /// Finishes a sign-in whose state was already checked against `pending`: exchanges the
    /// code (with the PKCE verifier) and checks the ID token. `now` is the app clock's time.
    pub fn finish(
        &self,
        pending: &Pending,
        code: &str,
        redirect_uri: &str,
        now: DateTime<Utc>,
    ) -> Result<VouchedIdentity, SignInRefusal> {
        let metadata = self.metadata(now.timestamp())?;
        let client = self.client(&metadata, redirect_uri)?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|_| SignInRefusal::ProviderUnavailable)?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier.clone()))
            .request(&self.http)
            .map_err(|e| {
                tracing::warn!(issuer = %self.issuer.as_str(), error = %error_chain(&e), "the token request failed");
                match e {
                    openidconnect::RequestTokenError::Parse(..) => {
                        SignInRefusal::Token(TokenProblem::Malformed)
                    }
                    // The provider refused the code: used before, expired, or not its own.
                    openidconnect::RequestTokenError::ServerResponse(answer) => {
                        SignInRefusal::ProviderError {
                            error: answer.error().as_ref().to_owned(),
                        }
                    }
                    _ => SignInRefusal::ProviderUnavailable,
                }
            })?;
        let id_token = response
            .id_token()
            .ok_or(SignInRefusal::Token(TokenProblem::Malformed))?;
        let nonce = Nonce::new(pending.nonce.clone());
        let verifier = |keys: JsonWebKeySet<CoreJsonWebKey>| {
            let (id, issuer) = (self.client_id.clone(), self.issuer.clone());
            match &self.client_secret {
                Some(secret) => {
                    IdTokenVerifier::new_confidential_client(id, secret.clone(), issuer, keys)
                }
                None => IdTokenVerifier::new_public_client(id, issuer, keys),
            }
            .set_allowed_algs(ALGORITHMS)
            .set_time_fn(move || now)
        };
        let mut checked = id_token.claims(&verifier(metadata.jwks().clone()), &nonce);
        if matches!(
            checked,
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey
            ))
        ) {
            // The provider may have rotated its keys since they were read: read them again,
            // once, and check with the new set.
            let fresh = self.metadata_now(now.timestamp())?;
            checked = id_token.claims(&verifier(fresh.jwks().clone()), &nonce);
        }
        let claims = checked.map_err(|e| {
            tracing::info!(issuer = %self.issuer.as_str(), error = %e, "an ID token was refused");
            SignInRefusal::Token(token_problem(&e))
        })?;
        Ok(self.identity(&pending.provider, claims))
    }

    fn identity(
        &self,
        provider: &str,
        claims: &IdTokenClaims<EmptyAdditionalClaims, CoreGenderClaim>,
    ) -> VouchedIdentity {
        let email = claims.email().map(|e| e.as_str().trim().to_lowercase());
        let verified = claims.email_verified() == Some(true)
            || (self.trust_email && claims.email_verified().is_none());
        VouchedIdentity {
            provider: provider.to_owned(),
            subject: claims.subject().as_str().to_owned(),
            email,
            email_verified: verified,
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_owned()),
        }
    }

    /// Where to send the browser to end the provider's session too, if the provider offers
    /// an end-session endpoint; afterwards it comes back to `after`.
    pub fn end_session_url(&self, after: &str, now: i64) -> Option<String> {
        let metadata = self.metadata(now).ok()?;
        let endpoint = metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        let mut request = LogoutRequest::from(endpoint).set_client_id(self.client_id.clone());
        if let Ok(after) = PostLogoutRedirectUrl::new(after.to_owned()) {
            request = request.set_post_logout_redirect_uri(after);
        }
        Some(request.http_get_url().to_string())
    }
}

/// Which check an ID token failed.
fn token_problem(e: &ClaimsVerificationError) -> TokenProblem {
    match e {
        ClaimsVerificationError::Expired(_) => TokenProblem::Expired,
        ClaimsVerificationError::InvalidAudience(_) => TokenProblem::Audience,
        ClaimsVerificationError::InvalidIssuer(_) => TokenProblem::Issuer,
        ClaimsVerificationError::InvalidNonce(_) => TokenProblem::Nonce,
        ClaimsVerificationError::SignatureVerification(s) => match s {
            SignatureVerificationError::DisallowedAlg(_)
            | SignatureVerificationError::NoSignature
            | SignatureVerificationError::UnsupportedAlg(_) => TokenProblem::Algorithm,
            _ => TokenProblem::Signature,
        },
        _ => TokenProblem::Malformed,
    }
}

/// An error with its causes, for the log.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
