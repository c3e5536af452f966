//! Load (issue 14): 1,000 concurrent requests per instance across an access-token expiry, on
//! two signed-in instances at once, through the Workspace's shared sessions (what the app and
//! the CLI use), with the OS keyring when there is one. Each instance refreshes exactly once per
//! expiry and no request fails; three rounds in a row.

mod support;

use std::sync::Arc;

use dhis2w_client::profile::{AuthKind, InstanceInput, OAuth2Settings, RedirectMode};
use dhis2w_client::secret_store::SecretStore;
use dhis2w_client::{Secret, SignInRequest, Workspace};
use support::{BrowserScript, StandIn, TestBrowser};

const REQUESTS: usize = 1_000;
const ROUNDS: usize = 3;

async fn oauth_instance(ws: &Workspace, si: &StandIn, name: &str) -> String {
    let mut input = InstanceInput::new(name, &si.base, AuthKind::Oauth2);
    input.oauth2 = Some(OAuth2Settings {
        client_id: si.fx("/clients/confidential/clientId"),
        scope: None,
        redirect_mode: RedirectMode::Loopback,
    });
    input.client_secret = Some(Secret::new(si.fx("/clients/confidential/clientSecret")));
    let id = ws.add_instance(&input).await.unwrap().id;
    let browser = TestBrowser::new(BrowserScript::new(
        &si.fx("/users/admin/username"),
        &si.fx("/users/admin/password"),
    ));
    ws.sign_in(
        &id,
        SignInRequest {
            different_user: false,
            keep_signed_in: false,
            browser: &browser,
            progress: None,
        },
    )
    .await
    .unwrap();
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_requests_per_instance_across_expiry_refresh_once_each_three_times() {
    let (a, b) = tokio::join!(StandIn::start(&[]), StandIn::start(&[]));
    let dir = tempfile::tempdir().unwrap();
    let service = format!("org.dhis2w.desktop.storm-{}", std::process::id());
    let secrets = SecretStore::open_with_service(&service).await;
    let ws = Arc::new(
        Workspace::with_stores(
            dir.path().join("config/profiles.toml"),
            secrets,
            dir.path().join("data"),
        )
        .unwrap(),
    );
    let ids = [
        oauth_instance(&ws, &a, "Storm A").await,
        oauth_instance(&ws, &b, "Storm B").await,
    ];
    let servers = [&a, &b];
    for round in 1..=ROUNDS {
        // Every access token the servers issued so far is now expired (server side).
        tokio::join!(a.expire_tokens(), b.expire_tokens());
        let before = [
            a.token_posts("refresh_token").await,
            b.token_posts("refresh_token").await,
        ];
        let mut tasks = Vec::with_capacity(2 * REQUESTS);
        for id in &ids {
            for _ in 0..REQUESTS {
                let (ws, id) = (ws.clone(), id.clone());
                tasks.push(tokio::spawn(async move {
                    ws.get(&id, "/api/system/info", &[], None, None).await
                }));
            }
        }
        let mut failures = Vec::new();
        for t in tasks {
            match t.await.unwrap() {
                Ok(r) if r.status == 200 => {}
                Ok(r) => failures.push(format!("HTTP {}", r.status)),
                Err(e) => failures.push(e.message().to_owned()),
            }
        }
        assert!(
            failures.is_empty(),
            "round {round}: {} of {} requests failed, e.g. {:?}",
            failures.len(),
            2 * REQUESTS,
            failures.first()
        );
        for (i, si) in servers.iter().enumerate() {
            let refreshes = si.token_posts("refresh_token").await - before[i];
            assert_eq!(refreshes, 1, "round {round}, instance {i}: one refresh");
        }
        println!(
            "storm round {round}: {} requests, 0 failures, 1 refresh per instance",
            2 * REQUESTS
        );
    }
    for id in &ids {
        ws.sign_out(id).await.unwrap();
    }
}
