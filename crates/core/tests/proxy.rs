//! Customer connections go through a proxy only when the admin chose one: with
//! `HTTP_PROXY`/`HTTPS_PROXY` set in the environment (as a corporate laptop may have), the
//! console still connects directly until "the system's proxy" or a proxy URL is chosen.
//! Its own test binary, because it sets process-wide environment variables.

mod common;

use common::{Harness, input_for};
use mssp_core::network::NetworkSettings;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A "proxy" that counts the connections it gets and closes them.
fn counting_proxy() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            count.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (url, seen)
}

#[test]
fn no_proxy_unless_the_admin_sets_one() {
    let (env_proxy, env_seen) = counting_proxy();
    // SAFETY: set before any other thread of this test binary reads the environment (the
    // runtime is built below; this binary has no other test).
    unsafe {
        std::env::set_var("HTTP_PROXY", &env_proxy);
        std::env::set_var("HTTPS_PROXY", &env_proxy);
        std::env::set_var("http_proxy", &env_proxy);
        std::env::remove_var("NO_PROXY");
        std::env::remove_var("no_proxy");
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let h = Harness::new().await;
        let acme = h.instance("Acme", "acme-admin-pass-1").await;
        let c = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap();
        h.console.check_customer_now(c.id).await.unwrap();
        assert_eq!(env_seen.load(Ordering::SeqCst), 0, "the environment's proxy was not used");
        assert!(h.sim.request_count(acme.port) > 0, "the instance was reached directly");

        let (chosen, chosen_seen) = counting_proxy();
        let err = h
            .console
            .set_network_settings(NetworkSettings {
                proxy: "url".into(),
                proxy_url: "nonsense".into(),
            })
            .unwrap_err();
        assert!(err.fields().unwrap().contains_key("proxyUrl"));
        h.console
            .set_network_settings(NetworkSettings {
                proxy: "url".into(),
                proxy_url: chosen.clone(),
            })
            .unwrap();
        let _ = h.console.sync_customer(c.id).await.unwrap();
        assert!(chosen_seen.load(Ordering::SeqCst) > 0, "the chosen proxy was used");
        assert_eq!(env_seen.load(Ordering::SeqCst), 0);

        h.console
            .set_network_settings(NetworkSettings {
                proxy: "system".into(),
                proxy_url: String::new(),
            })
            .unwrap();
        let _ = h.console.sync_customer(c.id).await.unwrap();
        assert!(env_seen.load(Ordering::SeqCst) > 0, "the system's proxy, once chosen");
        assert!(h.console.audit_log(5).unwrap().iter().any(|a| a.action == "network.settings"));
    });
}
