//! What to tell the person through desktop notifications: one when a customer goes down, one
//! when it recovers (with how long it was down), reminders while still down, and, when many
//! change at once, one summary instead of a storm. Pure: time comes in, text goes out.
//!
//! Must never send more than one notification per customer transition, and never more than
//! `BURST_LIMIT` individual ones within one check interval.

pub use crate::events::{NoticeKind, Notification};
use crate::model::CustomerId;
use std::collections::VecDeque;
use time::OffsetDateTime;

/// A customer as notifications name it.
type Who = (CustomerId, String);

/// More transitions of one kind than this within one interval become a summary.
pub const BURST_LIMIT: usize = 5;

/// Counts one kind of transition (down, or recovered) in a sliding window.
#[derive(Debug, Default)]
struct Burst {
    recent: VecDeque<(OffsetDateTime, Who)>,
    /// While a summary is in force: until when, and who was folded into it since.
    summarized_until: Option<OffsetDateTime>,
    folded: Vec<Who>,
}

impl Burst {
    /// Records a transition; true when it must be folded into a summary rather than told
    /// on its own. `pending` counts customers already failing that are about to follow.
    fn record(
        &mut self,
        who: Who,
        at: OffsetDateTime,
        window: time::Duration,
        pending: usize,
    ) -> BurstDecision {
        while self.recent.front().is_some_and(|(t, _)| at - *t > window) {
            self.recent.pop_front();
        }
        self.recent.push_back((at, who.clone()));
        if self.summarized_until.is_some_and(|until| at < until) {
            self.folded.push(who);
            return BurstDecision::Fold;
        }
        if self.recent.len() + pending > BURST_LIMIT {
            self.summarized_until = Some(at + window);
            self.folded.clear();
            let names = self.recent.iter().map(|(_, w)| w.clone()).collect();
            return BurstDecision::StartSummary(names);
        }
        BurstDecision::Single
    }

    /// At the end of a summary window, the customers folded into it since it was sent.
    fn flush(&mut self, at: OffsetDateTime) -> Option<Vec<Who>> {
        match self.summarized_until {
            Some(until) if at >= until => {
                self.summarized_until = None;
                let folded = std::mem::take(&mut self.folded);
                (!folded.is_empty()).then_some(folded)
            }
            _ => None,
        }
    }
}

enum BurstDecision {
    Single,
    StartSummary(Vec<Who>),
    Fold,
}

#[derive(Debug, Default)]
pub struct Notifier {
    downs: Burst,
    ups: Burst,
}

impl Notifier {
    pub fn down(
        &mut self,
        (id, name): (CustomerId, &str),
        server: &str,
        reason: &str,
        at: OffsetDateTime,
        window: time::Duration,
        failing_now: usize,
    ) -> Option<Notification> {
        match self.downs.record((id, name.to_owned()), at, window, failing_now) {
            BurstDecision::Single => Some(Notification::about(
                NoticeKind::Down,
                vec![id],
                format!("{name} is down"),
                format!("Customer server {server} is down: {reason}."),
            )),
            BurstDecision::StartSummary(names) => Some(Notification::about(
                NoticeKind::Down,
                ids(&names),
                "Several customers are down".into(),
                format!(
                    "{} went down within {}{}. The console shows each one.",
                    list(&names),
                    describe(window),
                    if failing_now > 0 {
                        format!(", and {failing_now} more are failing checks")
                    } else {
                        String::new()
                    }
                ),
            )),
            BurstDecision::Fold => None,
        }
    }

    pub fn recovered(
        &mut self,
        (id, name): (CustomerId, &str),
        down_for: Option<time::Duration>,
        at: OffsetDateTime,
        window: time::Duration,
    ) -> Option<Notification> {
        match self.ups.record((id, name.to_owned()), at, window, 0) {
            BurstDecision::Single => Some(Notification::about(
                NoticeKind::Recovered,
                vec![id],
                format!("{name} is back up"),
                match down_for {
                    Some(d) => format!("Customer server {name} recovered after {}.", describe(d)),
                    None => format!("Customer server {name} recovered."),
                },
            )),
            BurstDecision::StartSummary(names) => Some(Notification::about(
                NoticeKind::Recovered,
                ids(&names),
                "Several customers are back up".into(),
                format!("{} recovered within {}.", list(&names), describe(window)),
            )),
            BurstDecision::Fold => None,
        }
    }

    pub fn still_down(
        &self,
        (id, name): (CustomerId, &str),
        reason: Option<&str>,
        down_for: time::Duration,
    ) -> Notification {
        Notification::about(
            NoticeKind::StillDown,
            vec![id],
            format!("{name} is still down"),
            format!(
                "Down for {}{}.",
                describe(down_for),
                reason.map(|r| format!(": {r}")).unwrap_or_default()
            ),
        )
    }

