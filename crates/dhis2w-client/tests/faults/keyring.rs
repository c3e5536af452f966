//! Faults of the system keyring (the real Secret Service of the test session): locked when the
//! app starts, not answering while it runs, and gone in the middle of a sign-in.

use super::*;
use dhis2w_client::secret_store::{SecretKind, StorageMode};
use dhis2w_client::KeyringTokenStore;

pub async fn keyring_faults(m: &mut Matrix, si: &StandIn) {
    let service = format!("dhis2w-faults-{}", std::process::id());
    let store = SecretStore::open_with_service(&service).await;
    assert_eq!(
        store.status().mode,
        StorageMode::Keyring,
        "{:?}",
        store.status()
    );
    store
        .set("kept", SecretKind::Password, Secret::new("a-kept-password"))
        .await
        .unwrap();

    // Locked at start-up: the check hangs behind an unlock prompt nobody answers.
    let locked = SecretStore::open_with_stalled_check(
        &service,
        Duration::from_secs(3),
        Duration::from_secs(1),
    )
    .await;
    let status = locked.status();
    assert_eq!(status.mode, StorageMode::SessionOnly);
    m.noted(
        "the keyring locked when the app starts (its check never answers)",
        "– (the app opens; secrets for this session only)",
        status.detail.as_deref().unwrap_or_default(),
        "the secrets already in the keyring are untouched; after unlocking and a restart they are used again",
    );
    let again = SecretStore::open_with_service(&service).await;
    assert_eq!(
        again
            .reveal("kept", SecretKind::Password)
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "a-kept-password"
    );

    // Not answering while the app runs: a saved password is needed for a request.
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::with_stores(
        dir.path().join("profiles.toml"),
        store.clone(),
        dir.path().join("data"),
    )
    .unwrap();
    let mut input = InstanceInput::new("Keyring", si.base.clone(), AuthKind::Basic);
    input.username = Some(si.fx("/users/admin/username"));
    input.password = Some(Secret::new(si.fx("/users/admin/password")));
    let id = ws.add_instance(&input).await.unwrap().id;
    ws.forget_session(&id);
    store.stall_calls(Duration::from_secs(2), Duration::from_millis(300));
    let e = ws.verify_saved(&id).await.unwrap_err();
    m.failed(
        "the keyring stops answering while the app runs (an unlock prompt nobody answers)",
        &e,
        ErrorKind::StorageUnavailable,
        "the request waits at most a minute (300 ms in the test), then says so; the saved password works once the keyring answers",
    );
    store.stall_calls(Duration::ZERO, Duration::from_secs(60));
    ws.verify_saved(&id).await.unwrap();

    // Gone in the middle of a browser sign-in: the Secret Service's daemon stopped.
    let tokens = Arc::new(KeyringTokenStore::new(store.clone()));
    let auth = signed_in_oauth(si, tokens.clone()).await;
    let c = Dhis2Client::new(&si.base, auth.clone(), fast()).unwrap();
    c.me().await.unwrap();
    let key = auth.token_key().clone();
    let first = tokens.get(&key).await.unwrap().unwrap();
    store.vanish(true);
    c.me().await.unwrap();
    si.expire_tokens().await;
    let e = c.me().await.unwrap_err();
    c.me().await.unwrap();
    m.failed(
        "the Secret Service disappears in the middle of a session (its daemon stopped)",
        &e,
        ErrorKind::StorageUnavailable,
        "requests go on with the sign-in held in memory, including the renewed one; once the keyring is back the next renewal is stored",
    );
    store.vanish(false);
    si.expire_tokens().await;
    c.me().await.unwrap();
    let now = tokens.get(&key).await.unwrap().unwrap();
    assert_ne!(
        now.access_token.expose(),
        first.access_token.expose(),
        "the renewed tokens reach the keyring once it is back"
    );

    ws.remove_instance(&id).await.unwrap();
    let _ = tokens.delete(&key).await;
    let _ = store.delete_all("kept").await;
}
