//! Charts drawn with plotters from the aggregation: SVG for pages and PDFs, PNG for downloads.
//!
//! Every chart carries its figures as text (a symbol and a count in each bar segment, a
//! legend with words), so it reads without colour; the SVG gets a title and a description
//! for screen readers. Text is set in DejaVu Sans, embedded in the binary: no system fonts.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::sync::OnceLock;

use crate::domain::summary::{Counts, Summary};
use crate::domain::Status;

/// The font family the charts use, registered with plotters and loaded in typst alike.
pub const FONT_FAMILY: &str = "DejaVu Sans";

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("the chart font could not be loaded")]
    Font,
    #[error("drawing the chart failed: {0}")]
    Draw(String),
    #[error("encoding the PNG failed: {0}")]
    Png(String),
}

fn ensure_fonts() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, dejavu::sans::regular())
            .is_ok()
            && plotters::style::register_font(FONT_FAMILY, FontStyle::Bold, dejavu::sans::bold())
                .is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(ChartError::Font)
    }
}

fn draw_err<E: std::fmt::Debug>(e: E) -> ChartError {
    ChartError::Draw(format!("{e:?}"))
}

fn hex(code: &str) -> RGBColor {
    let channel =
        |i: usize| u8::from_str_radix(code.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0);
    RGBColor(channel(1), channel(3), channel(5))
}

/// The smallest chart text as plotters takes it (it writes 1/1.24 of this as the SVG's
/// font size): a chart printed across an A4 text column (about 0.65 pt a pixel) keeps it
/// at 8 pt or more.
const LABEL: f64 = 16.0;

const UNANSWERED_FILL: RGBColor = RGBColor(0xE6, 0xE6, 0xE6);
const INK: RGBColor = RGBColor(0x1A, 0x1A, 0x1A);
const GRID: RGBColor = RGBColor(0xB0, 0xB0, 0xB0);

/// Hatching that tells the statuses apart without colour: vertical lines for green, rising
/// diagonals for yellow, crossed diagonals for red, none for no answer. Drawn in thin white
/// over the fill, clipped to the rectangle from `(left, top)` to `(right, bottom)`.
fn hatch<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    status: Option<Status>,
    (left, top): (i32, i32),
    (right, bottom): (i32, i32),
) -> Result<(), ChartError> {
    const GAP: i32 = 6;
    let ink = WHITE.mix(0.7).stroke_width(1);
    let height = bottom - top;
    let mut lines: Vec<[(i32, i32); 2]> = Vec::new();
    let diagonals = |rising: bool, lines: &mut Vec<[(i32, i32); 2]>| {
        let mut start = left - height;
        while start < right {
            // The 45° line through (start, bottom), kept to left..=right.
            let from = (left - start).max(0);
            let to = (right - start).min(height);
            if from < to {
                let y = |t: i32| if rising { bottom - t } else { top + t };
                lines.push([(start + from, y(from)), (start + to, y(to))]);
            }
            start += GAP;
        }
    };
    match status {
        Some(Status::Green) => {
            let mut x = left + GAP / 2;
            while x < right {
                lines.push([(x, top), (x, bottom)]);
                x += GAP;
            }
        }
        Some(Status::Yellow) => diagonals(true, &mut lines),
        Some(Status::Red) => {
            diagonals(true, &mut lines);
            diagonals(false, &mut lines);
        }
        None => {}
    }
    for [a, b] in lines {
        root.draw(&PathElement::new(vec![a, b], ink))
            .map_err(draw_err)?;
    }
    Ok(())
}

/// One bar of the distribution chart.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub counts: Counts,
    /// One municipality's own answer, written beside the bar when the chart marks one.
    pub mark: Option<Status>,
}

/// How bar lengths are measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Every bar is out of the same number of municipalities (the axis counts them).
    Municipalities(u32),
    /// Every bar is 100 % of its own total (the axis shows percent); for comparing rounds
    /// with different numbers of recommendations.
    Percent,
}