    /// Called periodically: the follow-up summaries of bursts that have ended.
    pub fn flush(&mut self, at: OffsetDateTime) -> Vec<Notification> {
        let mut out = Vec::new();
        if let Some(names) = self.downs.flush(at) {
            out.push(Notification::about(
                NoticeKind::Down,
                ids(&names),
                "More customers went down".into(),
                format!("Also down since the last summary: {}.", list(&names)),
            ));
        }
        if let Some(names) = self.ups.flush(at) {
            out.push(Notification::about(
                NoticeKind::Recovered,
                ids(&names),
                "More customers are back up".into(),
                format!("Also recovered since the last summary: {}.", list(&names)),
            ));
        }
        out
    }
}

fn ids(who: &[Who]) -> Vec<CustomerId> {
    who.iter().map(|(id, _)| *id).collect()
}

/// "Acme, Globex, Initech and 4 more" (names as given, first three).
fn list(who: &[Who]) -> String {
    let names: Vec<&str> = who.iter().map(|(_, n)| n.as_str()).collect();
    match names.len() {
        0 => String::new(),
        1 => names[0].to_owned(),
        2 | 3 => {
            let (last, rest) = names.split_last().unwrap_or((&names[0], &[]));
            format!("{} and {last}", rest.join(", "))
        }
        n => format!("{} and {} more", names[..3].join(", "), n - 3),
    }
}

/// "45 s", "12 min", "3 h 5 min", "2 d 4 h".
pub fn describe(d: time::Duration) -> String {
    let s = d.whole_seconds().max(0);
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min", s / 60),
        3600..=86_399 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        _ => format!("{} d {} h", s / 86_400, (s % 86_400) / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-11-25 10:00 UTC);
    const WINDOW: time::Duration = time::Duration::seconds(30);
    const ID: CustomerId = CustomerId(uuid::Uuid::nil());

    fn at(s: i64) -> OffsetDateTime {
        T0 + time::Duration::seconds(s)
    }

    #[test]
    fn one_down_one_notification_naming_customer_server_and_reason() {
        let mut n = Notifier::default();
        let note = n
            .down((ID, "Acme Corp"), "10.0.0.5:8095", "connection refused", T0, WINDOW, 0)
            .unwrap();
        assert_eq!(note.title, "Acme Corp is down");
        assert!(note.body.contains("10.0.0.5:8095") && note.body.contains("connection refused"));
        let back = n
            .recovered((ID, "Acme Corp"), Some(time::Duration::minutes(12)), at(720), WINDOW)
            .unwrap();
        assert_eq!(back.title, "Acme Corp is back up");
        assert!(back.body.contains("12 min"), "{}", back.body);
    }

    #[test]
    fn many_down_within_one_interval_become_one_summary() {
        let mut n = Notifier::default();
        let mut sent = Vec::new();
        for i in 0..20 {
            if let Some(note) = n.down((ID, &format!("C{i}")), "h:1", "refused", at(i), WINDOW, 0) {
                sent.push(note);
            }
        }
        assert_eq!(sent.len(), BURST_LIMIT + 1, "{sent:#?}");
        assert_eq!(sent[BURST_LIMIT].title, "Several customers are down");
        assert!(sent[BURST_LIMIT].body.contains("C0, C1, C2 and 3 more"));
        assert!(n.flush(at(20)).is_empty(), "the summary window is still open");
        let follow_up = n.flush(at(40));
        assert_eq!(follow_up.len(), 1);
        assert!(follow_up[0].body.contains("C6, C7, C8 and 11 more"), "{}", follow_up[0].body);
        assert!(n.flush(at(80)).is_empty(), "only once");
    }

    #[test]
    fn customers_already_failing_make_the_first_down_a_summary() {
        let mut n = Notifier::default();
        let note = n.down((ID, "C0"), "h:1", "refused", T0, WINDOW, 300).unwrap();
        assert_eq!(note.title, "Several customers are down");
        assert!(note.body.contains("300 more are failing"));
        assert!(n.down((ID, "C1"), "h:1", "refused", at(1), WINDOW, 299).is_none());
    }

    #[test]
    fn downs_spread_over_more_than_an_interval_are_told_one_by_one() {
        let mut n = Notifier::default();
        for i in 0..10 {
            let note = n.down((ID, &format!("C{i}")), "h:1", "refused", at(i * 31), WINDOW, 0);
            assert!(note.is_some(), "down {i} was folded");
        }
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(describe(time::Duration::seconds(45)), "45 s");
        assert_eq!(describe(time::Duration::seconds(3 * 3600 + 300)), "3 h 5 min");
        assert_eq!(describe(time::Duration::hours(52)), "2 d 4 h");
    }
}
