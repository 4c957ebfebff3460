//! User text made safe for documents: what no embedded font can draw becomes a visible marker,
//! control characters too, and explicit directional controls are dropped.
//!
//! A tagged PDF (PDF/UA-1) may not hold a glyph that a font lacks, so one emoji in a comment
//! used to make the whole attachment fail. Before a PDF is rendered, every text in its data
//! passes through [`Coverage::for_pdf`]; the data exports (spreadsheets, CSV, snapshots'
//! data, the API) keep the original text. Word documents and the text draft get
//! [`for_document`] only (directional controls dropped, control characters marked), since
//! Word draws with the reader's own fonts.

use unicode_segmentation::UnicodeSegmentation;

/// What a document shows in place of a character it cannot draw: the Unicode replacement
/// character, which every embedded text font has.
pub const MARKER: char = '\u{FFFD}';

/// Inclusive ranges of code points, sorted and merged.
#[derive(Debug, Clone, Default)]
struct Ranges(Vec<(u32, u32)>);

impl Ranges {
    fn from_points(points: impl IntoIterator<Item = u32>) -> Ranges {
        let mut sorted: Vec<u32> = points.into_iter().collect();
        sorted.sort_unstable();
        sorted.dedup();
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        for c in sorted {
            match ranges.last_mut() {
                Some((_, end)) if *end + 1 == c => *end = c,
                _ => ranges.push((c, c)),
            }
        }
        Ranges(ranges)
    }

