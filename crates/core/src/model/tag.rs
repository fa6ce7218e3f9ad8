//! Tags: named, coloured groups of customers ("emea", "tier-1") that people filter by, act on
//! in bulk and delegate to technicians.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A tag's id in the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TagId(pub i64);

impl fmt::Display for TagId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for TagId {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        s.trim().parse::<i64>().map(TagId).map_err(|_| crate::Error::NotFound(format!("Tag {s:?}")))
    }
}

/// The colours a tag may have: a fixed palette the window knows how to draw legibly in
/// both themes (never a free CSS value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum TagColour {
    Slate,
    Red,
    Orange,
    Amber,
    Green,
    Teal,
    Blue,
    Violet,
    Pink,
}

impl TagColour {
    pub const ALL: [TagColour; 9] = [
        TagColour::Slate,
        TagColour::Red,
        TagColour::Orange,
        TagColour::Amber,
        TagColour::Green,
        TagColour::Teal,
        TagColour::Blue,
        TagColour::Violet,
        TagColour::Pink,
    ];

    /// As a person types or picks it.
    pub fn from_input(s: &str) -> Option<Self> {
        s.trim().to_ascii_lowercase().parse().ok()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tag {
    pub id: TagId,
    pub name: String,
    pub colour: TagColour,
    /// How many customers carry it.
    pub customers: usize,
}
