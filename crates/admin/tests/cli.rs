//! `mssp-admin`, the real binary, as a script or a person runs it: every subcommand against
//! `log360-sim`, its exit codes, its `--json` shapes, and its refusal of a password on the
//! command line.
//!
//! Most tests run the binary beside a console served in this process (its local channel
//! answering, its keychain the in-memory mock), so they need no desktop session; the binary
//! then works through that console as `mssp-admin` does beside the window. What the binary
//! does on its own data dir without storing a credential (usage errors, login refusals, the
//! dry run and the instance check) runs here too. Opening the data dir itself and adding
//! customers needs the OS keychain, so that test is ignored outside `make test`'s session.

#![cfg(unix)]

#[path = "../../core/tests/common/mod.rs"]
mod common;

use common::{ADMIN, ADMIN_PASSWORD, fast_client};
use log360_sim::{Fault, InstanceInfo, InstanceSpec, Sim, TlsMode};
use mssp_core::data_lock::DataDirLock;
use mssp_core::store::Store;
use mssp_core::vault::Vault;
use mssp_core::{Console, ConsoleConfig, SystemClock};
use mssp_local::{BatchReport, CustomerList, ImportReport};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

const BIN: &str = env!("CARGO_BIN_EXE_mssp-admin");
const HEADER: &str = "Customer Name,Customer mail,Server Name,Port,Connection type,Admin username,Admin password,Tags,Allow unencrypted";

/// How one run of the binary ended.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not the JSON expected ({e}):\n{}", self.stdout))
    }
}

/// The binary on a data dir, logging in with the password on stdin as a script would.
struct Admin {
    data_dir: PathBuf,
    keychain_service: String,
    username: String,
    password: String,
}

impl Admin {
    fn new(data_dir: &Path) -> Self {
        Self {
            data_dir: data_dir.to_owned(),
            keychain_service: format!("mssp-console-test-{}", uuid::Uuid::new_v4()),
            username: ADMIN.into(),
            password: ADMIN_PASSWORD.into(),
        }
    }

    /// A command with nothing inherited that could reach a real installation.
    fn bare(&self) -> Command {
        let mut cmd = Command::new(BIN);
        for var in ["MSSP_CONSOLE_DATA_DIR", "MSSP_ADMIN_USERNAME", "MSSP_ADMIN_PASSWORD"] {
            cmd.env_remove(var);
        }
        cmd.env("MSSP_CONSOLE_KEYCHAIN_SERVICE", &self.keychain_service).env("NO_COLOR", "1");
        cmd
    }

    /// `mssp-admin --data-dir DIR --username U --password-stdin ARGS…`, the password piped in.
    async fn run(&self, args: &[&str]) -> Run {
        let mut cmd = self.bare();
        cmd.arg("--data-dir")
            .arg(&self.data_dir)
            .args(["--username", &self.username, "--password-stdin"])
            .args(args);
        run(cmd, Some(format!("{}\n", self.password))).await
    }
}

/// Runs `cmd` off the async threads (the console it may talk to runs on them).
async fn run(mut cmd: Command, stdin: Option<String>) -> Run {
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("mssp-admin starts");
        if let Some(text) = stdin {
            // A command that is refused before it reads the password (a data dir it may not
            // open) exits first, and the write finds the pipe closed: that is its answer.
            let written = child.stdin.take().unwrap().write_all(text.as_bytes());
            if let Err(e) = written {
                assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "writing the password: {e}");
            }
        }
        let out = child.wait_with_output().unwrap();
        Run {
            code: out.status.code().expect("exited, not killed"),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .unwrap()
}

/// A console running on a temp data dir as the window runs it (holding the data dir's lock,
/// serving the local channel), with the mock keychain and an administrator.
struct Served {
    console: Arc<Console>,
    dir: tempfile::TempDir,
    sim: Sim,
    _lock: DataDirLock,
}

async fn served() -> Served {
    let dir = tempfile::tempdir().unwrap();
    let lock = DataDirLock::acquire(dir.path()).unwrap();
    let store = Store::open(&dir.path().join("console.db")).unwrap();
    let keys: Arc<keyring_core::CredentialStore> = keyring_core::mock::Store::new().unwrap();
    let vault = Vault::with_store("mssp-console-test", keys);
    let console =
        Arc::new(Console::with_parts(store, vault, fast_client(), Arc::new(SystemClock)).unwrap());
    console.sessions().create_admin(ADMIN, ADMIN_PASSWORD, ADMIN_PASSWORD).await.unwrap();
    mssp_local::serve(console.clone(), dir.path(), Arc::new(|| {})).await.unwrap();
    Served { console, dir, sim: Sim::new(), _lock: lock }
}

