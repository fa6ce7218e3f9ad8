//! Which data dir, who logs in, and the link to the console: the running one's channel, or
//! the data dir itself.
//!
//! Must never read a password from the command line, never prompt when there is no terminal
//! to answer (a script would hang), and never create a data dir unless told to
//! ([`Setup::Create`]).

use crate::cli::Global;
use crate::exit::{Exit, Failure};
use mssp_core::{ConsoleConfig, Error};
use mssp_local::{Link, Request};
use secrecy::{ExposeSecret, SecretString};
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::sync::Arc;

/// The folder the window keeps its data in: the OS data dir and the app's identifier
/// (`tauri.conf.json`), as Tauri's `app_data_dir` resolves it.
const APP_IDENTIFIER: &str = "com.mssp-console.app";

/// The environment variable scripts may keep the password in (see `--help` for the cost).
pub const PASSWORD_ENV: &str = "MSSP_ADMIN_PASSWORD";

/// What to do on a data dir with no administrator yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setup {
    /// Refuse: the window creates the first administrator.
    Refuse,
    /// Create the data dir and the administrator with these credentials (`seed-demo`).
    Create,
}

/// Where the password came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Terminal,
    Stdin,
    Env,
}

/// A logged-in link to the console.
pub struct Session {
    pub link: Link,
    password: SecretString,
    source: Source,
    pub json: bool,
}

impl Session {
    /// Finds the data dir, asks for the credentials, opens the link and logs in.
    pub async fn open(global: &Global, setup: Setup) -> Result<Self, Failure> {
        let data_dir = data_dir(global, setup)?;
        eprintln!("Data dir: {}", data_dir.display());
        let config = ConsoleConfig {
            keychain_service: ConsoleConfig::from_env(&data_dir).keychain_service,
            data_dir,
        };
        if setup == Setup::Refuse && !config.database_path().exists() {
            return Err(Failure::new(
                Exit::Unavailable,
                "no_console",
                format!(
                    "There is no MSSP Console data in {} (no console.db). Start MSSP Console \
                     once to set it up, or name the data dir with --data-dir.",
                    config.data_dir.display()
                ),
            ));
        }
        // Asked before the data dir is opened, so a window started while a person types does
        // not find it held.
        let username = username(global)?;
        let (password, source) = password(global, &username)?;

        let mut link = Link::open(&config).await.map_err(|e| {
            let doing = format!("Opening the console's data dir {}", config.data_dir.display());
            let mut failure = Failure::from_error(&doing, &e);
            failure.exit = Exit::Unavailable;
            failure
        })?;
        if link.is_running_console() {
            eprintln!(
                "MSSP Console is running on this data dir: working through the running console."
            );
        }
        let login = Request::Login { username: username.clone(), password: password.clone() };
        match link.call(login).await {
            Ok(_) => {}
            Err(Error::SetupRequired) if setup == Setup::Create => {
                let confirmed = match source {
                    Source::Terminal => {
                        let again =
                            prompt_password("Repeat the password to create the administrator: ")?;
                        if again.expose_secret() != password.expose_secret() {
                            return Err(Failure::usage("The two passwords differ."));
                        }
                        again
                    }
                    _ => password.clone(),
                };
                let create =
                    Request::CreateAdmin { username: username.clone(), password: confirmed };
                link.call(create)
                    .await
                    .map_err(|e| Failure::from_error("Creating the administrator", &e))?;
                println!("Created administrator {username:?}.");
            }
            Err(Error::SetupRequired) => {
                return Err(Failure::new(
                    Exit::Login,
                    "setup_required",
                    "This console has no administrator yet: start MSSP Console and create one.",
                ));
            }
            Err(e) => return Err(Failure::from_error(&format!("Logging in as {username:?}"), &e)),
        }
        Ok(Self { link, password, source, json: global.json })
    }

    /// Sends a request; a failure is told as `doing`.
    pub async fn call(
        &mut self,
        request: Request,
        doing: &str,
    ) -> Result<serde_json::Value, Failure> {
        self.link.call(request).await.map_err(|e| Failure::from_error(doing, &e))
    }

