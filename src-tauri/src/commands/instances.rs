//! `instances_*` commands: the saved DHIS2 instances.

use crate::dto::{
    self, AppRegistrationPlan, ImportReport, InstanceInput, InstancesState, ProbeResult,
    RegisteredApp, VerifyResult,
};
use crate::state::AppState;
use dhis2w_client::profile::dhis2w_default_paths;
use dhis2w_client::Result;
use std::path::PathBuf;
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
    let inst = state.add_instance(&input.into()).await?;
    state.instance_dto(inst).await
}

/// `instances_edit`: secrets left `null` keep what is stored.
#[tauri::command]
pub async fn instances_edit(
    state: State<'_, AppState>,
    id: String,
    input: InstanceInput,
) -> Result<dto::Instance> {
    let inst = state.edit_instance(&id, &input.into()).await?;
    state.instance_dto(inst).await
}

/// `instances_remove`: also deletes its secrets, tokens and request history.
#[tauri::command]
pub async fn instances_remove(state: State<'_, AppState>, id: String) -> Result<InstancesState> {
    state.remove_instance(&id).await?;
    state.instances_state().await
}

/// `instances_set_default`.
#[tauri::command]
pub async fn instances_set_default(
    state: State<'_, AppState>,
    id: String,
) -> Result<InstancesState> {
    state.set_default(&id).await?;
    state.instances_state().await
}

/// `instances_set_active`.
#[tauri::command]
pub async fn instances_set_active(
    state: State<'_, AppState>,
    id: String,
) -> Result<InstancesState> {
    state.set_active(&id).await?;
    state.instances_state().await
}

/// `instances_probe`: what the add-instance wizard learns about an address.
#[tauri::command]
pub async fn instances_probe(address: String, ca_cert_path: Option<String>) -> Result<ProbeResult> {
    // A server with its organisation's own certificate authority is checked with that CA
    // (read and validated by the client builder: a regular PEM file under 1 MB).
    let options = dhis2w_client::ClientOptions {
        extra_ca_pem: ca_cert_path
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .map(std::path::PathBuf::from),
        ..dhis2w_client::ClientOptions::default()
    };
    let http = dhis2w_client::build_http_client(&options)?;
    let p = dhis2w_client::probe::probe_with(&http, &address).await?;
    let method = |m: dhis2w_client::probe::MethodSupport| dto::MethodSupport {
        available: m.available,
        reason: m.reason,
        code: m.code,
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

/// `instances_verify`: checks the Basic or PAT credentials typed in the form, before saving.
/// Never opens a browser; OAuth2 is checked by signing in.
#[tauri::command]
pub async fn instances_verify(input: InstanceInput) -> Result<VerifyResult> {
    dhis2w_client::workspace::sessions::verify_input(&input.into()).await
}

/// `instances_verify_saved`: checks a saved instance's stored credentials (or OAuth2 token).
/// Never opens a browser.
#[tauri::command]
pub async fn instances_verify_saved<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
) -> Result<VerifyResult> {
    let result = state.verify_saved(&id).await;
    super::session::notify_auth_failure(&app, &state, &id, &result).await;
    result
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
    Ok(state.import_dhis2w(&paths).await?.into())
}

/// `instances_plan_registration`: what "Register dhis2w Desktop on this server" would create
/// (the payload, with the secret's hash left out) for a password or PAT instance whose user may
/// manage OAuth2 clients. Sends only reads.
#[tauri::command]
pub async fn instances_plan_registration(
    state: State<'_, AppState>,
    id: String,
    refresh_days: u32,
) -> Result<AppRegistrationPlan> {
    state.plan_app_registration(&id, refresh_days).await
}

/// `instances_register_app`: creates the planned OAuth2 client (`clientId` from the plan), keeps
/// its secret in the keyring and switches the instance to browser sign-in with it.
#[tauri::command]
pub async fn instances_register_app(
    state: State<'_, AppState>,
    id: String,
    client_id: String,
    refresh_days: u32,
) -> Result<RegisteredApp> {
    state.register_app(&id, &client_id, refresh_days).await
}
