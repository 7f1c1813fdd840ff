//! The command line: argument definitions and the headless commands.

mod apply;
mod audit;
mod bulk;
mod cleanup;
mod dev;
pub mod directory;
mod doctor;
mod export;
mod generated;
mod iam_policy;
mod instances;
pub mod logging;
mod map;
mod plan;
mod principal;
mod progress;
mod verify;

use crate::aws::{AwsBackend, LiveOptions};
use crate::backend::{Backend, LoadOutcome, ProgressSink};
use crate::tui::{self, Source};
use clap::{Args, Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "cutover",
    version,
    about = "Preview, apply and verify AWS IAM Identity Center identity-source cutovers",
    long_about = "cutover loads an IAM Identity Center instance (users, groups, memberships, permission sets, accounts, assignments, applications) into a versioned snapshot, and helps carry every assignment across an identity-source switch. Everything is read-only unless a command says otherwise."
)]
pub struct Cli {
    #[command(flatten)]
    pub live: LiveArgs,

    /// Where to write the log (never to the terminal). Default: $XDG_STATE_HOME/cutover/cutover.log
    #[arg(long, global = true, value_name = "FILE")]
    pub log_file: Option<PathBuf>,

    /// Without a command, the terminal UI opens on the live instance.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Parsed once per run: the size of its largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Browse the live instance, or a snapshot file, in the terminal UI (read-only).
    Tui(TuiArgs),
    /// Browse the bundled demo organization in the terminal UI, and try its migration screen
    /// (pane 7): no AWS account needed.
    Demo(map::DemoArgs),
    /// Map the old principals of a baseline snapshot to their successors, with the changeset
    /// re-planned on every edit (the terminal UI's migration screen).
    Map(map::MapArgs),
    /// Load everything from a live instance and write it as a snapshot file (read-only).
    Export(export::ExportArgs),
    /// Who has access to what: one row per (user, account, permission set), with the path.
    Audit(audit::AuditArgs),
    /// Compute the changeset from a baseline, a mapping and the current state; write it as a plan (read-only).
    Plan(plan::PlanArgs),
    /// Apply a plan: creates, then deletes; journaled and resumable. Writes to AWS after a typed confirmation.
    Apply(apply::ApplyArgs),
    /// Load the current state afresh and check the plan's target is reached: exit 0 when nothing is left to do, 1 with the remaining differences listed (read-only).
    Verify(verify::VerifyArgs),
    /// List the old identity source's leftover users and groups that hold no access any more, and delete them after typed confirmation (journaled).
    Cleanup(cleanup::CleanupArgs),
    /// Every Identity Center instance of the organization (the organization instance and member
    /// accounts' account instances), with counts and applications; unreadable accounts listed
    /// with the reason (read-only).
    Instances(instances::InstancesArgs),
    /// People present in several instances (matched by email, case-insensitive, and by user
    /// name), where each copy is and whether it still holds access (read-only).
    Duplicates(instances::DuplicatesArgs),
    /// Before anything is loaded: who the caller is, which instance would be used, what the caller
    /// may do there (reads tried, writes asked of the IAM policy simulator, never tried), how big
    /// it is and how long an export and a full migration would take (read-only). Exit 0 when the
    /// mode's needs are all allowed, 1 when one is denied, 2 when one could not be checked.
    Doctor(doctor::DoctorArgs),
    /// Print the least-privilege IAM policy for a mode, to hand to the security team.
    IamPolicy(iam_policy::IamPolicyArgs),
    /// Print a shell completion script: `cutover completions bash > /etc/bash_completion.d/cutover`.
    Completions(generated::CompletionsArgs),
    /// Print the man page (roff): `cutover man > cutover.1 && man ./cutover.1`.
    Man,
    /// Create, change, delete and list identity store users (journaled; writes after typed confirmation).
    #[command(subcommand)]
    User(principal::UserCommand),
    /// Create, change, delete groups, add and remove members, list members (journaled; writes after typed confirmation).
    #[command(subcommand)]
    Group(principal::GroupCommand),
    /// The directory in bulk: apply a CSV of changes, or restore a baseline's users, groups and memberships.
    #[command(subcommand)]
    Directory(bulk::DirectoryCommand),
    /// Check what the identity source provisioned against a CSV of expected users and groups: exit 1 when anything is missing (read-only).
    ProvisioningCheck(bulk::CheckArgs),
    /// Developer tools: synthetic organizations for tests, demos and benchmarks.
    #[command(subcommand)]
    Dev(dev::DevCommand),
}

#[derive(Debug, Args)]
pub struct TuiArgs {
    /// Browse this snapshot file instead of the live instance.
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
}

/// Flags shared by every command that talks to a live instance.
#[derive(Debug, Clone, Args)]
pub struct LiveArgs {
    /// AWS profile to use (default: the standard chain: environment, AWS_PROFILE, default profile, SSO, IMDS).
    #[arg(long, global = true, env = "AWS_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,

