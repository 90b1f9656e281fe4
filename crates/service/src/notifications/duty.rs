//! R-NTF-3: the duty roster of the 24x7 tiers — a weekly rotation and dated overrides,
//! edited by admins and support leads — and whom it names: outside the 8x5 working hours
//! the alerts of 24x7 tickets go to the person on duty. A gap in the next 7 days is shown
//! on the roster and told to the support leads once a day (a mail by default).

use chrono::{DateTime, Duration, NaiveTime, Utc};
use reglament_api::{
    DutyOverride, DutyOverrideId, DutyOverrideInput, DutyPerson, DutyRoster, DutyRotationInput, DutySlot, Schedule,
    StaffRole, UserId, UserKind,
};
use reglament_domain::duty::{self, Roster, Source};
use reglament_store::Tx;
use reglament_store::duty as store;
use reglament_store::notifications as store_notifications;
use reglament_store::users as store_users;
use validator::Validate as _;

use super::Notifications;
use super::inbox::Told;
use crate::accounts::principal::Principal;
use crate::{Result, ServiceError};

/// The handover time of a rotation set without one.
const DEFAULT_HANDOVER: &str = "09:00";
/// How far ahead a gap is reported.
const GAP_HORIZON: Duration = Duration::days(7);

fn handover(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M").ok()
}

