//! Alerts that fit the work, with real components: maintenance windows and mutes keep
//! planned work quiet (and uptime leaves it out); a real SMTP server (aiosmtpd, over
//! STARTTLS with a login) and a real HTTP receiver get the down and recovery alerts, the
//! webhook signed; a failing channel is retried with backoff and logged without delaying
//! another; a console whose own network is gone says so once instead of raising a storm;
//! and the tray's model lists who is down.

mod common;

use common::{ADMIN, ADMIN_PASSWORD, fast_client};
use log360_sim::{Fault, InstanceInfo, InstanceSpec, Sim};
use mssp_core::alerts::ChannelInput;
use mssp_core::clock::ManualClock;
use mssp_core::console::{MaintenanceInput, MuteFor};
use mssp_core::model::{
    AlertEvent, AlertRule, ChannelSettings, Customer, CustomerId, DeliveryOutcome, HealthState,
    MailSecurity, MailSettings, Quiet, QuietScope, RuleScope, Schedule, WebhookPreset,
    WebhookSettings,
};
use mssp_core::monitor::MonitorSettings;
use mssp_core::store::Store;
use mssp_core::vault::Vault;
use mssp_core::{Clock, Console, ConsoleEvent};
use secrecy::SecretString;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::broadcast::Receiver;

struct Bench {
    console: Console,
    clock: Arc<ManualClock>,
    sim: Sim,
    _dir: tempfile::TempDir,
}

async fn bench() -> Bench {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
    let keys: Arc<keyring_core::CredentialStore> = keyring_core::mock::Store::new().unwrap();
    let console = Console::with_parts(
        Store::open(&dir.path().join("console.db")).unwrap(),
        Vault::with_store("mssp-console-test", keys),
        fast_client(),
        clock.clone(),
    )
    .unwrap();
    console.sessions().create_admin(ADMIN, ADMIN_PASSWORD, ADMIN_PASSWORD).await.unwrap();
    Bench { console, clock, sim: Sim::new(), _dir: dir }
}

async fn add(b: &Bench, name: &str) -> (InstanceInfo, Customer) {
    let mut spec = InstanceSpec::new(name);
    spec.password = format!("{name}-admin-pass-1");
    let info = b.sim.add_instance(spec).await.unwrap();
    let c = b.console.add_customer(common::input_for(&info, name)).await.unwrap();
    (info, c)
}

async fn sweeps(b: &Bench, n: usize) {
    for _ in 0..n {
        b.console.monitor().sweep_once().await.unwrap();
        b.clock.advance(time::Duration::seconds(30));
    }
}

fn notes(rx: &mut Receiver<ConsoleEvent>) -> Vec<String> {
    let mut out = Vec::new();
    while let Ok(ev) = rx.try_recv() {
        if let ConsoleEvent::Notify(n) = ev {
            out.push(format!("{} | {}", n.title, n.body));
        }
    }
    out
}

#[tokio::test]
async fn nothing_is_told_during_maintenance_and_one_notice_when_it_ends_still_down() {
    let b = bench().await;
    let (info, acme) = add(&b, "Acme").await;
    sweeps(&b, 2).await;
    let now = b.clock.now();
    b.console
        .save_maintenance(
            None,
            MaintenanceInput {
                scope: QuietScope::Customer(acme.id),
                schedule: Schedule::Once { start: now, end: now + time::Duration::minutes(10) },
                note: "Windows updates".into(),
            },
        )
        .unwrap();
    let row = b.console.customer(acme.id).unwrap();
    assert!(matches!(row.quiet, Some(Quiet::Maintenance { .. })), "{:?}", row.quiet);

    let mut rx = b.console.subscribe();
    b.sim.set_fault(info.port, Fault::Down).await.unwrap();
    sweeps(&b, 5).await;
    assert_eq!(
        b.console.customer(acme.id).unwrap().health.state,
        HealthState::Down,
        "checks go on"
    );
    assert!(notes(&mut rx).is_empty(), "nothing told during maintenance");
    let during = b.console.customer_health(acme.id).unwrap();
    assert_eq!(during.uptime_24h, Some(100.0), "maintenance time is left out of uptime");

    b.clock.advance(time::Duration::minutes(10));
    sweeps(&b, 3).await;
    let told = notes(&mut rx);
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("Acme is still down"), "{told:?}");
    assert!(b.console.customer_health(acme.id).unwrap().uptime_24h.unwrap() < 100.0);
}