    /// Region of the Identity Center instance.
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,

    /// Send every AWS request to this endpoint (an emulator or a proxy).
    #[arg(long, global = true, env = "AWS_ENDPOINT_URL", value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// The instance to use; needed only when several are visible.
    #[arg(long, global = true, value_name = "ARN")]
    pub instance_arn: Option<String>,

    /// Requests per second to the sso-admin APIs (AWS allows 20 per account, shared with other tools).
    #[arg(long, global = true, default_value_t = 18.0, value_name = "N")]
    pub max_rps_sso_admin: f64,

    /// Requests per second to the identitystore APIs (AWS allows 20 per account, shared with other tools).
    #[arg(long, global = true, default_value_t = 18.0, value_name = "N")]
    pub max_rps_identitystore: f64,
}

impl LiveArgs {
    pub fn options(&self) -> LiveOptions {
        LiveOptions {
            profile: self.profile.clone(),
            region: self.region.clone(),
            endpoint_url: self.endpoint_url.clone(),
            instance_arn: self.instance_arn.clone(),
            max_rps_sso_admin: self.max_rps_sso_admin,
            max_rps_identitystore: self.max_rps_identitystore,
            ..LiveOptions::default()
        }
    }
}

/// Loads the live instance, with progress bars on stderr when it is a terminal (so a report
/// piped from stdout stays clean).
async fn load_live(live: &LiveArgs, show_progress: bool) -> anyhow::Result<LoadOutcome> {
    let backend = AwsBackend::connect(live.options()).await?;
    let (sink, events) = ProgressSink::channel();
    let display = progress::spawn(events, show_progress && std::io::stderr().is_terminal());
    let outcome = backend.load(sink).await;
    let _ = display.await;
    Ok(outcome?)
}

/// Runs the command; `Ok` carries the exit code of a command that ran but did not reach its goal
/// (e.g. an apply with failed operations), after it said why.
pub async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    use std::process::ExitCode;
    let command = match cli.command {
        Some(Command::Apply(args)) => {
            return Ok(match apply::run(&cli.live, args).await? {
                apply::Outcome::Complete => ExitCode::SUCCESS,
                apply::Outcome::Incomplete => ExitCode::from(1),
            })
        }
        Some(Command::User(command)) => return principal::run_user(&cli.live, command).await,
        Some(Command::Group(command)) => return principal::run_group(&cli.live, command).await,
        Some(Command::Directory(command)) => return bulk::run(&cli.live, command).await,
        Some(Command::ProvisioningCheck(args)) => {
            return bulk::provisioning_check(&cli.live, args).await
        }
        Some(Command::Doctor(args)) => {
            return Ok(ExitCode::from(doctor::run(&cli.live, args).await?))
        }
        other => other,
    };
    let () = match command {
        None => tui::run(Source::Live(cli.live.options())).await,
        Some(Command::Tui(args)) => match args.snapshot {
            Some(path) => tui::run(Source::Snapshot(path)).await,
            None => tui::run(Source::Live(cli.live.options())).await,
        },
        Some(Command::Demo(args)) => map::demo(args).await,
        Some(Command::Map(args)) => map::run(&cli.live, args).await,
        Some(Command::Export(args)) => export::run(&cli.live, args).await,
        Some(Command::Audit(args)) => audit::run(&cli.live, args).await,
        Some(Command::Plan(args)) => plan::run(&cli.live, args).await,
        Some(Command::Verify(args)) => verify::run(&cli.live, args).await,
        Some(Command::Cleanup(args)) => cleanup::run(&cli.live, args).await,
        Some(Command::Instances(args)) => instances::instances(&cli.live, args).await,
        Some(Command::Duplicates(args)) => instances::duplicates(&cli.live, args).await,
        Some(Command::Dev(command)) => dev::run(&cli.live, command).await,
        Some(Command::IamPolicy(args)) => iam_policy::run(args),
        Some(Command::Completions(args)) => write_stdout(&String::from_utf8_lossy(
            &generated::completions(args.shell),
        )),
        Some(Command::Man) => write_stdout(&String::from_utf8_lossy(&generated::man_page()?)),
        Some(
            Command::Apply(_)
            | Command::User(_)
            | Command::Group(_)
            | Command::Directory(_)
            | Command::ProvisioningCheck(_)
            | Command::Doctor(_),
        ) => unreachable!("handled above"),
    }?;
    Ok(ExitCode::SUCCESS)
}

/// Writes to stdout; a reader that went away (`| head`) is not an error worth reporting.
fn write_stdout(text: &str) -> anyhow::Result<()> {
    use anyhow::Context;
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        result => result.context("cannot write to stdout"),
    }
}
