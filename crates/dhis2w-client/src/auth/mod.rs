//! The [`AuthProvider`] contract and its implementations: [`BasicAuth`], [`PatAuth`] and
//! [`OAuth2Auth`].

pub mod basic;
pub mod oauth2;
pub mod pat;

pub use basic::BasicAuth;
pub use oauth2::{
    default_scope, discover, ClientAuth, OAuth2Auth, OAuth2Config, ServerMetadata, SignInOptions,
    SignInProgress, SignInStage, SignOutReport, SignedIn, TokenStatus,
};
pub use pat::{check_pat, PatAuth, PatVersion};

use crate::Result;
use async_trait::async_trait;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};

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

    /// Called once by the client after the server answered 401 to a request made with `sent`
    /// (the headers from [`AuthProvider::headers`] that went out). Returns true when newer
    /// credentials are available and one retry makes sense. Implementations compare `sent` with
    /// their current credentials, so N requests failing together cause at most one refresh.
    /// Static credentials cannot improve, so the default is false.
    async fn on_unauthorized(&self, sent: &HeaderMap) -> Result<bool> {
        let _ = sent;
        Ok(false)
    }

    /// Which scheme this provider sends, for logs and UI ("basic", "pat", "oauth2").
    fn scheme(&self) -> &'static str;
}

/// The `Authorization` header of static credentials (Basic, PAT): built once, marked sensitive
/// and sent unchanged on every request.
#[derive(Clone)]
pub(crate) struct StaticAuthorization(HeaderValue);

impl StaticAuthorization {
    /// `None` when `value` is not a valid header value.
    pub(crate) fn new(value: &str) -> Option<Self> {
        let mut header = HeaderValue::from_str(value).ok()?;
        header.set_sensitive(true);
        Some(Self(header))
    }

    /// The header map to send.
    pub(crate) fn headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, self.0.clone());
        h
    }
}

/// [`AuthProvider`] for a provider with static credentials in a `header: StaticAuthorization`
/// field: the same header on every request, nothing to refresh, and (the trait's default) no
/// retry after a 401.
macro_rules! static_auth_provider {
    ($ty:ty, $scheme:literal) => {
        #[async_trait::async_trait]
        impl $crate::auth::AuthProvider for $ty {
            async fn headers(&self) -> $crate::Result<reqwest::header::HeaderMap> {
                Ok(self.header.headers())
            }

            async fn refresh_if_needed(&self) -> $crate::Result<()> {
                Ok(())
            }

            fn scheme(&self) -> &'static str {
                $scheme
            }
        }
    };
}
pub(crate) use static_auth_provider;
