//! One writer per file: an exclusive lock held for a whole run on a journal (apply, cleanup) or
//! on the mapping file the TUI autosaves. Two runs of one plan would otherwise send every write
//! twice and interleave their journal lines.
//!
//! The lock is an OS file lock (`flock`) on `<file>.lock`, which also holds who took it (pid,
//! host, since when) for the refusal message. The OS drops the lock when its process ends,
//! however it ends: a lock file left by a killed process is therefore not held, and the next
//! run takes it over (and says so). The lock file is emptied, not removed, on release: removing
//! it could let two processes lock two different files of one name.

use chrono::{DateTime, Utc};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

#[cfg(unix)]
use std::os::unix::fs::OpenOptionsExt;

/// Held for as long as the run that took it; released (and the lock file emptied) on drop.
#[derive(Debug)]
pub struct RunLock {
    file: File,
    path: PathBuf,
    /// The holder before this one, when it ended without releasing (a killed process).
    pub taken_over: Option<Holder>,
}

/// Who holds (or held) a lock, as its lock file says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    pub pid: u32,
    pub host: String,
    pub since: Option<DateTime<Utc>>,
    pub what: String,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (pid {} on {}",
            crate::text::Inert(&self.what),
            self.pid,
            crate::text::Inert(&self.host)
        )?;
        if let Some(since) = self.since {
            write!(f, ", since {}", since.format("%Y-%m-%d %H:%M:%S UTC"))?;
        }
        write!(f, ")")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{file} is in use by another cutover: {holder}. Wait for it to finish (or stop it), then run again; two runs at once would repeat writes")]
    Held { file: String, holder: String },
    #[error("cannot lock {file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
}

/// The lock file that guards `file`.
pub fn lock_path(file: &Path) -> PathBuf {
    let mut name = file
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".lock");
    file.with_file_name(name)
}

impl RunLock {
    /// Takes the lock on `file` for `what` (e.g. "cutover apply"), or says who holds it.
    pub fn acquire(file: &Path, what: &str) -> Result<RunLock, LockError> {
        let path = lock_path(file);
        let io = |source| LockError::Io {
            file: file.display().to_string(),
            source,
        };
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        options.mode(0o600);
        let mut lock_file = options.open(&path).map_err(io)?;
        match lock_file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = read_holder(&mut lock_file)
                    .map(|h| h.to_string())
                    .unwrap_or_else(|| "a process that has not said who it is yet".to_owned());
                return Err(LockError::Held {
                    file: file.display().to_string(),
                    holder,
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        let taken_over = read_holder(&mut lock_file);
        let me = Holder {
            pid: std::process::id(),
            host: host_name(),
            since: Some(Utc::now()),
            what: what.to_owned(),
        };
        let record = format!(
            "pid={}\nhost={}\nsince={}\nwhat={}\n",
            me.pid,
            me.host,
            me.since.map(|s| s.to_rfc3339()).unwrap_or_default(),
            me.what
        );
        lock_file
            .set_len(0)
            .and_then(|()| lock_file.seek(SeekFrom::Start(0)).map(|_| ()))
            .and_then(|()| lock_file.write_all(record.as_bytes()))
            .and_then(|()| lock_file.sync_data())
            .map_err(io)?;
        Ok(RunLock {
            file: lock_file,
            path,
            taken_over,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // Emptied while still locked: an empty lock file means "released cleanly".
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

fn read_holder(file: &mut File) -> Option<Holder> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.take(4096).read_to_string(&mut text).ok()?;
    let field = |key: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
            .map(str::to_owned)
    };
    Some(Holder {
        pid: field("pid")?.parse().ok()?,
        host: field("host").unwrap_or_default(),
        since: field("since").and_then(|s| DateTime::parse_from_rfc3339(&s).ok().map(Into::into)),
        what: field("what").unwrap_or_else(|| "cutover".to_owned()),
    })
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "this host".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_naming_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("plan.json.journal.jsonl");
        let first = RunLock::acquire(&journal, "cutover apply").unwrap();
        assert_eq!(first.taken_over, None);
        let err = RunLock::acquire(&journal, "cutover apply").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(&format!("pid {}", std::process::id())),
            "{text}"
        );
        assert!(text.contains("since "), "{text}");
        assert!(text.contains("in use by another cutover"), "{text}");
        drop(first);
        let again = RunLock::acquire(&journal, "cutover apply").unwrap();
        assert_eq!(again.taken_over, None, "a released lock is not stale");
    }

    #[test]
    fn a_lock_left_by_a_dead_process_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("j.jsonl");
        // What a killed process leaves: its record in the lock file, and no OS lock.
        std::fs::write(
            lock_path(&journal),
            "pid=4242\nhost=old-host\nsince=2026-12-07T10:00:00Z\nwhat=cutover apply\n",
        )
        .unwrap();
        let lock = RunLock::acquire(&journal, "cutover apply").unwrap();
        let stale = lock
            .taken_over
            .clone()
            .expect("the stale holder is reported");
        assert_eq!(stale.pid, 4242);
        assert_eq!(stale.host, "old-host");
    }
}
