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
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = crate::fsio::create_private_dir_all(dir);
    }
    // A link planted at the log's name (in a shared or world-writable state directory) would
    // make cutover append to someone else's file.
    if fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(format!(
            "the log file {} is a symlink; remove it or pass --log-file",
            path.display()
        ));
    }
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    options.mode(0o600);
    let file = options
        .open(&path)
        .map_err(|e| format!("cannot open log file {}: {e}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // A log that existed before keeps its mode otherwise.
        let _ = file.set_permissions(fs::Permissions::from_mode(0o600));
    }
    let filter = tracing_subscriber::EnvFilter::try_from_env("CUTOVER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Mutex::new(Redacting(file)))
        .with_ansi(false)
        .init();
    Ok(Some(path))
}

/// A log writer that never lets an AWS access key id through, at any level: the SDK's debug
/// lines print credentials with the key id in clear (the secret and token are redacted by the
/// SDK itself). The formatter writes one whole line per call, so a line is redacted whole.
struct Redacting<W>(W);

impl<W: std::io::Write> std::io::Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::str::from_utf8(buf) {
            Ok(text) => self.0.write_all(redact_key_ids(text).as_bytes())?,
            Err(_) => self.0.write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

const REDACTED: &str = "** redacted **";

/// `text` with every access key id replaced: the value of an `access_key_id` field (Debug or
/// JSON style), and anything shaped like a key id (AKIA/ASIA and 16 upper-case letters/digits).
pub fn redact_key_ids(text: &str) -> std::borrow::Cow<'_, str> {
    const FIELD: &str = "access_key_id";
    let has_field = text.contains(FIELD);
    let has_shape = key_id_at(text).is_some();
    if !has_field && !has_shape {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // Field values: `access_key_id: "X"`, `access_key_id="X"`, `"access_key_id":"X"`.
    while let Some(at) = rest.find(FIELD) {
        let (before, after) = rest.split_at(at + FIELD.len());
        out.push_str(before);
        let value_start = after
            .find(|c: char| !matches!(c, '"' | ':' | '=' | ' '))
            .unwrap_or(after.len());
        let skip = if after[value_start..].starts_with("Some(\"") {
            value_start + 6
        } else {
            value_start
        };
        out.push_str(&after[..skip]);
        let value = &after[skip..];
        let value_end = value
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(value.len());
        if value_end > 0 {
            out.push_str(REDACTED);
        }
        rest = &value[value_end..];
    }
    out.push_str(rest);
    // Bare key ids anywhere else.
    while let Some(start) = key_id_at(&out) {
        out.replace_range(start..start + 20, REDACTED);
    }
    std::borrow::Cow::Owned(out)
}

fn key_id_at(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(19)).find(|&i| {
        matches!(&bytes[i..i + 4], b"AKIA" | b"ASIA")
            && bytes[i + 4..i + 20]
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_never_reach_the_log() {
        let line = r#"Credentials { provider_name: "Environment", access_key_id: "AKIASECRETTESTKEYID1", secret_access_key: "** redacted **" }"#;
        let out = redact_key_ids(line);
        assert!(!out.contains("AKIASECRETTESTKEYID1"), "{out}");
        assert!(out.contains(r#"access_key_id: "** redacted **""#), "{out}");
        let out = redact_key_ids(r#"access_key_id: Some("testing")"#);
        assert_eq!(out, r#"access_key_id: Some("** redacted **")"#);
        let out = redact_key_ids("moto key access_key_id=testing and ASIAABCDEFGHIJKLMNOP here");
        assert!(
            !out.contains("testing") && !out.contains("ASIAABCDEFGHIJKLMNOP"),
            "{out}"
        );
        assert_eq!(redact_key_ids("nothing to hide"), "nothing to hide");
    }
}
