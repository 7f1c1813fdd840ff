//! Successor suggestions at Identity Center's quota limits: a generated IdP-to-IdP migration of
//! the quota organization (100,000 users, 100,000 groups, 1,000,000 assignments; current holds
//! the old principals plus about 92,000 new users and 90,000 new groups). Reports, each next
//! to its target where there is one:
//!
//! - `Suggester::new` (indexing current) + `suggest_all` (every old principal);
//! - `unambiguous_exact` (what bulk-accept would offer);
//! - precision of the top suggestion against the generator's truth, and of bulk-accept;
//! - peak memory (VmHWM), which includes the generated snapshots.
//!
//! `cargo bench --bench suggest` runs at the quota size. `cargo test --all-targets` (and so CI)
//! runs this target without `--bench`: a quick smoke run of the same code on a small
//! organization. Options: --preset small|benchmark|quota, --limit N (candidates per principal).

use cutover::fixture::migration::{generate_migration, Migration};
use cutover::fixture::OrgSpec;
use cutover::mapping::propose::propose;
use cutover::mapping::suggest::{Candidate, Suggester};
use cutover::mapping::tier::Tier;
use cutover::mapping::Decision;
use cutover::model::{PrincipalId, PrincipalType};
use std::collections::HashMap;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `cargo bench` passes --bench; `cargo test` does not, and gets the quick smoke run.
    let benchmarking = args.iter().any(|a| a == "--bench");
    let value = |flag: &str| {
        args.iter().position(|a| a == flag).map(|i| {
            args.get(i + 1)
                .unwrap_or_else(|| panic!("{flag} VALUE"))
                .clone()
        })
    };
    let preset = value("--preset")
        .unwrap_or_else(|| if benchmarking { "quota" } else { "small" }.to_owned());
    let limit: usize = value("--limit").map_or(5, |v| v.parse().expect("--limit N"));
    let spec = match preset.as_str() {
        "small" => OrgSpec::small(),
        "benchmark" => OrgSpec::benchmark(),
        "quota" => OrgSpec::quota(),
        other => panic!("unknown preset {other}: use small, benchmark or quota"),
    };

    let generating = Instant::now();
    let migration = generate_migration(&spec);
    println!(
        "suggest benchmark: preset {preset}; baseline {} users, {} groups; current {} users, {} groups; generated in {}",
        migration.baseline.users.len(),
        migration.baseline.groups.len(),
        migration.current.users.len(),
        migration.current.groups.len(),
        secs(generating.elapsed())
    );
    measure(&migration, limit, preset == "quota");

    // The demo organization's planted cases, against its ground truth.
    let demo = cutover::fixture::demo::load_demo();
    let demo_truth = cutover::fixture::demo::demo_ground_truth();
    let truth: HashMap<PrincipalId, Option<PrincipalId>> = demo_truth
        .user_successors
        .iter()
        .map(|(o, n)| {
            (
                PrincipalId::from(o.as_str()),
                n.as_ref().map(|n| PrincipalId::from(n.as_str())),
            )
        })
        .chain(demo_truth.group_successors.iter().map(|(o, n)| {
            (
                PrincipalId::from(o.as_str()),
                n.as_ref().map(|n| PrincipalId::from(n.as_str())),
            )
        }))
        .collect();
    let truth: HashMap<&PrincipalId, Option<&PrincipalId>> =
        truth.iter().map(|(o, n)| (o, n.as_ref())).collect();
    tiers(&demo.baseline, &demo.current, &truth, "demo");
}

/// Precision and recall per tier of `propose` (what `cutover suggest --tier` writes), its
/// time, and the top suggestion's precision before (no mapping) and after (with the strong
/// mapping's co-membership and member overlap) for the principals left undecided.
fn tiers(
    baseline: &cutover::model::Snapshot,
    current: &cutover::model::Snapshot,
    truth: &HashMap<&PrincipalId, Option<&PrincipalId>>,
    label: &str,
) {
    let with_successor = truth.values().filter(|n| n.is_some()).count();
    for tier in [Tier::Exact, Tier::Strong] {
        let started = Instant::now();
        let suggestion = propose(baseline, current, tier);
        let took = started.elapsed();
        for written in [Tier::Exact, Tier::Strong] {
            if written > tier {
                continue;
            }
            let (mut right, mut total, mut leavers) = (0, 0, 0);
            for (old, entry) in suggestion.mapping.iter() {
                let method = entry.method.as_deref().unwrap_or("");
                if Tier::of_method(method) != Some(written) {
                    continue;
                }
                total += 1;
                let Decision::Successor(new) = &entry.decision else {
                    continue;
                };
                match truth.get(old).copied().flatten() {
                    Some(expected) => right += usize::from(expected == new),
                    None => leavers += 1,
                }
            }
            println!(
                "{label}: cutover suggest --tier {tier}: {written} decisions {total}, precision {} ({right} right, {leavers} leavers given a successor), recall {} of {with_successor}",
                percent(right, total),
                percent(right, with_successor),
            );
        }
        println!(
            "{label}: cutover suggest --tier {tier} for {} old principals: {}  target < 3 s  {}",
            baseline.users.len() + baseline.groups.len(),
            secs(took),
            verdict(took <= Duration::from_secs(3))
        );
        if tier == Tier::Strong {
            let suggester = Suggester::new(baseline, current);
            let top_right = |all: &[(PrincipalType, PrincipalId, Vec<Candidate>)]| {
                let (mut right, mut asked) = (0, 0);
                for (_, old, candidates) in all {
                    if suggestion.mapping.get(old).is_some() {
                        continue;
                    }
                    if let Some(Some(expected)) = truth.get(old) {
                        asked += 1;
                        right += usize::from(
                            candidates
                                .first()
                                .is_some_and(|c| &c.principal_id == *expected),
                        );
                    }
                }
                (right, asked)
            };
            let (before, asked) = top_right(&suggester.suggest_all(5));
            let (after, _) = top_right(&suggester.suggest_all_in(5, &suggestion.mapping));
            println!(
                "{label}: top suggestion for the {asked} left undecided with a successor: right {} without the mapping's evidence, {} with it (co-membership, member overlap)",
                percent(before, asked),
                percent(after, asked)
            );
        }
    }
}

