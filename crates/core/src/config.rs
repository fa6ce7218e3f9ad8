//! Where a console run keeps its data and under which keychain service it files customer
//! credentials. Both can be set per run, so tests and demos never touch a real user's data.

use std::path::PathBuf;

/// Env var naming the data dir (the SQLite database lives there).
pub const DATA_DIR_ENV: &str = "MSSP_CONSOLE_DATA_DIR";
/// Env var naming the keychain service under which customer credentials are stored.
pub const KEYCHAIN_SERVICE_ENV: &str = "MSSP_CONSOLE_KEYCHAIN_SERVICE";
/// The keychain service a normal installation uses.
pub const DEFAULT_KEYCHAIN_SERVICE: &str = "com.mssp-console.customers";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleConfig {
    pub data_dir: PathBuf,
    pub keychain_service: String,
}

impl ConsoleConfig {
    /// Reads the overrides from the environment; `default_data_dir` is the OS's app-data
    /// dir, which only the shell knows.
    pub fn from_env(default_data_dir: impl Into<PathBuf>) -> Self {
        let data_dir = std::env::var_os(DATA_DIR_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| default_data_dir.into());
        let keychain_service = std::env::var(KEYCHAIN_SERVICE_ENV)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_KEYCHAIN_SERVICE.to_owned());
        Self { data_dir, keychain_service }
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("console.db")
    }
}
