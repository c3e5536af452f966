//! "Keep me signed in on this computer": DHIS2's device enrolment (2.42.5+), the dynamic client
//! registration of this computer with its own RSA key, and the `private_key_jwt` client
//! assertions that authenticate it afterwards (dhis2-dcr.md §1–§4).
//!
//! The registration is a client-authentication mode of [`OAuth2Auth`]
//! ([`ClientAuth::PrivateKeyJwt`]); its private key lives only in the OS keyring
//! ([`crate::secret_store::SecretKind::DeviceKey`]) and in memory.

use super::*;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;

/// `client_assertion_type` of a JWT client assertion (RFC 7523).
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The scope registered and asked for: `username` maps the token to the DHIS2 user
/// (dhis2-dcr.md §3 "Using the access token"), as DHIS2's own DCR default.
pub const DEVICE_SCOPE: &str = "openid profile username";
/// DHIS2 accepts RSA keys only, and Android uses 2048 bits (dhis2-dcr.md §2 "Key types").
const KEY_BITS: usize = 2048;
/// `jwks_uri` must be present (and https on 2.44) although DHIS2 never fetches it: the key goes
/// inline in `jwks` (dhis2-dcr.md §2). A name under `.invalid` (RFC 2606) that resolves nowhere.
const UNUSED_JWKS_URI: &str = "https://jwks.invalid/dhis2w-desktop.json";
/// A client assertion is valid this long (Android uses 60 s; DHIS2 allows 60 s of clock skew).
const ASSERTION_LIFETIME_SECS: i64 = 60;

/// This computer's registration with one DHIS2 server. Kept only in the OS keyring, as JSON.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceRegistration {
    /// The instance's canonical base URL (a registration never follows an address change).
    pub base_url: String,
    /// The issuer that registered it.
    pub issuer: String,
    /// The client id DHIS2 gave this computer.
    pub client_id: String,
    /// The JWK `kid` of the key (DHIS2 ignores it; kept for the assertion header).
    pub key_id: String,
    /// The private key, PKCS#8 PEM.
    pub private_key_pem: String,
    /// The registered scope (space-separated).
    pub scope: String,
    /// The redirect URI registered.
    pub redirect_uri: String,
    /// The name shown to DHIS2 administrators under OAuth2 clients.
    pub client_name: String,
    /// Unix seconds.
    pub registered_at: i64,
}

impl std::fmt::Debug for DeviceRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceRegistration")
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("private_key_pem", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl DeviceRegistration {
    /// The JSON kept in the keyring.
    pub fn to_secret(&self) -> Result<Secret> {
        serde_json::to_string(self).map(Secret::new).map_err(|e| {
            Error::new(ErrorKind::Internal, "Could not write the registration.").with_source(e)
        })
    }

    /// Reads the keyring's JSON; `None` when it is not a registration this app wrote.
    pub fn from_secret(secret: &Secret) -> Option<Self> {
        serde_json::from_str(secret.expose()).ok()
    }

    /// The signing key of this registration.
    pub fn key(&self) -> Result<DeviceKey> {
        let key = RsaPrivateKey::from_pkcs8_pem(&self.private_key_pem).map_err(|_| {
            Error::new(
                ErrorKind::SignInRequired,
                "This computer's DHIS2 key in the keyring is damaged. Use \"Forget this computer\", \
                 then sign in again.",
            )
        })?;
        Ok(DeviceKey {
            client_id: self.client_id.clone(),
            key_id: self.key_id.clone(),
            signing: SigningKey::<Sha256>::new(key),
        })
    }
}

/// The key that signs this computer's client assertions (in memory only).
pub struct DeviceKey {
    client_id: String,
    key_id: String,
    signing: SigningKey<Sha256>,
}

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceKey")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

fn b64_json(v: &serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

impl DeviceKey {
    /// The client id this key authenticates.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// An RS256 client assertion for audience `aud`: `iss` = `sub` = the client id, 60 s
    /// lifetime, a fresh `jti` (dhis2-dcr.md §3 "Assertion checks").
    pub fn assertion(&self, aud: &str) -> Result<String> {
        let now = now();
        let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": self.key_id});
        let claims = serde_json::json!({
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": aud,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME_SECS,
            "jti": random_b64(16),
        });
        let input = format!("{}.{}", b64_json(&header), b64_json(&claims));
        let sig = self.signing.try_sign(input.as_bytes()).map_err(|_| {
            Error::new(
                ErrorKind::Internal,
                "Could not sign with this computer's DHIS2 key.",
            )
        })?;
        Ok(format!(
            "{input}.{}",
            URL_SAFE_NO_PAD.encode(sig.to_bytes())
        ))
    }
}

/// A new RSA key (seconds of CPU: run it off the async threads) and its public JWK.
async fn new_key() -> Result<(RsaPrivateKey, serde_json::Value, String)> {
    let key =
        tokio::task::spawn_blocking(|| RsaPrivateKey::new(&mut rsa::rand_core::OsRng, KEY_BITS))
            .await
            .map_err(|e| Error::new(ErrorKind::Internal, "Key generation stopped.").with_source(e))?
            .map_err(|e| {
                Error::new(
                    ErrorKind::Internal,
                    "Could not make a key for this computer.",
                )
                .with_source(e)
            })?;
    let kid = random_b64(16);
    let jwk = serde_json::json!({
        "kty": "RSA",
        "kid": kid,
        "use": "sig",
        "alg": "RS256",
        "n": URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()),
        "e": URL_SAFE_NO_PAD.encode(key.e().to_bytes_be()),
    });
    Ok((key, jwk, kid))
}

/// The name administrators see under OAuth2 clients.
fn client_name() -> String {
    let host = std::env::var("HOSTNAME")
        .or_else(|_| std::env::var("COMPUTERNAME"))
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().chars().take(60).collect::<String>())
        .filter(|h| !h.is_empty());
    match host {
        Some(h) => format!("dhis2w Desktop on {h}"),
        None => "dhis2w Desktop".to_owned(),
    }
}