#[tokio::test]
async fn a_weekly_window_for_a_tag_quiets_its_customers_on_its_days_only() {
    let b = bench().await;
    let (_, acme) = add(&b, "Acme").await;
    let (_, globex) = add(&b, "Globex").await;
    let emea = b
        .console
        .create_tag(mssp_core::validate::TagInput { name: "emea".into(), colour: String::new() })
        .unwrap()
        .id;
    b.console.tag_customers(emea, &[acme.id], true).unwrap();
    // Mondays and Wednesdays, 09:00 Berlin time, for two hours.
    let weekly = Schedule::Weekly {
        weekdays: 0b101,
        start_minute: 9 * 60,
        duration_minutes: 120,
        time_zone: "Europe/Berlin".into(),
    };
    let input =
        MaintenanceInput { scope: QuietScope::Tag(emea), schedule: weekly, note: String::new() };
    b.console.save_maintenance(None, input).unwrap();
    async fn quiet_at(
        b: &Bench,
        ids: (CustomerId, CustomerId),
        at: OffsetDateTime,
    ) -> (Option<Quiet>, Option<Quiet>) {
        let start = b.clock.now();
        b.clock.advance(at - start);
        // Weeks pass here: the idle lock does its job; log in again.
        b.console.sessions().login(ADMIN, ADMIN_PASSWORD).await.unwrap();
        (b.console.customer(ids.0).unwrap().quiet, b.console.customer(ids.1).unwrap().quiet)
    }
    let ids = (acme.id, globex.id);
    // 2027-03-01 is a Monday; 08:30 UTC is 09:30 in Berlin (CET).
    let (acme_q, globex_q) = quiet_at(&b, ids, time::macros::datetime!(2027-03-01 08:30 UTC)).await;
    assert_eq!(
        acme_q,
        Some(Quiet::Maintenance {
            until: time::macros::datetime!(2027-03-01 10:00 UTC),
            note: String::new()
        })
    );
    assert_eq!(globex_q, None, "not tagged");
    assert!(
        quiet_at(&b, ids, time::macros::datetime!(2027-03-02 08:30 UTC)).await.0.is_none(),
        "Tuesday"
    );
    assert!(
        quiet_at(&b, ids, time::macros::datetime!(2027-03-03 08:30 UTC)).await.0.is_some(),
        "Wednesday"
    );
    assert!(
        quiet_at(&b, ids, time::macros::datetime!(2027-03-03 10:30 UTC)).await.0.is_none(),
        "after the two hours"
    );
    // After the change to summer time the window is an hour earlier in UTC.
    assert!(
        quiet_at(&b, ids, time::macros::datetime!(2027-04-05 07:30 UTC)).await.0.is_some(),
        "CEST Monday"
    );
    // A customer tagged later is covered as soon as its tags are read again.
    b.console.tag_customers(emea, &[globex.id], true).unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert!(quiet_at(&b, ids, time::macros::datetime!(2027-04-07 07:30 UTC)).await.1.is_some());
}

#[tokio::test]
async fn a_muted_customer_is_not_told_and_mute_all_silences_the_desktop() {
    let b = bench().await;
    let (info, acme) = add(&b, "Acme").await;
    sweeps(&b, 1).await;
    let until = b.console.mute(QuietScope::Customer(acme.id), MuteFor::Hours(1)).unwrap();
    assert!(until.is_some());
    let mut rx = b.console.subscribe();
    b.sim.set_fault(info.port, Fault::Down).await.unwrap();
    sweeps(&b, 4).await;
    assert!(notes(&mut rx).is_empty());
    assert!(matches!(b.console.customer(acme.id).unwrap().quiet, Some(Quiet::Muted { .. })));
    assert!(
        b.console
            .mute(QuietScope::Customer(acme.id), MuteFor::Hours(0))
            .unwrap_err()
            .fields()
            .is_some()
    );

    b.console.unmute(QuietScope::Customer(acme.id)).unwrap();
    b.console.mute(QuietScope::All, MuteFor::Hours(1)).unwrap();
    let note = mssp_core::events::Notification::about(
        mssp_core::events::NoticeKind::Down,
        vec![acme.id],
        "Acme is down".into(),
        "x".into(),
    );
    assert_eq!(b.console.deliverable(&note), None, "this computer's desktop is muted");
    assert_eq!(
        b.console.tray_model().muted_until,
        Some(until.map(|_| b.clock.now() + time::Duration::hours(1)))
    );
    let audit = b.console.audit_log(50).unwrap();
    assert!(audit.iter().any(|e| e.action == "alerts.mute" && e.customer_id == Some(acme.id)));
}

/// One request a receiver got: its headers (lower-cased names) and body.
type Received = (Vec<(String, String)>, Vec<u8>);

