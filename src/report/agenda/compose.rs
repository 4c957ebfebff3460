//! The item's Danish text: each section composed from the analysis, the set's changes and
//! the details the council secretary gives.

use super::*;

pub(super) fn para(text: impl Into<String>) -> Block {
    Block::Paragraph(text.into())
}

/// "Fem af …" -> "fem af …", for a sentence that follows a colon.
pub(super) fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub(super) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// "én anbefaling" / "tre anbefalinger".
pub(super) fn count(n: usize, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("én {singular}")
    } else {
        format!("{} {plural}", number_word(n as u32))
    }
}

/// "a", "a og b", "a, b og c".
pub(super) fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} og {last}", init.join(", ")),
    }
}

/// A name in the Danish genitive: "KKR Sjællands", "KKR Hovedstadens"; a name ending in
/// s, x or z takes an apostrophe instead ("Mors'").
pub(super) fn genitive(name: &str) -> String {
    let name = name.trim();
    match name.chars().last() {
        Some('s' | 'x' | 'z' | 'S' | 'X' | 'Z') => format!("{name}'"),
        _ => format!("{name}s"),
    }
}

/// "de 17 kommuner i KKR Sjælland" when all the KKR's municipalities take part,
/// "16 af KKR Sjællands 17 kommuner" when some are left out.
pub(super) fn participants_phrase(participating: usize, of_kkr: usize, kkr: &str) -> String {
    if participating >= of_kkr {
        format!("de {participating} kommuner i {kkr}")
    } else {
        format!("{participating} af {} {of_kkr} kommuner", genitive(kkr))
    }
}

/// One bullet of the moves: "1.2 er flyttet til indsatsområde 3 som 3.2: …".
pub(super) fn moved_line(m: &Moved) -> String {
    let mut place = match m.to_focus_area {
        Some(area) => format!(
            "{} er flyttet til indsatsområde {area} som {}",
            m.before_code, m.code
        ),
        None if m.code != m.before_code => format!("{} har nu nummer {}", m.before_code, m.code),
        None => format!("{} er flyttet", m.code),
    };
    if let Some(between) = &m.between_groups {
        place.push_str(&format!(" ({between})"));
    }
    match &m.before_text {
        Some(before) => format!(
            "{place} og har fået en ny formulering: {} (tidligere: {before})",
            m.text
        ),
        None => format!("{place}: {}", m.text),
    }
}

