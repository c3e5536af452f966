//! Faults of the OAuth2 token endpoint and of the tokens themselves.

use super::*;

pub async fn token_faults(m: &mut Matrix, si: &StandIn) {
    let store: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    let auth = signed_in_oauth(si, store.clone()).await;
    let c = Dhis2Client::new(&si.base, auth.clone(), fast()).unwrap();
    c.me().await.unwrap();
    let key = auth.token_key().clone();
    let before = store.get(&key).await.unwrap().unwrap();

    for (mode, fault, want) in [
        (
            "5xx",
            "token endpoint answers 500 while refreshing",
            ErrorKind::ServerError,
        ),
        (
            "html",
            "token endpoint answers an HTML page instead of JSON",
            ErrorKind::OauthError,
        ),
        (
            "timeout",
            "token endpoint never answers while refreshing",
            ErrorKind::Timeout,
        ),
    ] {
        si.expire_tokens().await;
        si.set_faults(json!({"tokenEndpoint": {"mode": mode, "count": 3}}))
            .await;
        let e = c.me().await.unwrap_err();
        let kept = store.get(&key).await.unwrap().unwrap();
        assert_eq!(
            kept.refresh_token, before.refresh_token,
            "{fault}: the refresh token is kept"
        );
        m.failed(
            fault,
            &e,
            want,
            "the stored refresh token is kept; the next request refreshes and works",
        );
        si.clear_faults().await;
        c.me().await.unwrap();
    }

    si.rotate_key().await;
    c.me().await.unwrap();
    m.absorbed(
        "signing key rotated (a DHIS2 restart): every access token refused, refresh works",
        "one refresh, then the request is sent again; the user sees the answer",
        "the new tokens replace the old ones",
    );

    si.expire_tokens().await;
    si.set_faults(json!({"refreshInvalidGrant": {"count": 1}}))
        .await;
    let e = c.me().await.unwrap_err();
    m.failed(
        "`invalid_grant` on refresh (the sign-in ended on the server)",
        &e,
        ErrorKind::SignInRequired,
        "the dead tokens are removed; signing in again works",
    );
    si.clear_faults().await;

    let auth = signed_in_oauth(si, store.clone()).await;
    let c = Dhis2Client::new(&si.base, auth, fast()).unwrap();
    si.set_faults(json!({"mappingBroken": true})).await;
    let e = c.me().await.unwrap_err();
    m.failed(
        "DHIS2 cannot map the token to a user (\"Invalid mapping claim\")",
        &e,
        ErrorKind::InvalidMappingClaim,
        "the tokens are kept; works once the server's setting is fixed",
    );
    si.clear_faults().await;
    c.me().await.unwrap();
}
