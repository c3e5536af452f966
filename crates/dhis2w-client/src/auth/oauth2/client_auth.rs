//! How the app authenticates itself at the token and revocation endpoints (`none`,
//! `client_secret_basic`, `client_secret_post`, `private_key_jwt`), and the form POST they
//! share.

use super::*;

impl OAuth2Auth {
    /// Adds client authentication: form fields for `none`/`client_secret_post`/
    /// `private_key_jwt` (an assertion for audience `aud`), or the Basic header value for
    /// `client_secret_basic`.
    pub(super) fn client_auth(
        &self,
        form: &mut Vec<(&'static str, String)>,
        aud: &str,
    ) -> Result<Option<HeaderValue>> {
        Ok(match &self.config.client_auth {
            ClientAuth::PrivateKeyJwt(key) => {
                // SAS requires client_id with an assertion (dhis2-dcr.md §3 "Request form").
                form.push(("client_id", key.client_id().to_owned()));
                form.push(("client_assertion_type", ASSERTION_TYPE.to_owned()));
                form.push(("client_assertion", key.assertion(aud)?));
                None
            }
            ClientAuth::None => {
                form.push(("client_id", self.config.client_id.clone()));
                None
            }
            ClientAuth::SecretPost(s) => {
                form.push(("client_id", self.config.client_id.clone()));
                form.push(("client_secret", s.expose().to_owned()));
                None
            }
            ClientAuth::SecretBasic(s) => {
                // RFC 6749 §2.3.1: form-encode both parts before Basic encoding.
                let enc = |v: &str| {
                    url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
                };
                let raw = format!("{}:{}", enc(&self.config.client_id), enc(s.expose()));
                // Base64 is always a valid header value; no panic path even so.
                let Ok(mut hv) = HeaderValue::from_str(&format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(raw)
                )) else {
                    return Ok(None);
                };
                hv.set_sensitive(true);
                Some(hv)
            }
        })
    }

    /// POSTs a form to an endpoint with client authentication, re-sending the POST (same
    /// origin only) on 301/302/307/308 (dhis2-server.md §2.2).
    pub(super) async fn post_form(
        &self,
        endpoint: &str,
        mut form: Vec<(&'static str, String)>,
    ) -> Result<(StatusCode, HeaderMap, bytes::Bytes)> {
        let host = self.base.host_str().unwrap_or("the server").to_owned();
        let mut url = Url::parse(endpoint)
            .map_err(|_| not_enabled("its discovery document has a malformed address"))?;
        // The assertion's audience: the issuer, with its trailing slash, as DHIS2's own tests
        // use it (dhis2-dcr.md §3 "Assertion checks").
        let aud = self
            .metadata
            .get()
            .map(|m| m.issuer.clone())
            .unwrap_or_else(|| endpoint.to_owned());
        let auth_header = self.client_auth(&mut form, &aud)?;
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        for _hop in 0..4 {
            let mut req = self
                .http
                .post(url.clone())
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(ACCEPT, "application/json")
                .body(body.clone());
            if let Some(h) = &auth_header {
                req = req.header(AUTHORIZATION, h.clone());
            }
            let resp = req
                .send()
                .await
                .map_err(|e| map_transport_error(e, &host))?;
            let status = resp.status();
            if matches!(status.as_u16(), 301 | 302 | 307 | 308) {
                let next = resp
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|l| url.join(l).ok());
                match next {
                    Some(n) if same_origin(&n, &self.base) => {
                        url = n;
                        continue;
                    }
                    _ => {
                        return Err(Error::new(
                            ErrorKind::OauthError,
                            "DHIS2's token address redirected to another server, so the request \
                             was not sent there. Ask your DHIS2 administrator to check \
                             server.base.url.",
                        ))
                    }
                }
            }
            let headers = resp.headers().clone();
            let bytes = read_capped(resp, MAX_SMALL_ANSWER, "the token request", &host).await?;
            return Ok((status, headers, bytes));
        }
        Err(Error::new(
            ErrorKind::OauthError,
            "DHIS2's token address redirected too many times. Ask your DHIS2 administrator.",
        ))
    }
}
