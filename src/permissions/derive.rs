//! The policies kept honest. This test reads `src/aws/*.rs` (the only code that talks to AWS),
//! finds every SDK operation it can send, maps the function that sends it to the modes that can
//! reach it (the table [`REACH`]), adds what Identity Center calls on the caller's behalf
//! ([`ON_CALLERS_BEHALF`]), and compares the result with `assets/iam/*.json` both ways: an
//! action the code calls must be allowed, and an allowed action must be called.
//!
//! How an SDK call is found: every request of the Rust SDK ends in `.send()` (a call with no
//! arguments; channels' `send` takes one). From there the scanner walks the method chain back
//! to its first call, which is the operation (`.list_account_assignments()` →
//! `ListAccountAssignments`). The service comes from the IAM action named in the same function
//! (`call(gate, retry, "sso:ListAccountAssignments", …)`, which every product call passes for
//! its error messages), else from the client the chain starts on (`clients.identitystore`, or a
//! `let client = …` naming one).
//!
//! When the policies change on purpose, regenerate them and review the diff:
//! `CUTOVER_BLESS_IAM=1 cargo test --lib permissions::derive`.

use super::{on_callers_behalf, Mode, NEED_NO_PERMISSION};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const EVERY_MODE: &[Mode] = &Mode::ALL;
/// The modes that run `apply`.
const APPLY: &[Mode] = &[Mode::Migrate, Mode::Organization];
/// The organization-wide work: other instances, permission sets created in another instance.
const ORGANIZATION: &[Mode] = &[Mode::Organization];
/// The modes that write the Identity Center directory.
const DIRECTORY: &[Mode] = &[Mode::Directory];
/// The modes that delete users and groups: the directory commands and `cutover cleanup`.
const CLEANUP: &[Mode] = &[Mode::Migrate, Mode::Directory, Mode::Organization];

/// Which modes can reach the SDK calls of each function of `src/aws`: (file, function, modes);
/// the function `*` stands for every function of the file. A new SDK call in a listed function
/// is picked up by itself; a function that newly calls the SDK needs its line here (the test
/// says which). One line per function, so that merging other work adds lines, not edits.
const REACH: &[(&str, &str, &[Mode])] = &[
    ("connect.rs", "list_instances", EVERY_MODE),
    ("loader.rs", "*", EVERY_MODE),
    ("doctor.rs", "*", EVERY_MODE),
    ("writer.rs", "list_pair", APPLY),
    ("writer.rs", "list_application", APPLY),
    ("writer.rs", "start", APPLY),
    ("writer.rs", "status", APPLY),
    // Listings shared by the loader and the directory commands.
    ("listing.rs", "*", EVERY_MODE),
    // `cutover user groups`: a read.
    ("directory.rs", "list_groups_of", EVERY_MODE),
    // The directory commands (`cutover user|group …`, `directory apply|restore`).
    ("directory.rs", "create_user", DIRECTORY),
    ("directory.rs", "update_user", DIRECTORY),
    // `cutover cleanup` (migrate) deletes users and groups through these too.
    ("directory.rs", "delete_user", CLEANUP),
    ("directory.rs", "create_group", DIRECTORY),
    ("directory.rs", "update_group", DIRECTORY),
    ("directory.rs", "delete_group", CLEANUP),
    ("directory.rs", "add_member", DIRECTORY),
    ("directory.rs", "remove_member", DIRECTORY),
    // `cutover instances` / `cutover duplicates`: every account's instances, through the member
    // role (sts:AssumeRole) in other accounts.
    ("inventory.rs", "*", ORGANIZATION),
    // `cutover apply` of a plan made with --create-permission-sets (another instance).
    ("permission_set_writer.rs", "*", ORGANIZATION),
    // `cutover dev seed` builds test worlds in the emulator, never a customer's instance.
    ("seed.rs", "*", &[]),
];

/// One SDK operation sent somewhere in `src/aws`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct SdkCall {
    file: String,
    function: String,
    line: usize,
    /// The IAM action, e.g. `sso:ListInstances`.
    action: String,
}

impl SdkCall {
    fn place(&self) -> String {
        format!(
            "src/aws/{} fn {} (line {})",
            self.file, self.function, self.line
        )
    }
}

