//! The console's side of the local channel: listens in the data dir, one task per
//! connection, each connection logged in as one technician at most.
//!
//! Must never answer another user of the machine (the socket is 0600 in a 0700 folder), and
//! never let one connection's slow or oversized request hold up another.

use crate::dispatch::{Caller, ProgressSink};
use crate::protocol::{Answer, Request};
use crate::{MAX_LINE, endpoint};
use futures_util::{SinkExt, StreamExt};
use mssp_core::Console;
use mssp_core::batch::Progress;
use mssp_core::error::{Error, Result};
use std::path::Path;
use std::sync::{Arc, Weak};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::codec::{Framed, LinesCodec};

/// What the window does when a second launch asks it to come to the front.
pub type Focus = Arc<dyn Fn() + Send + Sync>;

/// Starts listening for this data dir. Call it while holding the data dir's lock (a socket
/// left by a console that ended is replaced).
pub async fn serve(console: Arc<Console>, data_dir: &Path, focus: Focus) -> Result<()> {
    // The channel does not keep the console alive: once it ends (and lets go of the data
    // dir), requests get `already_running`'s opposite, a closed channel.
    let console = Arc::downgrade(&console);
    let at = endpoint(data_dir);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::remove_file(&at);
        let listener = tokio::net::UnixListener::bind(&at)
            .map_err(|e| Error::Storage(format!("listening on {}: {e}", at.display())))?;
        std::fs::set_permissions(&at, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::Storage(format!("securing {}: {e}", at.display())))?;
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(connection(console.clone(), stream, focus.clone()));
            }
        });
    }
    #[cfg(windows)]
    {
        use tokio::net::windows::named_pipe::ServerOptions;
        let name = at.to_string_lossy().into_owned();
        let mut server = ServerOptions::new()
            .first_pipe_instance(true)
            .reject_remote_clients(true)
            .create(&name)
            .map_err(|e| Error::Storage(format!("listening on {name}: {e}")))?;
        tokio::spawn(async move {
            loop {
                if server.connect().await.is_err() {
                    break;
                }
                let Ok(next) = ServerOptions::new().reject_remote_clients(true).create(&name)
                else {
                    break;
                };
                let connected = std::mem::replace(&mut server, next);
                tokio::spawn(connection(console.clone(), connected, focus.clone()));
            }
        });
    }
    Ok(())
}

async fn connection<S: AsyncRead + AsyncWrite + Unpin>(
    console: Weak<Console>,
    stream: S,
    focus: Focus,
) {
    let mut lines = Framed::new(stream, LinesCodec::new_with_max_length(MAX_LINE));
    let mut caller = Caller::default();
    while let Some(Ok(line)) = lines.next().await {
        let request = match serde_json::from_str::<Request>(&line) {
            Ok(Request::Focus) => {
                focus();
                if send(&mut lines, &Answer::Ok { value: serde_json::Value::Null }).await.is_err() {
                    break;
                }
                continue;
            }
            Ok(request) => request,
            Err(e) => {
                let e =
                    Error::field("request", format!("not a request this console understands: {e}"));
                if send(&mut lines, &Answer::from_error(&e)).await.is_err() {
                    break;
                }
                continue;
            }
        };
        let Some(console) = console.upgrade() else { break };
        // Progress goes out as lines while the request runs; the answer comes last.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let sink: ProgressSink = Arc::new(move |p: &Progress| {
            let _ = tx.send(Answer::Progress { done: p.done, total: p.total, failed: p.failed });
        });
        let work = caller.handle(&console, request, sink);
        tokio::pin!(work);
        let answer = loop {
            tokio::select! {
                answer = &mut work => break answer,
                Some(p) = rx.recv() => {
                    if send(&mut lines, &p).await.is_err() {
                        return;
                    }
                }
            }
        };
        while let Ok(p) = rx.try_recv() {
            let _ = send(&mut lines, &p).await;
        }
        if send(&mut lines, &answer).await.is_err() {
            break;
        }
    }
}

async fn send<S: AsyncRead + AsyncWrite + Unpin>(
    lines: &mut Framed<S, LinesCodec>,
    answer: &Answer,
) -> std::result::Result<(), ()> {
    let text = serde_json::to_string(answer).map_err(drop)?;
    lines.send(text).await.map_err(drop)
}