/// Stacked bars of green / yellow / red / not answered: the distribution of answers per
/// recommendation, or the classification per round for the trend.
#[derive(Debug, Clone)]
pub struct DistributionChart {
    pub title: String,
    pub bars: Vec<Bar>,
    pub scale: Scale,
    /// The legend's word for the fourth part ("Ikke besvaret", "Uden svar").
    pub rest_label: String,
    /// Whose answers the marks are ("Frederiksberg"); `None`: no marks column.
    pub marked: Option<String>,
}

impl DistributionChart {
    pub fn from_summary(summary: &Summary, title: &str) -> DistributionChart {
        DistributionChart {
            title: title.to_owned(),
            bars: summary
                .recommendations()
                .map(|r| Bar {
                    label: r.code.clone(),
                    counts: r.counts,
                    mark: None,
                })
                .collect(),
            scale: Scale::Municipalities(summary.municipality_count),
            rest_label: "Ikke besvaret".to_owned(),
            marked: None,
        }
    }

    /// Marks each bar with one municipality's own answer (by recommendation, in order).
    pub fn with_marks(mut self, name: &str, marks: &[Option<Status>]) -> DistributionChart {
        for (bar, mark) in self.bars.iter_mut().zip(marks) {
            bar.mark = *mark;
        }
        self.marked = Some(name.to_owned());
        self
    }

    /// The classification of the recommendations in each round, oldest first, in percent.
    pub fn from_trend(trend: &crate::domain::trend::Trend, title: &str) -> DistributionChart {
        DistributionChart {
            title: title.to_owned(),
            bars: trend
                .rounds
                .iter()
                .map(|r| Bar {
                    label: r.year.to_string(),
                    counts: Counts {
                        green: r.classification_counts.green,
                        yellow: r.classification_counts.yellow,
                        red: r.classification_counts.red,
                        unanswered: r.classification_counts.unclassified,
                    },
                    mark: None,
                })
                .collect(),
            scale: Scale::Percent,
            rest_label: "Uden indsendte svar".to_owned(),
            marked: None,
        }
    }

    /// A plain-language description of what the chart shows, for screen readers and alt text.
    pub fn description(&self) -> String {
        let rest = self.rest_label.to_lowercase();
        let bars: Vec<String> = self
            .bars
            .iter()
            .map(|b| {
                format!(
                    "{}: {} grøn, {} gul, {} rød, {} {rest}",
                    b.label, b.counts.green, b.counts.yellow, b.counts.red, b.counts.unanswered
                )
            })
            .collect();
        let scale = match self.scale {
            Scale::Municipalities(n) => format!("søjlens længde er {n} kommuner"),
            Scale::Percent => "hver søjle er 100 procent".to_owned(),
        };
        let marks = match &self.marked {
            Some(name) => {
                let own: Vec<String> = self
                    .bars
                    .iter()
                    .map(|b| {
                        format!(
                            "{}: {}",
                            b.label,
                            b.mark.map_or("intet svar", |s| s.colour_da())
                        )
                    })
                    .collect();
                format!(" {name}s egne svar: {}.", own.join("; "))
            }
            None => String::new(),
        };
        format!(
            "Vandret stablet søjlediagram med én søjle pr. række; {scale}. {}.{marks}",
            bars.join("; ")
        )
    }

    const WIDTH: u32 = 760;
    const ROW: u32 = 24;
    const TOP: u32 = 46;
    const LEFT: u32 = 64;
    const RIGHT: u32 = 24;
    const BOTTOM: u32 = 100;

