//! The one error shape that crosses IPC: `{code, message, fields?, forceDeleteAvailable}`.
//! `tests/ipc.rs` pins it. Must never carry anything but what the core's error says.

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
        }
    }
}

pub type IpcResult<T> = Result<T, IpcError>;
