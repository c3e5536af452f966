//! "Register dhis2w Desktop on this server" for administrators (issue 10): what will be created,
//! shown first; then the OAuth2 client is created, its secret kept in the keyring, and the
//! instance switched to browser sign-in with it. The payload per version is in
//! [`crate::app_registration`].

use super::Workspace;
use crate::app_registration::{self as reg, AppRegistrationPlan};
use crate::models::Dhis2Version;
use crate::profile::{AuthKind, Instance, OAuth2Settings, RedirectMode};
use crate::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};

/// The outcome of [`Workspace::register_app`].
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredApp {
    /// The instance, now signing in through the browser with the new registration.
    pub instance_id: String,
    /// The OAuth2 client id DHIS2 now knows.
    pub client_id: String,
}

struct Prepared {
    plan: AppRegistrationPlan,
    version: Dhis2Version,
    instance: Instance,
}

impl Workspace {
    /// What "Register dhis2w Desktop on this server" would create for instance `id`, whose
    /// password or personal access token is used to create it. Refused (nothing sent but two
    /// reads) when that user may not manage OAuth2 clients or the version has no OAuth2 server.
    pub async fn plan_app_registration(
        &self,
        id: &str,
        refresh_days: u32,
    ) -> Result<AppRegistrationPlan> {
        Ok(self.prepare_registration(id, refresh_days).await?.plan)
    }

    async fn prepare_registration(&self, id: &str, refresh_days: u32) -> Result<Prepared> {
        let instance = self.instance(id).await?;
        if instance.auth_kind == AuthKind::Oauth2 {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "This instance signs in through the browser already. To register the app, use an \
                 instance that signs in with a password or a personal access token.",
            ));
        }
        let refresh_days = reg::check_refresh_days(refresh_days)?;
        let session = self.request_session(id).await?;
        let me = session.client.me().await?;
        // dhis2-dcr.md §6 "Authority": F_OAUTH2_CLIENT_MANAGE (superusers have ALL).
        if !me
            .authorities
            .iter()
            .any(|a| a == "ALL" || a == "F_OAUTH2_CLIENT_MANAGE")
        {
            return Err(reg::explain_refusal(403, ""));
        }
        let version = reg::check_version(
            session
                .client
                .system_info()
                .await?
                .version
                .as_deref()
                .and_then(Dhis2Version::parse),
        )?;
        let client_id = reg::new_client_id();
        let mut payload = reg::payload(
            version,
            &client_id,
            reg::SECRET_PLACEHOLDER,
            refresh_days,
            false,
        );
        // The settings are JSON inside strings: shown unpacked, so the preview can be read.
        for k in ["clientSettings", "tokenSettings"] {
            if let Some(parsed) = payload[k]
                .as_str()
                .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
            {
                payload[k] = parsed;
            }
        }
        let plan = AppRegistrationPlan {
            version: format!("{}.{}.{}", version.0, version.1, version.2),
            client_id,
            redirect_uris: reg::redirect_uris(false),
            scopes: reg::scopes_for(version).to_owned(),
            refresh_days,
            payload: serde_json::to_string_pretty(&payload).unwrap_or_default(),
        };
        Ok(Prepared {
            plan,
            version,
            instance,
        })
    }

    /// Registers dhis2w Desktop on instance `id`'s DHIS2 as planned by
    /// [`Self::plan_app_registration`] (client id `plan_client_id`): creates the OAuth2 client
    /// with a new secret (sent as its BCrypt hash, kept in the keyring), then switches the
    /// instance to browser sign-in with it. DHIS2's refusals come back in plain words.
    pub async fn register_app(
        &self,
        id: &str,
        plan_client_id: &str,
        refresh_days: u32,
    ) -> Result<RegisteredApp> {
        let Prepared {
            version, instance, ..
        } = self.prepare_registration(id, refresh_days).await?;
        let planned = plan_client_id
            .strip_prefix("dhis2w-desktop-")
            .is_some_and(|tail| {
                !tail.is_empty() && tail.chars().all(|c| c.is_ascii_alphanumeric())
            });
        if !planned {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "That is not a client id this app planned. Look at the plan again.",
            ));
        }
        let (secret, hash) = reg::new_secret()?;
        let body = reg::payload(version, plan_client_id, &hash, refresh_days, false);
        let session = self.request_session(id).await?;
        let resp = session
            .client
            .request(
                reqwest::Method::POST,
                "/api/oAuth2Clients",
                &[],
                Some((
                    "application/json".to_owned(),
                    bytes::Bytes::from(body.to_string()),
                )),
            )
            .await?;
        if !(200..300).contains(&resp.status) {
            let message = serde_json::from_slice::<serde_json::Value>(&resp.body)
                .ok()
                .and_then(|j| j.get("message").and_then(|m| m.as_str()).map(str::to_owned))
                .unwrap_or_default();
            return Err(reg::explain_refusal(resp.status, &message));
        }
        let mut input = crate::profile::input_from(&instance);
        input.auth_kind = Some(AuthKind::Oauth2);
        input.oauth2 = Some(OAuth2Settings {
            client_id: plan_client_id.to_owned(),
            scope: None,
            redirect_mode: RedirectMode::Loopback,
        });
        input.client_secret = Some(secret);
        let instance = self.edit_instance(id, &input).await?;
        Ok(RegisteredApp {
            instance_id: instance.id,
            client_id: plan_client_id.to_owned(),
        })
    }
}
