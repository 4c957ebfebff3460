//! Single sign-on: the installation's identity providers and the sign-ins through them.
//!
//! A provider is configured in the file `TRAFIKLYS_OIDC_CONFIG` names ([`Providers::parse`]).
//! What every provider has in common (its id, its button's label, the email domains it vouches
//! for and where they belong, whether its domains may still use passwords) is [`Provider`];
//! how it is spoken to is its [`Protocol`]. OpenID Connect is the one protocol today
//! ([`oidc`]); a SAML provider would be another variant whose sign-in ends, like OpenID
//! Connect's, in a [`VouchedIdentity`], after which the same rules
//! ([`crate::domain::sign_in::decide`]) and the same pages apply.
//!
//! A sign-in in progress ([`Pending`]) travels in the encrypted session cookie, so any process
//! behind a load balancer finishes any sign-in and nothing is shared between processes.

pub mod http;
pub mod oidc;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::domain::sign_in::{email_domain, DomainPlace, VouchedDomain};
use crate::domain::MunicipalityCode;

pub use crate::domain::sign_in::VouchedIdentity;

/// How a provider is spoken to.
#[derive(Debug)]
pub enum Protocol {
    Oidc(oidc::OidcProvider),
}

/// One identity provider of the installation.
#[derive(Debug)]
pub struct Provider {
    /// Short and stable: it is in the redirect URI (`/login/sso/{id}/callback`) and the audit.
    pub id: String,
    /// The button's text, e.g. "Log ind med Frederiksberg Kommunes login".
    pub label: String,
    pub domains: Vec<VouchedDomain>,
    /// Whether users of the provider's domains may also sign in with a password.
    pub passwords: bool,
    /// Whether a person of a municipality's domain with no user yet becomes a reader.
    pub create_readers: bool,
    pub protocol: Protocol,
}

impl Provider {
    /// Whether the provider vouches for this email's domain.
    pub fn vouches_for(&self, email: &str) -> bool {
        email_domain(email).is_some_and(|d| self.domains.iter().any(|v| v.domain == d))
    }

    /// The origin (scheme, host, port) of the provider, which sign-out may send the browser
    /// to: the page's `form-action` must allow it.
    pub fn origin(&self) -> Option<String> {
        match &self.protocol {
            Protocol::Oidc(p) => p.origin(),
        }
    }
}

/// The installation's providers, in the order the sign-in page shows them.
#[derive(Debug, Clone, Default)]
pub struct Providers(Vec<Arc<Provider>>);

/// Why the providers' configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("could not read the OpenID Connect configuration: {0}")]
    Syntax(#[from] toml::de::Error),
    #[error("provider «{id}»: {problem}")]
    Provider { id: String, problem: String },
}

/// A provider as the configuration file writes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderEntry {
    id: String,
    label: String,
    issuer: String,
    client_id: String,
    client_secret: Option<String>,
    /// The name of an environment variable holding the secret, instead of the file.
    client_secret_env: Option<String>,
    /// Email domain -> a municipality code ("147") or a KKR's name ("KKR Hovedstaden").
    domains: BTreeMap<String, String>,
    #[serde(default = "yes")]
    passwords: bool,
    #[serde(default)]
    create_readers: bool,
    /// Take the email as verified though the provider sends no `email_verified` (Entra ID
    /// does not): only for a provider that lets no one choose their own email.
    #[serde(default)]
    trust_email: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default, rename = "provider")]
    providers: Vec<ProviderEntry>,
}

