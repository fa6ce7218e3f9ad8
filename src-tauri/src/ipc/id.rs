//! Typed ids as command arguments: serde parses them, and an id that does not parse answers
//! the same `not_found` (in the pinned error shape) as one that names nobody, so the webview
//! never sees a deserializer's message.

use crate::error::IpcError;
use mssp_core::Error;
use mssp_core::model::CustomerId;
use serde::Deserialize;
use tauri::Runtime;
use tauri::ipc::{CommandArg, CommandItem, InvokeError};

/// A customer's id as the webview sends it.
#[derive(Debug, Clone, Copy)]
pub struct CustomerRef(pub CustomerId);

/// Many customers' ids (a bulk selection); any malformed one answers `not_found`.
#[derive(Debug, Clone)]
pub struct CustomerRefs(pub Vec<CustomerId>);

/// A technician's id as the webview sends it.
#[derive(Debug, Clone, Copy)]
pub struct TechnicianRef(pub i64);

fn not_found(what: &str) -> InvokeError {
    InvokeError::from(IpcError::from(Error::NotFound(what.to_owned())))
}

impl<'de, R: Runtime> CommandArg<'de, R> for CustomerRef {
    fn from_command(command: CommandItem<'de, R>) -> Result<Self, InvokeError> {
        CustomerId::deserialize(command).map(Self).map_err(|_| not_found("The customer"))
    }
}

impl<'de, R: Runtime> CommandArg<'de, R> for CustomerRefs {
    fn from_command(command: CommandItem<'de, R>) -> Result<Self, InvokeError> {
        Vec::<CustomerId>::deserialize(command).map(Self).map_err(|_| not_found("The customer"))
    }
}

impl<'de, R: Runtime> CommandArg<'de, R> for TechnicianRef {
    fn from_command(command: CommandItem<'de, R>) -> Result<Self, InvokeError> {
        i64::deserialize(command).map(Self).map_err(|_| not_found("The technician"))
    }
}
