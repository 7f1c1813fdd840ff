//! `cutover dev`: synthetic organizations for tests, demos and benchmarks.

use super::LiveArgs;
use crate::aws::seed::{self, SeedClients};
use crate::fixture::{self, OrgSpec};
use crate::fsio;
use anyhow::{anyhow, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum DevCommand {
    /// Write a deterministic synthetic organization as a snapshot file.
    Generate(GenerateArgs),
    /// Create a snapshot's organization in an AWS emulator (moto) through the AWS APIs, and write
    /// the snapshot an export should then return. Requires --endpoint-url.
    Seed(SeedArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Preset {
    /// A few dozen objects, for tests.
    Small,
    /// 2,000 users, 300 groups, 40 permission sets, 60 accounts, 10,000 assignments.
    Benchmark,
    /// Identity Center's quota limits: 100,000 users and groups, 3,000 accounts, 1,000,000 assignments.
    Quota,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[arg(long, value_enum, default_value_t = Preset::Small)]
    pub preset: Preset,
    #[arg(long)]
    pub users: Option<usize>,
    #[arg(long)]
    pub groups: Option<usize>,
    #[arg(long)]
    pub permission_sets: Option<usize>,
    #[arg(long)]
    pub accounts: Option<usize>,
    #[arg(long)]
    pub assignments: Option<usize>,
    #[arg(long)]
    pub seed: Option<u64>,
    #[arg(long, short, value_name = "FILE")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// The organization to create (a snapshot, e.g. from `cutover dev generate`).
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Where to write the snapshot that an export should now return.
    #[arg(long, value_name = "FILE")]
    pub expected: PathBuf,
}

pub async fn run(live: &LiveArgs, command: DevCommand) -> Result<()> {
    match command {
        DevCommand::Generate(args) => generate(args),
        DevCommand::Seed(args) => seed_emulator(live, args).await,
    }
}

fn generate(args: GenerateArgs) -> Result<()> {
    let mut spec = match args.preset {
        Preset::Small => OrgSpec::small(),
        Preset::Benchmark => OrgSpec::benchmark(),
        Preset::Quota => OrgSpec::quota(),
    };
    spec.users = args.users.unwrap_or(spec.users);
    spec.groups = args.groups.unwrap_or(spec.groups);
    spec.permission_sets = args.permission_sets.unwrap_or(spec.permission_sets);
    spec.accounts = args.accounts.unwrap_or(spec.accounts);
    spec.assignments = args.assignments.unwrap_or(spec.assignments);
    spec.seed = args.seed.unwrap_or(spec.seed);
    let snapshot = fixture::generate(&spec);
    fsio::write_private_atomic(&args.output, snapshot.to_json().as_bytes())
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    crate::outln!(
        "Wrote {} objects to {}",
        snapshot.object_count(),
        args.output.display()
    );
    Ok(())
}

async fn seed_emulator(live: &LiveArgs, args: SeedArgs) -> Result<()> {
    let endpoint = live.endpoint_url.as_deref().ok_or_else(|| {
        anyhow!(
            "dev seed writes to an emulator only: pass --endpoint-url (e.g. http://127.0.0.1:5000)"
        )
    })?;
    let desired = fsio::read_snapshot(&args.input)?;
    let region = live.region.as_deref().unwrap_or("us-east-1");
    let clients = SeedClients::for_endpoint(endpoint, region).await;
    let expected = seed::seed(&clients, &desired).await?;
    fsio::write_private_atomic(&args.expected, expected.to_json().as_bytes())
        .with_context(|| format!("cannot write {}", args.expected.display()))?;
    crate::outln!(
        "Seeded {} objects into {endpoint}; expected export written to {}",
        expected.object_count(),
        args.expected.display()
    );
    Ok(())
}
