//! Answers from a table (one row per municipality × recommendation): parsing them, and
//! planning what importing them saves for each municipality.

use super::*;

/// What an answers import is checked against.
#[derive(Debug, Clone, Copy)]
pub struct AnswerImportContext<'a> {
    /// The round: its participants and recommendations.
    pub content: &'a RoundContent,
    /// Every municipality, to tell an unknown one from one that is not in the round.
    pub all_municipalities: &'a [Municipality],
}

/// One answer from the file, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedAnswer {
    pub row: usize,
    pub municipality: MunicipalityCode,
    pub recommendation_id: i32,
    pub status: Status,
    pub comment: String,
    pub evidence: Option<EvidenceLink>,
}

impl ImportedAnswer {
    /// Whether a stored answer already says what this row says (and is no longer last
    /// round's, unconfirmed): importing it changes nothing.
    pub fn same_as(&self, stored: &Answer) -> bool {
        stored.status == Some(self.status)
            && stored.comment == self.comment
            && stored.evidence == self.evidence
            && !stored.carried
    }

    /// The answer this row saves.
    pub fn answer(&self) -> Answer {
        Answer {
            recommendation_id: self.recommendation_id,
            status: Some(self.status),
            comment: self.comment.clone(),
            evidence: self.evidence.clone(),
            carried: false,
        }
    }
}

pub(super) const MUNICIPALITY: &[&str] = &[
    "kommunekode",
    "kommune",
    "kommunenavn",
    "kommune nr",
    "municipality",
    "municipality code",
    "municipality name",
];
pub(super) const ANSWER_REC_CODE: &[&str] = &[
    "nr",
    "anbefaling nr",
    "anbefalingsnr",
    "anbefalingsnummer",
    "kode",
    "code",
    "recommendation code",
    "recommendation",
    "anbefaling",
];
pub(super) const STATUS: &[&str] = &[
    "status",
    "farve",
    "trafiklys",
    "status farve",
    "colour",
    "color",
];
pub(super) const COMMENT: &[&str] = &[
    "kommentar",
    "kommentarer",
    "bemærkning",
    "bemærkninger",
    "comment",
];
pub(super) const EVIDENCE: &[&str] = &[
    "dokumentation",
    "link",
    "link til dokumentation",
    "dokumentationslink",
    "evidence",
    "evidence link",
];

/// A status word: grøn/gul/rød or green/yellow/red in any case, or the labels the exports
/// write ("Igangsat efter planen", "I proces", "Endnu ikke igangsat").
pub fn parse_status_word(raw: &str) -> Option<Status> {
    match raw.trim().to_lowercase().as_str() {
        "grøn" | "groen" | "green" | "igangsat efter planen" | "✔" => Some(Status::Green),
        "gul" | "yellow" | "i proces" | "◐" => Some(Status::Yellow),
        "rød" | "roed" | "red" | "endnu ikke igangsat" | "✖" => Some(Status::Red),
        _ => None,
    }
}

/// A municipality by code ("147") or name ("Frederiksberg", "frederiksberg kommune",
/// "Københavns Kommune", "Bornholms Regionskommune"), in any case.
pub fn find_municipality<'a>(raw: &str, all: &'a [Municipality]) -> Option<&'a Municipality> {
    let text = raw.trim();
    if let Ok(code) = MunicipalityCode::parse(text) {
        return all.iter().find(|m| m.code == code);
    }
    let lower = text.to_lowercase();
    let bare = lower
        .strip_suffix(" regionskommune")
        .or_else(|| lower.strip_suffix(" kommune"))
        .unwrap_or(&lower)
        .trim();
    let by_name = |name: &str| all.iter().find(|m| m.name.to_lowercase() == name);
    by_name(bare).or_else(|| bare.strip_suffix('s').and_then(by_name))
}

