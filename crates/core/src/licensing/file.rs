//! The MSSP license file: read, checked and turned into the row the store keeps.
//!
//! Must never accept a license that is expired, grants nothing, counts a resource twice or
//! negatively, or names a resource with no name: each problem is told, all at once, on the
//! form's `license` field.

use crate::error::{Error, Result};
use crate::store::licensing::{Counts, LicenseRow};
use serde::Deserialize;
use serde_with::{MapPreventDuplicates, serde_as};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// "windows_devices" → "Windows devices".
pub fn label(resource: &str) -> String {
    let words = resource.replace(['_', '-'], " ");
    let mut chars = words.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => resource.to_owned(),
    }
}

/// Counts are read as given (negative ones are reported, not silently clamped) and a
/// resource listed twice is refused rather than keeping the last one.
#[serde_as]
#[derive(Deserialize)]
struct LicenseFile {
    license_id: String,
    licensee: String,
    edition: String,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
    #[serde_as(as = "MapPreventDuplicates<_, _>")]
    resources: BTreeMap<String, i64>,
}

fn license_error(message: impl Into<String>) -> Error {
    Error::field("license", message)
}

/// Reads and checks a license file: well-formed, not expired, counts whole and not negative,
/// no resource twice.
pub fn parse_license(text: &str, now: OffsetDateTime, applied_by: &str) -> Result<LicenseRow> {
    let file: LicenseFile = serde_json::from_str(text.trim()).map_err(|e| {
        let why = if e.to_string().contains("duplicate key") {
            "a resource is listed twice".to_owned()
        } else {
            e.to_string()
        };
        license_error(format!("The license file is not valid: {why}."))
    })?;
    let mut problems = Vec::new();
    if file.license_id.trim().is_empty() {
        problems.push("it has no license_id".to_owned());
    }
    if file.licensee.trim().is_empty() {
        problems.push("it names no licensee".to_owned());
    }
    if file.expires_at <= now {
        problems.push(format!("it expired on {}", file.expires_at.date()));
    }
    if file.resources.is_empty() {
        problems.push("it grants no resources".to_owned());
    }
    let mut resources = Counts::new();
    for (name, n) in file.resources {
        if name.trim().is_empty() {
            problems.push("a resource has no name".to_owned());
        } else if n < 0 {
            problems.push(format!("{} has a negative count ({n})", label(&name)));
        } else {
            resources.insert(name, n as u64);
        }
    }
    if !problems.is_empty() {
        return Err(license_error(format!(
            "The license cannot be applied: {}.",
            problems.join("; ")
        )));
    }
    Ok(LicenseRow {
        license_id: file.license_id.trim().to_owned(),
        licensee: file.licensee.trim().to_owned(),
        edition: file.edition.trim().to_owned(),
        expires_at: file.expires_at,
        resources,
        applied_at: now,
        applied_by: applied_by.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-25 10:00 UTC);

    fn file(resources: &str, expires: &str) -> String {
        format!(
            r#"{{"license_id": "L-1", "licensee": "Contoso MSSP", "edition": "Professional", "expires_at": "{expires}", "resources": {resources}}}"#
        )
    }

    fn problem(text: &str) -> String {
        parse_license(text, NOW, "admin").unwrap_err().fields().unwrap()["license"].clone()
    }

    #[test]
    fn a_good_license_is_read_with_any_resource_names() {
        let l = parse_license(
            &file(r#"{"windows_devices": 100, "edr_agents": 5}"#, "2027-12-31T00:00:00Z"),
            NOW,
            "admin",
        )
        .unwrap();
        assert_eq!(l.resources["windows_devices"], 100);
        assert_eq!(l.resources["edr_agents"], 5);
        assert_eq!(label("edr_agents"), "Edr agents");
        assert_eq!(label("windows_devices"), "Windows devices");
    }

    #[test]
    fn bad_licenses_say_what_is_wrong() {
        assert!(problem("not json").contains("not valid"));
        assert!(
            problem(&file(r#"{"a": 1}"#, "2026-01-01T00:00:00Z")).contains("expired on 2026-01-01")
        );
        assert!(
            problem(&file(r#"{"windows_devices": -5}"#, "2027-01-01T00:00:00Z"))
                .contains("Windows devices has a negative count (-5)")
        );
        assert!(
            problem(&file(r#"{"a": 1, "a": 2}"#, "2027-01-01T00:00:00Z")).contains("listed twice")
        );
        assert!(problem(&file(r#"{"a": 1.5}"#, "2027-01-01T00:00:00Z")).contains("not valid"));
        assert!(problem(&file("{}", "2027-01-01T00:00:00Z")).contains("grants no resources"));
    }
}
