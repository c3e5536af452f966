//! Tokens: the token endpoint's answers, the in-memory token state (single flight), the code
//! and refresh grants, and "Renew now".

use super::*;

#[derive(Deserialize)]
pub(super) struct TokenResponse {
    pub(super) access_token: String,
    #[serde(default)]
    pub(super) refresh_token: Option<String>,
    #[serde(default)]
    pub(super) expires_in: Option<serde_json::Value>,
    #[serde(default)]
    pub(super) scope: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct OAuthErrorBody {
    #[serde(default)]
    pub(super) error: Option<String>,
    #[serde(default)]
    pub(super) error_description: Option<String>,
}

pub(super) struct TokenState {
    pub(super) loaded: bool,
    pub(super) token: Option<OAuth2Token>,
    /// When this process obtained `token` (unix seconds); `None` for a token read from the store.
    pub(super) obtained_at: Option<i64>,
    /// The server answered 401 to `token` and it has no refresh token (see
    /// [`TokenStatus::rejected`]). Cleared whenever `token` is replaced.
    pub(super) rejected: bool,
}

impl TokenState {
    /// Makes `token` the current one (a sign-in or refresh), forgetting an earlier rejection.
    pub(super) fn replace(&mut self, token: Option<OAuth2Token>) {
        self.obtained_at = token.as_ref().map(|_| now());
        self.token = token;
        self.rejected = false;
    }
}

impl TokenState {
    /// How long before expiry to refresh: [`REFRESH_MARGIN_SECS`]; for a token whose whole
    /// lifetime is no longer than that, half its lifetime, so that such a server does not get a
    /// refresh on every request.
    pub(super) fn refresh_margin(&self) -> i64 {
        match (&self.token, self.obtained_at) {
            (Some(t), Some(at)) if t.expires_at.saturating_sub(at) <= REFRESH_MARGIN_SECS => {
                (t.expires_at.saturating_sub(at) / 2).max(0)
            }
            _ => REFRESH_MARGIN_SECS,
        }
    }
}

/// Which grant a token request is, for error words.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Grant {
    Code,
    Refresh,
}