/// A data dir set up by a console that then ended (an administrator, when `admin`).
async fn data_dir_with(admin: bool) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let service = format!("mssp-console-test-{}", uuid::Uuid::new_v4());
    let config =
        ConsoleConfig { data_dir: dir.path().to_owned(), keychain_service: service.clone() };
    let console = Console::open(&config).unwrap();
    if admin {
        console.sessions().create_admin(ADMIN, ADMIN_PASSWORD, ADMIN_PASSWORD).await.unwrap();
    }
    drop(console);
    (dir, service)
}

async fn instance(sim: &Sim, name: &str) -> InstanceInfo {
    let mut spec = InstanceSpec::new(name);
    spec.password = format!("{}-admin-pass-1", name.to_lowercase().replace(' ', "-"));
    sim.add_instance(spec).await.unwrap()
}

/// A CSV line for an instance of the simulator.
fn row(info: &InstanceInfo, name: &str, tags: &str) -> String {
    let scheme = if info.tls { "HTTPS" } else { "HTTP" };
    let cleartext = if info.tls { "" } else { "yes" };
    let slug = name.to_lowercase().replace(' ', "");
    format!(
        "{name},soc@{slug}.example.com,127.0.0.1,{},{scheme},{},{},{tags},{cleartext}",
        info.port, info.username, info.password
    )
}

fn names(list: &CustomerList) -> Vec<&str> {
    list.customers.iter().map(|c| c.name.as_str()).collect()
}

#[tokio::test]
async fn help_version_and_usage_errors_need_no_console() {
    let nowhere = tempfile::tempdir().unwrap().path().join("not-a-console");
    let admin = Admin::new(&nowhere);
    let bare = |args: &[&str]| {
        let mut cmd = admin.bare();
        cmd.args(args);
        run(cmd, None)
    };

    let help = bare(&["--help"]).await;
    assert_eq!(help.code, 0, "{help:?}");
    for word in ["list", "import", "export", "sync", "check", "tag", "delete", "apply-license"] {
        assert!(help.stdout.contains(word), "--help names {word}: {}", help.stdout);
    }
    assert!(help.stdout.contains("Exit codes:") && help.stdout.contains("4  not found"));
    assert!(help.stdout.contains("--password-stdin"));
    let import = bare(&["import", "--help"]).await;
    assert_eq!(import.code, 0);
    assert!(import.stdout.contains("--trust-shown") && import.stdout.contains("--dry-run"));
    assert!(bare(&["tag", "add", "--help"]).await.stdout.contains("--filter"));
    let version = bare(&["--version"]).await;
    assert_eq!(version.code, 0);
    assert_eq!(version.stdout.trim(), format!("mssp-admin {}", env!("CARGO_PKG_VERSION")));

    for (args, says) in [
        (&["frobnicate"][..], "unrecognized subcommand"),
        (&["list", "--filter", "bogus"], "sync-failed"),
        (&["list", "--sort", "colour"], "last-sync"),
        (&["sync"], "Which customers?"),
        (&["check", "--all", "Acme"], "cannot be used with"),
        (&["tag", "add", "emea", "--all", "--tag", "apac"], "not several ways at once"),
        (&["delete", "Acme", "--force"], "--reason"),
        (&["delete"], "NAME"),
        (&["seed-demo", "--manifest", "m.json"], "seed-demo needs --data-dir"),
    ] {
        let out = bare(args).await;
        assert_eq!(out.code, 2, "{args:?} is a usage error: {out:?}");
        assert!(out.stderr.contains(says), "{args:?} says {says:?}: {}", out.stderr);
    }
    assert!(!nowhere.exists(), "no usage error creates a data dir");
}

