//! `import FILE`: the dry run of every row, the optional check of the instances (no
//! credentials sent), then the import through Add Customer's path, and the result per row.
//!
//! Must never copy the file (its text goes to the console and nowhere else), never trust a
//! certificate unless `--trust-shown` was given and the check showed it, and never print a
//! password.

use crate::cli::{Global, ImportArgs};
use crate::exit::{Exit, Failure};
use crate::output::{self, count, cut, print_json};
use crate::session::{Session, Setup};
use mssp_core::trust::Fingerprint;
use mssp_local::{ImportLine, ImportReport, Request};
use std::collections::BTreeMap;

pub async fn run(global: &Global, args: ImportArgs) -> Result<Exit, Failure> {
    let text = read(&args.file)?;
    let file = args.file.display().to_string();
    let mut session = Session::open(global, Setup::Refuse).await?;
    let check = args.check || args.trust_shown;

    let doing = format!("Reading {file}");
    let mut report = parse(session.call(Request::ImportPreview { text }, &doing).await?)?;
    let id = report.id;
    if !report.ignored_columns.is_empty() {
        eprintln!("Ignored columns: {}.", report.ignored_columns.join(", "));
    }
    if check && report.ready > 0 {
        let request = Request::ImportCheck { id };
        let answer =
            session.call_with_progress(request, "Checking the instances", "Checking").await?;
        report = parse(answer)?;
    }

    if args.dry_run {
        if session.json {
            print_json(&report);
        } else {
            print_rows(&report, check);
            println!(
                "Dry run: {} ready, {} skipped (already integrated), {} invalid. Nothing was added.",
                report.ready, report.skipped, report.invalid
            );
        }
        return Ok(Exit::partial_if(report.invalid > 0));
    }

    let trust: BTreeMap<usize, String> = if args.trust_shown {
        report
            .rows
            .iter()
            .filter(|r| r.untrusted_because.is_some())
            .filter_map(|r| r.certificate_sha256.clone().map(|sha| (r.line, sha)))
            .collect()
    } else {
        BTreeMap::new()
    };
    if !trust.is_empty() && !session.json {
        println!("Trusting the {} shown:", count(trust.len(), "certificate", "certificates"));
        for row in report.rows.iter().filter(|r| trust.contains_key(&r.line)) {
            let sha = row.certificate_sha256.as_deref().unwrap_or_default();
            println!("  line {} “{}”: SHA-256 {}", row.line, row.name, colons(sha));
        }
    }
    if report.ready > 0 {
        let request = Request::ImportRun { id, trust };
        let answer = session.call_with_progress(request, "Importing", "Importing").await?;
        report = parse(answer)?;
    }
    if let Some(path) = &args.result {
        let csv = session.call(Request::ImportResultCsv { id }, "Reading the result").await?;
        std::fs::write(path, csv.as_str().unwrap_or_default()).map_err(|e| {
            Failure::new(Exit::Failed, "io", format!("Writing {}: {e}", path.display()))
        })?;
        eprintln!("Saved the result to {}.", path.display());
    }

    let tally = |outcome: &str| report.rows.iter().filter(|r| r.outcome == outcome).count();
    let (added, held, failed, not_imported) =
        (tally("added"), tally("held for review"), tally("failed"), tally("not imported"));
    if session.json {
        print_json(&report);
    } else {
        print_rows(&report, check);
        println!(
            "Imported: {added} added, {} skipped (already integrated), {} invalid, {held} held \
             for review, {failed} failed{}.",
            report.skipped,
            report.invalid,
            if not_imported > 0 { format!(", {not_imported} not imported") } else { String::new() },
        );
        if held > 0 {
            println!(
                "Rows held for review: compare each certificate's fingerprint with the customer, \
                 then run `mssp-admin import {} --check --trust-shown` to trust the ones shown.",
                shell_path(&file)
            );
        }
    }
    eprintln!(
        "{file} holds customers' admin passwords and was not copied anywhere: delete it once \
         every row is in."
    );
    Ok(Exit::partial_if(report.invalid + held + failed + not_imported > 0))
}

