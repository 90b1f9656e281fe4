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
