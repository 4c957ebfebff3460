//! Reading pages in tests with an HTML parser (`scraper`) instead of string searches: for what
//! a test checks of a page's structure (an element with an id, an attribute, a table's rows, a
//! form's fields). Whether a Danish sentence appears on a page stays a plain string search.
//!
//! Selectors are CSS, as a browser takes them; a selector that does not parse fails the test.

use scraper::{ElementRef, Html, Selector};

/// A page, parsed.
pub struct Page {
    html: Html,
}

/// Parses a whole page (or a fragment of one).
pub fn parse(html: &str) -> Page {
    Page {
        html: Html::parse_document(html),
    }
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css:?}: {e}"))
}

/// An element's text, its whitespace folded to single spaces (as a reader sees it).
pub fn text_of(element: ElementRef<'_>) -> String {
    crate::helpers::folded(&element.text().collect::<String>())
}

/// An element's text as a reader hears it: every piece of text apart (a space where a tag
/// was), whitespace folded.
pub fn spaced_text_of(element: ElementRef<'_>) -> String {
    crate::helpers::folded(&element.text().collect::<Vec<_>>().join(" "))
}

impl Page {
    /// Every element matching `css`, in document order.
    pub fn select(&self, css: &str) -> Vec<ElementRef<'_>> {
        self.html.select(&selector(css)).collect()
    }

    /// True when an element matches `css`.
    pub fn has(&self, css: &str) -> bool {
        self.html.select(&selector(css)).next().is_some()
    }

    /// How many elements match `css`.
    pub fn count(&self, css: &str) -> usize {
        self.html.select(&selector(css)).count()
    }

    /// The (folded) text of the first element matching `css`.
    pub fn text(&self, css: &str) -> Option<String> {
        self.html.select(&selector(css)).next().map(text_of)
    }

    /// The (folded) text of every element matching `css`.
    pub fn texts(&self, css: &str) -> Vec<String> {
        self.html.select(&selector(css)).map(text_of).collect()
    }

    /// The text of every element matching `css` as it stands, whitespace kept (a text
    /// area's content).
    pub fn texts_raw(&self, css: &str) -> Vec<String> {
        self.html
            .select(&selector(css))
            .map(|e| e.text().collect())
            .collect()
    }

    /// The attribute `name` of the first element matching `css` that has it.
    pub fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.html
            .select(&selector(css))
            .find_map(|e| e.value().attr(name).map(str::to_owned))
    }

    /// The attribute `name` of every element matching `css` that has it.
    pub fn attrs(&self, css: &str, name: &str) -> Vec<String> {
        self.html
            .select(&selector(css))
            .filter_map(|e| e.value().attr(name).map(str::to_owned))
            .collect()
    }

    /// The fields the first form matching `form_css` would send as it stands, as
    /// (name, value) in document order: inputs (checkboxes and radio buttons only when
    /// checked), text areas and the selected option of each select (its first without one).
    /// Buttons are left out: which one is pressed is the test's choice.
    pub fn field_values(&self, form_css: &str) -> Vec<(String, String)> {
        let form = self
            .select(form_css)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no form {form_css:?} on the page"));
        let mut fields = Vec::new();
        for field in form.select(&selector("input[name], textarea[name], select[name]")) {
            let element = field.value();
            let Some(name) = element.attr("name") else {
                continue;
            };
            let value = match element.name() {
                "textarea" => field.text().collect::<String>(),
                "select" => {
                    let options: Vec<ElementRef<'_>> = field.select(&selector("option")).collect();
                    let chosen = options
                        .iter()
                        .find(|o| o.value().attr("selected").is_some())
                        .or(options.first());
                    match chosen {
                        Some(option) => option
                            .value()
                            .attr("value")
                            .map(str::to_owned)
                            .unwrap_or_else(|| option.text().collect()),
                        None => continue,
                    }
                }
                _ => {
                    let kind = element.attr("type").unwrap_or("text");
                    if matches!(kind, "submit" | "button" | "reset" | "image" | "file") {
                        continue;
                    }
                    if matches!(kind, "checkbox" | "radio") && element.attr("checked").is_none() {
                        continue;
                    }
                    element.attr("value").unwrap_or("").to_owned()
                }
            };
            fields.push((name.to_owned(), value));
        }
        fields
    }

    /// True when an element matching `css` has exactly this (folded) text.
    pub fn has_text(&self, css: &str, text: &str) -> bool {
        self.count_with_text(css, text) > 0
    }

    /// The (folded) text of the `dd` after the `dt` that says `term`, in a description list.
    pub fn description(&self, term: &str) -> Option<String> {
        self.html
            .select(&selector("dt"))
            .find(|dt| text_of(*dt) == term)
            .and_then(|dt| dt.next_siblings().find_map(ElementRef::wrap))
            .filter(|next| next.value().name() == "dd")
            .map(text_of)
    }

    /// How many elements match `css` with exactly this (folded) text.
    pub fn count_with_text(&self, css: &str, text: &str) -> usize {
        self.texts(css).iter().filter(|t| *t == text).count()
    }

    /// Every element matching `row_css` (rows, e.g. `tr` or `#trend tr`) as the folded text
    /// of its cells (`th` and `td`).
    pub fn cells(&self, row_css: &str) -> Vec<Vec<String>> {
        self.html
            .select(&selector(row_css))
            .map(|row| row.select(&selector("th, td")).map(text_of).collect())
            .collect()
    }

    /// True when some row (`tr`) on the page begins with these cells.
    pub fn has_row_starting(&self, cells: &[&str]) -> bool {
        self.cells("tr")
            .iter()
            .any(|row| row.len() >= cells.len() && row.iter().zip(cells).all(|(a, b)| a == b))
    }

    /// Each row (`tr`) of the first element matching `css` (a table or a `tbody`) as one
    /// line of text ([`spaced_text_of`]); none when nothing matches.
    pub fn row_texts(&self, css: &str) -> Vec<String> {
        self.html
            .select(&selector(css))
            .next()
            .map(|table| table.select(&selector("tr")).map(spaced_text_of).collect())
            .unwrap_or_default()
    }

    /// The rows of the first table matching `table_css`: each row of its body (every row
    /// when it has none) as the folded text of its cells (`th` and `td`).
    pub fn rows(&self, table_css: &str) -> Vec<Vec<String>> {
        let table = self
            .select(table_css)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no table {table_css:?} on the page"));
        let body_rows: Vec<ElementRef<'_>> = table.select(&selector("tbody > tr")).collect();
        let rows = if body_rows.is_empty() {
            table.select(&selector("tr")).collect()
        } else {
            body_rows
        };
        rows.into_iter()
            .map(|row| row.select(&selector("th, td")).map(text_of).collect())
            .collect()
    }
}

