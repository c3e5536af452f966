//! The interactive sign-in: the authorize URL with PKCE, the browser and the capturer, the
//! code exchange and the `/api/me` check.

use super::*;

/// A sign-in link that restarts the app is finished for this long after the flow began (DHIS2's
/// authorization codes live 5 minutes).
const PENDING_LIFETIME_SECS: i64 = 300;

/// "This sign-in link has expired…": a link of no kept flow, or of one that ran out.
pub(crate) fn link_expired() -> Error {
    Error::new(
        ErrorKind::SignInRequired,
        "This sign-in link has expired, or it is not from a sign-in this app started (the app may \
         have been closed while you signed in). Sign in again.",
    )
}

/// How long the browser gets to load DHIS2's logout page before the sign-in page opens.
const BROWSER_LOGOUT_PAUSE: Duration = Duration::from_secs(3);

impl OAuth2Auth {
    /// Builds the authorize URL.
    pub(super) fn authorize_url(
        &self,
        meta: &ServerMetadata,
        redirect_uri: &str,
        scope: &str,
        state: &str,
        challenge: &str,
        prompt_login: bool,
    ) -> Result<Url> {
        let mut u = Url::parse(&meta.authorization_endpoint).map_err(|_| {
            not_enabled("its discovery document has a malformed authorization address")
        })?;
        {
            let mut q = u.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", &self.config.client_id)
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("scope", scope)
                .append_pair("state", state)
                .append_pair("code_challenge", challenge)
                .append_pair("code_challenge_method", "S256");
            if prompt_login {
                q.append_pair("prompt", "login");
            }
        }
        Ok(u)
    }

    /// Runs the interactive sign-in: discovery, PKCE S256 + `state`, a cookie-less check of the
    /// authorize request (an unregistered redirect URI fails at once with
    /// [`ErrorKind::RedirectNotRegistered`] instead of a dead end in the browser), opens the browser through
    /// `browser`, waits for `capturer`, checks `iss`, exchanges the code, checks the token with
    /// `GET /api/me`, and only then stores it. Emits [`SignInProgress`] events.
    pub async fn sign_in(
        &self,
        capturer: &dyn RedirectCapturer,
        browser: &dyn BrowserOpener,
        options: SignInOptions,
    ) -> Result<SignedIn> {
        let emit = |stage, url: Option<&Url>| options.emit(capturer, stage, url);
        let result = self.sign_in_inner(capturer, browser, &options, &emit).await;
        match &result {
            Ok(_) => emit(SignInStage::Done, None),
            Err(e) if e.kind() == ErrorKind::Cancelled => emit(SignInStage::Cancelled, None),
            Err(_) => emit(SignInStage::Failed, None),
        }
        result
    }

    pub(super) async fn sign_in_inner(
        &self,
        capturer: &dyn RedirectCapturer,
        browser: &dyn BrowserOpener,
        options: &SignInOptions,
        emit: &(dyn Fn(SignInStage, Option<&Url>) + Send + Sync),
    ) -> Result<SignedIn> {
        let cancel = &options.cancel;
        let meta = self.metadata().await?.clone();
        let scope = self.scope().await;
        let verifier = random_b64(32);
        let state = random_b64(24);
        let redirect_uri = capturer.redirect_uri();
        let url = self.authorize_url(
            &meta,
            &redirect_uri,
            &scope,
            &state,
            &pkce_challenge(&verifier),
            options.prompt_login,
        )?;
        if let Some(e) = self.preflight_authorize(&url, &redirect_uri).await {
            return Err(e);
        }
        if options.prompt_login {
            self.end_browser_session(browser, cancel).await?;
        }
        // A flow cancelled meanwhile (e.g. during discovery) must not open the browser.
        if cancel.is_cancelled() {
            return Err(Error::new(ErrorKind::Cancelled, "Sign-in cancelled."));
        }
        if let Some(p) = &options.pending {
            let pending = PendingSignIn {
                state: state.clone(),
                verifier: Secret::new(verifier.clone()),
                redirect_uri: redirect_uri.clone(),
                client_id: self.config.client_id.clone(),
                expires_at: now() + PENDING_LIFETIME_SECS,
            };
            if let Err(e) = p(Some(pending)).await {
                tracing::warn!("could not keep the waiting sign-in: {}", e.message());
            }
        }
        emit(SignInStage::WaitingForBrowser, Some(&url));
        if let Err(e) = browser.open(url.as_str()).await {
            tracing::warn!("could not open the browser: {}", e.message());
        }
        let response = capturer.wait_for_code(&state, cancel).await;
        if let Some(p) = &options.pending {
            if let Err(e) = p(None).await {
                tracing::warn!("could not clear the waiting sign-in: {}", e.message());
            }
        }
        let response = response?;
        emit(SignInStage::Exchanging, None);
        self.finish(&meta, response, &redirect_uri, verifier, cancel)
            .await
    }

