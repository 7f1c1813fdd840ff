//! Files that hold people's data: written atomically (temp file in the same directory, fsync,
//! rename, fsync the directory) with mode 0600, so a crash or a failure never leaves a partial
//! file under the final name and nobody else on the machine can read it.

use crate::model::Snapshot;
use anyhow::{bail, Context};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

#[cfg(unix)]
use std::os::unix::fs::OpenOptionsExt;

/// Writes `contents` to `path` atomically with mode 0600.
pub fn write_private_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
    let temp = dir.join(format!(
        ".{}.tmp-{}",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let result = write_and_sync(&temp, contents).and_then(|()| fs::rename(&temp, path));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
        return result;
    }
    // The rename is durable only once the directory entry is on disk.
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Appends `contents` to `path` (a log), creating it with mode 0600; one `write` per call so
/// that a line is never split by another writer, then fsync.
pub fn append_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_data()
}

/// Reads and parses a snapshot file, naming the file in every error.
pub fn read_snapshot(path: &Path) -> anyhow::Result<Snapshot> {
    let text = fs::read_to_string(path)
        .with_context(|| format!("cannot read the snapshot file {}", path.display()))?;
    Snapshot::from_json(&text)
        .with_context(|| format!("cannot use {} as a snapshot", path.display()))
}

/// Fails before a long load, not after it, when `output` could not be written anyway.
pub fn check_output_path(output: &Path) -> anyhow::Result<()> {
    let dir = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        bail!(
            "the directory for --output does not exist: {} (create it first)",
            dir.display()
        );
    }
    if output.is_dir() {
        bail!("--output {} is a directory; name a file", output.display());
    }
    Ok(())
}

fn write_and_sync(temp: &Path, contents: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(temp)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_with_mode_0600_and_replaces_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snap.json");
        write_private_atomic(&path, b"one").unwrap();
        write_private_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temp file may remain");
    }

    #[test]
    fn refuses_an_output_in_a_missing_directory_or_a_directory() {
        let err = check_output_path(Path::new("/nonexistent-dir/x.json")).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let err = check_output_path(dir.path()).unwrap_err();
        assert!(err.to_string().contains("is a directory"), "{err}");
    }

    #[test]
    fn failure_leaves_nothing_under_the_final_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-dir").join("snap.json");
        assert!(write_private_atomic(&path, b"x").is_err());
        assert!(!path.exists());
    }
}