    fn contains(&self, c: char) -> bool {
        let c = u32::from(c);
        self.0
            .binary_search_by(|&(start, end)| {
                if end < c {
                    std::cmp::Ordering::Less
                } else if start > c {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
    }
}

/// What the embedded fonts can draw: the main text font, and every font typst may fall back
/// to.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// The documents' text font (in both its weights).
    primary: Ranges,
    /// Every font face, the main one included.
    fonts: Vec<Ranges>,
    /// Which code points below [`PLAIN_BELOW`] pass [`Coverage::for_pdf`] as they are (one bit
    /// each): the text font's letters, digits and signs of the Latin blocks, tab and newline.
    plain: [u64; PLAIN_WORDS],
}

/// The Latin blocks (Basic Latin to Latin Extended-B): almost every character of a Danish
/// comment. No character below this combines with its neighbours into one grapheme cluster
/// except a carriage return before a newline, and a carriage return is never plain.
const PLAIN_BELOW: u32 = 0x250;
const PLAIN_WORDS: usize = PLAIN_BELOW.div_ceil(64) as usize;

fn coverage_of(data: &'static [u8]) -> Vec<Ranges> {
    typst::text::Font::iter(typst::foundations::Bytes::new(data))
        .map(|font| Ranges::from_points(font.info().coverage.iter()))
        .collect()
}

impl Coverage {
    /// The coverage of `primary` (the faces of the text font; a character counts as theirs
    /// when every face has it) and of all `fonts`, as typst reads their character maps.
    pub fn of_fonts(
        primary: &[&'static [u8]],
        fonts: impl IntoIterator<Item = &'static [u8]>,
    ) -> Coverage {
        let faces: Vec<Ranges> = primary.iter().flat_map(|data| coverage_of(data)).collect();
        let shared =
            faces.first().map_or_else(Ranges::default, |first| {
                Ranges::from_points(first.0.iter().flat_map(|&(start, end)| start..=end).filter(
                    |&c| char::from_u32(c).is_some_and(|c| faces.iter().all(|f| f.contains(c))),
                ))
            });
        Coverage::new(shared, fonts.into_iter().flat_map(coverage_of).collect())
    }

    fn new(primary: Ranges, fonts: Vec<Ranges>) -> Coverage {
        let mut plain = [0_u64; PLAIN_WORDS];
        for c in (0..PLAIN_BELOW).filter_map(char::from_u32) {
            let kept = c == '\n'
                || c == '\t'
                || (!c.is_control()
                    && !is_forbidden_in_pdf_text(c)
                    && !is_default_ignorable(c)
                    && !is_direction_control(c)
                    && primary.contains(c));
            if kept {
                plain[(u32::from(c) / 64) as usize] |= 1 << (u32::from(c) % 64);
            }
        }
        Coverage {
            primary,
            fonts,
            plain,
        }
    }

    /// Whether the character is one of the plain ones that [`Coverage::for_pdf`] keeps as they
    /// are whatever stands beside them.
    fn is_plain(&self, c: char) -> bool {
        let c = u32::from(c);
        c < PLAIN_BELOW && self.plain[(c / 64) as usize] & (1 << (c % 64)) != 0
    }

    /// Whether some font has the character.
    pub fn contains(&self, c: char) -> bool {
        self.fonts.iter().any(|f| f.contains(c))
    }

    /// Whether typst can draw this grapheme cluster without a missing glyph. It shapes a cluster
    /// with the text font, and when that lacks a character, with one fallback font chosen among
    /// those that have the cluster's first visible character. So a cluster is safe when the
    /// text font has all of it, or when the text font lacks its first character and every font
    /// that has that character has the whole cluster.
    fn draws(&self, cluster: &str) -> bool {
        let visible: Vec<char> = cluster
            .chars()
            .filter(|&c| !is_default_ignorable(c))
            .collect();
        if visible.iter().all(|&c| self.primary.contains(c)) {
            return true;
        }
        let Some(&first) = visible.iter().find(|c| !c.is_whitespace()) else {
            return false;
        };
        if self.primary.contains(first) {
            return false;
        }
        let mut candidates = self.fonts.iter().filter(|f| f.contains(first)).peekable();
        candidates.peek().is_some() && candidates.all(|f| visible.iter().all(|&c| f.contains(c)))
    }

    /// The text as a PDF can show it: directional controls removed, and every character
    /// that would break the document (a control character, a noncharacter, one no font can
    /// draw in its place) replaced by [`MARKER`]. Invisible formatting characters that cannot
    /// be kept are dropped, as a marker for them would show something the writer never saw.
    pub fn for_pdf(&self, text: &str) -> String {
        // Nearly every text of a Danish round: nothing to look at cluster by cluster (going
        // through them all was 3.7 % of the CPU of `export all`, with its allocations more).
        if text.chars().all(|c| self.is_plain(c)) {
            return text.to_owned();
        }
        self.for_pdf_by_cluster(text)
    }

    /// [`Coverage::for_pdf`] grapheme cluster by grapheme cluster.
    fn for_pdf_by_cluster(&self, text: &str) -> String {
        let plain_direction = strip_direction_controls(text);
        let mut out = String::with_capacity(plain_direction.len());
        for cluster in plain_direction.graphemes(true) {
            let plain = cluster
                .chars()
                .all(|c| !c.is_control() && !is_forbidden_in_pdf_text(c));
            if plain && self.draws(cluster) {
                out.extend(
                    cluster
                        .chars()
                        .filter(|&c| !is_default_ignorable(c) || self.contains(c)),
                );
            } else {
                // Character by character: what the text font has stays.
                for c in cluster.chars() {
                    if c == '\n' || c == '\t' {
                        out.push(c);
                    } else if c.is_control() || is_forbidden_in_pdf_text(c) {
                        out.push(MARKER);
                    } else if self.primary.contains(c) && !is_default_ignorable(c) {
                        out.push(c);
                    } else if c.is_whitespace() {
                        out.push(' ');
                    } else if !is_default_ignorable(c) {
                        out.push(MARKER);
                    }
                }
            }
        }
        out
    }

    /// The stricter fallback when a document still cannot be made with [`Coverage::for_pdf`]:
    /// only characters of the text font that need no shaping across characters (no combining
    /// marks, no joining scripts, no format characters) are kept.
    pub fn for_pdf_strict(&self, text: &str) -> String {
        self.for_pdf(text)
            .chars()
            .filter_map(|c| {
                if c == '\n' || c == '\t' {
                    Some(c)
                } else if is_default_ignorable(c) {
                    None
                } else if is_complex(c) || !self.primary.contains(c) {
                    Some(MARKER)
                } else {
                    Some(c)
                }
            })
            .collect()
    }
}

/// Code points a PDF's text mapping may not hold: NUL, the byte order mark and the
/// noncharacters.
fn is_forbidden_in_pdf_text(c: char) -> bool {
    let c = u32::from(c);
    c == 0xFEFF || (0xFDD0..=0xFDEF).contains(&c) || (c & 0xFFFE) == 0xFFFE
}

/// Unicode's Default_Ignorable_Code_Point: characters that are invisible unless a font says
/// otherwise (joiners, variation selectors, tags, directional controls, ...).
pub fn is_default_ignorable(c: char) -> bool {
    matches!(u32::from(c),
        0x00AD | 0x034F | 0x061C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF)
}

/// Characters whose drawing depends on their neighbours: combining marks and the scripts
/// that join or reorder letters.
fn is_complex(c: char) -> bool {
    matches!(u32::from(c),
        0x0300..=0x036F | 0x0483..=0x0489 | 0x0590..=0x08FF | 0x0900..=0x0DFF
        | 0x0E00..=0x0FFF | 0x1000..=0x109F | 0x1780..=0x18AF | 0x1AB0..=0x1AFF
        | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFB1D..=0xFDFF | 0xFE20..=0xFE2F
        | 0xFE70..=0xFEFF | 0x1F1E6..=0x1F1FF | 0x1F3FB..=0x1F3FF)
}

/// Whether a character is an explicit directional control: the embeddings and overrides
/// (LRE, RLE, PDF, LRO, RLO), the isolates (LRI, RLI, FSI, PDI) and the marks (LRM, RLM, ALM).
/// The marks only move neutral characters such as punctuation and digits, but a comment has
/// no need of them either, and they are invisible.
pub fn is_direction_control(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
    )
}

/// The text without any explicit directional control, paired or not, so that a `U+202E`
/// typed into a comment cannot turn text around in a document ("txt.exe" shown as
/// "exe.txt"). Right-to-left scripts still read correctly: their letters carry their own
/// direction. Every document (PDF, Word, plain text) gets its text through this.
pub fn strip_direction_controls(text: &str) -> String {
    text.chars().filter(|&c| !is_direction_control(c)).collect()
}

/// Text for a document drawn with the reader's own fonts (Word, plain text): directional
/// controls removed ([`strip_direction_controls`]), and control characters, which an XML document may
/// not hold, replaced by [`MARKER`].
pub fn for_document(text: &str) -> String {
    strip_direction_controls(text)
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' || is_forbidden_in_pdf_text(c) {
                MARKER
            } else {
                c
            }
        })
        .collect()
}