    /// The end of a sign-in: checks `iss`, exchanges the code, checks the token with `/api/me`,
    /// and only then stores it.
    async fn finish(
        &self,
        meta: &ServerMetadata,
        response: crate::capture::AuthorizationResponse,
        redirect_uri: &str,
        verifier: String,
        cancel: &CancellationToken,
    ) -> Result<SignedIn> {
        if let Some(iss) = &response.iss {
            if iss.trim_end_matches('/') != meta.issuer.trim_end_matches('/') {
                return Err(Error::new(
                    ErrorKind::OauthError,
                    "The sign-in answer came from a different server than expected, so it was \
                     refused. Try again; if it keeps happening, tell your DHIS2 administrator.",
                ));
            }
        }
        let mut form = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", response.code.expose().to_owned()),
            ("redirect_uri", redirect_uri.to_owned()),
            ("code_verifier", verifier),
        ];
        let exchange = async {
            let token = self
                .token_request(meta, &mut form, Grant::Code, None)
                .await?;
            let me = self.verify(&token).await?;
            Ok::<_, Error>((token, me))
        };
        let (token, me) = tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(Error::new(ErrorKind::Cancelled, "Sign-in cancelled.")),
            r = exchange => r?,
        };
        let mut st = self.state.lock().await;
        self.store.set(&self.key, &token).await?;
        st.loaded = true;
        let signed = SignedIn {
            me,
            expires_at: token.expires_at,
            scopes: token.scopes.clone(),
            has_refresh_token: token.refresh_token.is_some(),
        };
        st.replace(Some(token));
        Ok(signed)
    }

    /// Finishes a sign-in whose answer arrived after the app was closed and started again by
    /// the deep link (`callback_url`): `pending` is what [`SignInOptions::pending`] kept of it.
    /// The link must carry that flow's `state`; an expired flow, another state or an `error=`
    /// answer is refused with plain words.
    pub async fn finish_pending(
        &self,
        pending: &PendingSignIn,
        callback_url: &str,
    ) -> Result<SignedIn> {
        if pending.expires_at <= now() || pending.client_id != self.config.client_id {
            return Err(link_expired());
        }
        let response = crate::capture::callback_from_deep_link(callback_url, &pending.state)
            .ok_or_else(link_expired)??;
        let meta = self.metadata().await?.clone();
        self.finish(
            &meta,
            response,
            &pending.redirect_uri,
            pending.verifier.expose().to_owned(),
            &CancellationToken::new(),
        )
        .await
    }

    /// "Sign in as a different user": DHIS2 accepts `prompt=login` and ignores it (dhis2-dcr.md
    /// §7), so a browser still signed in to DHIS2 would sign the same user in again. The browser
    /// first opens DHIS2's logout page (dhis2-server.md §5.2), which ends that session, and gets
    /// a moment to load it before the sign-in page opens in the same browser.
    pub(super) async fn end_browser_session(
        &self,
        browser: &dyn BrowserOpener,
        cancel: &CancellationToken,
    ) -> Result<()> {
        let logout = join_path(&self.base, "/dhis-web-commons-security/logout.action")?;
        if cancel.is_cancelled() {
            return Err(Error::new(ErrorKind::Cancelled, "Sign-in cancelled."));
        }
        if let Err(e) = browser.open(logout.as_str()).await {
            tracing::warn!("could not open DHIS2's logout page: {}", e.message());
            return Ok(());
        }
        tokio::select! {
            _ = cancel.cancelled() => Err(Error::new(ErrorKind::Cancelled, "Sign-in cancelled.")),
            _ = tokio::time::sleep(BROWSER_LOGOUT_PAUSE) => Ok(()),
        }
    }

    /// Sends the authorize request once without a browser session (no cookies, no redirects)
    /// to catch what the browser would otherwise show as a dead end: Spring Authorization
    /// Server checks the client and the redirect URI before it asks anyone to log in, and
    /// answers a bad one with a 400 page that never comes back to the app (dhis2-server.md
    /// §2.6). Anything else (the usual 302 to the login page, an `error=` redirect that the
    /// capturer will report, network trouble) lets the browser flow go on.
    pub(super) async fn preflight_authorize(&self, url: &Url, redirect_uri: &str) -> Option<Error> {
        let resp = self
            .http
            .get(url.clone())
            .header(ACCEPT, "text/html,application/json;q=0.9,*/*;q=0.8")
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .ok()?;
        let status = resp.status();
        if status != StatusCode::BAD_REQUEST {
            return None;
        }
        let host = self.base.host_str().unwrap_or("the server").to_owned();
        let body = read_capped(resp, MAX_SMALL_ANSWER, "the sign-in page", &host)
            .await
            .ok()?;
        let body = String::from_utf8_lossy(&body).to_ascii_lowercase();
        if body.contains("redirect_uri") || body.contains("redirect uri") {
            Some(Error::new(
                ErrorKind::RedirectNotRegistered,
                format!(
                    "DHIS2 does not accept the app's sign-in return address ({}). Ask your DHIS2 \
                     administrator to add {} to the redirect URIs of the OAuth2 client \"{}\", or \
                     switch the instance to the other redirect mode.",
                    redirect_uri,
                    if redirect_uri.starts_with("http://127.0.0.1") {
                        crate::capture::LOOPBACK_REGISTERED_URI
                    } else {
                        redirect_uri
                    },
                    self.config.client_id
                ),
            ))
        } else if body.contains("client") {
            Some(Error::new(
                ErrorKind::OauthError,
                format!(
                    "DHIS2 does not know the OAuth2 client id \"{}\". Check it in the instance \
                     settings, or ask your DHIS2 administrator for the right one.",
                    self.config.client_id
                ),
            ))
        } else {
            None
        }
    }

    /// `GET /api/me` with a fresh token, so success is shown only if DHIS2 accepts it (§2.11).
    pub(super) async fn verify(&self, token: &OAuth2Token) -> Result<Me> {
        let url = join_path(&self.base, "/api/me")?;
        let host = self.base.host_str().unwrap_or("the server").to_owned();
        let resp = self
            .http
            .get(url)
            .bearer_auth(token.access_token.expose())
            .header(X_REQUESTED_WITH.0, X_REQUESTED_WITH.1)
            .header(ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| map_transport_error(e, &host))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = read_capped(resp, MAX_SMALL_ANSWER, "/api/me", &host).await?;
        if !status.is_success() || !is_json(&headers) {
            return Err(error_from_response(status, &headers, &body, "oauth2"));
        }
        serde_json::from_slice(&body).map_err(|e| {
            Error::new(
                ErrorKind::NotDhis2,
                "DHIS2's /api/me answer was not understood.",
            )
            .with_source(e)
        })
    }
}