    fn size(&self) -> (u32, u32) {
        (
            Self::WIDTH,
            Self::TOP + Self::ROW * self.bars.len().max(1) as u32 + Self::BOTTOM,
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        root.fill(&WHITE).map_err(draw_err)?;
        let (width, _) = self.size();
        let font = |size: f64| (FONT_FAMILY, size).into_font().color(&INK);
        let bold = |size: f64| (FONT_FAMILY, size, FontStyle::Bold).into_font().color(&INK);
        let x0 = Self::LEFT as i32;
        let right_margin = if self.marked.is_some() {
            120
        } else {
            Self::RIGHT
        };
        let x1 = (width - right_margin) as i32;
        let span = (x1 - x0) as f64;
        let axis_total = match self.scale {
            Scale::Municipalities(n) => n.max(1),
            Scale::Percent => 100,
        };
        let x_at = |n: f64| x0 + (span * n / f64::from(axis_total)).round() as i32;

        root.draw(&Text::new(self.title.clone(), (x0, 12), bold(20.0)))
            .map_err(draw_err)?;
        if let Some(name) = &self.marked {
            root.draw(&Text::new(
                format!("Egne svar: {name}"),
                (width as i32 - 6, Self::TOP as i32 - 14),
                bold(LABEL).pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(draw_err)?;
        }

        let rows_bottom = (Self::TOP + Self::ROW * self.bars.len() as u32) as i32;
        // Vertical grid lines with the municipality count, every five.
        let step = match self.scale {
            Scale::Municipalities(n) if n > 40 => 10,
            Scale::Municipalities(_) => 5,
            Scale::Percent => 20,
        };
        let mut tick = 0;
        while tick <= axis_total {
            let x = x_at(tick as f64);
            root.draw(&PathElement::new(
                vec![(x, Self::TOP as i32 - 4), (x, rows_bottom + 4)],
                GRID,
            ))
            .map_err(draw_err)?;
            root.draw(&Text::new(
                tick.to_string(),
                (x, rows_bottom + 8),
                font(LABEL).pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .map_err(draw_err)?;
            tick += step;
        }
        let axis_label = match self.scale {
            Scale::Municipalities(n) => format!("Antal kommuner (af {n})"),
            Scale::Percent => "Andel (procent)".to_owned(),
        };
        root.draw(&Text::new(
            axis_label,
            ((x0 + x1) / 2, rows_bottom + 26),
            font(LABEL).pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(draw_err)?;

        for (i, bar) in self.bars.iter().enumerate() {
            let top = (Self::TOP + Self::ROW * i as u32) as i32 + 3;
            let bottom = top + Self::ROW as i32 - 6;
            let middle = (top + bottom) / 2;
            root.draw(&Text::new(
                bar.label.clone(),
                (x0 - 10, middle),
                bold(LABEL).pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(draw_err)?;
            if self.marked.is_some() {
                let text = match bar.mark {
                    Some(s) => format!("{} {}", s.symbol(), s.colour_da()),
                    None => "–".to_owned(),
                };
                root.draw(&Text::new(
                    text,
                    (x1 + 12, middle),
                    font(LABEL).pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .map_err(draw_err)?;
            }
            // In percent, each bar is scaled to its own total.
            let unit = match self.scale {
                Scale::Municipalities(_) => 1.0,
                Scale::Percent => 100.0 / f64::from(bar.counts.total().max(1)),
            };
            let mut start = 0.0;
            let segments = Status::ALL
                .iter()
                .map(|s| (Some(*s), bar.counts.get(*s)))
                .chain(std::iter::once((None, bar.counts.unanswered)));
            for (status, n) in segments {
                if n == 0 {
                    continue;
                }
                let left = x_at(start);
                let right = x_at(start + n as f64 * unit);
                start += n as f64 * unit;
                let fill = status.map_or(UNANSWERED_FILL, |s| hex(s.fill_hex()));
                root.draw(&Rectangle::new(
                    [(left, top), (right, bottom)],
                    fill.filled(),
                ))
                .map_err(draw_err)?;
                root.draw(&Rectangle::new(
                    [(left, top), (right, bottom)],
                    WHITE.stroke_width(1),
                ))
                .map_err(draw_err)?;
                // Every segment names its status, however narrow: symbol and count where
                // they fit, the symbol alone where it fits, else the legend's hatching.
                let room = right - left;
                if status.is_some() && room < 14 {
                    hatch(root, status, (left, top), (right, bottom))?;
                }
                let text = match status {
                    Some(s) if room >= 42 => Some(format!("{} {n}", s.symbol())),
                    Some(s) if room >= 14 => Some(s.symbol().to_owned()),
                    None if room >= 24 => Some(n.to_string()),
                    _ => None,
                };
                if let Some(text) = text {
                    root.draw(&Text::new(
                        text,
                        ((left + right) / 2, middle),
                        font(LABEL).pos(Pos::new(HPos::Center, VPos::Center)),
                    ))
                    .map_err(draw_err)?;
                }
            }
        }

        // Legend: a swatch, the symbol and the word for each colour, in two rows if need be.
        let mut legend_y = rows_bottom + 58;
        let mut x = x0;
        let entries = Status::ALL
            .iter()
            .map(|s| (Some(*s), format!("{} {}", s.symbol(), s.label_da())))
            .chain(std::iter::once((None, self.rest_label.clone())));
        for (status, text) in entries {
            let fill = status.map_or(UNANSWERED_FILL, |s| hex(s.fill_hex()));
            let style = font(LABEL).pos(Pos::new(HPos::Left, VPos::Center));
            let label_width = root
                .estimate_text_size(&text, &style)
                .map_or(9 * text.chars().count() as i32, |(w, _)| w as i32);
            if x > x0 && x + 22 + label_width > width as i32 - 4 {
                x = x0;
                legend_y += 24;
            }
            let (a, b) = ((x, legend_y - 8), (x + 16, legend_y + 8));
            root.draw(&Rectangle::new([a, b], fill.filled()))
                .map_err(draw_err)?;
            hatch(root, status, a, b)?;
            root.draw(&Rectangle::new([a, b], INK.stroke_width(1)))
                .map_err(draw_err)?;
            root.draw(&Text::new(text, (x + 22, legend_y), style))
                .map_err(draw_err)?;
            x += 22 + label_width + 18;
        }
        root.present().map_err(draw_err)
    }

    /// The chart as an SVG document with a title and description for assistive technology.
    /// `id` must be unique on the page the SVG is inlined in.
    pub fn svg(&self, id: &str) -> Result<String, ChartError> {
        ensure_fonts()?;
        let mut out = String::new();
        {
            let backend = SVGBackend::with_string(&mut out, self.size());
            let root = backend.into_drawing_area();
            self.draw(&root)?;
        }
        Ok(accessible_svg(&out, id, &self.title, &self.description()))
    }

    /// The chart as a PNG image.
    pub fn png(&self) -> Result<Vec<u8>, ChartError> {
        ensure_fonts()?;
        let (w, h) = self.size();
        let mut pixels = vec![0u8; (w * h * 3) as usize];
        {
            let backend = BitMapBackend::with_buffer(&mut pixels, (w, h));
            let root = backend.into_drawing_area();
            self.draw(&root)?;
        }
        let mut png_bytes = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut png_bytes, w, h);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder
                .write_header()
                .map_err(|e| ChartError::Png(e.to_string()))?;
            writer
                .write_image_data(&pixels)
                .map_err(|e| ChartError::Png(e.to_string()))?;
        }
        Ok(png_bytes)
    }
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Adds role, an accessible name and a description to plotters' SVG root element.
fn accessible_svg(svg: &str, id: &str, title: &str, description: &str) -> String {
    let id = xml_escape(id);
    let Some(open_end) = svg
        .find("<svg")
        .and_then(|start| svg[start..].find('>').map(|e| start + e))
    else {
        return svg.to_owned();
    };
    format!(
        "{} role=\"img\" aria-labelledby=\"{id}-title {id}-desc\"><title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>{}",
        &svg[..open_end],
        xml_escape(title),
        xml_escape(description),
        &svg[open_end + 1..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> DistributionChart {
        DistributionChart {
            title: "Fordeling af svar".into(),
            bars: vec![
                Bar {
                    label: "1.1".into(),
                    counts: Counts {
                        green: 13,
                        yellow: 6,
                        red: 5,
                        unanswered: 5,
                    },
                    mark: None,
                },
                Bar {
                    label: "1.2".into(),
                    counts: Counts {
                        green: 0,
                        yellow: 0,
                        red: 0,
                        unanswered: 29,
                    },
                    mark: None,
                },
            ],
            scale: Scale::Municipalities(29),
            rest_label: "Ikke besvaret".into(),
            marked: None,
        }
    }

    #[test]
    fn marks_show_one_municipalitys_own_answers_as_text() {
        let c = chart().with_marks("Frederiksberg", &[Some(Status::Yellow), None]);
        let svg = c.svg("m").unwrap();
        assert!(svg.contains("Egne svar: Frederiksberg"));
        assert!(svg.contains("◐ gul"));
        assert!(svg.contains("Frederiksbergs egne svar: 1.1: gul; 1.2: intet svar."));
    }

    #[test]
    fn svg_has_an_accessible_name_and_the_figures_as_text() {
        let svg = chart().svg("dist").unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains(r#"role="img" aria-labelledby="dist-title dist-desc""#));
        assert!(svg.contains(r#"<title id="dist-title">Fordeling af svar</title>"#));
        assert!(svg.contains("1.1: 13 grøn, 6 gul, 5 rød, 5 ikke besvaret"));
        assert!(
            svg.contains("✔ 13"),
            "count with symbol inside the green segment"
        );
        assert!(svg.contains("◐ 6"));
        assert!(svg.contains("✖ 5"));
        assert!(svg.contains("Igangsat efter planen"));
        assert!(svg.contains(r#"font-family="DejaVu Sans""#));
    }

    #[test]
    fn percent_bars_fill_the_axis_whatever_their_total() {
        let mut c = chart();
        c.scale = Scale::Percent;
        let svg = c.svg("p").unwrap();
        assert!(svg.contains("Andel (procent)"));
        assert!(svg.contains("hver søjle er 100 procent"));
    }

    #[test]
    fn every_segment_carries_its_symbol_even_a_segment_of_one() {
        let mut c = chart();
        c.bars[1].counts = Counts {
            green: 1,
            yellow: 1,
            red: 1,
            unanswered: 26,
        };
        let svg = c.svg("s").unwrap();
        // A symbol alone in a text element is a segment too narrow for its count.
        for symbol in ["✔", "◐", "✖"] {
            assert!(
                svg.contains(&format!(">\n{symbol}\n</text>")),
                "{symbol}: {svg}"
            );
        }
    }

    fn hatch_lines(svg: &str) -> usize {
        svg.matches(r##"opacity="0.7" stroke="#FFFFFF""##).count()
    }

    #[test]
    fn a_segment_too_narrow_for_a_symbol_is_hatched() {
        let bar = |green| DistributionChart {
            bars: vec![Bar {
                label: "1.1".into(),
                counts: Counts {
                    green,
                    yellow: 0,
                    red: 0,
                    unanswered: 98 - green,
                },
                mark: None,
            }],
            scale: Scale::Municipalities(98),
            ..chart()
        };
        let (none, one) = (bar(0).svg("a").unwrap(), bar(1).svg("b").unwrap());
        assert!(
            hatch_lines(&one) > hatch_lines(&none),
            "one municipality's green segment carries green's hatching"
        );
        assert!(!one.contains(">\n✔\n</text>"), "too narrow for the symbol");
    }

    #[test]
    fn chart_text_prints_at_eight_points_or_more_across_an_a4_column() {
        let svg = chart()
            .with_marks("Frederiksberg", &[None, None])
            .svg("t")
            .unwrap();
        let sizes: Vec<f64> = svg
            .split("font-size=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next()?.parse().ok())
            .collect();
        assert!(!sizes.is_empty());
        // An A4 page less 1.8 cm margins each side is 493 pt wide.
        let points = |size: f64| size * 493.0 / f64::from(DistributionChart::WIDTH);
        assert!(sizes.iter().all(|&s| points(s) >= 8.0), "{sizes:?}");
    }

    #[test]
    fn png_is_a_png() {
        let png = chart().png().unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    }

    #[test]
    fn escaping_keeps_markup_out_of_the_svg() {
        let mut c = chart();
        c.title = "<script>alert(1)</script>".into();
        let svg = c.svg("x").unwrap();
        assert!(!svg.contains("<script>"));
    }
}
