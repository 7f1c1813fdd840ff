//! `cutover apply PLAN`: the only command that writes account and application assignments.
//!
//! Reads the plan and its journal, connects, refuses a plan for another instance, re-reads the
//! places the plan touches and refuses drift that changes the outcome (unless `--force`),
//! shows the summary and asks for the instance id to be typed (or `--yes`), then runs the
//! executor with a progress bar. Ctrl-C stops new writes, lets outstanding ones finish, and
//! says how to resume.

use super::LiveArgs;
use crate::apply::drift;
use crate::apply::journal::{self, JournalState, JournalWriter, OpState, OpStatus};
use crate::apply::permission_sets::{self, PermissionSetOptions, PermissionSetState};
use crate::apply::{self, hint, ApplyEvent, ApplyOptions, ApplyReport, Control, Next, Phase};
use crate::aws::AwsBackend;
use crate::backend::Writer;
use crate::model::Action;
use crate::plan::file::PlanFile;
use anyhow::{bail, Context, Result};
use clap::Args;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The plan file from `cutover plan`.
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,

    /// Do not ask for the instance id to be typed (for automation).
    #[arg(long)]
    pub yes: bool,

    /// Writes outstanding at once (AWS allows 10 to 15 asynchronous assignment writes).
    #[arg(long, default_value_t = 10, value_name = "N", value_parser = super::args::at_least_one)]
    pub max_in_flight: u32,

    /// The journal (default: next to the plan, `<plan>.journal.jsonl`).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,

    /// Retry only the operations that failed in an earlier run; start nothing new.
    #[arg(long)]
    pub retry_failed: bool,

    /// Apply even though the touched places drifted in a way that changes the outcome (the
    /// drift is recorded in the journal).
    #[arg(long)]
    pub force: bool,

    /// Status polls per write before it is left "unknown" for the next run.
    #[arg(long, default_value_t = 40, value_name = "N", hide_short_help = true, value_parser = super::args::at_least_one)]
    pub poll_budget: u32,

    /// Milliseconds between the first status polls of a write (later polls back off).
    #[arg(
        long,
        default_value_t = 1000,
        value_name = "MS",
        hide_short_help = true
    )]
    pub poll_interval_ms: u64,
}

/// How `apply` ended, for the exit code.
pub enum Outcome {
    Complete,
    Incomplete,
}