/// Source text with comments and the insides of string and char literals blanked (same length,
/// same line breaks), so that braces and parentheses can be matched; and the string literals.
struct Masked {
    code: Vec<u8>,
    strings: Vec<(usize, String)>,
}

fn mask(text: &str) -> Masked {
    let bytes = text.as_bytes();
    let mut code = bytes.to_vec();
    let mut strings = Vec::new();
    let blank = |code: &mut Vec<u8>, from: usize, to: usize| {
        for b in &mut code[from..to] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    };
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
                blank(&mut code, i, end);
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = text[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 2);
                blank(&mut code, i, end);
                i = end;
            }
            b'r' if matches!(bytes.get(i + 1), Some(b'"') | Some(b'#'))
                && (i == 0 || !is_ident(bytes[i - 1])) =>
            {
                let hashes = bytes[i + 1..].iter().take_while(|&&b| b == b'#').count();
                let open = i + 1 + hashes;
                if bytes.get(open) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let close = format!("\"{}", "#".repeat(hashes));
                let end = text[open + 1..]
                    .find(&close)
                    .map_or(bytes.len(), |n| open + 1 + n);
                strings.push((open, text[open + 1..end].to_owned()));
                blank(&mut code, open + 1, end);
                i = (end + close.len()).min(bytes.len());
            }
            b'"' => {
                let mut j = i + 1;
                while j < bytes.len() && bytes[j] != b'"' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                let end = j.min(bytes.len());
                strings.push((i, text[i + 1..end].to_owned()));
                blank(&mut code, i + 1, end);
                i = end + 1;
            }
            b'\'' => {
                // A char literal ('x', '\n', '\u{1b}') or a lifetime ('a).
                let end = if bytes.get(i + 1) == Some(&b'\\') {
                    text[i + 2..].find('\'').map(|n| i + 2 + n)
                } else if bytes.get(i + 2) == Some(&b'\'') {
                    Some(i + 2)
                } else {
                    text[i + 1..]
                        .chars()
                        .next()
                        .filter(|c| c.len_utf8() > 1)
                        .map(|c| i + 1 + c.len_utf8())
                        .filter(|&e| bytes.get(e) == Some(&b'\''))
                };
                match end {
                    Some(end) => {
                        blank(&mut code, i + 1, end);
                        i = end + 1;
                    }
                    None => i += 1,
                }
            }
            _ => i += 1,
        }
    }
    Masked { code, strings }
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The position of the bracket matching the one at `open` (searching forward for `{`/`(`).
fn matching_forward(code: &[u8], open: usize) -> Option<usize> {
    let (up, down) = match code[open] {
        b'{' => (b'{', b'}'),
        b'(' => (b'(', b')'),
        _ => return None,
    };
    let mut depth = 0usize;
    for (i, &b) in code.iter().enumerate().skip(open) {
        if b == up {
            depth += 1;
        } else if b == down {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// The position of the `(` matching the `)` at `close`.
fn matching_backward(code: &[u8], close: usize) -> Option<usize> {
    let mut depth = 0usize;
    for i in (0..=close).rev() {
        match code[i] {
            b')' => depth += 1,
            b'(' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Every function with a body: (name, start of `fn`, end of its body).
fn functions(code: &[u8]) -> Vec<(String, usize, usize)> {
    let mut found = Vec::new();
    let mut i = 0;
    while i + 3 < code.len() {
        let starts_word = i == 0 || !is_ident(code[i - 1]);
        if starts_word && &code[i..i + 3] == b"fn " {
            let name_start = i + 3;
            let name_end = name_start
                + code[name_start..]
                    .iter()
                    .take_while(|&&b| is_ident(b))
                    .count();
            let name = String::from_utf8_lossy(&code[name_start..name_end]).into_owned();
            let body = code[name_end..]
                .iter()
                .position(|&b| b == b'{' || b == b';')
                .map(|n| name_end + n);
            if let Some(open) = body.filter(|&o| code[o] == b'{') {
                if let Some(close) = matching_forward(code, open) {
                    found.push((name, i, close));
                }
            }
        }
        i += 1;
    }
    found
}

fn skip_space_back(code: &[u8], mut i: usize) -> usize {
    while i > 0 && code[i - 1].is_ascii_whitespace() {
        i -= 1;
    }
    i
}

/// Walks the method chain that ends at the `.` of `.send()` back to its first call: returns
/// the operation's name and the receiver's text (`client`, `self.clients.sso_admin`).
fn chain_start(code: &[u8], dot: usize) -> Option<(String, String)> {
    let mut i = dot;
    let mut operation = None;
    loop {
        let end = skip_space_back(code, i);
        if end == 0 || code[end - 1] != b')' {
            break;
        }
        let open = matching_backward(code, end - 1)?;
        let name_end = skip_space_back(code, open);
        let name_start = name_end
            - code[..name_end]
                .iter()
                .rev()
                .take_while(|&&b| is_ident(b))
                .count();
        if name_start == name_end {
            break;
        }
        let before = skip_space_back(code, name_start);
        if before == 0 || code[before - 1] != b'.' {
            break;
        }
        operation = Some(String::from_utf8_lossy(&code[name_start..name_end]).into_owned());
        i = before - 1;
    }
    let end = skip_space_back(code, i);
    let start = end
        - code[..end]
            .iter()
            .rev()
            .take_while(|&&b| is_ident(b) || b == b'.' || b.is_ascii_whitespace())
            .count();
    let receiver: String = String::from_utf8_lossy(&code[start..end])
        .split_whitespace()
        .collect();
    Some((operation?, receiver))
}

fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// `sso:ListInstances`-shaped text.
fn is_action(text: &str) -> bool {
    text.split_once(':').is_some_and(|(service, operation)| {
        !service.is_empty()
            && service.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
            && operation.starts_with(|c: char| c.is_ascii_uppercase())
            && operation.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// The IAM service prefix of the client named in `text`.
fn service_of_client(text: &str) -> Option<&'static str> {
    [
        ("sso_admin", "sso"),
        ("identitystore", "identitystore"),
        ("organizations", "organizations"),
        ("sts", "sts"),
        ("iam", "iam"),
    ]
    .into_iter()
    .find(|(field, _)| text.contains(field))
    .map(|(_, prefix)| prefix)
}

/// Every SDK call of one source file, and every problem that keeps the scan from being sure.
fn scan_source(file: &str, text: &str) -> (Vec<SdkCall>, Vec<String>) {
    // Unit tests at the end of a file send no requests to a customer's instance.
    let product = match text.find("#[cfg(test)]\nmod tests") {
        Some(end) => &text[..end],
        None => text,
    };
    let masked = mask(product);
    let code = &masked.code;
    let functions = functions(code);
    let innermost = |at: usize| {
        functions
            .iter()
            .filter(|(_, start, end)| *start <= at && at <= *end)
            .min_by_key(|(_, start, end)| end - start)
    };
    let line_of = |at: usize| product[..at].matches('\n').count() + 1;
    let mut calls = Vec::new();
    let mut problems = Vec::new();
    let mut at = 0;
    while let Some(n) = find(&code[at..], b".send()") {
        let dot = at + n;
        at = dot + 1;
        let line = line_of(dot);
        let Some((function, start, end)) = innermost(dot) else {
            problems.push(format!(
                "src/aws/{file} line {line}: an SDK call outside any function"
            ));
            continue;
        };
        let Some((operation, receiver)) = chain_start(code, dot) else {
            problems.push(format!(
                "src/aws/{file} fn {function} (line {line}): cannot read the operation before .send()"
            ));
            continue;
        };
        let operation = pascal(&operation);
        let named = masked
            .strings
            .iter()
            .filter(|(pos, s)| start <= pos && pos <= end && is_action(s))
            .map(|(_, s)| s)
            .find(|s| {
                s.split_once(':')
                    .unwrap()
                    .1
                    .eq_ignore_ascii_case(&operation)
            });
        let binding = format!("let {receiver} =");
        let from_client = service_of_client(&receiver).or_else(|| {
            let body = &product[*start..=*end];
            body.find(&binding).and_then(|p| {
                let statement = &body[p..];
                service_of_client(&statement[..statement.find(';').unwrap_or(statement.len())])
            })
        });
        let action = match (named, from_client) {
            (Some(named), _) => named.clone(),
            (None, Some(service)) => format!("{service}:{operation}"),
            (None, None) => {
                problems.push(format!(
                    "src/aws/{file} fn {function} (line {line}): cannot tell which service .{}() belongs to: name its IAM action (\"service:{operation}\") in the call, or start the chain on a client field named after the service",
                    snake(&operation)
                ));
                continue;
            }
        };
        calls.push(SdkCall {
            file: file.to_owned(),
            function: function.clone(),
            line,
            action,
        });
    }
    // Every action a function names must be one it calls: the names appear in error messages
    // ("sso:X was denied"), so a wrong one sends the administrator after the wrong permission.
    for (function, start, end) in &functions {
        let sends: Vec<&SdkCall> = calls.iter().filter(|c| &c.function == function).collect();
        if sends.is_empty() {
            continue;
        }
        for (pos, literal) in &masked.strings {
            if pos < start || pos > end || !is_action(literal) {
                continue;
            }
            if !sends.iter().any(|c| c.action.eq_ignore_ascii_case(literal)) {
                problems.push(format!(
                    "src/aws/{file} fn {function} (line {}): names the action {literal} but sends no such operation",
                    line_of(*pos)
                ));
            }
        }
    }
    (calls, problems)
}

fn snake(pascal: &str) -> String {
    let mut out = String::new();
    for (i, c) in pascal.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn aws_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/aws")
}

fn scan_aws() -> (Vec<SdkCall>, Vec<String>) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(aws_dir())
        .expect("read src/aws")
        .map(|e| e.expect("read src/aws").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    let mut calls = Vec::new();
    let mut problems = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read a source file");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (c, p) = scan_source(&name, &text);
        calls.extend(c);
        problems.extend(p);
    }
    (calls, problems)
}

fn modes_of(call: &SdkCall) -> Option<&'static [Mode]> {
    REACH
        .iter()
        .find(|(file, function, _)| {
            *file == call.file && (*function == "*" || *function == call.function)
        })
        .map(|(_, _, modes)| *modes)
}

/// For each mode, every action its policy must allow, with the reason (where it is called).
type Needed = BTreeMap<Mode, BTreeMap<String, String>>;

fn needed(calls: &[SdkCall]) -> (Needed, Vec<String>) {
    let mut needed: Needed = Mode::ALL.iter().map(|&m| (m, BTreeMap::new())).collect();
    let mut problems = Vec::new();
    for call in calls {
        let Some(modes) = modes_of(call) else {
            problems.push(format!(
                "{} sends {} but no line of REACH (src/permissions/derive.rs) says which modes reach it: add (\"{}\", \"{}\", &[Mode::…]),",
                call.place(),
                call.action,
                call.file,
                call.function
            ));
            continue;
        };
        for &mode in modes {
            let actions = needed.get_mut(&mode).unwrap();
            if !NEED_NO_PERMISSION.contains(&call.action.as_str()) {
                actions
                    .entry(call.action.clone())
                    .or_insert_with(|| format!("called in {}", call.place()));
            }
            for nested in on_callers_behalf(&call.action) {
                actions.entry((*nested).to_owned()).or_insert_with(|| {
                    format!(
                        "called by Identity Center with the caller's credentials for {} ({}) when the target is the management account",
                        call.action,
                        call.place()
                    )
                });
            }
        }
    }
    (needed, problems)
}

/// The statement an action belongs in: its Sid and the resources it may be limited to.
fn statement_of(action: &str) -> (&'static str, &'static [&'static str]) {
    let (service, operation) = action.split_once(':').unwrap_or(("", action));
    match service {
        "sso" => ("IdentityCenter", &["*"]),
        "identitystore" => ("IdentityStore", &["*"]),
        "organizations" => ("Organizations", &["*"]),
        "iam" if operation.contains("SAMLProvider") => (
            "ManagementAccountSamlProviderOnCallersBehalf",
            &["arn:aws:iam::*:saml-provider/AWSSSO_*_DO_NOT_DELETE"],
        ),
        "iam" if operation.contains("Role") => (
            "ManagementAccountRolesOnCallersBehalf",
            &["arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*"],
        ),
        "iam" => ("PolicySimulatorForDoctor", &["*"]),
        // `cutover instances` assumes the member role (default name; another --member-role
        // needs its name here).
        "sts" if operation == "AssumeRole" => (
            "AssumeMemberRole",
            &["arn:aws:iam::*:role/OrganizationAccountAccessRole"],
        ),
        _ => ("Other", &["*"]),
    }
}

const STATEMENT_ORDER: &[&str] = &[
    "IdentityCenter",
    "IdentityStore",
    "Organizations",
    "PolicySimulatorForDoctor",
    "ManagementAccountRolesOnCallersBehalf",
    "ManagementAccountSamlProviderOnCallersBehalf",
    "AssumeMemberRole",
    "Other",
];

/// The policy document for a set of actions, laid out for people to read.
fn document<'a>(actions: impl IntoIterator<Item = &'a String>) -> String {
    let mut statements: BTreeMap<usize, (&str, &[&str], BTreeSet<&str>)> = BTreeMap::new();
    for action in actions {
        let (sid, resources) = statement_of(action);
        let order = STATEMENT_ORDER.iter().position(|s| *s == sid).unwrap();
        statements
            .entry(order)
            .or_insert_with(|| (sid, resources, BTreeSet::new()))
            .2
            .insert(action);
    }
    let quoted = |items: &mut dyn Iterator<Item = &&str>, indent: &str| {
        items
            .map(|a| format!("{indent}\"{a}\""))
            .collect::<Vec<_>>()
            .join(",\n")
    };
    let body = statements
        .values()
        .map(|(sid, resources, actions)| {
            format!(
                "    {{\n      \"Sid\": \"{sid}\",\n      \"Effect\": \"Allow\",\n      \"Action\": [\n{}\n      ],\n      \"Resource\": [\n{}\n      ]\n    }}",
                quoted(&mut actions.iter(), "        "),
                quoted(&mut resources.iter(), "        ")
            )
        })
        .collect::<Vec<_>>()
        .join(",\n");
    format!("{{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n{body}\n  ]\n}}\n")
}

fn policy_path(mode: Mode) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("assets/iam/{}.json", mode.name()))
}

#[test]
fn every_policy_allows_exactly_what_its_mode_calls() {
    let (calls, mut problems) = scan_aws();
    let (needed, unmapped) = needed(&calls);
    problems.extend(unmapped);
    for (file, function, _) in REACH {
        let exists = if *function == "*" {
            aws_dir().join(file).exists()
        } else {
            calls
                .iter()
                .any(|c| c.file == *file && c.function == *function)
        };
        if !exists {
            problems.push(format!(
                "REACH maps src/aws/{file} fn {function}, which sends no SDK request (any more): remove the line"
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));

    let bless = std::env::var_os("CUTOVER_BLESS_IAM").is_some();
    let mut differences = Vec::new();
    for mode in Mode::ALL {
        let path = policy_path(mode);
        let shown = format!("assets/iam/{}.json", mode.name());
        let wanted = &needed[&mode];
        let generated = document(wanted.keys());
        if bless {
            std::fs::write(&path, &generated).expect("write the policy");
            continue;
        }
        let allowed: BTreeSet<String> = mode.allowed_actions().into_iter().collect();
        for (action, why) in wanted {
            if !allowed.contains(action) {
                differences.push(format!("{shown} is missing {action}: {why}"));
            }
        }
        for action in &allowed {
            if !wanted.contains_key(action) {
                differences.push(format!(
                    "{shown} allows {action}, which no code of mode {} calls: remove it, or add the function that calls it to REACH",
                    mode.name()
                ));
            }
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        if differences.is_empty() && on_disk != generated {
            differences.push(format!(
                "{shown} has the right actions but not the generated statements (resources or layout)"
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "\n{}\nRegenerate with `CUTOVER_BLESS_IAM=1 cargo test --lib permissions::derive` and review the diff.\n",
        differences.join("\n")
    );
    readme_shows_the_migrate_policy_as_it_is();
}

#[test]
fn the_scan_finds_the_calls_it_must() {
    let (calls, _) = scan_aws();
    let find = |function: &str, action: &str| {
        calls
            .iter()
            .any(|c| c.function == function && c.action == action)
    };
    // The writes, both from one function with a `match`.
    assert!(find("start", "sso:CreateAccountAssignment"), "{calls:#?}");
    assert!(find("start", "sso:DeleteAccountAssignment"));
    assert!(find("start", "sso:CreateApplicationAssignment"));
    // A chain on one line, in a closure passed to a helper.
    assert!(find(
        "load_organization_accounts",
        "organizations:ListAccounts"
    ));
    // The service from the client when no action is named (the emulator seeder).
    assert!(calls
        .iter()
        .any(|c| c.file == "seed.rs" && c.action.starts_with("identitystore:")));
}

#[test]
fn the_scanner_reads_chains_services_and_names() {
    let source = r#"
fn a(&self) {
    let client = &self.clients.identitystore;
    call(gate, retry, "identitystore:ListUsers", || {
        client
            .list_users() // not .send() here
            .identity_store_id(format!("{}", ')'))
            .send()
    });
    tx.send(());
}
fn b(&self) {
    self.clients.sso_admin.list_instances().send();
    let s = "sso:DescribePermissionSet";
}
fn c(&self) { thing.make().send() }
"#;
    let (calls, problems) = scan_source("x.rs", source);
    let actions: Vec<(&str, &str)> = calls
        .iter()
        .map(|c| (c.function.as_str(), c.action.as_str()))
        .collect();
    assert_eq!(
        actions,
        [("a", "identitystore:ListUsers"), ("b", "sso:ListInstances")]
    );
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].contains("fn c") && problems[0].contains(".make()"));
    assert!(problems[1].contains("sso:DescribePermissionSet"));
}

#[test]
fn a_missing_or_extra_action_is_named_with_its_policy() {
    let calls = vec![SdkCall {
        file: "writer.rs".to_owned(),
        function: "start".to_owned(),
        line: 7,
        action: "sso:CreateAccountAssignment".to_owned(),
    }];
    let (needed, problems) = needed(&calls);
    assert!(problems.is_empty());
    let migrate = &needed[&Mode::Migrate];
    assert!(migrate["sso:CreateAccountAssignment"].contains("src/aws/writer.rs fn start"));
    assert!(migrate["iam:CreateRole"].contains("for sso:CreateAccountAssignment"));
    assert!(needed[&Mode::ReadOnly].is_empty());
    let unmapped = SdkCall {
        file: "new.rs".to_owned(),
        ..calls[0].clone()
    };
    let (_, problems) = super::derive::needed(&[unmapped]);
    assert!(
        problems[0].contains("add (\"new.rs\", \"start\""),
        "{problems:?}"
    );
}

#[test]
fn generated_documents_are_valid_policies_with_scoped_iam_statements() {
    let actions: Vec<String> = ["sso:ListInstances", "iam:CreateRole", "iam:GetSAMLProvider"]
        .map(str::to_owned)
        .to_vec();
    let text = document(&actions);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["Version"], "2012-10-17");
    assert_eq!(super::actions_of_policy(&text).len(), 3);
    let roles = &value["Statement"][1];
    assert_eq!(roles["Action"][0], "iam:CreateRole");
    assert_eq!(
        roles["Resource"][0],
        "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*"
    );
}

/// The runbook in the README shows the migrate policy in full: it must be the file's. Called
/// by the main test after the policies are checked (or regenerated).
fn readme_shows_the_migrate_policy_as_it_is() {
    let readme_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&readme_path).expect("read README.md");
    let start_marker = "<summary><code>cutover iam-policy migrate</code></summary>\n\n```json\n";
    let start = readme
        .find(start_marker)
        .expect("the README's migrate policy block")
        + start_marker.len();
    let end = start + readme[start..].find("```\n").expect("the block's end");
    // From the file, not the compiled-in copy: a bless in the same run has just rewritten it.
    let policy = std::fs::read_to_string(policy_path(Mode::Migrate)).expect("read the policy");
    let policy = policy.as_str();
    if std::env::var_os("CUTOVER_BLESS_IAM").is_some() {
        let updated = format!("{}{}{}", &readme[..start], policy, &readme[end..]);
        std::fs::write(&readme_path, updated).expect("write README.md");
        return;
    }
    assert!(
        readme[start..end] == *policy,
        "README.md shows another migrate policy than assets/iam/migrate.json: regenerate with `CUTOVER_BLESS_IAM=1 cargo test --lib permissions::derive`"
    );
}
