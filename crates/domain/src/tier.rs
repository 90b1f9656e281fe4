//! Support tiers of Appendix 1 of the regulation (SPEC section 3).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The working schedule a tier's clocks run on (R-CAL-1, R-CAL-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Schedule {
    /// Monday–Friday 09:00–18:00 Europe/Moscow on working days of the production calendar.
    #[serde(rename = "8x5")]
    EightByFive,
    /// Every minute counts, holidays included.
    #[serde(rename = "24x7")]
    TwentyFourSeven,
}

impl Schedule {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EightByFive => "8x5",
            Self::TwentyFourSeven => "24x7",
        }
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value {0:?}")]
pub struct UnknownValue(pub String);

impl FromStr for Schedule {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "8x5" => Ok(Self::EightByFive),
            "24x7" => Ok(Self::TwentyFourSeven),
            other => Err(UnknownValue(other.to_owned())),
        }
    }
}

/// The code of a support tier. Tiers are data (admins may edit them), but the
/// four codes of Appendix 1 are what the regulation names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TierCode {
    Basic,
    BasicPlus,
    Premium,
    PremiumPlus,
}

impl TierCode {
    pub const ALL: [Self; 4] = [Self::Basic, Self::BasicPlus, Self::Premium, Self::PremiumPlus];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Basic => "basic",
            Self::BasicPlus => "basic_plus",
            Self::Premium => "premium",
            Self::PremiumPlus => "premium_plus",
        }
    }
}

impl FromStr for TierCode {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|code| code.as_str() == s)
            .ok_or_else(|| UnknownValue(s.to_owned()))
    }
}

/// One row of Appendix 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tier {
    pub code: String,
    pub name_ru: String,
    pub name_en: String,
    pub schedule: Schedule,
    /// The guaranteed response time in business minutes of `schedule`
    /// ("1 business day" is 9 business hours, R-CAL-3).
    pub response_target_minutes: i64,
    /// `None` is unlimited.
    pub max_open_tickets: Option<i64>,
    pub several_teams: bool,
    pub max_contacts: i64,
    pub telegram: bool,
    pub dedicated_manager: bool,
    pub monthly_video_meeting: bool,
}

impl Tier {
    /// The four tiers exactly as Appendix 1 of the regulation gives them.
    #[must_use]
    pub fn appendix_1() -> Vec<Self> {
        let row = |code: TierCode,
                   name_ru: &str,
                   name_en: &str,
                   schedule: Schedule,
                   response_target_minutes: i64,
                   max_open_tickets: Option<i64>,
                   max_contacts: i64,
                   premium: bool,
                   meeting: bool| Self {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SPEC section 3: the seed is Appendix 1 exactly.
    #[test]
    fn appendix_1_matches_the_regulation() {
        let tiers = Tier::appendix_1();
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

/// `TryFrom<String>` for the enums stored as text, so that rows decode straight into them.
macro_rules! try_from_string {
    ($($t:ty),*) => {$(
        impl TryFrom<String> for $t {
            type Error = UnknownValue;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }
    )*};
}
pub(crate) use try_from_string;
try_from_string!(Schedule, TierCode);
