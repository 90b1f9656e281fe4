//! R-NTF-3: who is on duty for the 24x7 tiers at any instant. A weekly rotation hands over
//! each Monday at a Moscow wall-clock time (week k since the rotation's start takes member
//! k mod n); a dated override puts someone else on duty for a while, the latest made
//! winning where overrides overlap. An instant nobody covers is a gap.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Utc};
use reglament_api::UserId;

use crate::moscow;

/// A period someone else is on duty (a holiday, a sick day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub user_id: UserId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// The rotation and its overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    /// In order of their weeks.
    pub members: Vec<UserId>,
    /// The first week's day (its Monday counts).
    pub starts_on: NaiveDate,
    /// Moscow wall-clock time of the Monday handover.
    pub handover: NaiveTime,
    pub overrides: Vec<Override>,
}

/// Why a person is on duty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Rotation,
    Override,
}

/// A stretch of time with one person (or nobody) on duty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// `None`: a gap.
    pub on_duty: Option<(UserId, Source)>,
}

fn monday_of(day: NaiveDate) -> NaiveDate {
    day - TimeDelta::days(i64::from(day.weekday().num_days_from_monday()))
}

impl Roster {
    /// The handover that began the rotation week holding `at`.
    fn week_start(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        let local = moscow::local(at);
        let mut monday = monday_of(local.date());
        if local.date() == monday && local.time() < self.handover {
            monday -= TimeDelta::days(7);
        }
        moscow::midnight(monday) + (self.handover - NaiveTime::MIN)
    }

    /// The rotation member for `at`; `None` before the rotation starts or without members.
    fn rotation_at(&self, at: DateTime<Utc>) -> Option<UserId> {
        let n = i64::try_from(self.members.len()).ok().filter(|n| *n > 0)?;
        let week = moscow::date(self.week_start(at));
        let weeks = (week - monday_of(self.starts_on)).num_days().div_euclid(7);
        if weeks < 0 {
            return None;
        }
        usize::try_from(weeks.rem_euclid(n))
            .ok()
            .and_then(|i| self.members.get(i).copied())
    }

    /// Who is on duty at `at`, and why; `None` is a gap.
    #[must_use]
    pub fn on_duty(&self, at: DateTime<Utc>) -> Option<(UserId, Source)> {
        let covering = self
            .overrides
            .iter()
            .filter(|o| o.starts_at <= at && at < o.ends_at)
            .max_by_key(|o| o.created_at);
        if let Some(o) = covering {
            return Some((o.user_id, Source::Override));
        }
        self.rotation_at(at).map(|u| (u, Source::Rotation))
    }

