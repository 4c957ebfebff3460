//! Attachments and exports: PDFs rendered by typst from the templates in `reports/`.
//!
//! The typst engine (templates and fonts) is built once at start and shared: it is
//! `Send + Sync`, and loading fonts per document would cost more than rendering.

pub mod agenda;
pub mod attachment;
pub mod kkr;
pub mod sheets;
pub mod text;

use std::path::Path;

use typst::foundations::{Bytes, Datetime, Dict, IntoValue};
use typst_as_lib::{TypstEngine, TypstTemplateCollection};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use chrono::{Datelike, NaiveDateTime, Timelike};

use crate::domain::analysis::RoundAnalysis;
use crate::domain::MunicipalityCode;

const ATTACHMENT: &str = "attachment.typ";
const KKR_REPORT: &str = "kkr-report.typ";
const TEMPLATES: [(&str, &str); 2] = [
    (ATTACHMENT, include_str!("../../reports/attachment.typ")),
    (KKR_REPORT, include_str!("../../reports/kkr-report.typ")),
];

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("the report data could not be serialised: {0}")]
    Data(#[from] serde_json::Error),
    #[error("the typst template failed: {0}")]
    Template(String),
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
    #[error("reading the report templates failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("municipality {0} is not part of the round")]
    UnknownMunicipality(String),
    #[error("the chart failed: {0}")]
    Chart(#[from] crate::charts::ChartError),
    #[error("the spreadsheet could not be written: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("the CSV could not be written: {0}")]
    Csv(#[from] csv::Error),
    #[error("the Word document could not be written: {0}")]
    Docx(String),
}

/// An attachment's PDF and the JSON data it was rendered from (kept with snapshots).
#[derive(Debug, Clone)]
pub struct RenderedAttachment {
    pub pdf: Vec<u8>,
    pub data: String,
}

/// How many documents' memoised work a batch renderer keeps per worker (see
/// [`Renderer::for_batch`]). Measured on `export all --year` for 98 municipalities on two
/// workers: keeping none took 15.0 s of CPU (240 MB peak), one per worker 12.4–12.7 s
/// (296 MB), two 12.8 s (398 MB), four 13.1–13.5 s (450 MB), eight 13.7–14.1 s (581 MB): what
/// consecutive documents share is reused at once, and a larger cache costs more to keep than
/// it saves.
pub const DOCUMENTS_KEPT_PER_WORKER: usize = 1;

/// The typst engine with the report templates and fonts loaded.
pub struct Renderer {
    engine: TypstEngine<TypstTemplateCollection>,
    /// What the loaded fonts can draw; the rest of a document's text becomes a marker.
    coverage: text::Coverage,
}

/// The fonts every document may use: DejaVu Sans for text (the charts' font too; it also has
/// Greek, Cyrillic, Hebrew, Arabic and most symbols), Noto Emoji (monochrome: emoji with skin
/// tones, flags and joined sequences) and Noto Sans Devanagari. Scripts none of them has (CJK,
/// Thai, other Indic scripts) show as [`text::MARKER`] in PDFs; see `docs/reliability.md` for
/// the choice. (Noto Sans Symbols 2 is not among them: it has some emoji without their skin
/// tones, and typst would draw an emoji with a skin tone from two fonts.)
fn fonts() -> Vec<&'static [u8]> {
    vec![
        dejavu::sans::regular(),
        dejavu::sans::bold(),
        uzor_fonts::NOTO_EMOJI,
        uzor_fonts::NOTO_SANS_DEVANAGARI,
    ]
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Renderer")
    }
}

impl Renderer {
    /// The engine with the templates compiled into the binary. With `override_dir`, a
    /// template file of the same name there (e.g. `attachment.typ`) replaces the built-in one,
    /// so a secretariat can adjust the layout without rebuilding.
    pub fn new(override_dir: Option<&Path>) -> Result<Renderer, ReportError> {
        Renderer::with_memo_age(override_dir, 0)
    }

    /// A renderer for many documents in a row (`export all`) by `workers` threads at once.
    /// typst memoises its work (parsed templates, font tables, shaped words, laid-out cells)
    /// in one process-wide cache, which the engine trims after every document to entries
    /// used within the last `memo_age` documents. The server keeps none (memory matters more
    /// than a PDF's few milliseconds); a batch keeps [`DOCUMENTS_KEPT_PER_WORKER`] per
    /// worker, so that each document reuses what the one before it on every worker shares
    /// with it (the age counts every worker's documents). At most 8 workers are counted, so
    /// that a machine with many cores does not keep gigabytes (a document's memo is 30–50 MB).
    pub fn for_batch(override_dir: Option<&Path>, workers: usize) -> Result<Renderer, ReportError> {
        Renderer::with_memo_age(
            override_dir,
            DOCUMENTS_KEPT_PER_WORKER * workers.clamp(1, 8),
        )
    }

