//! Validation of what a person types: the Add/Update Customer form, the administrator's
//! account, the force-delete reason. Every problem is reported on the field that is wrong,
//! all at once, so the form can show them together.
//!
//! Must never touch the network or the store: bad input is stopped here, before either.
//! (Name uniqueness needs the store and is checked by the console right after this.)

use crate::error::{Error, FieldErrors, Result};
use crate::model::{AdminCredentials, ConnectionType, Endpoint, Role};
use crate::trust::{Fingerprint, Pin};
use secrecy::{ExposeSecret, SecretString};
use std::net::{Ipv4Addr, Ipv6Addr};

pub const NAME_MAX_CHARS: usize = 100;
pub const ADMIN_PASSWORD_MIN_CHARS: usize = 10;
const REASON_MAX_CHARS: usize = 1000;
const USERNAME_MAX_CHARS: usize = 128;
const PASSWORD_MAX_BYTES: usize = 1024;

/// The Add/Update Customer form as typed.
#[derive(Debug, Clone)]
pub struct CustomerInput {
    pub name: String,
    pub email: String,
    pub server: String,
    pub port: String,
    pub connection_type: String,
    pub username: String,
    pub password: SecretString,
    /// "Send the admin credentials unencrypted over HTTP": required for HTTP.
    pub allow_cleartext: bool,
    /// For HTTPS: the certificate the admin reviewed and chose to trust; None keeps the
    /// platform's trust (or, on Edit of the same server, the trust chosen before).
    pub trust: Option<TrustChoice>,
}

/// What the admin chose to trust after reviewing a customer's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustChoice {
    /// Exactly the certificate with this SHA-256 (hex).
    Certificate(String),
    /// Any certificate with the public key whose SubjectPublicKeyInfo has this SHA-256.
    PublicKey(String),
    /// Certificates this customer CA (PEM) issues for the server name.
    CustomerCa(String),
}

/// A customer form that passed validation, normalized (trimmed, parsed).
#[derive(Debug, Clone)]
pub struct ValidCustomer {
    pub name: String,
    pub email: String,
    pub endpoint: Endpoint,
    pub credentials: AdminCredentials,
    pub cleartext: bool,
    /// The trust the form chose, when it chose one.
    pub pin: Option<Pin>,
}

pub fn validate_customer(input: &CustomerInput) -> Result<ValidCustomer> {
    let mut errors = FieldErrors::new();

    let name = input.name.trim();
    if name.is_empty() {
        errors.insert("name", "Customer Name is required.".into());
    } else if name.chars().count() > NAME_MAX_CHARS {
        errors
            .insert("name", format!("Customer Name must be at most {NAME_MAX_CHARS} characters."));
    } else if name.chars().any(char::is_control) {
        errors.insert("name", "Customer Name cannot contain control characters.".into());
    } else if name.chars().any(crate::sanitize::is_format) {
        // Invisible characters would let "Ac\u{200B}me" sit beside "Acme" looking the same.
        errors.insert(
            "name",
            "Customer Name cannot contain invisible formatting characters (zero-width or direction marks).".into(),
        );
    }

    let email = input.email.trim();
    if email.is_empty() {
        errors.insert("email", "Customer mail is required.".into());
    } else if !is_valid_email(email) {
        errors.insert("email", "Enter a valid Customer mail, like soc@customer.com.".into());
    }

    let server = normalize_server(&input.server);
    if server.is_empty() {
        errors.insert("server", "Server Name is required.".into());
    } else if !is_valid_server(&server) {
        errors.insert(
            "server",
            "Enter a host name (log360.customer.com), an IPv4 address or an IPv6 address.".into(),
        );
    }

    let port = match input.port.trim().parse::<u32>() {
        Ok(p @ 1..=65535) => Some(p as u16),
        _ => {
            let msg = if input.port.trim().is_empty() {
                "Port is required."
            } else {
                "Port must be a whole number from 1 to 65535."
            };
            errors.insert("port", msg.into());
            None
        }
    };

    let connection = ConnectionType::from_input(&input.connection_type);
    if connection.is_none() {
        errors.insert("connectionType", "Choose HTTP or HTTPS.".into());
    }

    let username = input.username.trim();
    if username.is_empty() {
        errors.insert("username", "The admin username is required.".into());
    } else if username.chars().count() > USERNAME_MAX_CHARS {
        errors.insert(
            "username",
            format!("The admin username must be at most {USERNAME_MAX_CHARS} characters."),
        );
    }

    let password = input.password.expose_secret();
    if password.is_empty() {
        errors.insert("password", "The admin password is required.".into());
    } else if password.len() > PASSWORD_MAX_BYTES {
        errors.insert("password", "The admin password is too long.".into());
    }

    if connection == Some(ConnectionType::Http) && !input.allow_cleartext {
        errors.insert(
            "allowCleartext",
            "Over HTTP the admin credentials cross the network unencrypted: tick “Send the admin credentials unencrypted over HTTP”, or choose HTTPS.".into(),
        );
    }
    let pin = match (connection, &input.trust) {
        (Some(ConnectionType::Https), Some(choice)) => trust_pin(choice, &mut errors),
        _ => None,
    };

    match (port, connection) {
        (Some(port), Some(connection)) if errors.is_empty() => Ok(ValidCustomer {
            name: name.to_owned(),
            email: email.to_owned(),
            endpoint: Endpoint { connection, server, port },
            credentials: AdminCredentials {
                username: username.to_owned(),
                password: input.password.clone(),
            },
            cleartext: connection == ConnectionType::Http,
            pin,
        }),
        _ => Err(Error::Validation(errors)),
    }
}

