//! The [`AuthProvider`] contract and its implementations.

use crate::Result;
use async_trait::async_trait;
use reqwest::header::HeaderMap;

/// Injects authentication into outgoing DHIS2 requests. Usable as `Arc<dyn AuthProvider>`.
///
/// Neither method ever opens a browser: interactive sign-in is a separate, user-started step
/// (see `OAuth2Auth::sign_in`).
#[async_trait]
pub trait AuthProvider: Send + Sync {
    /// The headers for the next request. Header values carrying secrets are marked sensitive.
    async fn headers(&self) -> Result<HeaderMap>;

    /// Refreshes credentials close to expiry; a no-op for static auth.
    async fn refresh_if_needed(&self) -> Result<()>;

    /// Called once by the client after the server answered 401 to a request made with these
    /// headers. Returns true when new credentials were obtained and a retry makes sense.
    /// Static credentials cannot improve, so the default is false.
    async fn on_unauthorized(&self) -> Result<bool> {
        Ok(false)
    }

    /// Which scheme this provider sends, for logs and UI ("basic", "pat", "oauth2").
    fn scheme(&self) -> &'static str;
}
