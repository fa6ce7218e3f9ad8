//! The allocation and usage report as CSV, for a spreadsheet.
//!
//! Must never write a field a spreadsheet would run as a formula: a leading `=`, `+`, `-`,
//! `@`, tab or carriage return is defused with a quote mark.

use std::borrow::Cow;

/// Writes `rows` (a header first) as CSV with CRLF line ends, quoting as needed and
/// defusing formulas.
pub fn to_csv<'a>(rows: impl IntoIterator<Item = Vec<Cow<'a, str>>>) -> String {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        // A field with the defusing quote mark is written quoted, so no spreadsheet strips
        // the mark and runs what follows (the writer quotes any field holding this byte).
        .comment(Some(b'\''))
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
    if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{field}"))
    } else {
        field
    }
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
}
