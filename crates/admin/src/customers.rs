//! Commands on customers: list, export, sync, check, tag, delete.
//!
//! Must never act on a customer a name does not name exactly (ignoring case): an unknown
//! name stops the command before anything is done.

use crate::cli::{
    DeleteArgs, ExportArgs, Filters, Global, ListArgs, Selection, Sorting, TagAction,
};
use crate::exit::{Exit, Failure};
use crate::output::{self, count, cut, print_json};
use crate::session::{Session, Setup};
use mssp_core::model::{CustomerId, TagId, name_key};
use mssp_core::query::{CustomerQuery, Sort};
use mssp_local::{BatchReport, CustomerLine, CustomerList, Request};
use serde_json::json;
use std::io::Write;

pub async fn list(global: &Global, args: ListArgs) -> Result<Exit, Failure> {
    let mut session = Session::open(global, Setup::Refuse).await?;
    let query = query(&mut session, &args.filters, &args.sorting).await?;
    let list = customers(&mut session, query).await?;
    if session.json {
        print_json(&list);
        return Ok(Exit::Ok);
    }
    if list.customers.is_empty() {
        println!("No customers match.");
    } else {
        println!("{}", customer_table(&list.customers));
    }
    eprintln!("{}", list.summary);
    Ok(Exit::Ok)
}

fn customer_table(customers: &[CustomerLine]) -> String {
    let rows: Vec<Vec<String>> = customers
        .iter()
        .map(|c| {
            let health = match (&c.health_reason, c.health.as_str()) {
                (Some(_), "up") => "up (warning)".to_owned(),
                (_, "unknown") => "not checked".to_owned(),
                (_, state) => state.to_owned(),
            };
            let server = format!("{}:{}", c.server, c.port);
            let connection = if c.unencrypted {
                format!("{} (unencrypted)", c.connection_type)
            } else {
                c.connection_type.clone()
            };
            let last_sync = c.last_sync.as_deref().map(output::ago).unwrap_or("never".into());
            vec![
                cut(&c.name, 40),
                health,
                cut(&server, 40),
                connection,
                c.status.clone(),
                last_sync,
                c.tags.join(", "),
            ]
        })
        .collect();
    output::table(&["NAME", "HEALTH", "SERVER", "TYPE", "STATUS", "LAST SYNC", "TAGS"], &rows)
}

pub async fn export(global: &Global, args: ExportArgs) -> Result<Exit, Failure> {
    let mut session = Session::open(global, Setup::Refuse).await?;
    let query = query(&mut session, &args.filters, &args.sorting).await?;
    let csv = session.call(Request::ExportCustomers { query }, "Exporting customers").await?;
    let csv = csv.as_str().unwrap_or_default();
    let rows = csv::Reader::from_reader(csv.as_bytes()).records().count();
    let to_stdout = args.file.as_os_str() == "-";
    if to_stdout {
        std::io::stdout()
            .write_all(csv.as_bytes())
            .map_err(|e| Failure::new(Exit::Failed, "io", format!("Writing the CSV: {e}")))?;
    } else {
        std::fs::write(&args.file, csv).map_err(|e| {
            Failure::new(Exit::Failed, "io", format!("Writing {}: {e}", args.file.display()))
        })?;
    }
    if session.json && !to_stdout {
        print_json(&json!({"file": args.file, "customers": rows}));
    } else {
        let place =
            if to_stdout { "standard output".into() } else { args.file.display().to_string() };
        eprintln!("Exported {} to {place} (no credentials).", count(rows, "customer", "customers"));
    }
    Ok(Exit::Ok)
}

pub async fn sync(global: &Global, args: Selection) -> Result<Exit, Failure> {
    check_selection(&args, "sync")?;
    let mut session = Session::open(global, Setup::Refuse).await?;
    let Some(chosen) = select(&mut session, &args, "sync").await? else { return Ok(Exit::Ok) };
    let ids = chosen.iter().map(|c| c.id).collect();
    let answer =
        session.call_with_progress(Request::SyncCustomers { ids }, "Syncing", "Syncing").await?;
    let report = batch_report(answer)?;
    if session.json {
        print_json(&report);
    } else {
        let ok = report.done - report.failures.len();
        println!(
            "Synced {} of {}: {ok} successful, {} failed{}.",
            report.done,
            count(report.total, "customer", "customers"),
            report.failures.len(),
            cancelled(&report),
        );
        for f in &report.failures {
            println!("  {}: {}", f.name, f.reason);
        }
    }
    Ok(Exit::partial_if(!report.failures.is_empty() || report.cancelled))
}

