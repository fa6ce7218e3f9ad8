// Generated from the Rust transport types in src-tauri/src/ipc/ by `make types`.
// Do not edit: change the Rust types and regenerate. `make lint` type-checks the UI
// against this file.

export type HealthState = "up" | "down" | "unknown";

export type TagColour = "slate" | "red" | "orange" | "amber" | "green" | "teal" | "blue" | "violet" | "pink";

export type AlertEvent = "down" | "recovered" | "still_down" | "certificate_changed" | "certificate_expiring" | "instance_changed" | "sync_failing" | "usage_alert" | "offline" | "online" | "test";

export type MailSecurity = "starttls" | "tls";

export type WebhookPreset = "generic" | "slack" | "teams";

export type DeliveryOutcome = "delivered" | "failed" | "gave_up";

export type QuickFilter = "all" | "down" | "warning" | "certificateChanged" | "syncFailed" | "neverSynced" | "unencrypted";

export type SortKey = "name" | "health" | "server" | "lastSync" | "status";

export type Sort = { key: SortKey, descending: boolean, };

export type CustomerQuery = { 
/**
 * Words that must each appear in the name, mail, server (with port) or a tag's name,
 * ignoring case.
 */
text: string, quick: QuickFilter, 
/**
 * Only customers carrying this tag.
 */
tag: number | null, sort: Sort, };

export type ConnectionType = "HTTP" | "HTTPS";

export type SyncState = "never" | "running" | "success" | "failed";

export type Role = "guest" | "operator" | "admin";

export type Trigger = "manual" | "scheduled" | "change";

export type Outcome = "success" | "failure";

export type PushState = "applied" | "pending" | "failed";

export type ProxyMode = "context" | "port" | "both";

export type TechnicianAuth = "central" | "local";

export type IpcError = { code: string, message: string, 
/**
 * Form field → what is wrong with it; only for `validation`.
 */
fields?: Record<string, string>, forceDeleteAvailable: boolean, 
/**
 * The certificate a `certificate_untrusted` or `certificate_changed` error is about,
 * for the admin to review.
 */
certificate?: Certificate, };

export type AppInfo = { productName: string, version: string, build: number, needsSetup: boolean, session: Session | null, idleLockSeconds: number, };

export type Session = { username: string, role: Role, };

export type NewAdmin = { username: string, password: string, confirmPassword: string, };

export type DesktopSettings = { 
/**
 * "Start MSSP Console when I log in".
 */
startAtLogin: boolean, 
/**
 * The policy file decides start-at-login (it is off and cannot be turned on).
 */
startAtLoginManaged: boolean, 
/**
 * Why there are no update checks (policy, or a build without an update server).
 */
updateChecksOff: string | null, 
/**
 * Where the rules come from, when a policy file exists.
 */
policyFile: string | null, 
/**
 * An update a check found, waiting for the admin's click.
 */
pendingUpdate: UpdateCheck | null, };

export type UpdateCheck = { "status": "upToDate", version: string, } | { "status": "available", version: string, currentVersion: string, notes: string | null, date?: string, } | { "status": "couldNotCheck", message: string, } | { "status": "disabled", message: string, };

export type CustomerInput = { name: string, email: string, server: string, port: string | number, connectionType: string, username: string, password: string, 
/**
 * "Send the admin credentials unencrypted over HTTP": required for HTTP.
 */
allowCleartext?: boolean, 
/**
 * For HTTPS: the certificate trust the admin chose after reviewing it.
 */
trust?: TrustInput, };

export type Customer = { id: string, name: string, email: string, server: string, port: number, connectionType: ConnectionType, status: string, build: number, instanceId: string, createdAt: string, updatedAt: string, hasCredentials: boolean, health: Health, sync: SyncStatus, 
/**
 * How its certificate is trusted (HTTPS), or null over HTTP.
 */
trust: Trust | null, 
/**
 * The admin chose to send its credentials unencrypted (HTTP): the row says so.
 */
cleartext: boolean, 
/**
 * What was last seen of its certificate (HTTPS, after the first contact).
 */
certificate: CertificateState | null, 
/**
 * The ids of its tags (see `list_tags`).
 */
tags: Array<number>, 
/**
 * In a maintenance window ("Maintenance" until …) or muted ("Muted" until …) now.
 */
quiet: QuietNow | null, };

