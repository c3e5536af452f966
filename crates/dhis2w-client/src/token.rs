//! OAuth2 token sets and where they are kept.

use crate::{Error, ErrorKind, Result, Secret};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;

/// Identifies whose token a stored token set is: the profile, the instance's canonical base
/// URL and the OAuth2 client. A token stored under another key is refused on read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TokenKey {
    /// Profile (instance) id.
    pub profile: String,
    /// Canonical base URL of the instance.
    pub base_url: String,
    /// OAuth2 client id.
    pub client_id: String,
}

/// An access token, the optional refresh token and the expiry (unix seconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuth2Token {
    /// The key this token was issued for; checked when the token is read back.
    pub key: TokenKey,
    /// The bearer token.
    pub access_token: Secret,
    /// Absent for public clients on DHIS2 (Spring Authorization Server issues none).
    pub refresh_token: Option<Secret>,
    /// Expiry of the access token, unix seconds.
    pub expires_at: i64,
    /// Scopes granted.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// Persists OAuth2 tokens: in memory, or in the OS keyring (see the profiles module).
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// The token stored for `key`, if any. Implementations refuse a token whose embedded key
    /// differs from `key` (see [`check_key`]).
    async fn get(&self, key: &TokenKey) -> Result<Option<OAuth2Token>>;
    /// Stores `token` under `key`.
    async fn set(&self, key: &TokenKey, token: &OAuth2Token) -> Result<()>;
    /// Deletes the token stored under `key`; deleting nothing is not an error.
    async fn delete(&self, key: &TokenKey) -> Result<()>;
}

/// Refuses a token that was stored for another instance or client.
pub fn check_key(key: &TokenKey, token: OAuth2Token) -> Result<OAuth2Token> {
    if &token.key == key {
        Ok(token)
    } else {
        Err(Error::new(
            ErrorKind::SignInRequired,
            "The saved sign-in belongs to another server or app registration. Sign in again.",
        ))
    }
}

/// Keeps tokens in memory for this run only.
#[derive(Default)]
pub struct MemoryTokenStore {
    tokens: Mutex<HashMap<TokenKey, OAuth2Token>>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl TokenStore for MemoryTokenStore {
    async fn get(&self, key: &TokenKey) -> Result<Option<OAuth2Token>> {
        let found = self
            .tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned();
        found.map(|t| check_key(key, t)).transpose()
    }

    async fn set(&self, key: &TokenKey, token: &OAuth2Token) -> Result<()> {
        self.tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.clone(), token.clone());
        Ok(())
    }

    async fn delete(&self, key: &TokenKey) -> Result<()> {
        self.tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
        Ok(())
    }
}
