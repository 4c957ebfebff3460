//! Users from a table (one row per person: email, name, role, municipality), invited at once
//! by a KKR's admin: parsing and checking every row, and the plan the dry run shows.

use super::answers::MUNICIPALITY;
use super::*;
use crate::domain::account::{parse_person_name, EmailAddress, Placement};
use crate::domain::Role;

/// What a users import is checked against.
#[derive(Debug, Clone, Copy)]
pub struct UserImportContext<'a> {
    /// The admin's KKR: every user is placed in it.
    pub kkr_id: i32,
    /// Every municipality, to tell an unknown one from one of another KKR; those of the KKR
    /// have `kkr_id`.
    pub all_municipalities: &'a [Municipality],
    /// The emails users have already (lowercase).
    pub taken_emails: &'a HashSet<String>,
}

/// One person from the file, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedUser {
    pub row: usize,
    /// Lowercase.
    pub email: String,
    /// The name given, or the email when the cell is empty (the person writes their name
    /// when they choose a password).
    pub name: String,
    pub role: Role,
    /// The KKR, for the KKR's roles.
    pub kkr_id: Option<i32>,
    /// The municipality, for the municipal roles.
    pub municipality: Option<Municipality>,
}

impl ImportedUser {
    /// "Række 3: Emma Hansen <emma@frederiksberg.dk>, kommunal medarbejder, Frederiksberg (147)".
    pub fn line(&self) -> String {
        let who = if self.name == self.email {
            self.email.clone()
        } else {
            format!("{} <{}>", self.name, self.email)
        };
        let place = self
            .municipality
            .as_ref()
            .map(|m| format!(", {} ({})", m.name, m.code))
            .unwrap_or_default();
        format!(
            "Række {}: {who}, {}{place}",
            self.row,
            self.role.label_da().to_lowercase()
        )
    }
}

pub(super) const EMAIL: &[&str] = &[
    "e-mail",
    "email",
    "mail",
    "e-mailadresse",
    "emailadresse",
    "mailadresse",
    "e mail",
];
pub(super) const NAME: &[&str] = &["navn", "name", "fulde navn", "fornavn og efternavn"];
pub(super) const ROLE: &[&str] = &["rolle", "role", "brugerrolle", "adgang"];

/// A role as a secretariat writes it: the code (`editor`), the label the pages show
/// ("Kommunal medarbejder") or a common word for it ("redaktør", "læser"), in any case.
pub fn parse_role_word(raw: &str) -> Option<Role> {
    let word = raw.trim().to_lowercase();
    if let Some(role) = Role::ALL
        .iter()
        .find(|r| r.as_str() == word || r.label_da().to_lowercase() == word)
    {
        return Some(*role);
    }
    match word.as_str() {
        "administrator" | "sekretariat" | "kkr-sekretariatet" | "sekretariatet" => {
            Some(Role::Admin)
        }
        "medlem" | "kkr medlem" | "kkr-medlemmer" => Some(Role::Kkr),
        "redaktør" | "redaktoer" | "medarbejder" | "kommunal" | "udfylder" => Some(Role::Editor),
        "læser" | "laeser" | "byrådssekretariat" | "sekretær" => Some(Role::Reader),
        _ => None,
    }
}

/// Where the columns are.
struct Columns {
    email: usize,
    name: Option<usize>,
    role: usize,
    municipality: Option<usize>,
}

fn columns(table: &Table) -> Result<Columns, Vec<ImportError>> {
    let email = table.require(EMAIL, "E-mail");
    let role = table.require(ROLE, "Rolle");
    match (email, role) {
        (Ok(email), Ok(role)) => Ok(Columns {
            email,
            name: table.find(NAME),
            role,
            municipality: table.find(MUNICIPALITY),
        }),
        (email, role) => Err([email.err(), role.err()].into_iter().flatten().collect()),
    }
}