#[tokio::test]
async fn a_password_on_the_command_line_is_refused_and_never_echoed() {
    let s = served().await;
    let admin = Admin::new(s.dir.path());
    let secret = "Hunter2-on-the-command-line";
    for args in [
        vec!["--password", secret, "list"],
        vec!["list", &format!("--password={secret}")],
        vec!["delete", "Acme", "--password", secret],
    ] {
        let mut cmd = admin.bare();
        cmd.arg("--data-dir").arg(s.dir.path()).args(["--username", ADMIN]).args(&args);
        let out = run(cmd, None).await;
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        assert!(out.stderr.contains("--password-stdin"), "tells what to do: {}", out.stderr);
        assert!(!format!("{}{}", out.stdout, out.stderr).contains(secret), "never echoed");
    }

    // No terminal to ask on and nothing on stdin: a usage error, not a hang.
    let mut cmd = admin.bare();
    cmd.arg("--data-dir").arg(s.dir.path()).args(["--username", ADMIN, "list"]);
    let out = run(cmd, None).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--password-stdin"), "{}", out.stderr);

    // The environment variable stays for scripts that cannot pipe (seed-demo in make demo).
    let mut cmd = admin.bare();
    cmd.env("MSSP_ADMIN_USERNAME", ADMIN).env("MSSP_ADMIN_PASSWORD", ADMIN_PASSWORD);
    cmd.arg("--data-dir").arg(s.dir.path()).args(["list", "--json"]);
    let out = run(cmd, None).await;
    assert_eq!(out.code, 0, "{out:?}");
}

#[tokio::test]
async fn a_data_dir_without_a_console_is_refused_and_left_alone() {
    let home = tempfile::tempdir().unwrap();
    let nowhere = home.path().join("nothing-here");
    let out = Admin::new(&nowhere).run(&["list"]).await;
    assert_eq!(out.code, 5, "{out:?}");
    assert!(out.stderr.contains("no console.db"), "{}", out.stderr);
    assert!(!nowhere.exists(), "not created");

    // Without --data-dir: the installed console's data dir, said on stderr.
    #[cfg(target_os = "linux")]
    {
        let admin = Admin::new(&nowhere);
        let mut cmd = admin.bare();
        cmd.env("XDG_DATA_HOME", home.path()).args(["--username", ADMIN, "list"]);
        let out = run(cmd, None).await;
        assert_eq!(out.code, 5, "{out:?}");
        let expected = home.path().join("com.mssp-console.app");
        assert!(
            out.stderr.contains(&format!("Data dir: {}", expected.display())),
            "{}",
            out.stderr
        );
        assert!(!expected.exists());
    }
}

#[tokio::test]
async fn a_refused_login_exits_3() {
    let (dir, service) = data_dir_with(true).await;
    let mut admin = Admin::new(dir.path());
    admin.keychain_service = service;
    admin.password = "not the password".into();
    let out = admin.run(&["list", "--json"]).await;
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("incorrect"), "{}", out.stderr);
    let error: serde_json::Value = out.json();
    assert_eq!(error["error"]["code"], "auth_failed");
    assert_eq!(error["error"]["exit"], 3);

    let (fresh, service) = data_dir_with(false).await;
    let mut admin = Admin::new(fresh.path());
    admin.keychain_service = service;
    let out = admin.run(&["list"]).await;
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("no administrator yet"), "{}", out.stderr);
}

