//! Load progress, as events on a channel. The headless progress bar consumes them today; the TUI
//! will consume the same events without knowing who produced them.

use std::fmt;
use tokio::sync::mpsc;

/// The stages of loading an instance, in the order a person reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    Instance,
    Users,
    Groups,
    GroupMemberships,
    PermissionSets,
    Accounts,
    Provisioning,
    AccountAssignments,
    Applications,
    ApplicationAssignments,
}

impl Stage {
    pub const ALL: [Stage; 10] = [
        Stage::Instance,
        Stage::Users,
        Stage::Groups,
        Stage::GroupMemberships,
        Stage::PermissionSets,
        Stage::Accounts,
        Stage::Provisioning,
        Stage::AccountAssignments,
        Stage::Applications,
        Stage::ApplicationAssignments,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Stage::Instance => "instance",
            Stage::Users => "users",
            Stage::Groups => "groups",
            Stage::GroupMemberships => "group memberships",
            Stage::PermissionSets => "permission sets",
            Stage::Accounts => "accounts",
            Stage::Provisioning => "provisioned permission sets",
            Stage::AccountAssignments => "account assignments",
            Stage::Applications => "applications",
            Stage::ApplicationAssignments => "application assignments",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One observation of a stage. `done` counts units of the stage's work (pages, groups, pairs or
/// records, as the stage defines), `total` is known once the stage knows its work list.
/// `calls` and `throttles` are the load's running totals across every API family.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgressEvent {
    pub stage: Stage,
    pub done: u64,
    pub total: Option<u64>,
    pub finished: bool,
    pub calls: u64,
    pub throttles: u64,
}

/// Where progress goes. Sending never blocks and never fails the load: a front end that stopped
/// listening only loses the display.
#[derive(Clone, Debug, Default)]
pub struct ProgressSink {
    sender: Option<mpsc::UnboundedSender<ProgressEvent>>,
}

impl ProgressSink {
    pub fn channel() -> (ProgressSink, mpsc::UnboundedReceiver<ProgressEvent>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        (
            ProgressSink {
                sender: Some(sender),
            },
            receiver,
        )
    }

    pub fn discard() -> ProgressSink {
        ProgressSink { sender: None }
    }

    pub fn send(&self, event: ProgressEvent) {
        if let Some(sender) = &self.sender {
            let _ = sender.send(event);
        }
    }
}