/// The pin a trust choice stands for; its problems go to `errors`.
pub(crate) fn trust_pin(choice: &TrustChoice, errors: &mut FieldErrors) -> Option<Pin> {
    let mut fingerprint = |hex: &str| {
        let fp = Fingerprint::from_hex(hex);
        if fp.is_none() {
            errors.insert(
                "trust",
                "The certificate fingerprint is not a SHA-256 fingerprint.".into(),
            );
        }
        fp
    };
    match choice {
        TrustChoice::Certificate(hex) => fingerprint(hex).map(Pin::Certificate),
        TrustChoice::PublicKey(hex) => fingerprint(hex).map(Pin::PublicKey),
        TrustChoice::CustomerCa(pem) => match crate::trust::parse_ca(pem) {
            Ok(_) => Some(Pin::CustomerCa { pem: pem.trim().to_owned() }),
            Err(e) => {
                for (field, message) in e.fields().into_iter().flat_map(|f| f.iter()) {
                    errors.insert(field.clone(), message.clone());
                }
                None
            }
        },
    }
}

/// The console administrator's account as typed on "Create administrator".
pub fn validate_new_admin(username: &str, password: &str, confirm: &str) -> Result<String> {
    let mut errors = FieldErrors::new();
    let username = username.trim();
    if username.is_empty() {
        errors.insert("username", "Username is required.".into());
    } else if username.chars().count() > USERNAME_MAX_CHARS
        || username.chars().any(|c| c.is_control())
    {
        errors.insert(
            "username",
            format!("Username must be at most {USERNAME_MAX_CHARS} printable characters."),
        );
    }
    if password.chars().count() < ADMIN_PASSWORD_MIN_CHARS {
        errors.insert(
            "password",
            format!("Password must be at least {ADMIN_PASSWORD_MIN_CHARS} characters."),
        );
    } else if password.len() > PASSWORD_MAX_BYTES {
        errors.insert("password", "Password is too long.".into());
    }
    if confirm != password {
        errors.insert("confirmPassword", "The passwords do not match.".into());
    }
    if errors.is_empty() { Ok(username.to_owned()) } else { Err(Error::Validation(errors)) }
}

/// The Technicians page's form as typed.
#[derive(Debug, Clone)]
pub struct TechnicianInput {
    pub username: String,
    pub email: String,
    pub role: String,
    pub all_customers: bool,
    pub customer_ids: Vec<String>,
    /// Delegated tags: the technician reaches every customer carrying one.
    pub tag_ids: Vec<String>,
    /// Required when adding; empty on update keeps the current password.
    pub password: SecretString,
}

