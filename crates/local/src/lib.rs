//! The local channel between the running console and `mssp-admin` (and a second launch of
//! the window) on the same data dir: a Unix socket in the data dir (readable by the user
//! alone), or a named pipe on Windows, carrying one JSON request per line and one answer per
//! line. `mssp-admin` logs in over it and its operations run in the console as that
//! technician; a second launch asks the running window to come to the front.
//!
//! Must never run an operation for a connection that has not logged in (only `focus` and
//! first-run setup need none), never accept a line longer than [`MAX_LINE`], and never be
//! reachable by another user of the machine.

mod client;
mod dispatch;
mod protocol;
mod server;

pub use client::LocalClient;
pub use protocol::{
    Answer, BatchFailure, BatchReport, CustomerForm, CustomerLine, CustomerList, ImportLine,
    ImportReport, Request,
};
pub use server::{Focus, serve};

use dispatch::{Caller, ProgressSink};
use mssp_core::Console;
use mssp_core::config::ConsoleConfig;
use mssp_core::error::{Error, Result};
use std::sync::Arc;

/// How `mssp-admin` reaches a data dir: the running console's channel, or the data dir
/// itself when no console runs (it then holds the data dir's lock, so no window opens on it
/// meanwhile). Either way a request runs the same [`dispatch`] code.
pub enum Link {
    Running(LocalClient),
    Direct { console: Arc<Console>, caller: Caller },
}

impl Link {
    /// Opens the data dir, or connects to the console that has it open.
    pub async fn open(config: &ConsoleConfig) -> Result<Self> {
        match Console::open(config) {
            Ok(console) => {
                Ok(Link::Direct { console: Arc::new(console), caller: Caller::default() })
            }
            Err(Error::AlreadyRunning(_)) => {
                Ok(Link::Running(LocalClient::connect(&config.data_dir).await?))
            }
            Err(e) => Err(e),
        }
    }

    /// Whether requests go to a running console.
    pub fn is_running_console(&self) -> bool {
        matches!(self, Link::Running(_))
    }

    /// Sends `request` and returns the answer's value, or its error.
    pub async fn call(&mut self, request: Request) -> Result<serde_json::Value> {
        self.call_with_progress(request, Arc::new(|_, _, _| {})).await
    }

    /// [`Self::call`], handing each progress report (done, total, failed) to `progress`.
    pub async fn call_with_progress(
        &mut self,
        request: Request,
        progress: Arc<dyn Fn(usize, usize, usize) + Send + Sync>,
    ) -> Result<serde_json::Value> {
        match self {
            Link::Running(client) => {
                client.call_with_progress(&request, &mut |d, t, f| progress(d, t, f)).await
            }
            Link::Direct { console, caller } => {
                let sink: ProgressSink = Arc::new(move |p| progress(p.done, p.total, p.failed));
                caller.outcome(console, request, sink).await
            }
        }
    }
}

use std::path::{Path, PathBuf};

/// Longest request or answer line (a customer list of thousands fits).
pub const MAX_LINE: usize = 64 * 1024 * 1024;

/// Where the running console listens for this data dir.
pub fn endpoint(data_dir: &Path) -> PathBuf {
    #[cfg(unix)]
    {
        data_dir.join("console.sock")
    }
    #[cfg(windows)]
    {
        // A pipe name is global to the machine: derive it from the data dir, so a demo's
        // data dir does not reach the installed console.
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(data_dir.to_string_lossy().as_bytes());
        let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
        PathBuf::from(format!(r"\\.\pipe\mssp-console-{hex}"))
    }
}
