//! What a customer instance reports in `GET /mssp/v1/data` (protocol v1), as the console
//! validates, stores and shows it: components with their integration, the reverse proxy,
//! technicians (central and local), and the license.
//!
//! Must never accept an answer that does not match the protocol: a missing section or a
//! wrong type is an invalid response, so a bad answer never replaces a good snapshot. Every
//! string is cut and cleaned, and every count bounded, as it is read (`sanitize`).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceData {
    #[serde(with = "time::serde::rfc3339")]
    pub collected_at: OffsetDateTime,
    pub components: Vec<DataComponent>,
    pub reverse_proxy: ReverseProxy,
    pub technicians: Vec<InstanceTechnician>,
    pub license: LicenseInfo,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataComponent {
    #[serde(deserialize_with = "crate::sanitize::de_shown")]
    pub id: String,
    #[serde(deserialize_with = "crate::sanitize::de_shown")]
    pub name: String,
    #[serde(deserialize_with = "crate::sanitize::de_shown")]
    pub status: String,
    #[serde(deserialize_with = "crate::sanitize::de_shown")]
    pub version: String,
    pub integration: Integration,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Integration {
    pub enabled: bool,
    #[serde(deserialize_with = "crate::sanitize::de_shown")]
    pub host: String,
    pub port: u16,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub last_heartbeat: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum ProxyMode {
    Context,
    Port,
    Both,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReverseProxy {
    pub enabled: bool,
    pub mode: ProxyMode,
    #[serde(deserialize_with = "crate::sanitize::de_shown")]
    pub host: String,
    pub port: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum TechnicianAuth {
    Central,
    Local,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceTechnician {
    #[serde(deserialize_with = "crate::sanitize::de_shown")]
    pub id: String,
    #[serde(deserialize_with = "crate::sanitize::de_shown")]
    pub name: String,
    #[serde(deserialize_with = "crate::sanitize::de_shown")]
    pub email: String,
    pub role: crate::model::Role,
    pub auth: TechnicianAuth,
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseInfo {
    #[serde(deserialize_with = "crate::sanitize::de_shown")]
    pub edition: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(deserialize_with = "crate::sanitize::de_counts")]
    pub usage: BTreeMap<String, u64>,
    #[serde(deserialize_with = "crate::sanitize::de_counts")]
    pub allocated: BTreeMap<String, u64>,
}

/// A central technician as pushed with `PUT /mssp/v1/technicians`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CentralTechnician {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: crate::model::Role,
}

impl InstanceData {
    /// The technicians as the instance has them after it applied `pushed`, per the protocol:
    /// listed ones added or updated and enabled, other central ones disabled, local ones
    /// untouched. Saves pulling `data` a second time after every push.
    pub fn with_pushed_technicians(mut self, pushed: &[CentralTechnician]) -> Self {
        let mut techs: Vec<InstanceTechnician> = self
            .technicians
            .into_iter()
            .filter(|t| t.auth == TechnicianAuth::Local || !pushed.iter().any(|p| p.id == t.id))
            .map(|mut t| {
                if t.auth == TechnicianAuth::Central {
                    t.enabled = false;
                }
                t
            })
            .collect();
        techs.extend(pushed.iter().map(|p| InstanceTechnician {
            id: p.id.clone(),
            name: p.name.clone(),
            email: p.email.clone(),
            role: p.role,
            auth: TechnicianAuth::Central,
            enabled: true,
        }));
        self.technicians = techs;
        self
    }
}
