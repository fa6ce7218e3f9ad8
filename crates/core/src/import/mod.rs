//! Reading a CSV file of customers for import, and judging each row before anything touches
//! the network: the Add Customer form's rules per row, duplicates within the file, and rows
//! that match a customer already integrated (the same name, server and port: skipped, so
//! importing a file again adds only what is new) or clash with one (an error on its line).
//!
//! Must never write anything (the façade adds the rows through Add Customer's path), never
//! copy the file anywhere, and never put a password where it could be shown: a row's
//! password lives only in its [`PlannedRow`] (a `SecretString`) until it is sealed.

mod pending;

pub use pending::{ImportId, ImportRow, ImportState, Imports, RowOutcome};

use crate::error::{Error, FieldErrors, Result};
use crate::model::{Customer, name_key};
use crate::validate::{self, CustomerInput};
use secrecy::{ExposeSecret, SecretString};
use std::collections::{BTreeMap, HashMap};

/// Largest file read (10,000 customers take about 1.5 MB).
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;
/// Most rows in one import.
pub const MAX_ROWS: usize = 20_000;

/// The columns, each with the header spellings accepted (compared ignoring case, spaces,
/// `_` and `-`). The export writes the first spelling.
const COLUMNS: &[(Column, &[&str])] = &[
    (Column::Name, &["Customer Name", "name", "customer"]),
    (Column::Email, &["Customer mail", "mail", "email", "e-mail", "customer email"]),
    (Column::Server, &["Server Name", "server", "host", "hostname"]),
    (Column::Port, &["Port"]),
    (Column::ConnectionType, &["Connection type", "connection", "protocol", "scheme"]),
    (Column::Username, &["Admin username", "username", "user", "admin user"]),
    (Column::Password, &["Admin password", "password"]),
    (Column::Tags, &["Tags", "tag"]),
    (Column::AllowCleartext, &["Allow unencrypted", "allow cleartext", "unencrypted", "cleartext"]),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Name,
    Email,
    Server,
    Port,
    ConnectionType,
    Username,
    Password,
    Tags,
    AllowCleartext,
}

/// The header of the file the export writes and the import reads (in this order).
pub fn header() -> Vec<&'static str> {
    COLUMNS.iter().map(|(_, names)| names[0]).collect()
}

/// What becomes of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowStatus {
    /// Valid: the import adds it.
    Ready,
    /// An integrated customer already has this name, server and port.
    AlreadyIntegrated,
    /// Something on the row is wrong (see its problems); the import leaves it out.
    Invalid,
}

/// One row of the file as judged, without its password.
#[derive(Debug, Clone)]
pub struct PlannedRow {
    /// The line in the file (the header is line 1).
    pub line: usize,
    pub name: String,
    pub email: String,
    pub server: String,
    pub port: String,
    pub connection_type: String,
    pub username: String,
    pub tags: Vec<String>,
    pub allow_cleartext: bool,
    pub status: RowStatus,
    /// What is wrong, by the form's field names (`name`, `server`, `tags`, …).
    pub problems: BTreeMap<String, String>,
    /// For a skipped row: the customer it matches.
    pub note: Option<String>,
    password: SecretString,
}

impl PlannedRow {
    /// The Add Customer form this row fills in (its password included).
    pub fn input(&self) -> CustomerInput {
        CustomerInput {
            name: self.name.clone(),
            email: self.email.clone(),
            server: self.server.clone(),
            port: self.port.clone(),
            connection_type: self.connection_type.clone(),
            username: self.username.clone(),
            password: self.password.clone(),
            allow_cleartext: self.allow_cleartext,
            trust: None,
        }
    }

    /// Drops the password once the row has been imported or left out.
    pub fn forget_password(&mut self) {
        self.password = SecretString::from("");
    }
}

/// The file as judged: every row, and what was wrong with the file as a whole.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub rows: Vec<PlannedRow>,
    /// Columns the file has that the import does not know (they are ignored).
    pub ignored_columns: Vec<String>,
}

impl Plan {
    pub fn count(&self, status: RowStatus) -> usize {
        self.rows.iter().filter(|r| r.status == status).count()
    }
}