/// The value of the first hidden field with this name on a page.
pub fn hidden_value(html: &str, name: &str) -> String {
    parse(html)
        .attr(&format!("input[type=\"hidden\"][name=\"{name}\"]"), "value")
        .unwrap_or_else(|| panic!("no hidden field {name} on the page"))
}

/// The session's CSRF token, from a page with a form.
pub fn csrf_from(html: &str) -> String {
    hidden_value(html, "csrf_token")
}

/// The recommendation ids on a status form, in order: one per group of status buttons
/// (`status-{id}`).
pub fn recommendation_ids(page: &str) -> Vec<i32> {
    let mut ids: Vec<i32> = Vec::new();
    for name in parse(page).attrs("input[name^=\"status-\"]", "name") {
        let id = name["status-".len()..]
            .parse()
            .unwrap_or_else(|_| panic!("a status field without a number: {name}"));
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// A status form filled in: its CSRF token and version, `action`, and for every
/// recommendation on it the status and comment `answer(id)` gives.
pub fn answered_form(
    page: &str,
    action: &str,
    answer: impl Fn(i32) -> (String, String),
) -> Vec<(String, String)> {
    let mut fields = vec![
        ("csrf_token".to_owned(), csrf_from(page)),
        ("version".to_owned(), hidden_value(page, "version")),
        ("action".to_owned(), action.to_owned()),
    ];
    for id in recommendation_ids(page) {
        let (status, comment) = answer(id);
        fields.push((format!("status-{id}"), status));
        fields.push((format!("comment-{id}"), comment));
    }
    fields
}

/// A status form with every recommendation answered `status` with `comment`.
pub fn form_fields(page: &str, action: &str, status: &str, comment: &str) -> Vec<(String, String)> {
    answered_form(page, action, |_| (status.to_owned(), comment.to_owned()))
}

/// The id of the first saved snapshot a page links to (`/snapshots/{id}/…`).
pub fn first_snapshot_id(page: &str) -> i32 {
    let href = parse(page)
        .attr("a[href^=\"/snapshots/\"]", "href")
        .expect("a snapshot in the list");
    href["/snapshots/".len()..]
        .split('/')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("a snapshot link without an id: {href}"))
}