/// "Justering af anbefalinger": what changed in the set since last round, and the focus
/// areas with the new ones marked. `None` for a first round.
pub(super) fn adjustments(changes: &SetChanges, year: i32) -> Option<Vec<Block>> {
    let previous = changes.previous_year?;
    let recommendations = |n: usize| count(n, "anbefaling", "anbefalinger");
    let mut blocks = Vec::new();
    if changes.recommendations_changed() {
        blocks.push(para(format!(
            "Med udgangspunkt i statusopsamlingen fra {previous} er der foretaget en række \
             justeringer af anbefalingerne. I {year} er der {} mod {} i {previous}.",
            recommendations(changes.current_count),
            number_word(changes.previous_count as u32),
        )));
    } else {
        blocks.push(para(format!(
            "Anbefalingerne er de samme som i {previous}: {}.",
            recommendations(changes.current_count)
        )));
    }
    if !changes.moved.is_empty() {
        let n = changes.moved.len();
        blocks.push(para(if n == 1 {
            "Én anbefaling har fået et nyt nummer:".to_owned()
        } else {
            format!(
                "{} anbefalinger har fået nye numre:",
                capitalise(&number_word(n as u32))
            )
        }));
        blocks.push(Block::Bullets(
            changes.moved.iter().map(moved_line).collect(),
        ));
    }
    if !changes.reworded.is_empty() {
        let n = changes.reworded.len();
        blocks.push(para(format!(
            "{} har fået en ny formulering:",
            capitalise(&recommendations(n))
        )));
        blocks.push(Block::Bullets(
            changes
                .reworded
                .iter()
                .map(|r| format!("{} {} (tidligere: {})", r.code, r.text, r.before))
                .collect(),
        ));
    }
    if !changes.merged.is_empty() {
        let n = changes.merged.len();
        blocks.push(para(format!(
            "{} samler nu anbefalinger fra {previous}:",
            capitalise(&recommendations(n))
        )));
        blocks.push(Block::Bullets(
            changes
                .merged
                .iter()
                .map(|m| {
                    let from: Vec<String> = m.from.iter().map(|f| f.code.clone()).collect();
                    let texts: Vec<String> = m
                        .from
                        .iter()
                        .map(|f| format!("{} {}", f.code, f.text))
                        .collect();
                    format!(
                        "{} er lagt sammen i {}: {} (tidligere: {})",
                        and_list(&from),
                        m.code,
                        m.text,
                        texts.join("; ")
                    )
                })
                .collect(),
        ));
    }
    if !changes.added.is_empty() {
        let n = changes.added.len();
        blocks.push(para(format!(
            "{} {}:",
            capitalise(&recommendations(n)),
            if n == 1 { "er ny" } else { "er nye" }
        )));
        blocks.push(Block::Bullets(
            changes
                .added
                .iter()
                .map(|r| format!("{} {}", r.code, r.text))
                .collect(),
        ));
    }
    if !changes.retired.is_empty() {
        blocks.push(para(format!(
            "{} fra {previous} er udgået:",
            capitalise(&recommendations(changes.retired.len()))
        )));
        blocks.push(Block::Bullets(
            changes
                .retired
                .iter()
                .map(|r| format!("{} {}", r.code, r.text))
                .collect(),
        ));
    }

    let mut areas = Vec::new();
    let proposed: Vec<_> = changes
        .new_focus_areas()
        .filter(|a| !a.proposed_by.is_empty())
        .collect();
    if !proposed.is_empty() {
        areas.push(format!(
            "I forbindelse med statusopsamlingen i {previous} havde kommunerne mulighed for at \
             foreslå nye indsatsområder."
        ));
        for a in &proposed {
            areas.push(format!(
                "Efter forslag fra {} er »{}« kommet med som et nyt indsatsområde.",
                and_list(&a.proposed_by),
                a.title
            ));
        }
    }
    let unproposed: Vec<String> = changes
        .new_focus_areas()
        .filter(|a| a.proposed_by.is_empty())
        .map(|a| format!("»{}«", a.title))
        .collect();
    match unproposed.len() {
        0 => {}
        1 => areas.push(format!(
            "{} er kommet med som et nyt indsatsområde.",
            unproposed[0]
        )),
        _ => areas.push(format!(
            "{} er kommet med som nye indsatsområder.",
            and_list(&unproposed)
        )),
    }
    for a in &changes.focus_areas {
        if let Some(old) = &a.renamed_from {
            areas.push(format!("Indsatsområdet »{old}« hedder nu »{}«.", a.title));
        }
    }
    let retired: Vec<String> = changes
        .retired_focus_areas
        .iter()
        .map(|t| format!("»{t}«"))
        .collect();
    match retired.len() {
        0 => {}
        1 => areas.push(format!("Indsatsområdet {} er udgået.", retired[0])),
        _ => areas.push(format!(
            "Indsatsområderne {} er udgået.",
            and_list(&retired)
        )),
    }
    if !areas.is_empty() {
        blocks.push(para(areas.join(" ")));
    }
    blocks.push(para(if changes.focus_areas.len() == 1 {
        "Indsatsområdet er:"
    } else {
        "Indsatsområderne er:"
    }));
    blocks.push(focus_area_list(changes));
    Some(blocks)
}

/// The three lists of a summary's recommendations by classification, green first: a heading
/// line and its bullets ("Ingen." for an empty one).
pub(super) fn status_lists(summary: &crate::domain::Summary) -> Vec<Block> {
    Status::ALL
        .iter()
        .flat_map(|&status| {
            let items: Vec<String> = summary
                .classified(status)
                .iter()
                .map(|r| r.text.clone())
                .collect();
            let bullets = if items.is_empty() {
                vec!["Ingen.".to_owned()]
            } else {
                items
            };
            [
                para(format!("{}:", status.list_heading_da())),
                Block::Bullets(bullets),
            ]
        })
        .collect()
}

