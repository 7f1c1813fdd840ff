//! Files that hold people's data: written atomically (temp file in the same directory, fsync,
//! rename, fsync the directory) with mode 0600, so a crash or a failure never leaves a partial
//! file under the final name and nobody else on the machine can read it.
//!
//! Some files cannot be taken again (a baseline after the identity-source switch, a mapping
//! that holds hours of decisions, a journal): [`check_output`] refuses to replace an existing
//! one without `--force`, refuses an output that is one of the command's own inputs, and
//! refuses anything that is not a regular file (a device, a FIFO). An output path that is a
//! symlink to a regular file is written through: the link stays, its target is replaced.
//! Directories cutover creates are 0700 whatever the umask ([`create_private_dir_all`]).

use crate::model::Snapshot;
use anyhow::{bail, Context};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

#[cfg(unix)]
use std::os::unix::fs::OpenOptionsExt;

/// Writes `contents` to `path` atomically with mode 0600. A symlink is followed to the regular
/// file it names; anything else that is not a regular file (a device, a FIFO) is refused rather
/// than replaced.
pub fn write_private_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    let target = write_target(path)?;
    let path = target.as_path();
    let (dir, temp) = temp_path(path)?;
    let result = write_and_sync(&temp, contents).and_then(|()| fs::rename(&temp, path));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
        return result;
    }
    sync_dir(&dir);
    Ok(())
}

/// Writes `contents` to `path` atomically with mode 0600, only if nothing is there yet
/// (`AlreadyExists` otherwise): the file appears complete or not at all, and never replaces
/// another.
pub fn write_private_new(path: &Path, contents: &[u8]) -> io::Result<()> {
    let (dir, temp) = temp_path(path)?;
    // A hard link fails when the name exists, atomically; the temp name is then dropped.
    let result = write_and_sync(&temp, contents).and_then(|()| fs::hard_link(&temp, path));
    let _ = fs::remove_file(&temp);
    result?;
    sync_dir(&dir);
    Ok(())
}

/// Writes `contents` to a new file named like `path` (atomically, mode 0600): `path` itself,
/// or when that exists `<stem>-2.<ext>`, `<stem>-3.<ext>`…; never replaces a file. Returns the
/// name used.
pub fn write_private_unique(path: &Path, contents: &[u8]) -> io::Result<PathBuf> {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let extension = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    for n in 1..=1000 {
        let candidate = if n == 1 {
            path.to_path_buf()
        } else {
            path.with_file_name(format!("{stem}-{n}{extension}"))
        };
        match write_private_new(&candidate, contents) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
            Ok(()) => return Ok(candidate),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "a thousand files of that name exist already",
    ))
}

/// Creates `dir` and its missing parents with mode 0700 (the umask can only remove bits).
pub fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Where a write of `path` lands: `path`, or the regular file a symlink at `path` names.
fn write_target(path: &Path) -> io::Result<PathBuf> {
    let not_regular = |what: &str| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{what} is not a regular file (a device, a pipe or a socket); name a file"),
        )
    };
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(path.to_path_buf()),
        Err(e) => Err(e),
        Ok(meta) if meta.file_type().is_symlink() => match fs::metadata(path) {
            Ok(target) if target.is_file() => fs::canonicalize(path),
            Ok(_) => Err(not_regular("the file the symlink names")),
            // A dangling link: creating its target is not what anyone asked for.
            Err(_) => Err(io::Error::new(
                io::ErrorKind::NotFound,
                "the symlink names a file that does not exist; name a file",
            )),
        },
        Ok(meta) if meta.is_file() => Ok(path.to_path_buf()),
        Ok(meta) if meta.is_dir() => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "it is a directory; name a file",
        )),
        Ok(_) => Err(not_regular("it")),
    }
}

fn temp_path(path: &Path) -> io::Result<(PathBuf, PathBuf)> {
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
    Ok((dir, temp))
}

/// A rename or link is durable only once the directory entry is on disk.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
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

/// Reads a mapping file as text; a file that is not UTF-8 is refused naming its line. A
/// missing file keeps its `NotFound` kind (the mapping screen starts a new file then).
pub fn read_mapping_text(path: &Path) -> io::Result<String> {
    let bytes = fs::read(path)?;
    crate::mapping::file::decode(bytes)
        .map_err(|message| io::Error::new(io::ErrorKind::InvalidData, message))
}

/// Fails before a long load, not after it, when `output` could not be written anyway (a
/// report: replacing an earlier one is fine).
pub fn check_output_path(output: &Path) -> anyhow::Result<()> {
    check_output(&Output::replaceable("--output", output), &[])
}

/// An output a command is about to write, and whether an existing file there may be replaced.
pub struct Output<'a> {
    /// The flag that names it, for messages (`--output`, `--review`).
    pub flag: &'a str,
    pub path: &'a Path,
    /// `Some(what)` for a file that cannot be taken again ("snapshot", "plan"): an existing
    /// one is replaced only with `--force`. `None` for a report, replaced freely.
    pub irreplaceable: Option<&'a str>,
    pub force: bool,
}

impl<'a> Output<'a> {
    pub fn replaceable(flag: &'a str, path: &'a Path) -> Self {
        Output {
            flag,
            path,
            irreplaceable: None,
            force: false,
        }
    }
}

