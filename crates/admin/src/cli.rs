//! The arguments, as `--help` tells them.

use clap::{Args, Parser, Subcommand, ValueEnum};
use mssp_core::query::{QuickFilter, SortKey};
use std::ffi::OsString;
use std::path::PathBuf;

const ABOUT: &str = "Administer MSSP Console from the command line: list, import, export, sync, \
check, tag and delete customers, and apply the MSSP license.";

const LONG_ABOUT: &str = "\
Administer MSSP Console from the command line: list, import, export, sync, check, tag and \
delete customers, and apply the MSSP license. Every command runs the same checks, \
permissions and audit as the window.

When MSSP Console runs on the data dir (also while it sits in the tray), mssp-admin works \
through it over its local channel; otherwise it opens the data dir itself. Each run logs in \
as a console user and acts with that user's role and customers.";

const AFTER_HELP: &str = "\
Log in:
  --username USER, else MSSP_ADMIN_USERNAME, else asked on the terminal.
  The password is asked on the terminal (not shown as you type); scripts pipe it in with
  --password-stdin, or set MSSP_ADMIN_PASSWORD (visible to your other processes and
  inherited by their children: prefer --password-stdin). It is never taken as an argument.

Exit codes:
  0  success
  1  partly done: some customers or rows failed (each is listed with its reason)
  2  usage: bad arguments, a password on the command line, no password to read
  3  login refused: wrong username or password, too many failed logins (wait and
     retry), no administrator yet, or a wrong Confirm Password
  4  not found: no customer or tag by that name
  5  the data dir, the running console or the OS keychain could not be opened
  6  refused or failed: the console refused the request (a bad file, not allowed for
     your role, a conflict) or something unexpected went wrong

Examples:
  mssp-admin list --filter down
  mssp-admin import customers.csv --dry-run
  mssp-admin import customers.csv --check --trust-shown
  mssp-admin tag add emea \"Acme Corp\" Globex
  mssp-admin sync --tag emea
  printf '%s\\n' \"$PASSWORD\" | mssp-admin --username admin --password-stdin list --json";

#[derive(Debug, Parser)]
#[command(
    name = "mssp-admin",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// The console's data dir [default: the installed console's, e.g.
    /// ~/.local/share/com.mssp-console.app]
    #[arg(long, global = true, value_name = "DIR", env = "MSSP_CONSOLE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// The console user to log in as [default: asked on the terminal]
    #[arg(long, global = true, value_name = "USER", env = "MSSP_ADMIN_USERNAME")]
    pub username: Option<String>,
    /// Read the password from the first line of standard input (for scripts)
    #[arg(long, global = true)]
    pub password_stdin: bool,
    /// Print the result as JSON on standard output (messages stay on standard error)
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List customers: a table, or JSON with --json
    List(ListArgs),
    /// Export customers to a CSV file (no credentials), with the same filters as list
    Export(ExportArgs),
    /// Import customers from a CSV file, after a dry run of every row
    #[command(long_about = IMPORT_LONG, after_help = IMPORT_AFTER)]
    Import(ImportArgs),
    /// Sync Now: collect customers' data and push their technicians
    Sync(Selection),
    /// Check customers' health now
    Check(Selection),
    /// Add a tag to customers, or remove it
    Tag(TagArgs),
    /// Delete customers (asks for your password to confirm)
    #[command(long_about = DELETE_LONG)]
    Delete(DeleteArgs),
    /// Apply the MSSP license file
    ApplyLicense(FileArg),
    /// Integrate every instance of a log360-sim manifest (for demos and tests)
    #[command(long_about = SEED_LONG)]
    SeedDemo(SeedArgs),
}

const IMPORT_LONG: &str = "\
Import customers from a CSV file with the columns Customer Name, Customer mail, Server \
Name, Port, Connection type, Admin username, Admin password, Tags (optional, separated by ; \
or |) and Allow unencrypted (optional, yes to send credentials over HTTP).