export type Health = { state: HealthState, checkedAt: string | null, latencyMs: number | null, reason: string | null, };

export type SyncStatus = { state: SyncState, at: string | null, reason: string | null, };

export type TrustInput = { "mode": "certificate", sha256: string, } | { "mode": "publicKey", sha256: string, } | { "mode": "ca", caPem: string, };

export type Trust = { kind: "platform" | "certificate" | "publicKey" | "ca", 
/**
 * The pinned SHA-256 (`AB:CD:…`) for a certificate or public-key pin.
 */
sha256: string | null, };

export type CertificateState = { notAfter: string, expiringSoon: boolean, changedTo: string | null, };

export type ConsoleWindow = { customerId: string, 
/**
 * The window's label: `customer-console-<customer id>`.
 */
label: string, 
/**
 * `opened`: a new window, signed in; `focused`: the customer's window was open and is
 * brought forward (no new sign-in); `browser`: no window could be made, so the default
 * browser got the sign-in (only for a certificate this computer trusts).
 */
shown: "opened" | "focused" | "browser", };

export type Certificate = { sha256: string, publicKeySha256: string, subject: string, issuer: string, notBefore: string, notAfter: string, 
/**
 * The DNS names and addresses it is for.
 */
names: Array<string>, selfSigned: boolean, 
/**
 * It names the server entered (shown, not enforced, when the certificate is pinned).
 */
namesHost: boolean, };

export type CertificateReview = { customerId: string, trust: Trust, chain: Array<Certificate>, untrustedBecause: string | null, 
/**
 * The presented certificate is the one trusted now.
 */
matchesTrust: boolean, changedTo: string | null, };

export type HealthDetail = { customerId: string, health: Health, since: string | null, uptime24h: number | null, uptime7d: number | null, events: Array<HealthEvent>, hourly: Array<HourPoint>, };

export type HealthEvent = { at: string, from: HealthState, to: HealthState, reason: string | null, };

export type HourPoint = { hour: string, checks: number, failures: number, avgLatencyMs: number | null, };

export type MonitorSettings = { intervalSecs: number, retrySecs: number, failuresToDown: number, successesToUp: number, notifications: boolean, reminderMinutes: number, retentionDays: number, 
/**
 * Percent of customers failing within one interval before the console checks itself.
 */
offlineSharePercent: number, 
/**
 * `host:port` the console must reach to count itself online ("" = default route and
 * name resolution only).
 */
probeAddress: string, };

export type BatchFailure = { 
/**
 * Null for an import row that is not a customer.
 */
customerId: string | null, name: string, code: string, reason: string, 
/**
 * A soft delete failed because of the instance: offer Force Delete for it.
 */
forceDeleteAvailable: boolean, };

export type BatchProgress = { batch: number, done: number, total: number, failed: number, running: boolean, cancelled: boolean, failures: Array<BatchFailure>, };

export type BatchReport = { batch: number, done: number, total: number, cancelled: boolean, failures: Array<BatchFailure>, };

export type BatchStarted = { batch: number, total: number, };

export type ChangedCertificate = { customerId: string, name: string, server: string, port: number, 
/**
 * `AB:CD:…`, as the review dialog shows fingerprints.
 */
trustedSha256: string, presentedSha256: string, changedAt: string | null, };

export type ShownCertificate = { customerId: string, sha256: string, };

export type QuickCounts = { all: number, down: number, warning: number, certificateChanged: number, syncFailed: number, neverSynced: number, unencrypted: number, };

