//! Support tiers of Appendix 1 of the regulation (SPEC section 3).

pub use reglament_api::{Schedule, Tier, TierCode, UnknownValue};

/// The four tiers exactly as Appendix 1 of the regulation gives them.
#[must_use]
pub fn appendix_1() -> Vec<Tier> {
    let row = |code: TierCode,
               name_ru: &str,
               name_en: &str,
               schedule: Schedule,
               response_target_minutes: i64,
               max_open_tickets: Option<i64>,
               max_contacts: i64,
               premium: bool,
               meeting: bool| Tier {
        code: code.as_str().to_owned(),
        name_ru: name_ru.to_owned(),
        name_en: name_en.to_owned(),
        schedule,
        response_target_minutes,
        max_open_tickets,
        several_teams: premium,
        max_contacts,
        telegram: premium,
        dedicated_manager: premium,
        monthly_video_meeting: meeting,
        warn_percent: crate::sla::DEFAULT_WARN_PERCENT,
    };
    vec![
        row(
            TierCode::Basic,
            "Базовая",
            "Basic",
            Schedule::EightByFive,
            9 * 60,
            Some(5),
            3,
            false,
            false,
        ),
        row(
            TierCode::BasicPlus,
            "Базовая +",
            "Basic+",
            Schedule::EightByFive,
            4 * 60,
            Some(10),
            5,
            false,
            false,
        ),
        row(
            TierCode::Premium,
            "Премиальная",
            "Premium",
            Schedule::TwentyFourSeven,
            2 * 60,
            None,
            10,
            true,
            false,
        ),
        row(
            TierCode::PremiumPlus,
            "Премиальная+",
            "Premium+",
            Schedule::TwentyFourSeven,
            60,
            None,
            30,
            true,
            true,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SPEC section 3: the seed is Appendix 1 exactly.
    #[test]
    fn appendix_1_matches_the_regulation() {
        let tiers = appendix_1();
        let summary: Vec<_> = tiers
            .iter()
            .map(|t| {
                (
                    t.code.as_str(),
                    t.schedule.as_str(),
                    t.response_target_minutes,
                    t.max_open_tickets,
                    t.several_teams,
                    t.max_contacts,
                    t.telegram,
                    t.dedicated_manager,
                    t.monthly_video_meeting,
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("basic", "8x5", 540, Some(5), false, 3, false, false, false),
                ("basic_plus", "8x5", 240, Some(10), false, 5, false, false, false),
                ("premium", "24x7", 120, None, true, 10, true, true, false),
                ("premium_plus", "24x7", 60, None, true, 30, true, true, true),
            ]
        );
    }

    #[test]
    fn codes_round_trip() {
        for code in TierCode::ALL {
            assert_eq!(code.as_str().parse::<TierCode>(), Ok(code));
        }
        assert!("gold".parse::<TierCode>().is_err());
        assert_eq!("24x7".parse::<Schedule>(), Ok(Schedule::TwentyFourSeven));
        assert!("9x5".parse::<Schedule>().is_err());
    }
}
