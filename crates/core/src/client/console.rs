//! `POST /mssp/v1/console-session`'s answer, bounded: a one-time sign-in URL for the
//! customer's own web console, believed only when it is on the origin the client called, at
//! most [`MAX_CONSOLE_URL_CHARS`] long, and for at most [`MAX_CONSOLE_URL_LIFETIME`].
//!
//! The URL is a credential (whoever opens it first is signed in as the customer's admin):
//! it must never be logged, audited, shown as text or put in an error message, not even a
//! refused one.

use crate::error::{Error, Result};
use crate::model::Endpoint;
use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::time::{Duration, Instant};

/// Longest sign-in URL believed.
pub const MAX_CONSOLE_URL_CHARS: usize = 2048;
/// Longest a sign-in URL is believed to stay valid, whatever the instance says.
pub const MAX_CONSOLE_URL_LIFETIME: Duration = Duration::from_secs(60);

/// A one-time sign-in URL on the customer's own origin. Its `Debug` hides it.
#[derive(Clone)]
pub struct ConsoleUrl(SecretString);

impl ConsoleUrl {
    /// The URL, for the one window that opens it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for ConsoleUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ConsoleUrl(<redacted>)")
    }
}

/// What `console-session` answered, once checked.
#[derive(Debug, Clone)]
pub struct ConsoleSignIn {
    pub url: ConsoleUrl,
    /// When the URL stops working (the instance's word, at most a minute after the request).
    pub valid_until: Instant,
}

/// `scheme://host:port` of an endpoint, as a browser spells the origin (default ports left
/// out, IPv6 in brackets, names in lower case).
pub fn origin_of(ep: &Endpoint) -> Result<String> {
    let url = Url::parse(&ep.base_url())
        .map_err(|e| Error::Internal(format!("the customer's address is not a URL: {e}")))?;
    Ok(url.origin().ascii_serialization())
}

/// Checks an instance's sign-in URL against the endpoint it was asked at; the refusal names
/// what is wrong but never the URL.
pub(super) fn check(
    ep: &Endpoint,
    raw: SecretString,
    expires_in: u64,
    asked: Instant,
) -> Result<ConsoleSignIn> {
    let refuse = |why: &str| {
        Error::InvalidResponse(format!(
            "{ep} answered a console sign-in address that {why}; nothing was opened"
        ))
    };
    let text = raw.expose_secret();
    if text.chars().count() > MAX_CONSOLE_URL_CHARS {
        return Err(refuse(&format!("is longer than {MAX_CONSOLE_URL_CHARS} characters")));
    }
    // The URL parser would drop tabs and line breaks silently: refuse them instead.
    if text.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(refuse("contains spaces or control characters"));
    }
    let url = Url::parse(text).map_err(|_| refuse("is not an absolute URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refuse("is not an http or https address"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("carries a user name or password"));
    }
    if url.fragment().is_some() {
        return Err(refuse("carries a fragment"));
    }
    let expected = origin_of(ep)?;
    if url.origin().ascii_serialization() != expected {
        return Err(refuse(&format!("is not on its own origin {expected}")));
    }
    let lifetime = Duration::from_secs(expires_in).min(MAX_CONSOLE_URL_LIFETIME);
    let valid_until = asked.checked_add(lifetime).unwrap_or(asked);
    Ok(ConsoleSignIn { url: ConsoleUrl(SecretString::from(url.as_str().to_owned())), valid_until })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ConnectionType;

    fn ep(connection: ConnectionType, server: &str, port: u16) -> Endpoint {
        Endpoint { connection, server: server.into(), port }
    }

    fn checked(ep: &Endpoint, url: &str, expires_in: u64) -> Result<ConsoleSignIn> {
        check(ep, SecretString::from(url.to_owned()), expires_in, Instant::now())
    }

    #[test]
    fn a_url_on_the_same_origin_is_believed_for_at_most_a_minute() {
        let acme = ep(ConnectionType::Https, "Log360.Acme.example", 8443);
        let asked = Instant::now();
        let url = "https://log360.acme.example:8443/console/sso?ticket=abc";
        let ok = check(&acme, SecretString::from(url.to_owned()), u64::MAX, asked).unwrap();
        assert_eq!(ok.url.expose(), url);
        assert_eq!(ok.valid_until, asked + MAX_CONSOLE_URL_LIFETIME);
        let ok = check(&acme, SecretString::from(url.to_owned()), 5, asked).unwrap();
        assert_eq!(ok.valid_until, asked + Duration::from_secs(5));
        assert_eq!(format!("{ok:?}").matches("ticket").count(), 0, "Debug hides the URL");

        let v6 = ep(ConnectionType::Http, "::1", 80);
        assert_eq!(origin_of(&v6).unwrap(), "http://[::1]");
        assert!(checked(&v6, "http://[::1]/console/sso?ticket=a", 60).is_ok());
        assert!(checked(&v6, "http://[::1]:80/console/sso?ticket=a", 60).is_ok());
    }

    #[test]
    fn anything_else_is_refused_without_repeating_the_url() {
        let acme = ep(ConnectionType::Https, "127.0.0.1", 18081);
        let secret = "s3cr3t-ticket";
        let long = format!("https://127.0.0.1:18081/console/sso?ticket={}", "a".repeat(2048));
        for bad in [
            format!("https://127.0.0.1:18082/sso?ticket={secret}"), // another port
            format!("http://127.0.0.1:18081/sso?ticket={secret}"),  // another scheme
            format!("https://localhost:18081/sso?ticket={secret}"), // another host name
            format!("https://console.attacker.invalid:18081/sso?ticket={secret}"),
            format!("https://admin:pw@127.0.0.1:18081/sso?ticket={secret}"),
            format!("https://127.0.0.1:18081/sso?ticket={secret}#frag"),
            format!("https://127.0.0.1:18081/sso?ticket={secret}\n"),
            format!("https://127.0.0.1:18081/s so?ticket={secret}"),
            format!("/console/sso?ticket={secret}"),
            format!("javascript:alert('{secret}')"),
            format!("file:///etc/{secret}"),
            long,
        ] {
            let err = checked(&acme, &bad, 60).unwrap_err();
            assert_eq!(err.code(), "invalid_response", "{bad}");
            let message = err.to_string();
            assert!(!message.contains(secret) && !message.contains("aaaa"), "{message}");
            assert!(message.contains("nothing was opened"), "{message}");
        }
    }
}
