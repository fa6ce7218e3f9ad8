//! `mssp-admin`'s side of the local channel: connects to the console running on a data dir,
//! sends one request at a time and reads its answer.
//!
//! Must never wait forever: a console that does not answer within [`TIMEOUT`] is an error.

use crate::protocol::{Answer, Request};
use crate::{MAX_LINE, endpoint};
use futures_util::{SinkExt, StreamExt};
use mssp_core::error::{Error, FieldErrors, Result};
use std::path::Path;
use std::time::Duration;
use tokio_util::codec::{Framed, LinesCodec};

/// Longest wait for an answer (a sync of a slow customer takes up to the client timeouts).
pub const TIMEOUT: Duration = Duration::from_secs(120);

#[cfg(unix)]
type Stream = tokio::net::UnixStream;
#[cfg(windows)]
type Stream = tokio::net::windows::named_pipe::NamedPipeClient;

pub struct LocalClient {
    lines: Framed<Stream, LinesCodec>,
}

impl LocalClient {
    /// Connects to the console running on `data_dir`.
    pub async fn connect(data_dir: &Path) -> Result<Self> {
        let at = endpoint(data_dir);
        #[cfg(unix)]
        let stream = tokio::net::UnixStream::connect(&at).await;
        #[cfg(windows)]
        let stream = tokio::net::windows::named_pipe::ClientOptions::new().open(&at);
        let stream = stream.map_err(|e| Error::Unreachable {
            target: "the running MSSP Console".into(),
            detail: format!("{} ({e})", at.display()),
        })?;
        Ok(Self { lines: Framed::new(stream, LinesCodec::new_with_max_length(MAX_LINE)) })
    }

    /// Sends `request` and returns the answer's value, or its error.
    pub async fn call(&mut self, request: &Request) -> Result<serde_json::Value> {
        self.call_with_progress(request, &mut |_, _, _| {}).await
    }

    /// [`Self::call`], handing each progress line (done, total, failed) to `progress`. The
    /// wait for the next line (not for the whole answer) is bounded by [`TIMEOUT`], so a long
    /// batch that keeps reporting is never cut off.
    pub async fn call_with_progress(
        &mut self,
        request: &Request,
        progress: &mut (dyn FnMut(usize, usize, usize) + Send),
    ) -> Result<serde_json::Value> {
        let line = serde_json::to_string(request).map_err(|e| Error::Internal(e.to_string()))?;
        let lost =
            |e: &dyn std::fmt::Display| Error::Internal(format!("the console's channel: {e}"));
        self.lines.send(line).await.map_err(|e| lost(&e))?;
        loop {
            let answer = tokio::time::timeout(TIMEOUT, self.lines.next())
                .await
                .map_err(|_| Error::Timeout {
                    target: "the running MSSP Console".into(),
                    seconds: TIMEOUT.as_secs(),
                })?
                .ok_or_else(|| lost(&"closed"))?
                .map_err(|e| lost(&e))?;
            match serde_json::from_str::<Answer>(&answer).map_err(|e| lost(&e))? {
                Answer::Progress { done, total, failed } => progress(done, total, failed),
                Answer::Ok { value } => return Ok(value),
                Answer::Error { code, message, fields } => {
                    return Err(remote_error(code, message, fields));
                }
            }
        }
    }
}

/// The console's error as this process can show it (its message, its code kept where one
/// of ours has it).
fn remote_error(
    code: String,
    message: String,
    fields: std::collections::BTreeMap<String, String>,
) -> Error {
    match code.as_str() {
        "validation" => {
            let mut errors = FieldErrors::new();
            for (field, message) in fields {
                errors.insert(field, message);
            }
            Error::Validation(errors)
        }
        "locked" => Error::Locked,
        "forbidden" => Error::Forbidden(message),
        "auth_failed" => Error::AuthFailed(message),
        "not_found" => Error::NotFound(message),
        "setup_required" => Error::SetupRequired,
        "already_set_up" => Error::AlreadySetUp,
        _ => Error::Remote { code, message },
    }
}
