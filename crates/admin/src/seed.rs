//! `seed-demo` (what `make demo` runs) and `apply-license`.

use crate::cli::{FileArg, Global, SeedArgs};
use crate::exit::{Exit, Failure};
use crate::output::print_json;
use crate::session::{Session, Setup};
use mssp_local::{CustomerForm, Request};
use secrecy::SecretString;
use serde_json::json;
use std::path::Path;

/// One instance of a log360-sim manifest.
#[derive(serde::Deserialize)]
struct ManifestEntry {
    name: String,
    port: u16,
    tls: bool,
    username: String,
    password: String,
}

pub async fn seed_demo(global: &Global, args: SeedArgs) -> Result<Exit, Failure> {
    crate::session::require_data_dir(global)?;
    let manifest = args.manifest.display().to_string();
    let entries: Vec<ManifestEntry> = serde_json::from_str(&read(&args.manifest)?)
        .map_err(|e| Failure::usage(format!("{manifest} is not a log360-sim manifest: {e}")))?;
    let license = args.license.as_deref().map(read).transpose()?;
    let mut session = Session::open(global, Setup::Create).await?;

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
        match session.link.call(Request::AddCustomer { input }).await {
            Ok(added) => {
                println!(
                    "Integrated {:?} ({}).",
                    entry.name,
                    added["endpoint"].as_str().unwrap_or("")
                );
                let id = serde_json::from_value(added["id"].clone()).map_err(|e| {
                    Failure::new(Exit::Failed, "internal", format!("An unexpected answer: {e}"))
                })?;
                match session.link.call(Request::SyncCustomer { id }).await {
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
    if let (Some(text), Some(path)) = (license, &args.license) {
        let doing = format!("Applying the license {}", path.display());
        session.call(Request::ApplyLicense { text }, &doing).await?;
        println!("Applied the MSSP license from {}.", path.display());
    }
    if failed > 0 {
        eprintln!("mssp-admin: {failed} customer(s) could not be integrated");
    }
    Ok(Exit::partial_if(failed > 0))
}

pub async fn apply_license(global: &Global, args: FileArg) -> Result<Exit, Failure> {
    let text = read(&args.file)?;
    let mut session = Session::open(global, Setup::Refuse).await?;
    let doing = format!("Applying the license {}", args.file.display());
    let applied = session.call(Request::ApplyLicense { text }, &doing).await?;
    let id = applied["license_id"].as_str().unwrap_or_default().to_owned();
    if session.json {
        print_json(&json!({"license_id": id}));
    } else {
        println!("Applied the MSSP license {id} from {}.", args.file.display());
    }
    Ok(Exit::Ok)
}

fn read(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("Reading {}: {e}", path.display())))
}
