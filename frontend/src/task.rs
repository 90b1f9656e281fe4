//! The one shape of a call from a page, written once: start it, clear the last error, put
//! the answer where it goes or show why it failed.

use std::future::Future;

use leptos::prelude::*;

use crate::api::ApiError;

/// Runs `call`; its answer goes to `then`, its failure to `error` (cleared as it starts).
pub fn run<T: 'static>(
    error: RwSignal<Option<ApiError>>,
    call: impl Future<Output = Result<T, ApiError>> + 'static,
    then: impl FnOnce(T) + 'static,
) {
    error.set(None);
    leptos::task::spawn_local(async move {
        match call.await {
            Ok(answer) => then(answer),
            Err(e) => error.set(Some(e)),
        }
    });
}

/// Runs a change, then bumps `reload` so that the page reads its data again.
pub fn change<T: 'static>(
    error: RwSignal<Option<ApiError>>,
    reload: RwSignal<u32>,
    call: impl Future<Output = Result<T, ApiError>> + 'static,
) {
    run(error, call, move |_| reload.update(|n| *n += 1));
}

/// A read as a resource, read again whenever `reload` is bumped (after a change).
pub fn reloading<T, F>(reload: RwSignal<u32>, read: impl Fn() -> F + 'static) -> LocalResource<Result<T, ApiError>>
where
    T: 'static,
    F: Future<Output = Result<T, ApiError>> + 'static,
{
    LocalResource::new(move || {
        reload.track();
        read()
    })
}

/// What `data` holds, shown by `show`; "Загрузка…" until the first answer (later reads keep
/// the page shown until the new one is in); a failure as an alert.
pub fn shown<T, V>(
    data: LocalResource<Result<T, ApiError>>,
    show: impl Fn(T) -> V + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + 'static,
    V: IntoView + 'static,
{
    let cx = crate::ctx();
    view! {
        <Transition fallback=move || view! { <p class="muted">{cx.tr("Загрузка…", "Loading…")}</p> }>
            {move || data.get().map(|answer| match answer {
                Ok(value) => show(value).into_any(),
                Err(e) => view! { <p class="error" role="alert">{cx.error(&e)}</p> }.into_any(),
            })}
        </Transition>
    }
}
