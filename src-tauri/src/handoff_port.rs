//! The port large answers wait at ([`dhis2w_client::handoff`]), reserved before the window
//! exists so that the page's CSP lets it connect to exactly that port on 127.0.0.1, not to every
//! local service (the sign-in receiver, a DHIS2 running on this computer…).

use std::sync::Mutex;
use tauri::utils::config::{Csp, CspDirectiveSources};

/// What `tauri.conf.json` allows; narrowed at start-up by [`narrow_csp`].
const ANY_LOOPBACK_PORT: &str = "http://127.0.0.1:*";

static RESERVED: Mutex<Option<std::net::TcpListener>> = Mutex::new(None);

/// Binds 127.0.0.1 at a port the system picks and keeps the listener for [`take`]; its port.
pub fn reserve() -> Option<u16> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).ok()?;
    let port = listener.local_addr().ok()?.port();
    *RESERVED.lock().unwrap_or_else(|p| p.into_inner()) = Some(listener);
    Some(port)
}

/// The reserved listener, once.
pub fn take() -> Option<std::net::TcpListener> {
    RESERVED.lock().unwrap_or_else(|p| p.into_inner()).take()
}

/// Replaces `connect-src`'s `http://127.0.0.1:*` with the reserved port, or drops it when no port
/// could be reserved (large answers then come through the IPC).
pub fn narrow_csp(csp: &mut Option<Csp>, port: Option<u16>) {
    let Some(policy) = csp.take() else { return };
    let mut map: std::collections::HashMap<String, CspDirectiveSources> = policy.into();
    if let Some(sources) = map.remove("connect-src") {
        let sources: Vec<String> = Vec::<String>::from(sources)
            .into_iter()
            .filter(|s| !s.is_empty())
            .filter_map(|s| match (s == ANY_LOOPBACK_PORT, port) {
                (false, _) => Some(s),
                (true, Some(port)) => Some(format!("http://127.0.0.1:{port}")),
                (true, None) => None,
            })
            .collect();
        map.insert("connect-src".into(), CspDirectiveSources::List(sources));
    }
    *csp = Some(Csp::DirectiveMap(map));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connect_src(csp: &Option<Csp>) -> String {
        let map: std::collections::HashMap<String, CspDirectiveSources> =
            csp.clone().unwrap().into();
        Vec::<String>::from(map["connect-src"].clone()).join(" ")
    }

    #[test]
    fn the_page_may_reach_only_the_reserved_port() {
        let base = || {
            Some(Csp::Policy(
                "default-src 'self'; connect-src 'self' ipc: http://ipc.localhost http://127.0.0.1:*".into(),
            ))
        };
        let mut csp = base();
        narrow_csp(&mut csp, Some(41234));
        assert_eq!(
            connect_src(&csp),
            "'self' ipc: http://ipc.localhost http://127.0.0.1:41234"
        );
        assert!(csp
            .as_ref()
            .unwrap()
            .to_string()
            .contains("default-src 'self'"));
        let mut csp = base();
        narrow_csp(&mut csp, None);
        assert_eq!(connect_src(&csp), "'self' ipc: http://ipc.localhost");
        let mut none = None;
        narrow_csp(&mut none, Some(1));
        assert!(none.is_none());
    }

    #[test]
    fn the_shipped_config_is_narrowed() {
        let context: tauri::Context<tauri::test::MockRuntime> = tauri::generate_context!();
        let mut csp = context.config().app.security.csp.clone();
        narrow_csp(&mut csp, Some(5));
        let sources = connect_src(&csp);
        assert!(sources.contains("http://127.0.0.1:5"), "{sources}");
        assert!(!sources.contains(":*"), "{sources}");
    }

    #[test]
    fn a_reserved_port_is_taken_once() {
        let port = reserve().unwrap();
        let listener = take().unwrap();
        assert_eq!(listener.local_addr().unwrap().port(), port);
        assert!(take().is_none());
    }
}
