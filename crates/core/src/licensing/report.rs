//! The allocation and usage report as CSV, for a spreadsheet.
//!
//! Must never write a field a spreadsheet would run as a formula: a leading `=`, `+`, `-`,
//! `@`, tab or carriage return is defused with a quote mark, in each `;`-separated part too
//! (Excel splits on `;` in locales whose list separator it is), and fields holding `;` are
//! quoted.

use std::borrow::Cow;

/// Writes `rows` (a header first) as CSV with CRLF line ends, quoting as needed and
/// defusing formulas.
pub fn to_csv<'a>(rows: impl IntoIterator<Item = Vec<Cow<'a, str>>>) -> String {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        // A field holding `;` is quoted, so it stays one field where `;` separates them.
        .comment(Some(b';'))
        .from_writer(Vec::new());
    for row in rows {
        // Writing to a Vec cannot fail.
        let _ = out.write_record(
            row.into_iter().map(defuse).collect::<Vec<_>>().iter().map(|f| f.as_bytes()),
        );
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn defuse(field: Cow<'_, str>) -> Cow<'_, str> {
    let dangerous =
        |part: &str| part.trim_start_matches(' ').starts_with(['=', '+', '-', '@', '\t', '\r']);
    if !field.split(';').any(dangerous) {
        return field;
    }
    let parts: Vec<String> = field
        .split(';')
        .map(|part| if dangerous(part) { format!("'{part}") } else { part.to_owned() })
        .collect();
    Cow::Owned(parts.join(";"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_field(s: &str) -> String {
        to_csv([vec![Cow::Borrowed(s)]]).trim_end().to_owned()
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("Acme"), "Acme");
        assert_eq!(csv_field("Acme, Inc"), "\"Acme, Inc\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
    }

    #[test]
    fn semicolon_separated_parts_are_defused_too() {
        // In a locale whose list separator is `;`, Excel reads `Acme;=cmd|' /C calc'!A0` as
        // two cells, the second a formula.
        assert_eq!(csv_field("Acme;=cmd|'/C calc'!A0"), "\"Acme;'=cmd|'/C calc'!A0\"");
        assert_eq!(csv_field("a; @SUM(1)"), "\"a;' @SUM(1)\"");
        assert_eq!(csv_field("a;b"), "\"a;b\"");
    }
}