/// Applies `f` to every string in a JSON value, keys excepted.
pub fn map_strings(value: &mut serde_json::Value, f: &dyn Fn(&str) -> String) {
    match value {
        serde_json::Value::String(s) => *s = f(s),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| map_strings(v, f)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|v| map_strings(v, f)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A text font with Latin, the directional controls and the marker, and an emoji font.
    fn latin() -> Coverage {
        let text = Ranges(vec![
            (0x20, 0x7E),
            (0xA0, 0x17F),
            (0x202A, 0x202E),
            (0xFFFD, 0xFFFD),
        ]);
        let emoji = Ranges(vec![
            (0x23, 0x23),
            (0x30, 0x39),
            (0x200D, 0x200D),
            (0x20E3, 0x20E3),
            (0xFE0F, 0xFE0F),
            (0x1F6A6, 0x1F6A6),
        ]);
        Coverage::new(text.clone(), vec![text, emoji])
    }

    #[test]
    fn a_cluster_is_kept_only_when_one_font_can_draw_all_of_it() {
        let fonts = latin();
        assert_eq!(
            fonts.for_pdf("lys 🚦"),
            "lys 🚦",
            "the fallback font has it"
        );
        // The keycap starts with a digit the text font has, so typst would not fall back.
        assert_eq!(fonts.for_pdf("tast 1\u{FE0F}\u{20E3}"), "tast 1\u{FFFD}");
        assert_eq!(fonts.for_pdf("e\u{301}"), "e\u{FFFD}");
    }

    #[test]
    fn every_directional_control_is_dropped_paired_or_not() {
        let fonts = latin();
        for text in [
            "faktura\u{202E}txt.exe\u{202C}",
            "faktura\u{202E}txt.exe",
            "faktura\u{2067}txt.exe\u{2069}",
            "faktura\u{202D}\u{200F}txt.exe\u{200E}\u{061C}",
        ] {
            assert_eq!(fonts.for_pdf(text), "fakturatxt.exe");
            assert_eq!(for_document(text), "fakturatxt.exe");
        }
        assert_eq!(strip_direction_controls("\u{202B}שלום\u{202C}"), "שלום");
    }

    #[test]
    fn what_no_font_draws_becomes_the_marker_and_invisible_leftovers_go() {
        let fonts = latin();
        assert_eq!(
            fonts.for_pdf("Skole 中文 plan"),
            "Skole \u{FFFD}\u{FFFD} plan"
        );
        assert_eq!(
            fonts.for_pdf("a\u{1b}b\u{7}c\u{0}"),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}"
        );
        assert_eq!(fonts.for_pdf("linje\nto\tfane"), "linje\nto\tfane");
        assert_eq!(fonts.for_pdf("a\u{200D}b\u{2066}"), "a\u{200D}b");
        assert_eq!(fonts.for_pdf("bom\u{FEFF}\u{FFFF}"), "bom\u{FFFD}\u{FFFD}");
        assert_eq!(fonts.for_pdf("æøå ĸ"), "æøå ĸ");
    }

    proptest! {
        #[test]
        fn pdf_text_holds_only_drawable_characters(text in "\\PC{0,30}|[\\u{0}-\\u{2100}]{0,30}") {
            let fonts = latin();
            for out in [fonts.for_pdf(&text), fonts.for_pdf_strict(&text)] {
                for c in out.chars() {
                    prop_assert!(c == '\n' || c == '\t' || fonts.contains(c), "{:?} in {:?}", c, out);
                    prop_assert!(!c.is_control() || c == '\n' || c == '\t');
                }
                prop_assert!(!out.chars().any(is_direction_control), "{:?}", out);
            }
        }

        #[test]
        fn plain_text_takes_the_short_way_to_the_same_result(text in "[\\t\\n\\r\\u{0}-\\u{300}]{0,40}|[a-zæøåÆØÅ .,\\n]{0,40}") {
            let fonts = latin();
            prop_assert_eq!(fonts.for_pdf(&text), fonts.for_pdf_by_cluster(&text));
        }

        #[test]
        fn text_without_directional_controls_is_unchanged(text in "[^\\u{202A}-\\u{202E}\\u{2066}-\\u{2069}\\u{200E}\\u{200F}\\u{061C}]{0,40}") {
            prop_assert_eq!(strip_direction_controls(&text), text);
        }

        #[test]
        fn no_document_text_holds_a_directional_control(text in "[a-z.\\u{202A}-\\u{202E}\\u{2066}-\\u{2069}\\u{200E}\\u{200F}\\u{061C}\\n]{0,30}") {
            prop_assert!(!for_document(&text).chars().any(is_direction_control));
            prop_assert!(!latin().for_pdf(&text).chars().any(is_direction_control));
        }
    }
}
