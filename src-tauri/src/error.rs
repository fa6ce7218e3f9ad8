//! The one error shape that crosses IPC: `{code, message, fields?, forceDeleteAvailable}`.
//! `tests/ipc.rs` pins it. Must never carry anything but what the core's error says.

use crate::ipc::trust::Certificate;
use mssp_core::Error;
use mssp_core::error::FieldErrors;
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IpcError {
    pub code: &'static str,
    pub message: String,
    /// Form field → what is wrong with it; only for `validation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(type = "Record<string, string>", optional)]
    pub fields: Option<FieldErrors>,
    pub force_delete_available: bool,
    /// The certificate a `certificate_untrusted` or `certificate_changed` error is about,
    /// for the admin to review.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub certificate: Option<Box<Certificate>>,
}

impl From<Error> for IpcError {
    fn from(err: Error) -> Self {
        if let Error::Internal(detail) | Error::Storage(detail) = &err {
            tracing::error!(code = err.code(), %detail, "command failed");
        }
        Self {
            code: err.code(),
            message: err.to_string(),
            fields: err.fields().cloned(),
            force_delete_available: err.force_delete_available(),
            certificate: err.certificate().map(|c| Box::new(Certificate::new(c, &host_of(&err)))),
        }
    }
}

impl IpcError {
    /// An error the shell itself reports (desktop settings, updates), not the core.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fields: None,
            force_delete_available: false,
            certificate: None,
        }
    }
}

pub type IpcResult<T> = Result<T, IpcError>;

/// The host a TLS error is about (its target is `host:port`, IPv6 without brackets).
fn host_of(err: &Error) -> String {
    let target = match err {
        Error::CertificateUntrusted { target, .. } | Error::CertificateChanged { target, .. } => {
            target
        }
        Error::DeleteRefused { source } => return host_of(source),
        _ => return String::new(),
    };
    target.rsplit_once(':').map_or(target.as_str(), |(host, _)| host).to_owned()
}
