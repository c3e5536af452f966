//! The cancel switches of running sign-ins and requests, and the deep-link hand-off.

use super::{lock, Workspace};
use crate::capture::DeepLinkHandle;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use tokio_util::sync::CancellationToken;

#[derive(Default)]
pub(super) struct Flows {
    sign_ins: Mutex<HashMap<String, (u64, CancellationToken)>>,
    next_flow: AtomicU64,
    requests: Mutex<HashMap<String, CancellationToken>>,
    /// One handle per deep-link sign-in waiting, by flow number: two flows (two instances, or
    /// a retry after a cancel) never clobber each other's.
    deep_links: Mutex<HashMap<u64, DeepLinkHandle>>,
    /// How long a browser trip may take; `None`: the capturers' default (5 minutes).
    sign_in_timeout: Mutex<Option<std::time::Duration>>,
}

impl Workspace {
    /// Starts tracking a sign-in of `id`, cancelling one already running. Returns the flow
    /// number (for [`Self::end_sign_in`]) and its cancel switch.
    pub fn begin_sign_in(&self, id: &str) -> (u64, CancellationToken) {
        let seq = self.flows.next_flow.fetch_add(1, Ordering::Relaxed) + 1;
        let token = CancellationToken::new();
        if let Some((_, old)) =
            lock(&self.flows.sign_ins).insert(id.to_owned(), (seq, token.clone()))
        {
            old.cancel();
        }
        (seq, token)
    }

    /// Sets how long each browser trip of a sign-in may take (tests; the default is 5 minutes).
    pub fn set_sign_in_timeout(&self, timeout: std::time::Duration) {
        *lock(&self.flows.sign_in_timeout) = Some(timeout);
    }

    pub(super) fn sign_in_timeout(&self) -> Option<std::time::Duration> {
        *lock(&self.flows.sign_in_timeout)
    }

    /// Stops tracking the sign-in of `id` if flow `seq` is still the current one.
    pub fn end_sign_in(&self, id: &str, seq: u64) {
        let mut m = lock(&self.flows.sign_ins);
        if m.get(id).is_some_and(|(s, _)| *s == seq) {
            m.remove(id);
        }
    }

    /// Cancels the sign-in of `id`; false when none is running.
    pub fn cancel_sign_in(&self, id: &str) -> bool {
        match lock(&self.flows.sign_ins).remove(id) {
            Some((_, t)) => {
                t.cancel();
                true
            }
            None => false,
        }
    }

    /// Starts tracking request `request_id` (a browse, a fetch of all pages, an export).
    pub fn begin_request(&self, request_id: &str) -> CancellationToken {
        let token = CancellationToken::new();
        if let Some(old) = lock(&self.flows.requests).insert(request_id.to_owned(), token.clone()) {
            old.cancel();
        }
        token
    }

    /// Stops tracking request `request_id`.
    pub fn end_request(&self, request_id: &str) {
        lock(&self.flows.requests).remove(request_id);
    }

    /// Cancels request `request_id`; false when it is not running.
    pub fn cancel_request(&self, request_id: &str) -> bool {
        match lock(&self.flows.requests).remove(request_id) {
            Some(t) => {
                t.cancel();
                true
            }
            None => false,
        }
    }

    /// Routes deep links to the sign-in flow `seq` (until [`Self::remove_deep_link_handle`]).
    pub fn add_deep_link_handle(&self, seq: u64, handle: DeepLinkHandle) {
        lock(&self.flows.deep_links).insert(seq, handle);
    }

    /// Stops routing deep links to flow `seq`.
    pub fn remove_deep_link_handle(&self, seq: u64) {
        lock(&self.flows.deep_links).remove(&seq);
    }

    /// Hands a deep link to every waiting deep-link sign-in (each keeps only the callback
    /// with its own `state`); false when none takes it.
    pub fn deliver_deep_link(&self, url: &str) -> bool {
        let handles: Vec<DeepLinkHandle> = lock(&self.flows.deep_links).values().cloned().collect();
        // Every flow gets the link (no short-circuit): each keeps only its own state's.
        let mut taken = false;
        for h in &handles {
            taken |= h.deliver(url);
        }
        taken
    }
}

#[cfg(test)]
mod tests {
    use crate::capture::{DeepLinkCapturer, DeepLinkOptions, RedirectCapturer};
    use crate::secret_store::SecretStore;
    use crate::Workspace;
    use tokio_util::sync::CancellationToken;

    /// Two deep-link sign-ins at once (two instances, or a retry after a cancel): the second
    /// flow ending must not cut off the first. Failed before the fix: one shared handle, so
    /// the second flow's set/clear dropped the first flow's callback.
    #[tokio::test]
    async fn two_deep_link_flows_each_get_their_callback() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::with_stores(
            dir.path().join("profiles.toml"),
            SecretStore::session_only(None),
            dir.path().join("data"),
        )
        .unwrap();
        let (first, h1) = DeepLinkCapturer::new(DeepLinkOptions::default());
        let (second, h2) = DeepLinkCapturer::new(DeepLinkOptions::default());
        ws.add_deep_link_handle(1, h1);
        ws.add_deep_link_handle(2, h2);
        assert!(ws.deliver_deep_link("org.dhis2w.desktop:/oauth2/callback?code=c2&state=s2"));
        let cancel = CancellationToken::new();
        assert_eq!(
            second
                .wait_for_code("s2", &cancel)
                .await
                .unwrap()
                .code
                .expose(),
            "c2"
        );
        ws.remove_deep_link_handle(2);
        assert!(ws.deliver_deep_link("org.dhis2w.desktop:/oauth2/callback?code=c1&state=s1"));
        assert_eq!(
            first
                .wait_for_code("s1", &cancel)
                .await
                .unwrap()
                .code
                .expose(),
            "c1"
        );
        ws.remove_deep_link_handle(1);
        assert!(!ws.deliver_deep_link("org.dhis2w.desktop:/oauth2/callback?code=c3&state=s3"));
    }
}
