//! End to end: the real binary in a pseudo-terminal, read through a VT100 parser the way a
//! person's terminal would show it. Opens the demo, switches panes, filters, drills down and
//! quits, and checks the terminal is given back.

use portable_pty::{native_pty_system, CommandBuilder, PtySize};
use std::io::{Read, Write};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The terminal as a person sees it; the reader thread feeds it and signals every update.
struct Screen {
    parser: Mutex<vt100::Parser>,
    updated: Condvar,
}

impl Screen {
    /// Waits (woken by each output chunk) until the screen shows `needle`, up to 20 s.
    fn wait_for(&self, needle: &str) -> String {
        self.wait_until(needle, true)
    }

    /// Waits until `needle` is gone from the screen.
    fn wait_gone(&self, needle: &str) -> String {
        self.wait_until(needle, false)
    }

    fn wait_until(&self, needle: &str, shown: bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut parser = self.parser.lock().unwrap();
        loop {
            let text = parser.screen().contents();
            if text.contains(needle) == shown {
                return text;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "waiting for {needle:?} to be shown={shown}; the screen shows:\n{text}"
            );
            parser = self.updated.wait_timeout(parser, left).unwrap().0;
        }
    }
}

#[test]
fn demo_navigate_filter_drill_down_and_quit() {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 30,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("open a pseudo-terminal");
    let dir = tempfile::tempdir().unwrap();
    let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_cutover"));
    command.args(["demo", "--log-file"]);
    command.arg(dir.path().join("tui.log"));
    command.env("TERM", "xterm-256color");
    command.cwd(dir.path());
    let mut child = pty
        .slave
        .spawn_command(command)
        .expect("start cutover demo");
    drop(pty.slave);
    // A TUI that ignores its quit key must fail this test, not hang it.
    let (finished, watchdog) = std::sync::mpsc::channel::<()>();
    let mut killer = child.clone_killer();
    std::thread::spawn(move || {
        if watchdog.recv_timeout(Duration::from_secs(60)).is_err() {
            let _ = killer.kill();
        }
    });

    let screen = Arc::new(Screen {
        parser: Mutex::new(vt100::Parser::new(30, 120, 0)),
        updated: Condvar::new(),
    });
    let mut reader = pty.master.try_clone_reader().unwrap();
    let feed = screen.clone();
    let reading = std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            feed.parser.lock().unwrap().process(&buf[..n]);
            feed.updated.notify_all();
        }
    });
    let mut keys = pty.master.take_writer().unwrap();
    let mut send = |text: &str| {
        keys.write_all(text.as_bytes()).unwrap();
        keys.flush().unwrap();
    };

    let first = screen.wait_for("Users (581)");
    assert!(first.contains("demo organization"), "{first}");

    send("2");
    screen.wait_for("Groups (80)");
    send("/platform");
    let filtered = screen.wait_for("filter: platform");
    assert!(filtered.contains("aws-platform"), "{filtered}");
    send("\r\r");
    let detail = screen.wait_for("Groups › ");
    assert!(detail.contains("MEMBERS ("), "{detail}");
    send("\x1b");
    screen.wait_gone("Groups › ");
    send("?");
    screen.wait_for("Keys (esc closes)");
    // A lone ESC followed at once by a key reads as Alt+key: let the ESC land first.
    send("\x1b");
    screen.wait_gone("Keys (esc closes)");
    send("q");

    let status = child.wait().expect("cutover exits");
    let _ = finished.send(());
    assert!(status.success(), "{status:?}");
    drop(pty.master);
    let _ = reading.join();
    let parser = screen.parser.lock().unwrap();
    assert!(
        !parser.screen().alternate_screen(),
        "the terminal must be back on the main screen"
    );
}