fn measure(m: &Migration, limit: usize, full: bool) {
    // The generator's own peak is not the suggester's: restart the high-water mark from what
    // is resident now (the two snapshots), where the kernel allows it.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let resident = memory_kib("VmRSS:");
    // 1. Index + every old principal. CPU time next to wall time: on a shared machine the
    // wall time says as much about the neighbours as about this code.
    let started = Instant::now();
    let cpu_started = cpu_time();
    let suggester = Suggester::new(&m.baseline, &m.current);
    let indexed = started.elapsed();
    let all = suggester.suggest_all(limit);
    let total = started.elapsed();
    let cpu = cpu_time().zip(cpu_started).map(|(end, start)| end - start);
    println!(
        "Suggester::new + suggest_all({limit}) for {} old principals: {} (new {}, suggest_all {}; CPU time {} on {} cores)  target < 2 s  {}",
        all.len(),
        secs(total),
        secs(indexed),
        secs(total - indexed),
        cpu.map_or("unavailable".to_owned(), secs),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        verdict(total <= Duration::from_secs(2))
    );

    // 2. Bulk-accept candidates.
    let started = Instant::now();
    let exact = suggester.unambiguous_exact();
    println!(
        "unambiguous_exact: {} matches in {}",
        exact.len(),
        secs(started.elapsed())
    );

    // 3. Precision against the truth.
    let truth: HashMap<&PrincipalId, Option<&PrincipalId>> = m
        .truth
        .iter()
        .map(|(_, old, new)| (old, new.as_ref()))
        .collect();
    for principal_type in [PrincipalType::User, PrincipalType::Group] {
        let of_type = all.iter().filter(|(t, _, _)| *t == principal_type);
        let (mut with_successor, mut right, mut none, mut without, mut without_exact) =
            (0, 0, 0, 0, 0);
        for (_, old, candidates) in of_type {
            let top: Option<&Candidate> = candidates.first();
            match truth[old] {
                Some(new) => {
                    with_successor += 1;
                    right += usize::from(top.is_some_and(|c| &c.principal_id == new));
                    none += usize::from(top.is_none());
                }
                None => {
                    without += 1;
                    without_exact += usize::from(!top.is_some_and(Candidate::is_exact));
                }
            }
        }
        println!(
            "{principal_type}: top suggestion right for {right} of {with_successor} with a successor ({}), none for {none}; {without_exact} of {without} without a successor get no exact suggestion",
            percent(right, with_successor)
        );
    }
    let exact_right = exact
        .iter()
        .filter(|e| truth[&e.old_id] == Some(&e.new_id))
        .count();
    println!(
        "bulk-accept: {exact_right} of {} right ({})  target 100%  {}",
        exact.len(),
        percent(exact_right, exact.len()),
        verdict(exact_right == exact.len())
    );

    // 4. Tiers: what `cutover suggest` writes, per tier, against the truth; and the top
    // suggestion's precision without and with the evidence a decided mapping adds.
    tiers(&m.baseline, &m.current, &truth, "generator");

    // 5. Peak memory.
    match (memory_kib("VmHWM:"), resident) {
        (Some(peak), Some(resident)) => println!(
            "peak memory (VmHWM{}): {:.0} MiB, of which the two snapshots {:.0} MiB: suggestions add {:.0} MiB",
            if reset { ", reset after generating" } else { ", generator included" },
            mib(peak),
            mib(resident),
            mib(peak.saturating_sub(resident))
        ),
        _ => println!("peak memory: unavailable (no /proc/self/status)"),
    }
    if !full {
        println!("(smoke run: figures are only meaningful with `cargo bench --bench suggest`)");
    }
    assert_eq!(exact_right, exact.len(), "a bulk-acceptable match is wrong");
}

fn secs(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        format!("{ms:.0} ms")
    }
}

fn percent(n: usize, of: usize) -> String {
    if of == 0 {
        "n/a".to_owned()
    } else {
        format!("{:.2}%", 100.0 * n as f64 / of as f64)
    }
}

fn verdict(met: bool) -> &'static str {
    if met {
        "ok"
    } else {
        "MISSED"
    }
}

/// User + system time of the whole process so far (threads included), from
/// `/proc/self/stat` (fields 14 and 15, in clock ticks of 1/100 s on Linux).
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// A `/proc/self/status` figure in KiB (`VmHWM:` is the peak resident set, `VmRSS:` the
/// current one).
fn memory_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