impl OAuth2Auth {
    pub(super) async fn token_request(
        &self,
        meta: &ServerMetadata,
        form: &mut Vec<(&'static str, String)>,
        grant: Grant,
        previous: Option<&OAuth2Token>,
    ) -> Result<OAuth2Token> {
        let (status, headers, body) = self
            .post_form(&meta.token_endpoint, std::mem::take(form))
            .await?;
        if status.is_success() {
            let tr: TokenResponse = serde_json::from_slice(&body).map_err(|e| {
                Error::new(
                    ErrorKind::OauthError,
                    "DHIS2's token answer was not understood. Ask your DHIS2 administrator to \
                     check the OAuth2 server.",
                )
                .with_source(e)
            })?;
            return Ok(self.token_from_response(tr, previous));
        }
        let err: OAuthErrorBody = if is_json(&headers) {
            serde_json::from_slice(&body).unwrap_or_default()
        } else {
            OAuthErrorBody::default()
        };
        let code = err.error.as_deref().unwrap_or("");
        let detail = err
            .error_description
            .as_deref()
            .filter(|d| !d.is_empty())
            .map(|d| format!(" (DHIS2 said: \"{d}\")"))
            .unwrap_or_default();
        Err(match (code, grant) {
            ("invalid_grant", Grant::Refresh) => Error::new(
                ErrorKind::SignInRequired,
                "Your DHIS2 sign-in has ended (the server no longer accepts it). Sign in again.",
            ),
            ("invalid_grant", Grant::Code) => Error::new(
                ErrorKind::OauthError,
                format!(
                    "DHIS2 refused the sign-in code{detail}: it expired, was already used, or the \
                     redirect address did not match. Sign in again."
                ),
            ),
            ("invalid_client", _) | ("unauthorized_client", _) => Error::new(
                ErrorKind::OauthError,
                format!(
                    "DHIS2 did not accept the app's OAuth2 client id or secret{detail}. Check them \
                     in the instance settings, or ask your DHIS2 administrator (the secret must be \
                     stored as a BCrypt hash in DHIS2)."
                ),
            ),
            ("", _) if status == StatusCode::UNAUTHORIZED || status.is_redirection() => {
                not_enabled("its token endpoint does not behave like an OAuth2 server")
            }
            (_, _) if status.is_server_error() => Error::new(
                ErrorKind::ServerError,
                format!(
                    "DHIS2 had a problem issuing the sign-in token (HTTP {}). Try again later; if it \
                     keeps happening, ask your DHIS2 administrator to check the OAuth2 client \
                     settings.",
                    status.as_u16()
                ),
            ),
            (other, _) => Error::new(
                ErrorKind::OauthError,
                format!(
                    "DHIS2 refused the token request ({}){detail}. Try signing in again; if it \
                     keeps happening, ask your DHIS2 administrator.",
                    if other.is_empty() { status.as_str() } else { other }
                ),
            ),
        })
    }

    pub(super) fn token_from_response(
        &self,
        tr: TokenResponse,
        previous: Option<&OAuth2Token>,
    ) -> OAuth2Token {
        let expires_in = tr.expires_in.as_ref().and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        });
        // The server's numbers are untrusted: clamp them into [now, now + a year].
        let now = now();
        let latest = now.saturating_add(MAX_TOKEN_LIFETIME_SECS);
        let expires_at = match expires_in {
            Some(s) => now.saturating_add(s.clamp(0, MAX_TOKEN_LIFETIME_SECS)),
            None => jwt_exp(&tr.access_token)
                .map(|exp| exp.clamp(now, latest))
                .unwrap_or(now + 300),
        };
        let scopes = match tr.scope {
            Some(s) => s.split_whitespace().map(str::to_owned).collect(),
            None => previous.map(|p| p.scopes.clone()).unwrap_or_default(),
        };
        OAuth2Token {
            key: self.key.clone(),
            access_token: Secret::new(tr.access_token),
            // A refresh that returns no refresh token keeps the old one.
            refresh_token: tr
                .refresh_token
                .filter(|r| !r.is_empty())
                .map(Secret::new)
                .or_else(|| previous.and_then(|p| p.refresh_token.clone())),
            expires_at,
            scopes,
        }
    }

    /// Refreshes with the refresh token; `st` is held by the caller (single flight).
    pub(super) async fn refresh_locked(&self, st: &mut TokenState) -> Result<()> {
        let Some(current) = st.token.clone() else {
            return Err(sign_in_required());
        };
        let Some(refresh) = current.refresh_token.clone() else {
            return Err(Error::new(
                ErrorKind::SignInRequired,
                "Your DHIS2 sign-in has expired. Sign in again. (This app registration gets no \
                 refresh token from DHIS2, so sign-ins last about 5 minutes; ask your DHIS2 \
                 administrator for a confidential client or a longer token lifetime.)",
            ));
        };
        let meta = self.metadata().await?.clone();
        let mut form = vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", refresh.expose().to_owned()),
        ];
        match self
            .token_request(&meta, &mut form, Grant::Refresh, Some(&current))
            .await
        {
            Ok(token) => {
                // Memory first: the server may have rotated the refresh token, so the new one
                // is the only one that still works and must survive a keyring failure.
                let changed = Some(&token) != st.token.as_ref();
                st.replace(Some(token.clone()));
                if changed {
                    if let Err(e) = self.store.set(&self.key, &token).await {
                        return Err(Error::new(
                            e.kind(),
                            format!(
                                "DHIS2 renewed your sign-in, but it could not be saved in the \
                                 keyring ({}). You stay signed in until you close the app; \
                                 unlock or repair the keyring to keep the sign-in after that.",
                                e.message().trim_end_matches('.')
                            ),
                        )
                        .with_source(e));
                    }
                }
                Ok(())
            }
            Err(e) if e.kind() == ErrorKind::SignInRequired => {
                st.replace(None);
                if let Err(del) = self.store.delete(&self.key).await {
                    tracing::warn!("could not delete the refused token: {}", del.message());
                }
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Forces a refresh now (e.g. a "Refresh" button). Fails with
    /// [`ErrorKind::SignInRequired`] when impossible.
    pub async fn refresh_now(&self) -> Result<()> {
        let mut st = self.state.lock().await;
        self.ensure_loaded(&mut st).await?;
        self.refresh_locked(&mut st).await
    }
}