pub(super) fn unavailable(detail: &str) -> Error {
    Error::new(
        ErrorKind::EnrolmentUnavailable,
        format!(
            "This DHIS2 server cannot keep this computer signed in ({detail}). Sign in without \
             \"keep me signed in\"; to get it, ask your DHIS2 administrator for DHIS2 2.42.5 or \
             newer with oauth2.server.enabled = on."
        ),
    )
}

/// The allowlist entry for a redirect URI: the loopback's port changes on every sign-in.
fn allowlist_entry(redirect_uri: &str) -> String {
    if redirect_uri.starts_with("http://127.0.0.1:") {
        format!("http://127.0.0.1:*{}", crate::capture::CALLBACK_PATH)
    } else {
        redirect_uri.to_owned()
    }
}

/// Nothing came back from the enrolment page: DHIS2 shows its refusals in the browser only
/// (dhis2-dcr.md §1 "Error responses": 403 `forbidden_user`, 400 `invalid_redirect_uri`).
fn refused_in_browser(redirect_uri: &str, after: Error) -> Error {
    Error::new(
        ErrorKind::EnrolmentRefused,
        format!(
            "DHIS2 did not register this computer{}. If your browser shows \"invalid_redirect_uri\", \
             ask your DHIS2 administrator to add {} to the system setting \
             deviceEnrollmentRedirectAllowlist (comma-separated). If it shows \"forbidden_user\", \
             ask to be added to a user group listed in the system setting \
             deviceEnrollmentAllowedUserGroups. Meanwhile, sign in without \"keep me signed in\".",
            if after.kind() == ErrorKind::Timeout {
                " in time"
            } else {
                ""
            },
            allowlist_entry(redirect_uri)
        ),
    )
    .with_source(after)
}