    /// Who is on duty over `[from, to)`, as stretches where it does not change.
    #[must_use]
    pub fn slots(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Slot> {
        let mut cuts = vec![from, to];
        let mut handover = self.week_start(from);
        while handover < to {
            if handover > from {
                cuts.push(handover);
            }
            handover += TimeDelta::days(7);
        }
        for o in &self.overrides {
            cuts.extend([o.starts_at, o.ends_at].into_iter().filter(|t| from < *t && *t < to));
        }
        cuts.sort();
        cuts.dedup();
        let mut slots: Vec<Slot> = Vec::new();
        for pair in cuts.windows(2) {
            let on_duty = self.on_duty(pair[0]);
            match slots.last_mut() {
                Some(last) if last.on_duty == on_duty => last.to = pair[1],
                _ => slots.push(Slot {
                    from: pair[0],
                    to: pair[1],
                    on_duty,
                }),
            }
        }
        slots
    }

    /// The stretches of `[from, to)` with nobody on duty (`active` says whether a person
    /// can be: a disabled account on duty is a gap too).
    #[must_use]
    pub fn gaps(&self, from: DateTime<Utc>, to: DateTime<Utc>, active: impl Fn(UserId) -> bool) -> Vec<Slot> {
        let mut gaps: Vec<Slot> = Vec::new();
        for slot in self.slots(from, to) {
            if slot.on_duty.is_some_and(|(u, _)| active(u)) {
                continue;
            }
            match gaps.last_mut() {
                Some(last) if last.to == slot.from => last.to = slot.to,
                _ => gaps.push(Slot { on_duty: None, ..slot }),
            }
        }
        gaps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msk(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("{s}+03:00"))
            .expect("test instant")
            .with_timezone(&Utc)
    }

    fn user(n: u128) -> UserId {
        UserId(uuid::Uuid::from_u128(n))
    }

    fn roster() -> Roster {
        Roster {
            members: vec![user(1), user(2), user(3)],
            // A Wednesday: its week's Monday, 2 March 2026, is week 0.
            starts_on: NaiveDate::from_ymd_opt(2026, 3, 4).expect("date"),
            handover: NaiveTime::from_hms_opt(10, 0, 0).expect("time"),
            overrides: Vec::new(),
        }
    }

    #[test]
    fn r_ntf_3_the_rotation_hands_over_on_monday_at_its_time() {
        let r = roster();
        assert_eq!(r.on_duty(msk("2026-03-02T09:59:59")), None, "before the first handover");
        assert_eq!(r.on_duty(msk("2026-03-02T10:00:00")), Some((user(1), Source::Rotation)));
        assert_eq!(r.on_duty(msk("2026-03-08T23:00:00")), Some((user(1), Source::Rotation)));
        assert_eq!(r.on_duty(msk("2026-03-09T09:59:00")), Some((user(1), Source::Rotation)));
        assert_eq!(r.on_duty(msk("2026-03-09T10:00:00")), Some((user(2), Source::Rotation)));
        assert_eq!(r.on_duty(msk("2026-03-16T12:00:00")), Some((user(3), Source::Rotation)));
        // Round again: the fourth week is the first member's.
        assert_eq!(r.on_duty(msk("2026-03-24T03:00:00")), Some((user(1), Source::Rotation)));
    }

    #[test]
    fn r_ntf_3_an_override_wins_and_the_latest_made_wins_an_overlap() {
        let mut r = roster();
        r.overrides.push(Override {
            user_id: user(7),
            starts_at: msk("2026-03-10T00:00:00"),
            ends_at: msk("2026-03-12T00:00:00"),
            created_at: msk("2026-03-01T00:00:00"),
        });
        r.overrides.push(Override {
            user_id: user(8),
            starts_at: msk("2026-03-11T00:00:00"),
            ends_at: msk("2026-03-11T12:00:00"),
            created_at: msk("2026-03-05T00:00:00"),
        });
        assert_eq!(r.on_duty(msk("2026-03-09T23:59:59")), Some((user(2), Source::Rotation)));
        assert_eq!(r.on_duty(msk("2026-03-10T00:00:00")), Some((user(7), Source::Override)));
        assert_eq!(r.on_duty(msk("2026-03-11T06:00:00")), Some((user(8), Source::Override)));
        assert_eq!(r.on_duty(msk("2026-03-11T12:00:00")), Some((user(7), Source::Override)));
        assert_eq!(r.on_duty(msk("2026-03-12T00:00:00")), Some((user(2), Source::Rotation)));
        let slots = r.slots(msk("2026-03-09T00:00:00"), msk("2026-03-17T00:00:00"));
        let who: Vec<_> = slots.iter().map(|s| s.on_duty.map(|(u, _)| u)).collect();
        assert_eq!(
            who,
            [
                Some(user(1)),
                Some(user(2)),
                Some(user(7)),
                Some(user(8)),
                Some(user(7)),
                Some(user(2)),
                Some(user(3))
            ]
        );
        assert_eq!(slots[1].from, msk("2026-03-09T10:00:00"));
        assert_eq!(slots.last().map(|s| s.to), Some(msk("2026-03-17T00:00:00")));
    }

    #[test]
    fn r_ntf_3_gaps_are_empty_stretches_and_disabled_people() {
        let mut r = roster();
        r.members.clear();
        r.overrides.push(Override {
            user_id: user(7),
            starts_at: msk("2026-03-10T00:00:00"),
            ends_at: msk("2026-03-12T00:00:00"),
            created_at: msk("2026-03-01T00:00:00"),
        });
        let gaps = r.gaps(msk("2026-03-09T00:00:00"), msk("2026-03-16T00:00:00"), |_| true);
        let spans: Vec<_> = gaps.iter().map(|g| (g.from, g.to)).collect();
        assert_eq!(
            spans,
            [
                (msk("2026-03-09T00:00:00"), msk("2026-03-10T00:00:00")),
                (msk("2026-03-12T00:00:00"), msk("2026-03-16T00:00:00"))
            ]
        );
        // The override's person disabled: the whole week is one gap.
        let gaps = r.gaps(msk("2026-03-09T00:00:00"), msk("2026-03-16T00:00:00"), |u| u != user(7));
        assert_eq!(gaps.len(), 1);
        assert_eq!(gaps[0].to - gaps[0].from, TimeDelta::days(7));
        // A full rotation has none.
        assert!(
            roster()
                .gaps(msk("2026-03-09T00:00:00"), msk("2026-04-09T00:00:00"), |_| true)
                .is_empty()
        );
    }
}
