//! How people sign in: the rules of single sign-on through an identity provider and of the
//! second step of a password sign-in. Pure: the web edge gathers the facts (the identity the
//! provider vouched for, the user with that email, the installation's settings) and these
//! functions decide; why a sign-in was refused is a [`SignInRefusal`], said in Danish at the
//! web edge (`web::refusals`).

use serde::{Deserialize, Serialize};

use super::model::{MunicipalityCode, Role};

/// Who signed in at an identity provider, as the provider vouched for them after every check
/// of its answer (state, nonce, issuer, audience, expiry, signature). The same for every kind
/// of provider: an OpenID Connect provider gives it now; a SAML provider would give the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VouchedIdentity {
    /// The provider's id in the installation's configuration.
    pub provider: String,
    /// The provider's stable id of the person (`sub`).
    pub subject: String,
    /// The email, lower-cased, if the provider gave one.
    pub email: Option<String>,
    /// Whether the provider says it verified the email (or the installation trusts it to).
    pub email_verified: bool,
    /// The person's name, if given.
    pub name: Option<String>,
}

/// Where a provider's email domain belongs: a municipality, or a KKR's secretariat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DomainPlace {
    Municipality(MunicipalityCode),
    Secretariat { kkr_id: i32 },
}

/// What the installation says about an email domain a provider vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VouchedDomain {
    pub domain: String,
    pub place: DomainPlace,
}

/// The user an email belongs to, as the decision needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownUser {
    pub id: i32,
    pub active: bool,
}

/// What to do with a vouched identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SsoOutcome {
    /// Sign in this existing, active user (and link the provider's account to them).
    SignIn { user_id: i32 },
    /// Create a reader of this municipality and sign them in (the provider allows it).
    CreateReader {
        email: String,
        municipality: MunicipalityCode,
    },
}

/// The part of an email after the last `@`, lower-cased; `None` without one.
pub fn email_domain(email: &str) -> Option<String> {
    let (local, domain) = email.trim().rsplit_once('@')?;
    (!local.is_empty() && !domain.is_empty()).then(|| domain.to_lowercase())
}

/// Decides what a vouched identity leads to. No one gets a role from the provider alone:
/// the email must be verified, its domain one the provider vouches for, and it must belong
/// to an active user; only a provider configured to do so creates readers, and only for a
/// municipality's domain.
pub fn decide(
    identity: &VouchedIdentity,
    domains: &[VouchedDomain],
    user: Option<&KnownUser>,
    create_readers: bool,
) -> Result<SsoOutcome, SignInRefusal> {
    let email = identity.email.clone().ok_or(SignInRefusal::NoEmail)?;
    if !identity.email_verified {
        return Err(SignInRefusal::EmailNotVerified { email });
    }
    let domain = email_domain(&email).ok_or(SignInRefusal::NoEmail)?;
    let Some(vouched) = domains.iter().find(|d| d.domain == domain) else {
        return Err(SignInRefusal::DomainNotVouched { email, domain });
    };
    match (user, &vouched.place) {
        (Some(user), _) if user.active => Ok(SsoOutcome::SignIn { user_id: user.id }),
        (Some(_), _) => Err(SignInRefusal::Deactivated { email }),
        (None, DomainPlace::Municipality(code)) if create_readers => Ok(SsoOutcome::CreateReader {
            email,
            municipality: code.clone(),
        }),
        (None, _) => Err(SignInRefusal::UnknownPerson { email }),
    }
}

/// What was wrong with the identity provider's ID token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenProblem {
    Issuer,
    Audience,
    Expired,
    Signature,
    /// Unsigned (`alg: none`) or signed with an algorithm the installation does not accept.
    Algorithm,
    Nonce,
    /// Missing or malformed in another way.
    Malformed,
}

impl TokenProblem {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenProblem::Issuer => "issuer",
            TokenProblem::Audience => "audience",
            TokenProblem::Expired => "expired",
            TokenProblem::Signature => "signature",
            TokenProblem::Algorithm => "algorithm",
            TokenProblem::Nonce => "nonce",
            TokenProblem::Malformed => "malformed",
        }
    }
}

