//! The edges of the binary (issue 10): hostile names through every command and format, the
//! refusals that protect irreplaceable files, strict input, and clean failure (exit codes with
//! stdout or stderr closed, no terminal, no credentials, bad flag values). No emulator.

use cutover::fixture::hostile::{
    assert_csv_inert, assert_markdown_inert, assert_terminal_inert, hostile_demo,
};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn cutover_in(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cutover"));
    command
        .current_dir(dir)
        .arg("--log-file")
        .arg(dir.join("cutover.log"))
        .stdin(Stdio::null());
    command
}

fn run(dir: &Path, args: &[&str]) -> Output {
    cutover_in(dir).args(args).output().expect("run cutover")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

struct Hostile {
    dir: tempfile::TempDir,
}

impl Hostile {
    fn new() -> Self {
        let (org, mapping) = hostile_demo();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.json"), org.baseline.to_json()).unwrap();
        std::fs::write(dir.path().join("c.json"), org.current.to_json()).unwrap();
        std::fs::write(
            dir.path().join("m.csv"),
            cutover::mapping::file::render(&mapping, &org.baseline, &org.current),
        )
        .unwrap();
        Hostile { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn ok(&self, args: &[&str]) -> Output {
        let out = run(self.path(), args);
        assert!(
            out.status.success(),
            "{args:?}: {}\n{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        assert_terminal_inert(&format!("stderr of {args:?}"), &text(&out.stderr));
        out
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join(name)).unwrap()
    }
}

#[test]
fn hostile_names_stay_inert_through_every_command_and_format() {
    let h = Hostile::new();
    for snapshot in ["b.json", "c.json"] {
        let all = ["--include-no-access", "--include-orphans"];
        let csv = h.ok(&[
            &["audit", "--snapshot", snapshot, "--format", "csv"][..],
            &all,
        ]
        .concat());
        let csv = text(&csv.stdout);
        assert!(csv.contains("HYPERLINK"), "the names reach the report");
        assert_csv_inert("audit csv (stdout)", &csv);
        let md = h.ok(&[
            &["audit", "--snapshot", snapshot, "--format", "md"][..],
            &all,
        ]
        .concat());
        assert_markdown_inert("audit md (stdout)", &text(&md.stdout));
        let json = h.ok(&[
            &["audit", "--snapshot", snapshot, "--format", "json"][..],
            &all,
        ]
        .concat());
        assert_terminal_inert("audit json (stdout)", &text(&json.stdout));
        for (format, file) in [("csv", "a.csv"), ("md", "a.md"), ("json", "a.json")] {
            let out = h.ok(&[
                "audit",
                "--snapshot",
                snapshot,
                "--format",
                format,
                "-o",
                file,
            ]);
            assert_terminal_inert("audit -o stdout", &text(&out.stdout));
        }
        assert_csv_inert("audit csv file", &h.file("a.csv"));
        assert_markdown_inert("audit md file", &h.file("a.md"));
        assert_terminal_inert("audit json file", &h.file("a.json"));
    }
    let plan = h.ok(&[
        "plan",
        "--baseline",
        "b.json",
        "--current",
        "c.json",
        "--mapping",
        "m.csv",
        "--retire-old",
        "--allow-role-deletion",
        "-o",
        "p.json",
        "--review",
        "p.md",
    ]);
    let summary = text(&plan.stdout);
    assert_terminal_inert("plan summary", &summary);
    assert!(
        summary.contains("\\u{1b}"),
        "escapes are shown, visibly: {summary}"
    );
    assert_markdown_inert("plan review", &h.file("p.md"));
    assert_terminal_inert("plan json", &h.file("p.json"));
    h.ok(&[
        "plan",
        "--baseline",
        "b.json",
        "--current",
        "c.json",
        "--mapping",
        "m.csv",
        "--retire-old",
        "-o",
        "p2.md",
        "--format",
        "md",
    ]);
    assert_markdown_inert("plan --format md", &h.file("p2.md"));
    // verify exits 1 (nothing applied yet) and lists what remains, by name.
    let verify = run(h.path(), &["verify", "p.json", "--current", "c.json"]);
    assert_eq!(verify.status.code(), Some(1), "{}", text(&verify.stderr));
    assert_terminal_inert("verify stdout", &text(&verify.stdout));
    assert_terminal_inert("verify stderr", &text(&verify.stderr));
    let cleanup = h.ok(&[
        "cleanup",
        "--mapping",
        "m.csv",
        "--baseline",
        "b.json",
        "--current",
        "c.json",
        "--dry-run",
        "--include-with-access",
    ]);
    assert_terminal_inert("cleanup", &text(&cleanup.stdout));
    // The mapping file cutover writes reads back; its names are no formulas.
    assert_csv_inert("mapping", &h.file("m.csv"));
}

#[test]
fn outputs_that_would_destroy_a_file_are_refused() {
    let h = Hostile::new();
    let plan = |output: &str, extra: &[&str]| {
        let mut args = vec![
            "plan",
            "--baseline",
            "b.json",
            "--current",
            "c.json",
            "--mapping",
            "m.csv",
            "-o",
            output,
        ];
        args.extend(extra);
        run(h.path(), &args)
    };
    for (output, flag) in [
        ("b.json", "--baseline"),
        ("m.csv", "--mapping"),
        ("c.json", "--current"),
    ] {
        let before = h.file(output);
        let out = plan(output, &["--force"]);
        assert_eq!(out.status.code(), Some(1));
        let stderr = text(&out.stderr);
        assert!(stderr.contains(&format!("same file as {flag}")), "{stderr}");
        assert_eq!(h.file(output), before, "the input is intact");
    }
    let out = plan("p.json", &["--review", "p.json"]);
    assert!(
        text(&out.stderr).contains("name the same file"),
        "{}",
        text(&out.stderr)
    );
    let out = plan("p.json", &["--review", "b.json"]);
    assert!(
        text(&out.stderr).contains("same file as --baseline"),
        "{}",
        text(&out.stderr)
    );
    assert!(plan("p.json", &[]).status.success());
    let out = plan("p.json", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("pass --force to replace it"),
        "{}",
        text(&out.stderr)
    );
    assert!(plan("p.json", &["--force"]).status.success());
    // export refuses an existing snapshot before connecting to anything.
    let out = run(
        h.path(),
        &["export", "-o", "b.json", "--region", "eu-west-1"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("pass --force to replace it"),
        "{}",
        text(&out.stderr)
    );
    // Devices and FIFOs are refused; a symlink to a regular file is written through.
    std::os::unix::fs::symlink("/dev/null", h.path().join("null-link")).unwrap();
    let fifo = h.path().join("fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for target in ["/dev/null", "null-link", "fifo"] {
        let out = run(h.path(), &["audit", "--snapshot", "b.json", "-o", target]);
        assert_eq!(out.status.code(), Some(1), "{target}");
        assert!(
            text(&out.stderr).contains("not a regular file"),
            "{}",
            text(&out.stderr)
        );
    }
    std::fs::write(h.path().join("real.csv"), "").unwrap();
    std::os::unix::fs::symlink("real.csv", h.path().join("report-link.csv")).unwrap();
    h.ok(&["audit", "--snapshot", "b.json", "-o", "report-link.csv"]);
    assert!(h.file("real.csv").starts_with("user_id,"));
    assert!(std::fs::symlink_metadata(h.path().join("report-link.csv"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn directories_cutover_creates_are_private_under_umask_000() {
    use std::os::unix::fs::PermissionsExt;
    let h = Hostile::new();
    let state = h.path().join("st");
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 000; exec '{}' audit --snapshot b.json -o a.csv",
            env!("CARGO_BIN_EXE_cutover")
        ))
        .current_dir(h.path())
        .env("XDG_STATE_HOME", &state)
        .status()
        .unwrap();
    assert!(status.success());
    for dir in [state.clone(), state.join("cutover")] {
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", dir.display());
    }
    let log = std::fs::metadata(state.join("cutover/cutover.log")).unwrap();
    assert_eq!(log.permissions().mode() & 0o777, 0o600);
}

#[test]
fn strict_input_messages() {
    let h = Hostile::new();
    let (org, _) = hostile_demo();
    let user = org.baseline.users[0].user_id.as_str().to_owned();
    let successor = org
        .current
        .users
        .last()
        .unwrap()
        .user_id
        .as_str()
        .to_owned();
    let plan_with = |mapping: &[u8]| {
        std::fs::write(h.path().join("bad.csv"), mapping).unwrap();
        run(
            h.path(),
            &[
                "plan",
                "--baseline",
                "b.json",
                "--current",
                "c.json",
                "--mapping",
                "bad.csv",
                "-o",
                "bad-plan.json",
            ],
        )
    };
    let out = plan_with(
        format!("principal_type,old_id,new_id,new_id\nUSER,{user},,{successor}\n").as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("column \"new_id\" appears twice"),
        "{}",
        text(&out.stderr)
    );
    assert!(!h.path().join("bad-plan.json").exists());
    let out = plan_with(b"principal_type,old_id,new_id\nUSER,x,\nUSER,Jos\xe9,\n");
    assert!(
        text(&out.stderr).contains("line 3 is not UTF-8"),
        "{}",
        text(&out.stderr)
    );
    // CRLF and LF: the same line numbers.
    for newline in ["\n", "\r\n"] {
        let csv = [
            "principal_type,old_id,new_id",
            "USER,no-such-id,",
            "ROLE,x,",
        ]
        .join(newline);
        let out = plan_with(csv.as_bytes());
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("line 2: old_id no-such-id"),
            "{newline:?}: {stderr}"
        );
        assert!(
            stderr.contains("line 3: principal_type"),
            "{newline:?}: {stderr}"
        );
    }
    // A snapshot with one id twice, and one from a newer cutover.
    let mut dup = org.baseline.clone();
    let mut twin = dup.users[0].clone();
    twin.user_name = "DUPLICATE".to_owned();
    dup.users.push(twin);
    let dup_json = serde_json::to_string(&dup).unwrap();
    std::fs::write(h.path().join("dup.json"), dup_json).unwrap();
    let out = run(h.path(), &["audit", "--snapshot", "dup.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(&format!("duplicate user id {user}")),
        "{}",
        text(&out.stderr)
    );
    let future = h
        .file("b.json")
        .replacen("cutover.snapshot.v1", "cutover.snapshot.v2", 1);
    std::fs::write(h.path().join("future.json"), future).unwrap();
    let out = run(h.path(), &["audit", "--snapshot", "future.json"]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("newer cutover") && stderr.contains("cutover.snapshot.v1"),
        "{stderr}"
    );
    assert!(!stderr.contains("Some("), "{stderr}");
    // Numeric flags and endpoints: clap errors, exit 2.
    for (flag, value) in [
        ("--max-rps-sso-admin", "0"),
        ("--max-rps-sso-admin", "-1"),
        ("--max-rps-identitystore", "NaN"),
        ("--max-rps-identitystore", "inf"),
        ("--endpoint-url", "notaurl"),
        ("--endpoint-url", "file:///etc/passwd"),
    ] {
        let out = run(
            h.path(),
            &["audit", "--snapshot", "b.json", &format!("{flag}={value}")],
        );
        assert_eq!(
            out.status.code(),
            Some(2),
            "{flag} {value}: {}",
            text(&out.stderr)
        );
        assert!(text(&out.stderr).contains(flag), "{}", text(&out.stderr));
    }
    let out = run(h.path(), &["apply", "p.json", "--max-in-flight", "0"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

/// Runs `args` with stdout or stderr connected to a pipe whose reader has gone (`| head`).
fn with_closed(dir: &Path, args: &[&str], close_stdout: bool) -> std::process::ExitStatus {
    let mut command = cutover_in(dir);
    command.args(args);
    if close_stdout {
        command.stdout(Stdio::piped()).stderr(Stdio::null());
    } else {
        command.stderr(Stdio::piped()).stdout(Stdio::null());
    }
    let mut child = command.spawn().unwrap();
    drop(child.stdout.take());
    drop(child.stderr.take());
    child.wait().unwrap()
}

#[test]
fn a_closed_stdout_or_stderr_leaves_the_exit_code_to_the_command() {
    let h = Hostile::new();
    h.ok(&[
        "plan",
        "--baseline",
        "b.json",
        "--current",
        "c.json",
        "--mapping",
        "m.csv",
        "-o",
        "p.json",
    ]);
    for close_stdout in [true, false] {
        // verify: 1, the target is not reached (and it says so on stderr).
        let status = with_closed(
            h.path(),
            &["verify", "p.json", "--current", "c.json"],
            close_stdout,
        );
        assert_eq!(status.code(), Some(1), "closed stdout: {close_stdout}");
        // A failing command keeps its 1; a usage error its 2.
        let status = with_closed(
            h.path(),
            &["audit", "--snapshot", "missing.json"],
            close_stdout,
        );
        assert_eq!(status.code(), Some(1));
        let status = with_closed(
            h.path(),
            &["audit", "--snapshot", "b.json", "--format", "csv"],
            close_stdout,
        );
        assert_eq!(status.code(), Some(0));
    }
    // stderr closed outright (`2>&-`).
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "exec '{}' verify p.json --current c.json --log-file log 2>&- >/dev/null",
            env!("CARGO_BIN_EXE_cutover")
        ))
        .current_dir(h.path())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));
}

#[test]
fn the_terminal_ui_without_a_terminal_says_so_and_exits_2() {
    let h = Hostile::new();
    for args in [
        &["tui", "--snapshot", "b.json"][..],
        &["demo"],
        &["map", "--baseline", "b.json", "--current", "c.json"],
    ] {
        let out = run(h.path(), args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("needs a terminal") && stderr.contains("for scripts use"),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// A machine without any credentials: which sources were tried, how to provide one, no Debug.
fn without_credentials(dir: &Path) -> Command {
    let mut command = cutover_in(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("AWS_") {
            command.env_remove(key);
        }
    }
    command
        .env("HOME", dir)
        .env("AWS_CONFIG_FILE", dir.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true");
    command
}

#[test]
fn no_credentials_names_the_sources_tried_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let out = without_credentials(dir.path())
        .args(["export", "-o", "x.json", "--region", "eu-west-1"])
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no AWS credentials were found"), "{stderr}");
    assert!(
        stderr.contains("environment variables") && stderr.contains("aws sso login"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("Some(") && !stderr.contains("ProviderError"),
        "{stderr}"
    );
    assert!(stderr.lines().count() <= 2, "{stderr}");
}

#[test]
fn an_unreachable_endpoint_is_one_line_and_plaintext_to_another_host_is_warned() {
    let dir = tempfile::tempdir().unwrap();
    // A port nobody listens on: refused at once, said after a bounded number of attempts.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let key_id = "AKIAIOSFODNN7EXAMPLE";
    let out = without_credentials(dir.path())
        .env("AWS_ACCESS_KEY_ID", key_id)
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("CUTOVER_LOG", "debug")
        .args(["export", "-o", "x.json", "--region", "eu-west-1"])
        .arg(format!("--endpoint-url=http://127.0.0.1:{port}"))
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot reach AWS at http://127.0.0.1:{port}")),
        "{stderr}"
    );
    assert!(
        !stderr.contains("plain http"),
        "loopback is not warned about: {stderr}"
    );
    assert!(
        !stderr.contains("Request {") && !stderr.contains("SdkBody"),
        "{stderr}"
    );
    let log = std::fs::read_to_string(dir.path().join("cutover.log")).unwrap();
    assert!(!log.contains(key_id), "the log holds the access key id");
    // Another host over plain http: warned before any request (here none: no credentials).
    let out = without_credentials(dir.path())
        .args(["export", "-o", "x.json", "--region", "eu-west-1"])
        .arg("--endpoint-url=http://192.0.2.10:8080")
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert!(stderr.contains("plain http to another machine"), "{stderr}");
}