pub async fn run(live: &LiveArgs, args: ApplyArgs) -> Result<Outcome> {
    let text = std::fs::read_to_string(&args.plan)
        .with_context(|| format!("cannot read the plan {}", args.plan.display()))?;
    let plan = PlanFile::from_json(&text)
        .with_context(|| format!("cannot use {} as a plan", args.plan.display()))?;
    let journal_path = args
        .journal
        .clone()
        .unwrap_or_else(|| journal::default_path(&args.plan));
    // One writer per plan, from reading the journal to the last write: a second apply of the
    // same plan is refused here, before it reads anything.
    let lock = super::take_lock(&journal_path, "cutover apply")?;
    let prior = apply::prepare::read_prior(&journal_path, &plan)?;
    if prior.torn_tail {
        crate::errln!(
            "note: the journal's last line was cut off (the previous run was killed while writing it); it is ignored and the operation is checked against AWS"
        );
    }
    let permission_sets_prior = permission_sets::read(&journal_path, &plan)?;
    let permission_sets_pending = !permission_sets_prior.all_done();
    let total = plan.body.operations.len();
    let done_before = prior
        .state
        .ops
        .iter()
        .filter(|s| **s == OpState::Done)
        .count();
    let has_operations = total > 0 || !plan.body.permission_set_operations.is_empty();
    if has_operations && done_before == total && !permission_sets_pending {
        crate::outln!(
            "Nothing to do: all {total} operations are done (journal {}). Check the result with `cutover verify {}`.",
            journal_path.display(),
            args.plan.display()
        );
        return Ok(Outcome::Complete);
    }
    if !has_operations {
        crate::outln!(
            "The plan has no operations: the target was already reached when it was made."
        );
        return Ok(Outcome::Complete);
    }

    let backend = Arc::new(AwsBackend::connect(live.options()).await?);
    let instance = backend.instance().clone();
    if instance.instance_arn != plan.body.target.instance_arn {
        bail!(
            "this plan is for instance {}, but the credentials and flags reach {}: use the profile/--region/--instance-arn of the plan's instance",
            plan.body.target.instance_arn,
            instance.instance_arn
        );
    }

    // Assignment operations on a permission set this plan creates name it by its baseline ARN
    // until the creation is journaled; their places are read once it exists.
    let mut resolved = plan.resolved(&permission_sets_prior.created);
    crate::errln!(
        "Reading the {} places the plan touches…",
        resolved.body.fingerprint.touched.len()
    );
    let mut checked = apply::prepare::check(&*backend, &resolved, prior)
        .await
        .map_err(|e| anyhow::anyhow!("cannot read the current assignments: {e}"))?;
    let drift = &checked.drift;
    let blocking: Vec<&drift::Drift> = checked.blocking().collect();
    if !drift.is_empty() {
        crate::errln!(
            "The instance changed since the plan was made ({} place{}):",
            drift.len(),
            if drift.len() == 1 { "" } else { "s" }
        );
        for line in drift.iter().flat_map(|d| d.lines()) {
            crate::errln!("  {line}");
        }
    }
    if !blocking.is_empty() && !args.force {
        bail!(
            "the plan is stale: the drift above changes what applying it would do. Export the current state and run `cutover plan` again, or pass --force to apply it anyway (the drift is recorded in the journal)"
        );
    }

    print_summary(
        &plan,
        &checked.prior.state,
        &journal_path,
        &instance.instance_arn,
    );
    if !args.yes {
        confirm(&instance.instance_arn)?;
    }

    let options = ApplyOptions {
        max_in_flight: args.max_in_flight as usize,
        poll_budget: args.poll_budget.max(1),
        poll_first: Duration::from_millis(args.poll_interval_ms * 2),
        poll_interval: Duration::from_millis(args.poll_interval_ms),
        poll_max: Duration::from_millis(args.poll_interval_ms.max(1) * 10),
        only_failed: args.retry_failed,
        forced_drift: if args.force {
            blocking.iter().flat_map(|d| d.lines()).collect()
        } else {
            Vec::new()
        },
    };
    let control = Control::default();
    let stopper = control.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            crate::errln!("\nStopping: no new writes; waiting for the outstanding ones to finish…");
            stopper.stop();
        }
    });
    let mut writer = JournalWriter::open_locked(&journal_path, lock)?;
    let started = Instant::now();
    let calls_before = backend.stats();
    if permission_sets_pending {
        let state = run_permission_sets(
            &backend,
            &plan,
            &mut writer,
            permission_sets_prior,
            &options,
            &control,
        )
        .await?;
        if !state.all_done() {
            print_permission_set_failures(&plan, &state, &args.plan, &journal_path);
            return Ok(Outcome::Incomplete);
        }
        resolved = plan.resolved(&state.created);
        let mut unread = resolved.clone();
        unread.body.fingerprint.touched.retain(|t| {
            t.place()
                .is_some_and(|p| !checked.observed.contains_key(&p))
        });
        let fresh = apply::observe(&*backend, &unread)
            .await
            .map_err(|e| anyhow::anyhow!("cannot read the current assignments: {e}"))?;
        checked.observed.extend(fresh);
    }
    let plan = resolved;
    let (events, receiver) = mpsc::unbounded_channel();
    let display = spawn_progress(
        receiver,
        &plan,
        &checked.prior.state,
        std::io::stderr().is_terminal(),
        backend.clone(),
    );
    let report = apply::execute(
        &*backend,
        &plan,
        &mut writer,
        checked.starting_point(),
        &options,
        &control,
        Some(events),
    )
    .await?;
    let _ = display.await;
    let stats = backend.stats();
    print_report(
        &plan,
        &report,
        &args.plan,
        &journal_path,
        started.elapsed(),
        stats.calls - calls_before.calls,
        stats.throttles - calls_before.throttles,
    );
    Ok(if report.complete() {
        Outcome::Complete
    } else {
        Outcome::Incomplete
    })
}