export type QueryAnswer = { ids: Array<string>, 
/**
 * The first rows' customers, as many as asked for: the first screen can be drawn before
 * the window holds the whole list.
 */
head: Array<Customer>, 
/**
 * Every customer this session sees.
 */
total: number, counts: QuickCounts, 
/**
 * By tag id: how many rows choosing that tag would show.
 */
tagCounts: Record<string, number>, 
/**
 * "37 of 2,140 customers: Down, tag emea".
 */
summary: string, 
/**
 * The order the ids are in (the technician's kept sort when that was asked for).
 */
sort: Sort, };

export type Tag = { id: number, name: string, colour: TagColour, 
/**
 * How many customers (that this session sees) carry it.
 */
customers: number, };

export type TagInput = { name: string, colour: string, };

export type TagChange = { 
/**
 * How many customers gained (or lost) the tag.
 */
changed: number, };

export type RowCheck = { 
/**
 * HTTPS: the certificate the server presents.
 */
certificate: Certificate | null, 
/**
 * HTTPS: why this computer does not trust it (null: it does).
 */
untrustedBecause: string | null, build: number | null, 
/**
 * Why adding it would fail, seen without credentials (unreachable, build, …).
 */
problem: string | null, };

export type ImportRow = { line: number, name: string, email: string, server: string, port: string, connectionType: string, username: string, tags: Array<string>, allowCleartext: boolean, outcome: "pending" | "added" | "skipped" | "invalid" | "held for review" | "failed" | "not imported", 
/**
 * Set once added.
 */
customerId: string | null, 
/**
 * Field → what is wrong (the dry run); `import` → why the import failed or held it.
 */
problems: { [key in string]: string }, 
/**
 * For a skipped row: the customer it matches.
 */
note: string | null, 
/**
 * A held row: the SHA-256 of the certificate to review (`AB:CD:…`).
 */
heldSha256: string | null, check: RowCheck | null, };

export type ImportPlan = { id: number, rows: Array<ImportRow>, 
/**
 * Columns the file has that the import ignores.
 */
ignoredColumns: Array<string>, ready: number, skipped: number, invalid: number, };

export type QuietNow = { kind: "maintenance" | "muted", 
/**
 * RFC 3339; null for a mute until unmuted.
 */
until: string | null, note: string | null, };

export type Scope = { "kind": "customer", id: string, } | { "kind": "tag", id: number, } | { "kind": "all" };

export type Maintenance = { 
/**
 * Null for a new one.
 */
id: number | null, scope: Scope, kind: "once" | "weekly", startsAt: string | null, endsAt: string | null, weekdays: Array<boolean>, startTime: string | null, durationMinutes: number | null, timeZone: string | null, note: string, 
/**
 * Read only: who planned it.
 */
createdBy: string, };

export type MuteRow = { scope: Scope, 
/**
 * RFC 3339; null until unmuted.
 */
until: string | null, createdBy: string, };

export type TrayStatus = { 
/**
 * The first ten customers that are down: `[id, name]`.
 */
down: Array<[string, string]>, more: number, 
/**
 * Every desktop notification muted: until then (null: until unmuted), or absent.
 */
muted: boolean, mutedUntil: string | null, offlineSince: string | null, };

export type Channel = { 
/**
 * Null for a new one.
 */
id: number | null, name: string, kind: "email" | "webhook", enabled: boolean, host: string, port: number, security: MailSecurity | null, username: string, from: string, to: Array<string>, caPem: string | null, url: string, preset: WebhookPreset | null, 
/**
 * Read only: a password or signing secret is kept.
 */
hasSecret: boolean, };

export type Rule = { id: number | null, channelId: number, events: Array<AlertEvent>, scope: "all" | "tag" | "customers", tagId: number | null, customerIds: Array<string>, 
/**
 * For `sync_failing`: after this many failed syncs in a row (default 3).
 */
syncFailures: number, };

export type DeliveryRow = { at: string, event: string, attempt: number, outcome: DeliveryOutcome, 
/**
 * The HTTP status, the SMTP server's reply, or why it could not be reached.
 */
detail: string, };

export type Connectivity = { offlineSince: string | null, };

export type SyncRun = { startedAt: string, durationMs: number, trigger: Trigger, outcome: "success" | "failed", reason: string | null, };

