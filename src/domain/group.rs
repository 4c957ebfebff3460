//! Groups of a KKR's municipalities (job clusters and the like), which dashboards, the heatmap
//! and the API can be narrowed to.

use serde::Serialize;

use super::model::{InvalidValue, MunicipalityCode};

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
