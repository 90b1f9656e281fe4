//! The SLA dashboards, drawn as SVG in the page (no chart library, nothing from a CDN):
//! compliance per tier by month, compliance per customer, overdue now by tier, and
//! the distribution of response times. Staff see every customer, a client their company.

use leptos::prelude::*;

use crate::api::{self, SlaReport, paths};
use crate::ctx;

const TIERS: [(&str, &str, &str); 4] = [
    ("basic", "Базовый", "#8aa4c8"),
    ("basic_plus", "Базовый+", "#4f7cc0"),
    ("premium", "Премиальный", "#2a9d8f"),
    ("premium_plus", "Премиальный+", "#e9a03b"),
];

/// A customer's answers: (on time, all) per month of the range, then for the period.
type CustomerRow = (String, Vec<(i64, i64)>, i64, i64);

fn tier_name(code: &str) -> String {
    TIERS
        .iter()
        .find(|t| t.0 == code)
        .map_or_else(|| code.to_owned(), |t| t.1.to_owned())
}

fn percent(on_time: i64, total: i64) -> f64 {
    if total == 0 {
        0.0
    } else {
        on_time as f64 * 100.0 / total as f64
    }
}

/// Grouped bars: compliance % of each tier in each month.
fn compliance_chart(report: &SlaReport, label: &'static str) -> impl IntoView {
    let months = &report.months;
    let rows = &report.by_tier;
    let (w, h, left, bottom) = (640.0, 240.0, 36.0, 28.0);
    let group = (w - left) / months.len().max(1) as f64;
    let bar = (group - 12.0) / TIERS.len() as f64;
    let mut bars = Vec::new();
    for (mi, month) in months.iter().enumerate() {
        for (ti, (code, name, color)) in TIERS.iter().enumerate() {
            if let Some(r) = rows.iter().find(|r| r.month == *month && r.tier == *code) {
                let pct = percent(r.on_time, r.total);
                let bh = (h - bottom - 10.0) * pct / 100.0;
                let x = left + mi as f64 * group + 6.0 + ti as f64 * bar;
                let title = format!("{name}, {month}: {pct:.0}% ({} / {})", r.on_time, r.total);
                bars.push(view! {
                    <rect x=format!("{x:.1}") y=format!("{:.1}", h - bottom - bh) width=format!("{:.1}", bar - 2.0)
                        height=format!("{bh:.1}") fill=*color data-testid="bar"><title>{title}</title></rect>
                });
            }
        }
    }
    let grid = [0, 50, 100].map(|p| {
        let y = h - bottom - (h - bottom - 10.0) * f64::from(p) / 100.0;
        view! {
            <line x1=format!("{left}") x2=format!("{w}") y1=format!("{y:.1}") y2=format!("{y:.1}") class="grid" />
            <text x="2" y=format!("{:.1}", y + 4.0) class="axis">{format!("{p}%")}</text>
        }
    });
    let labels = months.iter().enumerate().map(|(mi, m)| {
        let x = left + mi as f64 * group + group / 2.0;
        view! { <text x=format!("{x:.1}") y=format!("{}", h - 8.0) class="axis" text-anchor="middle">{m.clone()}</text> }
    }).collect_view();
    view! {
        <svg viewBox=format!("0 0 {w} {h}") class="chart" role="img" aria-label=label data-testid="chart-compliance">
            {grid.into_iter().collect_view()}{bars}{labels}
        </svg>
    }
}

