//! Signing out: the stored tokens are deleted first, then revoked where DHIS2 allows it.

use super::*;

impl OAuth2Auth {
    /// Signs out: deletes the stored token first (so that a slow or failing revocation, or the
    /// app closing meanwhile, never leaves the user signed in on this computer), then revokes
    /// the refresh and access tokens at the revocation endpoint (best effort; public clients
    /// cannot revoke on DHIS2). When the local delete fails, the tokens are still revoked and
    /// the delete's error is returned.
    pub async fn sign_out(&self) -> Result<SignOutReport> {
        let mut st = self.state.lock().await;
        self.ensure_loaded(&mut st).await?;
        let token = st.token.take();
        st.replace(None);
        st.loaded = true;
        let deleted = self.store.delete(&self.key).await;
        let report = match token {
            None => SignOutReport {
                revoked: false,
                detail: Some("You were not signed in.".into()),
            },
            Some(t) => self.revoke(&t).await,
        };
        deleted?;
        Ok(report)
    }

    pub(super) async fn revoke(&self, token: &OAuth2Token) -> SignOutReport {
        if matches!(self.config.client_auth, ClientAuth::None) {
            return SignOutReport {
                revoked: false,
                detail: Some(
                    "Signed out on this computer. DHIS2 does not let public app registrations \
                     revoke tokens, so the last access token stays valid until it expires (about \
                     5 minutes)."
                        .into(),
                ),
            };
        }
        let meta = match self.metadata().await {
            Ok(m) => m.clone(),
            Err(e) => {
                return SignOutReport {
                    revoked: false,
                    detail: Some(format!(
                        "Signed out on this computer, but DHIS2 could not be told: {}",
                        e.message()
                    )),
                }
            }
        };
        let Some(endpoint) = meta.revocation_endpoint.clone() else {
            return SignOutReport {
                revoked: false,
                detail: Some(
                    "Signed out on this computer; this server has no revocation endpoint.".into(),
                ),
            };
        };
        let mut targets = vec![];
        if let Some(r) = &token.refresh_token {
            targets.push((r.expose().to_owned(), "refresh_token"));
        }
        targets.push((token.access_token.expose().to_owned(), "access_token"));
        let mut all_ok = true;
        let mut detail = None;
        for (value, hint) in targets {
            let form = vec![("token", value), ("token_type_hint", hint.to_owned())];
            match self.post_form(&endpoint, form).await {
                Ok((s, _, _)) if s.is_success() => {}
                Ok((s, _, _)) => {
                    all_ok = false;
                    detail = Some(format!(
                        "Signed out on this computer, but DHIS2 refused to revoke the token \
                         (HTTP {}).",
                        s.as_u16()
                    ));
                }
                Err(e) => {
                    all_ok = false;
                    detail = Some(format!(
                        "Signed out on this computer, but DHIS2 could not be told: {}",
                        e.message()
                    ));
                }
            }
        }
        SignOutReport {
            revoked: all_ok,
            detail,
        }
    }
}