/// The permission-set phase, one line per outcome on stderr.
async fn run_permission_sets(
    backend: &Arc<AwsBackend>,
    plan: &PlanFile,
    writer: &mut JournalWriter,
    prior: PermissionSetState,
    options: &ApplyOptions,
    control: &Control,
) -> Result<PermissionSetState> {
    let ops = &plan.body.permission_set_operations;
    crate::errln!(
        "Creating {} permission set{} and provisioning them ({} operation{} not done yet)…",
        plan.body.summary.permission_sets_created,
        if plan.body.summary.permission_sets_created == 1 {
            ""
        } else {
            "s"
        },
        ops.len() - prior.done(),
        if ops.len() - prior.done() == 1 {
            ""
        } else {
            "s"
        },
    );
    let report = |event: permission_sets::PermissionSetEvent| {
        if let Some(op) = ops.get(event.ps_op as usize - 1) {
            crate::errln!("  {}", permission_set_line(op, &event.state));
        }
    };
    let options = PermissionSetOptions {
        max_in_flight: options.max_in_flight,
        poll_budget: options.poll_budget,
        poll_interval: options.poll_interval,
    };
    Ok(permission_sets::run(&**backend, plan, writer, prior, &options, control, &report).await?)
}

/// One line about a permission-set operation and where it stands.
fn permission_set_line(op: &crate::plan::file::PermissionSetOperation, state: &OpState) -> String {
    let name = crate::text::inert(&op.name);
    let what = match &op.account_id {
        None => format!("create permission set {name}"),
        Some(account) => format!(
            "provision {name} to {}",
            op.account_name
                .as_deref()
                .map(|n| format!("{} ({account})", crate::text::inert(n)))
                .unwrap_or_else(|| account.to_string())
        ),
    };
    match state {
        OpState::Done => format!("P{} {what}: done", op.id),
        OpState::Failed { code, message } => format!(
            "P{} {what}: FAILED {}{}",
            op.id,
            code.as_deref()
                .map(|c| format!("{c}: "))
                .unwrap_or_default(),
            crate::text::inert(message.as_deref().unwrap_or(""))
        ),
        OpState::Unknown { .. } => format!(
            "P{} {what}: unknown (still running); the next run asks again",
            op.id
        ),
        OpState::NotStarted | OpState::HeldBack => format!("P{} {what}: not started", op.id),
    }
}

fn print_permission_set_failures(
    plan: &PlanFile,
    state: &PermissionSetState,
    plan_path: &Path,
    journal: &Path,
) {
    let ops = &plan.body.permission_set_operations;
    crate::outln!(
        "{} of {} permission-set operations done; no assignment was written: assignments run only once every permission set is created and provisioned.",
        state.done(),
        ops.len()
    );
    for (op, op_state) in ops.iter().zip(&state.ops) {
        if *op_state != OpState::Done {
            crate::outln!("  {}", permission_set_line(op, op_state));
        }
    }
    crate::outln!(
        "Resume with `cutover apply {}` (journal {}): it finds what an earlier run created by name and never creates a permission set twice.",
        plan_path.display(),
        journal.display()
    );
}