#[tokio::test]
async fn a_dry_run_reports_every_bad_row_on_its_line_and_touches_nothing() {
    let (dir, service) = data_dir_with(true).await;
    let mut admin = Admin::new(dir.path());
    admin.keychain_service = service;
    let sim = Sim::new();
    let acme = instance(&sim, "Acme").await;
    let mut spec = InstanceSpec::new("Selfie");
    spec.password = "selfie-admin-pass-1".into();
    spec.tls_mode = Some(TlsMode::SelfSigned);
    let selfie = sim.add_instance(spec).await.unwrap();
    let file = dir.path().join("customers.csv");
    std::fs::write(
        &file,
        [
            HEADER.to_owned(),
            row(&acme, "Acme", "emea"),
            "Broken,not-a-mail,127.0.0.1,99999,HTTP,admin,x,,yes".into(),
            row(&acme, "acme", ""),
            row(&selfie, "Selfie", ""),
        ]
        .join("\n"),
    )
    .unwrap();
    let file = file.to_str().unwrap();

    let out = admin.run(&["import", file, "--dry-run"]).await;
    assert_eq!(out.code, 1, "a bad row: {out:?}");
    let line = |n: &str| {
        out.stdout.lines().find(|l| l.starts_with(n)).unwrap_or_else(|| panic!("{}", out.stdout))
    };
    assert!(line("3 ").contains("invalid") && line("3 ").contains("Customer mail:"));
    assert!(line("3 ").contains("Port:"), "{}", line("3 "));
    assert!(line("4 ").contains("Same name as line 2"), "{}", line("4 "));
    assert!(line("2 ").contains("ready"), "{}", line("2 "));
    assert!(out.stdout.contains("Nothing was added"));
    assert!(!out.stdout.contains(&acme.password), "never a password");

    let out = admin.run(&["import", file, "--dry-run", "--json"]).await;
    let report: ImportReport = out.json();
    assert_eq!((report.ready, report.invalid, report.skipped), (2, 2, 0));
    assert_eq!(report.rows.len(), 4);
    let broken = report.rows.iter().find(|r| r.name == "Broken").unwrap();
    assert_eq!(broken.outcome, "invalid");
    assert!(broken.problems.contains_key("email") && broken.problems.contains_key("port"));
    assert_eq!(sim.request_count(acme.port) + sim.request_count(selfie.port), 0, "no network");

    // The check asks each instance who it is and shows the certificate; no credentials.
    let out = admin.run(&["import", file, "--dry-run", "--check"]).await;
    assert_eq!(out.code, 1, "{out:?}");
    let sha = sim.certificate(selfie.port).unwrap().sha256;
    let shown = mssp_core::trust::Fingerprint::from_hex(&sha).unwrap().to_string();
    let selfie_line = out.stdout.lines().find(|l| l.contains("Selfie")).unwrap();
    assert!(selfie_line.contains(&shown), "{selfie_line}");
    assert!(selfie_line.contains("not trusted by this computer"), "{selfie_line}");
    for port in [acme.port, selfie.port] {
        assert_eq!(sim.request_count_for(port, "POST", "/mssp/v1/session"), 0);
    }

    // Nothing was added; an unreadable file is a usage error.
    let listed: CustomerList = admin.run(&["list", "--json"]).await.json();
    assert_eq!(listed.total, 0);
    let out = admin.run(&["import", "/no/such/file.csv", "--dry-run"]).await;
    assert_eq!(out.code, 2, "{out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_the_running_console_every_command_works_as_a_script_expects() {
    let s = served().await;
    let admin = Admin::new(s.dir.path());
    let acme = instance(&s.sim, "Acme Corp").await;
    let globex = instance(&s.sim, "Globex").await;
    let initech = instance(&s.sim, "Initech").await;
    let file = s.dir.path().join("customers.csv");
    std::fs::write(
        &file,
        [
            HEADER.to_owned(),
            row(&acme, "Acme Corp", "emea"),
            row(&globex, "Globex", "emea; tier-1"),
            row(&initech, "Initech", ""),
            "Broken,not-a-mail,127.0.0.1,99999,HTTP,admin,x,,yes".into(),
        ]
        .join("\n"),
    )
    .unwrap();
    let file = file.to_str().unwrap();

    // import: the good rows added, the bad one reported; exit 1 for the bad one.
    let out = admin.run(&["import", file, "--json"]).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("working through the running console"), "{}", out.stderr);
    assert!(out.stderr.contains("delete it"), "suggests deleting the file: {}", out.stderr);
    let report: ImportReport = out.json();
    let outcomes: Vec<_> =
        report.rows.iter().map(|r| (r.name.as_str(), r.outcome.as_str())).collect();
    assert_eq!(
        outcomes,
        [("Acme Corp", "added"), ("Globex", "added"), ("Initech", "added"), ("Broken", "invalid")]
    );
    assert!(report.rows[0].customer_id.is_some());
    // The file was read, not copied: no password lies in the data dir outside the vault.
    for entry in std::fs::read_dir(s.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() && path.file_name().unwrap() != "customers.csv" {
            let bytes = std::fs::read(&path).unwrap();
            let found = bytes.windows(acme.password.len()).any(|w| w == acme.password.as_bytes());
            assert!(!found, "a password in {}", path.display());
        }
    }
    // Running it again skips what is integrated.
    let again = admin.run(&["import", file]).await;
    assert_eq!(again.code, 1, "the bad row is still bad: {again:?}");
    assert!(again.stdout.contains("3 skipped (already integrated)"), "{}", again.stdout);

    // list: the JSON shape scripts read, and a table for people.
    let out = admin.run(&["list", "--json"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let raw: serde_json::Value = out.json();
    for key in ["summary", "total", "customers"] {
        assert!(raw.get(key).is_some(), "{key} in {raw}");
    }
    for key in [
        "id",
        "name",
        "email",
        "server",
        "port",
        "connection_type",
        "health",
        "health_reason",
        "status",
        "sync_reason",
        "last_sync",
        "tags",
        "unencrypted",
    ] {
        assert!(raw["customers"][0].get(key).is_some(), "{key} in {}", raw["customers"][0]);
    }
    let list: CustomerList = out.json();
    assert_eq!(names(&list), ["Acme Corp", "Globex", "Initech"]);
    assert_eq!(list.customers[1].tags, ["emea", "tier-1"]);
    let table = admin.run(&["list", "--sort", "name", "--desc"]).await;
    assert_eq!(table.code, 0);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert!(lines[0].starts_with("NAME") && lines[0].contains("LAST SYNC"), "{}", table.stdout);
    assert!(lines[1].starts_with("Initech") && lines[3].starts_with("Acme Corp"));
    assert!(table.stdout.contains("never"), "never synced yet: {}", table.stdout);
    assert!(table.stderr.contains("3 customers"), "{}", table.stderr);

    // tag: by name (ignoring case), by filter; an unknown tag or customer is "not found".
    let out = admin.run(&["tag", "add", "vip", "acme corp", "INITECH"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Tagged 2 customers “vip”"), "{}", out.stdout);
    let out = admin.run(&["tag", "add", "vip", "--tag", "emea"]).await;
    assert!(out.stdout.contains("(1 already had it)"), "{}", out.stdout);
    let vip: CustomerList = admin.run(&["list", "--tag", "VIP", "--json"]).await.json();
    assert_eq!(names(&vip), ["Acme Corp", "Globex", "Initech"]);
    assert_eq!(admin.run(&["tag", "remove", "vip", "Initech"]).await.code, 0);
    let out = admin.run(&["tag", "remove", "gold", "Initech"]).await;
    assert_eq!(out.code, 4, "{out:?}");
    assert!(out.stderr.contains("no tag named “gold”"), "{}", out.stderr);
    let out = admin.run(&["list", "--tag", "gold"]).await;
    assert_eq!(out.code, 4, "{out:?}");

    // sync: a group by tag; an unknown name stops it before anything is done.
    let out = admin.run(&["sync", "--tag", "emea"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("Synced 2 of 2 customers: 2 successful, 0 failed"),
        "{}",
        out.stdout
    );
    let synced: CustomerList =
        admin.run(&["list", "--filter", "never-synced", "--json"]).await.json();
    assert_eq!(names(&synced), ["Initech"]);
    assert_eq!(synced.summary, "1 of 3 customers: Never synced");
    let out = admin.run(&["sync", "Initech", "Umbrella", "Hooli"]).await;
    assert_eq!(out.code, 4, "{out:?}");
    assert!(out.stderr.contains("“Umbrella” and “Hooli”"), "{}", out.stderr);
    assert_eq!(s.sim.request_count_for(initech.port, "GET", "/mssp/v1/data"), 0, "not synced");

    // check: one down, reported by name with exit 1 and the BatchReport shape.
    s.sim.set_fault(globex.port, Fault::Down).await.unwrap();
    let out = admin.run(&["check", "--all", "--json"]).await;
    assert_eq!(out.code, 1, "{out:?}");
    let report: BatchReport = out.json();
    assert_eq!((report.done, report.total, report.cancelled), (3, 3, false));
    assert_eq!(report.failures.len(), 1);
    assert_eq!(report.failures[0].name, "Globex");
    let out = admin.run(&["check", "Acme Corp"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("1 answered, 0 failed"), "{}", out.stdout);
    let out = admin.run(&["sync", "Globex"]).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("Globex: "), "the reason: {}", out.stdout);

    // export: the filter's customers as CSV, never a credential.
    let csv_path = s.dir.path().join("export.csv");
    let out = admin.run(&["export", csv_path.to_str().unwrap(), "--tag", "emea"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("Exported 2 customers"), "{}", out.stderr);
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    assert!(csv.starts_with("Customer Name,"), "{csv}");
    assert!(csv.contains("Acme Corp") && csv.contains("Globex") && !csv.contains("Initech"));
    assert!(!csv.contains(&acme.password) && !csv.contains(&globex.password));
    let out = admin.run(&["export", "-", "--search", "initech"]).await;
    assert!(out.stdout.lines().nth(1).is_some_and(|l| l.starts_with("Initech,")), "{out:?}");

    // delete: the reachable one goes; the down one stays with the way to force it.
    let out = admin.run(&["delete", "acme corp", "globex"]).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("Deleted “Acme Corp”."), "{}", out.stdout);
    assert!(out.stdout.contains("Could not delete “Globex”"), "{}", out.stdout);
    assert!(out.stdout.contains("mssp-admin delete Globex --force --reason"), "{}", out.stdout);
    let left: CustomerList = admin.run(&["list", "--json"]).await.json();
    assert_eq!(names(&left), ["Globex", "Initech"]);
    let out =
        admin.run(&["delete", "Globex", "--force", "--reason", "Customer left", "--json"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let both: serde_json::Value = out.json();
    assert_eq!(both["delete"]["failures"][0]["force_delete_available"], true);
    assert_eq!(both["force_delete"]["failures"], serde_json::json!([]));
    let left: CustomerList = admin.run(&["list", "--json"]).await.json();
    assert_eq!(names(&left), ["Initech"]);

    // apply-license.
    let license = concat!(env!("CARGO_MANIFEST_DIR"), "/../sim/demo-license.json");
    let out = admin.run(&["apply-license", license]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("MSSP-DEMO-2026"), "{}", out.stdout);

    // Each run logged in as its own caller, audited as coming from mssp-admin.
    let audit = s.console.audit_log(500).unwrap();
    assert!(audit.iter().any(
        |e| e.action == "customer.force_delete" && e.reason.as_deref() == Some("Customer left")
    ));
    assert!(audit.iter().any(|e| e.action == "customer.import"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_row_whose_certificate_is_not_trusted_is_held_until_trust_shown() {
    let s = served().await;
    let admin = Admin::new(s.dir.path());
    let mut spec = InstanceSpec::new("Selfie");
    spec.password = "selfie-admin-pass-1".into();
    spec.tls_mode = Some(TlsMode::SelfSigned);
    let selfie = s.sim.add_instance(spec).await.unwrap();
    let file = s.dir.path().join("https.csv");
    std::fs::write(&file, format!("{HEADER}\n{}", row(&selfie, "Selfie", ""))).unwrap();
    let file = file.to_str().unwrap();
    let sha = s.sim.certificate(selfie.port).unwrap().sha256;
    let shown = mssp_core::trust::Fingerprint::from_hex(&sha).unwrap().to_string();

    let out = admin.run(&["import", file]).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("held for review"), "{}", out.stdout);
    assert!(out.stdout.contains("--check --trust-shown"), "{}", out.stdout);
    assert!(
        out.stdout.to_uppercase().contains(&sha.to_uppercase()) || out.stdout.contains(&shown),
        "the fingerprint: {}",
        out.stdout
    );
    let listed: CustomerList = admin.run(&["list", "--json"]).await.json();
    assert_eq!(listed.total, 0, "never trusted silently");
    assert_eq!(s.sim.request_count_for(selfie.port, "POST", "/mssp/v1/session"), 0);

    let out = admin.run(&["import", file, "--check", "--trust-shown"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains(&shown), "the fingerprint trusted is shown: {}", out.stdout);
    let listed = s.console.list_customers().unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].customer.pin.is_some(), "pinned to the certificate shown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_demo_works_as_make_demo_runs_it() {
    // A console with no administrator yet, serving its data dir.
    let dir = tempfile::tempdir().unwrap();
    let lock = DataDirLock::acquire(dir.path()).unwrap();
    let store = Store::open(&dir.path().join("console.db")).unwrap();
    let keys: Arc<keyring_core::CredentialStore> = keyring_core::mock::Store::new().unwrap();
    let console = Arc::new(
        Console::with_parts(
            store,
            Vault::with_store("mssp-console-test", keys),
            fast_client(),
            Arc::new(SystemClock),
        )
        .unwrap(),
    );
    mssp_local::serve(console.clone(), dir.path(), Arc::new(|| {})).await.unwrap();
    let sim = Sim::new();
    let infos = vec![instance(&sim, "Acme Corp").await, instance(&sim, "Globex").await];
    let manifest = dir.path().join("sim-manifest.json");
    log360_sim::write_manifest(&manifest, &infos).unwrap();
    let license = concat!(env!("CARGO_MANIFEST_DIR"), "/../sim/demo-license.json");

    // Exactly as scripts/demo.sh: the data dir and credentials in the environment.
    let admin = Admin::new(dir.path());
    let mut cmd = admin.bare();
    cmd.env("MSSP_CONSOLE_DATA_DIR", dir.path())
        .env("MSSP_ADMIN_USERNAME", "admin")
        .env("MSSP_ADMIN_PASSWORD", "demo-admin-2026")
        .args(["seed-demo", "--manifest", manifest.to_str().unwrap(), "--license", license]);
    let out = run(cmd, None).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Created administrator \"admin\"."), "{}", out.stdout);
    assert!(out.stdout.contains("Integrated \"Acme Corp\""), "{}", out.stdout);
    assert!(out.stdout.contains("Data Collection Successful"), "{}", out.stdout);
    assert!(out.stdout.contains("Applied the MSSP license"), "{}", out.stdout);
    console.sessions().login("admin", "demo-admin-2026").await.unwrap();
    assert_eq!(console.list_customers().unwrap().len(), 2);
    drop(lock);
}

/// On its own (no console running), the binary opens the data dir itself and keeps customers'
/// credentials under the OS keychain's data key: the whole flow a new user runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a desktop session with a Secret Service: run `make test`"]
async fn on_its_own_it_opens_the_data_dir_and_runs_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let admin = Admin::new(&data);
    let sim = Sim::new();
    let infos = [
        instance(&sim, "Acme Corp").await,
        instance(&sim, "Globex").await,
        instance(&sim, "Initech").await,
    ];
    let manifest = dir.path().join("sim-manifest.json");
    log360_sim::write_manifest(&manifest, &infos[..2]).unwrap();

    let mut cmd = admin.bare();
    cmd.env("MSSP_ADMIN_USERNAME", ADMIN)
        .env("MSSP_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .arg("--data-dir")
        .arg(&data)
        .args(["seed-demo", "--manifest", manifest.to_str().unwrap()]);
    let out = run(cmd, None).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stderr.contains("running console"), "it opened the data dir itself");

    let file = dir.path().join("more.csv");
    std::fs::write(&file, format!("{HEADER}\n{}", row(&infos[2], "Initech", "emea"))).unwrap();
    let out = admin.run(&["import", file.to_str().unwrap()]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("1 added"), "{}", out.stdout);

    let list: CustomerList = admin.run(&["list", "--json"]).await.json();
    assert_eq!(names(&list), ["Acme Corp", "Globex", "Initech"]);
    assert_eq!(admin.run(&["tag", "add", "emea", "Acme Corp"]).await.code, 0);
    let out = admin.run(&["sync", "--all", "--json"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let report: BatchReport = out.json();
    assert_eq!((report.done, report.failures.len()), (3, 0));
    sim.set_fault(infos[1].port, Fault::Down).await.unwrap();
    assert_eq!(admin.run(&["check", "--tag", "emea"]).await.code, 0);
    assert_eq!(admin.run(&["check", "--all"]).await.code, 1);
    let out = admin.run(&["delete", "Acme Corp", "Globex", "--force", "--reason", "Left"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Force deleted “Globex”"), "{}", out.stdout);
    assert_eq!(sim.linked_mssp(infos[0].port), None, "Acme's instance was told");
    let list: CustomerList = admin.run(&["list", "--json"]).await.json();
    assert_eq!(names(&list), ["Initech"]);
    let out = admin.run(&["export", "-"]).await;
    assert!(out.stdout.contains("Initech") && !out.stdout.contains(&infos[2].password));

    // The credentials are sealed under the keychain's data key: a console on the same data
    // dir and keychain service opens them (Initech syncs).
    let config =
        ConsoleConfig { data_dir: data.clone(), keychain_service: admin.keychain_service.clone() };
    let console = Console::open(&config).unwrap();
    console.sessions().login(ADMIN, ADMIN_PASSWORD).await.unwrap();
    let id = console.list_customers().unwrap()[0].customer.id;
    let (_, status) = console.sync_customer(id).await.unwrap();
    assert_eq!(status.label(), "Data Collection Successful");
}
