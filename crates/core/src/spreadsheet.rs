//! CSV for spreadsheets (the allocation and usage report, the customer export), and the
//! undoing of our own defusing when such a file is read back (the customer import).
//!
//! Must never write a field a spreadsheet would run as a formula: a leading `=`, `+`, `-`,
//! `@`, tab or carriage return is defused with a quote mark, in each `;`-separated part too
//! (Excel splits on `;` in locales whose list separator it is), and fields holding `;` are
//! quoted.

use std::borrow::Cow;

/// What a spreadsheet reads as the start of a formula.
const FORMULA: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

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

/// A field as we wrote it, read back: the quote mark [`to_csv`] put before a formula
/// character is taken off again (a name that began with `=` stays that name).
pub fn undefuse(field: &str) -> String {
    field
        .split(';')
        .map(|part| match part.strip_prefix('\'') {
            Some(after) if after.trim_start_matches(' ').starts_with(FORMULA) => after.to_owned(),
            _ => part.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

fn defuse(field: Cow<'_, str>) -> Cow<'_, str> {
    let dangerous = |part: &str| part.trim_start_matches(' ').starts_with(FORMULA);
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

    #[test]
    fn what_was_defused_reads_back_as_it_was() {
        for original in ["=1+1", "Acme;=cmd", "a; @SUM(1)", "-5 Corp", "Acme", "'quoted'"] {
            let written = to_csv([vec![Cow::Borrowed(original)]]);
            let mut reader =
                csv::ReaderBuilder::new().has_headers(false).from_reader(written.as_bytes());
            let field = reader.records().next().unwrap().unwrap()[0].to_owned();
            assert_eq!(undefuse(&field), original);
        }
    }
}