Every row is first checked with the Add Customer form's rules without touching the network; \
then the valid rows are added as Add Customer adds them (build check, identity, login, link, \
credentials encrypted, audit). Rows already integrated (same name, server and port) are \
skipped, so the same file can be run again. An HTTPS row whose certificate this computer \
does not trust is held for review, never trusted silently.

The file holds admin passwords: it is read, never copied; delete it once every row is in.";

const IMPORT_AFTER: &str = "\
Exit code 1 when a row is invalid, held for review, failed or was not imported.

Self-signed HTTPS customers:
  mssp-admin import FILE --check --dry-run     shows each HTTPS row's certificate
  mssp-admin import FILE --check --trust-shown trusts exactly the fingerprints shown";

const DELETE_LONG: &str = "\
Delete customers: each customer's instance is told to drop the link, then the customer and \
its credentials are removed here. You confirm with your password, asked on the terminal \
(with --password-stdin or MSSP_ADMIN_PASSWORD, that password confirms).

A customer whose instance cannot be reached or refuses stays; with --force and a --reason it \
is removed here anyway (its instance may still think it is linked), and the reason is \
audited.";

const SEED_LONG: &str = "\
Integrate every instance of a log360-sim manifest as a customer and sync it, creating the \
administrator first when there is none, and apply the MSSP license file if one is given. \
Used by `make demo`. Needs --data-dir or MSSP_CONSOLE_DATA_DIR, so a real installation is \
never seeded by accident.";

/// The quick filters, as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FilterArg {
    All,
    Down,
    /// Degraded, or certificate expiring
    Warning,
    CertificateChanged,
    SyncFailed,
    NeverSynced,
    Unencrypted,
}

impl FilterArg {
    pub fn quick(self) -> QuickFilter {
        let name = self.to_possible_value().map(|v| v.get_name().to_owned()).unwrap_or_default();
        QuickFilter::from_input(&name).unwrap_or_default()
    }
}

/// The sortable columns, as typed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum SortArg {
    #[default]
    Name,
    /// Down first
    Health,
    Server,
    /// Least recently synced first
    LastSync,
    /// Failed first
    Status,
}

impl SortArg {
    pub fn key(self) -> SortKey {
        match self {
            SortArg::Name => SortKey::Name,
            SortArg::Health => SortKey::Health,
            SortArg::Server => SortKey::Server,
            SortArg::LastSync => SortKey::LastSync,
            SortArg::Status => SortKey::Status,
        }
    }
}

/// Which customers: the quick filter, a tag, words to search for.
#[derive(Debug, Clone, Default, Args)]
pub struct Filters {
    /// Only customers in this quick filter
    #[arg(long, value_enum, value_name = "FILTER")]
    pub filter: Option<FilterArg>,
    /// Only customers with this tag
    #[arg(long, value_name = "NAME")]
    pub tag: Option<String>,
    /// Only customers whose name, mail, server or tags contain every word of TEXT
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
}

impl Filters {
    pub fn any(&self) -> bool {
        self.filter.is_some() || self.tag.is_some() || self.search.is_some()
    }
}

#[derive(Debug, Clone, Default, Args)]
pub struct Sorting {
    /// Sort by this column
    #[arg(long, value_enum, default_value_t, value_name = "COLUMN")]
    pub sort: SortArg,
    /// Sort descending
    #[arg(long)]
    pub desc: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub filters: Filters,
    #[command(flatten)]
    pub sorting: Sorting,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The CSV file to write (- for standard output)
    pub file: PathBuf,
    #[command(flatten)]
    pub filters: Filters,
    #[command(flatten)]
    pub sorting: Sorting,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The CSV file of customers
    pub file: PathBuf,
    /// Only check the rows (with --check, also the instances); add nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Check each instance first without sending credentials, and show each HTTPS row's
    /// certificate
    #[arg(long)]
    pub check: bool,
    /// Trust exactly the certificates the check shows (implies --check)
    #[arg(long, conflicts_with = "dry_run")]
    pub trust_shown: bool,
    /// Also save the result (line, customer, outcome, reason) as CSV to this file
    #[arg(long, value_name = "FILE")]
    pub result: Option<PathBuf>,
}

