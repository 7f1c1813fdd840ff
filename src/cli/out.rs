//! Every line the commands print goes through here: made inert (no raw control character
//! reaches the terminal, whatever a name holds; see [`crate::text`]), and written without
//! panicking when the reader went away (`cutover verify … 2>&1 | head`), so that a command
//! exits with its own code whatever happened to its stdout or stderr.

use crate::text;
use std::io::{self, Write};

/// Writes `text` to stdout. A closed pipe is not an error worth reporting; the command's exit
/// code still says how it went.
pub fn stdout(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match out
        .write_all(text::inert_lines(text).as_bytes())
        .and_then(|()| out.flush())
    {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        result => result,
    }
}

/// Writes `text` to stderr, ignoring any failure: there is nowhere left to report it.
pub fn stderr(text: &str) {
    let mut err = io::stderr().lock();
    let _ = err
        .write_all(text::inert_lines(text).as_bytes())
        .and_then(|()| err.flush());
}

/// `println!` for the commands: inert, and never a panic on a closed stdout.
#[macro_export]
macro_rules! outln {
    () => { let _ = $crate::cli::out::stdout("\n"); };
    ($($arg:tt)*) => {{
        let mut line = format!($($arg)*);
        line.push('\n');
        let _ = $crate::cli::out::stdout(&line);
    }};
}

/// `print!` for the commands (a prompt): inert, and never a panic on a closed stdout.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {{
        let _ = $crate::cli::out::stdout(&format!($($arg)*));
    }};
}

/// `eprintln!` for the commands: inert, and never a panic on a closed stderr.
#[macro_export]
macro_rules! errln {
    () => { $crate::cli::out::stderr("\n"); };
    ($($arg:tt)*) => {{
        let mut line = format!($($arg)*);
        line.push('\n');
        $crate::cli::out::stderr(&line);
    }};
}