pub async fn check(global: &Global, args: Selection) -> Result<Exit, Failure> {
    check_selection(&args, "check")?;
    let mut session = Session::open(global, Setup::Refuse).await?;
    let Some(chosen) = select(&mut session, &args, "check").await? else { return Ok(Exit::Ok) };
    let ids = chosen.iter().map(|c| c.id).collect();
    let answer = session
        .call_with_progress(Request::CheckCustomers { ids }, "Checking health", "Checking")
        .await?;
    let report = batch_report(answer)?;
    if session.json {
        print_json(&report);
    } else {
        let ok = report.done - report.failures.len();
        println!(
            "Checked {} of {}: {ok} answered, {} failed{}.",
            report.done,
            count(report.total, "customer", "customers"),
            report.failures.len(),
            cancelled(&report),
        );
        for f in &report.failures {
            let state = if f.code == "down" { "down" } else { "check failed" };
            println!("  {} ({state}): {}", f.name, f.reason);
        }
    }
    Ok(Exit::partial_if(!report.failures.is_empty() || report.cancelled))
}

pub async fn tag(global: &Global, args: crate::cli::TagArgs) -> Result<Exit, Failure> {
    let (change, add) = match args.action {
        TagAction::Add(change) => (change, true),
        TagAction::Remove(change) => (change, false),
    };
    check_selection(&change.selection, "tag")?;
    let tag = change.tag.trim().to_owned();
    if tag.is_empty() {
        return Err(Failure::usage("The tag's name is empty."));
    }
    let mut session = Session::open(global, Setup::Refuse).await?;
    if !add {
        // Taking off a tag that does not exist is a name that names nothing.
        tag_id(&mut session, &tag).await?;
    }
    let verb = if add { "tag" } else { "untag" };
    let Some(chosen) = select(&mut session, &change.selection, verb).await? else {
        return Ok(Exit::Ok);
    };
    let ids = chosen.iter().map(|c| c.id).collect();
    let doing =
        if add { format!("Tagging with “{tag}”") } else { format!("Removing “{tag}”") };
    let answer = session.call(Request::TagCustomers { tag: tag.clone(), ids, add }, &doing).await?;
    let changed = answer["changed"].as_u64().unwrap_or_default() as usize;
    if session.json {
        print_json(&json!({"tag": tag, "add": add, "customers": chosen.len(), "changed": changed}));
        return Ok(Exit::Ok);
    }
    let unchanged = chosen.len() - changed.min(chosen.len());
    let (done, already) = if add {
        (format!("Tagged {} “{tag}”", count(changed, "customer", "customers")), "already had it")
    } else {
        (
            format!("Removed “{tag}” from {}", count(changed, "customer", "customers")),
            "did not have it",
        )
    };
    match unchanged {
        0 => println!("{done}."),
        n => println!("{done} ({n} {already})."),
    }
    Ok(Exit::Ok)
}