/// A minimal HTTP/1.1 receiver: records each request, answers `status`.
struct HttpReceiver {
    port: u16,
    got: Arc<Mutex<Vec<Received>>>,
}

async fn receiver(status: u16) -> HttpReceiver {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let got: Arc<Mutex<Vec<Received>>> = Arc::default();
    let store = got.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head_end, length) = loop {
                    let n = s.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..i]).to_string();
                        let length = head
                            .lines()
                            .find_map(|l| {
                                l.to_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        break (i + 4, length);
                    }
                };
                while buf.len() < head_end + length {
                    let n = s.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                let headers = head
                    .lines()
                    .skip(1)
                    .filter_map(|l| l.split_once(':'))
                    .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_owned()))
                    .collect();
                store.lock().unwrap().push((headers, buf[head_end..].to_vec()));
                let answer = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = s.write_all(answer.as_bytes()).await;
            });
        }
    });
    HttpReceiver { port, got }
}

/// A throwaway CA and a leaf for 127.0.0.1, made with the openssl tool.
fn make_certs(dir: &Path) -> (String, String, String) {
    let run = |args: &[&str]| {
        let ok = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(ok.success(), "openssl {args:?}");
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Test relay CA",
    ]);
    std::fs::write(dir.join("ext.cnf"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "leaf.key",
        "-out",
        "leaf.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    run(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "leaf.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    let path = |f: &str| dir.join(f).display().to_string();
    (std::fs::read_to_string(dir.join("ca.pem")).unwrap(), path("leaf.pem"), path("leaf.key"))
}

const SMTP_SERVER: &str = r#"
import json, ssl, sys, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
cert, key, port, out = sys.argv[1:5]
class Handler:
    async def handle_DATA(self, server, session, envelope):
        with open(out, "a") as f:
            f.write(json.dumps({"to": envelope.rcpt_tos, "data": envelope.content.decode("utf8", "replace"),
                                "auth": bool(session.authenticated)}) + "\n")
        return "250 Message accepted for delivery"
def auth(server, session, envelope, mechanism, data):
    return AuthResult(success=isinstance(data, LoginPassword) and data.login == b"alerts" and data.password == b"smtp-pass-1")
tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
tls.load_cert_chain(cert, key)
c = Controller(Handler(), hostname="127.0.0.1", port=int(port), tls_context=tls, require_starttls=True,
               authenticator=auth, auth_require_tls=True)
c.start()
print("ready", flush=True)
while True:
    time.sleep(3600)
"#;

struct Smtp {
    child: Child,
    port: u16,
    mailbox: std::path::PathBuf,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn smtp_server(dir: &Path, cert: &str, key: &str) -> Smtp {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let script = dir.join("smtp.py");
    std::fs::write(&script, SMTP_SERVER).unwrap();
    let mailbox = dir.join("mailbox.jsonl");
    // The Debian package's interpreter: aiosmtpd comes from python3-aiosmtpd (make deps).
    let python =
        if Path::new("/usr/bin/python3").exists() { "/usr/bin/python3" } else { "python3" };
    let mut child = Command::new(python)
        .arg(&script)
        .args([cert, key, &port.to_string(), &mailbox.display().to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 with aiosmtpd (make deps installs python3-aiosmtpd)");
    let mut ready = String::new();
    use std::io::BufRead;
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut ready).unwrap();
    assert_eq!(ready.trim(), "ready", "the SMTP server started");
    Smtp { child, port, mailbox }
}

fn mails(smtp: &Smtp) -> Vec<serde_json::Value> {
    std::fs::read_to_string(&smtp.mailbox)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..150 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
// The SMTP server is Debian's python3-aiosmtpd with a CA made by openssl (make deps); the
// Windows and macOS CI jobs have neither, and the mail path is the same code there.
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs python3-aiosmtpd and openssl: Linux (make deps)"
)]
async fn down_and_recovery_reach_a_mail_server_and_a_signed_webhook() {
    let b = bench().await;
    b.console.alerts().spawn();
    let certs = tempfile::tempdir().unwrap();
    let (ca, cert, key) = make_certs(certs.path());
    let smtp = smtp_server(certs.path(), &cert, &key);
    let hook = receiver(200).await;

    let mail = b
        .console
        .save_alert_channel(
            None,
            ChannelInput {
                name: "On-call mail".into(),
                settings: ChannelSettings::Email(MailSettings {
                    host: "127.0.0.1".into(),
                    port: smtp.port,
                    security: MailSecurity::Starttls,
                    username: "alerts".into(),
                    from: "console@mssp.example.com".into(),
                    to: vec!["oncall@mssp.example.com".into()],
                    ca_pem: Some(ca),
                }),
                enabled: true,
                secret: Some(SecretString::from("smtp-pass-1")),
            },
        )
        .await
        .unwrap();
    assert!(mail.has_secret);
    let webhook = b
        .console
        .save_alert_channel(
            None,
            ChannelInput {
                name: "SOC webhook".into(),
                settings: ChannelSettings::Webhook(WebhookSettings {
                    url: format!("http://127.0.0.1:{}/alerts", hook.port),
                    preset: WebhookPreset::Generic,
                }),
                enabled: true,
                secret: Some(SecretString::from("hook-signing-secret")),
            },
        )
        .await
        .unwrap();
    for channel in [mail.id, webhook.id] {
        b.console
            .save_alert_rule(AlertRule {
                id: 0,
                channel_id: channel,
                events: vec![AlertEvent::Down, AlertEvent::Recovered],
                scope: RuleScope::All,
                sync_failures: 3,
            })
            .unwrap();
    }
    assert_eq!(b.console.send_test_alert(webhook.id).await.unwrap(), "HTTP 200");

    let (info, _) = add(&b, "Umbrella Health").await;
    sweeps(&b, 1).await;
    b.sim.set_fault(info.port, Fault::Down).await.unwrap();
    sweeps(&b, 3).await;
    wait_for("the down mail", || mails(&smtp).len() == 1).await;
    b.sim.set_fault(info.port, Fault::None).await.unwrap();
    sweeps(&b, 2).await;
    wait_for("the recovery mail", || mails(&smtp).len() == 2).await;
    let got = mails(&smtp);
    assert!(got[0]["auth"].as_bool().unwrap(), "logged in over STARTTLS");
    assert!(got[0]["data"].as_str().unwrap().contains("Umbrella Health"));
    assert!(
        got[1]["data"].as_str().unwrap().to_lowercase().contains("back up")
            || got[1]["data"].as_str().unwrap().contains("recovered"),
        "{}",
        got[1]["data"]
    );

    wait_for("three webhook calls", || hook.got.lock().unwrap().len() == 3).await;
    let calls = hook.got.lock().unwrap().clone();
    for (headers, body) in &calls {
        let header =
            |k: &str| headers.iter().find(|(h, _)| h == k).map(|(_, v)| v.clone()).unwrap();
        let timestamp: i64 = header("x-mssp-timestamp").parse().unwrap();
        let expected = mssp_core::alerts::signature(
            &SecretString::from("hook-signing-secret"),
            timestamp,
            body,
        );
        assert_eq!(header("x-mssp-signature"), expected, "the body is signed");
    }
    let down: serde_json::Value = serde_json::from_slice(&calls[1].1).unwrap();
    assert_eq!(down["event"], "down");
    assert_eq!(down["customers"][0]["name"], "Umbrella Health");
    let up: serde_json::Value = serde_json::from_slice(&calls[2].1).unwrap();
    assert_eq!(up["event"], "recovered");
    let log = b.console.alert_deliveries(mail.id).unwrap();
    assert_eq!(log.iter().filter(|d| d.outcome == DeliveryOutcome::Delivered).count(), 2);
    assert!(log[0].detail.starts_with("250"), "{:?}", log[0]);
}

#[tokio::test]
async fn a_failing_channel_is_retried_and_logged_without_delaying_another() {
    let b = bench().await;
    b.console.alerts().set_first_retry(Duration::from_millis(200));
    b.console.alerts().spawn();
    let (broken, working) = (receiver(500).await, receiver(200).await);
    let mut ids = Vec::new();
    for (name, r) in [("Broken", &broken), ("Working", &working)] {
        let channel = b
            .console
            .save_alert_channel(
                None,
                ChannelInput {
                    name: name.into(),
                    settings: ChannelSettings::Webhook(WebhookSettings {
                        url: format!("http://127.0.0.1:{}/", r.port),
                        preset: WebhookPreset::Slack,
                    }),
                    enabled: true,
                    secret: None,
                },
            )
            .await
            .unwrap();
        b.console
            .save_alert_rule(AlertRule {
                id: 0,
                channel_id: channel.id,
                events: vec![AlertEvent::Down],
                scope: RuleScope::All,
                sync_failures: 3,
            })
            .unwrap();
        ids.push(channel.id);
    }
    let (info, _) = add(&b, "Acme").await;
    sweeps(&b, 1).await;
    b.sim.set_fault(info.port, Fault::Down).await.unwrap();
    sweeps(&b, 3).await;
    wait_for("the working channel", || working.got.lock().unwrap().len() == 1).await;
    assert!(
        broken.got.lock().unwrap().len() <= 2,
        "the working channel did not wait for the broken one's retries"
    );
    let slack: serde_json::Value =
        serde_json::from_slice(&working.got.lock().unwrap()[0].1).unwrap();
    assert!(slack["text"].as_str().unwrap().contains("Acme"));

    wait_for("every attempt", || broken.got.lock().unwrap().len() == mssp_core::alerts::ATTEMPTS)
        .await;
    wait_for("the log", || {
        b.console
            .alert_deliveries(ids[0])
            .unwrap()
            .first()
            .is_some_and(|d| d.outcome == DeliveryOutcome::GaveUp)
    })
    .await;
    let log = b.console.alert_deliveries(ids[0]).unwrap();
    assert_eq!(log.len(), mssp_core::alerts::ATTEMPTS);
    assert!(log.iter().all(|d| d.detail == "HTTP 500"), "{log:?}");
    let gaps: Vec<i64> =
        log.windows(2).map(|w| (w[0].at - w[1].at).whole_milliseconds() as i64).collect();
    assert!(gaps.iter().all(|g| *g >= 0), "newest first");
}

#[tokio::test]
async fn an_offline_computer_says_so_once_and_blames_no_customer() {
    let b = bench().await;
    let mut customers = Vec::new();
    for i in 0..5 {
        customers.push(add(&b, &format!("Customer {i}")).await);
    }
    sweeps(&b, 1).await;
    // The admin's probe address: unreachable, as when this computer's network is gone.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    let settings = MonitorSettings {
        probe_address: format!("127.0.0.1:{closed_port}"),
        ..MonitorSettings::default()
    };
    b.console.set_monitor_settings(settings).unwrap();

    let mut rx = b.console.subscribe();
    for (info, _) in &customers {
        b.sim.set_fault(info.port, Fault::Down).await.unwrap();
    }
    sweeps(&b, 5).await;
    let told = notes(&mut rx);
    assert_eq!(told.len(), 1, "one notice, not a storm: {told:?}");
    assert!(told[0].starts_with("This computer is offline"), "{told:?}");
    for (_, c) in &customers {
        let row = b.console.customer(c.id).unwrap();
        assert_ne!(row.health.state, HealthState::Down, "not blamed: {:?}", row.health);
    }
    assert!(b.console.tray_model().offline_since.is_some());

    // Back online: the probe answers, the instances too; no "recovered" storm.
    let open = tokio::net::TcpListener::bind(("127.0.0.1", closed_port)).await.unwrap();
    for (info, _) in &customers {
        b.sim.set_fault(info.port, Fault::None).await.unwrap();
    }
    sweeps(&b, 2).await;
    drop(open);
    let told = notes(&mut rx);
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].starts_with("This computer is back online"), "{told:?}");
    assert!(b.console.tray_model().offline_since.is_none());
}