impl Notifications<'_> {
    /// The stored rotation and the overrides not ended a week ago, as a roster; `None`
    /// when there is neither.
    async fn load_roster(&self, tx: &mut Tx, now: DateTime<Utc>) -> Result<Option<Loaded>> {
        let rotation = store::rotation(tx).await?;
        let overrides = store::overrides(tx, now - GAP_HORIZON).await?;
        if rotation.is_none() && overrides.is_empty() {
            return Ok(None);
        }
        let roster = Roster {
            members: rotation.as_ref().map(|r| r.members.clone()).unwrap_or_default(),
            starts_on: rotation
                .as_ref()
                .map_or_else(|| reglament_domain::moscow::date(now), |r| r.starts_on),
            handover: handover(rotation.as_ref().map_or(DEFAULT_HANDOVER, |r| r.handover_time.as_str()))
                .unwrap_or(NaiveTime::MIN),
            overrides: overrides.iter().map(domain_override).collect(),
        };
        Ok(Some(Loaded {
            rotation,
            roster,
            overrides,
        }))
    }

    /// R-NTF-3: the person on duty for a ticket on `schedule` now, when it is a 24x7 ticket
    /// outside the 8x5 working hours and the roster names an active person; `None` sends
    /// the alert the usual way.
    pub(crate) async fn off_hours_duty(&self, tx: &mut Tx, schedule: Option<Schedule>) -> Result<Option<UserId>> {
        if schedule != Some(Schedule::TwentyFourSeven) {
            return Ok(None);
        }
        let now = self.now();
        let in_hours = self
            .calendar()
            .business_calendar()
            .is_business_time(now)
            .map_err(|e| ServiceError::Internal(Box::new(e)))?;
        if in_hours {
            return Ok(None);
        }
        let Some(loaded) = self.load_roster(tx, now).await? else {
            return Ok(None);
        };
        let Some((person, _)) = loaded.roster.on_duty(now) else {
            return Ok(None);
        };
        let user = store_users::get(tx, person).await?;
        Ok(user.active.then_some(person))
    }

    async fn person(&self, tx: &mut Tx, id: UserId) -> Result<DutyPerson> {
        let user = store_users::get(tx, id).await?;
        Ok(DutyPerson {
            id,
            full_name: user.full_name,
            active: user.active,
        })
    }

    /// The roster: the rotation, the overrides to come, who is on duty now, the next
    /// `weeks` and the gaps of the next 7 days. Staff only.
    ///
    /// # Errors
    /// `forbidden` for a client; `validation_failed` for `weeks` outside 1–12.
    pub async fn roster(&self, p: &Principal, weeks: Option<u32>) -> Result<DutyRoster> {
        p.require_staff()?;
        let weeks = weeks.unwrap_or(4);
        if !(1..=12).contains(&weeks) {
            return Err(ServiceError::invalid("weeks", "must be 1 to 12"));
        }
        let now = self.now();
        let mut tx = self.store.read().await?;
        let roster = self.describe(&mut tx, now, i64::from(weeks)).await?;
        tx.commit().await?;
        Ok(roster)
    }

    async fn describe(&self, tx: &mut Tx, now: DateTime<Utc>, weeks: i64) -> Result<DutyRoster> {
        let loaded = self.load_roster(tx, now).await?;
        self.describe_loaded(tx, now, weeks, loaded).await
    }

    async fn describe_loaded(
        &self,
        tx: &mut Tx,
        now: DateTime<Utc>,
        weeks: i64,
        loaded: Option<Loaded>,
    ) -> Result<DutyRoster> {
        let rotation = loaded.as_ref().and_then(|l| l.rotation.clone());
        let mut people = std::collections::HashMap::new();
        let mut person = async |tx: &mut Tx, id: UserId| -> Result<DutyPerson> {
            if let Some(p) = people.get(&id) {
                return Ok(Clone::clone(p));
            }
            let p = self.person(tx, id).await?;
            people.insert(id, p.clone());
            Ok(p)
        };
        let mut members = Vec::new();
        for id in rotation.as_ref().map(|r| r.members.clone()).unwrap_or_default() {
            members.push(person(tx, id).await?);
        }
        let mut overrides = Vec::new();
        let mut slots = Vec::new();
        let mut gaps = Vec::new();
        let mut on_duty_now = None;
        let until = now + Duration::weeks(weeks);
        let horizon = now + GAP_HORIZON;
        match &loaded {
            Some(Loaded {
                roster,
                overrides: rows,
                ..
            }) => {
                for o in rows.iter().filter(|o| o.ends_at > now) {
                    overrides.push(DutyOverride {
                        id: o.id,
                        person: person(tx, o.user_id).await?,
                        starts_at: o.starts_at,
                        ends_at: o.ends_at,
                        note: o.note.clone(),
                    });
                }
                for slot in roster.slots(now, until) {
                    let (who, source) = match slot.on_duty {
                        Some((id, source)) => (
                            Some(person(tx, id).await?),
                            Some(match source {
                                Source::Rotation => "rotation",
                                Source::Override => "override",
                            }),
                        ),
                        None => (None, None),
                    };
                    if slot.from <= now && now < slot.to {
                        on_duty_now = who.clone().filter(|p| p.active);
                    }
                    let gap = who.as_ref().is_none_or(|p| !p.active);
                    if gap && slot.from < horizon {
                        gaps.push(DutySlot {
                            from: slot.from,
                            to: slot.to.min(horizon),
                            person: None,
                            source: None,
                        });
                    }
                    slots.push(DutySlot {
                        from: slot.from,
                        to: slot.to,
                        person: who,
                        source: source.map(str::to_owned),
                    });
                }
            }
            None => {
                let gap = DutySlot {
                    from: now,
                    to: until,
                    person: None,
                    source: None,
                };
                gaps.push(DutySlot {
                    to: horizon,
                    ..gap.clone()
                });
                slots.push(gap);
            }
        }
        Ok(DutyRoster {
            starts_on: rotation
                .as_ref()
                .map_or_else(|| reglament_domain::moscow::date(now), |r| r.starts_on),
            handover_time: rotation.map_or_else(|| DEFAULT_HANDOVER.to_owned(), |r| r.handover_time),
            members,
            overrides,
            on_duty_now,
            slots,
            gaps,
        })
    }

    fn require_roster_editor(p: &Principal) -> Result<()> {
        p.require_role(&[StaffRole::Admin, StaffRole::SupportLead])
    }

    async fn require_active_staff(&self, tx: &mut Tx, id: UserId, field: &str) -> Result<()> {
        let user = store_users::get(tx, id)
            .await
            .map_err(|_| ServiceError::invalid(field, "no such person"))?;
        if user.kind != UserKind::Staff || !user.active {
            return Err(ServiceError::invalid(field, "must be an active member of staff"));
        }
        Ok(())
    }

    /// Sets the weekly rotation. Admins and support leads.
    ///
    /// # Errors
    /// `forbidden` for others; `validation_failed` for a bad time or someone who is not
    /// active staff.
    pub async fn set_rotation(&self, p: &Principal, input: DutyRotationInput) -> Result<DutyRoster> {
        Self::require_roster_editor(p)?;
        input.validate()?;
        let handover_time = input.handover_time.unwrap_or_else(|| DEFAULT_HANDOVER.to_owned());
        if handover(&handover_time).is_none() {
            return Err(ServiceError::invalid("handover_time", "use HH:MM, Moscow time"));
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        for (i, id) in input.member_ids.iter().enumerate() {
            self.require_active_staff(&mut tx, *id, &format!("member_ids[{i}]"))
                .await?;
        }
        let rotation = store::Rotation {
            starts_on: input.starts_on,
            handover_time,
            members: input.member_ids,
        };
        store::set_rotation(&mut tx, &rotation, p.user.id, now).await?;
        let roster = self.describe(&mut tx, now, 4).await?;
        tx.commit().await?;
        tracing::info!(by = %p.user.id, members = rotation.members.len(), "duty rotation set");
        Ok(roster)
    }

    /// Adds a dated override. Admins and support leads.
    ///
    /// # Errors
    /// `forbidden` for others; `validation_failed` for an end not after the start, one that
    /// has passed, longer than a year, or someone who is not active staff.
    pub async fn add_override(&self, p: &Principal, input: DutyOverrideInput) -> Result<DutyOverride> {
        Self::require_roster_editor(p)?;
        input.validate()?;
        let now = self.now();
        if input.ends_at <= input.starts_at {
            return Err(ServiceError::invalid("ends_at", "must be after starts_at"));
        }
        if input.ends_at <= now {
            return Err(ServiceError::invalid("ends_at", "has passed"));
        }
        if input.ends_at - input.starts_at > Duration::days(366) {
            return Err(ServiceError::invalid("ends_at", "an override lasts at most a year"));
        }
        let mut tx = self.store.begin().await?;
        self.require_active_staff(&mut tx, input.user_id, "user_id").await?;
        let row = store::OverrideRow {
            id: DutyOverrideId(uuid::Uuid::now_v7()),
            user_id: input.user_id,
            starts_at: reglament_store::micros(input.starts_at),
            ends_at: reglament_store::micros(input.ends_at),
            note: input.note.unwrap_or_default().trim().to_owned(),
            created_at: now,
        };
        store::add_override(&mut tx, &row, p.user.id).await?;
        let person = self.person(&mut tx, row.user_id).await?;
        tx.commit().await?;
        tracing::info!(by = %p.user.id, on_duty = %row.user_id, "duty override added");
        Ok(DutyOverride {
            id: row.id,
            person,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            note: row.note,
        })
    }

    /// Removes an override. Admins and support leads.
    ///
    /// # Errors
    /// `forbidden` for others; `not_found` for an unknown override.
    pub async fn remove_override(&self, p: &Principal, id: DutyOverrideId) -> Result<()> {
        Self::require_roster_editor(p)?;
        let mut tx = self.store.begin().await?;
        if !store::remove_override(&mut tx, id).await? {
            return Err(ServiceError::not_found("duty override"));
        }
        tx.commit().await?;
        Ok(())
    }

    /// R-NTF-3: once a Moscow day, the support leads are told of the gaps in the next 7
    /// days (once a roster exists). Answers how many leads were told.
    pub(crate) async fn report_duty_gaps(&self) -> Result<usize> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let loaded = self.load_roster(&mut tx, now).await?;
        if loaded.as_ref().is_none_or(|l| l.rotation.is_none()) {
            return Ok(0);
        }
        let roster = self.describe_loaded(&mut tx, now, 1, loaded).await?;
        let Some(first) = roster.gaps.first() else {
            return Ok(0);
        };
        let leads = store_notifications::staff_with_role(&mut tx, "support_lead").await?;
        let hours: i64 = roster.gaps.iter().map(|g| (g.to - g.from).num_minutes()).sum::<i64>() / 60;
        let text = |r: &super::inbox::Reader<'_>| {
            let from = r.time(first.from);
            if r.en {
                (
                    "The duty roster has a gap".to_owned(),
                    format!(
                        "In the next 7 days {hours} h have nobody on duty, the first gap from {from}. \
                         24x7 tiers need someone on duty outside business hours."
                    ),
                )
            } else {
                (
                    "В графике дежурств есть пропуск".to_owned(),
                    format!(
                        "В ближайшие 7 дней без дежурного: {hours} ч, первый пропуск с {from}. \
                         Дежурные нужны для уровней 24x7 вне рабочего времени."
                    ),
                )
            }
        };
        let once = format!("duty_gap:{}", reglament_domain::moscow::date(now));
        let told = Told {
            kind: "duty_gap",
            ticket_id: None,
            text: &text,
            once: Some(&once),
        };
        let written = self.tell(&mut tx, &leads, &told).await?;
        tx.commit().await?;
        if written > 0 {
            tracing::warn!(
                gaps = roster.gaps.len(),
                hours,
                "duty roster has a gap in the next 7 days: leads told"
            );
        }
        Ok(written)
    }
}

/// What `load_roster` read: the rotation as stored (for the screen) and the roster.
struct Loaded {
    rotation: Option<store::Rotation>,
    roster: Roster,
    overrides: Vec<store::OverrideRow>,
}

fn domain_override(o: &store::OverrideRow) -> duty::Override {
    duty::Override {
        user_id: o.user_id,
        starts_at: o.starts_at,
        ends_at: o.ends_at,
        created_at: o.created_at,
    }
}