fn print_summary(plan: &PlanFile, prior: &JournalState, journal: &Path, instance: &str) {
    let body = &plan.body;
    if !body.permission_set_operations.is_empty() {
        crate::outln!(
            "First create {} permission set{} and provision {} (account, permission set) pair{} (at most 3 provisionings at once).",
            body.summary.permission_sets_created,
            if body.summary.permission_sets_created == 1 { "" } else { "s" },
            body.summary.provisionings,
            if body.summary.provisionings == 1 { "" } else { "s" },
        );
    }
    crate::outln!(
        "Apply {} creates, then {} deletes to {} ({}).",
        crate::humanize::thousands(body.summary.creates as u64),
        crate::humanize::thousands(body.summary.deletes as u64),
        instance,
        body.target
            .region
            .as_deref()
            .unwrap_or("region not recorded"),
    );
    crate::outln!(
        "Planned {} against the state of {}; {} high and {} medium risks were listed in the plan.",
        body.created_at.format("%Y-%m-%d %H:%M UTC"),
        body.inputs.current_captured_at.format("%Y-%m-%d %H:%M UTC"),
        body.summary.high_risks,
        body.summary.medium_risks
    );
    if !body.options.allow_role_deletion {
        let held = body.operations.iter().filter(|o| o.empties_pair).count();
        if held > 0 {
            crate::outln!("{held} deletes would empty their (account, permission set) pair: they are held back (plan with --allow-role-deletion to run them).");
        }
    }
    if prior.runs > 0 {
        let count = |f: fn(&OpState) -> bool| prior.ops.iter().filter(|s| f(s)).count();
        crate::outln!(
            "Resuming (journal {}, {} earlier run{}): {} done, {} failed, {} unknown (settled first), {} not started.",
            journal.display(),
            prior.runs,
            if prior.runs == 1 { "" } else { "s" },
            count(|s| *s == OpState::Done),
            count(|s| matches!(s, OpState::Failed { .. })),
            count(|s| matches!(s, OpState::Unknown { .. })),
            count(|s| matches!(s, OpState::NotStarted | OpState::HeldBack)),
        );
    } else {
        crate::outln!("Journal: {}", journal.display());
    }
}

fn confirm(instance_arn: &str) -> Result<()> {
    let instance_id = instance_arn.rsplit('/').next().unwrap_or(instance_arn);
    if !std::io::stdin().is_terminal() {
        bail!("no terminal to confirm on: pass --yes to apply without typing the instance id");
    }
    crate::out!("Type the instance id ({instance_id}) to write to it, anything else to cancel: ");
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if answer.trim() != instance_id {
        bail!("not confirmed: nothing was written");
    }
    Ok(())
}

fn spawn_progress<W: Writer + 'static>(
    mut events: mpsc::UnboundedReceiver<ApplyEvent>,
    plan: &PlanFile,
    prior: &JournalState,
    visible: bool,
    writer: Arc<W>,
) -> tokio::task::JoinHandle<()> {
    let creates = plan.body.summary.creates as u64;
    let deletes = plan.body.summary.deletes as u64;
    let actions: Vec<Action> = plan.body.operations.iter().map(|o| o.action).collect();
    let mut done: Vec<bool> = prior.ops.iter().map(|s| *s == OpState::Done).collect();
    tokio::spawn(async move {
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let multi = MultiProgress::with_draw_target(target);
        let style = ProgressStyle::with_template(
            "{prefix:>8} {bar:36} {pos:>6}/{len:6} {per_sec:>9} ETA {eta} {msg}",
        )
        .expect("template");
        let create_bar = multi.add(ProgressBar::new(creates).with_style(style.clone()));
        create_bar.set_prefix("creates");
        let delete_bar = multi.add(ProgressBar::new(deletes).with_style(style));
        delete_bar.set_prefix("deletes");
        delete_bar.set_message("(after every create)");
        let already = |action| {
            done.iter()
                .zip(&actions)
                .filter(|(d, a)| **d && **a == action)
                .count() as u64
        };
        create_bar.set_position(already(Action::Create));
        delete_bar.set_position(already(Action::Delete));
        let status = multi.add(ProgressBar::new_spinner());
        status.set_style(ProgressStyle::with_template("{msg}").expect("template"));
        let throttles_before = writer.stats().throttles;
        let (mut failed, mut unknown) = (0u64, 0u64);
        let mut in_flight = std::collections::HashSet::new();
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        loop {
            tokio::select! {
                event = events.recv() => {
                    let Some(event) = event else { break };
                    match event {
                        ApplyEvent::Phase(Phase::Deletes) => delete_bar.set_message(""),
                        ApplyEvent::Op { op, state, status } => {
                            let index = op as usize - 1;
                            let bar = match actions[index] {
                                Action::Create => &create_bar,
                                Action::Delete => &delete_bar,
                            };
                            match (&state, status) {
                                // Accepted by AWS, now polled.
                                (OpState::Unknown { .. }, None) => {
                                    in_flight.insert(op);
                                }
                                (_, Some(outcome)) => {
                                    in_flight.remove(&op);
                                    match outcome {
                                        OpStatus::Failed => failed += 1,
                                        OpStatus::Unknown => unknown += 1,
                                        _ => {}
                                    }
                                }
                                _ => {}
                            }
                            if state == OpState::Done && !done[index] {
                                done[index] = true;
                                bar.inc(1);
                            }
                        }
                        _ => {}
                    }
                }
                _ = tick.tick() => {}
            }
            status.set_message(format!(
                "         {} in flight · {} throttled (retried) · {failed} failed · {unknown} unknown",
                in_flight.len(),
                writer.stats().throttles - throttles_before
            ));
        }
        create_bar.finish();
        delete_bar.finish();
        status.finish();
    })
}

