//! What ships: the product's own dependency tree (no dev-dependencies) carries no test kit and
//! no HTTP server of ours. The fault proxy and its hyper 1 server belong to tests and benchmarks.
//!
//! One server feature does remain, and not by our choice: the AWS SDK's legacy HTTP stack
//! (hyper 0.14 through hyper-rustls 0.24, whose `acceptor` feature turns on hyper's `server`).
//! The test pins that down so a new server in the tree is noticed either way.

use std::process::Command;

/// `cargo tree` of the product, normal and build edges only: one line per package,
/// `name vX.Y.Z|feature,feature`.
fn product_packages() -> Vec<String> {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "--package",
            "cutover",
            "--edges",
            "normal,build",
            "--format",
            "{p}|{f}",
            "--prefix",
            "none",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8(output.stdout).expect("cargo tree prints UTF-8");
    tree.lines()
        .map(|line| line.trim_end_matches(" (*)").to_owned())
        .collect()
}

fn features_of<'a>(packages: &'a [String], name_and_major: &str) -> Vec<&'a str> {
    packages
        .iter()
        .filter(|line| line.starts_with(name_and_major))
        .filter_map(|line| line.split_once('|').map(|(_, features)| features))
        .collect()
}

#[test]
fn the_product_carries_no_test_kit_and_no_http_server_of_its_own() {
    let packages = product_packages();
    assert!(
        packages.iter().any(|p| p.starts_with("aws-sdk-ssoadmin ")),
        "the tree should list the product's real dependencies: {packages:?}"
    );
    for package in &packages {
        assert!(
            !package.starts_with("fault-proxy "),
            "the test kit is among the product's dependencies: {package}"
        );
        assert!(
            !package.starts_with("cutover ") || !package.contains("test-support"),
            "the test-support feature is on in the product: {package}"
        );
    }
    let hyper_1 = features_of(&packages, "hyper v1.");
    assert!(
        !hyper_1.is_empty(),
        "hyper 1 is the SDK's HTTP client: {packages:?}"
    );
    for features in hyper_1 {
        assert!(
            !features.split(',').any(|f| f == "server"),
            "hyper 1's server feature is on in the product: {features}"
        );
    }
    // The SDK's legacy stack: hyper 0.14's server comes only with hyper-rustls 0.24's acceptor.
    for features in features_of(&packages, "hyper v0.") {
        if features.split(',').any(|f| f == "server") {
            assert!(
                features_of(&packages, "hyper-rustls v0.24")
                    .iter()
                    .any(|f| f.split(',').any(|f| f == "acceptor")),
                "hyper 0.14's server feature is on without the SDK's hyper-rustls acceptor: {features}"
            );
        }
    }
}
