//! A round's recommendation set from a table: parsing it, and planning what importing it
//! creates, changes and links to the previous round.

use super::*;

/// A focus area as the file gives it, with its recommendations in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedFocusArea {
    pub number: i32,
    pub title: String,
    /// Its "Gruppe" cell, when the file has that column and the cell is not empty: the name
    /// of the group (job cluster) whose own focus area it is. Absent: the whole round's.
    pub group: Option<GroupCell>,
    pub recommendations: Vec<ImportedRecommendation>,
}

/// A group's name as a row of the file gives it, with where, to name the cell if the KKR has
/// no such group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupCell {
    pub name: String,
    pub file: String,
    pub sheet: Option<String>,
    pub row: usize,
    pub column: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedRecommendation {
    pub row: usize,
    pub code: String,
    pub text: String,
    pub binding: bool,
    /// Its "Tidligere nr." cell, when the file has that column: what it continues of the
    /// previous round.
    pub previous: Option<PreviousCell>,
}

/// The previous round's numbers a row continues: "1.2", "1.2+3.2"; empty for a new one.
pub(super) const PREVIOUS_CODES: &[&str] = &[
    "tidligere nr",
    "tidl nr",
    "tidligere nummer",
    "tidligere numre",
    "forrige nr",
    "previous code",
    "previous codes",
];

pub(super) const AREA_NUMBER: &[&str] = &[
    "indsatsområde nr",
    "indsatsområdenr",
    "indsatsområde nummer",
    "område nr",
    "områdenr",
    "focus area no",
    "focus area number",
    "focus area nr",
];
pub(super) const AREA_TITLE: &[&str] = &[
    "indsatsområde",
    "indsatsområde titel",
    "titel på indsatsområde",
    "focus area",
    "focus area title",
];
pub(super) const REC_CODE: &[&str] = &[
    "nr",
    "anbefaling nr",
    "anbefalingsnr",
    "anbefalingsnummer",
    "kode",
    "code",
    "recommendation code",
];
pub(super) const REC_TEXT: &[&str] = &[
    "anbefaling",
    "tekst",
    "anbefalingstekst",
    "recommendation",
    "text",
];
pub(super) const GROUP: &[&str] = &[
    "gruppe",
    "jobklynge",
    "klynge",
    "netværk",
    "group",
    "cluster",
];
pub(super) const BINDING: &[&str] = &[
    "forpligtende",
    "type",
    "forpligtende/frivillig",
    "binding",
    "bindende",
];

/// "forpligtende"/"frivillig", "ja"/"nej", "true"/"false", any case.
pub fn parse_binding(raw: &str) -> Option<bool> {
    match raw.trim().to_lowercase().as_str() {
        "forpligtende" | "ja" | "true" | "sand" | "x" | "1" => Some(true),
        "frivillig" | "nej" | "false" | "falsk" | "0" => Some(false),
        _ => None,
    }
}

