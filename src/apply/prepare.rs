//! What every front end does before it applies a plan, so that `cutover apply` and the TUI's
//! apply screen decide the same way: read the plan's journal (where an earlier run stopped),
//! read the places the plan touches, and check them for drift (changes since the plan was made
//! that neither the plan nor its journal expects).

use super::drift::{self, Drift};
use super::executor::{observe, StartingPoint};
use super::journal::{self, JournalError, JournalState};
use crate::backend::{WriteError, Writer};
use crate::plan::file::PlanFile;
use std::path::Path;

/// Where the earlier runs of a plan left it, from its journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prior {
    pub state: JournalState,
    /// The journal's last line was cut off (a run was killed while writing it): it is ignored
    /// and that operation is checked against the instance.
    pub torn_tail: bool,
}

/// A plan checked against the instance, ready to run.
#[derive(Clone, Debug)]
pub struct Checked {
    pub prior: Prior,
    pub observed: super::Observed,
    /// Every drift found (informational and blocking).
    pub drift: Vec<Drift>,
}

impl Checked {
    /// The drift that changes what applying the plan would do: the plan is stale.
    pub fn blocking(&self) -> impl Iterator<Item = &Drift> {
        self.drift.iter().filter(|d| d.changes_outcome.is_some())
    }

    /// Where the executor starts from.
    pub fn starting_point(&self) -> StartingPoint {
        StartingPoint {
            prior: self.prior.state.clone(),
            observed: self.observed.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("cannot read the current assignments: {0}")]
    Observe(#[from] WriteError),
}

/// Reads and replays the journal at `journal_path` for `plan` (none there: nothing done yet).
pub fn read_prior(journal_path: &Path, plan: &PlanFile) -> Result<Prior, JournalError> {
    let contents = journal::read(journal_path)?;
    let state = JournalState::replay(
        journal_path,
        &contents.records,
        plan.body.operations.len(),
        &plan.checksum,
    )?;
    Ok(Prior {
        state,
        torn_tail: contents.torn_tail,
    })
}

/// Reads the places `plan` touches through `writer` and checks them against the plan and
/// what `prior` says was already done.
pub async fn check<W: Writer>(
    writer: &W,
    plan: &PlanFile,
    prior: Prior,
) -> Result<Checked, WriteError> {
    let observed = observe(writer, plan).await?;
    let drift = drift::check(plan, &prior.state, &observed);
    Ok(Checked {
        prior,
        observed,
        drift,
    })
}

/// [`read_prior`], then [`check`].
pub async fn prepare<W: Writer>(
    writer: &W,
    plan: &PlanFile,
    journal_path: &Path,
) -> Result<Checked, PrepareError> {
    let prior = read_prior(journal_path, plan)?;
    Ok(check(writer, plan, prior).await?)
}
