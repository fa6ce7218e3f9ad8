//! The policy file an IT department deploys on managed desktops: it can turn off the update
//! check and start-at-login for everyone on the machine. Read once at start; never written.
//!
//! ```json
//! { "disableUpdateCheck": true, "disableStartAtLogin": true }
//! ```
//! Where: `/etc/mssp-console/policy.json` (Linux), `%ProgramData%\MSSP Console\policy.json`
//! (Windows), `/Library/Application Support/MSSP Console/policy.json` (macOS);
//! `MSSP_CONSOLE_POLICY_FILE` names another file (tests, or a site's own place).

use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const POLICY_FILE_ENV: &str = "MSSP_CONSOLE_POLICY_FILE";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    pub disable_update_check: bool,
    pub disable_start_at_login: bool,
    /// The file the rules came from, to tell the admin who decides.
    pub source: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PolicyFile {
    #[serde(default)]
    disable_update_check: bool,
    #[serde(default)]
    disable_start_at_login: bool,
}

impl Policy {
    /// This OS's policy file (or `MSSP_CONSOLE_POLICY_FILE`); no file: nothing is managed.
    pub fn load() -> Self {
        let path = std::env::var_os(POLICY_FILE_ENV).map(PathBuf::from).or_else(default_path);
        path.map(|p| Self::from_file(&p)).unwrap_or_default()
    }

    /// Reads `path`. A file that exists but cannot be read or understood manages both
    /// settings (off): IT meant to restrict something, and guessing less is the safer error.
    pub fn from_file(path: &Path) -> Self {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Self::default(),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot read the policy file: update checks and start-at-login are off");
                return Self::locked_down(path);
            }
        };
        match serde_json::from_str::<PolicyFile>(&text) {
            Ok(file) => Self {
                disable_update_check: file.disable_update_check,
                disable_start_at_login: file.disable_start_at_login,
                source: Some(path.to_owned()),
            },
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "the policy file is not valid JSON: update checks and start-at-login are off");
                Self::locked_down(path)
            }
        }
    }

    fn locked_down(path: &Path) -> Self {
        Self {
            disable_update_check: true,
            disable_start_at_login: true,
            source: Some(path.to_owned()),
        }
    }
}

fn default_path() -> Option<PathBuf> {
    if cfg!(target_os = "windows") {
        let base = std::env::var_os("ProgramData").map(PathBuf::from)?;
        Some(base.join("MSSP Console").join("policy.json"))
    } else if cfg!(target_os = "macos") {
        Some(PathBuf::from("/Library/Application Support/MSSP Console/policy.json"))
    } else {
        Some(PathBuf::from("/etc/mssp-console/policy.json"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str) -> Policy {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.json");
        std::fs::write(&path, text).unwrap();
        Policy::from_file(&path)
    }

    #[test]
    fn no_file_manages_nothing() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Policy::from_file(&dir.path().join("policy.json")), Policy::default());
    }

    #[test]
    fn each_rule_is_read_and_the_others_stay_free() {
        let p = policy(r#"{"disableStartAtLogin": true}"#);
        assert!(p.disable_start_at_login);
        assert!(!p.disable_update_check);
        let p = policy(r#"{"disableUpdateCheck": true, "note": "set by IT"}"#);
        assert!(p.disable_update_check);
        assert!(!p.disable_start_at_login);
        assert!(p.source.is_some());
    }

    #[test]
    fn a_broken_file_turns_both_off() {
        let p = policy("{ disableUpdateCheck: yes");
        assert!(p.disable_update_check && p.disable_start_at_login);
        let p = policy(r#"{"disableUpdateCheck": "true"}"#);
        assert!(p.disable_update_check && p.disable_start_at_login);
    }
}