    /// [`Self::call`] with a progress bar (or plain lines without a terminal).
    pub async fn call_with_progress(
        &mut self,
        request: Request,
        doing: &str,
        label: &str,
    ) -> Result<serde_json::Value, Failure> {
        let progress = crate::output::Progress::new(label);
        let report = progress.clone();
        let answer = self
            .link
            .call_with_progress(request, Arc::new(move |d, t, f| report.set(d, t, f)))
            .await;
        progress.finish();
        answer.map_err(|e| Failure::from_error(doing, &e))
    }

    /// Confirm Password for a destructive request: asked again on the terminal (the window
    /// asks too, and it doubles as "are you sure"); a script's password confirms itself.
    pub fn confirm_password(&self, what: &str) -> Result<SecretString, Failure> {
        if self.source == Source::Stdin || !std::io::stdin().is_terminal() {
            return Ok(self.password.clone());
        }
        prompt_password(&format!("Confirm Password to {what}: "))
    }
}

/// A usage error unless a data dir was named (checked first by commands that create one).
pub fn require_data_dir(global: &Global) -> Result<(), Failure> {
    data_dir(global, Setup::Create).map(drop)
}

/// `--data-dir`, else `MSSP_CONSOLE_DATA_DIR`, else the installed console's (not for
/// `seed-demo`, which must never seed a real installation by accident).
fn data_dir(global: &Global, setup: Setup) -> Result<PathBuf, Failure> {
    if let Some(dir) = global.data_dir.as_ref().filter(|d| !d.as_os_str().is_empty()) {
        return Ok(dir.clone());
    }
    if setup == Setup::Create {
        return Err(Failure::usage(
            "seed-demo needs --data-dir or MSSP_CONSOLE_DATA_DIR (it never seeds the installed \
             console's data by accident).",
        ));
    }
    dirs::data_dir().map(|d| d.join(APP_IDENTIFIER)).ok_or_else(|| {
        Failure::new(
            Exit::Unavailable,
            "no_data_dir",
            "This system has no data folder for applications: name the data dir with --data-dir.",
        )
    })
}

fn username(global: &Global) -> Result<String, Failure> {
    if let Some(name) = global.username.as_ref().filter(|u| !u.trim().is_empty()) {
        return Ok(name.trim().to_owned());
    }
    if global.password_stdin || !std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "Name the console user with --username or MSSP_ADMIN_USERNAME (there is no terminal \
             to ask on).",
        ));
    }
    eprint!("Username: ");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::usage(format!("Reading the username: {e}")))?;
    let name = line.trim().to_owned();
    if name.is_empty() {
        return Err(Failure::usage("No username given."));
    }
    Ok(name)
}

fn password(global: &Global, username: &str) -> Result<(SecretString, Source), Failure> {
    if global.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::usage(format!("Reading the password from stdin: {e}")))?;
        let password = line.strip_suffix('\n').unwrap_or(&line);
        let password = password.strip_suffix('\r').unwrap_or(password);
        if password.is_empty() {
            return Err(Failure::usage("--password-stdin: standard input held no password."));
        }
        let secret = SecretString::from(password.to_owned());
        zeroize::Zeroize::zeroize(&mut line);
        return Ok((secret, Source::Stdin));
    }
    if let Some(password) = std::env::var(PASSWORD_ENV).ok().filter(|p| !p.is_empty()) {
        return Ok((SecretString::from(password), Source::Env));
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::usage(format!(
            "No password: there is no terminal to ask on. Pipe it in with --password-stdin \
             (or set {PASSWORD_ENV})."
        )));
    }
    Ok((prompt_password(&format!("Password for {username}: "))?, Source::Terminal))
}

/// Asks on the terminal without echo.
fn prompt_password(prompt: &str) -> Result<SecretString, Failure> {
    let typed = rpassword::prompt_password(prompt)
        .map_err(|e| Failure::usage(format!("Reading the password from the terminal: {e}")))?;
    if typed.is_empty() {
        return Err(Failure::usage("No password given."));
    }
    Ok(SecretString::from(typed))
}
