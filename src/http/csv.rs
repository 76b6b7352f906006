//! A small CSV writer for Excel users: UTF-8 with BOM, a header row, RFC 4180 quoting.

use serde::Serialize;
use serde_json::Value;

/// A list item that can be a CSV row: its columns are fields of its JSON form, in order.
pub trait CsvRow {
    const CSV_COLUMNS: &'static [&'static str];
}

pub fn write<T: Serialize + CsvRow>(items: &[T]) -> String {
    let mut out = String::from("\u{feff}");
    push_row(&mut out, T::CSV_COLUMNS.iter().map(|c| c.to_string()));
    for item in items {
        let value = serde_json::to_value(item).unwrap_or(Value::Null);
        push_row(&mut out, T::CSV_COLUMNS.iter().map(|c| cell(value.get(*c))));
    }
    out
}

fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => defuse(s),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => other.to_string(),
    }
}

/// Text that Excel would run as a formula gets a leading quote (CSV injection).
fn defuse(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

fn push_row(out: &mut String, cells: impl Iterator<Item = String>) {
    let mut first = true;
    for c in cells {
        if !first {
            out.push(',');
        }
        first = false;
        if c.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&c.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&c);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Row {
        id: i64,
        name: String,
        note: Option<String>,
    }
    impl CsvRow for Row {
        const CSV_COLUMNS: &'static [&'static str] = &["id", "name", "note"];
    }

    #[test]
    fn csv_has_bom_header_and_quoting() {
        let rows = vec![
            Row { id: 1, name: "张三, 李四".into(), note: None },
            Row { id: 2, name: "=cmd()".into(), note: Some("say \"hi\"".into()) },
        ];
        let out = write(&rows);
        assert!(out.starts_with('\u{feff}'));
        let lines: Vec<&str> = out.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(lines[0], "id,name,note");
        assert_eq!(lines[1], "1,\"张三, 李四\",");
        assert_eq!(lines[2], "2,'=cmd(),\"say \"\"hi\"\"\"");
    }
}
