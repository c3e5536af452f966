//! `instances_*` commands: the saved DHIS2 instances.

use crate::dto::{self, ImportReport, InstanceInput, InstancesState, ProbeResult, VerifyResult};
use crate::state::{client_options, AppState};
use dhis2w_client::profile::{self, dhis2w_default_paths, AuthKind};
use dhis2w_client::{AuthProvider, BasicAuth, Dhis2Client, Error, ErrorKind, PatAuth, Result};
use std::path::PathBuf;
use std::sync::Arc;
use tauri::{AppHandle, Runtime, State};

/// `instances_list`.
#[tauri::command]
pub async fn instances_list(state: State<'_, AppState>) -> Result<InstancesState> {
    state.instances_state().await
}

/// `instances_add`: validates, saves the instance, then stores the secrets it came with.
#[tauri::command]
pub async fn instances_add(
    state: State<'_, AppState>,
    input: InstanceInput,
) -> Result<dto::Instance> {
    let input: profile::InstanceInput = input.into();
    let inst = state.profiles.lock().await.add(&input)?;
    if let Err(e) = state.secrets.save_input_secrets(&inst.id, &input).await {
        // Do not keep an instance whose secret could not be stored.
        let _ = state
            .profiles
            .lock()
            .await
            .remove(&inst.id, &state.secrets)
            .await;
        return Err(e);
    }
    state.instance_dto(inst).await
}

/// `instances_edit`: secrets left `null` keep what is stored.
#[tauri::command]
pub async fn instances_edit(
    state: State<'_, AppState>,
    id: String,
    input: InstanceInput,
) -> Result<dto::Instance> {
    let input: profile::InstanceInput = input.into();
    let inst = state.profiles.lock().await.update(&id, &input)?;
    state.secrets.save_input_secrets(&inst.id, &input).await?;
    state.forget_session(&id);
    state.instance_dto(inst).await
}

/// `instances_remove`: also deletes its secrets, tokens and request history.
#[tauri::command]
pub async fn instances_remove(state: State<'_, AppState>, id: String) -> Result<InstancesState> {
    state.cancel_sign_in(&id);
    state
        .profiles
        .lock()
        .await
        .remove(&id, &state.secrets)
        .await?;
    state.forget_session(&id);
    state.history.remove_instance(&id)?;
    state.instances_state().await
}

/// `instances_set_default`.
#[tauri::command]
pub async fn instances_set_default(
    state: State<'_, AppState>,
    id: String,
) -> Result<InstancesState> {
    state.profiles.lock().await.set_default(Some(&id))?;
    state.instances_state().await
}

/// `instances_set_active`.
#[tauri::command]
pub async fn instances_set_active(
    state: State<'_, AppState>,
    id: String,
) -> Result<InstancesState> {
    state.profiles.lock().await.set_active(Some(&id))?;
    state.instances_state().await
}

/// `instances_probe`: what the add-instance wizard learns about an address.
#[tauri::command]
pub async fn instances_probe(address: String) -> Result<ProbeResult> {
    let p = dhis2w_client::probe(&address).await?;
    let method = |m: dhis2w_client::probe::MethodSupport| dto::MethodSupport {
        available: m.available,
        reason: m.reason,
    };
    Ok(ProbeResult {
        canonical_url: p.canonical_url,
        version: p.version,
        system_name: p.system_name,
        methods: dto::ProbeMethods {
            basic: method(p.methods.basic),
            pat: method(p.methods.pat),
            oauth2: method(p.methods.oauth2),
        },
        recommended: match p.recommended {
            dhis2w_client::SignInMethod::Basic => dto::AuthKind::Basic,
            dhis2w_client::SignInMethod::Pat => dto::AuthKind::Pat,
            dhis2w_client::SignInMethod::Oauth2 => dto::AuthKind::Oauth2,
        },
        redirect_uris: dto::RedirectUris {
            loopback: p.redirect_uris.loopback,
            deep_link: p.redirect_uris.deep_link,
        },
    })
}

/// Checks credentials with `GET /api/me` (and the version from `/api/system/info`).
async fn verify_with(client: &Dhis2Client) -> Result<VerifyResult> {
    let me = client.me().await?;
    let version = client.system_info().await.ok().and_then(|s| s.version);
    let username = me.username().unwrap_or_default().to_owned();
    let display_name = me
        .display_name()
        .map(str::to_owned)
        .unwrap_or_else(|| username.clone());
    Ok(VerifyResult {
        username,
        display_name,
        version,
    })
}

/// `instances_verify`: checks the Basic or PAT credentials typed in the form, before saving.
/// Never opens a browser; OAuth2 is checked by signing in.
#[tauri::command]
pub async fn instances_verify(input: InstanceInput) -> Result<VerifyResult> {
    let base = dhis2w_client::client::normalise_base_url(&input.base_url)?;
    let auth: Arc<dyn AuthProvider> =
        match input.auth_kind {
            AuthKind::Basic => {
                let password = input.password.filter(|p| !p.is_empty()).ok_or_else(|| {
                    Error::new(ErrorKind::InvalidInput, "Enter the password to check it.")
                })?;
                let username = input.username.unwrap_or_default();
                Arc::new(BasicAuth::new(username, password.into())?)
            }
            AuthKind::Pat => {
                let pat = input.pat.filter(|p| !p.is_empty()).ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidInput,
                        "Paste the personal access token to check it.",
                    )
                })?;
                Arc::new(PatAuth::new(pat.into())?)
            }
            AuthKind::Oauth2 => return Err(Error::new(
                ErrorKind::InvalidInput,
                "OAuth2 sign-in is checked by signing in: save the instance, then click Sign in.",
            )),
        };
    let client = Dhis2Client::new(
        base.as_str(),
        auth,
        client_options(input.ca_cert_path.as_deref()),
    )?;
    verify_with(&client).await
}

/// `instances_verify_saved`: checks a saved instance's stored credentials (or OAuth2 token).
/// Never opens a browser.
#[tauri::command]
pub async fn instances_verify_saved<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
) -> Result<VerifyResult> {
    let session = state.session(&id).await?;
    let result = verify_with(&session.client).await;
    if let Err(e) = &result {
        // A refused password/PAT makes the instance "needs sign-in".
        state.credentials.observe_error(&id, e);
    }
    super::session::notify_auth_failure(&app, &state, &id, &result).await;
    let result = result?;
    state.credentials.remember_user(
        &id,
        dhis2w_client::SessionUser {
            username: result.username.clone(),
            display_name: result.display_name.clone(),
        },
    );
    Ok(result)
}

/// `instances_import_cli`: imports the dhis2w CLI's profiles (`path`, or its default places).
#[tauri::command]
pub async fn instances_import_cli(
    state: State<'_, AppState>,
    path: Option<String>,
) -> Result<ImportReport> {
    let paths: Vec<PathBuf> = match path.filter(|p| !p.trim().is_empty()) {
        Some(p) => vec![PathBuf::from(p)],
        None => dhis2w_default_paths(),
    };
    let report = state
        .profiles
        .lock()
        .await
        .import_dhis2w(&paths, &state.secrets)
        .await?;
    Ok(report.into())
}
