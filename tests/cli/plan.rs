//! The `cutover plan` binary on the bundled demo organization's snapshot files: the plan file
//! it writes (format, fields, mode), the Markdown review, the summary, and the messages for a
//! mapping it cannot use. No AWS emulator needed.

use cutover::fixture::demo::demo_ground_truth;
use cutover::plan::file::PlanFile;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn demo_asset(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/demo")
        .join(name)
}

fn cutover(dir: &Path, args: &[&str]) -> Output {
    let log = dir.join("cutover.log");
    Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(args)
        .arg("--log-file")
        .arg(&log)
        .output()
        .expect("run the cutover binary")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The demo's true successors for every old user and group, as a mapping CSV.
fn true_mapping() -> String {
    let truth = demo_ground_truth();
    let mut csv = String::from("principal_type,old_id,new_id\n");
    for (old, new) in &truth.user_successors {
        let new = new.as_ref().map(|n| n.as_str()).unwrap_or("");
        csv.push_str(&format!("USER,{old},{new}\n"));
    }
    for (old, new) in &truth.group_successors {
        let new = new.as_ref().map(|n| n.as_str()).unwrap_or("");
        csv.push_str(&format!("GROUP,{old},{new}\n"));
    }
    csv
}

fn plan_args<'a>(
    mapping: &'a str,
    output: &'a str,
    current: &'a str,
    baseline: &'a str,
) -> Vec<&'a str> {
    vec![
        "plan",
        "--baseline",
        baseline,
        "--current",
        current,
        "--mapping",
        mapping,
        "--output",
        output,
    ]
}

#[test]
fn plans_the_demo_cutover_into_a_private_checked_plan_file() {
    let dir = tempfile::tempdir().unwrap();
    let mapping = dir.path().join("mapping.csv");
    std::fs::write(&mapping, true_mapping()).unwrap();
    let output = dir.path().join("plan.json");
    let review = dir.path().join("plan.md");
    let baseline = demo_asset("baseline.json");
    let current = demo_asset("current.json");
    let mut args = plan_args(
        mapping.to_str().unwrap(),
        output.to_str().unwrap(),
        current.to_str().unwrap(),
        baseline.to_str().unwrap(),
    );
    args.extend(["--retire-old", "--review", review.to_str().unwrap()]);
    let run = cutover(dir.path(), &args);
    assert!(run.status.success(), "stderr: {}", text(&run.stderr));

    let plan = PlanFile::from_json(&std::fs::read_to_string(&output).unwrap()).unwrap();
    assert!(plan.body.options.retire_old);
    assert!(plan.body.summary.creates > 1_000);
    assert!(plan.body.summary.deletes > 1_000);
    assert!(plan.body.inputs.mapping_digest.is_some());
    let stdout = text(&run.stdout);
    let creates = cutover::humanize::thousands(plan.body.summary.creates as u64);
    assert!(stdout.contains(&format!("{creates} creates")), "{stdout}");
    assert!(stdout.contains("Wrote the plan (JSON)"), "{stdout}");
    assert!(std::fs::read_to_string(&review)
        .unwrap()
        .starts_with("# Identity Center cutover plan"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for file in [&output, &review] {
            let mode = std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", file.display());
        }
    }
}

#[test]
fn format_md_writes_the_review_document_to_output() {
    let dir = tempfile::tempdir().unwrap();
    let mapping = dir.path().join("mapping.csv");
    std::fs::write(&mapping, true_mapping()).unwrap();
    let output = dir.path().join("plan.md");
    let baseline = demo_asset("baseline.json");
    let current = demo_asset("current.json");
    let mut args = plan_args(
        mapping.to_str().unwrap(),
        output.to_str().unwrap(),
        current.to_str().unwrap(),
        baseline.to_str().unwrap(),
    );
    args.extend(["--format", "md"]);
    let run = cutover(dir.path(), &args);
    assert!(run.status.success(), "stderr: {}", text(&run.stderr));
    let markdown = std::fs::read_to_string(&output).unwrap();
    assert!(markdown.contains("## Risks"));
    assert!(markdown.contains("## Operations by account"));
}

#[test]
fn a_mapping_with_bad_rows_fails_with_line_numbers_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mapping = dir.path().join("mapping.csv");
    let truth = demo_ground_truth();
    std::fs::write(
        &mapping,
        format!(
            "principal_type,old_id,new_id\nUSER,{},\nUSER,not-an-id,\nUSER,{},\n",
            truth.user_successors[0].0, truth.user_successors[0].0
        ),
    )
    .unwrap();
    let output = dir.path().join("plan.json");
    let baseline = demo_asset("baseline.json");
    let current = demo_asset("current.json");
    let run = cutover(
        dir.path(),
        &plan_args(
            mapping.to_str().unwrap(),
            output.to_str().unwrap(),
            current.to_str().unwrap(),
            baseline.to_str().unwrap(),
        ),
    );
    assert!(!run.status.success());
    let stderr = text(&run.stderr);
    assert!(stderr.contains("mapping.csv"), "{stderr}");
    assert!(stderr.contains("line 3: old_id not-an-id"), "{stderr}");
    assert!(stderr.contains("line 4: old_id"), "{stderr}");
    assert!(stderr.contains("first on line 2"), "{stderr}");
    assert!(!output.exists(), "no plan is written from a bad mapping");
}