/// The file's text; at most what an import reads, and UTF-8.
fn read(path: &std::path::Path) -> Result<String, Failure> {
    let unreadable = |e: std::io::Error| Failure::usage(format!("Reading {}: {e}", path.display()));
    let size = std::fs::metadata(path).map_err(unreadable)?.len();
    if size > mssp_core::import::MAX_FILE_BYTES as u64 {
        return Err(Failure::new(
            Exit::Failed,
            "validation",
            format!(
                "{} is larger than {} MB; split it into smaller files.",
                path.display(),
                mssp_core::import::MAX_FILE_BYTES / (1024 * 1024)
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(unreadable)?;
    String::from_utf8(bytes).map_err(|_| {
        Failure::new(
            Exit::Failed,
            "validation",
            format!(
                "{} is not UTF-8 text: save it from the spreadsheet as “CSV UTF-8”.",
                path.display()
            ),
        )
    })
}

fn parse(answer: serde_json::Value) -> Result<ImportReport, Failure> {
    serde_json::from_value(answer)
        .map_err(|e| Failure::new(Exit::Failed, "internal", format!("An unexpected answer: {e}")))
}

/// One line per row: its line in the file, the customer, where, and what became of it.
fn print_rows(report: &ImportReport, checked: bool) {
    let rows: Vec<Vec<String>> = report
        .rows
        .iter()
        .map(|r| {
            let outcome = match r.outcome.as_str() {
                "pending" => "ready".to_owned(),
                other => other.to_owned(),
            };
            vec![
                r.line.to_string(),
                cut(&r.name, 40),
                cut(&format!("{}:{} {}", r.server, r.port, r.connection_type), 48),
                outcome,
                details(r, checked),
            ]
        })
        .collect();
    println!("{}", output::table(&["LINE", "CUSTOMER", "SERVER", "OUTCOME", "DETAILS"], &rows));
}

/// What is wrong with a row, what it was skipped for, and what the check saw.
fn details(r: &ImportLine, checked: bool) -> String {
    let mut parts: Vec<String> = r
        .problems
        .iter()
        .map(|(field, problem)| match field.as_str() {
            "import" => problem.clone(),
            field => format!("{}: {problem}", column(field)),
        })
        .collect();
    if let Some(note) = &r.note {
        parts.push(note.clone());
    }
    if checked && r.outcome != "added" && r.outcome != "held for review" {
        if let Some(sha) = &r.certificate_sha256 {
            let trust = match &r.untrusted_because {
                Some(why) => format!("not trusted by this computer: {why}"),
                None => "trusted by this computer".into(),
            };
            parts.push(format!("certificate SHA-256 {} ({trust})", colons(sha)));
        }
        if let Some(problem) = &r.check_problem {
            parts.push(format!("check: {problem}"));
        }
    }
    // Each part a sentence, so they read one after the other.
    let sentences: Vec<String> = parts
        .into_iter()
        .map(|p| if p.ends_with(['.', '?', '!', ')']) { p } else { format!("{p}.") })
        .collect();
    sentences.join(" ")
}

/// The CSV column a field of the form is read from.
fn column(field: &str) -> &str {
    match field {
        "name" => "Customer Name",
        "email" => "Customer mail",
        "server" => "Server Name",
        "port" => "Port",
        "connection_type" => "Connection type",
        "username" => "Admin username",
        "password" => "Admin password",
        "tags" => "Tags",
        "allow_cleartext" => "Allow unencrypted",
        other => other,
    }
}

/// A fingerprint as people compare them: AB:CD:….
fn colons(hex: &str) -> String {
    Fingerprint::from_hex(hex).map(|f| f.to_string()).unwrap_or_else(|| hex.to_owned())
}

fn shell_path(path: &str) -> String {
    if path.chars().all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c)) {
        path.to_owned()
    } else {
        format!("'{}'", path.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_read_in_pairs() {
        let hex = "ab".repeat(32);
        assert!(colons(&hex).starts_with("AB:AB:"));
        assert_eq!(colons(&hex).len(), 32 * 3 - 1);
    }

    #[test]
    fn problems_name_the_csv_column() {
        let line = ImportLine {
            line: 3,
            name: "Broken".into(),
            server: "127.0.0.1".into(),
            port: "99999".into(),
            connection_type: "HTTP".into(),
            tags: vec![],
            outcome: "invalid".into(),
            customer_id: None,
            problems: BTreeMap::from([("port".into(), "Port must be 1 to 65535.".into())]),
            note: None,
            certificate_sha256: None,
            untrusted_because: None,
            check_problem: None,
        };
        assert_eq!(details(&line, false), "Port: Port must be 1 to 65535.");
        let mut two = line.clone();
        two.problems.insert("email".into(), "Enter a valid Customer mail".into());
        assert_eq!(
            details(&two, false),
            "Customer mail: Enter a valid Customer mail. Port: Port must be 1 to 65535."
        );
    }
}
