//! HTTP Basic authentication.

use super::{static_auth_provider, StaticAuthorization};
use crate::{Error, ErrorKind, Result, Secret};
use base64::Engine;

/// HTTP Basic: `Authorization: Basic base64(username:password)` on every request.
///
/// DHIS2 answers a wrong password with 401 and may lock the account after 4 failures, so the
/// client never retries a Basic request after a 401.
pub struct BasicAuth {
    username: String,
    header: StaticAuthorization,
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
        let header = StaticAuthorization::new(&format!("Basic {encoded}"))
            .ok_or_else(|| Error::new(ErrorKind::Internal, "Could not encode the credentials."))?;
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

static_auth_provider!(BasicAuth, "basic");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::AuthProvider;
    use reqwest::header::AUTHORIZATION;

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