/// Checks one row: the person, or its errors pushed.
fn check_row(
    table: &Table,
    row: usize,
    cells: &Cells,
    c: &Columns,
    context: UserImportContext<'_>,
    errors: &mut Errors,
) -> Option<ImportedUser> {
    let mut ok = true;
    let raw_email = cell(cells, c.email);
    let email = match EmailAddress::parse(raw_email) {
        Ok(email) => Some(email.into_string()),
        Err(e) => {
            errors.push(table.error(Some(row), Some(c.email), lower_first(&e.to_string())));
            ok = false;
            None
        }
    };
    if let Some(email) = &email {
        if context.taken_emails.contains(email) {
            errors.push(table.error(
                Some(row),
                Some(c.email),
                format!("der findes allerede en bruger med e-mailen {email}."),
            ));
            ok = false;
        }
    }
    let raw_name = c.name.map_or("", |col| cell(cells, col));
    let name = if raw_name.is_empty() {
        email.clone()
    } else {
        match parse_person_name(raw_name) {
            Ok(name) => Some(name),
            Err(e) => {
                errors.push(table.error(Some(row), c.name, lower_first(&e.to_string())));
                ok = false;
                None
            }
        }
    };
    let raw_role = cell(cells, c.role);
    let role = parse_role_word(raw_role);
    if role.is_none() {
        let message = if raw_role.is_empty() {
            "rollen mangler; skriv KKR-sekretariat, KKR-medlem, Kommunal medarbejder eller Byrådssekretær.".to_owned()
        } else {
            format!("rollen «{raw_role}» findes ikke; skriv KKR-sekretariat, KKR-medlem, Kommunal medarbejder eller Byrådssekretær.")
        };
        errors.push(table.error(Some(row), Some(c.role), message));
        ok = false;
    }
    let placement = role.and_then(|role| place(table, row, cells, c, role, context, errors));
    let placement = placement?;
    if !ok {
        return None;
    }
    Some(ImportedUser {
        row,
        email: email?,
        name: name?,
        role: role?,
        kkr_id: placement.0,
        municipality: placement.1,
    })
}

/// The KKR or municipality a row's role belongs to, or its error pushed.
fn place(
    table: &Table,
    row: usize,
    cells: &Cells,
    c: &Columns,
    role: Role,
    context: UserImportContext<'_>,
    errors: &mut Errors,
) -> Option<(Option<i32>, Option<Municipality>)> {
    let raw = c.municipality.map_or("", |col| cell(cells, col));
    let municipality = if raw.is_empty() {
        None
    } else {
        match find_municipality(raw, context.all_municipalities) {
            Some(m) => Some(m),
            None => {
                errors.push(table.error(
                    Some(row),
                    c.municipality,
                    format!("kommunen «{raw}» findes ikke; skriv kommunekoden (fx 147) eller navnet (fx Frederiksberg)."),
                ));
                return None;
            }
        }
    };
    let in_kkr = |code: &MunicipalityCode| {
        context
            .all_municipalities
            .iter()
            .any(|m| &m.code == code && m.kkr_id == context.kkr_id)
    };
    match Placement::for_role(role, context.kkr_id, municipality.map(|m| &m.code), in_kkr) {
        Ok(placement) => Some((
            placement.kkr_id(),
            municipality
                .filter(|_| placement.municipality_code().is_some())
                .cloned(),
        )),
        Err(e) => {
            let message = match municipality {
                Some(m) => format!("{} ({}) hører ikke til jeres KKR.", m.name, m.code),
                None if c.municipality.is_none() => {
                    "kolonnen «Kommune» mangler, og en kommunal medarbejder og en byrådssekretær hører til en kommune.".to_owned()
                }
                None => lower_first(&e.to_string()),
            };
            errors.push(table.error(Some(row), c.municipality.or(Some(c.role)), message));
            None
        }
    }
}

/// "Skriv en e-mailadresse." -> "skriv en e-mailadresse.", as an import's messages follow the
/// place they name.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Reads and checks every row of a users table: each person, or every error with its row and
/// column (an address given twice in the file, or one a user has already, is an error).
pub fn parse_users(
    table: &Table,
    context: UserImportContext<'_>,
) -> Result<Vec<ImportedUser>, Vec<ImportError>> {
    let c = columns(table)?;
    let mut errors = Errors::default();
    let mut users = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (row, cells) in &table.rows {
        let Some(user) = check_row(table, *row, cells, &c, context, &mut errors) else {
            continue;
        };
        if let Some(first) = seen.get(&user.email) {
            errors.push(table.error(
                Some(*row),
                Some(c.email),
                format!(
                    "e-mailen {} står også i række {first}; hver person skal stå én gang.",
                    user.email
                ),
            ));
            continue;
        }
        seen.insert(user.email.clone(), *row);
        users.push(user);
    }
    errors.finish(users)
}

