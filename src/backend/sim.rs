//! The in-memory backend: a snapshot held in memory. It serves `cutover demo` and dry runs, and
//! lets front ends and executors be tested without any network.

use super::{Backend, BackendError, LoadOutcome, LoadStats, ProgressEvent, ProgressSink, Stage};
use crate::model::{Snapshot, SnapshotPart};

pub struct SimBackend {
    snapshot: Snapshot,
}

impl SimBackend {
    pub fn new(snapshot: Snapshot) -> Self {
        SimBackend { snapshot }
    }

    /// The part a stage finishes, as the live loader sends it (provisioning has none of its
    /// own: it completes the permission sets).
    fn part(&self, stage: Stage) -> Option<SnapshotPart> {
        let s = &self.snapshot;
        Some(match stage {
            Stage::Instance => SnapshotPart::Started {
                instance: s.instance.clone(),
                captured_at: s.captured_at,
            },
            Stage::Users => SnapshotPart::Users(s.users.clone()),
            Stage::Groups => SnapshotPart::Groups(s.groups.clone()),
            Stage::GroupMemberships => SnapshotPart::GroupMemberships(s.group_memberships.clone()),
            Stage::PermissionSets => SnapshotPart::PermissionSets(s.permission_sets.clone()),
            Stage::Accounts => SnapshotPart::Accounts(s.accounts.clone()),
            Stage::Provisioning => return None,
            Stage::AccountAssignments => {
                SnapshotPart::AccountAssignments(s.account_assignments.clone())
            }
            Stage::Applications => SnapshotPart::Applications(s.applications.clone()),
            Stage::ApplicationAssignments => {
                SnapshotPart::ApplicationAssignments(s.application_assignments.clone())
            }
        })
    }
}

impl Backend for SimBackend {
    async fn load(&self, progress: ProgressSink) -> Result<LoadOutcome, BackendError> {
        for stage in Stage::ALL {
            progress.send(ProgressEvent {
                stage,
                done: 1,
                total: Some(1),
                finished: true,
                calls: 0,
                throttles: 0,
            });
            if let Some(part) = progress.wants_parts().then(|| self.part(stage)).flatten() {
                progress.send_part(|| part);
            }
        }
        Ok(LoadOutcome {
            snapshot: self.snapshot.clone(),
            stats: LoadStats::default(),
        })
    }
}
