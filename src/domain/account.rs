//! Accounts as people type them: email addresses, new passwords, names, and where a role
//! belongs (a KKR or a municipality). Parsed at the edge into values that are valid by
//! construction, with a Danish message otherwise.

use super::model::{InvalidValue, MunicipalityCode, Role};

/// An email address, trimmed and lower-cased (addresses are compared case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub const MAX_CHARS: usize = 254;

    pub fn parse(raw: &str) -> Result<EmailAddress, InvalidValue> {
        let email = raw.trim().to_lowercase();
        let invalid = || {
            InvalidValue(format!(
                "«{}» er ikke en e-mailadresse. Skriv fx navn@kommune.dk.",
                email.chars().take(60).collect::<String>()
            ))
        };
        if email.is_empty() {
            return Err(InvalidValue("Skriv en e-mailadresse.".into()));
        }
        if email.chars().count() > Self::MAX_CHARS {
            return Err(InvalidValue(format!(
                "E-mailadressen må højst være {} tegn.",
                Self::MAX_CHARS
            )));
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let bad_char =
            |c: char| c.is_whitespace() || c.is_control() || "<>()[],;:\"\\@".contains(c);
        if local.is_empty()
            || domain.is_empty()
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
            || local.chars().any(bad_char)
            || domain.chars().any(bad_char)
        {
            return Err(invalid());
        }
        Ok(EmailAddress(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A password a user chooses: at least [`NewPassword::MIN_CHARS`] characters, typed twice alike.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

/// Why a chosen password was refused, per field, so the page can point at the right one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordRejection {
    TooShort(usize),
    TooLong,
    Mismatch,
}

impl PasswordRejection {
    /// The field the message belongs to: the password or its repetition.
    pub fn field(&self) -> &'static str {
        match self {
            PasswordRejection::Mismatch => "password-confirm",
            _ => "password",
        }
    }

    pub fn message(&self) -> String {
        match self {
            PasswordRejection::TooShort(n) => format!(
                "Adgangskoden er {n} tegn; den skal være mindst {} tegn. En sætning af flere ord er let at huske.",
                NewPassword::MIN_CHARS
            ),
            PasswordRejection::TooLong => format!(
                "Adgangskoden må højst være {} tegn.",
                NewPassword::MAX_CHARS
            ),
            PasswordRejection::Mismatch => {
                "De to adgangskoder er ikke ens. Skriv den samme adgangskode i begge felter.".into()
            }
        }
    }
}

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 1000;

    pub fn parse(password: &str, confirmation: &str) -> Result<NewPassword, PasswordRejection> {
        let length = password.chars().count();
        if length < Self::MIN_CHARS {
            return Err(PasswordRejection::TooShort(length));
        }
        if length > Self::MAX_CHARS {
            return Err(PasswordRejection::TooLong);
        }
        if password != confirmation {
            return Err(PasswordRejection::Mismatch);
        }
        Ok(NewPassword(password.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's name as shown in the application: 1 to 200 characters, no control characters.
pub fn parse_person_name(raw: &str) -> Result<String, InvalidValue> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(InvalidValue("Skriv personens navn.".into()));
    }
    if name.chars().count() > 200 {
        return Err(InvalidValue("Navnet må højst være 200 tegn.".into()));
    }
    if name.chars().any(char::is_control) {
        return Err(InvalidValue("Navnet må ikke indeholde styretegn.".into()));
    }
    Ok(name.to_owned())
}

/// How long a new API token works, in days: one of [`TOKEN_LIFETIMES`], a year unless its
/// owner chooses a shorter time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenLifetime(i64);

/// The lifetimes a token may be given, in days.
pub const TOKEN_LIFETIMES: [i64; 4] = [30, 90, 180, 365];

impl TokenLifetime {
    pub const DEFAULT_DAYS: i64 = 365;

    /// The lifetime chosen on the form; empty means the default.
    pub fn parse(raw: Option<&str>) -> Result<TokenLifetime, InvalidValue> {
        let raw = raw.map(str::trim).unwrap_or("");
        if raw.is_empty() {
            return Ok(TokenLifetime(Self::DEFAULT_DAYS));
        }
        raw.parse::<i64>()
            .ok()
            .filter(|days| TOKEN_LIFETIMES.contains(days))
            .map(TokenLifetime)
            .ok_or_else(|| InvalidValue("Vælg, hvor længe nøglen skal virke.".into()))
    }

    pub fn days(self) -> i64 {
        self.0
    }

    /// When a token made at `now` stops working.
    pub fn expiry_from(self, now: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
        now + chrono::Duration::days(self.0)
    }
}

/// Where a user belongs: a KKR for the KKR roles, a municipality for the municipal roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    Kkr(i32),
    Municipality(MunicipalityCode),
}

impl Placement {
    /// The placement a role needs inside the admin's own KKR: KKR roles belong to that KKR,
    /// municipal roles to the chosen municipality, which must be one of the KKR's
    /// (`in_kkr` says whether it is).
    pub fn for_role(
        role: Role,
        kkr_id: i32,
        municipality: Option<&MunicipalityCode>,
        in_kkr: impl Fn(&MunicipalityCode) -> bool,
    ) -> Result<Placement, InvalidValue> {
        match role {
            Role::Admin | Role::Kkr => Ok(Placement::Kkr(kkr_id)),
            Role::Editor | Role::Reader => match municipality {
                None => Err(InvalidValue(
                    "Vælg kommunen: en kommunal medarbejder og en byrådssekretær hører til en kommune."
                        .into(),
                )),
                Some(code) if in_kkr(code) => Ok(Placement::Municipality(code.clone())),
                Some(code) => Err(InvalidValue(format!(
                    "Kommune {code} hører ikke til jeres KKR."
                ))),
            },
        }
    }

    pub fn kkr_id(&self) -> Option<i32> {
        match self {
            Placement::Kkr(id) => Some(*id),
            Placement::Municipality(_) => None,
        }
    }

    pub fn municipality_code(&self) -> Option<&MunicipalityCode> {
        match self {
            Placement::Kkr(_) => None,
            Placement::Municipality(code) => Some(code),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_trimmed_and_lower_cased() {
        assert_eq!(
            EmailAddress::parse("  Anne.Hansen@Frederiksberg.DK ")
                .unwrap()
                .as_str(),
            "anne.hansen@frederiksberg.dk"
        );
    }

    #[test]
    fn malformed_email_addresses_get_a_danish_message() {
        for bad in [
            "anne",
            "@kommune.dk",
            "anne@",
            "anne@kommune",
            "an ne@kommune.dk",
            "anne@@kommune.dk",
            "anne@kommune..dk",
            "<anne@kommune.dk>",
        ] {
            let err = EmailAddress::parse(bad).unwrap_err();
            assert!(
                err.to_string().contains("ikke en e-mailadresse"),
                "{bad}: {err}"
            );
        }
        assert_eq!(
            EmailAddress::parse(" ").unwrap_err().to_string(),
            "Skriv en e-mailadresse."
        );
    }

    #[test]
    fn a_new_password_needs_twelve_characters_and_the_same_twice() {
        assert!(NewPassword::parse("tolv tegn er", "tolv tegn er").is_ok());
        assert_eq!(
            NewPassword::parse("elleve tegn", "elleve tegn").unwrap_err(),
            PasswordRejection::TooShort(11)
        );
        // Characters, not bytes: twelve Danish letters are enough.
        assert!(NewPassword::parse(&"æ".repeat(12), &"æ".repeat(12)).is_ok());
        let mismatch = NewPassword::parse("tolv tegn er", "tolv tegn ER").unwrap_err();
        assert_eq!(mismatch, PasswordRejection::Mismatch);
        assert_eq!(mismatch.field(), "password-confirm");
        assert!(PasswordRejection::TooShort(3)
            .message()
            .contains("mindst 12 tegn"));
    }

    #[test]
    fn municipal_roles_need_a_municipality_of_the_admins_kkr() {
        let code = MunicipalityCode::parse("147").unwrap();
        let yes = |_: &MunicipalityCode| true;
        let no = |_: &MunicipalityCode| false;
        assert_eq!(
            Placement::for_role(Role::Kkr, 3, Some(&code), yes).unwrap(),
            Placement::Kkr(3)
        );
        assert_eq!(
            Placement::for_role(Role::Editor, 3, Some(&code), yes).unwrap(),
            Placement::Municipality(code.clone())
        );
        assert!(Placement::for_role(Role::Reader, 3, None, yes).is_err());
        assert!(Placement::for_role(Role::Editor, 3, Some(&code), no)
            .unwrap_err()
            .to_string()
            .contains("hører ikke til jeres KKR"));
    }

    #[test]
    fn a_token_works_for_a_year_unless_a_listed_shorter_time_is_chosen() {
        assert_eq!(TokenLifetime::parse(None).unwrap().days(), 365);
        assert_eq!(TokenLifetime::parse(Some(" ")).unwrap().days(), 365);
        assert_eq!(TokenLifetime::parse(Some("90")).unwrap().days(), 90);
        for bad in ["0", "366", "100000", "-30", "et år"] {
            assert!(TokenLifetime::parse(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(parse_person_name("  Anne  ").unwrap(), "Anne");
        assert!(parse_person_name("").is_err());
        assert!(parse_person_name("a\u{1b}b").is_err());
        assert!(parse_person_name(&"x".repeat(201)).is_err());
    }
}
