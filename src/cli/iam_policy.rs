//! `cutover iam-policy MODE`: the least-privilege IAM policy for one way of using cutover, to
//! hand to the security team (the files in `assets/iam/`, generated from the code by a test).

use crate::permissions::Mode;
use clap::Args;

#[derive(Debug, Args)]
pub struct IamPolicyArgs {
    /// read-only: export, audit, plan, verify, the TUI, doctor. migrate: plus apply and cleanup.
    /// directory: read-only plus writes to the Identity Center directory. organization: migrate
    /// plus the organization-wide work.
    #[arg(value_enum)]
    pub mode: Mode,
}

pub fn run(args: IamPolicyArgs) -> anyhow::Result<()> {
    super::write_stdout(args.mode.policy())
}
