//! A labelled input bound to a signal, the field every form here is made of.

use leptos::prelude::*;

use crate::ctx;

/// `<label>Часов <input …></label>`: the label in the reader's language, the input of
/// `kind` (`text`, `number`, `date`, `datetime-local`…) bound to `value`.
#[component]
pub fn Field(
    ru: &'static str,
    en: &'static str,
    value: RwSignal<String>,
    testid: &'static str,
    #[prop(default = "text")] kind: &'static str,
) -> impl IntoView {
    let cx = ctx();
    view! {
        <label>{move || cx.tr(ru, en)}
            <input type=kind data-testid=testid prop:value=value on:input=move |ev| value.set(event_target_value(&ev)) />
        </label>
    }
}