pub async fn delete(global: &Global, args: DeleteArgs) -> Result<Exit, Failure> {
    let mut session = Session::open(global, Setup::Refuse).await?;
    let all = customers(&mut session, CustomerQuery::default()).await?;
    let chosen = by_names(&all.customers, &args.names)?;
    let names: Vec<&str> = chosen.iter().map(|c| c.name.as_str()).collect();
    let password = session.confirm_password(&format!("delete {}", output::names(&names)))?;
    let ids: Vec<CustomerId> = chosen.iter().map(|c| c.id).collect();
    let request = Request::DeleteCustomers { ids, password: password.clone() };
    let answer = session.call_with_progress(request, "Deleting", "Deleting").await?;
    let deleted = batch_report(answer)?;
    let refused: Vec<_> = deleted.failures.iter().filter(|f| f.force_delete_available).collect();

    let mut forced = None;
    if let (true, Some(reason)) = (args.force, args.reason.as_ref())
        && !refused.is_empty()
    {
        let ids = refused.iter().filter_map(|f| f.customer_id).collect();
        let request = Request::ForceDeleteCustomers { ids, password, reason: reason.clone() };
        let answer =
            session.call_with_progress(request, "Force deleting", "Force deleting").await?;
        forced = Some(batch_report(answer)?);
    }

    let failed_at_end = match &forced {
        Some(f) => {
            !f.failures.is_empty() || deleted.failures.iter().any(|d| !d.force_delete_available)
        }
        None => !deleted.failures.is_empty(),
    };
    if session.json {
        print_json(&json!({"delete": deleted, "force_delete": forced}));
        return Ok(Exit::partial_if(failed_at_end));
    }

    let gone: Vec<&str> = chosen
        .iter()
        .filter(|c| !deleted.failures.iter().any(|f| f.customer_id == Some(c.id)))
        .map(|c| c.name.as_str())
        .collect();
    if !gone.is_empty() {
        println!("Deleted {}.", output::names(&gone));
    }
    for f in deleted.failures.iter().filter(|f| !f.force_delete_available) {
        println!("Could not delete “{}”: {}", f.name, f.reason);
    }
    match &forced {
        Some(report) => {
            let failed: Vec<_> = report.failures.iter().map(|f| f.customer_id).collect();
            let removed: Vec<&str> = refused
                .iter()
                .filter(|f| !failed.contains(&f.customer_id))
                .map(|f| f.name.as_str())
                .collect();
            match removed.as_slice() {
                [] => {}
                [one] => println!(
                    "Force deleted “{one}” (its instance could not be told and may still think \
                     it is linked)."
                ),
                many => println!(
                    "Force deleted {} (their instances could not be told and may still think \
                     they are linked).",
                    output::names(many)
                ),
            }
            for f in &report.failures {
                println!("Could not force delete “{}”: {}", f.name, f.reason);
            }
        }
        None if !refused.is_empty() => {
            for f in &refused {
                println!("Could not delete “{}”: {}", f.name, f.reason);
            }
            let names: Vec<String> = refused.iter().map(|f| shell_word(&f.name)).collect();
            let (stays, them) = match refused.len() {
                1 => ("Its instance was not told, so the customer stays", "it"),
                _ => ("Their instances were not told, so those customers stay", "them"),
            };
            println!(
                "{stays}. To remove {them} here anyway (audited with your reason):\n  \
                 mssp-admin delete {} --force --reason \"…\"",
                names.join(" ")
            );
        }
        None => {}
    }
    Ok(Exit::partial_if(failed_at_end))
}

/// A name as typed into a shell.
fn shell_word(name: &str) -> String {
    if name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        name.to_owned()
    } else {
        format!("'{}'", name.replace('\'', r"'\''"))
    }
}

fn cancelled(report: &BatchReport) -> &'static str {
    if report.cancelled { " (cancelled)" } else { "" }
}

fn batch_report(answer: serde_json::Value) -> Result<BatchReport, Failure> {
    serde_json::from_value(answer)
        .map_err(|e| Failure::new(Exit::Failed, "internal", format!("An unexpected answer: {e}")))
}

/// The query the filter options say.
async fn query(
    session: &mut Session,
    filters: &Filters,
    sorting: &Sorting,
) -> Result<CustomerQuery, Failure> {
    let tag = match &filters.tag {
        Some(name) => Some(tag_id(session, name).await?),
        None => None,
    };
    Ok(CustomerQuery {
        text: filters.search.clone().unwrap_or_default(),
        quick: filters.filter.map(|f| f.quick()).unwrap_or_default(),
        tag,
        sort: Sort { key: sorting.sort.key(), descending: sorting.desc },
    })
}

/// The tag named `name`, ignoring case; `not_found` otherwise.
async fn tag_id(session: &mut Session, name: &str) -> Result<TagId, Failure> {
    let tags = session.call(Request::ListTags, "Reading the tags").await?;
    let wanted = name_key(name);
    let tags = tags.as_array().cloned().unwrap_or_default();
    let found = tags.iter().find(|t| t["name"].as_str().is_some_and(|n| name_key(n) == wanted));
    match found.and_then(|t| serde_json::from_value(t["id"].clone()).ok()) {
        Some(id) => Ok(id),
        None => {
            let known: Vec<&str> = tags.iter().filter_map(|t| t["name"].as_str()).collect();
            let hint = match known.as_slice() {
                [] => " (there are no tags yet)".to_owned(),
                some => format!(" (tags: {})", some.join(", ")),
            };
            Err(Failure::not_found(format!("There is no tag named “{}”{hint}.", name.trim())))
        }
    }
}

async fn customers(session: &mut Session, query: CustomerQuery) -> Result<CustomerList, Failure> {
    let answer = session.call(Request::ListCustomers { query }, "Listing customers").await?;
    serde_json::from_value(answer)
        .map_err(|e| Failure::new(Exit::Failed, "internal", format!("An unexpected answer: {e}")))
}