fn print_report(
    plan: &PlanFile,
    report: &ApplyReport,
    plan_path: &Path,
    journal: &Path,
    elapsed: Duration,
    calls: u64,
    throttles: u64,
) {
    let ops = &plan.body.operations;
    crate::outln!(
        "{} of {} operations done; {} failed, {} unknown, {} held back, {} not started. {} API calls, {} throttled (retried), {:.1} s.",
        report.done(),
        ops.len(),
        report.failed(),
        report.unknown(),
        report.held_back(),
        report.not_started(),
        calls,
        throttles,
        elapsed.as_secs_f64()
    );
    let mut shown = 0;
    for (op, state) in ops.iter().zip(&report.states) {
        if let OpState::Failed { code, message } = state {
            if shown < 20 {
                let what = format!(
                    "{} {} {} {} {}",
                    match op.action {
                        Action::Create => "create",
                        Action::Delete => "delete",
                    },
                    op.account_name
                        .as_deref()
                        .or(op.account_id.as_ref().map(|a| a.as_str()))
                        .or(op.application_name.as_deref())
                        .unwrap_or(""),
                    op.permission_set_name.as_deref().unwrap_or(""),
                    op.principal_type,
                    if op.principal_name.is_empty() {
                        op.principal_id.as_str()
                    } else {
                        &op.principal_name
                    },
                );
                crate::outln!(
                    "  FAILED #{} {what}: {}{}",
                    op.id,
                    code.as_deref()
                        .map(|c| format!("{c}: "))
                        .unwrap_or_default(),
                    message.as_deref().unwrap_or("")
                );
                crate::outln!("      → {}", hint_line(code.as_deref(), message.as_deref()));
            }
            shown += 1;
        }
    }
    if shown > 20 {
        crate::outln!(
            "  … {} more failures in the journal {}",
            shown - 20,
            journal.display()
        );
    }
    if let Some(reason) = &report.fatal {
        crate::outln!("Stopped: the credentials stopped working ({reason}). Log in again (e.g. `aws sso login`) and run apply again.");
    }
    if let Some(reason) = &report.deletes_waiting {
        crate::outln!("Deletes not run: {reason}.");
    }
    if report.held_back() > 0 {
        crate::outln!(
            "{} deletes held back: each would delete a permission set's IAM role in its account. Plan with --allow-role-deletion if that is intended.",
            report.held_back()
        );
    }
    if report.complete() {
        crate::outln!(
            "Done. Check the result with `cutover verify {}`.",
            plan_path.display()
        );
    } else if report.interrupted || report.failed() + report.unknown() + report.not_started() > 0 {
        crate::outln!(
            "Resume with `cutover apply {}` (it reads the journal {}, settles unknown writes and never repeats a successful one){}.",
            plan_path.display(),
            journal.display(),
            if report.failed() > 0 {
                "; `--retry-failed` retries only the failures"
            } else {
                ""
            }
        );
    }
}

/// A failed write's hint, with what to run next from the command line.
fn hint_line(code: Option<&str>, message: Option<&str>) -> String {
    let hint = hint(code, message);
    let next = match hint.next {
        Next::RunAgain => "then rerun (with --retry-failed to retry only the failed writes)",
        Next::PlanAgain => "then plan again (cutover plan) from the current state",
    };
    format!("{}; {next}", hint.remedy)
}