/// Why a sign-in was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInRefusal {
    /// No sign-in was started in this browser, or the answer's state is not the one sent
    /// (a replayed or forged answer, or one from another browser).
    StateMismatch,
    /// The provider answered with an error (the person cancelled, or it refused them).
    ProviderError {
        error: String,
    },
    /// The provider could not be reached, or its answer could not be read.
    ProviderUnavailable,
    /// The ID token failed a check.
    Token(TokenProblem),
    /// The provider gave no email.
    NoEmail,
    EmailNotVerified {
        email: String,
    },
    /// The provider is not trusted for this email's domain.
    DomainNotVouched {
        email: String,
        domain: String,
    },
    /// No user has this email.
    UnknownPerson {
        email: String,
    },
    Deactivated {
        email: String,
    },
}

impl SignInRefusal {
    /// The reason as the audit trail records it.
    pub fn reason(&self) -> String {
        match self {
            SignInRefusal::StateMismatch => "state_mismatch".into(),
            SignInRefusal::ProviderError { error } => format!("provider_error:{error}"),
            SignInRefusal::ProviderUnavailable => "provider_unavailable".into(),
            SignInRefusal::Token(problem) => format!("token_{}", problem.as_str()),
            SignInRefusal::NoEmail => "no_email".into(),
            SignInRefusal::EmailNotVerified { .. } => "email_not_verified".into(),
            SignInRefusal::DomainNotVouched { .. } => "domain_not_vouched".into(),
            SignInRefusal::UnknownPerson { .. } => "unknown_person".into(),
            SignInRefusal::Deactivated { .. } => "deactivated".into(),
        }
    }

    /// The email the refusal concerns, when there is one.
    pub fn email(&self) -> Option<&str> {
        match self {
            SignInRefusal::EmailNotVerified { email }
            | SignInRefusal::DomainNotVouched { email, .. }
            | SignInRefusal::UnknownPerson { email }
            | SignInRefusal::Deactivated { email } => Some(email),
            _ => None,
        }
    }
}

/// Which users must use the second step when they sign in with a password
/// (`TRAFIKLYS_REQUIRE_TOTP_FOR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TotpRequirement {
    #[default]
    Off,
    Admin,
    All,
}

impl TotpRequirement {
    pub fn parse(raw: &str) -> Result<TotpRequirement, String> {
        match raw.trim() {
            "off" | "" => Ok(TotpRequirement::Off),
            "admin" => Ok(TotpRequirement::Admin),
            "all" => Ok(TotpRequirement::All),
            other => Err(format!(
                "TRAFIKLYS_REQUIRE_TOTP_FOR must be admin, all or off, not «{other}»"
            )),
        }
    }

    /// Whether a user of this role must have the second step.
    pub fn applies_to(self, role: Role) -> bool {
        match self {
            TotpRequirement::Off => false,
            TotpRequirement::Admin => role == Role::Admin,
            TotpRequirement::All => true,
        }
    }
}

/// What a password sign-in leads to once the password matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondStep {
    /// No second step: sign in.
    None,
    /// Ask for a code (or a recovery code).
    Code,
    /// The user must have a second step and has none: enrol first.
    Enrol,
}

/// The second step for a user who proved their password (or used a one-time link).
pub fn second_step(has_totp: bool, requirement: TotpRequirement, role: Role) -> SecondStep {
    if has_totp {
        SecondStep::Code
    } else if requirement.applies_to(role) {
        SecondStep::Enrol
    } else {
        SecondStep::None
    }
}

/// Why a password may not be used to sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordRefusal {
    /// The installation has turned passwords off (`TRAFIKLYS_PASSWORD_SIGNIN=off`).
    Off,
    /// The user's domain belongs to a provider that turned passwords off; the label is the
    /// provider's button.
    UseProvider { label: String },
}

