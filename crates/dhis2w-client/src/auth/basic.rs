//! HTTP Basic authentication.

use super::AuthProvider;
use crate::{Error, ErrorKind, Result, Secret};
use async_trait::async_trait;
use base64::Engine;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};

/// HTTP Basic: `Authorization: Basic base64(username:password)` on every request.
///
/// DHIS2 answers a wrong password with 401 and may lock the account after 4 failures, so the
/// client never retries a Basic request after a 401.
pub struct BasicAuth {
    username: String,
    header: HeaderValue,
}

impl BasicAuth {
    /// Builds the provider. The username must be non-empty and must not contain `:`.
    pub fn new(username: impl Into<String>, password: Secret) -> Result<Self> {
        let username = username.into();
        if username.trim().is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "Enter your DHIS2 username.",
            ));
        }
        if username.contains(':') {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "A DHIS2 username cannot contain a colon (:). Check the username.",
            ));
        }
        let raw = format!("{username}:{}", password.expose());
        let encoded = base64::engine::general_purpose::STANDARD.encode(raw.as_bytes());
        let mut header = HeaderValue::from_str(&format!("Basic {encoded}"))
            .map_err(|_| Error::new(ErrorKind::Internal, "Could not encode the credentials."))?;
        header.set_sensitive(true);
        Ok(Self { username, header })
    }

    /// The username (not secret).
    pub fn username(&self) -> &str {
        &self.username
    }
}

impl std::fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicAuth")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl AuthProvider for BasicAuth {
    async fn headers(&self) -> Result<HeaderMap> {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, self.header.clone());
        Ok(h)
    }

    async fn refresh_if_needed(&self) -> Result<()> {
        Ok(())
    }

    fn scheme(&self) -> &'static str {
        "basic"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn encodes_basic_header() {
        let a = BasicAuth::new("admin", Secret::new("district")).unwrap();
        let h = a.headers().await.unwrap();
        assert_eq!(h[AUTHORIZATION], "Basic YWRtaW46ZGlzdHJpY3Q=");
        assert!(h[AUTHORIZATION].is_sensitive());
        assert!(!format!("{a:?}").contains("district"));
        a.refresh_if_needed().await.unwrap();
        assert_eq!(a.scheme(), "basic");
    }

    #[test]
    fn rejects_bad_usernames() {
        assert_eq!(
            BasicAuth::new("", Secret::new("x")).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            BasicAuth::new("a:b", Secret::new("x")).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
    }
}