export type CustomerDetails = { customerId: string, sync: SyncStatus, syncedAt: string | null, collectedAt: string | null, snapshot: Snapshot | null, runs: Array<SyncRun>, };

export type Snapshot = { components: Array<Component>, reverseProxy: ReverseProxy, technicians: Array<InstanceTechnician>, license: InstanceLicense, };

export type Component = { id: string, name: string, status: string, version: string, integration: Integration, };

export type Integration = { enabled: boolean, host: string, port: number, lastHeartbeat: string | null, };

export type ReverseProxy = { enabled: boolean, mode: ProxyMode, host: string, port: number, };

export type InstanceTechnician = { id: string, name: string, email: string, role: Role, auth: TechnicianAuth, enabled: boolean, };

export type InstanceLicense = { edition: string, expiresAt: string, usage: { [key in string]: number }, allocated: { [key in string]: number }, };

export type SyncSettings = { intervalMinutes: number, };

export type Technician = { id: number, username: string, email: string, role: Role, enabled: boolean, allCustomers: boolean, customerIds: Array<string>, 
/**
 * Delegated tags: every customer carrying one is reached too.
 */
tagIds: Array<string>, createdAt: string, };

export type TechnicianInput = { username: string, email: string, role: string, allCustomers: boolean, customerIds: Array<string>, tagIds: Array<string>, password?: string | null, };

export type LicenseOverview = { license: LicenseInfo | null, threshold: number, resources: Array<PoolLine>, customers: Array<LicenseCustomer>, };

export type LicenseInfo = { licenseId: string, licensee: string, edition: string, expiresAt: string, daysLeft: number, expiringSoon: boolean, expired: boolean, };

export type PoolLine = { resource: string, label: string, total: number, allocated: number, inUse: number, available: number, overBy: number, };

export type LicenseCustomer = { customerId: string, name: string, allocation: { [key in string]: number }, 
/**
 * Null before the first sync.
 */
usage: { [key in string]: number } | null, pushState: "none" | "applied" | "pending" | "failed", 
/**
 * Resources whose usage is at or above the threshold.
 */
alerts: Array<string>, };

export type AllocationDetails = { customerId: string, name: string, version: number, allocation: { [key in string]: number }, usage: { [key in string]: number } | null, usageAt: string | null, pushState: "none" | "applied" | "pending" | "failed", pushReason: string | null, changedBy: string | null, changedAt: string | null, resources: Array<Limit>, alerts: Array<string>, };

export type Limit = { resource: string, label: string, total: number, available: number, };

export type Export = { path: string, };

export type AuditEntry = { id: number, at: string, actor: string, 
/**
 * e.g. `customer.add`, `customer.force_delete`, `admin.login`.
 */
action: string, target: string, 
/**
 * The customer it was about, when it was one.
 */
customerId: string | null, outcome: Outcome, reason: string | null, };

export type AuditFilter = { actor: string | null, customerId: string | null, action: string | null, outcome: Outcome | null, from: string | null, to: string | null, text: string | null, };

export type AuditPage = { entries: Array<AuditEntry>, 
/**
 * Pass as `before` for the next (older) page; null on the last.
 */
nextBefore: number | null, };

export type AuditVerification = { 
/**
 * Every entry matched its chain and nothing was removed.
 */
intact: boolean, verified: number, 
/**
 * The first entry that does not match: it was edited, or one before it was inserted
 * or deleted.
 */
firstMismatch: AuditEntry | null, 
/**
 * The newest entries were removed, or a mark was edited.
 */
marksBroken: string | null, 
/**
 * Entries written while the keychain was locked, not chained yet.
 */
pending: number, };

export type NetworkSettings = { proxy: "none" | "system" | "url", proxyUrl: string, };

export type ImportReport = { imported: Array<string>, skipped: Array<Skipped>, };

export type Skipped = { name: string, reason: string, };

export type HealthUpdated = { customerId: string, health: Health, };

export type StatusCounts = { up: number, down: number, unknown: number, };

export type SyncUpdated = { customerId: string, status: string, sync: SyncStatus, };
