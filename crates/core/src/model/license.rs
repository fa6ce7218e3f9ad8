//! License allocation vocabulary.

/// Where an allocation stands with the customer's instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum PushState {
    Applied,
    Pending,
    Failed,
}
