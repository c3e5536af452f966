//! Conversions between the UI's types ([`crate::dto`]) and the core's.

use crate::dto;
use dhis2w_client::profile as core;
use dhis2w_client::secret_store;
use dhis2w_client::Secret;

/// An instance for the UI, with which secrets are stored (never their values).
pub fn instance(i: core::Instance, secrets: secret_store::StoredSecrets) -> dto::Instance {
    dto::Instance {
        id: i.id,
        name: i.name,
        base_url: i.base_url,
        auth_kind: i.auth_kind,
        username: i.username,
        oauth2: i.oauth2,
        ca_cert_path: i.ca_cert_path,
        color: i.color,
        notes: i.notes,
        secrets,
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
            auth_kind: Some(i.auth_kind),
            username: i.username,
            oauth2: i.oauth2,
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
                    code: serde_json::to_value(p.code)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    param: p.param,
                    reason: p.reason,
                })
                .collect(),
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
