//! Tags: the tags themselves (create, rename, colour, delete) and which customers carry
//! them, from a row, the detail view or a bulk selection. Administrators only (tagging can
//! grant a technician delegated a tag access); each change is audited in the core.

use super::{ConsoleState, CustomerRef, CustomerRefs};
use crate::error::IpcResult;
use mssp_core::model::{self, TagColour, TagId};
use mssp_core::validate::TagInput as CoreInput;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Serialize, TS)]
pub struct Tag {
    pub id: i64,
    pub name: String,
    pub colour: TagColour,
    /// How many customers (that this session sees) carry it.
    pub customers: usize,
}

impl From<model::Tag> for Tag {
    fn from(t: model::Tag) -> Self {
        Self { id: t.id.0, name: t.name, colour: t.colour, customers: t.customers }
    }
}

/// The tag form: a name and one of the palette's colours.
#[derive(Debug, Deserialize, TS)]
pub struct TagInput {
    pub name: String,
    #[serde(default)]
    pub colour: String,
}

impl From<TagInput> for CoreInput {
    fn from(t: TagInput) -> Self {
        Self { name: t.name, colour: t.colour }
    }
}

#[derive(Debug, Serialize, TS)]
pub struct TagChange {
    /// How many customers gained (or lost) the tag.
    pub changed: usize,
}

#[tauri::command(async)]
pub fn list_tags(console: ConsoleState<'_>) -> IpcResult<Vec<Tag>> {
    Ok(console.list_tags()?.into_iter().map(Tag::from).collect())
}

#[tauri::command(async)]
pub fn create_tag(console: ConsoleState<'_>, input: TagInput) -> IpcResult<Tag> {
    Ok(console.create_tag(input.into())?.into())
}

/// Renames or recolours a tag.
#[tauri::command(async)]
pub fn update_tag(console: ConsoleState<'_>, id: i64, input: TagInput) -> IpcResult<Tag> {
    Ok(console.update_tag(TagId(id), input.into())?.into())
}

#[tauri::command(async)]
pub fn delete_tag(console: ConsoleState<'_>, id: i64) -> IpcResult<()> {
    console.delete_tag(TagId(id))?;
    Ok(())
}

/// "Add tag" / "Remove tag" on the chosen customers.
#[tauri::command(async)]
pub fn tag_customers(
    console: ConsoleState<'_>,
    tag_id: i64,
    customer_ids: CustomerRefs,
    add: bool,
) -> IpcResult<TagChange> {
    let changed = console.tag_customers(TagId(tag_id), &customer_ids.0, add)?;
    Ok(TagChange { changed: changed.len() })
}

/// Sets one customer's tags to exactly `tag_ids`; answers the tags it now carries.
#[tauri::command(async)]
pub fn set_customer_tags(
    console: ConsoleState<'_>,
    customer_id: CustomerRef,
    tag_ids: Vec<i64>,
) -> IpcResult<Vec<i64>> {
    let tags: Vec<TagId> = tag_ids.into_iter().map(TagId).collect();
    Ok(console.set_customer_tags(customer_id.0, &tags)?.into_iter().map(|t| t.0).collect())
}
