//! Keeps `ui/js/types.d.ts` generated from the transport types above: the test fails when
//! the file is stale, and `make types` (which `make lint` runs before `tsc`) rewrites it, so
//! renaming a Rust field without the UI following fails the type check, not a person.

use super::{
    alerts, app, audit, bulk, customer_console, customers, desktop, events, find, import, license,
    monitor, quiet, settings, sync, tags, technicians, trust,
};
use crate::error::IpcError;
use mssp_core::instance_data::{ProxyMode, TechnicianAuth};
use mssp_core::model::{
    AlertEvent, ConnectionType, DeliveryOutcome, HealthState, MailSecurity, Outcome, PushState,
    Role, SyncState, TagColour, Trigger, WebhookPreset,
};
use mssp_core::query::{CustomerQuery, QuickFilter, Sort, SortKey};
use std::path::Path;
use ts_rs::{Config, TS};

const HEADER: &str = "\
// Generated from the Rust transport types in src-tauri/src/ipc/ by `make types`.
// Do not edit: change the Rust types and regenerate. `make lint` type-checks the UI
// against this file.
";

fn declarations() -> String {
    // serde_json writes u64 and i64 as plain numbers, which is what the webview gets.
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from(HEADER);
    macro_rules! declare {
        ($($t:ty),* $(,)?) => {$(
            out.push_str("\nexport ");
            out.push_str(&<$t as TS>::decl(&cfg));
            out.push('\n');
        )*};
    }
    declare!(
        HealthState,
        TagColour,
        AlertEvent,
        MailSecurity,
        WebhookPreset,
        DeliveryOutcome,
        QuickFilter,
        SortKey,
        Sort,
        CustomerQuery,
        ConnectionType,
        SyncState,
        Role,
        Trigger,
        Outcome,
        PushState,
        ProxyMode,
        TechnicianAuth,
        IpcError,
        app::AppInfo,
        app::Session,
        app::NewAdmin,
        desktop::DesktopSettings,
        crate::desktop::updates::UpdateCheck,
        customers::CustomerInput,
        customers::Customer,
        customers::Health,
        customers::SyncStatus,
        customers::TrustInput,
        customers::Trust,
        customers::CertificateState,
        customer_console::ConsoleWindow,
        trust::Certificate,
        trust::CertificateReview,
        monitor::HealthDetail,
        monitor::HealthEvent,
        monitor::HourPoint,
        monitor::MonitorSettings,
        bulk::BatchFailure,
        bulk::BatchProgress,
        bulk::BatchReport,
        bulk::BatchStarted,
        bulk::ChangedCertificate,
        bulk::ShownCertificate,
        find::QuickCounts,
        find::QueryAnswer,
        tags::Tag,
        tags::TagInput,
        tags::TagChange,
        import::RowCheck,
        import::ImportRow,
        import::ImportPlan,
        customers::QuietNow,
        quiet::Scope,
        quiet::Maintenance,
        quiet::MuteRow,
        quiet::TrayStatus,
        alerts::Channel,
        alerts::Rule,
        alerts::DeliveryRow,
        events::Connectivity,
        sync::SyncRun,
        sync::CustomerDetails,
        sync::Snapshot,
        sync::Component,
        sync::Integration,
        sync::ReverseProxy,
        sync::InstanceTechnician,
        sync::InstanceLicense,
        sync::SyncSettings,
        technicians::Technician,
        technicians::TechnicianInput,
        license::LicenseOverview,
        license::LicenseInfo,
        license::PoolLine,
        license::LicenseCustomer,
        license::AllocationDetails,
        license::Limit,
        license::Export,
        audit::AuditEntry,
        audit::AuditFilter,
        audit::AuditPage,
        audit::AuditVerification,
        settings::NetworkSettings,
        settings::ImportReport,
        settings::Skipped,
        events::HealthUpdated,
        events::StatusCounts,
        events::SyncUpdated,
    );
    out
}

#[test]
fn typescript_declarations_are_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/js/types.d.ts");
    let want = declarations();
    if std::env::var_os("MSSP_WRITE_TYPES").is_some() {
        std::fs::write(&path, &want).expect("writing ui/js/types.d.ts");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "ui/js/types.d.ts is stale: run `make types` and type-check the UI (`make lint`)"
    );
}
