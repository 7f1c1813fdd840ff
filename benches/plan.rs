//! Planning at Identity Center's quota limits: a generated IdP-to-IdP migration of the quota
//! organization (baseline 100,000 users, 100,000 groups, 1,000,000 assignments; current holds
//! the old principals plus the new ones). Reports, next to its target where there is one:
//!
//! - `Planner::new` (indexing baseline and current once, when the mapping screen opens);
//! - `set_mapping` with the generator's whole truth (every decision at once, e.g. a mapping
//!   file loaded);
//! - **re-planning after one mapping edit** (target < 50 ms): `decide` for one principal plus
//!   `summary` + `ops_by_account(20)` + `ops_by_principal(20)` — what the live preview redraws
//!   from — over 1,000 edits spread across the principals (map, no successor, unmap), median
//!   and p99;
//! - `changeset()`: the whole ordered changeset and its risks (what `cutover plan` writes);
//! - peak memory (VmHWM), which includes the two snapshots.
//!
//! `cargo bench --bench plan` runs at the quota size (release). `cargo test --all-targets`
//! (and so CI) runs this target without `--bench`: a smoke run of the same code on a small
//! organization that also checks the incremental result against planning from scratch.

use cutover::fixture::migration::generate_migration;
use cutover::fixture::OrgSpec;
use cutover::mapping::{Decision, Mapping};
use cutover::model::PrincipalType;
use cutover::plan::{PlanOptions, Planner};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let benchmarking = args.iter().any(|a| a == "--bench");
    let preset = args
        .iter()
        .position(|a| a == "--preset")
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| if benchmarking { "quota" } else { "small" }.to_owned());
    let spec = match preset.as_str() {
        "small" => OrgSpec::small(),
        "benchmark" => OrgSpec::benchmark(),
        "quota" => OrgSpec::quota(),
        other => panic!("unknown preset {other}: use small, benchmark or quota"),
    };
    let generating = Instant::now();
    let m = generate_migration(&spec);
    println!(
        "plan benchmark: preset {preset}; baseline {} users, {} groups, {} assignments; current {} users, {} groups; generated in {}",
        m.baseline.users.len(),
        m.baseline.groups.len(),
        m.baseline.account_assignments.len(),
        m.current.users.len(),
        m.current.groups.len(),
        secs(generating.elapsed())
    );
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let resident = memory_kib("VmRSS:");

    let mut truth = Mapping::new();
    for (principal_type, old, new) in &m.truth {
        let decision = match new {
            Some(id) => Decision::Successor(id.clone()),
            None => Decision::NoSuccessor,
        };
        truth.decide(*principal_type, old.clone(), decision, None);
    }
    let options = PlanOptions {
        retire_old: true,
        allow_role_deletion: false,
        ..PlanOptions::default()
    };

    let started = Instant::now();
    let mut planner = Planner::new(&m.baseline, &m.current, options);
    println!("Planner::new: {}", secs(started.elapsed()));

    let started = Instant::now();
    planner.set_mapping(&truth);
    let summary = planner.summary();
    println!(
        "set_mapping (all {} decisions) + summary: {}  → {} creates, {} deletes, {} pairs emptied",
        truth.len(),
        secs(started.elapsed()),
        thousands(summary.creates),
        thousands(summary.deletes),
        summary.emptied_pairs
    );

    // One edit = change one principal's decision and recompute what the preview shows.
    let edits = if benchmarking { 1_000 } else { 100 };
    let step = (m.truth.len() / edits).max(1);
    let mut timings = Vec::with_capacity(edits * 2);
    for (n, (principal_type, old, new)) in m.truth.iter().step_by(step).take(edits).enumerate() {
        let edit = match n % 3 {
            0 => None,
            1 => Some(Decision::NoSuccessor),
            _ => new.clone().map(Decision::Successor),
        };
        let original = Some(
            new.clone()
                .map_or(Decision::NoSuccessor, Decision::Successor),
        );
        for decision in [edit, original] {
            let started = Instant::now();
            planner
                .decide(*principal_type, old.as_str(), decision.as_ref())
                .expect("a known principal");
            let summary = planner.summary();
            let by_account = planner.ops_by_account(20);
            let by_principal = planner.ops_by_principal(20);
            timings.push(started.elapsed());
            std::hint::black_box((summary, by_account, by_principal));
        }
    }
    timings.sort();
    let median = timings[timings.len() / 2];
    let p99 = timings[(timings.len() * 99 / 100).min(timings.len() - 1)];
    println!(
        "re-plan after one edit (decide + summary + ops by account and principal), {} edits: median {}, p99 {}, max {}  target < 50 ms  {}",
        timings.len(),
        ms(median),
        ms(p99),
        ms(*timings.last().unwrap()),
        verdict(p99 < Duration::from_millis(50))
    );

    let started = Instant::now();
    let changeset = planner.changeset();
    println!(
        "changeset() (the whole plan: {} operations, {} risks): {}",
        thousands(changeset.operations.len()),
        thousands(changeset.risks.len()),
        secs(started.elapsed())
    );
    // The edits above were all undone: the incremental planner must agree with a fresh one.
    let started = Instant::now();
    let fresh = cutover::plan::plan(&m.baseline, &m.current, &truth, options);
    println!("plan() from scratch: {}", secs(started.elapsed()));
    assert_eq!(
        changeset, fresh,
        "incremental planning drifted from planning from scratch"
    );
    let users = m
        .truth
        .iter()
        .filter(|(t, _, _)| *t == PrincipalType::User)
        .count();
    println!(
        "peak memory (VmHWM): {:.0} MiB (resident before planning: {:.0} MiB, {} old users)",
        memory_kib("VmHWM:").unwrap_or(0) as f64 / 1024.0,
        resident.unwrap_or(0) as f64 / 1024.0,
        thousands(users)
    );
    drop(planner);
    migration_screen(&m, &truth, benchmarking);
}

