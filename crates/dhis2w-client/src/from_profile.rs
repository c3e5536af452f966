//! Where profiles meet auth: an [`Instance`] plus its secrets from the [`SecretStore`] become an
//! [`AuthProvider`]. This is the only place that reads secrets to build providers.

use crate::auth::oauth2::DeviceRegistration;
use crate::auth::{BasicAuth, ClientAuth, OAuth2Auth, OAuth2Config, PatAuth};
use crate::client::{normalise_base_url, ClientOptions};
use crate::profile::{AuthKind, Instance};
use crate::secret_store::{KeyringTokenStore, SecretKind, SecretStore};
use crate::{AuthProvider, Error, ErrorKind, Result};
use std::path::PathBuf;
use std::sync::Arc;

/// The provider built for an instance, typed so the app can reach method-specific calls
/// (OAuth2 sign-in, sign-out, status) while the client only needs [`Self::provider`].
#[derive(Clone)]
pub enum ProfileAuth {
    /// HTTP Basic.
    Basic(Arc<BasicAuth>),
    /// Personal access token.
    Pat(Arc<PatAuth>),
    /// OAuth2 (tokens kept in the secret store through a [`KeyringTokenStore`]).
    OAuth2(Arc<OAuth2Auth>),
}

impl std::fmt::Debug for ProfileAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Basic(_) => "ProfileAuth::Basic",
            Self::Pat(_) => "ProfileAuth::Pat",
            Self::OAuth2(_) => "ProfileAuth::OAuth2",
        })
    }
}

impl ProfileAuth {
    /// The provider as the client uses it.
    pub fn provider(&self) -> Arc<dyn AuthProvider> {
        match self {
            Self::Basic(p) => p.clone(),
            Self::Pat(p) => p.clone(),
            Self::OAuth2(p) => p.clone(),
        }
    }

    /// The OAuth2 provider, for sign-in / sign-out / status.
    pub fn oauth2(&self) -> Option<&Arc<OAuth2Auth>> {
        match self {
            Self::OAuth2(p) => Some(p),
            _ => None,
        }
    }
}

/// Default [`ClientOptions`] for `instance`: trusts its extra CA certificate, if it has one.
pub fn client_options(instance: &Instance) -> ClientOptions {
    ClientOptions {
        extra_ca_pem: instance.ca_cert_path.as_ref().map(PathBuf::from),
        ..ClientOptions::default()
    }
}

fn missing(instance: &Instance, what: &str) -> Error {
    Error::new(
        ErrorKind::SignInRequired,
        format!(
            "No {what} is saved for \"{}\". Enter it in the instance's settings.",
            instance.name
        ),
    )
}

/// Builds the provider for `instance` with the secrets stored for it, using `options` for
/// OAuth2's own HTTP calls (see [`client_options`]).
///
/// * Basic: the username from the profile and the stored password; no password is
///   [`ErrorKind::SignInRequired`].
/// * PAT: the stored token, checked offline (a mistyped one is [`ErrorKind::PatMalformed`]);
///   none is [`ErrorKind::SignInRequired`].
/// * OAuth2: the client id, scope override and, when one is stored, the client secret
///   (`client_secret_basic`; a public client otherwise). Tokens are read from and written to
///   the secret store. Nothing is sent and no browser opens here.
pub async fn profile_auth(
    instance: &Instance,
    secrets: &SecretStore,
    options: &ClientOptions,
) -> Result<ProfileAuth> {
    match instance.auth_kind {
        AuthKind::Basic => {
            let username = instance
                .username
                .as_deref()
                .ok_or_else(|| missing(instance, "username"))?;
            let password = secrets
                .reveal(&instance.id, SecretKind::Password)
                .await?
                .ok_or_else(|| missing(instance, "password"))?;
            Ok(ProfileAuth::Basic(Arc::new(BasicAuth::new(
                username, password,
            )?)))
        }
        AuthKind::Pat => {
            let token = secrets
                .reveal(&instance.id, SecretKind::Pat)
                .await?
                .ok_or_else(|| missing(instance, "personal access token"))?;
            Ok(ProfileAuth::Pat(Arc::new(PatAuth::new(token)?)))
        }
        AuthKind::Oauth2 => {
            let settings = instance.oauth2.as_ref().ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidInput,
                    format!(
                        "\"{}\" has no OAuth2 client id. Enter it in the instance's settings.",
                        instance.name
                    ),
                )
            })?;
            let mut config = OAuth2Config {
                profile: instance.id.clone(),
                base_url: instance.base_url.clone(),
                client_id: settings.client_id.clone(),
                client_auth: match secrets
                    .reveal(&instance.id, SecretKind::ClientSecret)
                    .await?
                {
                    Some(s) => ClientAuth::SecretBasic(s),
                    None => ClientAuth::None,
                },
                scope: settings.scope.clone(),
            };
            // "Keep me signed in": this computer's own registration replaces the instance's
            // app registration while it belongs to the same address.
            // A damaged key is ignored (the ordinary sign-in is used) and stays until "Forget
            // this computer" or the instance's removal.
            if let Some(reg) = stored_registration(instance, secrets).await? {
                match reg.key() {
                    Ok(key) => {
                        config.client_id = reg.client_id.clone();
                        config.scope = Some(reg.scope.clone());
                        config.client_auth = ClientAuth::PrivateKeyJwt(Arc::new(key));
                    }
                    Err(e) => {
                        tracing::warn!("this computer's registration is not used: {}", e.message())
                    }
                }
            }
            let store = Arc::new(KeyringTokenStore::new(secrets.clone()));
            Ok(ProfileAuth::OAuth2(Arc::new(OAuth2Auth::new(
                config, store, options,
            )?)))
        }
    }
}

