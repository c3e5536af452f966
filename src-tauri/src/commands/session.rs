//! `session_*` commands: signing in and out. Status carries the user, expiry and scopes,
//! never a token.

use crate::dto::{events, ForgetDeviceReport, SessionStatus, SignInProgress};
use crate::state::{focus_main_window, AppState};
use dhis2w_client::profile::AuthKind;
use dhis2w_client::session::is_auth_failure;
use dhis2w_client::{Result, SignInRequest};
use std::sync::Arc;
use tauri::{AppHandle, Emitter, Runtime, State};

/// The session status of `id` (the core's [`dhis2w_client::Workspace::status`]).
pub async fn status_of(state: &AppState, id: &str) -> Result<SessionStatus> {
    state.status(id).await
}

fn emit_changed<R: Runtime>(app: &AppHandle<R>, status: &SessionStatus) {
    if let Err(e) = app.emit(events::SESSION_CHANGED, status) {
        tracing::warn!(error = %e, "could not emit session-changed");
    }
}

/// After a command for instance `id` failed: when the server refused its sign-in (the core's
/// [`is_auth_failure`]: `sign_in_required`, `token_expired`, `invalid_credentials`,
/// `pat_rejected`, `account_locked`, `account_disabled`…), emits `session-changed` with the
/// fresh status, so that every screen shows "needs sign-in" without asking. Other errors and
/// successes emit nothing.
pub async fn notify_auth_failure<R: Runtime, T>(
    app: &AppHandle<R>,
    state: &AppState,
    id: &str,
    result: &Result<T>,
) {
    let Err(e) = result else { return };
    if !is_auth_failure(e.kind()) {
        return;
    }
    match status_of(state, id).await {
        Ok(status) => emit_changed(app, &status),
        Err(err) => tracing::warn!(error = %err, "no session status after a refused sign-in"),
    }
}

/// `session_status`.
#[tauri::command]
pub async fn session_status(
    state: State<'_, AppState>,
    instance_id: String,
) -> Result<SessionStatus> {
    status_of(&state, &instance_id).await
}

/// `session_sign_in`: Basic/PAT check the stored password/PAT with `/api/me` (none stored:
/// `sign_in_required`, and the UI asks for it); OAuth2 runs the browser sign-in (PKCE,
/// loopback or deep-link redirect), streaming `sign-in-progress`. Resolves when done; the main
/// window comes to the front after a browser sign-in.
#[tauri::command]
pub async fn session_sign_in<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    instance_id: String,
    different_user: bool,
    keep_signed_in: Option<bool>,
) -> Result<SessionStatus> {
    let id = instance_id;
    let inst = state.instance(&id).await?;
    let progress_app = app.clone();
    let progress_id = id.clone();
    let progress: dhis2w_client::auth::oauth2::ProgressCallback = Arc::new(move |p| {
        let payload = SignInProgress {
            instance_id: progress_id.clone(),
            stage: p.stage,
            authorize_url: p.authorize_url,
            redirect_uri: p.redirect_uri,
        };
        if let Err(e) = progress_app.emit(events::SIGN_IN_PROGRESS, payload) {
            tracing::warn!(error = %e, "could not emit sign-in-progress");
        }
    });
    let browser = state.browser(&app);
    let result = state
        .sign_in(
            &id,
            SignInRequest {
                different_user,
                browser: &browser,
                progress: Some(progress),
                keep_signed_in: keep_signed_in.unwrap_or(false),
            },
        )
        .await;
    if inst.auth_kind == AuthKind::Oauth2 {
        if result.is_ok() {
            focus_main_window(&app);
        }
    } else {
        notify_auth_failure(&app, &state, &id, &result).await;
    }
    let status = result?;
    emit_changed(&app, &status);
    Ok(status)
}

/// `session_cancel_sign_in`: stops a browser sign-in that is waiting or exchanging.
#[tauri::command]
pub async fn session_cancel_sign_in(state: State<'_, AppState>, instance_id: String) -> Result<()> {
    state.instance(&instance_id).await?;
    state.cancel_sign_in(&instance_id);
    Ok(())
}

/// `session_sign_out`: OAuth2 revokes where possible and deletes the token; Basic/PAT delete
/// the stored password/PAT (the app can no longer act as the user).
#[tauri::command]
pub async fn session_sign_out<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    instance_id: String,
) -> Result<SessionStatus> {
    let status = state.sign_out(&instance_id).await?;
    emit_changed(&app, &status);
    Ok(status)
}

/// `session_forget_device`: "Forget this computer": signs out, deletes this computer's key and
/// registration from the keyring, and from the server when the user may manage OAuth2 clients.
#[tauri::command]
pub async fn session_forget_device<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    instance_id: String,
) -> Result<ForgetDeviceReport> {
    let report = state.forget_device(&instance_id).await?;
    emit_changed(&app, &report.status);
    Ok(report)
}

/// `session_refresh_now`: renews a browser sign-in now with its refresh token ("Refresh now"
/// next to "expires in"); without one the error is `sign_in_required`.
#[tauri::command]
pub async fn session_refresh_now<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    instance_id: String,
) -> Result<SessionStatus> {
    let result = state.refresh_now(&instance_id).await;
    notify_auth_failure(&app, &state, &instance_id, &result).await;
    let status = result?;
    emit_changed(&app, &status);
    Ok(status)
}
