//! The values of hostile answers ([`Hostile`]): turning a string shown to
//! people into an over-long and/or marked-up one, and license counts into
//! negative or huge ones.
//!
//! Owns only how those values are made. It must never hold state, decide
//! whether an instance is hostile (that is the instance's setting), or make a
//! value that breaks the answer's JSON shape or, together with the other
//! hostile strings of one answer, passes [`Hostile::TEXT_BUDGET_BYTES`]:
//! the point is to test how a client handles the values, not a broken or
//! oversized body.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::model::Hostile;

/// Makes the hostile strings of one answer.
#[derive(Clone, Copy, Debug)]
pub struct Texts {
    long: bool,
    markup: bool,
    /// The JSON-encoded size (quotes included) each string may take.
    max_bytes: usize,
}

/// Bytes `c` takes inside a JSON string as serde_json writes it: two-character
/// escapes for `"`, `\` and the common controls, `\u00XX` for other controls,
/// UTF-8 for the rest.
fn json_len(c: char) -> usize {
    match c {
        '"' | '\\' | '\u{08}' | '\u{0c}' | '\n' | '\r' | '\t' => 2,
        c if u32::from(c) < 0x20 => 6,
        c => c.len_utf8(),
    }
}

impl Texts {
    /// For an answer holding `strings` strings that people are shown.
    pub fn new(hostile: Hostile, strings: usize) -> Texts {
        Texts {
            long: hostile.long_strings,
            markup: hostile.markup,
            max_bytes: Hostile::TEXT_BUDGET_BYTES / strings.max(1),
        }
    }

    /// True when strings pass through unchanged.
    pub fn is_plain(&self) -> bool {
        !self.long && !self.markup
    }

    /// `normal` as this answer shows it: unchanged; with `markup`, followed by
    /// [`Hostile::MARKUP`]; with `long_strings`, that repeated (separated by a
    /// space) up to [`Hostile::LONG_STRING_CHARS`] characters or this string's
    /// share of the byte budget, whichever is shorter. The normal text always
    /// comes first, so a test can tell which string it is looking at.
    pub fn text<'a>(&self, normal: &'a str) -> Cow<'a, str> {
        if self.is_plain() {
            return Cow::Borrowed(normal);
        }
        let unit: Cow<'_, str> =
            if self.markup { format!("{normal}{}", Hostile::MARKUP).into() } else { normal.into() };
        if !self.long {
            return Cow::Owned(unit.into_owned());
        }
        let mut out = String::with_capacity(Hostile::LONG_STRING_CHARS.min(self.max_bytes));
        let mut bytes = 2; // the quotes
        // Never empty, so `cycle` cannot spin on an empty name.
        for (n, c) in unit.chars().chain(std::iter::once(' ')).cycle().enumerate() {
            let len = json_len(c);
            if n == Hostile::LONG_STRING_CHARS || bytes + len > self.max_bytes {
                break;
            }
            out.push(c);
            bytes += len;
        }
        Cow::Owned(out)
    }
}

/// `license.usage` as a hostile instance reports it: every count
/// [`Hostile::NEGATIVE_COUNT`] or [`Hostile::HUGE_COUNT`]; with both modes on,
/// resources alternate in name order, starting with a negative one.
pub fn usage(hostile: Hostile, usage: &BTreeMap<String, u64>) -> Value {
    if !hostile.negative_counts && !hostile.huge_counts {
        return json!(usage);
    }
    let counts: Map<String, Value> = usage
        .keys()
        .enumerate()
        .map(|(i, resource)| {
            let negative = hostile.negative_counts && (!hostile.huge_counts || i % 2 == 0);
            let count =
                if negative { json!(Hostile::NEGATIVE_COUNT) } else { json!(Hostile::HUGE_COUNT) };
            (resource.clone(), count)
        })
        .collect();
    Value::Object(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(long: bool, markup: bool, strings: usize) -> Texts {
        Texts::new(Hostile { long_strings: long, markup, ..Hostile::default() }, strings)
    }

    fn encoded(s: &str) -> usize {
        serde_json::to_string(s).unwrap().len()
    }

    #[test]
    fn json_len_matches_serde_json() {
        for c in ['a', '"', '\\', '\n', '\u{7}', '\u{1b}', '\u{7f}', '\u{202e}', '\u{1f600}', '<'] {
            assert_eq!(json_len(c) + 2, encoded(&c.to_string()), "{c:?}");
        }
    }

    #[test]
    fn plain_and_markup_only() {
        assert!(matches!(texts(false, false, 1).text("Acme"), Cow::Borrowed("Acme")));
        assert_eq!(texts(false, true, 1).text("Acme"), format!("Acme{}", Hostile::MARKUP));
    }

    #[test]
    fn long_strings_are_exactly_the_cap_or_the_share() {
        let one = texts(true, false, 1).text("EventLog Analyzer");
        assert_eq!(one.chars().count(), Hostile::LONG_STRING_CHARS);
        assert!(one.starts_with("EventLog Analyzer EventLog"));
        // Eleven strings share the budget.
        let share = texts(true, true, 11).text("UEBA");
        assert!(encoded(&share) <= Hostile::TEXT_BUDGET_BYTES / 11);
        assert!(encoded(&share) > Hostile::TEXT_BUDGET_BYTES / 11 - 8);
        assert!(share.starts_with(&format!("UEBA{}", Hostile::MARKUP)));
        // An empty name still gives a long string, without spinning.
        assert_eq!(texts(true, false, 1).text("").chars().count(), Hostile::LONG_STRING_CHARS);
    }

    #[test]
    fn usage_counts() {
        let counts: BTreeMap<String, u64> = [("a".to_owned(), 1), ("b".to_owned(), 2)].into();
        let huge = Hostile::HUGE_COUNT;
        assert_eq!(usage(Hostile::default(), &counts), json!({"a": 1, "b": 2}));
        let h = Hostile { negative_counts: true, ..Hostile::default() };
        assert_eq!(usage(h, &counts), json!({"a": -5, "b": -5}));
        let h = Hostile { huge_counts: true, ..Hostile::default() };
        assert_eq!(usage(h, &counts), json!({"a": huge, "b": huge}));
        let h = Hostile { negative_counts: true, huge_counts: true, ..Hostile::default() };
        assert_eq!(usage(h, &counts), json!({"a": -5, "b": huge}));
    }
}