/// This computer's registration for `instance` ("keep me signed in"), when one is stored for
/// its current address (a registration never follows an address change).
async fn stored_registration(
    instance: &Instance,
    secrets: &SecretStore,
) -> Result<Option<DeviceRegistration>> {
    let Some(secret) = secrets.reveal(&instance.id, SecretKind::DeviceKey).await? else {
        return Ok(None);
    };
    let base = normalise_base_url(&instance.base_url)?;
    let base = base.as_str().trim_end_matches('/');
    Ok(DeviceRegistration::from_secret(&secret).filter(|r| r.base_url == base))
}

/// [`profile_auth`] with [`client_options`], as the `Arc<dyn AuthProvider>` the client takes.
pub async fn auth_provider(
    instance: &Instance,
    secrets: &SecretStore,
) -> Result<Arc<dyn AuthProvider>> {
    Ok(profile_auth(instance, secrets, &client_options(instance))
        .await?
        .provider())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{OAuth2Settings, RedirectMode};

    fn instance(kind: AuthKind) -> Instance {
        Instance {
            id: "inst1".into(),
            name: "Test".into(),
            base_url: "https://dhis2.example.org".into(),
            auth_kind: kind,
            username: Some("admin".into()),
            oauth2: Some(OAuth2Settings {
                client_id: "dhis2w-desktop".into(),
                scope: None,
                redirect_mode: RedirectMode::Loopback,
            }),
            ca_cert_path: None,
            color: None,
            notes: None,
        }
    }

    #[tokio::test]
    async fn basic_needs_a_stored_password() {
        let secrets = SecretStore::session_only(None);
        let inst = instance(AuthKind::Basic);
        let e = auth_provider(&inst, &secrets).await.err().unwrap();
        assert_eq!(e.kind(), ErrorKind::SignInRequired);
        secrets
            .set("inst1", SecretKind::Password, "district".into())
            .await
            .unwrap();
        let p = auth_provider(&inst, &secrets).await.unwrap();
        assert_eq!(p.scheme(), "basic");
        let h = p.headers().await.unwrap();
        let v = h.get(reqwest::header::AUTHORIZATION).unwrap();
        assert!(v.is_sensitive());
    }

    #[tokio::test]
    async fn pat_is_checked_offline() {
        let secrets = SecretStore::session_only(None);
        let inst = instance(AuthKind::Pat);
        assert_eq!(
            auth_provider(&inst, &secrets).await.err().unwrap().kind(),
            ErrorKind::SignInRequired
        );
        secrets
            .set("inst1", SecretKind::Pat, "not-a-pat".into())
            .await
            .unwrap();
        assert_eq!(
            auth_provider(&inst, &secrets).await.err().unwrap().kind(),
            ErrorKind::PatMalformed
        );
    }

    #[tokio::test]
    async fn oauth2_uses_the_secret_store_for_tokens() {
        let secrets = SecretStore::session_only(None);
        let inst = instance(AuthKind::Oauth2);
        let auth = profile_auth(&inst, &secrets, &client_options(&inst))
            .await
            .unwrap();
        let o = auth.oauth2().unwrap();
        assert_eq!(o.token_key().profile, "inst1");
        assert_eq!(o.token_key().base_url, "https://dhis2.example.org");
        assert_eq!(auth.provider().scheme(), "oauth2");
        // Not signed in yet: no token in the store.
        assert!(!secrets.has("inst1", SecretKind::OAuth2Token).await.unwrap());
        let mut no_client = inst.clone();
        no_client.oauth2 = None;
        assert_eq!(
            auth_provider(&no_client, &secrets)
                .await
                .err()
                .unwrap()
                .kind(),
            ErrorKind::InvalidInput
        );
    }
}