/// A usage error unless the selection chooses customers one way: by name, `--all`, or
/// filters. Checked before anything is opened or asked.
fn check_selection(selection: &Selection, verb: &str) -> Result<(), Failure> {
    match (selection.names.is_empty(), selection.all, selection.filters.any()) {
        (true, false, false) => Err(Failure::usage(format!(
            "Which customers? Name them, or use --all, --filter, --tag or --search \
             (mssp-admin {verb} --help)."
        ))),
        (false, _, true) | (_, true, true) => Err(Failure::usage(
            "Choose customers by name, by --all, or by filters, not several ways at once.",
        )),
        _ => Ok(()),
    }
}

/// The customers a selection names (by name, `--all`, or a filter); None (after saying so)
/// when a filter finds none.
async fn select(
    session: &mut Session,
    selection: &Selection,
    verb: &str,
) -> Result<Option<Vec<CustomerLine>>, Failure> {
    let by_filter = selection.filters.any();
    if !selection.names.is_empty() {
        let all = customers(session, CustomerQuery::default()).await?;
        return by_names(&all.customers, &selection.names).map(Some);
    }
    let query = query(session, &selection.filters, &Sorting::default()).await?;
    let found = customers(session, query).await?;
    if found.customers.is_empty() {
        let what = if selection.all { "There are no customers" } else { "No customers match" };
        eprintln!("{what}: nothing to {verb}.");
        if session.json {
            print_json(&json!({"done": 0, "total": 0, "cancelled": false, "failures": []}));
        }
        return Ok(None);
    }
    if by_filter {
        eprintln!("{}", found.summary);
    }
    Ok(Some(found.customers))
}

/// Each name resolved exactly, ignoring case; every unknown one named in the error.
fn by_names(all: &[CustomerLine], names: &[String]) -> Result<Vec<CustomerLine>, Failure> {
    let mut chosen: Vec<CustomerLine> = Vec::new();
    let mut unknown = Vec::new();
    for name in names {
        let key = name_key(name);
        match all.iter().find(|c| name_key(&c.name) == key) {
            Some(c) if chosen.iter().any(|d| d.id == c.id) => {}
            Some(c) => chosen.push(c.clone()),
            None => unknown.push(name.trim().to_owned()),
        }
    }
    if unknown.is_empty() {
        return Ok(chosen);
    }
    let mut message = match unknown.as_slice() {
        [one] => format!("There is no customer named “{one}”."),
        many => format!("There are no customers named {}.", output::names(many)),
    };
    // Names that contain what was typed: what the person probably meant.
    let near: Vec<&str> = unknown
        .iter()
        .flat_map(|u| {
            let u = name_key(u);
            all.iter().filter(move |c| !u.is_empty() && name_key(&c.name).contains(&u))
        })
        .map(|c| c.name.as_str())
        .take(5)
        .collect();
    if !near.is_empty() {
        message.push_str(&format!(" Did you mean {}?", output::names(&near)));
    }
    message.push_str(
        " Names are matched whole, ignoring case; `mssp-admin list --search TEXT` finds them.",
    );
    Err(Failure::not_found(message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(name: &str) -> CustomerLine {
        CustomerLine {
            id: CustomerId::new(),
            name: name.into(),
            email: "soc@x.example.com".into(),
            server: "127.0.0.1".into(),
            port: 8443,
            connection_type: "HTTPS".into(),
            health: "up".into(),
            health_reason: None,
            status: "Never synced".into(),
            sync_reason: None,
            last_sync: None,
            tags: vec![],
            unencrypted: false,
        }
    }

    #[test]
    fn names_match_whole_ignoring_case_and_unknown_ones_are_all_named() {
        let all = [line("Acme Corp"), line("Globex"), line("Acme")];
        let chosen =
            by_names(&all, &["acme corp".into(), " GLOBEX ".into(), "Acme Corp".into()]).unwrap();
        let names: Vec<_> = chosen.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Acme Corp", "Globex"], "each once");
        let err = by_names(&all, &["Initech".into(), "acm".into()]).unwrap_err();
        assert_eq!(err.exit, Exit::NotFound);
        assert!(err.message.contains("“Initech” and “acm”"), "{}", err.message);
        assert!(err.message.contains("Did you mean “Acme Corp” and “Acme”?"), "{}", err.message);
    }

    #[test]
    fn names_are_quoted_for_the_shell_when_needed() {
        assert_eq!(shell_word("Globex"), "Globex");
        assert_eq!(shell_word("Umbrella Health"), "'Umbrella Health'");
        assert_eq!(shell_word("O'Neil"), r"'O'\''Neil'");
    }
}
