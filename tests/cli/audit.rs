//! The `cutover audit` binary on snapshot files: the rows it prints in each format, its filters,
//! the file it writes, and the messages it gives for values and files it cannot use. No AWS
//! emulator needed.

use cutover::access::{AccessIndex, AuditRow};
use cutover::fixture::{self, OrgSpec};
use cutover::model::Snapshot;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn cutover(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(args)
        .output()
        .expect("run the cutover binary")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A tempdir holding `snapshot.json` written from the small fixture organization.
struct SnapshotFile {
    dir: tempfile::TempDir,
    path: PathBuf,
    snapshot: Snapshot,
}

fn small_snapshot_file() -> SnapshotFile {
    let snapshot = fixture::generate(&OrgSpec::small());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snapshot.json");
    std::fs::write(&path, snapshot.to_json()).unwrap();
    SnapshotFile {
        dir,
        path,
        snapshot,
    }
}

/// Runs `cutover audit --snapshot file`, logging next to the file (not in the user's state
/// directory).
fn audit(file: &Path, extra: &[&str]) -> Output {
    let log = file.with_file_name("cutover.log");
    let mut args = vec![
        "audit",
        "--snapshot",
        file.to_str().unwrap(),
        "--log-file",
        log.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    cutover(&args)
}

fn success(run: Output) -> String {
    assert!(
        run.status.success(),
        "exit {:?}, stderr: {}",
        run.status.code(),
        text(&run.stderr)
    );
    text(&run.stdout)
}

fn json_rows(stdout: &str) -> Vec<AuditRow<'static>> {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not a JSON array of rows: {e}"))
}

#[test]
fn json_rows_are_every_users_effective_access() {
    let file = small_snapshot_file();
    let rows = json_rows(&success(audit(&file.path, &["--format", "json"])));
    let index = AccessIndex::new(&file.snapshot);
    let expected: usize = index
        .users()
        .map(|u| index.effective_access(&u.user_id).len())
        .sum();
    assert!(expected > 0);
    assert_eq!(rows.len(), expected);

    // One known user's rows are exactly their grants, with names and paths filled in.
    let user = &file.snapshot.users[0];
    let grants = index.effective_access(&user.user_id);
    let mine: Vec<&AuditRow> = rows
        .iter()
        .filter(|r| r.user_id == user.user_id.0)
        .collect();
    assert_eq!(mine.len(), grants.len());
    for grant in &grants {
        let row = mine
            .iter()
            .find(|r| {
                r.account_id == grant.account_id.0
                    && r.permission_set_arn == grant.permission_set_arn.0
            })
            .expect("a row per grant");
        assert_eq!(row.user_name, user.user_name);
        let account = index.account(grant.account_id).unwrap();
        assert_eq!(row.account_name.as_deref(), account.name.as_deref());
        let ps = index.permission_set(grant.permission_set_arn).unwrap();
        assert_eq!(row.permission_set_name, ps.name);
        assert_eq!(row.via.len(), grant.via.len());
        assert_eq!(
            row.via.first().map(|v| v.as_ref()) == Some("direct"),
            grant.via[0] == cutover::access::Via::Direct
        );
    }

    // Sorted by user name first.
    assert!(rows.windows(2).all(|w| w[0].user_name <= w[1].user_name));
}

#[test]
fn csv_has_the_header_and_one_line_per_row() {
    let file = small_snapshot_file();
    let json = json_rows(&success(audit(&file.path, &["--format", "json"])));
    let csv = success(audit(&file.path, &[]));
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "user_id",
            "user_name",
            "display_name",
            "account_id",
            "account_name",
            "permission_set_arn",
            "permission_set_name",
            "via"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), json.len());
    assert_eq!(&records[0][7], json[0].via.join("; "));
}

#[test]
fn markdown_is_a_document_with_a_table() {
    let file = small_snapshot_file();
    let md = success(audit(
        &file.path,
        &["--format", "md", "--include-orphans", "--include-no-access"],
    ));
    assert!(md.starts_with("# IAM Identity Center access audit"), "{md}");
    assert!(
        md.contains("| Snapshot captured at | 2026-01-01T00:00:00Z |"),
        "{md}"
    );
    assert!(md.contains("| User | Display name | Account | Account ID | Permission set | Via |"));
    assert!(md.contains("## Orphaned assignments"));
    assert!(md.contains("| Orphaned assignments | 3 |"), "{md}");
}

#[test]
fn account_filter_by_name_restricts_the_rows() {
    let file = small_snapshot_file();
    let account = &file.snapshot.accounts[0];
    let name = account.name.clone().unwrap();
    let rows = json_rows(&success(audit(
        &file.path,
        &["--format", "json", "--account", &name],
    )));
    let index = AccessIndex::new(&file.snapshot);
    assert_eq!(rows.len(), index.who_can_reach(&account.account_id).len());
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.account_id == account.account_id.0));
}

#[test]
fn an_unknown_account_exits_1_naming_it() {
    let file = small_snapshot_file();
    let run = audit(&file.path, &["--account", "nope"]);
    assert_eq!(run.status.code(), Some(1));
    let stderr = text(&run.stderr);
    assert!(stderr.contains("--account \"nope\""), "{stderr}");
    assert!(stderr.contains("matches no account"), "{stderr}");
    assert!(run.stdout.is_empty());
}

#[test]
fn a_malformed_snapshot_exits_1_with_a_clear_message() {
    let file = small_snapshot_file();
    let bad = file.dir.path().join("broken.json");
    std::fs::write(&bad, "{\"format\": \"cutover.snapshot.v1\", \"users\": ").unwrap();
    let run = audit(&bad, &[]);
    assert_eq!(run.status.code(), Some(1));
    let stderr = text(&run.stderr);
    assert!(stderr.contains("broken.json"), "{stderr}");
    assert!(stderr.contains("not valid JSON"), "{stderr}");

    let missing = file.dir.path().join("missing.json");
    let run = audit(&missing, &[]);
    assert_eq!(run.status.code(), Some(1));
    assert!(text(&run.stderr).contains("missing.json"));
}

#[test]
fn output_writes_a_private_file() {
    let file = small_snapshot_file();
    let output = file.dir.path().join("report.csv");
    let stdout = success(audit(&file.path, &["--output", output.to_str().unwrap()]));
    assert!(stdout.starts_with("Wrote "), "{stdout}");
    let written = std::fs::read_to_string(&output).unwrap();
    assert!(written.starts_with("user_id,user_name,"));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&output).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}
