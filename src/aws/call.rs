//! One AWS request, paced by its family's gate and retried the way Identity Center wants:
//! throttling and transient failures are retried with capped, jittered exponential backoff and
//! counted; everything else is classified once and handed back for a clear message.
//! The SDK's own retries are disabled (see `connect`) so that every attempt passes the gate.

use super::pacing::FamilyGate;
use crate::backend::{BackendError, WriteError, WriteErrorKind};
use aws_sdk_ssoadmin::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use std::future::Future;
use std::time::Duration;

/// What to do when the credentials are missing or not accepted (said by `connect` and by any
/// call the service refuses for that reason).
pub const CREDENTIALS_HINT: &str = "Use --profile NAME (or AWS_PROFILE); for an SSO profile run `aws sso login --profile NAME` first; or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.";

#[derive(Clone, Debug)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    /// Full-jitter backoff: uniform in [0, min(max, base * 2^attempt)], but never less than the
    /// base so a throttled family gets at least a short breather.
    fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.max_delay);
        let jitter = ceiling.mul_f64(next_unit_random());
        jitter.max(self.base_delay)
    }
}

/// How a failed request is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    Throttled,
    Transient,
    AccessDenied,
    NotFound,
    BadCredentials,
    Other,
}

impl FailureKind {
    fn is_retryable(self) -> bool {
        matches!(self, FailureKind::Throttled | FailureKind::Transient)
    }
}

/// A request that finally failed.
#[derive(Debug)]
pub struct CallFailure {
    pub kind: FailureKind,
    /// The IAM action, e.g. `sso:ListAccountAssignments`.
    pub action: String,
    pub code: Option<String>,
    pub message: String,
    pub attempts: u32,
}

impl CallFailure {
    /// Turns the failure into an administrator-facing error naming the affected snapshot part.
    pub fn into_backend_error(self, affects: &str) -> BackendError {
        let detail = match &self.code {
            Some(code) => format!("{code}: {}", self.message),
            None => self.message.clone(),
        };
        match self.kind {
            FailureKind::AccessDenied => BackendError::AccessDenied {
                action: self.action,
                affects: affects.to_owned(),
                detail: Some(detail),
            },
            FailureKind::BadCredentials => BackendError::ExpiredCredentials {
                detail,
                hint: CREDENTIALS_HINT.to_owned(),
            },
            FailureKind::Throttled | FailureKind::Transient => BackendError::GaveUp {
                action: self.action,
                attempts: self.attempts,
                affects: affects.to_owned(),
                detail,
            },
            FailureKind::NotFound | FailureKind::Other => BackendError::Api {
                action: self.action,
                affects: affects.to_owned(),
                detail,
            },
        }
    }

    /// Turns the failure of a write into the error the executor records: the IAM action, the
    /// AWS code and message, and a kind that tells it what to do next.
    pub fn into_write_error(self) -> WriteError {
        let kind = match self.kind {
            FailureKind::AccessDenied => WriteErrorKind::AccessDenied,
            FailureKind::NotFound => WriteErrorKind::NotFound,
            FailureKind::Throttled | FailureKind::Transient => WriteErrorKind::GaveUp,
            FailureKind::BadCredentials => WriteErrorKind::Credentials,
            FailureKind::Other => WriteErrorKind::Refused,
        };
        let message = match kind {
            WriteErrorKind::GaveUp => format!(
                "gave up after {} attempts; last answer: {}",
                self.attempts, self.message
            ),
            _ => self.message,
        };
        WriteError {
            kind,
            action: self.action,
            code: self.code,
            message,
        }
    }
}

/// Sends one request through `gate`, retrying throttling and transient failures.
/// `send` builds and sends a fresh request on every attempt.
pub async fn call<T, E, F, Fut>(
    gate: &FamilyGate,
    policy: &RetryPolicy,
    action: &str,
    send: F,
) -> Result<T, CallFailure>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    call_retrying_codes(gate, policy, action, &[], send).await
}

/// [`call`], but also retrying (and counting as throttling) the error codes in
/// `retry_as_throttling`: codes that only some operations document as "back off and retry",
/// e.g. sso-admin's `ConflictException` on assignment writes. The same code elsewhere (the
/// identity store's `ConflictException` is also a uniqueness violation) is final, so this is
/// chosen per call and not in [`classify`].
pub async fn call_retrying_codes<T, E, F, Fut>(
    gate: &FamilyGate,
    policy: &RetryPolicy,
    action: &str,
    retry_as_throttling: &[&str],
    mut send: F,
) -> Result<T, CallFailure>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        let outcome = {
            let _permit = gate.admit().await;
            send().await
        };
        let error = match outcome {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let kind = match error.code() {
            Some(code) if retry_as_throttling.contains(&code) => FailureKind::Throttled,
            _ => classify(&error),
        };
        if kind.is_retryable() && attempt < policy.max_attempts {
            match kind {
                FailureKind::Throttled => gate.record_throttle(),
                _ => gate.record_transient_retry(),
            }
            tracing::debug!(
                action,
                attempt,
                ?kind,
                "retrying: {}",
                DisplayErrorContext(&error)
            );
            tokio::time::sleep(policy.delay(attempt)).await;
            continue;
        }
        if kind == FailureKind::Throttled {
            gate.record_throttle();
        }
        tracing::warn!(
            action,
            attempt,
            ?kind,
            "request failed: {}",
            DisplayErrorContext(&error)
        );
        return Err(CallFailure {
            kind,
            action: action.to_owned(),
            code: error.code().map(str::to_owned),
            message: short_message(&error),
            attempts: attempt,
        });
    }
}

