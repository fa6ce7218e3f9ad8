//! How results look: aligned tables for people, JSON for scripts, progress on stderr (a bar
//! on a terminal, a plain line every few seconds otherwise, e.g. in CI logs).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mssp_core::locks::lock;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often a plain progress line is written when stderr is not a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(10);

/// Progress of a long request.
#[derive(Clone)]
pub struct Progress {
    label: String,
    bar: Option<ProgressBar>,
    last_line: Arc<Mutex<Option<Instant>>>,
    started: Instant,
}

impl Progress {
    pub fn new(label: &str) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            let style =
                ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(label.to_owned());
            bar
        });
        Self {
            label: label.to_owned(),
            bar,
            last_line: Arc::new(Mutex::new(None)),
            started: Instant::now(),
        }
    }

    pub fn set(&self, done: usize, total: usize, failed: usize) {
        match &self.bar {
            Some(bar) => {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
                bar.set_message(if failed > 0 {
                    format!("{failed} failed")
                } else {
                    String::new()
                });
            }
            None => {
                let mut last = lock(&self.last_line);
                let due = last.map_or(self.started.elapsed() >= PLAIN_EVERY, |at| {
                    at.elapsed() >= PLAIN_EVERY
                });
                if due && done < total {
                    eprintln!("{}: {done} of {total}, {failed} failed", self.label);
                    *last = Some(Instant::now());
                }
            }
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Prints `value` as JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("mssp-admin: cannot print JSON: {e}"),
    }
}

/// An aligned table: a header row, then rows; the last column is not padded.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let width = |s: &str| s.chars().count();
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(width(cell));
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        let mut out = String::new();
        for (i, cell) in cells.into_iter().enumerate() {
            if i == last {
                out.push_str(cell);
            } else {
                out.push_str(cell);
                out.push_str(&" ".repeat(widths[i] - width(cell) + 2));
            }
        }
        out.trim_end().to_owned()
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push('\n');
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// At most `max` characters, with "…" when cut.
pub fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// "just now", "12 min ago", "3 h ago", "5 days ago", or the date, from an RFC 3339 time.
pub fn ago(rfc3339: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    let Ok(at) = time::OffsetDateTime::parse(rfc3339, &Rfc3339) else {
        return rfc3339.to_owned();
    };
    let seconds = (time::OffsetDateTime::now_utc() - at).whole_seconds();
    match seconds {
        s if s < 60 => "just now".into(),
        s if s < 3600 => format!("{} min ago", s / 60),
        s if s < 48 * 3600 => format!("{} h ago", s / 3600),
        s if s < 30 * 86400 => format!("{} days ago", s / 86400),
        _ => format!("{:04}-{:02}-{:02}", at.year(), at.month() as u8, at.day()),
    }
}

/// "1 customer", "3 customers".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// “Acme”, “Globex” and “Initech”.
pub fn names<S: AsRef<str>>(names: &[S]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("“{}”", n.as_ref())).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_by_characters_and_leave_the_last_column_ragged() {
        let t = table(
            &["NAME", "HEALTH", "TAGS"],
            &[
                vec!["Café Ü".into(), "up".into(), "emea".into()],
                vec!["Globex".into(), "down".into(), "".into()],
            ],
        );
        assert_eq!(t, "NAME    HEALTH  TAGS\nCafé Ü  up      emea\nGlobex  down");
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis() {
        assert_eq!(cut("Umbrella Health", 40), "Umbrella Health");
        assert_eq!(cut("abcdef", 4), "abc…");
    }

    #[test]
    fn names_read_as_a_sentence() {
        assert_eq!(names(&["A"]), "“A”");
        assert_eq!(names(&["A", "B", "C"]), "“A”, “B” and “C”");
    }
}
