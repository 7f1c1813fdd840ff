//! The `cutover verify` binary on the bundled demo organization's snapshot files: a plan made
//! from the demo is not reached in the current state (exit 1, what is left listed by account),
//! is reached once its operations are applied (exit 0), and is refused for another instance.
//! No AWS emulator needed.

use cutover::fixture::demo::demo_ground_truth;
use cutover::model::{AccountAssignment, Action, Snapshot};
use cutover::plan::file::{Kind, PlanFile};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn demo_asset(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/demo")
        .join(name)
}

fn cutover(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(args)
        .arg("--log-file")
        .arg(dir.join("cutover.log"))
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

/// Plans the demo cutover (retiring the old principals) with the binary; the plan's path.
fn demo_plan(dir: &Path) -> PathBuf {
    let mapping = dir.join("mapping.csv");
    std::fs::write(&mapping, true_mapping()).unwrap();
    let plan = dir.join("plan.json");
    let run = cutover(
        dir,
        &[
            "plan",
            "--baseline",
            demo_asset("baseline.json").to_str().unwrap(),
            "--current",
            demo_asset("current.json").to_str().unwrap(),
            "--mapping",
            mapping.to_str().unwrap(),
            "--retire-old",
            "--output",
            plan.to_str().unwrap(),
        ],
    );
    assert!(run.status.success(), "plan: {}", text(&run.stderr));
    plan
}

fn read_plan(path: &Path) -> PlanFile {
    PlanFile::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn current() -> Snapshot {
    Snapshot::from_json(&std::fs::read_to_string(demo_asset("current.json")).unwrap()).unwrap()
}

/// The current snapshot with every account-assignment operation of the plan applied, and the
/// application-assignment ones too unless `skip` names them.
fn applied(plan: &PlanFile, skip: &[u32]) -> Snapshot {
    let mut snapshot = current();
    let mut accounts: BTreeSet<AccountAssignment> =
        snapshot.account_assignments.iter().cloned().collect();
    let mut applications: BTreeSet<_> = snapshot.application_assignments.iter().cloned().collect();
    for op in &plan.body.operations {
        if skip.contains(&op.id) {
            continue;
        }
        match op.kind {
            Kind::AccountAssignment => {
                let a = AccountAssignment {
                    account_id: op.account_id.clone().unwrap(),
                    permission_set_arn: op.permission_set_arn.clone().unwrap(),
                    principal_type: op.principal_type,
                    principal_id: op.principal_id.clone(),
                };
                match op.action {
                    Action::Create => accounts.insert(a),
                    Action::Delete => accounts.remove(&a),
                };
            }
            Kind::ApplicationAssignment => {
                let a = cutover::model::ApplicationAssignment {
                    application_arn: op.application_arn.clone().unwrap(),
                    principal_type: op.principal_type,
                    principal_id: op.principal_id.clone(),
                };
                match op.action {
                    Action::Create => applications.insert(a),
                    Action::Delete => applications.remove(&a),
                };
            }
        }
    }
    snapshot.account_assignments = accounts.into_iter().collect();
    snapshot.application_assignments = applications.into_iter().collect();
    snapshot
}

fn write_snapshot(dir: &Path, name: &str, snapshot: &Snapshot) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, snapshot.to_json()).unwrap();
    path
}

#[test]
fn before_apply_every_operation_is_left_and_the_exit_code_is_1() {
    let dir = tempfile::tempdir().unwrap();
    let plan_path = demo_plan(dir.path());
    let plan = read_plan(&plan_path);
    let total = plan.body.operations.len();
    let run = cutover(
        dir.path(),
        &[
            "verify",
            plan_path.to_str().unwrap(),
            "--current",
            demo_asset("current.json").to_str().unwrap(),
        ],
    );
    assert_eq!(run.status.code(), Some(1), "stderr: {}", text(&run.stderr));
    let stdout = text(&run.stdout);
    assert!(
        stdout.contains(&format!(
            "{total} of {total} operations are not in effect yet"
        )),
        "{stdout}"
    );
    // Grouped by account, with the names the plan carries.
    let first = &plan.body.operations[0];
    let heading = format!(
        "  {} ({})\n",
        first.account_name.as_deref().unwrap(),
        first.account_id.as_ref().unwrap()
    );
    assert_eq!(stdout.matches(&heading).count(), 1, "{stdout}");
    assert!(stdout.contains(&first.principal_name), "{stdout}");
    assert!(
        stdout.contains(&format!("cutover apply {}", plan_path.display())),
        "{stdout}"
    );
    let stderr = text(&run.stderr);
    assert!(stderr.contains("target is not reached"), "{stderr}");
}