/// The migration screen at the quota: `z` (undo one decision) and each list filter, from the
/// key to the state the next frame draws (target < 50 ms each).
fn migration_screen(m: &cutover::fixture::migration::Migration, truth: &Mapping, full: bool) {
    use cutover::tui::migration::{Migration, MigrationInputs};
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let started = Instant::now();
    let mut screen = Migration::new(MigrationInputs {
        baseline: m.baseline.clone(),
        current: m.current.clone(),
        mapping: truth.clone(),
        mapping_path: None,
        mapping_file_exists: false,
        options: PlanOptions::default(),
        baseline_source: "bench".into(),
        current_source: "bench".into(),
    });
    println!(
        "migration screen opened on {} old principals with the whole truth: {}",
        thousands(screen.rows().len()),
        secs(started.elapsed())
    );
    let now = chrono::Utc::now();
    let press = |screen: &mut Migration, code: KeyCode| {
        let started = Instant::now();
        let _ = screen.on_key(&KeyEvent::new(code, KeyModifiers::NONE), now);
        started.elapsed()
    };
    let rounds = if full { 20 } else { 3 };
    let mut undo = Vec::new();
    for n in 0..rounds {
        // A decision (no successor for a row far down the list), then z.
        let row = (n * 7919) % screen.rows().len();
        screen.decide(row, Some(Decision::NoSuccessor), Some("manual"));
        undo.push(press(&mut screen, KeyCode::Char('z')));
    }
    let (median, worst) = median_max(&mut undo);
    println!(
        "z (undo one decision, re-plan, refresh the list): median {}, max {}  target < 50 ms  {}",
        ms(median),
        ms(worst),
        verdict(worst < Duration::from_millis(50))
    );
    // f cycles through the five filters: time the press that lands on each.
    let mut times: Vec<(String, usize, Vec<Duration>)> = Vec::new();
    for _ in 0..rounds.min(5) {
        for slot in 0..5 {
            let took = press(&mut screen, KeyCode::Char('f'));
            if times.len() <= slot {
                times.push((screen.filter.label().to_owned(), 0, Vec::new()));
            }
            times[slot].1 = screen.visible.len();
            times[slot].2.push(took);
        }
    }
    for (label, rows, mut took) in times {
        let (median, worst) = median_max(&mut took);
        println!(
            "filter {label:<28} ({:>7} rows): median {}, max {}  target < 50 ms  {}",
            thousands(rows),
            ms(median),
            ms(worst),
            verdict(worst < Duration::from_millis(50))
        );
    }
}

fn median_max(times: &mut [Duration]) -> (Duration, Duration) {
    times.sort();
    (times[times.len() / 2], *times.last().unwrap())
}

fn secs(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        format!("{ms:.0} ms")
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn verdict(met: bool) -> &'static str {
    if met {
        "ok"
    } else {
        "MISSED"
    }
}

fn thousands(n: usize) -> String {
    cutover::humanize::thousands(n as u64)
}

fn memory_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
