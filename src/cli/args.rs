//! Checks of flag values, so that a wrong value is a clear clap error before anything runs
//! (not a silent 1 request/s, nor 20 s of retries against `notaurl`).

use std::sync::Once;

/// Requests per second: a finite number above 0 (fractions allowed, e.g. 0.5).
pub fn requests_per_second(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number; give requests per second, e.g. 18"))?;
    if !value.is_finite() || value <= 0.0 {
        return Err(format!(
            "{text} is not a usable rate; give a number of requests per second above 0, e.g. 18"
        ));
    }
    if value > 10_000.0 {
        return Err(format!(
            "{text} requests per second is far above what AWS allows (20 per account); give e.g. 18"
        ));
    }
    Ok(value)
}

/// A count that must be at least 1 (`--max-in-flight`, `--poll-budget`).
pub fn at_least_one(text: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(0) => Err("0 would do nothing; give 1 or more".to_owned()),
        Ok(value) => Ok(value),
        Err(_) => Err(format!("{text:?} is not a whole number of 1 or more")),
    }
}

/// The parts of an endpoint URL cutover checks: its scheme and its host.
struct Endpoint<'a> {
    scheme: &'a str,
    host: &'a str,
}

/// `scheme://[userinfo@]host[:port][/path…]`, the shape of every endpoint URL; `None` for
/// anything else.
fn split_endpoint(text: &str) -> Option<Endpoint<'_>> {
    let (scheme, rest) = text.split_once("://")?;
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(bracketed) = host_port.strip_prefix('[') {
        bracketed.split_once(']')?.0
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    Some(Endpoint { scheme, host })
}

/// `--endpoint-url`: an http or https URL with a host.
pub fn endpoint_url(text: &str) -> Result<String, String> {
    let Some(endpoint) = split_endpoint(text.trim()) else {
        return Err(format!(
            "{text:?} is not a URL; give an http:// or https:// URL, e.g. http://127.0.0.1:5000"
        ));
    };
    if !matches!(endpoint.scheme, "http" | "https") {
        return Err(format!(
            "{}:// is not an endpoint cutover can use; give an http:// or https:// URL",
            endpoint.scheme
        ));
    }
    if endpoint.host.is_empty() || endpoint.host.chars().any(char::is_whitespace) {
        return Err(format!(
            "{text:?} names no host; give e.g. http://127.0.0.1:5000"
        ));
    }
    Ok(text.trim().to_owned())
}

/// True when `url` is plain http to a host other than this machine: the signed requests,
/// the session token among their headers, travel unencrypted.
pub fn is_plaintext_remote(url: &str) -> bool {
    let Some(endpoint) = split_endpoint(url.trim()) else {
        return false;
    };
    if !endpoint.scheme.eq_ignore_ascii_case("http") {
        return false;
    }
    let host = endpoint.host.to_ascii_lowercase();
    let loopback = host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    !loopback
}

/// Says once per run, before any request, that the credentials would travel in the clear.
pub fn warn_if_plaintext(url: &str) {
    static WARNED: Once = Once::new();
    if is_plaintext_remote(url) {
        WARNED.call_once(|| {
            tracing::warn!("plaintext endpoint {url}");
            crate::errln!(
                "warning: --endpoint-url {url} is plain http to another machine: the signed requests, including the session token, travel unencrypted. Use https:// (plain http is safe only to this machine)."
            );
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_must_be_finite_and_positive() {
        assert_eq!(requests_per_second("18"), Ok(18.0));
        assert_eq!(requests_per_second("0.5"), Ok(0.5));
        for bad in ["0", "-1", "NaN", "inf", "-inf", "x", "", "1e9"] {
            assert!(requests_per_second(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn counts_start_at_one() {
        assert_eq!(at_least_one("10"), Ok(10));
        for bad in ["0", "-1", "1.5", "x"] {
            assert!(at_least_one(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn endpoints_are_http_urls_with_a_host() {
        assert!(endpoint_url("http://127.0.0.1:5000").is_ok());
        assert!(endpoint_url("https://sso.eu-west-1.amazonaws.com").is_ok());
        for bad in [
            "notaurl",
            "file:///etc/passwd",
            "ftp://x.example",
            "http://",
            "",
        ] {
            assert!(endpoint_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn plaintext_is_flagged_only_off_this_machine() {
        assert!(is_plaintext_remote("http://192.0.2.10:8080"));
        assert!(is_plaintext_remote("http://moto.internal"));
        assert!(!is_plaintext_remote("http://127.0.0.1:5000"));
        assert!(!is_plaintext_remote("http://localhost:5000"));
        assert!(!is_plaintext_remote("http://[::1]:5000"));
        assert!(!is_plaintext_remote("https://192.0.2.10"));
    }
}