#[derive(Debug, Clone)]
pub struct ValidTechnician {
    pub username: String,
    pub email: String,
    pub role: Role,
    pub all_customers: bool,
    pub customer_ids: Vec<crate::model::CustomerId>,
    pub tag_ids: Vec<crate::model::TagId>,
    pub password: Option<SecretString>,
}

pub fn validate_technician(input: &TechnicianInput, adding: bool) -> Result<ValidTechnician> {
    let mut errors = FieldErrors::new();
    let username = input.username.trim();
    if username.is_empty() {
        errors.insert("username", "Username is required.".into());
    } else if username.chars().count() > USERNAME_MAX_CHARS
        || username.chars().any(char::is_control)
    {
        errors.insert(
            "username",
            format!("Username must be at most {USERNAME_MAX_CHARS} printable characters."),
        );
    }
    let email = input.email.trim();
    if email.is_empty() {
        errors.insert("email", "Email is required.".into());
    } else if !is_valid_email(email) {
        errors.insert("email", "Enter a valid email address, like tess@mssp.com.".into());
    }
    let role = Role::from_input(&input.role);
    if role.is_none() {
        errors.insert("role", "Choose Admin, Operator or Guest.".into());
    }
    let mut customer_ids = Vec::new();
    let mut tag_ids = Vec::new();
    if !input.all_customers {
        for id in &input.customer_ids {
            match id.parse::<crate::model::CustomerId>() {
                Ok(id) => customer_ids.push(id),
                Err(_) => {
                    errors.insert(
                        "customerIds",
                        "One of the chosen customers does not exist.".into(),
                    );
                }
            }
        }
        for id in &input.tag_ids {
            match id.parse::<crate::model::TagId>() {
                Ok(id) => tag_ids.push(id),
                Err(_) => {
                    errors.insert("tagIds", "One of the chosen tags does not exist.".into());
                }
            }
        }
        if input.customer_ids.is_empty() && input.tag_ids.is_empty() && role != Some(Role::Admin) {
            errors.insert(
                "customerIds",
                "Choose at least one customer or tag, or All customers.".into(),
            );
        }
    }
    let password = input.password.expose_secret();
    let password = if password.is_empty() && !adding {
        None
    } else if password.chars().count() < ADMIN_PASSWORD_MIN_CHARS {
        errors.insert(
            "password",
            format!("Password must be at least {ADMIN_PASSWORD_MIN_CHARS} characters."),
        );
        None
    } else if password.len() > PASSWORD_MAX_BYTES {
        errors.insert("password", "Password is too long.".into());
        None
    } else {
        Some(input.password.clone())
    };
    match role {
        Some(role) if errors.is_empty() => Ok(ValidTechnician {
            username: username.to_owned(),
            email: email.to_owned(),
            role,
            all_customers: input.all_customers,
            customer_ids,
            tag_ids,
            password,
        }),
        _ => Err(Error::Validation(errors)),
    }
}

/// Longest tag name: a tag is a short label on a row.
pub const TAG_MAX_CHARS: usize = 40;

/// A tag as typed: its name and colour.
#[derive(Debug, Clone)]
pub struct TagInput {
    pub name: String,
    /// One of [`TagColour`](crate::model::TagColour)'s names; empty means slate.
    pub colour: String,
}

/// A tag's name (trimmed, NFC) and colour, or what is wrong with each, on fields `name` and
/// `colour`. Names carry no separators of the import's `tags` column (`,` `;` `|`) and no
/// invisible characters.
pub fn validate_tag(input: &TagInput) -> Result<(String, crate::model::TagColour)> {
    use unicode_normalization::UnicodeNormalization;
    let mut errors = FieldErrors::new();
    let name: String = input.name.trim().nfc().collect();
    if name.is_empty() {
        errors.insert("name", "Tag name is required.".into());
    } else if name.chars().count() > TAG_MAX_CHARS {
        errors.insert("name", format!("Tag name must be at most {TAG_MAX_CHARS} characters."));
    } else if name.chars().any(|c| c.is_control() || crate::sanitize::is_format(c)) {
        errors.insert("name", "Tag name cannot contain invisible or control characters.".into());
    } else if name.contains([',', ';', '|']) {
        errors.insert(
            "name",
            "Tag name cannot contain , ; or | (they separate tags in a CSV file).".into(),
        );
    }
    let colour = if input.colour.trim().is_empty() {
        Some(crate::model::TagColour::Slate)
    } else {
        crate::model::TagColour::from_input(&input.colour)
    };
    if colour.is_none() {
        errors.insert("colour", "Choose one of the tag colours.".into());
    }
    match colour {
        Some(colour) if errors.is_empty() => Ok((name, colour)),
        _ => Err(Error::Validation(errors)),
    }
}