#[test]
fn a_partly_applied_plan_lists_only_what_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let plan_path = demo_plan(dir.path());
    let plan = read_plan(&plan_path);
    let last = plan.body.operations.last().unwrap().id;
    let state = write_snapshot(dir.path(), "partly.json", &applied(&plan, &[1, last]));
    let run = cutover(
        dir.path(),
        &[
            "verify",
            plan_path.to_str().unwrap(),
            "--current",
            state.to_str().unwrap(),
        ],
    );
    assert_eq!(run.status.code(), Some(1), "stderr: {}", text(&run.stderr));
    let stdout = text(&run.stdout);
    assert!(
        stdout.contains(&format!(
            "2 of {} operations are not in effect yet (1 create, 1 delete)",
            plan.body.operations.len()
        )),
        "{stdout}"
    );
    assert!(stdout.contains("#1     create"), "{stdout}");
    assert!(stdout.contains(&format!("#{last:<5} delete")), "{stdout}");
}

#[test]
fn once_every_operation_is_applied_the_target_is_reached_and_the_exit_code_is_0() {
    let dir = tempfile::tempdir().unwrap();
    let plan_path = demo_plan(dir.path());
    let plan = read_plan(&plan_path);
    let state = write_snapshot(dir.path(), "after.json", &applied(&plan, &[]));
    let run = cutover(
        dir.path(),
        &[
            "verify",
            plan_path.to_str().unwrap(),
            "--current",
            state.to_str().unwrap(),
        ],
    );
    assert!(run.status.success(), "stderr: {}", text(&run.stderr));
    let stdout = text(&run.stdout);
    assert!(stdout.contains("The plan's target is reached"), "{stdout}");
    assert!(!stdout.contains("Provisioning changed"), "{stdout}");
}

#[test]
fn a_role_lost_in_an_account_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let plan_path = demo_plan(dir.path());
    let plan = read_plan(&plan_path);
    let mut state = applied(&plan, &[]);
    let provisioned = &plan.body.fingerprint.provisioned[0];
    let lost = provisioned.account_ids[0].clone();
    state
        .permission_sets
        .iter_mut()
        .find(|p| p.permission_set_arn == provisioned.permission_set_arn)
        .unwrap()
        .provisioned_account_ids
        .retain(|a| a != &lost);
    let state = write_snapshot(dir.path(), "after.json", &state);
    let run = cutover(
        dir.path(),
        &[
            "verify",
            plan_path.to_str().unwrap(),
            "--current",
            state.to_str().unwrap(),
        ],
    );
    // Reported, but nothing is left to do.
    assert!(run.status.success(), "stderr: {}", text(&run.stderr));
    let stdout = text(&run.stdout);
    assert!(stdout.contains("Provisioning changed"), "{stdout}");
    assert!(
        stdout.contains(&format!("{}: no longer provisioned to", provisioned.name)),
        "{stdout}"
    );
    assert!(stdout.contains(lost.as_str()), "{stdout}");
    assert!(stdout.contains("IAM role there was deleted"), "{stdout}");
}

#[test]
fn a_plan_for_another_instance_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let plan_path = demo_plan(dir.path());
    let plan = read_plan(&plan_path);
    let mut other = applied(&plan, &[]);
    other.instance.instance_arn = "arn:aws:sso:::instance/ssoins-0123456789abcdef".to_owned();
    other.instance.identity_store_id = "d-0000000000".to_owned();
    let state = write_snapshot(dir.path(), "other.json", &other);
    let run = cutover(
        dir.path(),
        &[
            "verify",
            plan_path.to_str().unwrap(),
            "--current",
            state.to_str().unwrap(),
        ],
    );
    assert_eq!(run.status.code(), Some(1));
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("the plan is for instance arn:aws:sso:::instance/ssoins-7223a1b2c3d4e5f6"),
        "{stderr}"
    );
    assert!(stderr.contains("ssoins-0123456789abcdef"), "{stderr}");
    assert!(text(&run.stdout).is_empty(), "nothing is listed");
}

#[test]
fn a_changed_plan_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let plan_path = demo_plan(dir.path());
    let edited =
        std::fs::read_to_string(&plan_path)
            .unwrap()
            .replacen("\"create\"", "\"delete\"", 1);
    std::fs::write(&plan_path, edited).unwrap();
    let run = cutover(
        dir.path(),
        &[
            "verify",
            plan_path.to_str().unwrap(),
            "--current",
            demo_asset("current.json").to_str().unwrap(),
        ],
    );
    assert_eq!(run.status.code(), Some(1));
    let stderr = text(&run.stderr);
    assert!(stderr.contains("plan.json"), "{stderr}");
    assert!(stderr.contains("checksum"), "{stderr}");
}