impl Providers {
    /// Reads the configuration (TOML, `[[provider]]` tables); `kkr_id` finds a KKR by name
    /// for a domain of a secretariat. `lookup_env` reads `client_secret_env`.
    pub fn parse(
        text: &str,
        mut kkr_id: impl FnMut(&str) -> Option<i32>,
        lookup_env: impl Fn(&str) -> Option<String>,
        timeout: std::time::Duration,
    ) -> Result<Providers, ConfigError> {
        let file: ConfigFile = toml::from_str(text)?;
        let mut providers = Vec::new();
        for entry in file.providers {
            let problem = |problem: String| ConfigError::Provider {
                id: entry.id.clone(),
                problem,
            };
            if entry.id.is_empty()
                || !entry
                    .id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(problem("the id may hold only a-z, 0-9, - and _".into()));
            }
            if providers.iter().any(|p: &Arc<Provider>| p.id == entry.id) {
                return Err(problem("two providers have this id".into()));
            }
            let domains = entry
                .domains
                .iter()
                .map(|(domain, place)| {
                    let place = match MunicipalityCode::parse(place) {
                        Ok(code) => DomainPlace::Municipality(code),
                        Err(_) => DomainPlace::Secretariat {
                            kkr_id: kkr_id(place).ok_or_else(|| {
                                problem(format!(
                                    "the domain {domain} names «{place}», which is neither a \
                                     municipality code nor a KKR"
                                ))
                            })?,
                        },
                    };
                    Ok(VouchedDomain {
                        domain: domain.trim().trim_start_matches('@').to_lowercase(),
                        place,
                    })
                })
                .collect::<Result<Vec<_>, ConfigError>>()?;
            if domains.is_empty() {
                return Err(problem("name at least one email domain".into()));
            }
            let secret = match (&entry.client_secret, &entry.client_secret_env) {
                (Some(s), _) => Some(s.clone()),
                (None, Some(var)) => Some(lookup_env(var).ok_or_else(|| {
                    problem(format!("the environment variable {var} is not set"))
                })?),
                (None, None) => None,
            };
            let oidc = oidc::OidcProvider::new(
                &entry.issuer,
                &entry.client_id,
                secret,
                entry.trust_email,
                timeout,
            )
            .map_err(problem)?;
            providers.push(Arc::new(Provider {
                id: entry.id.clone(),
                label: entry.label.clone(),
                domains,
                passwords: entry.passwords,
                create_readers: entry.create_readers,
                protocol: Protocol::Oidc(oidc),
            }));
        }
        Ok(Providers(providers))
    }

    pub fn all(&self) -> &[Arc<Provider>] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn find(&self, id: &str) -> Option<Arc<Provider>> {
        self.0.iter().find(|p| p.id == id).cloned()
    }

    /// The label of a provider that vouches for this email and has turned passwords off
    /// for its domains.
    pub fn without_passwords_for(&self, email: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|p| !p.passwords && p.vouches_for(email))
            .map(|p| p.label.as_str())
    }

    /// The providers' origins, for the pages' `form-action`.
    pub fn origins(&self) -> Vec<String> {
        let mut origins: Vec<String> = self.0.iter().filter_map(|p| p.origin()).collect();
        origins.sort();
        origins.dedup();
        origins
    }
}

/// A sign-in sent to a provider and not yet back, kept in the session cookie.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub provider: String,
    /// The `state` sent: the answer must carry it back.
    pub state: String,
    /// The `nonce` sent: the ID token must carry it.
    pub nonce: String,
    /// The PKCE code verifier whose challenge was sent.
    pub verifier: String,
    /// The local path to go to afterwards.
    pub next: String,
}

/// The session key of [`Pending`].
pub const PENDING_KEY: &str = "sso_pending";
/// The session key of the provider the session signed in with (for sign-out).
pub const SIGNED_IN_WITH_KEY: &str = "sso_provider";

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"
[[provider]]
id = "frb"
label = "Log ind med Frederiksberg Kommunes login"
issuer = "https://login.example.dk/frb"
client_id = "trafiklys"
client_secret_env = "FRB_SECRET"
passwords = false
create_readers = true
[provider.domains]
"frederiksberg.dk" = "147"
"kkr.dk" = "KKR Hovedstaden"
"#;

    fn parse(text: &str) -> Result<Providers, ConfigError> {
        Providers::parse(
            text,
            |name| (name == "KKR Hovedstaden").then_some(1),
            |var| (var == "FRB_SECRET").then(|| "s3cret".to_owned()),
            std::time::Duration::from_secs(5),
        )
    }

    #[test]
    fn a_provider_is_read_with_its_domains_and_choices() {
        let providers = parse(CONFIG).unwrap();
        let frb = providers.find("frb").unwrap();
        assert_eq!(frb.label, "Log ind med Frederiksberg Kommunes login");
        assert!(!frb.passwords && frb.create_readers);
        assert_eq!(frb.domains.len(), 2);
        assert!(frb.domains.contains(&VouchedDomain {
            domain: "kkr.dk".into(),
            place: DomainPlace::Secretariat { kkr_id: 1 },
        }));
        assert_eq!(
            providers.without_passwords_for("Anne@Frederiksberg.dk"),
            Some("Log ind med Frederiksberg Kommunes login")
        );
        assert_eq!(providers.without_passwords_for("anne@other.dk"), None);
        assert_eq!(
            providers.origins(),
            vec!["https://login.example.dk".to_owned()]
        );
    }

    #[test]
    fn a_configuration_with_a_mistake_names_it() {
        let unknown_kkr = CONFIG.replace("KKR Hovedstaden", "KKR Atlantis");
        assert!(parse(&unknown_kkr)
            .unwrap_err()
            .to_string()
            .contains("KKR Atlantis"));
        let no_env = CONFIG.replace("FRB_SECRET", "NOT_SET");
        assert!(parse(&no_env).unwrap_err().to_string().contains("NOT_SET"));
        let typo = CONFIG.replace("passwords", "passwrods");
        assert!(parse(&typo).is_err());
        let bad_id = CONFIG.replace("id = \"frb\"", "id = \"f/b\"");
        assert!(parse(&bad_id).is_err());
    }
}