/// The reason a person gives for a force delete: required, recorded in the audit table.
pub fn validate_reason(reason: &str) -> Result<String> {
    let reason = reason.trim();
    if reason.is_empty() {
        Err(Error::field("reason", "Enter the reason for force removal."))
    } else if reason.chars().count() > REASON_MAX_CHARS {
        Err(Error::field(
            "reason",
            format!("The reason must be at most {REASON_MAX_CHARS} characters."),
        ))
    } else {
        Ok(reason.to_owned())
    }
}

/// An e-mail address as RFC 5322 writes one (what the forms accept).
pub fn is_email(email: &str) -> bool {
    is_valid_email(email)
}

fn is_valid_email(email: &str) -> bool {
    // The library checks RFC 5322 syntax; on top, an MSSP's customer contact has a
    // routable domain, so "soc@acme" is far more likely a typo than an address.
    email_address::EmailAddress::parse_with_options(email, email_address::Options::default())
        .map(|addr| {
            let domain = addr.domain();
            !email.contains(char::is_whitespace)
                && !domain.starts_with('[')
                && domain.contains('.')
                && is_valid_hostname(domain)
        })
        .unwrap_or(false)
}

/// Trims the server and strips the brackets people copy from URLs around IPv6 addresses.
fn normalize_server(server: &str) -> String {
    let s = server.trim();
    s.strip_prefix('[').and_then(|s| s.strip_suffix(']')).unwrap_or(s).to_owned()
}

fn is_valid_server(server: &str) -> bool {
    server.parse::<Ipv4Addr>().is_ok()
        || server.parse::<Ipv6Addr>().is_ok()
        || (is_valid_hostname(server) && !looks_like_ipv4(server) && !numeric_last_label(server))
}

