//! Logs go to a file, never to the terminal: the terminal belongs to the progress display now
//! and to the TUI later.

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[cfg(unix)]
use std::os::unix::fs::OpenOptionsExt;

/// `$XDG_STATE_HOME/cutover/cutover.log`, else `~/.local/state/cutover/cutover.log`.
pub fn default_log_path() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(state.join("cutover").join("cutover.log"))
}

/// Starts logging to `path` (level from `CUTOVER_LOG`, default `info`). Failing to open the
/// log is not fatal: the command still runs, and says where the log could not be written.
pub fn init(path: Option<&Path>) -> Result<Option<PathBuf>, String> {
    let Some(path) = path.map(Path::to_path_buf).or_else(default_log_path) else {
        return Ok(None);
    };
    if let Some(dir) = path.parent() {
        let _ = fs::create_dir_all(dir);
    }
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    options.mode(0o600);
    let file = options
        .open(&path)
        .map_err(|e| format!("cannot open log file {}: {e}", path.display()))?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("CUTOVER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .init();
    Ok(Some(path))
}
