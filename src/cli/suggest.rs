//! `cutover suggest`: the unambiguous matches of a tier, written as a mapping file, for
//! administrators with thousands of people (read-only).
//!
//! Nothing weaker than the chosen tier is ever written as a decision: `weak` candidates (a
//! display name alone, similar names) only appear in the `--candidates` review file.

use super::LiveArgs;
use crate::fsio;
use crate::mapping::propose::propose;
use crate::mapping::suggest::{Candidate, Suggester};
use crate::mapping::tier::Tier;
use crate::mapping::{file as mapping_file, Mapping};
use crate::model::{PrincipalId, PrincipalType, Snapshot};
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TierArg {
    /// Same external id, user name or email.
    Exact,
    /// Exact, plus two independent pieces of evidence that agree (email local part and display
    /// name; a group's normalised name and member overlap), unclaimed by anyone else.
    Strong,
}

#[derive(Debug, Args)]
pub struct SuggestArgs {
    /// The snapshot taken before the identity-source switch (from `cutover export`).
    #[arg(long, value_name = "FILE")]
    pub baseline: PathBuf,

    /// The current state as a snapshot file; without it the live instance is loaded.
    #[arg(long, value_name = "FILE")]
    pub current: Option<PathBuf>,

    /// Where to write the mapping (mode 0600, replaced atomically).
    #[arg(long, short, value_name = "MAPPING.csv")]
    pub output: PathBuf,

    /// The weakest evidence written as a decision.
    #[arg(long, value_enum, default_value_t = TierArg::Exact)]
    pub tier: TierArg,

    /// Also write every candidate of every old principal (tier, reason) for review in a
    /// spreadsheet.
    #[arg(long, value_name = "FILE.csv")]
    pub candidates: Option<PathBuf>,
}

/// How many candidates per old principal the review file lists.
const REVIEW_CANDIDATES: usize = 5;

pub async fn run(live: &LiveArgs, args: SuggestArgs) -> Result<()> {
    fsio::check_output_path(&args.output)?;
    if let Some(path) = &args.candidates {
        fsio::check_output_path(path)?;
    }
    let baseline = fsio::read_snapshot(&args.baseline)
        .with_context(|| format!("cannot use {} as the baseline", args.baseline.display()))?;
    let current = match &args.current {
        Some(path) => fsio::read_snapshot(path)?,
        None => super::load_live(live, true).await?.snapshot,
    };
    let tier = match args.tier {
        TierArg::Exact => Tier::Exact,
        TierArg::Strong => Tier::Strong,
    };
    let suggestion = propose(&baseline, &current, tier);
    fsio::write_private_atomic(
        &args.output,
        mapping_file::render(&suggestion.mapping, &baseline, &current).as_bytes(),
    )
    .with_context(|| format!("cannot write {}", args.output.display()))?;
    if let Some(path) = &args.candidates {
        let suggester = Suggester::new(&baseline, &current);
        let text = candidates_csv(&suggester, &suggestion.mapping, &baseline, &current);
        fsio::write_private_atomic(path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let old_total = baseline.users.len() + baseline.groups.len();
    super::write_stdout(&format!(
        "{} of {old_total} old principals mapped ({} exact, {} strong); the rest are left undecided for review{}.\nWrote the mapping to {}{}.\n",
        suggestion.mapping.len(),
        suggestion.exact,
        suggestion.strong,
        if tier == Tier::Exact {
            " (--tier strong adds the strong matches)"
        } else {
            ""
        },
        args.output.display(),
        args.candidates
            .as_ref()
            .map(|p| format!(" and every candidate to {}", p.display()))
            .unwrap_or_default()
    ))?;
    Ok(())
}

/// Every candidate of every old principal, one row each (an old principal without any gets
/// one row with empty candidate columns), with the decision the mapping holds.
pub fn candidates_csv(
    suggester: &Suggester<'_>,
    mapping: &Mapping,
    baseline: &Snapshot,
    current: &Snapshot,
) -> String {
    let old_names = mapping_file::Directory::of(baseline);
    let new_names = mapping_file::Directory::of(current);
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    let mut write = |row: [&str; 10]| {
        writer
            .write_record(row.map(|cell| crate::text::csv_cell(cell).into_owned()))
            .expect("writing to memory cannot fail");
    };
    write([
        "principal_type",
        "old_id",
        "old_name",
        "decided_new_id",
        "rank",
        "new_id",
        "new_name",
        "tier",
        "reason",
        "method",
    ]);
    let all: Vec<(PrincipalType, PrincipalId, Vec<Candidate>)> =
        suggester.suggest_all_in(REVIEW_CANDIDATES, mapping);
    for (principal_type, old_id, candidates) in &all {
        let decided = mapping.successor(old_id).map_or("", PrincipalId::as_str);
        let old_name = old_names.name(old_id.as_str());
        if candidates.is_empty() {
            write([
                principal_type.as_str(),
                old_id.as_str(),
                old_name,
                decided,
                "",
                "",
                "",
                "",
                "no candidate",
                "",
            ]);
        }
        for (rank, c) in candidates.iter().enumerate() {
            let rank = (rank + 1).to_string();
            let method = c.method();
            write([
                principal_type.as_str(),
                old_id.as_str(),
                old_name,
                decided,
                &rank,
                c.principal_id.as_str(),
                new_names.name(c.principal_id.as_str()),
                c.tier.label(),
                &c.reason,
                &method,
            ]);
        }
    }
    String::from_utf8(writer.into_inner().expect("writing to memory cannot fail"))
        .expect("CSV of UTF-8 fields is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::migration::generate_migration;
    use crate::fixture::OrgSpec;
    use crate::mapping::Decision;
    use std::collections::HashMap;

    /// Against the generator's truth: the exact tier maps nobody to a wrong successor and
    /// gives no leaver one; the strong tier writes nothing weaker than strong.
    #[test]
    fn suggested_mappings_agree_with_the_generators_truth() {
        let m = generate_migration(&OrgSpec::small());
        let truth: HashMap<&PrincipalId, Option<&PrincipalId>> = m
            .truth
            .iter()
            .map(|(_, old, new)| (old, new.as_ref()))
            .collect();
        for tier in [Tier::Exact, Tier::Strong] {
            let suggestion = propose(&m.baseline, &m.current, tier);
            assert!(!suggestion.mapping.is_empty());
            for (old, entry) in suggestion.mapping.iter() {
                let Decision::Successor(new) = &entry.decision else {
                    panic!("suggest wrote a no-successor decision for {old}");
                };
                let method = entry.method.as_deref().unwrap_or("");
                let written = Tier::of_method(method).expect("the method names a tier");
                assert!(written <= tier, "{old}: {method} is weaker than {tier}");
                if tier == Tier::Exact {
                    assert_eq!(truth[old], Some(new), "{old} → {new} ({method})");
                }
            }
        }
    }
}
