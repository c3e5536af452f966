//! # dhis2w-client
//!
//! The Tauri-free core of dhis2w Desktop. Every sign-in method implements one
//! [`AuthProvider`] contract (`headers()` + `refresh_if_needed()`), so the rest of the
//! client is identical whatever the user picked.

pub mod auth;
pub mod error;
pub mod secret;
pub mod token;

pub use auth::AuthProvider;
pub use error::{Error, ErrorKind, Result};
pub use secret::Secret;
pub use token::{MemoryTokenStore, OAuth2Token, TokenKey, TokenStore};
