//! How customer connections reach the network: directly, unless the admin chose a proxy
//! (the system's, or one URL). Kept in the `settings` table and applied to the clients every
//! customer connection is made from.
//!
//! Must never route customer connections through a proxy the admin did not choose: reqwest
//! would otherwise honour `HTTP_PROXY`/`HTTPS_PROXY` silently.

use crate::client::ProxyMode;
use crate::error::{Error, Result};
use crate::store::settings;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkSettings {
    /// `none`, `system` or `url`.
    pub proxy: String,
    /// The proxy for `url`, e.g. `http://proxy.mssp.example:3128`.
    pub proxy_url: String,
}

impl NetworkSettings {
    pub fn proxy_mode(&self) -> Result<ProxyMode> {
        match self.proxy.as_str() {
            "" | "none" => Ok(ProxyMode::None),
            "system" => Ok(ProxyMode::System),
            "url" => {
                let url = self.proxy_url.trim();
                let parsed = reqwest::Url::parse(url).ok().filter(|u| {
                    matches!(u.scheme(), "http" | "https" | "socks5" | "socks5h")
                        && u.host().is_some()
                });
                match parsed {
                    Some(_) if reqwest::Proxy::all(url).is_ok() => {
                        Ok(ProxyMode::Url(url.to_owned()))
                    }
                    _ => Err(Error::field(
                        "proxyUrl",
                        "Enter the proxy as a URL, like http://proxy.mssp.example:3128.",
                    )),
                }
            }
            _ => Err(Error::field("proxy", "Choose no proxy, the system's proxy, or a proxy URL.")),
        }
    }

    pub(crate) fn load(conn: &rusqlite::Connection) -> Result<Self> {
        Ok(settings::get(conn, "network")?
            .and_then(|json| serde_json::from_str::<Self>(&json).ok())
            .filter(|s| s.proxy_mode().is_ok())
            .unwrap_or_default())
    }

    pub(crate) fn save(&self, conn: &rusqlite::Connection) -> Result<()> {
        let json = serde_json::to_string(self).map_err(|e| Error::Internal(e.to_string()))?;
        settings::set(conn, "network", &json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_chosen_proxy_is_used() {
        assert_eq!(NetworkSettings::default().proxy_mode().unwrap(), ProxyMode::None);
        let url =
            NetworkSettings { proxy: "url".into(), proxy_url: "http://proxy.example:3128".into() };
        assert_eq!(url.proxy_mode().unwrap(), ProxyMode::Url("http://proxy.example:3128".into()));
        let bad = NetworkSettings { proxy: "url".into(), proxy_url: "proxy.example".into() };
        assert!(bad.proxy_mode().unwrap_err().fields().unwrap().contains_key("proxyUrl"));
        let odd = NetworkSettings { proxy: "sometimes".into(), ..Default::default() };
        assert!(odd.proxy_mode().is_err());
    }
}
