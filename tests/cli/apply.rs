//! `cutover apply` refusing what it cannot use, before it connects to anything: a tampered,
//! malformed or foreign plan; a journal that belongs to another plan or was damaged. No AWS
//! emulator needed: every check here happens before the first request.

use cutover::fixture::demo::{demo_ground_truth, load_demo};
use cutover::mapping::{Decision, Mapping};
use cutover::model::{PrincipalId, PrincipalType};
use cutover::plan::file::PlanFile;
use cutover::plan::{self, PlanOptions};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn demo_plan(users: usize) -> PlanFile {
    let org = load_demo();
    let mut mapping = Mapping::new();
    for (old, new) in demo_ground_truth().user_successors.iter().take(users) {
        let decision = match new {
            Some(id) => Decision::Successor(PrincipalId::from(id.as_str())),
            None => Decision::NoSuccessor,
        };
        mapping.decide(
            PrincipalType::User,
            PrincipalId::from(old.as_str()),
            decision,
            None,
        );
    }
    let options = PlanOptions::default();
    let changeset = plan::plan(&org.baseline, &org.current, &mapping, options);
    PlanFile::new(
        &changeset,
        &org.baseline,
        &org.current,
        options,
        None,
        chrono::Utc::now(),
    )
}

fn apply(dir: &Path, plan: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(["apply", plan.to_str().unwrap(), "--yes"])
        .arg("--log-file")
        .arg(dir.join("cutover.log"))
        // Nowhere to connect to: every refusal here must come first.
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .stdin(Stdio::null())
        .output()
        .expect("run cutover apply")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_hand_edited_plan_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    let text = demo_plan(20).to_json();
    std::fs::write(&path, text.replacen("\"create\"", "\"delete\"", 1)).unwrap();
    let run = apply(dir.path(), &path);
    assert!(!run.status.success());
    let message = stderr(&run);
    assert!(
        message.contains("changed after it was written"),
        "{message}"
    );
    assert!(message.contains("cutover plan"), "{message}");
}

#[test]
fn files_that_are_not_plans_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("snapshot.json");
    std::fs::write(&snapshot, load_demo().current.to_json()).unwrap();
    let run = apply(dir.path(), &snapshot);
    assert!(!run.status.success());
    let message = stderr(&run);
    assert!(message.contains("snapshot.json"), "{message}");
    assert!(message.contains("cutover.snapshot.v1"), "{message}");

    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "{ not json").unwrap();
    let message = stderr(&apply(dir.path(), &garbage));
    assert!(message.contains("not a cutover plan"), "{message}");

    let missing = stderr(&apply(dir.path(), &dir.path().join("missing.json")));
    assert!(missing.contains("cannot read the plan"), "{missing}");
}

#[test]
fn a_journal_of_another_plan_or_a_damaged_one_is_refused_before_any_request() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    let plan = demo_plan(20);
    std::fs::write(&path, plan.to_json()).unwrap();
    let journal = cutover::apply::journal::default_path(&path);

    let other = demo_plan(30);
    let record = cutover::apply::Record::RunStarted {
        at: chrono::Utc::now(),
        run: 1,
        plan_checksum: other.checksum.clone(),
        instance_arn: other.body.target.instance_arn.clone(),
        cutover_version: "0.1.0".into(),
        forced_drift: Vec::new(),
    };
    std::fs::write(
        &journal,
        format!("{}\n", serde_json::to_string(&record).unwrap()),
    )
    .unwrap();
    let message = stderr(&apply(dir.path(), &path));
    assert!(message.contains("belongs to another plan"), "{message}");

    std::fs::write(&journal, "{\"event\":\"run_started\"}\nnot json\n").unwrap();
    let message = stderr(&apply(dir.path(), &path));
    assert!(message.contains("line 1"), "{message}");
    assert!(message.contains("Move it aside"), "{message}");
}
