//! `mssp-admin`: the console's command line, for scripts and for people without the window.
//! Every command runs through the same core operations the window calls (so the same
//! validation, instance checks, keychain, permissions and audit): over the local channel when
//! a console runs on the data dir (so no second monitor or scheduler runs), on the data dir
//! itself otherwise. Each invocation logs in.
//!
//! Must never take a password on the command line (it would land in shell history and in
//! `ps`): it is typed on the terminal without echo, read from stdin (`--password-stdin`), or
//! taken from `MSSP_ADMIN_PASSWORD`. Must never create a data dir except for `seed-demo`.
//!
//! `cli` declares the arguments, `session` finds the data dir and logs in, `customers`,
//! `import` and `seed` are the commands, `output` prints tables, progress and JSON, `exit`
//! holds the exit codes.

mod cli;
mod customers;
mod exit;
mod import;
mod output;
mod seed;
mod session;

use clap::Parser;
use cli::{Cli, Command};
use exit::{Exit, Failure};
use std::process::ExitCode;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    // The core's own warnings only, unless RUST_LOG says more: libraries' logs (a TLS
    // verifier refusing a self-signed certificate the import then holds for review, …)
    // would only bury what the command tells.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("mssp_core=warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(refused) = cli::password_argument(&args) {
        eprintln!("{refused}");
        return ExitCode::from(Exit::Usage as u8);
    }
    let cli = Cli::parse_from(args);
    let json = cli.global.json;
    let exit = match run(cli).await {
        Ok(exit) => exit,
        Err(failure) => {
            failure.report(json);
            failure.exit
        }
    };
    ExitCode::from(exit as u8)
}

async fn run(cli: Cli) -> Result<Exit, Failure> {
    let global = cli.global;
    match cli.command {
        Command::List(args) => customers::list(&global, args).await,
        Command::Export(args) => customers::export(&global, args).await,
        Command::Import(args) => import::run(&global, args).await,
        Command::Sync(args) => customers::sync(&global, args).await,
        Command::Check(args) => customers::check(&global, args).await,
        Command::Tag(args) => customers::tag(&global, args).await,
        Command::Delete(args) => customers::delete(&global, args).await,
        Command::ApplyLicense(args) => seed::apply_license(&global, args).await,
        Command::SeedDemo(args) => seed::seed_demo(&global, args).await,
    }
}
