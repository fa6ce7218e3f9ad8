// Generated from Rust (the transport types of src-tauri/src/dto.rs and src-tauri/src/error.rs);
// do not edit by hand. Until the generator lands this file is kept in step with docs/ipc.md.
// Field names are the camelCase the core sends; `T | null` is a field that is always present and
// may be null; `?:` is a field the core leaves out when it has nothing to say.

/** app_info: what the webview needs before anyone logs in. */
export interface AppInfo {
  productName: string;
  version: string;
  build: number;
  needsSetup: boolean;
  session: Session | null;
  idleLockSeconds: number;
}

/** A console user's role: Admin does everything, Operator views, checks and syncs, Guest views. */
export type Role = "admin" | "operator" | "guest";

/** The logged-in console user. */
export interface Session {
  username: string;
  role: Role;
}

/** create_admin's input (the first-run "Create administrator" form). */
export interface NewAdmin {
  username: string;
  password: string;
  confirmPassword: string;
}

/** The Add/Update Customer form; the port stays text so "80a" is a field error. */
export interface CustomerInput {
  name: string;
  email: string;
  server: string;
  port: string;
  connectionType: "HTTP" | "HTTPS";
  username: string;
  password: string;
}

export type HealthState = "up" | "down" | "unknown";

/** The last health check of a customer. */
export interface Health {
  state: HealthState;
  checkedAt: string | null;
  latencyMs: number | null;
  reason: string | null;
}

export type SyncState = "never" | "running" | "success" | "failed";

/** A customer's data sync: `at` is when the last run finished, `reason` why it failed. */
export interface SyncStatus {
  state: SyncState;
  at: string | null;
  reason: string | null;
}

/** A customer as listed; `status` is the core's label of `sync` ("Data Collection Successful"). */
export interface Customer {
  id: string;
  name: string;
  email: string;
  server: string;
  port: number;
  connectionType: "HTTP" | "HTTPS";
  status: string;
  build: number;
  instanceId: string;
  createdAt: string;
  updatedAt: string;
  hasCredentials: boolean;
  health: Health;
  sync: SyncStatus;
}

/** One change of a customer's health state. */
export interface HealthEvent {
  at: string;
  from: HealthState;
  to: HealthState;
  reason: string | null;
}

/** One hour of checks (RFC 3339 start of the hour). */
export interface HourPoint {
  hour: string;
  checks: number;
  failures: number;
  avgLatencyMs: number | null;
}

/** customer_health: uptime (percent, null = no data), state changes and hourly chart data. */
export interface HealthDetail {
  customerId: string;
  health: Health;
  since: string | null;
  uptime24h: number | null;
  uptime7d: number | null;
  events: HealthEvent[];
  hourly: HourPoint[];
}

export interface MonitorSettings {
  intervalSecs: number;
  retrySecs: number;
  failuresToDown: number;
  successesToUp: number;
  notifications: boolean;
  reminderMinutes: number;
  retentionDays: number;
}

export interface SyncSettings {
  intervalMinutes: number;
}

/** Event `sync-updated`: a customer's sync started or ended. */
export interface SyncUpdated {
  customerId: string;
  status: string;
  sync: SyncStatus;
}

/** Sync All's progress report. */
export interface SyncProgress {
  done: number;
  total: number;
  failed: number;
  running: boolean;
  cancelled: boolean;
}

/** sync_all's answer: how many customers the run covers. */
export interface SyncAllStarted {
  total: number;
}

/** One run of a customer's data sync (newest first in CustomerDetails.runs). */
export interface SyncRun {
  startedAt: string;
  durationMs: number;
  trigger: "manual" | "scheduled" | "change";
  outcome: "success" | "failed";
  reason: string | null;
}

export interface Integration {
  enabled: boolean;
  host: string;
  port: number;
  lastHeartbeat: string | null;
}

export interface Component {
  id: string;
  name: string;
  status: string;
  version: string;
  integration: Integration;
}

export interface ReverseProxy {
  enabled: boolean;
  mode: "context" | "port" | "both";
  host: string;
  port: number;
}

/** A technician as the customer's instance reports it. */
export interface InstanceTechnician {
  id: string;
  name: string;
  email: string;
  role: Role;
  auth: "central" | "local";
  enabled: boolean;
}

/** The instance's own license: usage and allocation by resource name. */
export interface InstanceLicense {
  edition: string;
  expiresAt: string;
  usage: Record<string, number>;
  allocated: Record<string, number>;
}

/** What the last sync collected from the customer's instance. */
export interface Snapshot {
  components: Component[];
  reverseProxy: ReverseProxy;
  technicians: InstanceTechnician[];
  license: InstanceLicense;
}

/** customer_details: the last synced snapshot (works offline) and the sync history. */
export interface CustomerDetails {
  customerId: string;
  sync: SyncStatus;
  syncedAt: string | null;
  collectedAt: string | null;
  snapshot: Snapshot | null;
  runs: SyncRun[];
}

/** A console technician; `customerIds` are the delegated customers when not `allCustomers`. */
export interface Technician {
  id: number;
  username: string;
  email: string;
  role: Role;
  enabled: boolean;
  allCustomers: boolean;
  customerIds: string[];
  createdAt: string;
}

/** The Add/Update Technician form; on update an empty password keeps the old one. */
export interface TechnicianInput {
  username: string;
  email: string;
  role: Role;
  allCustomers: boolean;
  customerIds: string[];
  password: string;
}

/** The applied MSSP license. */
export interface LicenseInfo {
  licenseId: string;
  licensee: string;
  edition: string;
  expiresAt: string;
  daysLeft: number;
  expiringSoon: boolean;
  expired: boolean;
}

/** One resource of the MSSP license pool; `overBy` is allocated − total when the pool shrank. */
export interface PoolLine {
  resource: string;
  label: string;
  total: number;
  allocated: number;
  inUse: number;
  available: number;
  overBy: number;
}

/** A customer in License Management; `usage` is null before the first sync. */
export interface LicenseCustomer {
  customerId: string;
  name: string;
  allocation: Record<string, number>;
  usage: Record<string, number> | null;
  pushState: "none" | "applied" | "pending" | "failed";
  alerts: string[];
}

export interface LicenseOverview {
  license: LicenseInfo | null;
  threshold: number;
  resources: PoolLine[];
  customers: LicenseCustomer[];
}

/** What one customer may get of a resource: the pool total and what is free for it. */
export interface Limit {
  resource: string;
  label: string;
  total: number;
  available: number;
}

/** allocation_details: send `version` back with update_allocation. */
export interface AllocationDetails {
  customerId: string;
  name: string;
  version: number;
  allocation: Record<string, number>;
  usage: Record<string, number> | null;
  usageAt: string | null;
  pushState: "none" | "applied" | "pending" | "failed";
  pushReason: string | null;
  changedBy: string | null;
  changedAt: string | null;
  resources: Limit[];
  alerts: string[];
}

/** export_license_csv: where the CSV was written. */
export interface Export {
  path: string;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  outcome: "success" | "failure";
  reason: string | null;
}

/** Event `health-updated`, after every check. */
export interface HealthUpdated {
  customerId: string;
  health: Health;
}

/** Event `status-counts`, after every state change. */
export interface StatusCounts {
  up: number;
  down: number;
  unknown: number;
}

/** Every failed command rejects with this; `fields` only for `validation` (field -> message). */
export interface IpcError {
  code: string;
  message: string;
  fields?: Record<string, string>;
  forceDeleteAvailable: boolean;
}
