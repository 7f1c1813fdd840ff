//! End to end: the real binary in a pseudo-terminal, read through a VT100 parser the way a
//! person's terminal would show it. Opens the demo, switches panes, filters, drills down and
//! quits, and checks the terminal is given back.

use crate::pty;

use portable_pty::CommandBuilder;
use pty::PtyRun;
use std::time::Duration;

#[test]
fn demo_navigate_filter_drill_down_and_quit() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_cutover"));
    command.args(["demo", "--log-file"]);
    command.arg(dir.path().join("tui.log"));
    command.cwd(dir.path());
    let mut run = PtyRun::start(command, Duration::from_secs(20), Duration::from_secs(60));

    let first = run.wait_for("Users (581)");
    assert!(first.contains("demo organization"), "{first}");

    run.send("2");
    run.wait_for("Groups (80)");
    run.send("/platform");
    let filtered = run.wait_for("filter: platform");
    assert!(filtered.contains("aws-platform"), "{filtered}");
    run.send("\r\r");
    let detail = run.wait_for("Groups › ");
    assert!(detail.contains("MEMBERS ("), "{detail}");
    run.send("\x1b");
    run.wait_gone("Groups › ");
    run.send("?");
    run.wait_for("Keys (esc closes)");
    // A lone ESC followed at once by a key reads as Alt+key: let the ESC land first.
    run.send("\x1b");
    run.wait_gone("Keys (esc closes)");
    run.send("q");

    let ended = run.end();
    assert!(ended.status.success(), "{:?}", ended.status);
    assert!(
        !ended.alternate_screen,
        "the terminal must be back on the main screen"
    );
}
