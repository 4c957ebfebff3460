//! What every form page shows the same way: an error tied to a field, and one option of a
//! choice (a radio button, a checkbox or a select's option).

use serde::Serialize;

/// A refused field: `field` is the id of the input the error summary links to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> FieldError {
        FieldError {
            field,
            message: message.into(),
        }
    }

    /// The message for `field` among `errors`, if it was refused.
    pub fn message_of(errors: &[FieldError], field: &str) -> Option<String> {
        errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
    }
}

/// One option of a choice: the value sent, the Danish label shown, and whether it is chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: impl Into<String>, label: impl Into<String>, selected: bool) -> Choice {
        Choice {
            value: value.into(),
            label: label.into(),
            selected,
        }
    }
}

/// A problem shown in a page's error summary: about one field (linked to it), or about the
/// whole page (a refused change, `field` empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The id of the input it is about, or "" for the page.
    pub field: String,
    pub message: String,
}

impl Problem {
    /// A problem about the page as a whole.
    pub fn page(message: impl Into<String>) -> Problem {
        Problem {
            field: String::new(),
            message: message.into(),
        }
    }

    /// A problem about the input with id `field`.
    pub fn field(field: &str, message: impl Into<String>) -> Problem {
        Problem {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// The message about `field` among `problems`, if there is one.
    pub fn message_of(problems: &[Problem], field: &str) -> Option<String> {
        problems
            .iter()
            .find(|p| p.field == field)
            .map(|p| p.message.clone())
    }
}

impl From<FieldError> for Problem {
    fn from(e: FieldError) -> Problem {
        Problem {
            field: e.field.to_owned(),
            message: e.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders `template` with the shared components and `context`.
    fn render(template: &str, context: &tera::Context) -> String {
        let mut tera = tera::Tera::default();
        tera.add_raw_templates([
            (
                "components.html",
                include_str!("../../templates/components.html"),
            ),
            ("page.html", template),
        ])
        .unwrap();
        tera.render("page.html", context).unwrap()
    }

    #[test]
    fn the_error_summary_links_field_errors_and_says_page_errors_plainly() {
        let mut context = tera::Context::new();
        let errors = vec![
            Problem::from(FieldError::new("email", "Skriv en e-mailadresse.")),
            Problem::page("Runden er åbnet."),
        ];
        context.insert("errors", &errors);
        let html = render(
            r#"{{ <error_summary errors={errors} title="Intet er gemt" /> }}"#,
            &context,
        );
        assert!(html.contains(r#"<div class="error-summary" role="alert" tabindex="-1" id="error-summary" aria-labelledby="error-summary-title">"#), "{html}");
        assert!(html.contains(r#"<h2 id="error-summary-title">Intet er gemt: ret 2 fejl</h2>"#));
        assert!(html.contains(r##"<li><a href="#email">Skriv en e-mailadresse.</a></li>"##));
        assert!(html.contains("<li>Runden er åbnet.</li>"));
    }

    #[test]
    fn the_error_summary_takes_another_id_level_and_heading_id_and_is_empty_without_errors() {
        let mut context = tera::Context::new();
        context.insert("errors", &vec![FieldError::new("password", "For kort.")]);
        let html = render(
            r#"{{ <error_summary errors={errors} title="Ikke skiftet" id="pw" level="h3" title_id="pw-title" /> }}"#,
            &context,
        );
        assert!(
            html.contains(r#"id="pw" aria-labelledby="pw-title">"#),
            "{html}"
        );
        assert!(html.contains(r#"<h3 id="pw-title">Ikke skiftet: ret 1 fejl</h3>"#));
        context.insert("errors", &Vec::<FieldError>::new());
        let empty = render(
            r#"[{{ <error_summary errors={errors} title="Ikke skiftet" /> }}]"#,
            &context,
        );
        assert_eq!(empty, "[]");
    }

    #[test]
    fn a_field_error_has_the_id_the_input_names_and_nothing_without_a_message() {
        let mut context = tera::Context::new();
        context.insert("message", &Some("Vælg en rolle."));
        context.insert("id", &7);
        let html = render(
            r#"{{ <field_error id={"area-" ~ id ~ "-title"} message={message} /> }}"#,
            &context,
        );
        assert_eq!(
            html,
            r#"<p class="field-error" id="area-7-title-error"><span class="visually-hidden">Fejl: </span>Vælg en rolle.</p>"#
        );
        context.insert("message", &None::<String>);
        let none = render(
            r#"[{{ <field_error id="role" message={message} /> }}]"#,
            &context,
        );
        assert_eq!(none, "[]");
    }

    #[test]
    fn a_field_wraps_its_input_with_label_hint_and_error() {
        let mut context = tera::Context::new();
        context.insert("error", &Some("Skriv et navn."));
        let html = render(
            r#"{% <field id="name" label="Navn" hint="Som det skal stå" error={error}> %}<input id="name">{% </field> %}"#,
            &context,
        );
        assert!(html.contains(r#"<div class="field has-error">"#), "{html}");
        assert!(html.contains(r#"<label for="name">Navn</label>"#));
        assert!(html.contains(r#"<p class="muted" id="name-hint">Som det skal stå</p>"#));
        assert!(html.contains(r#"id="name-error""#));
        assert!(html.contains(r#"<input id="name">"#));
    }

    #[test]
    fn an_error_message_is_one_sentence_that_can_take_the_focus() {
        let mut context = tera::Context::new();
        context.insert("error", &Some("Forkert adgangskode."));
        let html = render(
            r#"{{ <error_message message={error} id="login-error" /> }}"#,
            &context,
        );
        assert!(
            html.starts_with(
                r#"<div class="error-summary" role="alert" tabindex="-1" id="login-error">"#
            ),
            "{html}"
        );
        assert!(html.contains("<p>Forkert adgangskode.</p>"));
        let plain = render(r#"{{ <error_message message={error} /> }}"#, &context);
        assert!(
            plain.starts_with(r#"<div class="error-summary" role="alert">"#),
            "{plain}"
        );
    }
}