/// Reads answers: one row per municipality × recommendation with a status word and a comment.
pub fn parse_answers(
    table: &Table,
    context: AnswerImportContext<'_>,
) -> Result<Vec<ImportedAnswer>, Vec<ImportError>> {
    let columns = [
        table.require(MUNICIPALITY, "Kommune"),
        table.require(ANSWER_REC_CODE, "Nr."),
        table.require(STATUS, "Status"),
    ];
    let missing: Vec<ImportError> = columns.iter().filter_map(|c| c.clone().err()).collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let [municipality_col, code_col, status_col] = columns.map(|c| c.unwrap_or_default());
    let comment_col = table.find(COMMENT);
    let evidence_col = table.find(EVIDENCE);
    let content = context.content;
    let mut errors = Errors::default();
    let mut answers = Vec::new();
    let mut seen: HashMap<(MunicipalityCode, i32), usize> = HashMap::new();
    for (row, cells) in &table.rows {
        let row = *row;
        let raw_municipality = cell(cells, municipality_col);
        let municipality = match find_municipality(raw_municipality, context.all_municipalities) {
            None => {
                errors.push(table.error(
                    Some(row),
                    Some(municipality_col),
                    format!(
                        "kommunen «{raw_municipality}» findes ikke; skriv kommunekoden (fx 147) eller navnet (fx Frederiksberg)."
                    ),
                ));
                None
            }
            Some(m) if content.municipality(&m.code).is_none() => {
                errors.push(table.error(
                    Some(row),
                    Some(municipality_col),
                    format!("{} ({}) deltager ikke i runden.", m.name, m.code),
                ));
                None
            }
            Some(m) => Some(m.code.clone()),
        };
        let code = cell(cells, code_col);
        let mut recommendation = content.recommendations.iter().find(|r| r.code == code);
        if let (Some(rec), Some(municipality)) = (recommendation, &municipality) {
            if !content.applies_to(rec, municipality) {
                let group = content
                    .focus_area(rec.focus_area_id)
                    .and_then(|a| a.group_id)
                    .and_then(|id| content.group(id))
                    .map_or_else(String::new, |g| g.name.clone());
                errors.push(table.error(
                    Some(row),
                    Some(code_col),
                    format!(
                        "anbefaling {code} hører til gruppen «{group}», som kommune {municipality} ikke er med i."
                    ),
                ));
                recommendation = None;
            }
        } else if recommendation.is_none() {
            errors.push(table.error(
                Some(row),
                Some(code_col),
                format!(
                    "anbefaling «{code}» findes ikke i runden; rundens anbefalinger er {}.",
                    content
                        .recommendations
                        .iter()
                        .map(|r| r.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let raw_status = cell(cells, status_col);
        let status = parse_status_word(raw_status);
        if status.is_none() {
            errors.push(table.error(
                Some(row),
                Some(status_col),
                if raw_status.is_empty() {
                    "status mangler; skriv grøn, gul eller rød.".to_owned()
                } else {
                    format!(
                        "«{raw_status}» er ikke en status; skriv grøn, gul eller rød (eller green, yellow, red)."
                    )
                },
            ));
        }
        let comment = match comment_col.map(|c| Comment::parse(cell(cells, c))) {
            None => Some(String::new()),
            Some(Ok(comment)) => Some(comment.into_string()),
            Some(Err(e)) => {
                errors.push(table.error(Some(row), comment_col, e.0));
                None
            }
        };
        let evidence = match evidence_col.map(|c| EvidenceLink::parse(cell(cells, c))) {
            None => Some(None),
            Some(Ok(link)) => Some(link),
            Some(Err(e)) => {
                errors.push(table.error(Some(row), evidence_col, e.0));
                None
            }
        };
        let (Some(municipality), Some(recommendation), Some(status), Some(comment), Some(evidence)) =
            (municipality, recommendation, status, comment, evidence)
        else {
            continue;
        };
        let key = (municipality.clone(), recommendation.id);
        if let Some(first) = seen.get(&key) {
            errors.push(table.error(
                Some(row),
                None,
                format!(
                    "kommune {} og anbefaling {} står to gange: også i række {first}.",
                    municipality, recommendation.code
                ),
            ));
            continue;
        }
        seen.insert(key, row);
        answers.push(ImportedAnswer {
            row,
            municipality,
            recommendation_id: recommendation.id,
            status,
            comment,
            evidence,
        });
    }
    errors.finish(answers)
}

/// What an answers import does to one municipality's form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MunicipalityPlan {
    pub code: MunicipalityCode,
    pub name: String,
    /// No form yet: one is created, submitted.
    pub creates_form: bool,
    /// Answers that are new or differ from the stored ones.
    pub changed: usize,
    pub unchanged: usize,
    /// The round's recommendations left without an answer afterwards.
    pub unanswered: usize,
}

/// What an answers import would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerPlan {
    pub rows: usize,
    pub municipalities: Vec<MunicipalityPlan>,
}

impl AnswerPlan {
    /// The plan in Danish, one line per municipality after a total.
    pub fn lines(&self) -> Vec<String> {
        let created = self
            .municipalities
            .iter()
            .filter(|m| m.creates_form)
            .count();
        let mut lines = vec![format!(
            "{} rækker: svar for {} kommuner ({} nye skemaer, {} ændrede). Alle skemaer bliver indsendt.",
            self.rows,
            self.municipalities.len(),
            created,
            self.municipalities.len() - created
        )];
        for m in &self.municipalities {
            let mut line = format!(
                "{} ({}): {}, {} svar nye eller ændrede, {} uændrede",
                m.name,
                m.code,
                if m.creates_form {
                    "nyt skema"
                } else {
                    "skemaet ændres"
                },
                m.changed,
                m.unchanged
            );
            if m.unanswered > 0 {
                line.push_str(&format!(", {} anbefalinger uden svar", m.unanswered));
            }
            lines.push(line);
        }
        lines
    }
}

/// Plans an answers import against the round's stored submissions: per municipality in the
/// file, whether its form is created or changed and how many answers change. Answers to
/// recommendations the file does not mention are kept.
pub fn plan_answers(
    answers: &[ImportedAnswer],
    content: &RoundContent,
    existing: &[Submission],
) -> AnswerPlan {
    let mut municipalities: Vec<MunicipalityPlan> = Vec::new();
    for m in &content.municipalities {
        let mine: Vec<&ImportedAnswer> = answers
            .iter()
            .filter(|a| a.municipality == m.code)
            .collect();
        if mine.is_empty() {
            continue;
        }
        let stored = existing.iter().find(|s| s.municipality_code == m.code);
        let mut changed = 0;
        let mut unchanged = 0;
        for a in &mine {
            let before = stored.and_then(|s| s.answer(a.recommendation_id));
            if before.is_some_and(|b| a.same_as(b)) && stored.is_some_and(|s| s.is_submitted()) {
                unchanged += 1;
            } else {
                changed += 1;
            }
        }
        let answered = content
            .recommendations_for(&m.code)
            .filter(|r| {
                mine.iter().any(|a| a.recommendation_id == r.id)
                    || stored
                        .and_then(|s| s.answer(r.id))
                        .is_some_and(|a| a.status.is_some())
            })
            .count();
        municipalities.push(MunicipalityPlan {
            code: m.code.clone(),
            name: m.name.clone(),
            creates_form: stored.is_none(),
            changed,
            unchanged,
            unanswered: content.recommendations_for(&m.code).count() - answered,
        });
    }
    AnswerPlan {
        rows: answers.len(),
        municipalities,
    }
}
