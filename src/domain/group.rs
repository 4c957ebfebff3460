//! Groups of a KKR's municipalities (job clusters and the like), which dashboards, the heatmap
//! and the API can be narrowed to.

use serde::Serialize;

use super::model::{control_character, normalise_lines, InvalidValue, MunicipalityCode};

/// A named group of municipalities inside one KKR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    pub id: i32,
    pub kkr_id: i32,
    pub name: String,
    /// In code order.
    pub members: Vec<MunicipalityCode>,
}

/// A group's name: 1 to 100 characters, no control characters.
pub fn parse_group_name(raw: &str) -> Result<String, InvalidValue> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(InvalidValue(
            "Giv gruppen et navn, fx «Jobklynge Nord».".into(),
        ));
    }
    if name.chars().count() > 100 {
        return Err(InvalidValue("Gruppens navn må højst være 100 tegn.".into()));
    }
    if name.chars().any(char::is_control) {
        return Err(InvalidValue(
            "Gruppens navn må ikke indeholde styretegn.".into(),
        ));
    }
    Ok(name.to_owned())
}

/// The longest expectations text a cluster may write for a round.
pub const EXPECTATIONS_MAX_CHARS: usize = 4000;

/// A cluster's expectations for the coming year's cooperation as written in the form: lines
/// as `\n`, trimmed, at most [`EXPECTATIONS_MAX_CHARS`] characters, no invisible control
/// characters. Empty removes what was written.
pub fn parse_expectations(raw: &str) -> Result<String, InvalidValue> {
    let text = normalise_lines(raw).trim().to_owned();
    if let Some(problem) = control_character(&text) {
        return Err(InvalidValue(format!("Teksten {problem}")));
    }
    let length = text.chars().count();
    if length > EXPECTATIONS_MAX_CHARS {
        return Err(InvalidValue(format!(
            "Teksten er {length} tegn; den må højst være {EXPECTATIONS_MAX_CHARS} tegn."
        )));
    }
    Ok(text)
}

/// The chosen coordinators: user ids among `allowed` (the active editors of the group's
/// members), no repeats.
pub fn parse_coordinators(raw: &[String], allowed: &[i32]) -> Result<Vec<i32>, InvalidValue> {
    let mut chosen = Vec::new();
    for value in raw {
        match value.trim().parse::<i32>() {
            Ok(id) if allowed.contains(&id) => {
                if !chosen.contains(&id) {
                    chosen.push(id);
                }
            }
            _ => {
                return Err(InvalidValue(
                    "Vælg koordinatorer blandt redaktørerne i gruppens kommuner.".into(),
                ))
            }
        }
    }
    chosen.sort_unstable();
    Ok(chosen)
}

/// The chosen members: at least one, each a municipality of the KKR (`in_kkr`), no repeats.
pub fn parse_members(
    raw: &[String],
    in_kkr: impl Fn(&MunicipalityCode) -> bool,
) -> Result<Vec<MunicipalityCode>, InvalidValue> {
    let mut members = Vec::new();
    for value in raw {
        let code = MunicipalityCode::parse(value)?;
        if !in_kkr(&code) {
            return Err(InvalidValue(format!(
                "Kommune {code} hører ikke til jeres KKR."
            )));
        }
        if !members.contains(&code) {
            members.push(code);
        }
    }
    if members.is_empty() {
        return Err(InvalidValue("Vælg mindst én kommune til gruppen.".into()));
    }
    members.sort();
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expectations_are_trimmed_limited_and_free_of_control_characters() {
        assert_eq!(parse_expectations("  a\r\nb  ").unwrap(), "a\nb");
        assert_eq!(parse_expectations("   ").unwrap(), "");
        assert!(parse_expectations(&"æ".repeat(EXPECTATIONS_MAX_CHARS)).is_ok());
        let long = parse_expectations(&"æ".repeat(EXPECTATIONS_MAX_CHARS + 1)).unwrap_err();
        assert!(long.0.contains("højst være 4000 tegn"), "{long}");
        let control = parse_expectations("før\u{7}efter").unwrap_err();
        assert!(
            control
                .0
                .starts_with("Teksten indeholder et usynligt styretegn"),
            "{control}"
        );
    }

    #[test]
    fn coordinators_must_be_among_the_allowed_editors() {
        assert_eq!(
            parse_coordinators(&["7".into(), "3".into(), "7".into()], &[3, 7]).unwrap(),
            [3, 7]
        );
        assert!(parse_coordinators(&["9".into()], &[3, 7]).is_err());
        assert!(parse_coordinators(&["x".into()], &[3, 7]).is_err());
        assert!(parse_coordinators(&[], &[3]).unwrap().is_empty());
    }

    #[test]
    fn a_group_name_is_trimmed_and_required() {
        assert_eq!(
            parse_group_name("  Jobklynge Nord ").unwrap(),
            "Jobklynge Nord"
        );
        assert!(parse_group_name("  ").is_err());
        assert!(parse_group_name(&"x".repeat(101)).is_err());
    }

    #[test]
    fn members_must_be_municipalities_of_the_kkr_and_at_least_one() {
        let in_kkr = |c: &MunicipalityCode| c.as_str() != "751";
        let members = parse_members(&["173".into(), "147".into(), "147".into()], in_kkr).unwrap();
        let codes: Vec<&str> = members.iter().map(MunicipalityCode::as_str).collect();
        assert_eq!(codes, ["147", "173"]);
        assert!(parse_members(&[], in_kkr)
            .unwrap_err()
            .to_string()
            .contains("mindst én kommune"));
        assert!(parse_members(&["751".into()], in_kkr)
            .unwrap_err()
            .to_string()
            .contains("hører ikke til jeres KKR"));
        assert!(parse_members(&["abc".into()], in_kkr).is_err());
    }
}
