//! Conversions between the UI's types ([`crate::dto`]) and the core's.

use crate::dto;
use dhis2w_client::history as core_history;
use dhis2w_client::profile as core;
use dhis2w_client::secret_store;
use dhis2w_client::Secret;

impl From<core::AuthKind> for dto::AuthKind {
    fn from(k: core::AuthKind) -> Self {
        match k {
            core::AuthKind::Basic => Self::Basic,
            core::AuthKind::Pat => Self::Pat,
            core::AuthKind::Oauth2 => Self::Oauth2,
        }
    }
}

impl From<dto::AuthKind> for core::AuthKind {
    fn from(k: dto::AuthKind) -> Self {
        match k {
            dto::AuthKind::Basic => Self::Basic,
            dto::AuthKind::Pat => Self::Pat,
            dto::AuthKind::Oauth2 => Self::Oauth2,
        }
    }
}

impl From<core::RedirectMode> for dto::RedirectMode {
    fn from(m: core::RedirectMode) -> Self {
        match m {
            core::RedirectMode::Loopback => Self::Loopback,
            core::RedirectMode::DeepLink => Self::DeepLink,
        }
    }
}

impl From<dto::RedirectMode> for core::RedirectMode {
    fn from(m: dto::RedirectMode) -> Self {
        match m {
            dto::RedirectMode::Loopback => Self::Loopback,
            dto::RedirectMode::DeepLink => Self::DeepLink,
        }
    }
}

impl From<core::OAuth2Settings> for dto::OAuth2Settings {
    fn from(o: core::OAuth2Settings) -> Self {
        Self {
            client_id: o.client_id,
            scope: o.scope,
            redirect_mode: o.redirect_mode.into(),
        }
    }
}

impl From<dto::OAuth2Settings> for core::OAuth2Settings {
    fn from(o: dto::OAuth2Settings) -> Self {
        Self {
            client_id: o.client_id,
            scope: o.scope,
            redirect_mode: o.redirect_mode.into(),
        }
    }
}

impl From<secret_store::StoredSecrets> for dto::StoredSecrets {
    fn from(s: secret_store::StoredSecrets) -> Self {
        Self {
            password: s.password,
            pat: s.pat,
            client_secret: s.client_secret,
            token: s.token,
        }
    }
}

impl From<secret_store::StorageStatus> for dto::StorageStatus {
    fn from(s: secret_store::StorageStatus) -> Self {
        Self {
            mode: match s.mode {
                secret_store::StorageMode::Keyring => dto::StorageMode::Keyring,
                secret_store::StorageMode::SessionOnly => dto::StorageMode::SessionOnly,
            },
            detail: s.detail,
        }
    }
}

/// An instance for the UI, with which secrets are stored (never their values).
pub fn instance(i: core::Instance, secrets: secret_store::StoredSecrets) -> dto::Instance {
    dto::Instance {
        id: i.id,
        name: i.name,
        base_url: i.base_url,
        auth_kind: i.auth_kind.into(),
        username: i.username,
        oauth2: i.oauth2.map(Into::into),
        ca_cert_path: i.ca_cert_path,
        color: i.color,
        notes: i.notes,
        secrets: secrets.into(),
    }
}

fn secret(value: Option<String>) -> Option<Secret> {
    value.filter(|v| !v.is_empty()).map(Secret::new)
}

impl From<dto::InstanceInput> for core::InstanceInput {
    fn from(i: dto::InstanceInput) -> Self {
        Self {
            name: i.name,
            base_url: i.base_url,
            auth_kind: Some(i.auth_kind.into()),
            username: i.username,
            oauth2: i.oauth2.map(Into::into),
            ca_cert_path: i.ca_cert_path,
            color: i.color,
            notes: i.notes,
            password: secret(i.password),
            pat: secret(i.pat),
            client_secret: secret(i.client_secret),
        }
    }
}

impl From<core::ImportReport> for dto::ImportReport {
    fn from(r: core::ImportReport) -> Self {
        Self {
            imported: r
                .imported
                .into_iter()
                .map(|p| dto::ImportedInstance {
                    name: p.name,
                    instance_id: p.instance_id,
                })
                .collect(),
            skipped: r
                .skipped
                .into_iter()
                .map(|p| dto::SkippedInstance {
                    name: p.name,
                    reason: p.reason,
                })
                .collect(),
        }
    }
}

impl From<core_history::HistoryEntry> for dto::HistoryEntry {
    fn from(e: core_history::HistoryEntry) -> Self {
        Self {
            id: e.id,
            path: e.path,
            query: e.query,
            status: e.status,
            at: e.at,
            pinned: e.pinned,
        }
    }
}

/// History entries for the UI.
pub fn history(entries: Vec<core_history::HistoryEntry>) -> Vec<dto::HistoryEntry> {
    entries.into_iter().map(Into::into).collect()
}

impl From<dhis2w_client::SessionUser> for dto::SessionUser {
    fn from(u: dhis2w_client::SessionUser) -> Self {
        Self {
            username: u.username,
            display_name: u.display_name,
        }
    }
}

impl From<dhis2w_client::SessionState> for dto::SessionState {
    fn from(s: dhis2w_client::SessionState) -> Self {
        match s {
            dhis2w_client::SessionState::SignedIn => Self::SignedIn,
            dhis2w_client::SessionState::SignedOut => Self::SignedOut,
            dhis2w_client::SessionState::NeedsSignIn => Self::NeedsSignIn,
        }
    }
}

impl From<dhis2w_client::ResourcePath> for dto::ResourcePath {
    fn from(r: dhis2w_client::ResourcePath) -> Self {
        Self {
            path: r.path,
            display_name: r.display_name,
        }
    }
}

impl From<&core::Recovery> for dto::Recovery {
    fn from(r: &core::Recovery) -> Self {
        Self {
            backup_path: r.backup_path.display().to_string(),
            reason: r.reason.clone(),
        }
    }
}