/// Checks an output before any work: its directory exists; it is a regular file (or a symlink
/// to one) if it exists; it is none of `inputs` (the same file by device and inode, whatever
/// the path); and an existing irreplaceable file is replaced only with `--force`.
pub fn check_output(output: &Output<'_>, inputs: &[(&str, &Path)]) -> anyhow::Result<()> {
    let Output {
        flag,
        path,
        irreplaceable,
        force,
    } = *output;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => bail!(
            "{flag} {}: {} is not a directory",
            path.display(),
            dir.display()
        ),
        Err(_) => bail!(
            "the directory for {flag} does not exist: {} (create it first)",
            dir.display()
        ),
    }
    let target =
        write_target(path).map_err(|e| anyhow::anyhow!("{flag} {}: {e}", path.display()))?;
    let Ok(meta) = fs::metadata(&target) else {
        return Ok(()); // nothing there yet
    };
    for (input_flag, input) in inputs {
        if let Ok(input_meta) = fs::metadata(input) {
            if same_file(&meta, &input_meta) {
                bail!(
                    "{flag} {} is the same file as {input_flag} {}: writing it would destroy that input; name another file",
                    path.display(),
                    input.display()
                );
            }
        }
    }
    if let (Some(what), false) = (irreplaceable, force) {
        bail!(
            "{flag} {} exists and holds a {what} that may not be possible to take again; name a new file, or pass --force to replace it",
            path.display()
        );
    }
    Ok(())
}

/// Two outputs of one command must be two files (`plan -o p.json --review p.json`).
pub fn check_distinct_outputs(a: &Output<'_>, b: &Output<'_>) -> anyhow::Result<()> {
    let resolve = |p: &Path| -> PathBuf {
        let dir = match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let dir = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        match p.file_name() {
            Some(name) => fs::canonicalize(dir.join(name)).unwrap_or_else(|_| dir.join(name)),
            None => dir,
        }
    };
    if resolve(a.path) == resolve(b.path) {
        bail!(
            "{} and {} name the same file {}: name two files",
            a.flag,
            b.flag,
            a.path.display()
        );
    }
    Ok(())
}

#[cfg(unix)]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &fs::Metadata, _: &fs::Metadata) -> bool {
    false
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
    fn new_files_never_replace_one_and_unique_names_count_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.csv");
        write_private_new(&path, b"first").unwrap();
        let err = write_private_new(&path, b"second").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&path).unwrap(), b"first");
        let second = write_private_unique(&path, b"second").unwrap();
        assert_eq!(second, dir.path().join("export-2.csv"));
        assert_eq!(fs::read(&path).unwrap(), b"first");
        assert_eq!(fs::read(&second).unwrap(), b"second");
        let leftovers = fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 2, "no temp file may remain");
    }

    #[test]
    fn outputs_refuse_inputs_existing_irreplaceable_files_and_devices() {
        let dir = tempfile::tempdir().unwrap();
        let baseline = dir.path().join("baseline.json");
        fs::write(&baseline, "{}").unwrap();
        let inputs = [("--baseline", baseline.as_path())];
        fn plan(path: &Path, force: bool) -> Output<'_> {
            Output {
                flag: "--output",
                path,
                irreplaceable: Some("plan"),
                force,
            }
        }
        // The input itself, by another path (a hard link): refused even with --force.
        let err = check_output(&plan(&baseline, true), &inputs).unwrap_err();
        assert!(err.to_string().contains("same file as --baseline"), "{err}");
        let link = dir.path().join("hard-link.json");
        fs::hard_link(&baseline, &link).unwrap();
        let err = check_output(&plan(&link, true), &inputs).unwrap_err();
        assert!(err.to_string().contains("same file as --baseline"), "{err}");
        // An existing plan: only with --force.
        let existing = dir.path().join("plan.json");
        fs::write(&existing, "old").unwrap();
        let err = check_output(&plan(&existing, false), &inputs).unwrap_err();
        assert!(err.to_string().contains("pass --force"), "{err}");
        check_output(&plan(&existing, true), &inputs).unwrap();
        check_output(&plan(&dir.path().join("new.json"), false), &inputs).unwrap();
        // Not a regular file: refused, and the write refuses it too.
        let dev_null = Path::new("/dev/null");
        let err = check_output(&Output::replaceable("--output", dev_null), &[]).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        assert!(write_private_atomic(dev_null, b"x").is_err());
        // A file inside a file.
        let err = check_output_path(&baseline.join("x.csv")).unwrap_err();
        assert!(err.to_string().contains("is not a directory"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_written_through_to_regular_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target.csv");
        fs::write(&target, "old").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_private_atomic(&link, b"new").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(&target).unwrap(), b"new");
        let to_device = dir.path().join("null.csv");
        std::os::unix::fs::symlink("/dev/null", &to_device).unwrap();
        assert!(write_private_atomic(&to_device, b"x").is_err());
        assert!(fs::symlink_metadata(&to_device)
            .unwrap()
            .file_type()
            .is_symlink());
    }

    #[cfg(unix)]
    #[test]
    fn created_directories_are_private_whatever_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("state").join("cutover");
        create_private_dir_all(&nested).unwrap();
        for d in [dir.path().join("state"), nested] {
            let mode = fs::metadata(&d).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode & 0o077, 0, "{} is {mode:o}", d.display());
        }
    }

    #[test]
    fn failure_leaves_nothing_under_the_final_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-dir").join("snap.json");
        assert!(write_private_atomic(&path, b"x").is_err());
        assert!(!path.exists());
    }
}
