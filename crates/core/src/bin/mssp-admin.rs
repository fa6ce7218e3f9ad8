//! `mssp-admin`: headless administration of a console data dir, through the same core
//! operations the window uses (so the same validation, instance checks, keychain and audit).
//! Used by `make demo` to integrate the simulator's demo customers. When the console runs on
//! the data dir, every request goes to it over the local channel (so no second monitor or
//! scheduler runs); otherwise this process opens the data dir itself.
//!
//! Never takes a password on the command line (it would land in shell history and `ps`):
//! passwords come from environment variables or the simulator's manifest file.

use mssp_core::local::{CustomerForm, Link, Request};
use mssp_core::{ConsoleConfig, Error};
use secrecy::SecretString;
use std::process::ExitCode;

const USAGE: &str = "\
mssp-admin: administer an MSSP Console data dir without the window.

USAGE:
    mssp-admin seed-demo --manifest FILE [--license FILE]
        Creates the administrator if there is none (MSSP_ADMIN_USERNAME, MSSP_ADMIN_PASSWORD),
        logs in, integrates every instance of a log360-sim manifest as a customer and syncs
        it, and applies the MSSP license file if one is given.

ENVIRONMENT:
    MSSP_CONSOLE_DATA_DIR           data dir (required here, so a real install is never touched by accident)
    MSSP_CONSOLE_KEYCHAIN_SERVICE   keychain service for customer credentials
    MSSP_ADMIN_USERNAME, MSSP_ADMIN_PASSWORD   the console administrator
";

#[derive(serde::Deserialize)]
struct ManifestEntry {
    name: String,
    port: u16,
    tls: bool,
    username: String,
    password: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    match run(std::env::args().skip(1).collect()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("mssp-admin: {msg}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Vec<String>) -> Result<(), String> {
    let (manifest, license) = match args.as_slice() {
        [cmd, flag, path] if cmd == "seed-demo" && flag == "--manifest" => (path.clone(), None),
        [cmd, flag, path, lflag, lpath]
            if cmd == "seed-demo" && flag == "--manifest" && lflag == "--license" =>
        {
            (path.clone(), Some(lpath.clone()))
        }
        [h] if h == "--help" || h == "-h" => {
            print!("{USAGE}");
            return Ok(());
        }
        _ => return Err(format!("unexpected arguments\n\n{USAGE}")),
    };
    let data_dir = std::env::var_os(mssp_core::config::DATA_DIR_ENV).ok_or_else(|| {
        format!("set {} to the data dir to seed", mssp_core::config::DATA_DIR_ENV)
    })?;
    let username = env("MSSP_ADMIN_USERNAME")?;
    let password = env("MSSP_ADMIN_PASSWORD")?;
    let entries: Vec<ManifestEntry> = serde_json::from_str(
        &std::fs::read_to_string(&manifest).map_err(|e| format!("reading {manifest}: {e}"))?,
    )
    .map_err(|e| format!("{manifest} is not a log360-sim manifest: {e}"))?;

    let config = ConsoleConfig::from_env(data_dir);
    let mut link = Link::open(&config).await.map_err(|e| e.to_string())?;
    if link.is_running_console() {
        println!("MSSP Console is running on this data dir: working through it.");
    }
    let password = SecretString::from(password);
    let login = Request::Login { username: username.clone(), password: password.clone() };
    match link.call(login).await {
        Ok(_) => {}
        Err(Error::SetupRequired) => {
            link.call(Request::CreateAdmin { username: username.clone(), password })
                .await
                .map_err(|e| format!("creating the administrator: {e}"))?;
            println!("Created administrator {username:?}.");
        }
        Err(e) => return Err(format!("logging in as {username:?}: {e}")),
    }

    let mut failed = 0;
    for entry in entries {
        let slug: String =
            entry.name.to_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        let input = CustomerForm {
            name: entry.name.clone(),
            email: format!("soc@{slug}.example.com"),
            server: "127.0.0.1".into(),
            port: entry.port.to_string(),
            connection_type: if entry.tls { "HTTPS" } else { "HTTP" }.into(),
            username: entry.username,
            password: SecretString::from(entry.password),
            // The demo's simulated customers listen on loopback only: plain HTTP is chosen
            // knowingly there (and their rows say "unencrypted").
            allow_cleartext: !entry.tls,
            trust: None,
        };
        match link.call(Request::AddCustomer { input }).await {
            Ok(added) => {
                println!(
                    "Integrated {:?} ({}).",
                    entry.name,
                    added["endpoint"].as_str().unwrap_or("")
                );
                let id = serde_json::from_value(added["id"].clone()).map_err(|e| e.to_string())?;
                match link.call(Request::SyncCustomer { id }).await {
                    Ok(synced) => println!("  {}.", synced["status"].as_str().unwrap_or("")),
                    Err(e) => eprintln!("  Sync failed: {e}"),
                }
            }
            Err(e) => {
                failed += 1;
                eprintln!("Could not integrate {:?}: {e}", entry.name);
            }
        }
    }
    if let Some(path) = license {
        let text = std::fs::read_to_string(&path).map_err(|e| format!("reading {path}: {e}"))?;
        link.call(Request::ApplyLicense { text })
            .await
            .map_err(|e| format!("applying the license {path}: {e}"))?;
        println!("Applied the MSSP license from {path}.");
    }
    if failed > 0 {
        return Err(format!("{failed} customer(s) could not be integrated"));
    }
    Ok(())
}

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("set {name}"))
}