/// Reads `text` (a CSV file with a header) and judges each row against the form's rules, the
/// file's other rows and `existing` customers. An unreadable file is an error on `file`.
pub fn plan(text: &str, existing: &[Customer]) -> Result<Plan> {
    if text.len() > MAX_FILE_BYTES {
        return Err(file_error(format!(
            "The file is larger than {} MB; split it into smaller files.",
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let delimiter = sniff_delimiter(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::Fields)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| file_error(format!("The header row cannot be read: {e}")))?
        .clone();
    let (columns, ignored_columns) = map_header(&headers)?;

    let mut plan = Plan { rows: Vec::new(), ignored_columns };
    let mut seen_names: HashMap<String, usize> = HashMap::new();
    let mut seen_endpoints: HashMap<(String, String), usize> = HashMap::new();
    let by_name: HashMap<String, &Customer> =
        existing.iter().map(|c| (name_key(&c.name), c)).collect();
    let by_endpoint: HashMap<(String, u16), &Customer> =
        existing.iter().map(|c| ((c.endpoint.server.to_lowercase(), c.endpoint.port), c)).collect();

    for record in reader.records() {
        let record = record.map_err(|e| file_error(format!("The file cannot be read: {e}")))?;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if plan.rows.len() >= MAX_ROWS {
            return Err(file_error(format!(
                "The file has more than {MAX_ROWS} customers; split it."
            )));
        }
        let line = record.position().map_or(plan.rows.len() + 2, |p| p.line() as usize);
        let field = |c: Column| {
            columns
                .get(&c)
                .and_then(|&i| record.get(i))
                .map(crate::spreadsheet::undefuse)
                .unwrap_or_default()
        };
        let mut row = PlannedRow {
            line,
            name: field(Column::Name),
            email: field(Column::Email),
            server: field(Column::Server),
            port: field(Column::Port),
            connection_type: field(Column::ConnectionType),
            username: field(Column::Username),
            password: SecretString::from(field(Column::Password)),
            tags: split_tags(&field(Column::Tags)),
            allow_cleartext: yes(&field(Column::AllowCleartext)),
            status: RowStatus::Ready,
            problems: BTreeMap::new(),
            note: None,
        };
        judge(&mut row, &by_name, &by_endpoint, &mut seen_names, &mut seen_endpoints);
        plan.rows.push(row);
    }
    if plan.rows.is_empty() {
        return Err(file_error("The file has a header but no customers.".into()));
    }
    Ok(plan)
}

fn judge(
    row: &mut PlannedRow,
    by_name: &HashMap<String, &Customer>,
    by_endpoint: &HashMap<(String, u16), &Customer>,
    seen_names: &mut HashMap<String, usize>,
    seen_endpoints: &mut HashMap<(String, String), usize>,
) {
    let mut problems: FieldErrors = match validate::validate_customer(&row.input()) {
        Ok(_) => FieldErrors::new(),
        Err(Error::Validation(fields)) => fields,
        Err(other) => FieldErrors::from([("name", other.to_string())]),
    };
    let input = row.input();
    if input.password.expose_secret().is_empty() && !problems.contains_key("password") {
        problems.insert("password", "Admin password is required.".into());
    }
    for tag in &row.tags {
        let checked = validate::validate_tag(&validate::TagInput {
            name: tag.clone(),
            colour: String::new(),
        });
        if let Err(Error::Validation(fields)) = checked
            && let Some(message) = fields.values().next()
        {
            problems.insert("tags", format!("“{tag}”: {message}"));
        }
    }

    let key = name_key(&row.name);
    let server = row.server.trim().trim_start_matches('[').trim_end_matches(']').to_lowercase();
    let port = row.port.trim().to_owned();
    let mut skipped = None;
    if !key.is_empty() {
        if let Some(first) = seen_names.get(&key) {
            problems.insert("name", format!("Same name as line {first} of this file."));
        } else if let Some(existing) = by_name.get(&key) {
            let same_place = existing.endpoint.server.to_lowercase() == server
                && existing.endpoint.port.to_string() == port;
            if same_place {
                skipped = Some(format!("Already integrated as “{}”.", existing.name));
            } else {
                problems.insert(
                    "name",
                    format!(
                        "A customer named “{}” is already integrated with {}:{}.",
                        existing.name, existing.endpoint.server, existing.endpoint.port
                    ),
                );
            }
        }
        seen_names.entry(key).or_insert(row.line);
    }
    if !server.is_empty() && !port.is_empty() {
        let place = (server.clone(), port.clone());
        if let Some(first) = seen_endpoints.get(&place) {
            problems
                .insert("server", format!("Same server and port as line {first} of this file."));
        } else if skipped.is_none()
            && let Ok(p) = port.parse::<u16>()
            && let Some(existing) = by_endpoint.get(&(server, p))
        {
            problems.insert(
                "server",
                format!(
                    "{}:{} is already integrated as “{}”.",
                    row.server.trim(),
                    p,
                    existing.name
                ),
            );
        }
        seen_endpoints.entry(place).or_insert(row.line);
    }
    row.problems = problems.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    row.status = if !row.problems.is_empty() {
        RowStatus::Invalid
    } else if skipped.is_some() {
        RowStatus::AlreadyIntegrated
    } else {
        RowStatus::Ready
    };
    row.note = skipped;
}

/// The file's columns by what they hold; every required one present, or an error on `file`.
fn map_header(headers: &csv::StringRecord) -> Result<(HashMap<Column, usize>, Vec<String>)> {
    let simple = |s: &str| -> String {
        s.chars().filter(|c| !matches!(c, ' ' | '_' | '-')).collect::<String>().to_lowercase()
    };
    let mut columns = HashMap::new();
    let mut ignored = Vec::new();
    for (i, header) in headers.iter().enumerate() {
        let wanted = simple(header);
        match COLUMNS.iter().find(|(_, names)| names.iter().any(|n| simple(n) == wanted)) {
            Some((column, _)) if !columns.contains_key(column) => {
                columns.insert(*column, i);
            }
            Some(_) => return Err(file_error(format!("The column “{header}” appears twice."))),
            None if header.trim().is_empty() => {}
            None => ignored.push(crate::sanitize::shown(header)),
        }
    }
    let required = [
        Column::Name,
        Column::Email,
        Column::Server,
        Column::Port,
        Column::ConnectionType,
        Column::Username,
        Column::Password,
    ];
    let missing: Vec<&str> = required
        .iter()
        .filter(|c| !columns.contains_key(c))
        .filter_map(|c| COLUMNS.iter().find(|(k, _)| k == c).map(|(_, names)| names[0]))
        .collect();
    if !missing.is_empty() {
        return Err(file_error(format!(
            "The header row lacks {}. The first row must name the columns: {}.",
            missing.join(", "),
            header().join(", ")
        )));
    }
    Ok((columns, ignored))
}

/// `,` unless the header row has more `;` (spreadsheets in locales whose list separator is
/// `;` save that way) or tabs.
fn sniff_delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or_default();
    let count = |c: char| first.matches(c).count();
    let (commas, semicolons, tabs) = (count(','), count(';'), count('\t'));
    if tabs > commas && tabs > semicolons {
        b'\t'
    } else if semicolons > commas {
        b';'
    } else {
        b','
    }
}

/// "emea; tier-1 | Gold, x" → ["emea", "tier-1", "Gold", "x"], each once.
pub fn split_tags(field: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in field.split([',', ';', '|']).map(str::trim).filter(|t| !t.is_empty()) {
        if !tags.iter().any(|t| name_key(t) == name_key(tag)) {
            tags.push(tag.to_owned());
        }
    }
    tags
}

fn yes(field: &str) -> bool {
    matches!(field.trim().to_lowercase().as_str(), "yes" | "y" | "true" | "1" | "x")
}

fn file_error(message: String) -> Error {
    Error::field("file", message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ConnectionType, CustomerId, Endpoint};
    use time::OffsetDateTime;

    const HEADER: &str = "Customer Name,Customer mail,Server Name,Port,Connection type,Admin username,Admin password,Tags,Allow unencrypted";

    fn existing(name: &str, server: &str, port: u16) -> Customer {
        Customer {
            id: CustomerId::new(),
            name: name.into(),
            email: "soc@x.example.com".into(),
            endpoint: Endpoint { connection: ConnectionType::Https, server: server.into(), port },
            instance_id: uuid::Uuid::new_v4(),
            build: 7100,
            pin: None,
            cleartext: false,
            created_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn planned(body: &str, existing: &[Customer]) -> Plan {
        plan(&format!("{HEADER}\n{body}"), existing).unwrap()
    }

    #[test]
    fn every_bad_row_is_reported_on_its_line_and_field() {
        let plan = planned(
            "Acme,soc@acme.example.com,acme.example.com,8443,HTTPS,admin,pw-acme-1,emea,\n\
             Acme,soc@acme2.example.com,acme2.example.com,8443,HTTPS,admin,pw,,\n\
             Globex,not-a-mail,globex.example.com,70000,HTTPS,admin,pw,,\n\
             Initech,soc@initech.example.com,acme.example.com,8443,HTTPS,admin,pw,,\n\
             Hooli,soc@hooli.example.com,hooli.example.com,8080,HTTP,admin,pw,,\n\
             Umbrella,soc@u.example.com,u.example.com,8443,HTTPS,admin,,bad;ta\u{200B}g,\n",
            &[],
        );
        let by_line = |line: usize| plan.rows.iter().find(|r| r.line == line).unwrap();
        assert_eq!(by_line(2).status, RowStatus::Ready);
        assert_eq!(by_line(2).tags, ["emea"]);
        assert!(by_line(3).problems["name"].contains("line 2"), "{:?}", by_line(3).problems);
        assert!(by_line(4).problems.contains_key("email"));
        assert!(by_line(4).problems.contains_key("port"));
        assert!(by_line(5).problems["server"].contains("line 2"));
        assert!(by_line(6).problems.contains_key("allowCleartext"), "HTTP needs the choice");
        assert!(by_line(7).problems.contains_key("password"));
        assert!(by_line(7).problems["tags"].contains("ta"), "{:?}", by_line(7).problems);
        assert_eq!(plan.count(RowStatus::Ready), 1);
        assert_eq!(plan.count(RowStatus::Invalid), 5);
    }

    #[test]
    fn a_row_already_integrated_is_skipped_and_a_clash_is_an_error() {
        let have = [
            existing("Acme", "acme.example.com", 8443),
            existing("Globex", "globex.example.com", 8443),
        ];
        let plan = planned(
            "acme ,soc@acme.example.com,ACME.example.com,8443,HTTPS,admin,pw,,\n\
             Globex,soc@g.example.com,other.example.com,8443,HTTPS,admin,pw,,\n\
             Newco,soc@n.example.com,globex.example.com,8443,HTTPS,admin,pw,,\n",
            &have,
        );
        assert_eq!(plan.rows[0].status, RowStatus::AlreadyIntegrated);
        assert!(plan.rows[0].note.as_deref().unwrap().contains("Acme"));
        assert!(plan.rows[1].problems["name"].contains("globex.example.com:8443"));
        assert!(plan.rows[2].problems["server"].contains("Globex"));
    }

    #[test]
    fn headers_are_read_flexibly_and_missing_ones_named() {
        let text = "name;EMAIL;server;port;protocol;user;password;notes\n\
                    Acme;soc@acme.example.com;acme.example.com;8443;https;admin;pw;hello\n";
        let plan = plan(text, &[]).unwrap();
        assert_eq!(plan.rows.len(), 1);
        assert_eq!(plan.rows[0].status, RowStatus::Ready, "{:?}", plan.rows[0].problems);
        assert_eq!(plan.ignored_columns, ["notes"]);

        let err = super::plan("name,server\nAcme,acme\n", &[]).unwrap_err();
        let message = &err.fields().unwrap()["file"];
        assert!(
            message.contains("Customer mail") && message.contains("Admin password"),
            "{message}"
        );
        let err = super::plan(HEADER, &[]).unwrap_err();
        assert!(err.fields().unwrap()["file"].contains("no customers"));
    }

    #[test]
    fn passwords_are_kept_secret_and_tags_split_once() {
        let plan = planned(
            "Acme,soc@acme.example.com,acme.example.com,8443,HTTPS,admin,S3cret-pw,\"emea; EMEA | tier-1\",\n",
            &[],
        );
        let row = &plan.rows[0];
        assert_eq!(row.tags, ["emea", "tier-1"]);
        assert!(!format!("{row:?}").contains("S3cret-pw"), "Debug never shows it");
        assert_eq!(row.input().password.expose_secret(), "S3cret-pw");
        let mut row = row.clone();
        row.forget_password();
        assert_eq!(row.input().password.expose_secret(), "");
    }
}
