//! Bounds on what a customer's instance sends before it reaches the store, the audit, the
//! window or a notification: text cut to a length a person can read and stripped of control
//! and Unicode format characters (bidi overrides, zero-width), and counts kept within what
//! JavaScript represents exactly (2^53).
//!
//! Must never pass an instance's string through unbounded, and never change text of our own
//! (names the admin typed are validated, not rewritten).

use serde::de::{Deserializer, Error as _, MapAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;

/// Longest text from an instance shown to a person (reasons, names, statuses).
pub const SHOWN_MAX_CHARS: usize = 200;
/// Largest count accepted from an instance: beyond 2^53 a JavaScript number loses precision,
/// and no real usage comes near it.
pub const MAX_COUNT: u64 = 1 << 53;

/// Unicode's format characters (general category Cf): invisible, yet they reorder or hide
/// text (U+202E RIGHT-TO-LEFT OVERRIDE turns "exe.txt" around; U+200B splits a name so it
/// looks like another).
pub fn is_format(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x0890..=0x0891 | 0x08E2
        | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F
        | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F
        | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F)
}

/// `text` as a person may see it: line breaks and tabs as spaces, other control and format
/// characters removed, surrounding space trimmed, at most `max_chars` characters (an
/// ellipsis marks a cut).
pub fn clean(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 4));
    let mut kept = 0;
    let mut cut = false;
    for c in text.chars() {
        let c = match c {
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() || is_format(c) => continue,
            c => c,
        };
        if kept == max_chars {
            cut = true;
            break;
        }
        out.push(c);
        kept += 1;
    }
    let mut out = out.trim().to_owned();
    if cut {
        out.pop();
        out.push('…');
    }
    out
}

/// [`clean`] to [`SHOWN_MAX_CHARS`].
pub fn shown(text: &str) -> String {
    clean(text, SHOWN_MAX_CHARS)
}

/// Deserializes a string from an instance as [`shown`] text.
pub fn de_shown<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            Ok(shown(v))
        }
    }
    d.deserialize_str(V)
}

/// Deserializes counts per resource from an instance: names as [`shown`] text, counts whole,
/// not negative and at most [`MAX_COUNT`].
pub fn de_counts<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, u64>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = BTreeMap<String, u64>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of resource names to counts")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((name, n)) = map.next_entry::<String, i128>()? {
                let name = clean(&name, 100);
                match u64::try_from(n) {
                    Ok(n) if n <= MAX_COUNT && !name.is_empty() => {
                        out.insert(name, n);
                    }
                    _ => {
                        return Err(A::Error::custom(format!(
                            "the count of {name} ({n}) is not a whole number from 0 to 2^53"
                        )));
                    }
                }
            }
            Ok(out)
        }
    }
    d.deserialize_map(V)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_an_instance_is_cut_and_cleaned() {
        assert_eq!(shown("Acme\u{202E}gpj.exe"), "Acmegpj.exe");
        assert_eq!(shown("Ac\u{200B}me\u{7}\n\x1b[31mred"), "Acme [31mred");
        let long = "x".repeat(100_000);
        let cut = shown(&long);
        assert_eq!(cut.chars().count(), SHOWN_MAX_CHARS);
        assert!(cut.ends_with('…'));
        assert_eq!(shown("  <b>markup stays text</b>  "), "<b>markup stays text</b>");
    }

    #[test]
    fn counts_are_whole_bounded_and_not_negative() {
        let ok: BTreeMap<String, u64> = de_counts(&mut serde_json::Deserializer::from_str(
            r#"{"a": 5, "b": 9007199254740992}"#,
        ))
        .unwrap();
        assert_eq!(ok["b"], MAX_COUNT);
        for bad in [r#"{"a": -5}"#, r#"{"a": 1152921504606846976}"#, r#"{"a": 1.5}"#] {
            assert!(de_counts(&mut serde_json::Deserializer::from_str(bad)).is_err(), "{bad}");
        }
    }
}