/// Reads a recommendation set: one row per recommendation with its focus area's number and
/// title, its code, its text and whether it is binding.
pub fn parse_recommendation_set(table: &Table) -> Result<Vec<ImportedFocusArea>, Vec<ImportError>> {
    let columns = [
        table.require(AREA_NUMBER, "Indsatsområde nr."),
        table.require(AREA_TITLE, "Indsatsområde"),
        table.require(REC_CODE, "Nr."),
        table.require(REC_TEXT, "Anbefaling"),
        table.require(BINDING, "Forpligtende"),
    ];
    let missing: Vec<ImportError> = columns.iter().filter_map(|c| c.clone().err()).collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let [number_col, title_col, code_col, text_col, binding_col] =
        columns.map(|c| c.unwrap_or_default());
    let previous_col = table.find(PREVIOUS_CODES);
    let group_col = table.find(GROUP);
    let mut errors = Errors::default();
    // Each area's group as first given ("" for the whole round).
    let mut area_groups: HashMap<i32, (String, usize)> = HashMap::new();
    let mut areas: Vec<ImportedFocusArea> = Vec::new();
    let mut codes: HashMap<String, usize> = HashMap::new();
    // Each area's title as first given.
    let mut titles: HashMap<i32, String> = HashMap::new();
    for (row, cells) in &table.rows {
        let row = *row;
        let number = match cell(cells, number_col).parse::<i32>() {
            Ok(n) if (1..=999).contains(&n) => Some(n),
            _ => {
                errors.push(table.error(
                    Some(row),
                    Some(number_col),
                    format!(
                        "«{}» er ikke et nummer på et indsatsområde (1, 2, 3 …).",
                        cell(cells, number_col)
                    ),
                ));
                None
            }
        };
        let title = cell(cells, title_col);
        if title.is_empty() || title.chars().count() > TITLE_MAX_CHARS {
            errors.push(table.error(
                Some(row),
                Some(title_col),
                format!("indsatsområdets titel skal have 1 til {TITLE_MAX_CHARS} tegn."),
            ));
        } else if let Some(number) = number {
            match titles.get(&number) {
                Some(first) if first != title => errors.push(table.error(
                    Some(row),
                    Some(title_col),
                    format!(
                        "indsatsområde {number} hedder «{first}» i en tidligere række, men «{title}» her."
                    ),
                )),
                Some(_) => {}
                None => {
                    titles.insert(number, title.to_owned());
                }
            }
        }
        let code = cell(cells, code_col);
        if code.is_empty() {
            errors.push(table.error(
                Some(row),
                Some(code_col),
                "anbefalingens nummer mangler (fx 1.2).".into(),
            ));
        } else if let Some(first) = codes.get(code) {
            errors.push(table.error(
                Some(row),
                Some(code_col),
                format!("anbefaling {code} står to gange: også i række {first}."),
            ));
        } else {
            codes.insert(code.to_owned(), row);
        }
        let text = cell(cells, text_col);
        if text.is_empty() || text.chars().count() > TEXT_MAX_CHARS {
            errors.push(table.error(
                Some(row),
                Some(text_col),
                format!("anbefalingens tekst skal have 1 til {TEXT_MAX_CHARS} tegn."),
            ));
        }
        let binding = parse_binding(cell(cells, binding_col));
        if binding.is_none() {
            errors.push(table.error(
                Some(row),
                Some(binding_col),
                format!(
                    "«{}» siger ikke, om anbefalingen er forpligtende; skriv forpligtende eller frivillig (ja/nej, true/false).",
                    cell(cells, binding_col)
                ),
            ));
        }
        let group_name = group_col.map_or("", |col| cell(cells, col));
        if let (Some(number), Some(col)) = (number, group_col) {
            match area_groups.get(&number) {
                Some((first, first_row)) if !first.eq_ignore_ascii_case(group_name) => {
                    let said = |name: &str| {
                        if name.is_empty() {
                            "hele runden".to_owned()
                        } else {
                            format!("gruppen «{name}»")
                        }
                    };
                    errors.push(table.error(
                        Some(row),
                        Some(col),
                        format!(
                            "indsatsområde {number} hører til {} i række {first_row}, men til {} her; et indsatsområde hører til hele runden eller til én gruppe.",
                            said(first),
                            said(group_name)
                        ),
                    ))
                }
                Some(_) => {}
                None => {
                    area_groups.insert(number, (group_name.to_owned(), row));
                }
            }
        }
        let (Some(number), Some(binding)) = (number, binding) else {
            continue;
        };
        let rec = ImportedRecommendation {
            row,
            code: code.to_owned(),
            text: text.to_owned(),
            binding,
            previous: previous_col.map(|col| PreviousCell {
                file: table.file.clone(),
                sheet: table.sheet.clone(),
                row,
                column: table.column_name(col),
                raw: cell(cells, col).to_owned(),
            }),
        };
        match areas.iter_mut().find(|a| a.number == number) {
            Some(area) => area.recommendations.push(rec),
            None => areas.push(ImportedFocusArea {
                number,
                title: title.to_owned(),
                group: group_col
                    .filter(|_| !group_name.is_empty())
                    .map(|col| GroupCell {
                        name: group_name.to_owned(),
                        file: table.file.clone(),
                        sheet: table.sheet.clone(),
                        row,
                        column: table.column_name(col),
                    }),
                recommendations: vec![rec],
            }),
        }
    }
    areas.sort_by_key(|a| a.number);
    errors.finish(areas)
}

/// What importing a set into a round would do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SetPlan {
    /// The links to the previous round a "Tidligere nr." column gives, when the file has it.
    pub links: Option<PlannedLinks>,
    pub areas_created: Vec<String>,
    pub areas_renamed: Vec<String>,
    pub areas_removed: Vec<String>,
    pub recommendations_created: Vec<String>,
    pub recommendations_changed: Vec<String>,
    pub recommendations_unchanged: usize,
    pub recommendations_removed: Vec<String>,
    /// Focus areas that change between the whole round and a group: "3. Titel: fra hele
    /// runden til Jobklynge Nord".
    pub areas_regrouped: Vec<String>,
    /// Each imported focus area's group by number (`None`: the whole round), resolved against
    /// the KKR's groups: what the import writes.
    pub area_groups: Vec<(i32, Option<i32>)>,
}

impl SetPlan {
    /// The plan in Danish, one line per kind of change.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let mut list = |label: &str, items: &[String]| {
            if !items.is_empty() {
                lines.push(format!("{label} ({}): {}", items.len(), items.join("; ")));
            }
        };
        list("Nye indsatsområder", &self.areas_created);
        list("Indsatsområder der får ny titel", &self.areas_renamed);
        list("Indsatsområder der fjernes", &self.areas_removed);
        list("Indsatsområder der skifter gruppe", &self.areas_regrouped);
        list("Nye anbefalinger", &self.recommendations_created);
        list("Ændrede anbefalinger", &self.recommendations_changed);
        list("Anbefalinger der fjernes", &self.recommendations_removed);
        lines.push(format!(
            "Uændrede anbefalinger: {}",
            self.recommendations_unchanged
        ));
        if let Some(links) = &self.links {
            lines.extend(links.lines());
        }
        lines
    }

    /// The rows' claims on the previous round, when the file has a "Tidligere nr." column.
    pub fn link_claims(set: &[ImportedFocusArea]) -> Option<Vec<LinkClaim>> {
        let recs = set.iter().flat_map(|a| &a.recommendations);
        recs.map(|r| {
            r.previous.clone().map(|cell| LinkClaim {
                code: r.code.clone(),
                cell,
            })
        })
        .collect()
    }

    pub fn changes_anything(&self) -> bool {
        !(self.areas_created.is_empty()
            && self.areas_renamed.is_empty()
            && self.areas_regrouped.is_empty()
            && self.areas_removed.is_empty()
            && self.recommendations_created.is_empty()
            && self.recommendations_changed.is_empty()
            && self.recommendations_removed.is_empty())
    }
}

