// The IPC contract of docs/ipc.md as types: every command's arguments and answer, every event's
// payload. Written by hand; the types it names come from the generated ./types. api.js types
// invoke() and listen() with these maps, so each call site gets the core's field names checked.
// Must only ever declare types: nothing here reaches the browser.

import type {
  AllocationDetails,
  AppInfo,
  AuditEntry,
  AuditFilter,
  AuditPage,
  AuditVerification,
  BatchReport,
  CertificateReview,
  ConsoleWindow,
  ChangedCertificate,
  Customer,
  CustomerDetails,
  CustomerInput,
  CustomerQuery,
  DesktopSettings,
  Export,
  ImportPlan,
  UpdateCheck,
  HealthDetail,
  HealthUpdated,
  ImportReport,
  LicenseOverview,
  MonitorSettings,
  NetworkSettings,
  NewAdmin,
  Session,
  StatusCounts,
  BatchStarted,
  BatchProgress,
  SyncSettings,
  QueryAnswer,
  ShownCertificate,
  Sort,
  SyncUpdated,
  Tag,
  TagChange,
  TagInput,
  Technician,
  TechnicianInput,
  TrustInput,
  Maintenance,
  MuteRow,
  Scope,
  TrayStatus,
  Channel,
  Rule,
  DeliveryRow,
  Connectivity,
} from "./types";

/**
 * Command name -> [arguments, answer]. Commands without arguments take `void`, so
 * `invoke('list_customers')` takes none (see CommandArgs); a command answering `null` has
 * nothing to say.
 */