/// Customers by name, all of them, or those a filter finds.
#[derive(Debug, Args)]
pub struct Selection {
    /// Customer names, each matched whole, ignoring case
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// Every customer you can see
    #[arg(long, conflicts_with = "names")]
    pub all: bool,
    #[command(flatten)]
    pub filters: Filters,
}

#[derive(Debug, Args)]
pub struct TagArgs {
    #[command(subcommand)]
    pub action: TagAction,
}

#[derive(Debug, Subcommand)]
pub enum TagAction {
    /// Put TAG on customers (the tag is created when it does not exist)
    Add(TagChange),
    /// Take TAG off customers
    Remove(TagChange),
}

#[derive(Debug, Args)]
pub struct TagChange {
    /// The tag's name
    #[arg(id = "tag_name", value_name = "TAG")]
    pub tag: String,
    #[command(flatten)]
    pub selection: Selection,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Customer names, each matched whole, ignoring case
    #[arg(value_name = "NAME", required = true)]
    pub names: Vec<String>,
    /// Remove here those whose instance could not be told (needs --reason)
    #[arg(long, requires = "reason")]
    pub force: bool,
    /// Why they are force deleted (audited)
    #[arg(long, value_name = "TEXT", requires = "force")]
    pub reason: Option<String>,
}

#[derive(Debug, Args)]
pub struct FileArg {
    /// The file
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// The manifest log360-sim wrote (--manifest)
    #[arg(long, value_name = "FILE")]
    pub manifest: PathBuf,
    /// An MSSP license file to apply afterwards
    #[arg(long, value_name = "FILE")]
    pub license: Option<PathBuf>,
}

/// The refusal for a password given as an argument, if one is (before `--`).
pub fn password_argument(args: &[OsString]) -> Option<String> {
    let given = args.iter().skip(1).take_while(|a| *a != "--").find(|a| {
        let a = a.to_string_lossy();
        let flag = a.split('=').next().unwrap_or_default();
        matches!(flag, "--password" | "--pass" | "--passwd" | "--admin-password")
            || (a.starts_with("--password=") && !a.starts_with("--password-stdin"))
    })?;
    let flag = given.to_string_lossy().split('=').next().unwrap_or_default().to_owned();
    Some(format!(
        "error: mssp-admin never takes a password as an argument ({flag}): it would stay in \
         your shell history and be visible to other users in `ps`.\n\n\
         Type it when asked, or for scripts pipe it in with --password-stdin:\n\
         \x20   printf '%s\\n' \"$PASSWORD\" | mssp-admin --username admin --password-stdin list\n\n\
         For more information, try '--help'."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_arguments_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_filter_means_the_quick_filter_of_its_name() {
        let mapped: Vec<QuickFilter> =
            FilterArg::value_variants().iter().map(|f| f.quick()).collect();
        assert_eq!(mapped, QuickFilter::ALL);
    }

    #[test]
    fn a_password_argument_is_refused_in_every_spelling() {
        let refused = |args: &[&str]| {
            let args: Vec<OsString> =
                std::iter::once("mssp-admin").chain(args.iter().copied()).map(Into::into).collect();
            password_argument(&args).is_some()
        };
        assert!(refused(&["list", "--password", "x"]));
        assert!(refused(&["--password=x", "list"]));
        assert!(refused(&["delete", "Acme", "--pass", "x"]));
        assert!(!refused(&["--password-stdin", "list"]));
        assert!(!refused(&["delete", "--", "--password"]), "a customer may be named so");
    }
}