/// Plans importing `set` into a round holding `content`: recommendations are matched by code
/// (a match keeps its link to last year), focus areas by number; what the file does not hold
/// is removed. Recommendations with answers in the round cannot be removed (`answered`).
pub fn plan_set(
    file_name: &str,
    set: &[ImportedFocusArea],
    content: &RoundContent,
    answered: &HashSet<i32>,
) -> Result<SetPlan, Vec<ImportError>> {
    let mut plan = SetPlan::default();
    let mut errors = Errors::default();
    let group_label = |id: Option<i32>| match id.and_then(|id| content.group(id)) {
        Some(g) => g.name.clone(),
        None => "hele runden".to_owned(),
    };
    for area in set {
        let group_id = match &area.group {
            None => None,
            Some(cell) => {
                let found = content
                    .groups
                    .iter()
                    .find(|g| g.name.trim().to_lowercase() == cell.name.trim().to_lowercase());
                match found {
                    Some(g) => Some(g.id),
                    None => {
                        let names: Vec<&str> =
                            content.groups.iter().map(|g| g.name.as_str()).collect();
                        errors.push(ImportError {
                            file: cell.file.clone(),
                            sheet: cell.sheet.clone(),
                            row: Some(cell.row),
                            column: Some(cell.column.clone()),
                            message: if names.is_empty() {
                                format!(
                                    "{} har ingen gruppe «{}»; opret gruppen under Grupper først, eller lad cellen stå tom for hele runden.",
                                    content.round.kkr_name, cell.name
                                )
                            } else {
                                format!(
                                    "{} har ingen gruppe «{}»; skriv en af: {}, eller lad cellen stå tom for hele runden.",
                                    content.round.kkr_name,
                                    cell.name,
                                    names.join(", ")
                                )
                            },
                        });
                        None
                    }
                }
            }
        };
        plan.area_groups.push((area.number, group_id));
        if let Some(existing) = content.focus_areas.iter().find(|a| a.number == area.number) {
            if existing.group_id != group_id {
                plan.areas_regrouped.push(format!(
                    "{}. {}: fra {} til {}",
                    area.number,
                    area.title,
                    group_label(existing.group_id),
                    group_label(group_id)
                ));
            }
        }
        match content.focus_areas.iter().find(|a| a.number == area.number) {
            None => plan
                .areas_created
                .push(format!("{}. {}", area.number, area.title)),
            Some(existing) if existing.title != area.title => plan.areas_renamed.push(format!(
                "{}. «{}» bliver til «{}»",
                area.number, existing.title, area.title
            )),
            Some(_) => {}
        }
    }
    for existing in &content.focus_areas {
        if !set.iter().any(|a| a.number == existing.number) {
            plan.areas_removed
                .push(format!("{}. {}", existing.number, existing.title));
        }
    }
    let area_number = |id: i32| {
        content
            .focus_areas
            .iter()
            .find(|a| a.id == id)
            .map_or(0, |a| a.number)
    };
    let mut seen = HashSet::new();
    for area in set {
        for (position, rec) in (1..).zip(&area.recommendations) {
            let Some(existing) = content.recommendations.iter().find(|r| r.code == rec.code) else {
                plan.recommendations_created.push(rec.code.clone());
                continue;
            };
            seen.insert(existing.id);
            let mut what = Vec::new();
            if existing.text != rec.text {
                what.push("ny tekst");
            }
            if existing.binding != rec.binding {
                what.push(if rec.binding {
                    "bliver forpligtende"
                } else {
                    "bliver frivillig"
                });
            }
            if area_number(existing.focus_area_id) != area.number {
                what.push("flyttes til et andet indsatsområde");
            } else if existing.position != position {
                what.push("ny placering");
            }
            if what.is_empty() {
                plan.recommendations_unchanged += 1;
            } else {
                plan.recommendations_changed
                    .push(format!("{}: {}", rec.code, what.join(", ")));
            }
        }
    }
    for existing in &content.recommendations {
        if seen.contains(&existing.id) {
            continue;
        }
        if answered.contains(&existing.id) {
            errors.push(ImportError {
                file: file_name.to_owned(),
                sheet: None,
                row: None,
                column: None,
                message: format!(
                    "anbefaling {} findes ikke i filen, men har allerede svar i runden og kan derfor ikke fjernes.",
                    existing.code
                ),
            });
        }
        plan.recommendations_removed.push(existing.code.clone());
    }
    errors.finish(plan)
}
