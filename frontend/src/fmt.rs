//! Times in the user's zone (Moscow by default), dates in Russian format, countdowns.

use wasm_bindgen::JsValue;

use crate::i18n::Lang;

/// Milliseconds since the epoch of an RFC 3339 time from the API.
pub fn millis(ts: &str) -> Option<f64> {
    let ms = js_sys::Date::parse(ts);
    (!ms.is_nan()).then_some(ms)
}

/// Milliseconds since the epoch of an instant from the API.
pub fn at_millis(t: chrono::DateTime<chrono::Utc>) -> f64 {
    t.timestamp_millis() as f64
}

pub fn now_millis() -> f64 {
    js_sys::Date::now()
}

/// `25.11.2026, 14:30` in `zone` (an IANA name; Europe/Moscow when unknown).
pub fn date_time(ts: &str, zone: &str, lang: Lang) -> String {
    let Some(ms) = millis(ts) else {
        return ts.to_owned();
    };
    let options = js_sys::Object::new();
    for (k, v) in [
        ("day", "2-digit"),
        ("month", "2-digit"),
        ("year", "numeric"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
    ] {
        let _ = js_sys::Reflect::set(&options, &JsValue::from_str(k), &JsValue::from_str(v));
    }
    let _ = js_sys::Reflect::set(&options, &JsValue::from_str("timeZone"), &JsValue::from_str(zone));
    let locales = js_sys::Array::of1(&JsValue::from_str(if lang == Lang::Ru { "ru-RU" } else { "en-GB" }));
    let format = js_sys::Intl::DateTimeFormat::new(&locales, &options);
    let date = js_sys::Date::new(&JsValue::from_f64(ms));
    format
        .format()
        .call1(&format, &date)
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| ts.to_owned())
}

#[cfg(feature = "more")]
/// `25.11.2026`: a date as Russian documents write it (by hand: chrono's `format` brings
/// its whole pattern interpreter into the wasm for this one pattern).
pub fn day(d: chrono::NaiveDate) -> String {
    use chrono::Datelike as _;
    format!("{:02}.{:02}.{}", d.day(), d.month(), d.year())
}

/// The zone's short name for labels: `МСК` for Moscow.
pub fn zone_label(zone: &str, lang: Lang) -> String {
    match (zone, lang) {
        ("Europe/Moscow", Lang::Ru) => "МСК".to_owned(),
        ("Europe/Moscow", Lang::En) => "MSK".to_owned(),
        (other, _) => other.to_owned(),
    }
}

/// `2 ч 05 мин` left, or `просрочено на 15 мин`.
pub fn countdown(due_ms: f64, now_ms: f64, lang: Lang) -> String {
    let left = ((due_ms - now_ms) / 1000.0).round() as i64;
    let secs = left.abs();
    let (d, h, m, s) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    let span = match lang {
        Lang::Ru if d > 0 => format!("{d} д {h} ч {m:02} мин"),
        Lang::Ru if h > 0 => format!("{h} ч {m:02} мин"),
        Lang::Ru => format!("{m} мин {s:02} с"),
        Lang::En if d > 0 => format!("{d} d {h} h {m:02} min"),
        Lang::En if h > 0 => format!("{h} h {m:02} min"),
        Lang::En => format!("{m} min {s:02} s"),
    };
    match (left >= 0, lang) {
        (true, Lang::Ru) => format!("осталось {span}"),
        (true, Lang::En) => format!("{span} left"),
        (false, Lang::Ru) => format!("просрочено на {span}"),
        (false, Lang::En) => format!("overdue by {span}"),
    }
}
