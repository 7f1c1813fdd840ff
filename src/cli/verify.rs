//! `cutover verify PLAN`: loads the current state afresh and checks that the plan's target is
//! reached (read-only). Exit 0 when nothing is left to do, 1 otherwise.

use super::LiveArgs;
use crate::apply::verify;
use crate::fsio;
use crate::plan::file::PlanFile;
use anyhow::{bail, Context, Result};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The plan file (from `cutover plan`).
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,

    /// Check against this snapshot file instead of loading the live instance.
    #[arg(long, value_name = "FILE")]
    pub current: Option<PathBuf>,
}

pub async fn run(live: &LiveArgs, args: VerifyArgs) -> Result<()> {
    let text = std::fs::read_to_string(&args.plan)
        .with_context(|| format!("cannot read the plan {}", args.plan.display()))?;
    let plan = PlanFile::from_json(&text)
        .with_context(|| format!("cannot use {} as a plan", args.plan.display()))?;
    let now = match &args.current {
        Some(path) => fsio::read_snapshot(path)?,
        None => super::load_live(live, true).await?.snapshot,
    };
    for warning in &now.warnings {
        crate::errln!(
            "warning: the current state is incomplete: {} not read ({}): {}",
            warning.affects,
            warning.operation,
            warning.message
        );
    }
    let verification = verify::verify(&plan, &now)?;
    let report = verification.render(&args.plan.display().to_string());
    // A reader that went away (`| head`) changes nothing about the outcome.
    let _ = super::out::stdout(&report);
    if !verification.reached() {
        bail!(
            "the plan's target is not reached: {} of {} operations are not in effect{}",
            verification.remaining.len(),
            verification.operations,
            if verification.permission_sets.is_empty() {
                String::new()
            } else {
                format!(
                    ", nor {} permission-set operation{}",
                    verification.permission_sets.len(),
                    if verification.permission_sets.len() == 1 {
                        ""
                    } else {
                        "s"
                    }
                )
            }
        );
    }
    Ok(())
}
