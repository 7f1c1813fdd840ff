//! `cutover suggest` against the emulator: the generator's migration (the old principals still
//! there, the new ones beside them) seeded as the live instance, the baseline as a file, and the
//! generator's truth to judge every decision written.

use crate::common::World;
use cutover::fixture::migration::generate_migration;
use cutover::fixture::OrgSpec;
use cutover::mapping::tier::Tier;
use cutover::mapping::{file as mapping_file, Decision};
use cutover::model::{GroupId, PrincipalId, Snapshot, UserId};
use fault_proxy::FaultConfig;
use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};

/// The generator's ids → the emulator's, by user name and group name (the emulator assigns its
/// own ids when the organization is seeded).
fn emulator_ids(generated: &Snapshot, seeded: &Snapshot) -> HashMap<String, String> {
    let users: HashMap<&str, &str> = seeded
        .users
        .iter()
        .map(|u| (u.user_name.as_str(), u.user_id.as_str()))
        .collect();
    let groups: HashMap<&str, &str> = seeded
        .groups
        .iter()
        .map(|g| (g.display_name.as_str(), g.group_id.as_str()))
        .collect();
    generated
        .users
        .iter()
        .map(|u| (u.user_id.0.clone(), users[u.user_name.as_str()].to_owned()))
        .chain(generated.groups.iter().map(|g| {
            (
                g.group_id.0.clone(),
                groups[g.display_name.as_str()].to_owned(),
            )
        }))
        .collect()
}

/// The baseline as the emulator would have exported it before the switch: its principals under
/// the ids they have in the seeded instance, without external ids (the emulator keeps none).
fn baseline_in_emulator_ids(baseline: &Snapshot, ids: &HashMap<String, String>) -> Snapshot {
    let mut out = baseline.clone();
    for user in &mut out.users {
        user.user_id = UserId(ids[&user.user_id.0].clone());
        user.external_ids.clear();
    }
    for group in &mut out.groups {
        group.group_id = GroupId(ids[&group.group_id.0].clone());
        group.external_ids.clear();
    }
    for m in &mut out.group_memberships {
        m.user_id = UserId(ids[&m.user_id.0].clone());
        m.group_id = GroupId(ids[&m.group_id.0].clone());
    }
    for a in &mut out.account_assignments {
        if let Some(id) = ids.get(a.principal_id.as_str()) {
            a.principal_id = PrincipalId(id.clone());
        }
    }
    out
}

async fn suggest(world_url: String, dir: &Path, tier: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cutover"));
    command
        .arg("suggest")
        .arg("--baseline")
        .arg(dir.join("baseline.json"))
        .arg("--output")
        .arg(dir.join(format!("{tier}.csv")))
        .args(["--tier", tier, "--candidates"])
        .arg(dir.join(format!("{tier}-candidates.csv")))
        .args(["--endpoint-url", &world_url, "--region", "eu-west-1"]);
    tokio::task::spawn_blocking(move || command.output().expect("run the cutover binary"))
        .await
        .unwrap()
}

/// The current state as Identity Center can hold it: user names and group names are unique in
/// an identity store, so an old principal still present whose name a new one took has been
/// renamed (its id, the key of the baseline, stays).
fn storable(migration: &cutover::fixture::migration::Migration) -> Snapshot {
    let old: std::collections::HashSet<&str> = migration
        .baseline
        .users
        .iter()
        .map(|u| u.user_id.as_str())
        .chain(
            migration
                .baseline
                .groups
                .iter()
                .map(|g| g.group_id.as_str()),
        )
        .collect();
    let mut current = migration.current.clone();
    let mut user_names: HashMap<String, usize> = HashMap::new();
    for u in &current.users {
        *user_names.entry(u.user_name.to_lowercase()).or_default() += 1;
    }
    for u in &mut current.users {
        if user_names[&u.user_name.to_lowercase()] > 1 && old.contains(u.user_id.as_str()) {
            u.user_name = format!("retired.{}", u.user_name);
        }
    }
    let mut group_names: HashMap<String, usize> = HashMap::new();
    for g in &current.groups {
        *group_names
            .entry(g.display_name.to_lowercase())
            .or_default() += 1;
    }
    for g in &mut current.groups {
        if group_names[&g.display_name.to_lowercase()] > 1 && old.contains(g.group_id.as_str()) {
            g.display_name = format!("retired {}", g.display_name);
        }
    }
    current
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suggest_against_the_live_instance_gives_no_wrong_successor_at_the_exact_tier() {
    let migration = generate_migration(&OrgSpec::small());
    let current = storable(&migration);
    let world = World::seeded_with(&current).await;
    let ids = emulator_ids(&current, &world.expected);
    let baseline = baseline_in_emulator_ids(&migration.baseline, &ids);
    let truth: HashMap<String, Option<String>> = migration
        .truth
        .iter()
        .map(|(_, old, new)| {
            (
                ids[old.as_str()].clone(),
                new.as_ref().map(|n| ids[n.as_str()].clone()),
            )
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("baseline.json"), baseline.to_json()).unwrap();
    let proxy = world.proxy(FaultConfig::default()).await;

    for tier in ["exact", "strong"] {
        let run = suggest(proxy.endpoint_url(), dir.path(), tier).await;
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(run.status.success(), "{tier}: {stderr}");
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(stdout.contains("old principals mapped"), "{stdout}");

        let text = std::fs::read_to_string(dir.path().join(format!("{tier}.csv"))).unwrap();
        let mapping = mapping_file::parse(&text, &baseline, &world.expected)
            .expect("cutover suggest writes a mapping cutover reads");
        assert!(!mapping.is_empty(), "{tier}: {stdout}");
        let limit = Tier::parse(tier).unwrap();
        let (mut right, mut wrong) = (0, Vec::new());
        for (old, entry) in mapping.iter() {
            let Decision::Successor(new) = &entry.decision else {
                panic!("{tier}: suggest gave {old} no successor; only the admin decides that");
            };
            let method = entry.method.as_deref().unwrap_or("");
            let written = Tier::of_method(method).expect("the method names the tier");
            assert!(written <= limit, "{tier}: {old} written at {method}");
            match &truth[old.as_str()] {
                None => panic!("{tier}: the leaver {old} was given the successor {new} ({method})"),
                Some(expected) if expected == new.as_str() => right += 1,
                Some(expected) => {
                    wrong.push(format!("{old} → {new} instead of {expected} ({method})"))
                }
            }
        }
        if tier == "exact" {
            assert!(wrong.is_empty(), "exact tier, wrong successors: {wrong:#?}");
        }
        println!(
            "cutover suggest --tier {tier} against the emulator: {} decisions, {right} right, {} wrong",
            mapping.len(),
            wrong.len()
        );
        let candidates =
            std::fs::read_to_string(dir.path().join(format!("{tier}-candidates.csv"))).unwrap();
        assert!(candidates.starts_with("principal_type,old_id,old_name,decided_new_id,rank,new_id,new_name,tier,reason,method\n"));
        assert!(candidates.lines().count() > baseline.users.len());
        use std::os::unix::fs::PermissionsExt;
        for file in [format!("{tier}.csv"), format!("{tier}-candidates.csv")] {
            let mode = std::fs::metadata(dir.path().join(file))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
