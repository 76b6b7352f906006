//! Field checks shared by the request types, and the mapping of `validator`'s errors.

use std::borrow::Cow;

use validator::{ValidationError, ValidationErrors, ValidationErrorsKind};

use crate::error::FieldError;

/// Longest free text we accept (a duty log entry, a visit's notes).
pub const LONG_TEXT: u64 = 10_000;
/// Longest name-like field (a name, a title, a unit code).
pub const SHORT_TEXT: u64 = 200;

/// Empty or whitespace-only strings count as missing.
pub fn not_blank(value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        let mut e = ValidationError::new("blank");
        e.message = Some(Cow::Borrowed("must not be empty"));
        return Err(e);
    }
    Ok(())
}

/// Trims an optional text; blank counts as absent.
pub fn blank_to_none(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Flattens nested validation errors into `a.b[0].c` paths, sorted for stable answers.
pub fn flatten_errors(errors: &ValidationErrors) -> Vec<FieldError> {
    let mut out = Vec::new();
    walk("", errors, &mut out);
    out.sort_by(|a, b| a.field.cmp(&b.field));
    // One message per field is enough (an empty string fails both length and not_blank).
    out.dedup_by(|a, b| a.field == b.field);
    out
}

fn walk(prefix: &str, errors: &ValidationErrors, out: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() { field.to_string() } else { format!("{prefix}.{field}") };
        match kind {
            // Struct-level checks name their field in the error code.
            ValidationErrorsKind::Field(errs) if field == "__all__" => {
                for e in errs {
                    let name = if prefix.is_empty() { e.code.to_string() } else { format!("{prefix}.{}", e.code) };
                    out.push(FieldError::new(name, describe(e)));
                }
            }
            ValidationErrorsKind::Field(errs) => {
                for e in errs {
                    out.push(FieldError::new(path.clone(), describe(e)));
                }
            }
            ValidationErrorsKind::Struct(inner) => walk(&path, inner, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    walk(&format!("{path}[{i}]"), inner, out);
                }
            }
        }
    }
}

fn describe(e: &ValidationError) -> String {
    if let Some(m) = &e.message {
        return m.to_string();
    }
    let p = |k: &str| e.params.get(k).map(|v| v.to_string());
    match e.code.as_ref() {
        "length" => match (p("min"), p("max")) {
            (Some(min), Some(max)) if min == "1" => format!("must not be empty and at most {max} characters"),
            (Some(min), Some(max)) => format!("must be {min} to {max} characters"),
            (Some(min), None) => format!("must be at least {min} characters"),
            (None, Some(max)) => format!("must be at most {max} characters"),
            _ => "has an invalid length".into(),
        },
        "range" => match (p("min"), p("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            (Some(min), None) => format!("must be at least {min}"),
            (None, Some(max)) => format!("must be at most {max}"),
            _ => "is out of range".into(),
        },
        "email" => "must be an e-mail address".into(),
        code => format!("is invalid ({code})"),
    }
}