/// What AWS said, or a one-line description when it said nothing; the full error chain goes
/// to the log only.
fn short_message<E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(
    error: &SdkError<E>,
) -> String {
    if let Some(message) = error.message() {
        return message.to_owned();
    }
    match error {
        SdkError::ServiceError(service) => format!(
            "HTTP {} without an AWS error message",
            service.raw().status().as_u16()
        ),
        SdkError::TimeoutError(_) => "the request timed out".to_owned(),
        SdkError::DispatchFailure(failure) if failure.is_io() => {
            "the connection failed or was dropped".to_owned()
        }
        SdkError::DispatchFailure(failure) if failure.is_timeout() => {
            "connecting timed out".to_owned()
        }
        SdkError::ResponseError(_) => "the response could not be read".to_owned(),
        _ => DisplayErrorContext(error).to_string(),
    }
}

/// Classifies an SDK error by its error code first and HTTP status second.
pub fn classify<E>(error: &SdkError<E>) -> FailureKind
where
    E: ProvideErrorMetadata,
{
    match error {
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => FailureKind::Transient,
        SdkError::DispatchFailure(failure) => {
            if failure.is_user() {
                FailureKind::Other
            } else {
                FailureKind::Transient
            }
        }
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            classify_code(service.err().code(), status)
        }
        _ => FailureKind::Other,
    }
}

fn classify_code(code: Option<&str>, status: u16) -> FailureKind {
    match code.unwrap_or_default() {
        "ThrottlingException"
        | "Throttling"
        | "TooManyRequestsException"
        | "RequestLimitExceeded"
        | "SlowDown"
        | "ConcurrentModificationException" => FailureKind::Throttled,
        "AccessDeniedException" | "AccessDenied" | "UnauthorizedException" => {
            FailureKind::AccessDenied
        }
        "ExpiredTokenException"
        | "ExpiredToken"
        | "InvalidClientTokenId"
        | "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "SignatureDoesNotMatch" => FailureKind::BadCredentials,
        "ResourceNotFoundException" => FailureKind::NotFound,
        "InternalServerException"
        | "InternalFailure"
        | "ServiceUnavailable"
        | "ServiceUnavailableException" => FailureKind::Transient,
        _ if status == 429 => FailureKind::Throttled,
        _ if status >= 500 => FailureKind::Transient,
        _ => FailureKind::Other,
    }
}

/// A small xorshift generator for backoff jitter; it needs spread, not quality.
fn next_unit_random() -> f64 {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0x9E37_79B9_7F4A_7C15)
                | 1,
        );
    }
    STATE.with(|state| {
        let mut x = state.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        state.set(x);
        (x >> 11) as f64 / (1u64 << 53) as f64
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_classified_before_status() {
        assert_eq!(
            classify_code(Some("ThrottlingException"), 400),
            FailureKind::Throttled
        );
        assert_eq!(
            classify_code(Some("AccessDeniedException"), 400),
            FailureKind::AccessDenied
        );
        assert_eq!(
            classify_code(Some("ExpiredTokenException"), 400),
            FailureKind::BadCredentials
        );
        assert_eq!(classify_code(None, 503), FailureKind::Transient);
        assert_eq!(classify_code(None, 429), FailureKind::Throttled);
        assert_eq!(
            classify_code(Some("ValidationException"), 400),
            FailureKind::Other
        );
    }

    #[test]
    fn write_failures_map_to_what_the_executor_acts_on() {
        let failure = |kind, code: &str| CallFailure {
            kind,
            action: "sso:CreateAccountAssignment".to_owned(),
            code: Some(code.to_owned()),
            message: "no".to_owned(),
            attempts: 3,
        };
        let cases = [
            (FailureKind::AccessDenied, WriteErrorKind::AccessDenied),
            (FailureKind::NotFound, WriteErrorKind::NotFound),
            (FailureKind::Throttled, WriteErrorKind::GaveUp),
            (FailureKind::Transient, WriteErrorKind::GaveUp),
            (FailureKind::BadCredentials, WriteErrorKind::Credentials),
            (FailureKind::Other, WriteErrorKind::Refused),
        ];
        for (kind, expected) in cases {
            let error = failure(kind, "SomeCode").into_write_error();
            assert_eq!(error.kind, expected, "{kind:?}");
            assert_eq!(error.action, "sso:CreateAccountAssignment");
            assert_eq!(error.code.as_deref(), Some("SomeCode"));
        }
        let gave_up = failure(FailureKind::Throttled, "ThrottlingException").into_write_error();
        assert!(gave_up.message.contains("3 attempts"), "{gave_up}");
        let refused = failure(FailureKind::Other, "ValidationException").into_write_error();
        assert_eq!(
            refused.to_string(),
            "sso:CreateAccountAssignment: ValidationException: no"
        );
    }

    #[test]
    fn backoff_stays_within_its_bounds() {
        let policy = RetryPolicy::default();
        for attempt in 0..30 {
            let d = policy.delay(attempt);
            assert!(d >= policy.base_delay && d <= policy.max_delay, "{d:?}");
        }
    }
}
