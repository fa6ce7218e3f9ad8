//! The Tauri commands: each takes the console from state, calls one core operation and maps
//! its result. No SQL, HTTP or keychain here; names and arguments are pinned by
//! `tests/ipc.rs` and documented in `docs/ipc.md`.

use crate::dto::{
    AllocationDetailsDto, AppInfoDto, AuditEntryDto, CustomerDetailsDto, CustomerDto,
    CustomerInputDto, ExportDto, HealthDetailDto, LicenseOverviewDto, MonitorSettingsDto,
    NewAdminDto, SessionDto, SyncAllDto, SyncSettingsDto, TechnicianDto, TechnicianInputDto,
};
use crate::error::IpcResult;
use mssp_core::Console;
use mssp_core::model::{Customer, CustomerId, Health};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use tauri::State;

type ConsoleState<'a> = State<'a, Arc<Console>>;

fn customer_id(id: &str) -> IpcResult<CustomerId> {
    Ok(id.parse()?)
}

fn customer_dto(console: &Console, c: Customer, h: Health) -> CustomerDto {
    let sync = console.sync_status(c.id);
    CustomerDto::new(c, h, sync)
}

#[tauri::command]
pub fn app_info(console: ConsoleState<'_>) -> IpcResult<AppInfoDto> {
    Ok(AppInfoDto {
        product_name: "MSSP Console",
        version: mssp_core::CONSOLE_VERSION,
        build: mssp_core::CONSOLE_BUILD,
        needs_setup: console.needs_setup()?,
        session: console.current_session().map(SessionDto::from),
        idle_lock_seconds: mssp_core::auth::IDLE_LOCK.whole_seconds(),
    })
}

#[tauri::command]
pub async fn create_admin(console: ConsoleState<'_>, input: NewAdminDto) -> IpcResult<SessionDto> {
    let session = console
        .create_admin(
            &input.username,
            input.password.expose_secret(),
            input.confirm_password.expose_secret(),
        )
        .await?;
    Ok(session.into())
}

#[tauri::command]
pub async fn login(
    console: ConsoleState<'_>,
    username: String,
    password: SecretString,
) -> IpcResult<SessionDto> {
    Ok(console
        .login(&username, password.expose_secret())
        .await?
        .into())
}

#[tauri::command]
pub fn logout(console: ConsoleState<'_>) {
    console.logout();
}

#[tauri::command]
pub fn touch_session(console: ConsoleState<'_>) -> IpcResult<()> {
    console.require_session()?;
    Ok(())
}

#[tauri::command]
pub fn list_customers(console: ConsoleState<'_>) -> IpcResult<Vec<CustomerDto>> {
    Ok(console
        .list_customers()?
        .into_iter()
        .map(|(c, h)| customer_dto(&console, c, h))
        .collect())
}

#[tauri::command]
pub async fn add_customer(
    console: ConsoleState<'_>,
    input: CustomerInputDto,
) -> IpcResult<CustomerDto> {
    let customer = console.add_customer(input.into()).await?;
    let health = console.customer(customer.id)?.1;
    Ok(customer_dto(&console, customer, health))
}

#[tauri::command]
pub async fn update_customer(
    console: ConsoleState<'_>,
    id: String,
    input: CustomerInputDto,
) -> IpcResult<CustomerDto> {
    let customer = console
        .update_customer(customer_id(&id)?, input.into())
        .await?;
    let health = console.customer(customer.id)?.1;
    Ok(customer_dto(&console, customer, health))
}

#[tauri::command]
pub async fn delete_customer(
    console: ConsoleState<'_>,
    id: String,
    password: SecretString,
) -> IpcResult<()> {
    Ok(console
        .delete_customer(customer_id(&id)?, password.expose_secret())
        .await?)
}

#[tauri::command]
pub async fn force_delete_customer(
    console: ConsoleState<'_>,
    id: String,
    password: SecretString,
    reason: String,
) -> IpcResult<()> {
    Ok(console
        .force_delete_customer(customer_id(&id)?, password.expose_secret(), &reason)
        .await?)
}

#[tauri::command]
pub async fn check_health(console: ConsoleState<'_>) -> IpcResult<Vec<CustomerDto>> {
    Ok(console
        .check_health()
        .await?
        .into_iter()
        .map(|(c, h)| customer_dto(&console, c, h))
        .collect())
}

#[tauri::command]
pub async fn check_customer_now(console: ConsoleState<'_>, id: String) -> IpcResult<CustomerDto> {
    let (customer, health) = console.check_customer_now(customer_id(&id)?).await?;
    Ok(customer_dto(&console, customer, health))
}

#[tauri::command]
pub fn customer_health(console: ConsoleState<'_>, id: String) -> IpcResult<HealthDetailDto> {
    Ok(console.customer_health(customer_id(&id)?)?.into())
}

#[tauri::command]
pub fn get_monitor_settings(console: ConsoleState<'_>) -> IpcResult<MonitorSettingsDto> {
    console.require_session()?;
    Ok(console.monitor_settings().into())
}

#[tauri::command]
pub fn update_monitor_settings(
    console: ConsoleState<'_>,
    settings: MonitorSettingsDto,
) -> IpcResult<MonitorSettingsDto> {
    console.set_monitor_settings(settings.into())?;
    Ok(console.monitor_settings().into())
}