pub(super) fn focus_area_list(changes: &SetChanges) -> Block {
    Block::Numbered(
        changes
            .focus_areas
            .iter()
            .map(|a| {
                if a.is_new {
                    format!("{} (nyt)", a.title)
                } else {
                    a.title.clone()
                }
            })
            .collect(),
    )
}

/// "den 22. juni 2015 og den 29. marts 2016".
pub(super) fn meeting_dates(dates: &[NaiveDate]) -> String {
    let days: Vec<String> = dates
        .iter()
        .map(|d| format!("den {}", danish_day(*d)))
        .collect();
    and_list(&days)
}

/// The agenda item for one municipality, or `None` if it is not one of the round's.
/// Only submitted answers count, in the region's figures as in the municipality's own.
/// `changes` is the set's changes since last round ([`crate::domain::set_changes`]);
/// `facts` what the store knows of the cooperation beyond the round. Every sentence states
/// what these hold or what the secretary gave in `details`, and nothing else: without a
/// start year, the item does not say when the cooperation began.
pub fn build(
    analysis: &RoundAnalysis,
    code: &MunicipalityCode,
    details: &AgendaDetails,
    changes: &SetChanges,
    facts: &CooperationFacts,
) -> Option<AgendaItem> {
    let content = &analysis.data.content;
    let round = &content.round;
    // With job clusters, the region's part is the common focus areas; the municipality is
    // compared with its clusters on theirs (the same split as the attachment).
    let clustered = analysis.has_clusters();
    let parts;
    let (region, asked) = if clustered {
        parts = (
            analysis.scoped(Scope::Common),
            analysis.for_municipality(code),
        );
        (&parts.0, &parts.1)
    } else {
        (analysis, analysis)
    };
    let summary = &region.summary;
    let municipality = content.municipality(code)?;
    let own = asked
        .summary
        .municipalities
        .iter()
        .find(|m| &m.code == code)?;
    let official = municipality.official_name();
    let council = municipality.council_name.trim();
    let n = region.data.content.recommendations.len();
    let common = if clustered { " fælles" } else { "" };
    // " på beskæftigelsesområdet", or nothing for a round without a subject.
    let on_subject = match round.subject.trim() {
        "" => String::new(),
        subject => format!(" på {subject}"),
    };
    let kkr = round.kkr_name.trim();
    let mut opening = format!("Behandling af status på de tværkommunale samarbejder{on_subject}.");
    if let Some(year) = facts.start_year {
        opening.push_str(&format!(
            " Samarbejdet blev indgået i {year} mellem kommunerne i {kkr}."
        ));
    }
    opening.push_str(&format!(
        " Status for {} omfatter {}.",
        round.year,
        participants_phrase(
            summary.municipality_count as usize,
            facts.kkr_municipalities,
            kkr
        )
    ));

    let mut theme = vec![para(opening)];
    if !details.earlier.is_empty() {
        theme.push(para(format!(
            "Samarbejdet er tidligere behandlet i {council} {}.",
            meeting_dates(&details.earlier)
        )));
    }
    theme.push(para(format!(
        "KKR har besluttet, at status på anbefalingerne hvert år behandles i {council}, ligesom \
         i de andre kommuner, og derefter drøftes i KKR."
    )));
    if let Some(meeting) = details.meeting {
        theme.push(para(format!(
            "Sagen skal til endelig behandling i {council} den {}.",
            danish_day(meeting)
        )));
    }

    let mut case = vec![
        Block::NumberedHeading(format!("Tværkommunale samarbejder{on_subject}")),
        para(format!(
            "{kkr} har godkendt en række anbefalinger, der skal øge det tværkommunale \
             samarbejde{on_subject}. KKR besluttede, at anbefalingerne skal drøftes i alle \
             kommuner, og at der hvert år gøres status på anbefalingerne. Her følger status for \
             {year}.",
            year = round.year,
        )),
    ];
    match adjustments(changes, round.year) {
        Some(blocks) => {
            case.push(Block::NumberedHeading(
                "Justering af anbefalinger".to_owned(),
            ));
            case.extend(blocks);
        }
        None => {
            case.push(Block::NumberedHeading("Indsatsområder".to_owned()));
            let areas = changes.focus_areas.len();
            case.push(para(format!(
                "Anbefalingerne for {} er samlet i {}:",
                round.year,
                count(areas, "indsatsområde", "indsatsområder")
            )));
            case.push(focus_area_list(changes));
        }
    }
    case.push(Block::NumberedHeading(if n == 1 {
        format!("Opfølgning på den{common} anbefaling")
    } else {
        format!("Opfølgning på de {n}{common} anbefalinger")
    }));
    let as_before = if changes.previous_year.is_none() {
        ""
    } else {
        " ligesom ved sidste status"
    };
    case.push(para(format!(
        "Alle kommuner, der er en del af samarbejdet, er{as_before} blevet bedt om at udfylde \
         et skema med farverne grøn (igangsat efter planen), gul (i proces) og rød (endnu ikke \
         igangsat) for hver anbefaling. {submitted} af {total} kommuner har indsendt deres \
         skema. Nedenfor er status på de enkelte{common} anbefalinger i hele KKR'en.",
        submitted = summary.submitted_count,
        total = summary.municipality_count,
    )));
    case.extend(status_lists(summary));
    let mut sentences = vec![summary.sentence.clone()];
    for group in content.clusters_of(code) {
        let part = analysis.scoped(Scope::Group(group.id));
        let cluster = &part.summary;
        let others: Vec<String> = part
            .data
            .content
            .municipalities
            .iter()
            .filter(|m| &m.code != code)
            .map(|m| m.name.clone())
            .collect();
        let k = cluster.recommendations().count();
        case.push(Block::NumberedHeading(format!("Jobklyngen {}", group.name)));
        case.push(para(format!(
            "Ud over de fælles anbefalinger har {kkr} delt kommunerne i jobklynger, som selv              fastsætter fokusområder, de vil samarbejde om. {official} er med i {name}{with}.              Klyngens {recs} er kun besvaret af klyngens kommuner og sammenlignes med dem:              {submitted} af {total} har indsendt deres skema. Nedenfor er status på klyngens              anbefalinger blandt klyngens kommuner.",
            name = group.name,
            with = if others.is_empty() {
                String::new()
            } else {
                format!(" sammen med {}", and_list(&others))
            },
            recs = count(k, "anbefaling", "anbefalinger"),
            submitted = cluster.submitted_count,
            total = cluster.municipality_count,
        )));
        case.extend(status_lists(cluster));
        if !group.expectations.is_empty() {
            case.push(para(format!(
                "Klyngens forventninger til det kommende års klyngesamarbejde: {}",
                group.expectations
            )));
        }
        sentences.push(format!(
            "I {}: {}",
            group.name,
            lowercase_first(&cluster.sentence)
        ));
    }
    sentences.push(municipality_sentence(
        &official,
        &own.counts,
        own.response == Response::Submitted,
    ));
    case.push(Block::Subheading("Opsummering".to_owned()));
    case.push(para(format!(
        "{} For uddybning henvises til vedlagte bilag.",
        sentences.join(" ")
    )));

    Some(AgendaItem {
        title: format!(
            "Status på anbefalinger af tværkommunale samarbejder{on_subject} {}",
            round.year
        ),
        author: official.clone(),
        case_number: details.case_number.clone(),
        // Only submitted answers count, so only the round's state makes the item preliminary.
        provisional: crate::views::provisional_notes(round, false),
        sections: vec![
            Section {
                heading: "Beslutningstema",
                blocks: theme,
            },
            Section {
                heading: "Sagsfremstilling og økonomi",
                blocks: case,
            },
            Section {
                heading: "Bevilling",
                blocks: vec![para("Sagen har ingen bevillingsmæssige konsekvenser.")],
            },
            Section {
                heading: "Retsgrundlag",
                blocks: vec![para("Ingen bemærkninger.")],
            },
            Section {
                heading: "Kompetence",
                blocks: vec![para(format!("{council}."))],
            },
            Section {
                heading: "Indstilling",
                blocks: vec![Block::Numbered(vec![format!(
                    "At status på anbefalinger vedrørende det tværkommunale samarbejde{on_subject} godkendes."
                )])],
            },
        ],
    })
}