impl OAuth2Auth {
    /// Registers this computer with DHIS2 ("keep me signed in"): opens the browser on
    /// `/api/auth/enrollDevice` with a fresh `state` (the user signs in there), captures the
    /// initial access token with `capturer` (same state check as the code flow), makes an RSA
    /// key and registers it inline at the registration endpoint (dhis2-dcr.md §1, §2). Returns
    /// the registration for the caller to keep in the keyring; nothing is stored here. The
    /// code flow with the new client ([`ClientAuth::PrivateKeyJwt`]) is the caller's next step.
    pub async fn enrol_device(
        &self,
        capturer: &dyn RedirectCapturer,
        browser: &dyn BrowserOpener,
        options: &SignInOptions,
    ) -> Result<DeviceRegistration> {
        let emit = |stage, url: Option<&Url>| options.emit(capturer, stage, url);
        let cancel = &options.cancel;
        let meta = self.metadata().await?.clone();
        let Some(endpoint) = meta.registration_endpoint().map(str::to_owned) else {
            return Err(unavailable(
                "its sign-in server does not register apps; DHIS2 2.42.5+ needs \
                 oauth2.server.enabled = on",
            ));
        };
        let version = server_version(&self.http, &self.base).await;
        if let Some(v) = version {
            // 2.43.0 has the authorization server hard-disabled (dhis2-dcr.md version matrix).
            let too_old = v < Dhis2Version(2, 42, 5, 0)
                || (v >= Dhis2Version(2, 43, 0, 0) && v < Dhis2Version(2, 43, 1, 0));
            if too_old {
                return Err(unavailable(&format!(
                    "DHIS2 {}.{}.{} has no device registration",
                    v.0, v.1, v.2
                )));
            }
        }
        let endpoint_url = Url::parse(&endpoint)
            .ok()
            .filter(|u| same_origin(u, &self.base))
            .ok_or_else(|| {
                unavailable("its registration address is on another server, so it was not used")
            })?;
        let state = random_b64(24);
        let redirect_uri = capturer.redirect_uri();
        let mut url = join_path(&self.base, "/api/auth/enrollDevice")?;
        url.query_pairs_mut()
            .append_pair("redirectUri", &redirect_uri)
            .append_pair("state", &state)
            // Ignored by DHIS2 (dhis2-dcr.md §1); sent like Android's, for the server's logs.
            .append_pair("deviceType", "desktop");
        if cancel.is_cancelled() {
            return Err(Error::new(ErrorKind::Cancelled, "Sign-in cancelled."));
        }
        emit(SignInStage::WaitingForEnrolment, Some(&url));
        if let Err(e) = browser.open(url.as_str()).await {
            tracing::warn!("could not open the browser: {}", e.message());
        }
        let iat = match capturer.wait_for_code(&state, cancel).await {
            Ok(r) => r.code,
            Err(e) if e.kind() == ErrorKind::Timeout => {
                return Err(refused_in_browser(&redirect_uri, e))
            }
            Err(e) => return Err(e),
        };
        emit(SignInStage::Registering, None);
        let (key, jwk, key_id) = tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(Error::new(ErrorKind::Cancelled, "Sign-in cancelled.")),
            k = new_key() => k?,
        };
        let name = client_name();
        let mut body = serde_json::json!({
            "client_name": name,
            "redirect_uris": [redirect_uri],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "private_key_jwt",
            "token_endpoint_auth_signing_alg": "RS256",
            "jwks_uri": UNUSED_JWKS_URI,
            "jwks": {"keys": [jwk]},
        });
        // 2.42.5/2.43.1 keep the scope as sent (none would give a client without scopes);
        // 2.44 refuses any scope (dhis2-dcr.md §2 "scope"). An unknown version is asked with it
        // and, refused with invalid_scope, once more without (a refused registration does not
        // use up the initial access token).
        let send_scope = version.is_none_or(|v| v < Dhis2Version(2, 44, 0, 0));
        if send_scope {
            body["scope"] = DEVICE_SCOPE.into();
        }
        let mut answer = self.register(&endpoint_url, &iat, &body).await;
        if send_scope
            && matches!(&answer, Err(e) if e.kind() == ErrorKind::EnrolmentRefused
                && e.message().contains("invalid_scope"))
        {
            if let Some(o) = body.as_object_mut() {
                o.remove("scope");
            }
            answer = self.register(&endpoint_url, &iat, &body).await;
        }
        let answer = answer?;
        let client_id = answer
            .get("client_id")
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::EnrolmentRefused,
                    "DHIS2 registered this computer but sent no client id back. Try again; if it \
                     keeps happening, tell your DHIS2 administrator.",
                )
            })?
            .to_owned();
        let scope = answer
            .get("scope")
            .and_then(|v| v.as_str())
            .filter(|s| !s.trim().is_empty())
            .unwrap_or(DEVICE_SCOPE)
            .to_owned();
        let pem = key.to_pkcs8_pem(LineEnding::LF).map_err(|e| {
            Error::new(ErrorKind::Internal, "Could not write this computer's key.").with_source(e)
        })?;
        Ok(DeviceRegistration {
            base_url: self.key.base_url.clone(),
            issuer: meta.issuer.clone(),
            client_id,
            key_id,
            private_key_pem: pem.to_string(),
            scope,
            redirect_uri,
            client_name: name,
            registered_at: now(),
        })
    }

    /// `POST` the registration with the initial access token; its JSON answer on 201.
    async fn register(
        &self,
        endpoint: &Url,
        iat: &Secret,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value> {
        let host = self.base.host_str().unwrap_or("the server").to_owned();
        let resp = self
            .http
            .post(endpoint.clone())
            .bearer_auth(iat.expose())
            .header(ACCEPT, "application/json")
            .json(body)
            .send()
            .await
            .map_err(|e| map_transport_error(e, &host))?;
        let status = resp.status();
        let bytes = read_capped(resp, MAX_SMALL_ANSWER, "the registration", &host).await?;
        let json: Option<serde_json::Value> = serde_json::from_slice(&bytes).ok();
        if status.is_success() {
            return json.ok_or_else(|| {
                Error::new(
                    ErrorKind::EnrolmentRefused,
                    "DHIS2's answer to the registration was not understood. Try again.",
                )
            });
        }
        let field = |k: &str| {
            json.as_ref()
                .and_then(|j| j.get(k))
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_owned()
        };
        let (code, desc) = (field("error"), field("error_description"));
        Err(match status.as_u16() {
            404 => unavailable("its registration address does not exist"),
            401 | 403 => Error::new(
                ErrorKind::EnrolmentRefused,
                "DHIS2 no longer accepted this registration (its one-minute pass ran out or was \
                 used already). Try \"keep me signed in\" again.",
            ),
            s if s >= 500 => Error::new(
                ErrorKind::ServerError,
                format!(
                    "DHIS2 had a problem registering this computer (HTTP {s}{}). Try again later, \
                     or sign in without \"keep me signed in\".",
                    if desc.is_empty() {
                        String::new()
                    } else {
                        format!(": {desc}")
                    }
                ),
            ),
            _ => Error::new(
                ErrorKind::EnrolmentRefused,
                format!(
                    "DHIS2 refused to register this computer ({}{}). Sign in without \"keep me \
                     signed in\", and send this message to your DHIS2 administrator.",
                    if code.is_empty() {
                        status.as_str().to_owned()
                    } else {
                        code
                    },
                    if desc.is_empty() {
                        String::new()
                    } else {
                        format!(": {desc}")
                    }
                ),
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_registration_round_trips_and_signs_verifiable_assertions() {
        let (key, jwk, kid) = new_key().await.unwrap();
        let reg = DeviceRegistration {
            base_url: "https://dhis.example".into(),
            issuer: "https://dhis.example/".into(),
            client_id: "cid".into(),
            key_id: kid.clone(),
            private_key_pem: key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
            scope: DEVICE_SCOPE.into(),
            redirect_uri: "http://127.0.0.1:1234/oauth2/callback".into(),
            client_name: client_name(),
            registered_at: 1,
        };
        let back = DeviceRegistration::from_secret(&reg.to_secret().unwrap()).unwrap();
        assert_eq!(back, reg);
        assert!(!format!("{reg:?}").contains("PRIVATE KEY"));
        let a = back
            .key()
            .unwrap()
            .assertion("https://dhis.example/")
            .unwrap();
        let parts: Vec<&str> = a.split('.').collect();
        assert_eq!(parts.len(), 3);
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["iss"], "cid");
        assert_eq!(claims["sub"], "cid");
        assert_eq!(claims["aud"], "https://dhis.example/");
        assert!(claims["exp"].as_i64().unwrap() > now());
        // The signature verifies with the public JWK that was registered.
        use rsa::signature::Verifier;
        let n = rsa::BigUint::from_bytes_be(
            &URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap(),
        );
        let e = rsa::BigUint::from_bytes_be(
            &URL_SAFE_NO_PAD.decode(jwk["e"].as_str().unwrap()).unwrap(),
        );
        let public = rsa::RsaPublicKey::new(n, e).unwrap();
        let verifier = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(public);
        let sig = rsa::pkcs1v15::Signature::try_from(
            URL_SAFE_NO_PAD.decode(parts[2]).unwrap().as_slice(),
        )
        .unwrap();
        verifier
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
            .unwrap();
        // A damaged key is a plain "forget and sign in again", not a panic.
        let mut bad = reg.clone();
        bad.private_key_pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----".into();
        assert_eq!(bad.key().unwrap_err().kind(), ErrorKind::SignInRequired);
    }

    #[test]
    fn the_allowlist_entry_covers_every_loopback_port() {
        assert_eq!(
            allowlist_entry("http://127.0.0.1:53123/oauth2/callback"),
            "http://127.0.0.1:*/oauth2/callback"
        );
        assert_eq!(
            allowlist_entry("org.dhis2w.desktop:/oauth2/callback"),
            "org.dhis2w.desktop:/oauth2/callback"
        );
    }
}