export interface Commands {
  app_info: [args: void, returns: AppInfo];
  get_desktop_settings: [args: void, returns: DesktopSettings];
  set_start_at_login: [args: { enabled: boolean }, returns: DesktopSettings];
  check_for_update: [args: void, returns: UpdateCheck];
  install_update: [args: void, returns: null];
  create_admin: [args: { input: NewAdmin }, returns: Session];
  login: [args: { username: string; password: string }, returns: Session];
  logout: [args: void, returns: null];
  touch_session: [args: void, returns: null];
  list_customers: [args: void, returns: Customer[]];
  add_customer: [args: { input: CustomerInput }, returns: Customer];
  update_customer: [args: { id: string; input: CustomerInput }, returns: Customer];
  delete_customer: [args: { id: string; password: string }, returns: null];
  force_delete_customer: [args: { id: string; password: string; reason: string }, returns: null];
  open_customer_console: [args: { id: string }, returns: ConsoleWindow];
  customer_admin_username: [args: { id: string }, returns: string];
  query_customers: [args: { query: Partial<CustomerQuery>, head?: number, keptSort?: boolean }, returns: QueryAnswer];
  get_customer_sort: [args: void, returns: Sort];
  set_customer_sort: [args: { sort: Sort }, returns: null];
  export_customers: [args: { query: Partial<CustomerQuery> }, returns: Export];
  list_tags: [args: void, returns: Tag[]];
  create_tag: [args: { input: TagInput }, returns: Tag];
  update_tag: [args: { id: number; input: TagInput }, returns: Tag];
  delete_tag: [args: { id: number }, returns: null];
  tag_customers: [args: { tagId: number; customerIds: string[]; add: boolean }, returns: TagChange];
  set_customer_tags: [args: { customerId: string; tagIds: number[] }, returns: number[]];
  sync_customers: [args: { customerIds: string[]; onProgress: TauriChannel<BatchProgress> }, returns: BatchStarted];
  check_customers: [args: { customerIds: string[]; onProgress: TauriChannel<BatchProgress> }, returns: BatchReport];
  delete_customers: [
    args: { customerIds: string[]; password: string; onProgress: TauriChannel<BatchProgress> },
    returns: BatchReport,
  ];
  force_delete_customers: [
    args: { customerIds: string[]; password: string; reason: string; onProgress: TauriChannel<BatchProgress> },
    returns: BatchReport,
  ];
  changed_certificates: [args: { customerIds: string[] }, returns: ChangedCertificate[]];
  trust_certificates: [
    args: { certificates: ShownCertificate[]; onProgress: TauriChannel<BatchProgress> },
    returns: BatchReport,
  ];
  cancel_batch: [args: { batch: number }, returns: boolean];
  import_preview: [args: { text: string }, returns: ImportPlan];
  import_check: [args: { importId: number; onProgress: TauriChannel<BatchProgress> }, returns: ImportPlan];
  import_run: [
    args: { importId: number; trust: Record<string, string>; onProgress: TauriChannel<BatchProgress> },
    returns: ImportPlan,
  ];
  export_import_result: [args: { importId: number }, returns: Export];
  import_discard: [args: { importId: number }, returns: null];
  review_certificate: [args: { id: string }, returns: CertificateReview];
  trust_certificate: [args: { id: string; trust: TrustInput }, returns: Customer];
  check_health: [args: void, returns: StatusCounts];
  check_customer_now: [args: { id: string }, returns: Customer];
  customer_health: [args: { id: string }, returns: HealthDetail];
  get_monitor_settings: [args: void, returns: MonitorSettings];
  update_monitor_settings: [args: { settings: MonitorSettings }, returns: MonitorSettings];
  sync_customer: [args: { id: string }, returns: Customer];
  sync_all: [args: { onProgress: TauriChannel<BatchProgress> }, returns: BatchStarted];
  cancel_sync_all: [args: void, returns: null];
  customer_details: [args: { id: string }, returns: CustomerDetails];
  get_sync_settings: [args: void, returns: SyncSettings];
  update_sync_settings: [args: { settings: SyncSettings }, returns: SyncSettings];
  list_technicians: [args: void, returns: Technician[]];
  add_technician: [args: { input: TechnicianInput }, returns: Technician];
  update_technician: [args: { id: number; input: TechnicianInput }, returns: Technician];
  set_technician_enabled: [args: { id: number; enabled: boolean }, returns: Technician];
  license_overview: [args: void, returns: LicenseOverview];
  apply_license: [args: { text: string }, returns: LicenseOverview];
  allocation_details: [args: { customerId: string }, returns: AllocationDetails];
  update_allocation: [
    args: { customerId: string; version: number; allocation: Record<string, number> },
    returns: AllocationDetails,
  ];
  set_license_alert_threshold: [args: { percent: number }, returns: LicenseOverview];
  export_license_csv: [args: void, returns: Export];
  list_audit: [args: { limit: number }, returns: AuditEntry[]];
  audit_page: [args: { filter: Partial<AuditFilter>; before: number | null; limit: number }, returns: AuditPage];
  export_audit: [args: { filter: Partial<AuditFilter> }, returns: Export];
  verify_audit: [args: void, returns: AuditVerification];
  get_audit_retention: [args: void, returns: number];
  set_audit_retention: [args: { days: number }, returns: number];
  get_network_settings: [args: void, returns: NetworkSettings];
  update_network_settings: [args: { settings: NetworkSettings }, returns: NetworkSettings];
  export_backup: [args: { passphrase: string }, returns: Export];
  import_backup: [args: { content: string; passphrase: string }, returns: ImportReport];
  list_maintenance: [args: void, returns: Maintenance[]];
  save_maintenance: [args: { window: Maintenance }, returns: Maintenance];
  delete_maintenance: [args: { id: number }, returns: null];
  list_mutes: [args: void, returns: MuteRow[]];
  mute: [args: { scope: Scope; hours: number | null }, returns: string | null];
  mute_customers: [args: { customerIds: string[]; hours: number | null }, returns: number];
  unmute: [args: { scope: Scope }, returns: null];
  tray_status: [args: void, returns: TrayStatus];
  list_alert_channels: [args: void, returns: Channel[]];
  save_alert_channel: [args: { channel: Channel; secret?: string }, returns: Channel];
  delete_alert_channel: [args: { id: number }, returns: null];
  list_alert_rules: [args: void, returns: Rule[]];
  save_alert_rule: [args: { rule: Rule }, returns: Rule];
  delete_alert_rule: [args: { id: number }, returns: null];
  alert_deliveries: [args: { channelId: number }, returns: DeliveryRow[]];
  send_test_alert: [args: { channelId: number }, returns: string];
}

/** The arguments of invoke() after the command name: none for a command that takes `void`. */
export type CommandArgs<K extends keyof Commands> = Commands[K][0] extends void ? [] : [args: Commands[K][0]];

/** The commands that report progress on a channel (`onProgress`): bulk actions and the import. */
export type ProgressCommand = {
  [K in keyof Commands]: Commands[K][0] extends { onProgress: TauriChannel<BatchProgress> } ? K : never;
}[keyof Commands];

/** A progress command's arguments without its channel (invokeWithProgress makes that). */
export type ArgsWithoutProgress<K extends ProgressCommand> = Omit<Commands[K][0], "onProgress">;

/** Event name (Rust -> webview) -> payload. `null`: the event itself is the news. */
export interface Events {
  "health-updated": HealthUpdated[];
  "status-counts": StatusCounts;
  "sync-updated": SyncUpdated;
  "license-changed": null;
  "session-locked": null;
  "set-up-elsewhere": null;
  "customers-changed": null;
  "connectivity-changed": Connectivity;
  "open-customer": string;
  "update-available": UpdateCheck;
}
