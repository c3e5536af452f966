//! `session_*` commands: signing in and out. Status carries the user, expiry and scopes,
//! never a token.

use crate::dto::{events, SessionState, SessionStatus, SignInProgress};
use crate::state::{focus_main_window, AppState};
use dhis2w_client::capture::{
    DeepLinkCapturer, DeepLinkOptions, LoopbackCapturer, RedirectCapturer,
};
use dhis2w_client::profile::{AuthKind, RedirectMode};
use dhis2w_client::session::is_auth_failure;
use dhis2w_client::{Error, ErrorKind, Result, SignInOptions};
use std::sync::Arc;
use tauri::{AppHandle, Emitter, Runtime, State};

/// The session status of `id`. Basic/PAT: the core's answer (stored secret, user seen this
/// run, or one short `/api/me` check); OAuth2: the stored token, and the user seen this run
/// (or one short `/api/me` check while the token is valid).
pub async fn status_of(state: &AppState, id: &str) -> Result<SessionStatus> {
    let inst = state.instance(id).await?;
    let mut status = SessionStatus {
        instance_id: id.to_owned(),
        state: SessionState::SignedOut,
        user: None,
        expires_at: None,
        scopes: vec![],
    };
    match inst.auth_kind {
        AuthKind::Basic | AuthKind::Pat => {
            let s = state.credentials.status(&inst, &state.secrets).await?;
            status.state = s.state;
            status.user = s.user;
        }
        AuthKind::Oauth2 => {
            let session = state.session(id).await?;
            let auth = session.oauth2.expect("OAuth2 session without provider");
            if let Some(t) = auth.status().await? {
                status.state = t.session_state(super::now_secs());
                status.expires_at = Some(t.expires_at);
                status.scopes = t.scopes;
                if status.state == SessionState::SignedIn {
                    status.user = state.user(id);
                    // After a restart nobody is known yet: ask /api/me once, while the token
                    // is far enough from expiry that asking never refreshes it.
                    if status.user.is_none()
                        && t.expires_at - super::now_secs()
                            > dhis2w_client::auth::oauth2::REFRESH_MARGIN_SECS
                    {
                        status.user = state
                            .credentials
                            .identify(&inst, session.client.auth().clone())
                            .await;
                    }
                }
            }
        }
    }
    Ok(status)
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
) -> Result<SessionStatus> {
    let id = instance_id;
    let inst = state.instance(&id).await?;
    if inst.auth_kind != AuthKind::Oauth2 {
        let signed = state.credentials.sign_in(&inst, &state.secrets).await;
        notify_auth_failure(&app, &state, &id, &signed).await;
        signed?;
        let status = status_of(&state, &id).await?;
        emit_changed(&app, &status);
        return Ok(status);
    }
    state.forget_session(&id);
    let session = state.session(&id).await?;
    match &session.oauth2 {
        None => {
            return Err(Error::new(
                ErrorKind::Internal,
                "OAuth2 session without provider.",
            ))
        }
        Some(auth) => {
            let (seq, cancel) = state.begin_sign_in(&id);
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
            let options = SignInOptions {
                prompt_login: different_user,
                cancel,
                progress: Some(progress),
            };
            let browser = state.browser(&app);
            let mode = session
                .instance
                .oauth2
                .as_ref()
                .map(|o| o.redirect_mode)
                .unwrap_or_default();
            let result = match mode {
                RedirectMode::Loopback => match LoopbackCapturer::bind().await {
                    Ok(capturer) => auth.sign_in(&capturer, &browser, options).await,
                    Err(e) => Err(e),
                },
                RedirectMode::DeepLink => {
                    let (capturer, handle) = DeepLinkCapturer::new(DeepLinkOptions::default());
                    state.set_deep_link_handle(Some(handle));
                    let r = auth
                        .sign_in(&capturer as &dyn RedirectCapturer, &browser, options)
                        .await;
                    state.set_deep_link_handle(None);
                    r
                }
            };
            state.end_sign_in(&id, seq);
            let signed = result?;
            state
                .credentials
                .remember_user(&id, dhis2w_client::SessionUser::from_me(&signed.me));
            focus_main_window(&app);
        }
    }
    let status = status_of(&state, &id).await?;
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
    let id = instance_id;
    let inst = state.instance(&id).await?;
    state.cancel_sign_in(&id);
    if inst.auth_kind == AuthKind::Oauth2 {
        let session = state.session(&id).await?;
        let auth = session
            .oauth2
            .ok_or_else(|| Error::new(ErrorKind::Internal, "OAuth2 session without provider."))?;
        let report = auth.sign_out().await?;
        if let Some(detail) = report.detail {
            tracing::info!(revoked = report.revoked, "{detail}");
        }
    } else {
        state.credentials.sign_out(&inst, &state.secrets).await?;
    }
    state.forget_session(&id);
    let status = status_of(&state, &id).await?;
    emit_changed(&app, &status);
    Ok(status)
}
