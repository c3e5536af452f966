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
    deep_link: Mutex<Option<DeepLinkHandle>>,
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

    /// Routes deep links to the sign-in waiting for one.
    pub fn set_deep_link_handle(&self, handle: Option<DeepLinkHandle>) {
        *lock(&self.flows.deep_link) = handle;
    }

    /// Hands a deep link to the waiting sign-in; false when none takes it.
    pub fn deliver_deep_link(&self, url: &str) -> bool {
        lock(&self.flows.deep_link)
            .as_ref()
            .is_some_and(|h| h.deliver(url))
    }
}
