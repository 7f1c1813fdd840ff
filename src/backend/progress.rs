//! Load progress, as events on a channel. The headless progress bars consume the events; the
//! TUI also takes each finished part of the snapshot, so its panes fill as stages finish.

use crate::model::SnapshotPart;
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

/// What a load reports to a front end that shows data as it arrives: progress, and each part of
/// the snapshot as soon as its stage finished.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadUpdate {
    Progress(ProgressEvent),
    Part(SnapshotPart),
}

#[derive(Clone, Debug)]
enum Sender {
    Events(mpsc::UnboundedSender<ProgressEvent>),
    Updates(mpsc::UnboundedSender<LoadUpdate>),
}

/// Where progress goes. Sending never blocks and never fails the load: a front end that stopped
/// listening only loses the display.
#[derive(Clone, Debug, Default)]
pub struct ProgressSink {
    sender: Option<Sender>,
}

impl ProgressSink {
    /// Progress events only (the headless progress bars): parts are not sent.
    pub fn channel() -> (ProgressSink, mpsc::UnboundedReceiver<ProgressEvent>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        (
            ProgressSink {
                sender: Some(Sender::Events(sender)),
            },
            receiver,
        )
    }

    /// Progress events and snapshot parts, in the order the load produced them (the TUI).
    pub fn with_parts() -> (ProgressSink, mpsc::UnboundedReceiver<LoadUpdate>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        (
            ProgressSink {
                sender: Some(Sender::Updates(sender)),
            },
            receiver,
        )
    }

    pub fn discard() -> ProgressSink {
        ProgressSink { sender: None }
    }

    pub fn send(&self, event: ProgressEvent) {
        match &self.sender {
            Some(Sender::Events(sender)) => {
                let _ = sender.send(event);
            }
            Some(Sender::Updates(sender)) => {
                let _ = sender.send(LoadUpdate::Progress(event));
            }
            None => {}
        }
    }

    /// Whether parts are wanted: a loader checks before copying a finished list.
    pub fn wants_parts(&self) -> bool {
        matches!(self.sender, Some(Sender::Updates(_)))
    }

    /// Sends a finished part, made only when someone listens for parts.
    pub fn send_part(&self, make: impl FnOnce() -> SnapshotPart) {
        if let Some(Sender::Updates(sender)) = &self.sender {
            let _ = sender.send(LoadUpdate::Part(make()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_go_only_to_a_sink_that_wants_them() {
        let (sink, mut events) = ProgressSink::channel();
        assert!(!sink.wants_parts());
        sink.send_part(|| unreachable!("nobody listens for parts"));
        drop(sink);
        assert!(events.try_recv().is_err());

        let (sink, mut updates) = ProgressSink::with_parts();
        assert!(sink.wants_parts());
        sink.send_part(|| SnapshotPart::Users(Vec::new()));
        assert_eq!(
            updates.try_recv().unwrap(),
            LoadUpdate::Part(SnapshotPart::Users(Vec::new()))
        );
    }
}
