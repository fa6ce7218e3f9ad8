//! Plain data types shared by the library API, the control endpoint and the CLI:
//! what an instance is created from ([`InstanceSpec`]), what is reported about it
//! ([`InstanceInfo`]) and the fault modes ([`Fault`]).
//!
//! Owns only shapes and defaults. It must never hold runtime state, sockets or
//! locks: these values are copied freely and serialized to manifests.

use serde::{Deserialize, Serialize};

/// Build every instance gets unless told otherwise.
pub const DEFAULT_BUILD: u32 = 7100;
/// Default administrator user name of a simulated instance.
pub const DEFAULT_USERNAME: &str = "admin";
/// Default administrator password of a simulated instance.
pub const DEFAULT_PASSWORD: &str = "Admin@12345";

/// How a simulated instance misbehaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fault {
    /// Healthy: answers every request.
    None,
    /// The listening socket is closed, so connects get ECONNREFUSED.
    Down,
    /// Accepts TCP connections but never answers on them.
    Hang,
    /// Every request under `/mssp/v1/` answers `500 internal_error`.
    Error500,
}

impl Fault {
    /// The wire name, as used by the control endpoint and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::None => "none",
            Fault::Down => "down",
            Fault::Hang => "hang",
            Fault::Error500 => "error500",
        }
    }
}

/// What an instance is created from. Every field defaults when deserialized, so
/// a JSON config may give only the fields it cares about.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct InstanceSpec {
    pub name: String,
    pub username: String,
    pub password: String,
    pub build: u32,
    pub tls: bool,
    /// 0 = pick a free one.
    pub port: u16,
    pub fault: Fault,
    pub latency_ms: u64,
}

impl InstanceSpec {
    /// A healthy plain-HTTP instance with the default credentials and build.
    pub fn new(name: impl Into<String>) -> Self {
        InstanceSpec {
            name: name.into(),
            username: DEFAULT_USERNAME.to_owned(),
            password: DEFAULT_PASSWORD.to_owned(),
            build: DEFAULT_BUILD,
            tls: false,
            port: 0,
            fault: Fault::None,
            latency_ms: 0,
        }
    }
}

impl Default for InstanceSpec {
    /// An empty name is replaced by `Instance {port}` once the port is known.
    fn default() -> Self {
        InstanceSpec::new("")
    }
}

/// What a running simulator reports about one instance (its current values,
/// so it reflects later password or build changes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceInfo {
    pub instance_id: uuid::Uuid,
    pub name: String,
    pub port: u16,
    pub url: String,
    pub tls: bool,
    pub username: String,
    pub password: String,
    pub build: u32,
}

/// The product version a build number stands for: 7100 -> "7.1.0",
/// 7215 -> "7.2.15". Derived rather than stored so a build change can never
/// leave the two disagreeing.
pub fn version_for_build(build: u32) -> String {
    format!("{}.{}.{}", build / 1000, (build % 1000) / 100, build % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_is_derived_from_build() {
        assert_eq!(version_for_build(7100), "7.1.0");
        assert_eq!(version_for_build(7200), "7.2.0");
        assert_eq!(version_for_build(7215), "7.2.15");
    }

    #[test]
    fn spec_fields_default_when_missing() {
        let spec: InstanceSpec = serde_json::from_str(r#"{"name":"X","port":9}"#).unwrap();
        assert_eq!(spec.name, "X");
        assert_eq!(spec.port, 9);
        assert_eq!(spec.username, DEFAULT_USERNAME);
        assert_eq!(spec.password, DEFAULT_PASSWORD);
        assert_eq!(spec.build, DEFAULT_BUILD);
        assert_eq!(spec.fault, Fault::None);
    }

    #[test]
    fn fault_wire_names() {
        for f in [Fault::None, Fault::Down, Fault::Hang, Fault::Error500] {
            let json = serde_json::to_string(&f).unwrap();
            assert_eq!(json, format!("\"{}\"", f.as_str()));
        }
    }
}