/// A host name whose last label is a number ("log360.1") or hex ("0x7f000001") is read by
/// URL parsers as an IPv4 address, so it would reach another machine than the name says.
fn numeric_last_label(host: &str) -> bool {
    let last = host.trim_end_matches('.').rsplit('.').next().unwrap_or("");
    let hex = last.strip_prefix("0x").or_else(|| last.strip_prefix("0X"));
    last.bytes().all(|b| b.is_ascii_digit())
        || hex.is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens.
fn is_valid_hostname(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// "300.1.1.1" is a mistyped address, not a host name, even though every label is legal.
fn looks_like_ipv4(host: &str) -> bool {
    host.split('.').all(|label| !label.is_empty() && label.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::name_key;

    fn input() -> CustomerInput {
        CustomerInput {
            name: "  Acme Corp  ".into(),
            email: "soc@acme.example".into(),
            server: "log360.acme.example".into(),
            port: "8095".into(),
            connection_type: "HTTP".into(),
            username: "admin".into(),
            password: SecretString::from("S3cret-pass"),
            allow_cleartext: true,
            trust: None,
        }
    }

    fn field_error(input: &CustomerInput, field: &str) -> Option<String> {
        match validate_customer(input) {
            Err(Error::Validation(fields)) => fields.get(field).cloned(),
            Err(other) => panic!("unexpected error {other:?}"),
            Ok(_) => None,
        }
    }

    #[test]
    fn a_good_form_is_normalized() {
        let v = validate_customer(&input()).expect("valid");
        assert_eq!(v.name, "Acme Corp");
        assert_eq!(v.endpoint.port, 8095);
        assert_eq!(v.endpoint.connection, ConnectionType::Http);
    }

    #[test]
    fn name_is_required_and_bounded() {
        let mut i = input();
        i.name = "   ".into();
        assert_eq!(field_error(&i, "name").as_deref(), Some("Customer Name is required."));
        i.name = "x".repeat(101);
        assert!(field_error(&i, "name").unwrap().contains("at most 100"));
        i.name = "é".repeat(100);
        assert_eq!(field_error(&i, "name"), None, "100 characters are allowed");
    }

    #[test]
    fn name_key_ignores_case_and_surrounding_spaces() {
        assert_eq!(name_key("  ACME Corp "), name_key("acme corp"));
        assert_ne!(name_key("Acme Corp"), name_key("Acme  Corp"));
    }

    #[test]
    fn names_are_unique_after_normalization_and_invisible_characters_are_refused() {
        assert_eq!(name_key("Caf\u{e9}"), name_key("Cafe\u{301}"), "NFC: one é, typed two ways");
        for sneaky in ["Ac\u{200B}me", "Acme\u{202E}", "\u{FEFF}Acme"] {
            let mut i = input();
            i.name = sneaky.into();
            assert!(field_error(&i, "name").unwrap().contains("invisible"), "{sneaky:?}");
        }
    }

    #[test]
    fn email_must_be_an_address() {
        for bad in ["", "acme", "soc@", "@acme.com", "soc@acme", "so c@acme.com", "a@b..com"] {
            let mut i = input();
            i.email = bad.into();
            assert!(field_error(&i, "email").is_some(), "{bad:?} accepted");
        }
        for good in ["soc@acme.com", "first.last+tag@sub.acme.co.uk"] {
            let mut i = input();
            i.email = good.into();
            assert_eq!(field_error(&i, "email"), None, "{good:?} refused");
        }
    }

    #[test]
    fn server_accepts_hosts_and_addresses_only() {
        for good in ["log360", "log360.acme.com", "10.0.0.5", "::1", "[fe80::1]", "a-b.c"] {
            let mut i = input();
            i.server = good.into();
            assert_eq!(field_error(&i, "server"), None, "{good:?} refused");
        }
        for bad in
            ["", "300.1.1.1", "http://acme.com", "acme.com:8080", "-acme.com", "a b", "acme_1.com"]
        {
            let mut i = input();
            i.server = bad.into();
            assert!(field_error(&i, "server").is_some(), "{bad:?} accepted");
        }
        let mut i = input();
        i.server = " [::1] ".into();
        assert_eq!(validate_customer(&i).unwrap().endpoint.server, "::1");
    }

    #[test]
    fn port_is_1_to_65535() {
        for (port, ok) in [
            ("1", true),
            ("65535", true),
            ("0", false),
            ("65536", false),
            ("-1", false),
            ("80a", false),
            ("", false),
            ("8.5", false),
        ] {
            let mut i = input();
            i.port = port.into();
            assert_eq!(field_error(&i, "port").is_none(), ok, "port {port:?}");
        }
    }

    #[test]
    fn connection_type_is_http_or_https() {
        let mut i = input();
        i.connection_type = "https".into();
        assert_eq!(validate_customer(&i).unwrap().endpoint.connection, ConnectionType::Https);
        i.connection_type = "FTP".into();
        assert!(field_error(&i, "connectionType").is_some());
    }

    #[test]
    fn credentials_are_required_and_every_error_is_reported_at_once() {
        let i = CustomerInput {
            name: String::new(),
            email: "nope".into(),
            server: String::new(),
            port: "0".into(),
            connection_type: String::new(),
            username: " ".into(),
            password: SecretString::from(""),
            allow_cleartext: false,
            trust: None,
        };
        let Err(Error::Validation(fields)) = validate_customer(&i) else {
            panic!("expected validation errors")
        };
        let keys: Vec<_> = fields.keys().map(|k| &**k).collect();
        assert_eq!(
            keys,
            ["connectionType", "email", "name", "password", "port", "server", "username"]
        );
    }

    #[test]
    fn admin_account_rules() {
        assert!(validate_new_admin("admin", "0123456789", "0123456789").is_ok());
        let Err(Error::Validation(f)) = validate_new_admin(" ", "short", "other") else { panic!() };
        assert!(f.contains_key("username") && f.contains_key("password"));
        assert!(f.contains_key("confirmPassword"));
    }

    #[test]
    fn reason_is_required() {
        assert!(validate_reason("  ").is_err());
        assert_eq!(
            validate_reason(" instance decommissioned ").unwrap(),
            "instance decommissioned"
        );
    }
}