#[tokio::test]
async fn a_check_the_machine_slept_through_counts_for_nothing() {
    let b = bench().await;
    let (info, acme) = add(&b, "Acme").await;
    sweeps(&b, 1).await;
    b.sim.set_latency(info.port, Duration::from_millis(800));
    let clock = b.clock.clone();
    let sleeper = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        clock.advance(time::Duration::hours(2));
    });
    let customer = b.console.customer(acme.id).unwrap().customer;
    let (health, failed) = b.console.monitor().check_now_told(&customer).await;
    sleeper.await.unwrap();
    assert_eq!(health.state, HealthState::Up);
    assert!(failed.unwrap().contains("asleep"));
}

#[tokio::test]
async fn the_tray_lists_the_first_ten_down_and_no_names_while_locked() {
    let b = bench().await;
    let mut ids = Vec::new();
    for i in 0..12 {
        let (info, c) = add(&b, &format!("Customer {i:02}")).await;
        b.sim.set_fault(info.port, Fault::Down).await.unwrap();
        ids.push(c.id);
    }
    // Below the offline share: one customer stays up.
    add(&b, "Zeta").await;
    let settings = MonitorSettings { offline_share_percent: 100, ..MonitorSettings::default() };
    b.console.set_monitor_settings(settings).unwrap();
    sweeps(&b, 3).await;
    let tray = b.console.tray_model();
    assert_eq!(tray.down.len(), mssp_core::console::TRAY_DOWN_SHOWN);
    assert_eq!(tray.more, 2);
    assert_eq!(tray.down[0].1, "Customer 00");
    b.console.sessions().logout();
    let locked = b.console.tray_model();
    assert!(locked.locked && locked.down.is_empty());
    assert_eq!(locked.more, 12, "counts without names");
}
