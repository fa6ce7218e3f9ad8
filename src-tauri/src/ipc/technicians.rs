//! Settings → Technicians: the console's own users, their roles and delegations.

use super::{ConsoleState, TechnicianRef};
use crate::error::IpcResult;
use mssp_core::model::Role;
use mssp_core::store::technicians::TechnicianRow;
use mssp_core::validate::TechnicianInput as CoreInput;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;

/// A technician; `customerIds` are the delegated customers when not `allCustomers`.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Technician {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub role: Role,
    pub enabled: bool,
    pub all_customers: bool,
    pub customer_ids: Vec<String>,
    /// Delegated tags: every customer carrying one is reached too.
    pub tag_ids: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub created_at: OffsetDateTime,
}

impl From<TechnicianRow> for Technician {
    fn from(t: TechnicianRow) -> Self {
        Self {
            id: t.id,
            username: t.username,
            email: t.email,
            role: t.role,
            enabled: t.enabled,
            all_customers: t.all_customers,
            customer_ids: t.customer_ids.iter().map(|c| c.to_string()).collect(),
            tag_ids: t.tag_ids.iter().map(|t| t.to_string()).collect(),
            created_at: t.created_at,
        }
    }
}

/// The technician form; on update an empty `password` keeps the old one.
#[derive(Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TechnicianInput {
    pub username: String,
    pub email: String,
    pub role: String,
    #[serde(default)]
    pub all_customers: bool,
    #[serde(default)]
    pub customer_ids: Vec<String>,
    #[serde(default)]
    pub tag_ids: Vec<String>,
    #[serde(default)]
    #[ts(type = "string | null", optional)]
    pub password: Option<SecretString>,
}

impl From<TechnicianInput> for CoreInput {
    fn from(d: TechnicianInput) -> Self {
        Self {
            username: d.username,
            email: d.email,
            role: d.role,
            all_customers: d.all_customers,
            customer_ids: d.customer_ids,
            tag_ids: d.tag_ids,
            password: d.password.unwrap_or_else(|| SecretString::from("")),
        }
    }
}

#[tauri::command(async)]
pub fn list_technicians(console: ConsoleState<'_>) -> IpcResult<Vec<Technician>> {
    Ok(console.list_technicians()?.into_iter().map(Technician::from).collect())
}

#[tauri::command]
pub async fn add_technician(
    console: ConsoleState<'_>,
    input: TechnicianInput,
) -> IpcResult<Technician> {
    Ok(console.add_technician(input.into()).await?.into())
}

#[tauri::command]
pub async fn update_technician(
    console: ConsoleState<'_>,
    id: TechnicianRef,
    input: TechnicianInput,
) -> IpcResult<Technician> {
    Ok(console.update_technician(id.0, input.into()).await?.into())
}

#[tauri::command(async)]
pub fn set_technician_enabled(
    console: ConsoleState<'_>,
    id: TechnicianRef,
    enabled: bool,
) -> IpcResult<Technician> {
    Ok(console.set_technician_enabled(id.0, enabled)?.into())
}
