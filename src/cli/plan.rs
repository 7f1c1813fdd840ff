//! `cutover plan`: baseline + mapping + current → a reviewed, versioned plan file (read-only).

use super::LiveArgs;
use crate::mapping;
use crate::plan::file::{sha256, PlanFile};
use crate::plan::{self, PlanOptions};
use crate::{fsio, model::Snapshot};
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// The plan file `cutover apply` reads (docs/plan-format.md).
    Json,
    /// A Markdown review document for a change-approval ticket.
    Md,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The snapshot taken before the identity-source switch (from `cutover export`).
    #[arg(long, value_name = "FILE")]
    pub baseline: PathBuf,

    /// The mapping CSV (principal_type,old_id,new_id[,old_name,new_name,method,note]).
    #[arg(long, value_name = "FILE")]
    pub mapping: PathBuf,

    /// The current state as a snapshot file; without it the live instance is loaded.
    #[arg(long, value_name = "FILE")]
    pub current: Option<PathBuf>,

    /// Also delete the decided old principals' assignments that still exist.
    #[arg(long)]
    pub retire_old: bool,

    /// Let deletes empty an (account, permission set) pair, which deletes its IAM role there.
    #[arg(long)]
    pub allow_role_deletion: bool,

    /// Also create the baseline's permission sets that the current instance lacks (another
    /// instance, or a Region move), before any assignment that needs them. A permission set of
    /// the same name is never overwritten: where its definition differs, the plan lists a risk
    /// per field.
    #[arg(long)]
    pub create_permission_sets: bool,

    /// A CSV mapping old account ids to new ones (old_account_id,new_account_id[,note]), for a
    /// move to an instance in another organization.
    #[arg(long, value_name = "FILE")]
    pub account_map: Option<PathBuf>,

    /// Where to write the plan (mode 0600, replaced atomically).
    #[arg(long, short, value_name = "FILE")]
    pub output: PathBuf,

    /// What to write to --output.
    #[arg(long, value_enum, default_value_t = PlanFormat::Json)]
    pub format: PlanFormat,

    /// Also write the Markdown review document here.
    #[arg(long, value_name = "FILE")]
    pub review: Option<PathBuf>,

    /// Replace an existing plan at --output (without it an existing file is refused).
    #[arg(long)]
    pub force: bool,
}

pub async fn run(live: &LiveArgs, args: PlanArgs) -> Result<()> {
    let mut inputs = vec![
        ("--baseline", args.baseline.as_path()),
        ("--mapping", args.mapping.as_path()),
    ];
    if let Some(current) = &args.current {
        inputs.push(("--current", current.as_path()));
    }
    let output = fsio::Output {
        flag: "--output",
        path: &args.output,
        irreplaceable: Some("plan"),
        force: args.force,
    };
    fsio::check_output(&output, &inputs)?;
    if let Some(review) = &args.review {
        let review = fsio::Output::replaceable("--review", review);
        fsio::check_output(&review, &inputs)?;
        fsio::check_distinct_outputs(&output, &review)?;
    }
    let baseline = fsio::read_snapshot(&args.baseline)
        .with_context(|| format!("cannot use {} as the baseline", args.baseline.display()))?;
    let mapping_bytes = std::fs::read(&args.mapping)
        .with_context(|| format!("cannot read the mapping file {}", args.mapping.display()))?;
    let mapping_text = mapping::file::decode(mapping_bytes.clone())
        .map_err(|e| anyhow::anyhow!("the mapping file {}: {e}", args.mapping.display()))?;
    let current = match &args.current {
        Some(path) => fsio::read_snapshot(path)?,
        None => super::load_live(live, true).await?.snapshot,
    };
    warn_incomplete("current", &current);
    warn_incomplete("baseline", &baseline);
    let mapping = mapping::file::parse(&mapping_text, &baseline, &current)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.mapping.display()))?;
    let account_map = match &args.account_map {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the account map {}", path.display()))?;
            Some(
                mapping::accounts::parse(&text, &baseline, &current)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
            )
        }
        None => None,
    };

    let options = PlanOptions {
        retire_old: args.retire_old,
        allow_role_deletion: args.allow_role_deletion,
        create_permission_sets: args.create_permission_sets,
    };
    let changeset =
        plan::plan_with_accounts(&baseline, &current, &mapping, options, account_map.as_ref());
    let plan = PlanFile::new(
        &changeset,
        &baseline,
        &current,
        options,
        Some(sha256(&mapping_bytes)),
        chrono::Utc::now(),
    );
    let text = match args.format {
        PlanFormat::Json => plan.to_json(),
        PlanFormat::Md => plan.to_markdown(),
    };
    write(&args.output, &text)?;
    if let Some(review) = &args.review {
        write(review, &plan.to_markdown())?;
    }
    super::write_stdout(&plan.human_summary())?;
    super::write_stdout(&format!(
        "Wrote the plan ({}) to {}{}.\n",
        match args.format {
            PlanFormat::Json => "JSON",
            PlanFormat::Md => "Markdown",
        },
        args.output.display(),
        args.review
            .as_ref()
            .map(|r| format!(" and the review to {}", r.display()))
            .unwrap_or_default()
    ))?;
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<()> {
    fsio::write_private_atomic(path, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

fn warn_incomplete(which: &str, snapshot: &Snapshot) {
    for warning in &snapshot.warnings {
        crate::errln!(
            "warning: the {which} snapshot is incomplete: {} not read ({}): {}",
            warning.affects,
            warning.operation,
            warning.message
        );
    }
}
