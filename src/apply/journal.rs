//! The apply journal: one JSON record per line, appended, flushed and fsynced before the next
//! step, mode 0600. It is the only state `apply` keeps: a rerun reads it to know what is done,
//! what failed and what is unknown.
//!
//! An operation's records, in order: `intent` (the request is about to be sent), `requested`
//! (AWS accepted it; the request id), `outcome`. A crash between them leaves an operation
//! *unknown*, which the next run settles against AWS before doing anything else.

use crate::model::{Action, PermissionSetArn, PrincipalType};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

#[cfg(unix)]
use std::os::unix::fs::OpenOptionsExt;

/// How an operation ended (in one run).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpStatus {
    /// The write succeeded.
    Succeeded,
    /// Nothing to write: the assignment was already there (create) or already gone (delete).
    AlreadyDone,
    Failed,
    /// Still IN_PROGRESS when the poll budget ran out: settled on the next run.
    Unknown,
    /// A delete not run because it would empty its (account, permission set) pair.
    HeldBack,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Record {
    RunStarted {
        at: DateTime<Utc>,
        run: u32,
        plan_checksum: String,
        instance_arn: String,
        cutover_version: String,
        /// Drift the user chose to apply over with `--force`, one line per principal.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        forced_drift: Vec<String>,
    },
    Intent {
        at: DateTime<Utc>,
        op: u32,
        action: Action,
    },
    Requested {
        at: DateTime<Utc>,
        op: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    Outcome {
        at: DateTime<Utc>,
        op: u32,
        status: OpStatus,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        #[serde(default)]
        polls: u32,
    },
    RunEnded {
        at: DateTime<Utc>,
        run: u32,
        interrupted: bool,
        done: usize,
        failed: usize,
        unknown: usize,
        held_back: usize,
        not_started: usize,
    },
    /// A permission-set operation (`ps_op`, 1-based among the plan's permission-set
    /// operations) is about to be sent.
    PermissionSetIntent {
        at: DateTime<Utc>,
        ps_op: u32,
        name: String,
    },
    /// AWS accepted it: the created permission set's ARN, or the provisioning's request id.
    PermissionSetRequested {
        at: DateTime<Utc>,
        ps_op: u32,
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        permission_set_arn: Option<PermissionSetArn>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    PermissionSetOutcome {
        at: DateTime<Utc>,
        ps_op: u32,
        name: String,
        status: OpStatus,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        permission_set_arn: Option<PermissionSetArn>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// `cutover cleanup` deleted a user or group, or tried to (its own journal; `apply` never
    /// writes or reads this record).
    PrincipalDeleted {
        at: DateTime<Utc>,
        principal_type: PrincipalType,
        principal_id: String,
        #[serde(default)]
        name: String,
        /// `succeeded`, `already_done` (it was gone already) or `failed`.
        status: OpStatus,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// A run of a directory command (`cutover user|group|directory ...`) started: its own
    /// journal, never mixed with an apply's.
    DirectoryRun {
        at: DateTime<Utc>,
        run: u32,
        /// What the run works from: a checksum of the changes file or the baseline and its
        /// options; a journal is resumed only with the same input.
        input_checksum: String,
        identity_store_id: String,
        cutover_version: String,
    },
    /// One directory request: `intent` before it is sent, then its outcome.
    DirectoryStep {
        at: DateTime<Utc>,
        /// The step's stable name, e.g. `create-user:ana.chen` (see `directory::Step::key`).
        key: String,
        stage: StepEvent,
        /// The id of the user, group or membership the step created or found.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
}

/// Where one directory request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepEvent {
    Intent,
    Succeeded,
    AlreadyDone,
    Failed,
}

impl Record {
    pub fn op(&self) -> Option<u32> {
        match self {
            Record::Intent { op, .. }
            | Record::Requested { op, .. }
            | Record::Outcome { op, .. } => Some(*op),
            Record::RunStarted { .. }
            | Record::RunEnded { .. }
            | Record::PrincipalDeleted { .. }
            | Record::PermissionSetIntent { .. }
            | Record::PermissionSetRequested { .. }
            | Record::PermissionSetOutcome { .. }
            | Record::DirectoryRun { .. }
            | Record::DirectoryStep { .. } => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot use the journal {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("journal {path} line {line} is not a cutover journal record ({detail}): it was edited or damaged. Move it aside to start a fresh journal; every write is checked against AWS before it is made, so nothing is done twice")]
    Corrupt {
        path: PathBuf,
        line: usize,
        detail: String,
    },
    #[error("journal {path} belongs to another plan (its plan checksum is {found}, this plan's is {expected}): pass the journal of this plan with --journal, or move it aside")]
    OtherPlan {
        path: PathBuf,
        found: String,
        expected: String,
    },
    #[error("journal {path} names operation {op}, which this plan does not have: it belongs to another plan")]
    UnknownOperation { path: PathBuf, op: u32 },
}

/// The records of a journal file, and whether its last line was cut off by a crash.
#[derive(Debug, Default)]
pub struct JournalContents {
    pub records: Vec<Record>,
    /// Bytes of a final line without its newline (a write interrupted by a crash): ignored,
    /// and cut off before the next record is appended.
    pub torn_tail: bool,
}

/// Reads a journal; a missing file is an empty journal.
pub fn read(path: &Path) -> Result<JournalContents, JournalError> {
    let io_error = |source| JournalError::Io {
        path: path.to_owned(),
        source,
    };
    let mut text = String::new();
    match File::open(path) {
        Ok(mut file) => {
            file.read_to_string(&mut text).map_err(io_error)?;
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(JournalContents::default()),
        Err(e) => return Err(io_error(e)),
    }
    let mut contents = JournalContents::default();
    let complete = match text.rfind('\n') {
        Some(end) => &text[..=end],
        None => "",
    };
    contents.torn_tail = complete.len() < text.len();
    for (index, line) in complete.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let record = serde_json::from_str(line).map_err(|e| JournalError::Corrupt {
            path: path.to_owned(),
            line: index + 1,
            detail: e.to_string(),
        })?;
        contents.records.push(record);
    }
    Ok(contents)
}

/// Appends records durably.
pub struct JournalWriter {
    path: PathBuf,
    file: File,
}

impl JournalWriter {
    /// Opens (or creates, mode 0600) the journal for appending; a torn last line is cut off.
    pub fn open(path: &Path) -> Result<JournalWriter, JournalError> {
        let io_error = |source| JournalError::Io {
            path: path.to_owned(),
            source,
        };
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true);
        #[cfg(unix)]
        options.mode(0o600);
        let mut file = options.open(path).map_err(io_error)?;
        let mut text = Vec::new();
        file.read_to_end(&mut text).map_err(io_error)?;
        let keep = text
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |end| end + 1);
        if keep < text.len() {
            file.set_len(keep as u64).map_err(io_error)?;
        }
        file.seek(SeekFrom::Start(keep as u64)).map_err(io_error)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(dir) = File::open(dir) {
                let _ = dir.sync_all();
            }
        }
        Ok(JournalWriter {
            path: path.to_owned(),
            file,
        })
    }

    /// Writes one record and waits until it is on disk.
    pub fn append(&mut self, record: &Record) -> Result<(), JournalError> {
        let mut line = serde_json::to_string(record).expect("journal records always serialize");
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(|source| JournalError::Io {
                path: self.path.clone(),
                source,
            })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The journal's default place: next to the plan, `<plan>.journal.jsonl`.
pub fn default_path(plan: &Path) -> PathBuf {
    let mut name = plan
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "plan".into());
    name.push(".journal.jsonl");
    plan.with_file_name(name)
}

/// Where one operation stands according to the journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpState {
    NotStarted,
    Done,
    Failed {
        code: Option<String>,
        message: Option<String>,
    },
    /// Sent (or maybe sent), outcome not known. With a request id the status can be asked.
    Unknown {
        request_id: Option<String>,
    },
    HeldBack,
}

/// What the journal says about every operation of one plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalState {
    pub ops: Vec<OpState>,
    pub runs: u32,
}

impl JournalState {
    pub fn fresh(operations: usize) -> Self {
        JournalState {
            ops: vec![OpState::NotStarted; operations],
            runs: 0,
        }
    }

    /// Replays `records` for a plan with `operations` operations and checksum `checksum`.
    pub fn replay(
        path: &Path,
        records: &[Record],
        operations: usize,
        checksum: &str,
    ) -> Result<JournalState, JournalError> {
        let mut state = JournalState::fresh(operations);
        for record in records {
            if let Record::RunStarted {
                plan_checksum, run, ..
            } = record
            {
                if plan_checksum != checksum {
                    return Err(JournalError::OtherPlan {
                        path: path.to_owned(),
                        found: plan_checksum.clone(),
                        expected: checksum.to_owned(),
                    });
                }
                state.runs = state.runs.max(*run);
                continue;
            }
            let Some(op) = record.op() else { continue };
            let slot = (op as usize)
                .checked_sub(1)
                .and_then(|i| state.ops.get_mut(i))
                .ok_or_else(|| JournalError::UnknownOperation {
                    path: path.to_owned(),
                    op,
                })?;
            *slot = match record {
                Record::Intent { .. } => OpState::Unknown { request_id: None },
                Record::Requested { request_id, .. } => match request_id {
                    Some(id) => OpState::Unknown {
                        request_id: Some(id.clone()),
                    },
                    // A synchronous write that was accepted is done.
                    None => OpState::Done,
                },
                Record::Outcome {
                    status,
                    request_id,
                    code,
                    message,
                    ..
                } => match status {
                    OpStatus::Succeeded | OpStatus::AlreadyDone => OpState::Done,
                    OpStatus::Failed => OpState::Failed {
                        code: code.clone(),
                        message: message.clone(),
                    },
                    OpStatus::Unknown => OpState::Unknown {
                        request_id: request_id.clone(),
                    },
                    OpStatus::HeldBack => OpState::HeldBack,
                },
                Record::RunStarted { .. }
                | Record::RunEnded { .. }
                | Record::PrincipalDeleted { .. }
                | Record::PermissionSetIntent { .. }
                | Record::PermissionSetRequested { .. }
                | Record::PermissionSetOutcome { .. }
                | Record::DirectoryRun { .. }
                | Record::DirectoryStep { .. } => unreachable!(),
            };
        }
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> DateTime<Utc> {
        crate::fixture::captured_at()
    }

    fn started(checksum: &str) -> Record {
        Record::RunStarted {
            at: at(),
            run: 1,
            plan_checksum: checksum.to_owned(),
            instance_arn: "arn".into(),
            cutover_version: "0".into(),
            forced_drift: Vec::new(),
        }
    }

    #[test]
    fn appended_records_read_back_and_the_file_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json.journal.jsonl");
        let mut journal = JournalWriter::open(&path).unwrap();
        journal.append(&started("sha256:a")).unwrap();
        journal
            .append(&Record::Intent {
                at: at(),
                op: 1,
                action: Action::Create,
            })
            .unwrap();
        let contents = read(&path).unwrap();
        assert_eq!(contents.records.len(), 2);
        assert!(!contents.torn_tail);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn a_line_torn_by_a_crash_is_ignored_then_cut_off_before_appending() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let mut journal = JournalWriter::open(&path).unwrap();
        journal.append(&started("sha256:a")).unwrap();
        drop(journal);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"event\":\"intent\",\"at\":\"2026")
            .unwrap();
        drop(file);
        let contents = read(&path).unwrap();
        assert!(contents.torn_tail);
        assert_eq!(contents.records.len(), 1);
        let mut journal = JournalWriter::open(&path).unwrap();
        journal
            .append(&Record::Intent {
                at: at(),
                op: 1,
                action: Action::Create,
            })
            .unwrap();
        let contents = read(&path).unwrap();
        assert!(!contents.torn_tail);
        assert_eq!(contents.records.len(), 2);
    }

    #[test]
    fn a_damaged_line_in_the_middle_is_refused_with_its_line_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let good = serde_json::to_string(&started("sha256:a")).unwrap();
        std::fs::write(
            &path,
            format!("{good}\n{{\"event\":\"teleport\"}}\n{good}\n"),
        )
        .unwrap();
        let error = read(&path).unwrap_err();
        assert!(
            matches!(error, JournalError::Corrupt { line: 2, .. }),
            "{error}"
        );
        assert!(error.to_string().contains("Move it aside"));
    }

    #[test]
    fn replay_follows_each_operation_to_its_last_record() {
        let path = Path::new("j");
        let records = vec![
            started("sha256:a"),
            Record::Intent {
                at: at(),
                op: 1,
                action: Action::Create,
            },
            Record::Requested {
                at: at(),
                op: 1,
                request_id: Some("r1".into()),
            },
            Record::Outcome {
                at: at(),
                op: 1,
                status: OpStatus::Succeeded,
                request_id: Some("r1".into()),
                code: None,
                message: None,
                polls: 2,
            },
            Record::Intent {
                at: at(),
                op: 2,
                action: Action::Create,
            },
            Record::Requested {
                at: at(),
                op: 2,
                request_id: Some("r2".into()),
            },
            Record::Intent {
                at: at(),
                op: 3,
                action: Action::Create,
            },
            Record::Outcome {
                at: at(),
                op: 4,
                status: OpStatus::Failed,
                request_id: None,
                code: Some("AccessDeniedException".into()),
                message: Some("no".into()),
                polls: 0,
            },
        ];
        let state = JournalState::replay(path, &records, 5, "sha256:a").unwrap();
        assert_eq!(
            state.ops,
            vec![
                OpState::Done,
                OpState::Unknown {
                    request_id: Some("r2".into())
                },
                OpState::Unknown { request_id: None },
                OpState::Failed {
                    code: Some("AccessDeniedException".into()),
                    message: Some("no".into())
                },
                OpState::NotStarted,
            ]
        );
        assert!(matches!(
            JournalState::replay(path, &records, 5, "sha256:b"),
            Err(JournalError::OtherPlan { .. })
        ));
        assert!(matches!(
            JournalState::replay(path, &records, 3, "sha256:a"),
            Err(JournalError::UnknownOperation { op: 4, .. })
        ));
    }
}