/// What a users import would do, in lines: how many are invited, then each person.
pub fn user_plan_lines(users: &[ImportedUser]) -> Vec<String> {
    let mut lines = vec![match users.len() {
        1 => "1 bruger inviteres.".to_owned(),
        n => format!("{n} brugere inviteres."),
    }];
    lines.extend(users.iter().map(ImportedUser::line));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn municipalities() -> Vec<Municipality> {
        let m = |code: &str, name: &str, kkr_id| Municipality {
            code: MunicipalityCode::parse(code).unwrap(),
            name: name.into(),
            kkr_id,
            council_name: "Byrådet".into(),
        };
        vec![
            m("147", "Frederiksberg", 1),
            m("101", "København", 1),
            m("751", "Aarhus", 2),
        ]
    }

    fn parse(csv: &str, taken: &[&str]) -> Result<Vec<ImportedUser>, Vec<ImportError>> {
        let table = read_table(ImportFile {
            name: "brugere.csv",
            bytes: csv.as_bytes(),
        })
        .unwrap();
        let all = municipalities();
        let taken: HashSet<String> = taken.iter().map(|s| s.to_string()).collect();
        parse_users(
            &table,
            UserImportContext {
                kkr_id: 1,
                all_municipalities: &all,
                taken_emails: &taken,
            },
        )
    }

    #[test]
    fn people_are_read_with_role_words_and_municipality_codes_or_names() {
        let users = parse(
            "E-mail;Navn;Rolle;Kommune\n\
             Emma@Frederiksberg.dk;Emma Hansen;redaktør;Frederiksberg Kommune\n\
             bo@kk.dk;;Byrådssekretær;101\n\
             anne@kkr.dk;Anne;KKR-sekretariat;\n",
            &[],
        )
        .unwrap();
        assert_eq!(users.len(), 3);
        assert_eq!(users[0].email, "emma@frederiksberg.dk");
        assert_eq!(users[0].role, Role::Editor);
        assert_eq!(users[0].municipality.as_ref().unwrap().code.as_str(), "147");
        assert_eq!(users[1].name, "bo@kk.dk");
        assert_eq!(users[1].role, Role::Reader);
        assert_eq!(users[2].kkr_id, Some(1));
        assert!(users[2].municipality.is_none());
        assert_eq!(
            user_plan_lines(&users)[1],
            "Række 2: Emma Hansen <emma@frederiksberg.dk>, kommunal medarbejder, Frederiksberg (147)"
        );
    }

    #[test]
    fn every_error_names_its_row_and_column() {
        let errors = parse(
            "E-mail;Navn;Rolle;Kommune\n\
             ikke-en-adresse;A;redaktør;147\n\
             b@x.dk;B;chef;147\n\
             c@x.dk;C;redaktør;Aarhus\n\
             d@x.dk;D;redaktør;Atlantis\n\
             e@x.dk;E;læser;\n\
             taken@x.dk;F;læser;147\n\
             g@x.dk;G;læser;147\n\
             G@x.dk;G2;læser;147\n",
            &["taken@x.dk"],
        )
        .unwrap_err();
        let texts: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        let expect = [
            (
                "brugere.csv, række 2, kolonne A (E-mail)",
                "ikke-en-adresse",
            ),
            (
                "brugere.csv, række 3, kolonne C (Rolle)",
                "rollen «chef» findes ikke",
            ),
            (
                "brugere.csv, række 4, kolonne D (Kommune)",
                "Aarhus (751) hører ikke til jeres KKR",
            ),
            (
                "brugere.csv, række 5, kolonne D (Kommune)",
                "kommunen «Atlantis» findes ikke",
            ),
            (
                "brugere.csv, række 6, kolonne D (Kommune)",
                "hører til en kommune",
            ),
            (
                "brugere.csv, række 7, kolonne A (E-mail)",
                "findes allerede en bruger med e-mailen taken@x.dk",
            ),
            (
                "brugere.csv, række 9, kolonne A (E-mail)",
                "står også i række 8",
            ),
        ];
        assert_eq!(texts.len(), expect.len(), "{texts:#?}");
        for ((place, words), text) in expect.iter().zip(&texts) {
            assert!(text.starts_with(place), "{text}");
            assert!(text.contains(words), "{text}");
        }
    }

    #[test]
    fn missing_columns_are_named() {
        let errors = parse("Navn;Kommune\nA;147\n", &[]).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert!(errors[0].message.contains("«E-mail» mangler"));
        assert!(errors[1].message.contains("«Rolle» mangler"));
    }
}
