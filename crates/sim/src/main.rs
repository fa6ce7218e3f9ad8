//! The `log360-sim` command: starts simulated Log360 instances from a JSON
//! config and/or a count, serves the control endpoint, optionally writes a
//! manifest of what it started, and runs until Ctrl-C or SIGTERM.
//!
//! Owns argument parsing and process lifecycle only. It must never contain
//! protocol behaviour (that is the library) or listen off loopback.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use log360_sim::{InstanceSpec, Sim, TlsMode, raise_fd_limit, write_manifest};
use tracing::{error, info, warn};

const USAGE: &str = "\
log360-sim: simulated customer Log360 instances (protocol v1) on 127.0.0.1

USAGE:
    log360-sim [OPTIONS]

OPTIONS:
    --config FILE.json   JSON array of instance specs; missing fields default:
                         {\"name\", \"username\": \"admin\", \"password\": \"Admin@12345\",
                          \"build\": 7100, \"tls\": false, \"port\": 0 (= any free),
                          \"fault\": \"none\"|\"down\"|\"hang\"|\"error500\", \"latency_ms\": 0,
                          \"tls_mode\": \"none\"|\"shared-ca\"|\"self-signed\"|\"custom-ca\",
                          \"cert\": {\"names\", \"common_name\", \"valid_days\", \"expired\",
                                   \"expires_in_days\"}}
    --instances N        Add N more instances named \"Customer 1\"..\"Customer N\"
    --base-port P        Put those N instances on ports P+1..P+N (default: free ports)
    --tls                Serve those N instances over HTTPS with the shared
                         throwaway CA (see GET /ca.pem on the control endpoint);
                         same as --tls-mode shared-ca
    --tls-mode MODE      Certificate mode of those N instances: none, shared-ca,
                         self-signed (each its own self-signed certificate) or
                         custom-ca (each its own CA); overrides --tls
    --latency-ms MS      Added latency for those N instances
    --extra-components K Pad every instance's /mssp/v1/data with K synthetic
                         components (~200 bytes each; 100 gives ~20 KB)
    --control ADDR       Control endpoint address, loopback only
                         (default 127.0.0.1:7171; \"off\" disables it). It
                         answers only Host 127.0.0.1|localhost|[::1]:PORT, no
                         foreign Origin, and POSTs with
                         Content-Type: application/json (even without a body)
    --manifest FILE      Once every instance listens, write their JSON list
                         (InstanceInfo) to FILE atomically
    -h, --help           Print this help

Logs go to stderr; RUST_LOG filters them (default: info).
";

struct Args {
    config: Option<PathBuf>,
    instances: usize,
    base_port: Option<u16>,
    tls: bool,
    tls_mode: Option<TlsMode>,
    latency_ms: u64,
    extra_components: usize,
    control: Option<SocketAddr>,
    manifest: Option<PathBuf>,
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut args = Args {
        config: None,
        instances: 0,
        base_port: None,
        tls: false,
        tls_mode: None,
        latency_ms: 0,
        extra_components: 0,
        control: Some(SocketAddr::from(([127, 0, 0, 1], 7171))),
        manifest: None,
    };
    fn num<T: std::str::FromStr>(s: &str, flag: &str) -> Result<T, String> {
        s.parse().map_err(|_| format!("{flag}: {s:?} is not a valid number"))
    }
    while let Some(arg) = it.next() {
        // Accept both "--flag value" and "--flag=value".
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut inline = inline;
        let mut val = || -> Result<String, String> {
            match inline.take() {
                Some(v) => Ok(v),
                None => it.next().ok_or_else(|| format!("{flag} needs a value")),
            }
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--config" => args.config = Some(PathBuf::from(val()?)),
            "--instances" => args.instances = num(&val()?, &flag)?,
            "--base-port" => args.base_port = Some(num(&val()?, &flag)?),
            "--tls" => args.tls = true,
            "--tls-mode" => {
                let v = val()?;
                args.tls_mode = Some(v.parse().map_err(|e| format!("--tls-mode: {e}"))?);
            }
            "--latency-ms" => args.latency_ms = num(&val()?, &flag)?,
            "--extra-components" => args.extra_components = num(&val()?, &flag)?,
            "--control" => {
                let v = val()?;
                args.control = if v == "off" {
                    None
                } else {
                    Some(
                        v.parse()
                            .map_err(|_| format!("--control: {v:?} is not an IP:port address"))?,
                    )
                };
            }
            "--manifest" => args.manifest = Some(PathBuf::from(val()?)),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(args))
}

fn load_config(path: &PathBuf) -> Result<Vec<InstanceSpec>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a JSON array of instance specs: {e}", path.display()))
}

async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(e) => {
                warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops the simulator");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn run(args: Args) -> Result<(), String> {
    match raise_fd_limit() {
        Ok(n) => info!(nofile = n, "file descriptor limit"),
        Err(e) => warn!(error = %e, "could not raise the file descriptor limit"),
    }
    let sim = Sim::new();
    let mut specs = match &args.config {
        Some(path) => load_config(path)?,
        None => Vec::new(),
    };
    let mut generated = InstanceSpec::new("Customer");
    // --tls-mode wins over --tls, so "--tls --tls-mode none" is plain HTTP
    // rather than a contradiction the library would refuse.
    generated.tls = args.tls && args.tls_mode.is_none();
    generated.tls_mode = args.tls_mode;
    generated.latency_ms = args.latency_ms;
    for i in 1..=args.instances {
        let mut spec = generated.clone();
        spec.name = format!("Customer {i}");
        spec.port = match args.base_port {
            Some(base) => u16::try_from(usize::from(base) + i)
                .map_err(|_| format!("--base-port {base} + {i} exceeds 65535"))?,
            None => 0,
        };
        specs.push(spec);
    }
    for spec in specs {
        let name = spec.name.clone();
        let port = spec.port;
        let info = sim
            .add_instance(spec)
            .await
            .map_err(|e| format!("cannot start instance {name:?} on port {port}: {e}"))?;
        if args.extra_components > 0 {
            sim.set_extra_components(info.port, args.extra_components);
        }
    }
    let all = sim.instances();
    info!(count = all.len(), "all instances started");
    if all.len() <= 20 {
        for i in &all {
            info!(name = %i.name, url = %i.url, username = %i.username, build = i.build, "instance");
        }
    }
    if let Some(addr) = args.control {
        let bound = sim
            .serve_control(addr)
            .await
            .map_err(|e| format!("cannot serve the control endpoint on {addr}: {e}"))?;
        info!(%bound, "control endpoint: try curl http://{bound}/instances");
    }
    if let Some(path) = &args.manifest {
        write_manifest(path, &all)
            .map_err(|e| format!("cannot write manifest {}: {e}", path.display()))?;
        info!(path = %path.display(), "manifest written");
    }
    wait_for_stop_signal().await;
    info!("stopping");
    sim.shutdown().await;
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("log360-sim: {msg}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("log360-sim: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            error!("{msg}");
            ExitCode::FAILURE
        }
    }
}