/// Horizontal bars of counts with labels.
fn count_chart(items: Vec<(String, i64, &'static str)>, testid: &'static str, title: &'static str) -> impl IntoView {
    // What the bars say, for a screen reader.
    let label = format!(
        "{title}: {}",
        items
            .iter()
            .map(|(name, n, _)| format!("{name} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1);
    let (w, row) = (640.0, 26.0);
    let h = row * items.len().max(1) as f64 + 4.0;
    let label_w = 150.0;
    let rows = items.into_iter().enumerate().map(|(i, (label, n, color))| {
        let y = i as f64 * row + 4.0;
        let bw = (w - label_w - 50.0) * n as f64 / max as f64;
        view! {
            <text x="0" y=format!("{:.1}", y + 15.0) class="axis">{label}</text>
            <rect x=format!("{label_w}") y=format!("{y:.1}") width=format!("{bw:.1}") height="18" fill=color data-testid="bar" />
            <text x=format!("{:.1}", label_w + bw + 6.0) y=format!("{:.1}", y + 15.0) class="axis">{n.to_string()}</text>
        }
    }).collect_view();
    view! { <svg viewBox=format!("0 0 {w} {h}") class="chart" role="img" aria-label=label data-testid=testid>{rows}</svg> }
}

#[component]
pub fn Dashboard() -> impl IntoView {
    let cx = ctx();
    let staff = cx.user.get_untracked().is_some_and(|u| u.is_staff());
    let report = LocalResource::new(|| api::call(paths::sla_report()));
    #[cfg(feature = "staff")]
    let gap = {
        let lead = cx
            .user
            .get_untracked()
            .is_some_and(|u| matches!(u.role, Some(api::StaffRole::Admin | api::StaffRole::SupportLead)));
        lead.then(|| view! { <crate::duty::GapBanner /> })
    };
    #[cfg(not(feature = "staff"))]
    let gap = ();
    view! {
        {gap}
        <section class="card" data-testid="dashboard">
            <h1>{move || if staff { cx.tr("SLA: соблюдение сроков", "SLA compliance") } else { cx.tr("SLA моей компании", "My company's SLA") }}</h1>
            <Transition fallback=move || view! { <p class="muted">{cx.tr("Загрузка…", "Loading…")}</p> }>
                {move || report.get().map(|r| match r {
                    Err(e) => view! { <p class="error" role="alert">{cx.error(&e)}</p> }.into_any(),
                    Ok(r) => view! { <Report report=r staff=staff /> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// The response-time distribution as labelled bars (`0–15 мин`, …, `> 480 мин`).
fn distribution(r: &SlaReport, lang: crate::i18n::Lang) -> Vec<(String, i64, &'static str)> {
    let mut previous = 0;
    r.distribution
        .iter()
        .map(|b| {
            let label = match b.up_to_minutes {
                Some(m) => {
                    let l = format!("{}–{} {}", previous, m, lang.tr("мин", "min"));
                    previous = m;
                    l
                }
                None => format!("> {previous} {}", lang.tr("мин", "min")),
            };
            (label, b.count, "#4f7cc0")
        })
        .collect()
}

/// Per customer: each month's answers on time and in all, and the period's.
fn by_customer(r: &SlaReport) -> Vec<CustomerRow> {
    let mut customers: Vec<CustomerRow> = Vec::new();
    for c in &r.by_customer {
        let slot = r.months.iter().position(|m| c.month == *m);
        let row = if let Some(i) = customers.iter().position(|x| x.0 == c.name) {
            i
        } else {
            customers.push((c.name.clone(), vec![(0, 0); r.months.len()], 0, 0));
            customers.len() - 1
        };
        let entry = &mut customers[row];
        if let Some(i) = slot {
            entry.1[i].0 += c.on_time;
            entry.1[i].1 += c.total;
        }
        entry.2 += c.on_time;
        entry.3 += c.total;
    }
    customers.sort_by(|a, b| percent(a.2, a.3).total_cmp(&percent(b.2, b.3)));
    customers
}

#[component]
fn Report(report: SlaReport, staff: bool) -> impl IntoView {
    let cx = ctx();
    let r = report;
    let answers: i64 = r.by_tier.iter().map(|x| x.total).sum();
    let on_time: i64 = r.by_tier.iter().map(|x| x.on_time).sum();
    let overdue = TIERS
        .iter()
        .map(|(code, name, color)| {
            let n = r
                .overdue_by_tier
                .iter()
                .find(|x| x.tier == *code)
                .map_or(0, |x| x.count);
            ((*name).to_owned(), n, *color)
        })
        .collect::<Vec<_>>();
    view! {
        <p class="kpi" data-testid="kpi">
            <strong>{if answers == 0 { "—".to_owned() } else { format!("{:.1}%", percent(on_time, answers)) }}</strong>
            {format!(" {} ({on_time} / {answers}), {} {} — {}", cx.tr("ответов в срок", "answers on time"), cx.tr("месяцы", "months"), r.from, r.to)}
        </p>
        {(answers == 0).then(|| view! { <p class="empty">{cx.tr("Ответов за период ещё нет: графики заполнятся, когда поддержка начнёт отвечать на обращения.", "No answers in the period yet; the charts fill as support answers tickets.")}</p> })}
        <h2>{cx.tr("Соблюдение срока ответа по пакетам и месяцам", "Responses on time by tier and month")}</h2>
        {compliance_chart(&r, cx.tr("Соблюдение срока ответа по пакетам и месяцам; цифры — в таблице ниже", "Responses on time by tier and month; the figures are in the table below"))}
        <p class="legend">{TIERS.iter().map(|(code, name, _)| view! { <span><i class=format!("swatch tier-{code}")></i>{*name}</span> }).collect_view()}</p>
        <h2>{cx.tr("Просрочено сейчас по пакетам", "Overdue now by tier")}</h2>
        {count_chart(overdue, "chart-overdue", cx.tr("Просрочено сейчас по пакетам", "Overdue now by tier"))}
        <h2>{cx.tr("Время ответа (рабочие минуты)", "Response time (business minutes)")}</h2>
        {count_chart(distribution(&r, cx.lang.get_untracked()), "chart-distribution", cx.tr("Время ответа (рабочие минуты)", "Response time (business minutes)"))}
        <h2>{if staff { cx.tr("По заказчикам", "By customer") } else { cx.tr("Моя компания", "My company") }}</h2>
        <ByCustomer months=r.months.clone() rows=by_customer(&r) />
        <p class="muted small">{r.by_tier.iter().map(|x| format!("{} {}: {}/{}", tier_name(&x.tier), x.month, x.on_time, x.total)).collect::<Vec<_>>().join(" · ")}</p>
    }
}

#[component]
fn ByCustomer(months: Vec<String>, rows: Vec<CustomerRow>) -> impl IntoView {
    let cx = ctx();
    let month_heads = months
        .into_iter()
        .map(|m| view! { <th class="hide-phone">{m}</th> })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0"><table data-testid="by-customer">
            <thead><tr><th>{cx.tr("Заказчик", "Customer")}</th>{month_heads}<th>{cx.tr("За период", "Period")}</th></tr></thead>
            <tbody>{rows.into_iter().map(|(name, by_month, o, t)| view! {
                <tr><td>{name}</td>
                    {by_month.into_iter().map(|(mo, mt)| view! {
                        <td class="hide-phone" class:overdue={mt > 0 && percent(mo, mt) < 90.0}>
                            {if mt == 0 { "—".to_owned() } else { format!("{:.0}% ({mo}/{mt})", percent(mo, mt)) }}</td>
                    }).collect_view()}
                    <td class:overdue={percent(o, t) < 90.0}><strong>{format!("{:.0}%", percent(o, t))}</strong>{format!(" ({o}/{t})")}</td></tr>
            }).collect_view()}</tbody>
        </table></div>
    }
}