    fn with_memo_age(
        override_dir: Option<&Path>,
        memo_age: usize,
    ) -> Result<Renderer, ReportError> {
        let mut sources: Vec<(&'static str, String)> = Vec::new();
        for (name, builtin) in TEMPLATES {
            let text = match override_dir.map(|dir| dir.join(name)) {
                Some(path) if path.is_file() => std::fs::read_to_string(path)?,
                _ => builtin.to_owned(),
            };
            sources.push((name, text));
        }
        let fonts = fonts();
        let coverage = text::Coverage::of_fonts(
            &[dejavu::sans::regular(), dejavu::sans::bold()],
            fonts.iter().copied(),
        );
        let engine = TypstEngine::builder()
            .fonts(fonts)
            .with_static_source_file_resolver(sources)
            .comemo_evict_max_age(Some(memo_age))
            .build();
        Ok(Renderer { engine, coverage })
    }

    /// Renders a template with `data` (as `sys.inputs.data`, JSON) and the other inputs
    /// (SVG charts). Every string in the data is first made drawable ([`text::Coverage::for_pdf`]);
    /// if the PDF still cannot be made, it is rendered once more with only characters that need
    /// no shaping across characters kept, so that no text can stop a document.
    fn pdf_with_data<T: serde::Serialize>(
        &self,
        template: &str,
        data: &T,
        charts: &[(&str, &str)],
        now: NaiveDateTime,
    ) -> Result<Vec<u8>, ReportError> {
        let inputs = |clean: &dyn Fn(&str) -> String| -> Result<Dict, ReportError> {
            let mut value = serde_json::to_value(data)?;
            text::map_strings(&mut value, clean);
            let mut inputs = Dict::new();
            inputs.insert(
                "data".into(),
                Bytes::new(serde_json::to_vec(&value)?).into_value(),
            );
            for (name, svg) in charts {
                inputs.insert(
                    (*name).into(),
                    Bytes::new(svg.as_bytes().to_vec()).into_value(),
                );
            }
            Ok(inputs)
        };
        match self.pdf(template, inputs(&|s| self.coverage.for_pdf(s))?, now) {
            Err(ReportError::Pdf(message)) => {
                tracing::warn!(
                    template,
                    %message,
                    "the PDF refused some text; rendering again with unusual characters marked"
                );
                self.pdf(template, inputs(&|s| self.coverage.for_pdf_strict(s))?, now)
            }
            other => other,
        }
    }

    /// Renders a template to an accessible PDF (tagged, PDF/UA-1, Danish).
    fn pdf(
        &self,
        template: &str,
        inputs: Dict,
        now: NaiveDateTime,
    ) -> Result<Vec<u8>, ReportError> {
        let document: PagedDocument = self
            .engine
            .compile_with_input(template, inputs)
            .output
            .map_err(|e| ReportError::Template(e.to_string()))?;
        let timestamp = Datetime::from_ymd_hms(
            now.year(),
            now.month() as u8,
            now.day() as u8,
            now.hour() as u8,
            now.minute() as u8,
            now.second() as u8,
        )
        .map(Timestamp::new_utc);
        let standards = PdfStandards::new(&[PdfStandard::Ua_1])
            .map_err(|e| ReportError::Pdf(e.message().to_string()))?;
        let options = PdfOptions {
            timestamp,
            standards,
            ..PdfOptions::default()
        };
        typst_pdf::pdf(&document, &options).map_err(|diagnostics| {
            ReportError::Pdf(
                diagnostics
                    .iter()
                    .map(|d| d.message.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })
    }

    /// A municipality's attachment as PDF. With `include_draft` its draft answers are shown
    /// (for those who may see them), marked as a draft.
    pub fn attachment(
        &self,
        analysis: &RoundAnalysis,
        code: &MunicipalityCode,
        include_draft: bool,
        now: NaiveDateTime,
    ) -> Result<RenderedAttachment, ReportError> {
        self.attachment_for_meeting(analysis, code, include_draft, None, now)
    }

    /// The attachment for the agenda of the council meeting on `meeting`, named in every
    /// page's header.
    pub fn attachment_for_meeting(
        &self,
        analysis: &RoundAnalysis,
        code: &MunicipalityCode,
        include_draft: bool,
        meeting: Option<chrono::NaiveDate>,
        now: NaiveDateTime,
    ) -> Result<RenderedAttachment, ReportError> {
        let (data, chart) = attachment::build(analysis, code, include_draft, meeting, now)
            .ok_or_else(|| ReportError::UnknownMunicipality(code.to_string()))?;
        let pdf = self.attachment_pdf(&data, &chart.svg("fordeling")?, now)?;
        Ok(RenderedAttachment {
            pdf,
            data: serde_json::to_string(&data)?,
        })
    }

    /// Renders prepared attachment data, with the distribution chart embedded as SVG.
    pub fn attachment_pdf(
        &self,
        data: &attachment::AttachmentData,
        chart_svg: &str,
        now: NaiveDateTime,
    ) -> Result<Vec<u8>, ReportError> {
        self.pdf_with_data(ATTACHMENT, data, &[("chart", chart_svg)], now)
    }

    /// The KKR's report as PDF: region-wide results, heatmap, trend and every comment.
    pub fn kkr_report(
        &self,
        analysis: &RoundAnalysis,
        now: NaiveDateTime,
    ) -> Result<Vec<u8>, ReportError> {
        let round = &analysis.data.content.round;
        let common = kkr::region_part(analysis);
        let region = common.as_ref().unwrap_or(analysis);
        let chart = crate::charts::DistributionChart::from_summary(
            &region.summary,
            &attachment::chart_title(round),
        );
        let trend = crate::charts::DistributionChart::from_trend(
            &region.trend,
            &format!("Anbefalingernes status år for år, {}", round.kkr_name),
        );
        let data = kkr::build(
            analysis,
            region,
            chart.description(),
            trend.description(),
            now,
        );
        let chart = chart.svg("fordeling")?;
        // One round has no trend to draw; the template then leaves the section out.
        let trend = if data.show_trend {
            trend.svg("udvikling")?
        } else {
            String::new()
        };
        self.pdf_with_data(
            KKR_REPORT,
            &data,
            &[("chart", &chart), ("trend", &trend)],
            now,
        )
    }
}