/// Whether this user may sign in with a password. The break-glass admin always may, so the
/// installation can be reached when every provider is down.
pub fn password_allowed(
    passwords_on: bool,
    break_glass: bool,
    provider_without_passwords: Option<&str>,
) -> Result<(), PasswordRefusal> {
    if break_glass {
        return Ok(());
    }
    if !passwords_on {
        return Err(PasswordRefusal::Off);
    }
    match provider_without_passwords {
        Some(label) => Err(PasswordRefusal::UseProvider {
            label: label.to_owned(),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(email: &str, verified: bool) -> VouchedIdentity {
        VouchedIdentity {
            provider: "frb".into(),
            subject: "s1".into(),
            email: Some(email.into()),
            email_verified: verified,
            name: None,
        }
    }

    fn domains() -> Vec<VouchedDomain> {
        vec![
            VouchedDomain {
                domain: "frederiksberg.dk".into(),
                place: DomainPlace::Municipality(MunicipalityCode::parse("147").unwrap()),
            },
            VouchedDomain {
                domain: "kkr.dk".into(),
                place: DomainPlace::Secretariat { kkr_id: 1 },
            },
        ]
    }

    #[test]
    fn an_active_user_with_a_verified_email_of_a_vouched_domain_signs_in() {
        let user = KnownUser {
            id: 7,
            active: true,
        };
        assert_eq!(
            decide(
                &identity("a@frederiksberg.dk", true),
                &domains(),
                Some(&user),
                false
            ),
            Ok(SsoOutcome::SignIn { user_id: 7 })
        );
    }

    #[test]
    fn each_refusal_has_its_reason() {
        let active = KnownUser {
            id: 7,
            active: true,
        };
        let inactive = KnownUser {
            id: 7,
            active: false,
        };
        let refused = |email: &str, verified, user: Option<&KnownUser>, create| {
            decide(&identity(email, verified), &domains(), user, create)
                .unwrap_err()
                .reason()
        };
        assert_eq!(
            refused("a@frederiksberg.dk", false, Some(&active), false),
            "email_not_verified"
        );
        assert_eq!(
            refused("a@evil.dk", true, Some(&active), true),
            "domain_not_vouched"
        );
        assert_eq!(
            refused("a@frederiksberg.dk", true, Some(&inactive), true),
            "deactivated"
        );
        assert_eq!(
            refused("a@frederiksberg.dk", true, None, false),
            "unknown_person"
        );
        // Readers are made only for a municipality's domain.
        assert_eq!(refused("a@kkr.dk", true, None, true), "unknown_person");
    }

    #[test]
    fn a_provider_that_may_creates_readers_of_the_domains_municipality() {
        assert_eq!(
            decide(
                &identity("ny@frederiksberg.dk", true),
                &domains(),
                None,
                true
            ),
            Ok(SsoOutcome::CreateReader {
                email: "ny@frederiksberg.dk".into(),
                municipality: MunicipalityCode::parse("147").unwrap(),
            })
        );
    }

    #[test]
    fn the_second_step_follows_the_requirement_and_what_the_user_has() {
        use TotpRequirement::*;
        assert_eq!(second_step(true, Off, Role::Editor), SecondStep::Code);
        assert_eq!(second_step(false, Off, Role::Admin), SecondStep::None);
        assert_eq!(second_step(false, Admin, Role::Admin), SecondStep::Enrol);
        assert_eq!(second_step(false, Admin, Role::Editor), SecondStep::None);
        assert_eq!(second_step(false, All, Role::Reader), SecondStep::Enrol);
        assert!(TotpRequirement::parse("sometimes").is_err());
    }

    #[test]
    fn only_the_break_glass_admin_uses_a_password_when_passwords_are_off() {
        assert_eq!(
            password_allowed(false, false, None),
            Err(PasswordRefusal::Off)
        );
        assert_eq!(password_allowed(false, true, Some("Log ind")), Ok(()));
        assert_eq!(
            password_allowed(true, false, Some("Log ind med X")),
            Err(PasswordRefusal::UseProvider {
                label: "Log ind med X".into()
            })
        );
        assert_eq!(password_allowed(true, false, None), Ok(()));
    }

    #[test]
    fn the_domain_is_after_the_last_at_sign() {
        assert_eq!(
            email_domain("A@Frederiksberg.DK"),
            Some("frederiksberg.dk".into())
        );
        assert_eq!(email_domain("nobody"), None);
        assert_eq!(email_domain("@x.dk"), None);
    }
}
