//! The roles of the console's own technicians.

use serde::{Deserialize, Serialize};

/// A technician's role on this console. Ordered: each role can do what the ones below it can.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Guest,
    Operator,
    Admin,
}

impl Role {
    /// As a person types or picks it: "Admin", " operator" and the like.
    pub fn from_input(s: &str) -> Option<Self> {
        s.trim().to_ascii_lowercase().parse().ok()
    }
}
