//! Transport types: what the webview sends and receives, in camelCase, apart from the
//! domain types so either can change without the other. No DTO ever carries a customer's
//! credentials back to the webview: `hasCredentials` is as far as it goes.

use mssp_core::auth::Session;
use mssp_core::instance_data::InstanceData;
use mssp_core::licensing::{AllocationDetails, LicenseOverview};
use mssp_core::model::{Customer, Health};
use mssp_core::monitor::MonitorSettings;
use mssp_core::store::audit::AuditEntry;
use mssp_core::store::licensing::{Counts, PushState};
use mssp_core::store::technicians::{Role, TechnicianRow};
use mssp_core::sync::{Progress, SyncState, SyncStatus};
use mssp_core::validate::CustomerInput;
use mssp_core::validate::TechnicianInput;
use mssp_core::{CustomerDetails, HealthDetail};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn ts(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfoDto {
    pub product_name: &'static str,
    pub version: &'static str,
    pub build: u32,
    pub needs_setup: bool,
    pub session: Option<SessionDto>,
    pub idle_lock_seconds: i64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionDto {
    pub username: String,
    pub role: String,
}

impl From<Session> for SessionDto {
    fn from(s: Session) -> Self {
        Self {
            username: s.username,
            role: s.role.as_str().to_owned(),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewAdminDto {
    pub username: String,
    pub password: SecretString,
    pub confirm_password: SecretString,
}

/// The Add/Update Customer form. The port stays text so "80a" is a field error, not a
/// deserialization failure.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerInputDto {
    pub name: String,
    pub email: String,
    pub server: String,
    pub port: PortText,
    pub connection_type: String,
    pub username: String,
    pub password: SecretString,
}

/// Accepts the port as typed (a string) or as a number.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum PortText {
    Text(String),
    Number(serde_json::Number),
}

impl From<CustomerInputDto> for CustomerInput {
    fn from(d: CustomerInputDto) -> Self {
        Self {
            name: d.name,
            email: d.email,
            server: d.server,
            port: match d.port {
                PortText::Text(s) => s,
                PortText::Number(n) => n.to_string(),
            },
            connection_type: d.connection_type,
            username: d.username,
            password: d.password,
        }
    }
}

#[derive(Debug, Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct HealthDto {
    pub state: mssp_core::model::HealthState,
    pub checked_at: Option<String>,
    pub latency_ms: Option<u64>,
    pub reason: Option<String>,
}

impl From<Health> for HealthDto {
    fn from(h: Health) -> Self {
        Self {
            state: h.state,
            checked_at: h.checked_at.map(ts),
            latency_ms: h.latency_ms,
            reason: h.reason,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerDto {
    pub id: String,
    pub name: String,
    pub email: String,
    pub server: String,
    pub port: u16,
    pub connection_type: &'static str,
    pub status: &'static str,
    pub build: u32,
    pub instance_id: String,
    pub created_at: String,
    pub updated_at: String,
    pub has_credentials: bool,
    pub health: HealthDto,
    pub sync: SyncDto,
}

impl CustomerDto {
    pub fn new(c: Customer, health: Health, sync: SyncStatus) -> Self {
        Self {
            id: c.id.to_string(),
            status: sync.label(),
            sync: sync.into(),
            name: c.name,
            email: c.email,
            server: c.endpoint.server,
            port: c.endpoint.port,
            connection_type: c.endpoint.connection.as_str(),
            build: c.build,
            instance_id: c.instance_id.to_string(),
            created_at: ts(c.created_at),
            updated_at: ts(c.updated_at),
            // Every saved customer has its keychain entry: they are saved together.
            has_credentials: true,
            health: health.into(),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryDto {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub reason: Option<String>,
}

impl From<AuditEntry> for AuditEntryDto {
    fn from(a: AuditEntry) -> Self {
        Self {
            id: a.id,
            at: ts(a.at),
            actor: a.actor,
            action: a.action,
            target: a.target,
            outcome: a.outcome,
            reason: a.reason,
        }
    }
}

#[derive(Debug, Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct HealthUpdatedDto {
    pub customer_id: String,
    pub health: HealthDto,
}

#[derive(Debug, Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct StatusCountsDto {
    pub up: usize,
    pub down: usize,
    pub unknown: usize,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthEventDto {
    pub at: String,
    pub from: mssp_core::model::HealthState,
    pub to: mssp_core::model::HealthState,
    pub reason: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HourPointDto {
    pub hour: String,
    pub checks: u32,
    pub failures: u32,
    pub avg_latency_ms: Option<u64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthDetailDto {
    pub customer_id: String,
    pub health: HealthDto,
    pub since: Option<String>,
    #[serde(rename = "uptime24h")]
    pub uptime_24h: Option<f64>,
    #[serde(rename = "uptime7d")]
    pub uptime_7d: Option<f64>,
    pub events: Vec<HealthEventDto>,
    pub hourly: Vec<HourPointDto>,
}

impl From<HealthDetail> for HealthDetailDto {
    fn from(d: HealthDetail) -> Self {
        Self {
            customer_id: d.customer.id.to_string(),
            health: d.health.into(),
            since: d.since.map(ts),
            uptime_24h: d.uptime_24h,
            uptime_7d: d.uptime_7d,
            events: d
                .events
                .into_iter()
                .map(|e| HealthEventDto {
                    at: ts(e.at),
                    from: e.from,
                    to: e.to,
                    reason: e.reason,
                })
                .collect(),
            hourly: d
                .hourly
                .into_iter()
                .map(|p| HourPointDto {
                    hour: ts(p.hour),
                    checks: p.checks,
                    failures: p.failures,
                    avg_latency_ms: p.avg_latency_ms,
                })
                .collect(),
        }
    }
}

/// Monitoring settings as the Monitoring page shows and sends them.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MonitorSettingsDto {
    pub interval_secs: u64,
    pub retry_secs: u64,
    pub failures_to_down: u32,
    pub successes_to_up: u32,
    pub notifications: bool,
    pub reminder_minutes: u64,
    pub retention_days: u32,
}

impl From<MonitorSettings> for MonitorSettingsDto {
    fn from(s: MonitorSettings) -> Self {
        Self {
            interval_secs: s.interval_secs,
            retry_secs: s.retry_secs,
            failures_to_down: s.failures_to_down,
            successes_to_up: s.successes_to_up,
            notifications: s.notifications,
            reminder_minutes: s.reminder_minutes,
            retention_days: s.retention_days,
        }
    }
}

impl From<MonitorSettingsDto> for MonitorSettings {
    fn from(s: MonitorSettingsDto) -> Self {
        Self {
            interval_secs: s.interval_secs,
            retry_secs: s.retry_secs,
            failures_to_down: s.failures_to_down,
            successes_to_up: s.successes_to_up,
            notifications: s.notifications,
            reminder_minutes: s.reminder_minutes,
            retention_days: s.retention_days,
        }
    }
}

#[derive(Debug, Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct SyncDto {
    pub state: SyncState,
    pub at: Option<String>,
    pub reason: Option<String>,
}

impl From<SyncStatus> for SyncDto {
    fn from(s: SyncStatus) -> Self {
        Self {
            state: s.state,
            at: s.at.map(ts),
            reason: s.reason,
        }
    }
}

#[derive(Debug, Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct SyncUpdatedDto {
    pub customer_id: String,
    pub status: &'static str,
    pub sync: SyncDto,
}

#[derive(Debug, Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct SyncProgressDto {
    pub done: usize,
    pub total: usize,
    pub failed: usize,
    pub running: bool,
    pub cancelled: bool,
}

impl From<Progress> for SyncProgressDto {
    fn from(p: Progress) -> Self {
        Self {
            done: p.done,
            total: p.total,
            failed: p.failed,
            running: p.running,
            cancelled: p.cancelled,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncAllDto {
    pub total: usize,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncRunDto {
    pub started_at: String,
    pub duration_ms: u64,
    pub trigger: String,
    pub outcome: &'static str,
    pub reason: Option<String>,
}

/// The last synced snapshot, in camelCase like every DTO.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotDto {
    pub components: Vec<ComponentDto>,
    pub reverse_proxy: ReverseProxyDto,
    pub technicians: Vec<InstanceTechnicianDto>,
    pub license: LicenseDto,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComponentDto {
    pub id: String,
    pub name: String,
    pub status: String,
    pub version: String,
    pub integration: IntegrationDto,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationDto {
    pub enabled: bool,
    pub host: String,
    pub port: u16,
    pub last_heartbeat: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReverseProxyDto {
    pub enabled: bool,
    pub mode: mssp_core::instance_data::ProxyMode,
    pub host: String,
    pub port: u16,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceTechnicianDto {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub auth: mssp_core::instance_data::TechnicianAuth,
    pub enabled: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LicenseDto {
    pub edition: String,
    pub expires_at: String,
    pub usage: std::collections::BTreeMap<String, u64>,
    pub allocated: std::collections::BTreeMap<String, u64>,
}

impl From<InstanceData> for SnapshotDto {
    fn from(d: InstanceData) -> Self {
        Self {
            components: d
                .components
                .into_iter()
                .map(|c| ComponentDto {
                    id: c.id,
                    name: c.name,
                    status: c.status,
                    version: c.version,
                    integration: IntegrationDto {
                        enabled: c.integration.enabled,
                        host: c.integration.host,
                        port: c.integration.port,
                        last_heartbeat: c.integration.last_heartbeat.map(ts),
                    },
                })
                .collect(),
            reverse_proxy: ReverseProxyDto {
                enabled: d.reverse_proxy.enabled,
                mode: d.reverse_proxy.mode,
                host: d.reverse_proxy.host,
                port: d.reverse_proxy.port,
            },
            technicians: d
                .technicians
                .into_iter()
                .map(|t| InstanceTechnicianDto {
                    id: t.id,
                    name: t.name,
                    email: t.email,
                    role: t.role,
                    auth: t.auth,
                    enabled: t.enabled,
                })
                .collect(),
            license: LicenseDto {
                edition: d.license.edition,
                expires_at: ts(d.license.expires_at),
                usage: d.license.usage,
                allocated: d.license.allocated,
            },
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerDetailsDto {
    pub customer_id: String,
    pub sync: SyncDto,
    pub synced_at: Option<String>,
    pub collected_at: Option<String>,
    pub snapshot: Option<SnapshotDto>,
    pub runs: Vec<SyncRunDto>,
}

impl From<CustomerDetails> for CustomerDetailsDto {
    fn from(d: CustomerDetails) -> Self {
        Self {
            customer_id: d.customer.id.to_string(),
            sync: d.sync.into(),
            synced_at: d.synced_at.map(ts),
            collected_at: d.data.as_ref().map(|data| ts(data.collected_at)),
            snapshot: d.data.map(SnapshotDto::from),
            runs: d
                .runs
                .into_iter()
                .map(|r| SyncRunDto {
                    started_at: ts(r.started_at),
                    duration_ms: r.duration_ms,
                    trigger: r.trigger,
                    outcome: if r.success { "success" } else { "failed" },
                    reason: r.reason,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SyncSettingsDto {
    pub interval_minutes: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TechnicianDto {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub role: Role,
    pub enabled: bool,
    pub all_customers: bool,
    pub customer_ids: Vec<String>,
    pub created_at: String,
}

impl From<TechnicianRow> for TechnicianDto {
    fn from(t: TechnicianRow) -> Self {
        Self {
            id: t.id,
            username: t.username,
            email: t.email,
            role: t.role,
            enabled: t.enabled,
            all_customers: t.all_customers,
            customer_ids: t.customer_ids.iter().map(|c| c.to_string()).collect(),
            created_at: ts(t.created_at),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TechnicianInputDto {
    pub username: String,
    pub email: String,
    pub role: String,
    #[serde(default)]
    pub all_customers: bool,
    #[serde(default)]
    pub customer_ids: Vec<String>,
    #[serde(default)]
    pub password: Option<SecretString>,
}

impl From<TechnicianInputDto> for TechnicianInput {
    fn from(d: TechnicianInputDto) -> Self {
        Self {
            username: d.username,
            email: d.email,
            role: d.role,
            all_customers: d.all_customers,
            customer_ids: d.customer_ids,
            password: d.password.unwrap_or_else(|| SecretString::from("")),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LicenseInfoDto {
    pub license_id: String,
    pub licensee: String,
    pub edition: String,
    pub expires_at: String,
    pub days_left: i64,
    pub expiring_soon: bool,
    pub expired: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolLineDto {
    pub resource: String,
    pub label: String,
    pub total: u64,
    pub allocated: u64,
    pub in_use: u64,
    pub available: u64,
    pub over_by: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LicenseCustomerDto {
    pub customer_id: String,
    pub name: String,
    pub allocation: Counts,
    pub usage: Option<Counts>,
    pub push_state: &'static str,
    pub alerts: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LicenseOverviewDto {
    pub license: Option<LicenseInfoDto>,
    pub threshold: u8,
    pub resources: Vec<PoolLineDto>,
    pub customers: Vec<LicenseCustomerDto>,
}

fn push_state(p: Option<PushState>) -> &'static str {
    p.map(PushState::as_str).unwrap_or("none")
}

impl LicenseOverviewDto {
    pub fn new(o: LicenseOverview, now: OffsetDateTime) -> Self {
        Self {
            license: o.license.map(|l| {
                let days_left = (l.expires_at - now).whole_days();
                LicenseInfoDto {
                    license_id: l.license_id,
                    licensee: l.licensee,
                    edition: l.edition,
                    expires_at: ts(l.expires_at),
                    days_left,
                    expired: l.expires_at <= now,
                    expiring_soon: l.expires_at > now
                        && days_left <= mssp_core::licensing::EXPIRY_WARNING_DAYS,
                }
            }),
            threshold: o.threshold,
            resources: o
                .pool
                .into_iter()
                .map(|p| PoolLineDto {
                    resource: p.resource,
                    label: p.label,
                    total: p.total,
                    allocated: p.allocated,
                    in_use: p.in_use,
                    available: p.available,
                    over_by: p.over_by,
                })
                .collect(),
            customers: o
                .customers
                .into_iter()
                .map(|c| LicenseCustomerDto {
                    customer_id: c.id.to_string(),
                    name: c.name,
                    allocation: c.allocation,
                    usage: c.usage,
                    push_state: push_state(c.push_state),
                    alerts: c.alerts,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LimitDto {
    pub resource: String,
    pub label: String,
    pub total: u64,
    pub available: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AllocationDetailsDto {
    pub customer_id: String,
    pub name: String,
    pub version: i64,
    pub allocation: Counts,
    pub usage: Option<Counts>,
    pub usage_at: Option<String>,
    pub push_state: &'static str,
    pub push_reason: Option<String>,
    pub changed_by: Option<String>,
    pub changed_at: Option<String>,
    pub resources: Vec<LimitDto>,
    pub alerts: Vec<String>,
}

impl From<AllocationDetails> for AllocationDetailsDto {
    fn from(d: AllocationDetails) -> Self {
        Self {
            customer_id: d.customer.id.to_string(),
            name: d.customer.name,
            version: d.version,
            allocation: d.allocation,
            usage_at: d.usage.as_ref().map(|(_, at)| ts(*at)),
            usage: d.usage.map(|(u, _)| u),
            push_state: push_state(d.state.as_ref().map(|s| s.push_state)),
            push_reason: d.state.as_ref().and_then(|s| s.push_reason.clone()),
            changed_by: d.state.as_ref().map(|s| s.changed_by.clone()),
            changed_at: d.state.as_ref().map(|s| ts(s.changed_at)),
            resources: d
                .limits
                .into_iter()
                .map(|(resource, total, available)| LimitDto {
                    label: mssp_core::licensing::label(&resource),
                    resource,
                    total,
                    available,
                })
                .collect(),
            alerts: d.alerts,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportDto {
    pub path: String,
}
