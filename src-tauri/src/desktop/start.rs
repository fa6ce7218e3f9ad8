//! How a start looks: a start by the OS at login (`--autostart`, which the start-at-login
//! entry passes) goes straight to the tray, or to the task bar minimised where the desktop
//! has no tray, so monitoring runs from login without a window in the admin's way. And such
//! a start waits for the keychain, which the desktop may unlock only after starting us.

use mssp_core::Console;
use std::sync::Arc;
use std::time::Duration;

/// The argument the start-at-login entry starts the console with.
pub const AUTOSTART_ARG: &str = "--autostart";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartMode {
    /// Started by a person: the window opens.
    Shown,
    /// Started at login, with a tray to come back from: no window until asked.
    InTray,
    /// Started at login on a desktop without a tray: the window starts minimised.
    Minimised,
}

/// From the command line (`--autostart`, or `--hidden` by hand) and whether a tray exists.
pub fn start_mode<I: IntoIterator<Item = S>, S: AsRef<str>>(args: I, has_tray: bool) -> StartMode {
    let hidden = args.into_iter().any(|a| matches!(a.as_ref(), AUTOSTART_ARG | "--hidden"));
    match (hidden, has_tray) {
        (false, _) => StartMode::Shown,
        (true, true) => StartMode::InTray,
        (true, false) => StartMode::Minimised,
    }
}

/// Waits between tries to read the keychain at a login start: quick at first (the desktop
/// usually unlocks it within seconds of login), then once a minute, for as long as it takes.
pub fn keychain_retry_delays() -> impl Iterator<Item = Duration> {
    [1, 2, 4, 8, 15, 30]
        .into_iter()
        .map(Duration::from_secs)
        .chain(std::iter::repeat(Duration::from_secs(60)))
}

/// Tries to read the console's key from the keychain, waiting `delays` between tries while
/// the keychain is unavailable (locked, or its service not up yet). True once it is open;
/// false when another error stops it or the delays run out.
pub async fn wait_for_keychain(
    console: Arc<Console>,
    delays: impl IntoIterator<Item = Duration>,
) -> bool {
    let mut delays = delays.into_iter();
    let mut tries = 0u32;
    loop {
        tries += 1;
        let c = console.clone();
        let opened = tokio::task::spawn_blocking(move || c.open_keychain()).await;
        match opened {
            Ok(Ok(())) => {
                if tries > 1 {
                    tracing::info!(tries, "the keychain is open");
                }
                return true;
            }
            Ok(Err(mssp_core::Error::KeychainUnavailable(why))) => match delays.next() {
                Some(wait) => {
                    tracing::info!(%why, retry_in_s = wait.as_secs(), "the keychain is not open yet; waiting");
                    tokio::time::sleep(wait).await;
                }
                None => return false,
            },
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "cannot read the console's key from the keychain");
                return false;
            }
            Err(e) => {
                tracing::warn!(error = %e, "the keychain check stopped");
                return false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mssp_core::SystemClock;
    use mssp_core::client::{ClientConfig, InstanceClient};
    use mssp_core::store::Store;
    use mssp_core::vault::Vault;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn a_login_start_goes_to_the_tray_or_minimised() {
        assert_eq!(start_mode(["mssp-console"], true), StartMode::Shown);
        assert_eq!(start_mode(["mssp-console", "--autostart"], true), StartMode::InTray);
        assert_eq!(start_mode(["mssp-console", "--autostart"], false), StartMode::Minimised);
        assert_eq!(start_mode(["mssp-console", "--hidden"], true), StartMode::InTray);
        assert_eq!(start_mode(["mssp-console", "--autostarted"], true), StartMode::Shown);
    }

    /// A console whose keychain is locked for the first `locked` tries.
    fn console_with_keychain_locked_for(locked: u32) -> (Arc<Console>, Arc<AtomicU32>) {
        let tries = Arc::new(AtomicU32::new(0));
        let counted = tries.clone();
        let store = keyring_core::mock::Store::new().unwrap();
        let vault = Vault::with_factory(
            "mssp-console-start-test",
            Arc::new(move || {
                if counted.fetch_add(1, Ordering::SeqCst) < locked {
                    Err(mssp_core::Error::KeychainUnavailable("the keychain is locked".into()))
                } else {
                    Ok(store.clone())
                }
            }),
        );
        let console = Console::with_parts(
            Store::open_in_memory().unwrap(),
            vault,
            InstanceClient::new(ClientConfig::default()).unwrap(),
            Arc::new(SystemClock),
        )
        .unwrap();
        (Arc::new(console), tries)
    }

    #[tokio::test]
    async fn a_locked_keychain_is_waited_for_not_failed_on() {
        let (console, tries) = console_with_keychain_locked_for(3);
        let delays = std::iter::repeat(Duration::from_millis(1));
        assert!(wait_for_keychain(console.clone(), delays).await);
        assert_eq!(tries.load(Ordering::SeqCst), 4, "three locked tries, then the open one");
        // Once open, the key is kept: no more keychain calls.
        assert!(console.open_keychain().is_ok());
        assert_eq!(tries.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn it_gives_up_only_when_told_to() {
        let (console, tries) = console_with_keychain_locked_for(u32::MAX);
        let delays = std::iter::repeat_n(Duration::from_millis(1), 2);
        assert!(!wait_for_keychain(console, delays).await);
        assert_eq!(tries.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn the_waits_grow_then_repeat_every_minute() {
        let d: Vec<_> = keychain_retry_delays().take(8).map(|d| d.as_secs()).collect();
        assert_eq!(d, [1, 2, 4, 8, 15, 30, 60, 60]);
    }
}
