//! Exit codes (documented in `--help` and the README), and a failure that carries one.

use mssp_core::Error;
use serde_json::json;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    Ok = 0,
    /// Some customers or rows failed; the rest was done.
    Partial = 1,
    Usage = 2,
    /// Wrong username or password, throttled, no administrator, a wrong Confirm Password.
    Login = 3,
    /// No customer or tag by that name.
    NotFound = 4,
    /// The data dir, the running console or the keychain could not be opened.
    Unavailable = 5,
    /// The console refused the request, or something unexpected failed.
    Failed = 6,
}

impl Exit {
    /// Partial when anything failed.
    pub fn partial_if(failed: bool) -> Self {
        if failed { Exit::Partial } else { Exit::Ok }
    }
}

/// Why a command stopped.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    /// A stable code for scripts: the console's error code, or `usage`, `not_found`, ….
    pub code: String,
    pub message: String,
    pub fields: BTreeMap<String, String>,
}

impl Failure {
    pub fn new(exit: Exit, code: &str, message: impl Into<String>) -> Self {
        Self { exit, code: code.to_owned(), message: message.into(), fields: BTreeMap::new() }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, "usage", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(Exit::NotFound, "not_found", message)
    }

    /// The console's error, said as what was being done: "Importing x.csv: …".
    pub fn from_error(doing: &str, e: &Error) -> Self {
        let fields = e
            .fields()
            .map(|f| f.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
            .unwrap_or_default();
        let message = match e.fields() {
            // One line per field: what a person fixes.
            Some(f) if f.len() > 1 => {
                let lines: Vec<String> = f.iter().map(|(k, v)| format!("  {k}: {v}")).collect();
                format!("{doing}:\n{}", lines.join("\n"))
            }
            Some(f) if f.len() == 1 => {
                format!("{doing}: {}", f.values().next().cloned().unwrap_or_default())
            }
            _ => format!("{doing}: {e}"),
        };
        Self { exit: exit_for(e), code: e.origin_code().to_owned(), message, fields }
    }

    /// Prints it: on stderr, and as `{"error": …}` on stdout for `--json`.
    pub fn report(&self, json: bool) {
        eprintln!("mssp-admin: {}", self.message);
        if json {
            let error = json!({
                "error": {
                    "code": self.code,
                    "message": self.message,
                    "fields": self.fields,
                    "exit": self.exit as u8,
                }
            });
            println!("{error:#}");
        }
    }
}

/// What an error from the console means for the exit code.
pub fn exit_for(e: &Error) -> Exit {
    const CONSOLE: &str = "the running MSSP Console";
    match e {
        Error::Unreachable { target, .. } | Error::Timeout { target, .. } if target == CONSOLE => {
            Exit::Unavailable
        }
        Error::Internal(m) if m.starts_with("the console's channel") => Exit::Unavailable,
        _ => match e.origin_code() {
            "auth_failed" | "login_throttled" | "wrong_password" | "setup_required" | "locked" => {
                Exit::Login
            }
            "not_found" => Exit::NotFound,
            "storage" | "keychain_unavailable" | "already_running" => Exit::Unavailable,
            _ => Exit::Failed,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_their_documented_exit_codes() {
        assert_eq!(exit_for(&Error::AuthFailed("x".into())), Exit::Login);
        assert_eq!(exit_for(&Error::LoginThrottled { retry_after_s: 3 }), Exit::Login);
        assert_eq!(exit_for(&Error::WrongPassword), Exit::Login);
        assert_eq!(exit_for(&Error::SetupRequired), Exit::Login);
        assert_eq!(exit_for(&Error::NotFound("Acme".into())), Exit::NotFound);
        assert_eq!(exit_for(&Error::KeychainUnavailable("x".into())), Exit::Unavailable);
        let remote = Error::Remote { code: "login_throttled".into(), message: "wait".into() };
        assert_eq!(exit_for(&remote), Exit::Login, "a throttle told by the running console");
        let gone =
            Error::Unreachable { target: "the running MSSP Console".into(), detail: "".into() };
        assert_eq!(exit_for(&gone), Exit::Unavailable);
        let instance = Error::Unreachable { target: "127.0.0.1:1".into(), detail: "".into() };
        assert_eq!(exit_for(&instance), Exit::Failed);
        assert_eq!(exit_for(&Error::field("file", "bad")), Exit::Failed);
        assert_eq!(exit_for(&Error::Forbidden("no".into())), Exit::Failed);
    }
}