#[tauri::command]
pub async fn sync_customer(console: ConsoleState<'_>, id: String) -> IpcResult<CustomerDto> {
    let id = customer_id(&id)?;
    console.sync_customer(id).await?;
    let (customer, health) = console.customer(id)?;
    Ok(customer_dto(&console, customer, health))
}

/// Async so it runs on the tokio runtime, where the core starts the background sync.
#[tauri::command]
pub async fn sync_all(console: ConsoleState<'_>) -> IpcResult<SyncAllDto> {
    Ok(SyncAllDto {
        total: console.sync_all()?,
    })
}

#[tauri::command]
pub fn cancel_sync_all(console: ConsoleState<'_>) -> IpcResult<()> {
    Ok(console.cancel_sync_all()?)
}

#[tauri::command]
pub fn customer_details(console: ConsoleState<'_>, id: String) -> IpcResult<CustomerDetailsDto> {
    Ok(console.customer_details(customer_id(&id)?)?.into())
}

#[tauri::command]
pub fn get_sync_settings(console: ConsoleState<'_>) -> IpcResult<SyncSettingsDto> {
    console.require_session()?;
    Ok(SyncSettingsDto {
        interval_minutes: console.sync_settings().interval_minutes,
    })
}

#[tauri::command]
pub fn update_sync_settings(
    console: ConsoleState<'_>,
    settings: SyncSettingsDto,
) -> IpcResult<SyncSettingsDto> {
    console.set_sync_settings(mssp_core::sync::SyncSettings {
        interval_minutes: settings.interval_minutes,
    })?;
    Ok(SyncSettingsDto {
        interval_minutes: console.sync_settings().interval_minutes,
    })
}

#[tauri::command]
pub fn list_technicians(console: ConsoleState<'_>) -> IpcResult<Vec<TechnicianDto>> {
    Ok(console
        .list_technicians()?
        .into_iter()
        .map(TechnicianDto::from)
        .collect())
}

#[tauri::command]
pub async fn add_technician(
    console: ConsoleState<'_>,
    input: TechnicianInputDto,
) -> IpcResult<TechnicianDto> {
    Ok(console.add_technician(input.into()).await?.into())
}

#[tauri::command]
pub async fn update_technician(
    console: ConsoleState<'_>,
    id: i64,
    input: TechnicianInputDto,
) -> IpcResult<TechnicianDto> {
    Ok(console.update_technician(id, input.into()).await?.into())
}

#[tauri::command]
pub fn set_technician_enabled(
    console: ConsoleState<'_>,
    id: i64,
    enabled: bool,
) -> IpcResult<TechnicianDto> {
    Ok(console.set_technician_enabled(id, enabled)?.into())
}

#[tauri::command]
pub fn license_overview(console: ConsoleState<'_>) -> IpcResult<LicenseOverviewDto> {
    Ok(LicenseOverviewDto::new(console.license_overview()?, now()))
}

#[tauri::command]
pub fn apply_license(console: ConsoleState<'_>, text: String) -> IpcResult<LicenseOverviewDto> {
    Ok(LicenseOverviewDto::new(
        console.apply_license(&text)?,
        now(),
    ))
}

#[tauri::command]
pub fn set_license_alert_threshold(
    console: ConsoleState<'_>,
    percent: u8,
) -> IpcResult<LicenseOverviewDto> {
    Ok(LicenseOverviewDto::new(
        console.set_license_alert_threshold(percent)?,
        now(),
    ))
}

#[tauri::command]
pub fn allocation_details(
    console: ConsoleState<'_>,
    customer_id: String,
) -> IpcResult<AllocationDetailsDto> {
    Ok(console
        .allocation_details(self::customer_id(&customer_id)?)?
        .into())
}

#[tauri::command]
pub async fn update_allocation(
    console: ConsoleState<'_>,
    customer_id: String,
    version: i64,
    allocation: std::collections::BTreeMap<String, i64>,
) -> IpcResult<AllocationDetailsDto> {
    Ok(console
        .update_allocation(self::customer_id(&customer_id)?, version, allocation)
        .await?
        .into())
}

/// Writes the allocation and usage report to the Downloads folder (the only file the
/// webview can cause to be written, with a name it does not choose).
#[tauri::command]
pub fn export_license_csv<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    console: ConsoleState<'_>,
) -> IpcResult<ExportDto> {
    use tauri::Manager;
    let csv = console.license_csv()?;
    let dir = app
        .path()
        .download_dir()
        .or_else(|_| app.path().app_data_dir())
        .map_err(|e| mssp_core::Error::Internal(format!("no folder to save the report in: {e}")))?;
    let date = now().date();
    let path = dir.join(format!("license-allocation-{date}.csv"));
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&path, csv))
        .map_err(|e| mssp_core::Error::Internal(format!("writing {}: {e}", path.display())))?;
    Ok(ExportDto {
        path: path.display().to_string(),
    })
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

#[tauri::command]
pub fn list_audit(console: ConsoleState<'_>, limit: u32) -> IpcResult<Vec<AuditEntryDto>> {
    Ok(console
        .audit_log(limit)?
        .into_iter()
        .map(AuditEntryDto::from)
        .collect())
}