#[test]
fn a_missing_baseline_says_which_file() {
    let dir = tempfile::tempdir().unwrap();
    let mapping = dir.path().join("mapping.csv");
    std::fs::write(&mapping, "principal_type,old_id,new_id\n").unwrap();
    let output = dir.path().join("plan.json");
    let current = demo_asset("current.json");
    let run = cutover(
        dir.path(),
        &plan_args(
            mapping.to_str().unwrap(),
            output.to_str().unwrap(),
            current.to_str().unwrap(),
            "/nonexistent/baseline.json",
        ),
    );
    assert!(!run.status.success());
    assert!(text(&run.stderr).contains("/nonexistent/baseline.json"));
}

#[test]
fn an_account_map_with_bad_rows_fails_with_line_numbers_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mapping = dir.path().join("mapping.csv");
    std::fs::write(&mapping, true_mapping()).unwrap();
    let baseline = demo_asset("baseline.json");
    let current = demo_asset("current.json");
    let snapshot: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    let known = snapshot["accounts"][0]["account_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let accounts = dir.path().join("accounts.csv");
    std::fs::write(
        &accounts,
        format!("old_account_id,new_account_id\n{known},{known}\n{known},{known}\n999999999999,{known}\nabc,{known}\n"),
    )
    .unwrap();
    let output = dir.path().join("plan.json");
    let mut args = plan_args(
        mapping.to_str().unwrap(),
        output.to_str().unwrap(),
        current.to_str().unwrap(),
        baseline.to_str().unwrap(),
    );
    args.extend(["--account-map", accounts.to_str().unwrap()]);
    let run = cutover(dir.path(), &args);
    assert!(!run.status.success());
    let message = text(&run.stderr);
    assert!(message.contains("accounts.csv"), "{message}");
    assert!(
        message.contains("the account map has 3 problems"),
        "{message}"
    );
    assert!(message.contains("line 3: old_account_id"), "{message}");
    assert!(
        message.contains("mapped again (first on line 2)"),
        "{message}"
    );
    assert!(message.contains("line 4: new_account_id"), "{message}");
    assert!(
        message.contains("line 5: old_account_id \"abc\" is not a 12-digit"),
        "{message}"
    );
    assert!(!output.exists());

    // A good one (every account onto itself) plans as without it.
    std::fs::write(
        &accounts,
        format!("old_account_id,new_account_id,note\n{known},{known},same org\n"),
    )
    .unwrap();
    let run = cutover(dir.path(), &args);
    assert!(run.status.success(), "{}", text(&run.stderr));
}
