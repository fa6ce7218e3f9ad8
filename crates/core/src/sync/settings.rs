//! How often every customer is synced, validated and kept in the `settings` table.
//! Must never accept an interval under a minute or over a day.

use crate::error::{Error, FieldErrors, Result};
use crate::store::settings;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SyncSettings {
    /// Every customer is synced this often (1 minute to a day).
    pub interval_minutes: u64,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self { interval_minutes: 15 }
    }
}

impl SyncSettings {
    pub fn validate(&self) -> Result<()> {
        if (1..=1440).contains(&self.interval_minutes) {
            Ok(())
        } else {
            Err(Error::Validation(FieldErrors::from([(
                "intervalMinutes",
                "Sync every 1 to 1440 minutes.".to_owned(),
            )])))
        }
    }

    pub(crate) fn load(conn: &rusqlite::Connection) -> Result<Self> {
        Ok(settings::get(conn, "sync")?
            .and_then(|json| serde_json::from_str::<Self>(&json).ok())
            .filter(|s| s.validate().is_ok())
            .unwrap_or_default())
    }

    pub(crate) fn save(&self, conn: &rusqlite::Connection) -> Result<()> {
        let json = serde_json::to_string(self).map_err(|e| Error::Internal(e.to_string()))?;
        settings::set(conn, "sync", &json)
    }
}
