//! A fault-injecting loopback HTTP/1.1 reverse proxy.
//!
//! Integration tests and benchmarks point the AWS SDK's `endpoint_url` at this
//! proxy, which sits in front of a moto server. Every request is forwarded
//! unchanged (method, path, headers including `Host`, body) unless the proxy
//! decides to behave like a struggling AWS endpoint instead: rate limiting,
//! random throttling, 5xx answers, dropped connections and latency.
//!
//! Only the three AWS JSON-protocol families the tool talks to are ever
//! faulted; everything else (notably moto's `/moto-api/...` control endpoints)
//! passes straight through so a test can always reset or inspect the emulator.
//!
//! Per faultable request the decision order is:
//! 1. the family's token bucket (a request without a token is throttled and
//!    does not consume a random draw, so the fault sequence stays reproducible);
//! 2. exactly one random draw choosing reset / throttle / 5xx / forward;
//! 3. the configured latency, applied before answering, injected errors included.
//!
//! Injected faults never reach the upstream, so a throttled create is never
//! executed: exactly what AWS guarantees for a throttled call.

use std::collections::{BTreeMap, HashMap};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderName, HeaderValue, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::http::request::Parts;
use hyper::http::response;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

/// Content type of every AWS JSON 1.1 protocol answer the proxy writes itself.
const AMZ_JSON: &str = "application/x-amz-json-1.1";
const AMZ_TARGET: &str = "x-amz-target";
const AMZ_ERROR_TYPE: &str = "x-amzn-errortype";

/// Headers that describe one hop, not the message (RFC 9110 §7.6.1); forwarding
/// them would confuse the framing of the other connection.
const HOP_BY_HOP_HEADERS: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// How long an idle keep-alive connection to the upstream is kept in the pool.
const UPSTREAM_POOL_IDLE: Duration = Duration::from_secs(30);

/// Accept queue length asked of the kernel (capped by `net.core.somaxconn`).
const LISTEN_BACKLOG: u32 = 4096;

/// Pause after a failed `accept` (typically out of file descriptors) so the
/// accept loop does not spin while the condition lasts.
const ACCEPT_ERROR_BACKOFF: Duration = Duration::from_millis(10);

// ---------------------------------------------------------------------------
// API families
// ---------------------------------------------------------------------------

/// Which AWS API a request belongs to, from its `X-Amz-Target` prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ApiFamily {
    SsoAdmin,
    IdentityStore,
    Organizations,
    /// Not an AWS API the tool calls (e.g. moto's control endpoints): never
    /// faulted, never rate limited.
    Other,
}

impl ApiFamily {
    /// The families the proxy may fault, in token-bucket order.
    pub const FAULTABLE: [ApiFamily; 3] = [
        ApiFamily::SsoAdmin,
        ApiFamily::IdentityStore,
        ApiFamily::Organizations,
    ];

    /// Classifies a request by its `X-Amz-Target` header value, if any.
    pub fn from_target(target: Option<&str>) -> ApiFamily {
        let Some(target) = target else {
            return ApiFamily::Other;
        };
        if target.starts_with("SWBExternalService.") {
            ApiFamily::SsoAdmin
        } else if target.starts_with("AWSIdentityStore.") {
            ApiFamily::IdentityStore
        } else if target.starts_with("AWSOrganizationsV20161128.") {
            ApiFamily::Organizations
        } else {
            ApiFamily::Other
        }
    }

    pub fn is_faultable(self) -> bool {
        self != ApiFamily::Other
    }

    fn bucket_index(self) -> Option<usize> {
        ApiFamily::FAULTABLE
            .iter()
            .position(|family| *family == self)
    }
}

// ---------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------

/// What the proxy does to faultable requests. Ratios are fractions in `0..=1`
/// carved out of one uniform draw in the order reset, throttle, server error;
/// if they sum past 1 the later ones get what is left.
#[derive(Clone, Debug)]
pub struct FaultConfig {
    /// Added to every faultable request before answering.
    pub latency: Duration,
    /// Uniform extra delay in `0..latency_jitter`, drawn from its own random
    /// stream so enabling jitter does not change the fault sequence.
    pub latency_jitter: Duration,
    /// Fraction answered 400 `ThrottlingException` ("Rate exceeded").
    pub throttle_ratio: f64,
    /// Fraction answered 500 `InternalServerException` or 503
    /// `ServiceUnavailable`, alternating.
    pub server_error_ratio: f64,
    /// Fraction where the proxy drops the TCP connection without any answer.
    pub reset_ratio: f64,
    /// Requests per second each family accepts, like AWS: a token bucket whose
    /// burst is one second's worth (at least one request). A request with no
    /// token is answered `ThrottlingException`.
    pub rate_limit_per_family: Option<f64>,
    /// Answer operations moto lacks the way AWS answers an instance that has
    /// none of the resources involved (see [`EMULATOR_GAPS`]).
    pub fill_emulator_gaps: bool,
    /// Rewrite `"Status":"SUCCEEDED"` to `"IN_PROGRESS"` in moto's answer to
    /// the first N `DescribeAccountAssignment{Creation,Deletion}Status` polls
    /// of each request id, so callers' polling loops get exercised.
    pub in_progress_polls: u32,
    /// Asynchronous completion in time, like AWS: each account-assignment write gets a
    /// completion time drawn uniformly from this range after its Create/Delete answer, and
    /// status polls before that time answer `IN_PROGRESS`. Used instead of
    /// `in_progress_polls` when set.
    pub completion_delay: Option<(Duration, Duration)>,
    /// Seed of the deterministic random streams.
    pub seed: u64,
    /// Targets (e.g. `AWSIdentityStore.ListUsers`) answered 400 `AccessDeniedException`, as
    /// AWS answers a caller whose policy lacks the action. Checked before any random draw.
    pub deny: Vec<String>,
    /// Sent upstream as moto's `x-moto-account-id` header, so each test world lives in its own
    /// emulated account and parallel tests never see each other's objects.
    pub moto_account_id: Option<String>,
}

impl Default for FaultConfig {
    /// No faults, but emulator gaps filled: what a test wants to see from a
    /// healthy AWS.
    fn default() -> Self {
        FaultConfig {
            latency: Duration::ZERO,
            latency_jitter: Duration::ZERO,
            throttle_ratio: 0.0,
            server_error_ratio: 0.0,
            reset_ratio: 0.0,
            rate_limit_per_family: None,
            fill_emulator_gaps: true,
            in_progress_polls: 0,
            completion_delay: None,
            seed: 0x5eed_c0de,
            deny: Vec::new(),
            moto_account_id: None,
        }
    }
}

impl FaultConfig {
    /// A pure pipe to the upstream: no faults and no emulator gap filling, so
    /// the caller sees exactly what moto answers.
    pub fn passthrough() -> Self {
        FaultConfig {
            fill_emulator_gaps: false,
            ..FaultConfig::default()
        }
    }

    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    pub fn with_latency_jitter(mut self, jitter: Duration) -> Self {
        self.latency_jitter = jitter;
        self
    }

    pub fn with_throttle_ratio(mut self, ratio: f64) -> Self {
        self.throttle_ratio = ratio;
        self
    }

    pub fn with_server_error_ratio(mut self, ratio: f64) -> Self {
        self.server_error_ratio = ratio;
        self
    }

    pub fn with_reset_ratio(mut self, ratio: f64) -> Self {
        self.reset_ratio = ratio;
        self
    }

    pub fn with_rate_limit_per_family(mut self, requests_per_second: f64) -> Self {
        self.rate_limit_per_family = Some(requests_per_second);
        self
    }

    pub fn with_fill_emulator_gaps(mut self, fill: bool) -> Self {
        self.fill_emulator_gaps = fill;
        self
    }

    pub fn with_in_progress_polls(mut self, polls: u32) -> Self {
        self.in_progress_polls = polls;
        self
    }

    pub fn with_completion_delay(mut self, min: Duration, max: Duration) -> Self {
        self.completion_delay = Some((min, max.max(min)));
        self
    }

    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Denies one target (see [`FaultConfig::deny`]).
    pub fn denying(mut self, target: &str) -> Self {
        self.deny.push(target.to_owned());
        self
    }

    /// Routes every request to this emulated account (see [`FaultConfig::moto_account_id`]).
    pub fn for_moto_account(mut self, account_id: &str) -> Self {
        self.moto_account_id = Some(account_id.to_owned());
        self
    }
}

// ---------------------------------------------------------------------------
// Emulator gaps
// ---------------------------------------------------------------------------

/// An answer the proxy gives itself instead of asking the upstream.
#[derive(Clone, Copy, Debug)]
pub enum CannedAnswer {
    /// 200 with this JSON body.
    Ok(&'static str),
    /// 400 AWS error with this code and message.
    Error {
        code: &'static str,
        message: &'static str,
    },
}

impl CannedAnswer {
    fn to_response(self) -> Response<Full<Bytes>> {
        match self {
            CannedAnswer::Ok(body) => {
                json_response(StatusCode::OK, Bytes::from_static(body.as_bytes()))
            }
            CannedAnswer::Error { code, message } => {
                aws_error(StatusCode::BAD_REQUEST, code, message)
            }
        }
    }
}

/// An operation moto does not implement, answered the way AWS answers an
/// instance that has none of the resources involved.
#[derive(Clone, Copy, Debug)]
pub struct EmulatorGap {
    pub target: &'static str,
    pub answer: CannedAnswer,
}

/// Operations filled in when [`FaultConfig::fill_emulator_gaps`] is set.
pub const EMULATOR_GAPS: &[EmulatorGap] = &[
    EmulatorGap {
        target: "SWBExternalService.ListApplications",
        answer: CannedAnswer::Ok(r#"{"Applications":[]}"#),
    },
    EmulatorGap {
        target: "SWBExternalService.ListApplicationAssignments",
        answer: CannedAnswer::Ok(r#"{"ApplicationAssignments":[]}"#),
    },
    EmulatorGap {
        target: "SWBExternalService.ListTagsForResource",
        answer: CannedAnswer::Ok(r#"{"Tags":[]}"#),
    },
    EmulatorGap {
        target: "SWBExternalService.GetPermissionsBoundaryForPermissionSet",
        answer: CannedAnswer::Error {
            code: "ResourceNotFoundException",
            message: "Permissions boundary not found",
        },
    },
];

fn emulator_gap(target: Option<&str>) -> Option<&'static EmulatorGap> {
    let target = target?;
    EMULATOR_GAPS.iter().find(|gap| gap.target == target)
}

// ---------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------

/// Counters for one API family.
///
/// For every family `requests == forwarded + gaps_filled + denied + throttled_injected
/// + rate_limited + server_errors + resets`; `upstream_errors` and
/// `in_progress_rewrites` are subsets of `forwarded`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FamilyStats {
    pub requests: u64,
    /// Sent to the upstream (whatever it answered).
    pub forwarded: u64,
    /// Randomly chosen `ThrottlingException`s.
    pub throttled_injected: u64,
    /// `ThrottlingException`s because the family's token bucket was empty.
    pub rate_limited: u64,
    pub server_errors: u64,
    pub resets: u64,
    /// Answered from [`EMULATOR_GAPS`] without asking the upstream.
    pub gaps_filled: u64,
    /// Answered `AccessDeniedException` because the target is in [`FaultConfig::deny`].
    pub denied: u64,
    /// Forwarded requests the upstream could not answer (answered 502).
    pub upstream_errors: u64,
    /// Status polls whose `SUCCEEDED` was rewritten to `IN_PROGRESS`.
    pub in_progress_rewrites: u64,
}

impl FamilyStats {
    fn add(&mut self, other: &FamilyStats) {
        self.requests += other.requests;
        self.forwarded += other.forwarded;
        self.throttled_injected += other.throttled_injected;
        self.rate_limited += other.rate_limited;
        self.server_errors += other.server_errors;
        self.resets += other.resets;
        self.gaps_filled += other.gaps_filled;
        self.denied += other.denied;
        self.upstream_errors += other.upstream_errors;
        self.in_progress_rewrites += other.in_progress_rewrites;
    }
}

/// A snapshot of the proxy's counters.
#[derive(Clone, Debug, Default)]
pub struct ProxyStats {
    pub sso_admin: FamilyStats,
    pub identity_store: FamilyStats,
    pub organizations: FamilyStats,
    pub other: FamilyStats,
    /// Requests seen per `X-Amz-Target`, e.g.
    /// `"SWBExternalService.ListAccountAssignments"`. Requests without a target
    /// are only counted in their family.
    pub per_operation: BTreeMap<String, u64>,
}

impl ProxyStats {
    pub fn family(&self, family: ApiFamily) -> &FamilyStats {
        match family {
            ApiFamily::SsoAdmin => &self.sso_admin,
            ApiFamily::IdentityStore => &self.identity_store,
            ApiFamily::Organizations => &self.organizations,
            ApiFamily::Other => &self.other,
        }
    }

    fn family_mut(&mut self, family: ApiFamily) -> &mut FamilyStats {
        match family {
            ApiFamily::SsoAdmin => &mut self.sso_admin,
            ApiFamily::IdentityStore => &mut self.identity_store,
            ApiFamily::Organizations => &mut self.organizations,
            ApiFamily::Other => &mut self.other,
        }
    }

    /// All families added together.
    pub fn total(&self) -> FamilyStats {
        let mut total = FamilyStats::default();
        for family in [
            &self.sso_admin,
            &self.identity_store,
            &self.organizations,
            &self.other,
        ] {
            total.add(family);
        }
        total
    }

    /// Requests seen for one `X-Amz-Target` (0 if never seen).
    pub fn operation_count(&self, target: &str) -> u64 {
        self.per_operation.get(target).copied().unwrap_or(0)
    }
}

// ---------------------------------------------------------------------------
// Deterministic randomness and rate limiting
// ---------------------------------------------------------------------------

/// SplitMix64: tiny, fast, and good enough to spread faults; determinism is
/// the point, not quality.
#[derive(Clone, Debug)]
struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`, using the top 53 bits so every value is exact.
    fn next_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Salt separating the jitter stream from the fault stream of the same seed.
const JITTER_STREAM_SALT: u64 = 0x6a09_e667_f3bc_c909;

/// AWS-style token bucket: refills continuously at `rate` tokens per second up
/// to a burst of one second's worth.
#[derive(Clone, Debug)]
struct TokenBucket {
    rate: f64,
    capacity: f64,
    tokens: f64,
    refilled_at: Instant,
}

impl TokenBucket {
    /// A full bucket. A non-positive (or NaN) rate never accepts anything.
    fn full(rate: f64, now: Instant) -> Self {
        let rate = if rate > 0.0 { rate } else { 0.0 };
        // At least one token, or a rate below 1/s could never be met at all.
        let capacity = if rate > 0.0 { rate.max(1.0) } else { 0.0 };
        TokenBucket {
            rate,
            capacity,
            tokens: capacity,
            refilled_at: now,
        }
    }

    fn try_take(&mut self, now: Instant) -> bool {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now
            .saturating_duration_since(self.refilled_at)
            .as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity);
        self.refilled_at = now;
    }
}

// ---------------------------------------------------------------------------
// Fault decisions
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ServerErrorKind {
    InternalServer,
    ServiceUnavailable,
}

impl ServerErrorKind {
    fn to_response(self) -> Response<Full<Bytes>> {
        match self {
            ServerErrorKind::InternalServer => aws_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerException",
                "An internal error occurred",
            ),
            ServerErrorKind::ServiceUnavailable => aws_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                "Service is unavailable",
            ),
        }
    }
}

/// What the proxy does with one request.
#[derive(Clone, Copy, Debug)]
enum Verdict {
    RateLimited,
    Reset,
    Throttle,
    ServerError(ServerErrorKind),
    FillGap(&'static EmulatorGap),
    Denied,
    Forward,
}

/// The verdict plus the parts of the configuration the rest of the request
/// needs, captured together so a concurrent `set_config` cannot split them.
#[derive(Clone, Copy, Debug)]
struct Plan {
    verdict: Verdict,
    delay: Duration,
    in_progress_polls: u32,
    completion_delay: Option<(Duration, Duration)>,
}

/// Everything mutable, behind one lock: decisions must be serialised anyway
/// for the random sequence to be reproducible.
struct State {
    config: FaultConfig,
    fault_rng: SplitMix64,
    jitter_rng: SplitMix64,
    buckets: Option<[TokenBucket; 3]>,
    server_errors_injected: u64,
    polls_seen: HashMap<String, u32>,
    /// Per request key, when the write completes (`completion_delay`).
    completes_at: HashMap<String, Instant>,
    stats: ProxyStats,
}

impl State {
    fn new(config: FaultConfig) -> Self {
        let mut state = State {
            config: config.clone(),
            fault_rng: SplitMix64::new(0),
            jitter_rng: SplitMix64::new(0),
            buckets: None,
            server_errors_injected: 0,
            polls_seen: HashMap::new(),
            completes_at: HashMap::new(),
            stats: ProxyStats::default(),
        };
        state.apply_config(config);
        state
    }

    /// Installs a configuration: reseeds the random streams and refills the
    /// buckets, so the fault sequence after the change depends only on it.
    fn apply_config(&mut self, config: FaultConfig) {
        self.fault_rng = SplitMix64::new(config.seed);
        self.jitter_rng = SplitMix64::new(config.seed ^ JITTER_STREAM_SALT);
        self.buckets = config.rate_limit_per_family.map(|rate| {
            let now = Instant::now();
            std::array::from_fn(|_| TokenBucket::full(rate, now))
        });
        self.config = config;
    }

    fn plan(&mut self, family: ApiFamily, target: Option<&str>) -> Plan {
        self.record_request(family, target);
        let verdict = self.decide(family, target);
        self.record_verdict(family, verdict);
        let delay = if family.is_faultable() {
            self.next_delay()
        } else {
            Duration::ZERO
        };
        Plan {
            verdict,
            delay,
            in_progress_polls: self.config.in_progress_polls,
            completion_delay: self.config.completion_delay,
        }
    }

    fn decide(&mut self, family: ApiFamily, target: Option<&str>) -> Verdict {
        if !family.is_faultable() {
            return Verdict::Forward;
        }
        // The bucket comes first and an empty one skips the draw: rate limiting
        // depends on timing, and must not shift the random fault sequence.
        if !self.take_token(family) {
            return Verdict::RateLimited;
        }
        if target.is_some_and(|t| self.config.deny.iter().any(|d| d == t)) {
            return Verdict::Denied;
        }
        match self.draw_fault() {
            Verdict::Forward => self.gap_or_forward(target),
            fault => fault,
        }
    }

    fn take_token(&mut self, family: ApiFamily) -> bool {
        let (Some(buckets), Some(index)) = (self.buckets.as_mut(), family.bucket_index()) else {
            return true;
        };
        buckets[index].try_take(Instant::now())
    }

    /// Exactly one draw per call, whatever the ratios, so the same seed gives
    /// the same sequence of outcomes for the same sequence of requests.
    fn draw_fault(&mut self) -> Verdict {
        let draw = self.fault_rng.next_unit();
        let reset_below = unit_ratio(self.config.reset_ratio);
        let throttle_below = reset_below + unit_ratio(self.config.throttle_ratio);
        let server_error_below = throttle_below + unit_ratio(self.config.server_error_ratio);
        if draw < reset_below {
            Verdict::Reset
        } else if draw < throttle_below {
            Verdict::Throttle
        } else if draw < server_error_below {
            Verdict::ServerError(self.next_server_error_kind())
        } else {
            Verdict::Forward
        }
    }

    fn next_server_error_kind(&mut self) -> ServerErrorKind {
        let kind = if self.server_errors_injected.is_multiple_of(2) {
            ServerErrorKind::InternalServer
        } else {
            ServerErrorKind::ServiceUnavailable
        };
        self.server_errors_injected += 1;
        kind
    }

    fn gap_or_forward(&self, target: Option<&str>) -> Verdict {
        if !self.config.fill_emulator_gaps {
            return Verdict::Forward;
        }
        match emulator_gap(target) {
            Some(gap) => Verdict::FillGap(gap),
            None => Verdict::Forward,
        }
    }

    fn next_delay(&mut self) -> Duration {
        let jitter = self.config.latency_jitter;
        if jitter.is_zero() {
            return self.config.latency;
        }
        self.config.latency + jitter.mul_f64(self.jitter_rng.next_unit())
    }

    fn record_request(&mut self, family: ApiFamily, target: Option<&str>) {
        self.stats.family_mut(family).requests += 1;
        if let Some(target) = target {
            *self
                .stats
                .per_operation
                .entry(target.to_owned())
                .or_insert(0) += 1;
        }
    }

    fn record_verdict(&mut self, family: ApiFamily, verdict: Verdict) {
        let stats = self.stats.family_mut(family);
        let counter = match verdict {
            Verdict::RateLimited => &mut stats.rate_limited,
            Verdict::Reset => &mut stats.resets,
            Verdict::Throttle => &mut stats.throttled_injected,
            Verdict::ServerError(_) => &mut stats.server_errors,
            Verdict::FillGap(_) => &mut stats.gaps_filled,
            Verdict::Denied => &mut stats.denied,
            Verdict::Forward => &mut stats.forwarded,
        };
        *counter += 1;
    }

    /// Records when a write just accepted completes, drawn from `range`.
    fn schedule_completion(&mut self, request_key: String, range: (Duration, Duration)) {
        let (min, max) = range;
        let spread = max.saturating_sub(min).as_secs_f64();
        let draw = (self.jitter_rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let at = Instant::now() + min + Duration::from_secs_f64(spread * draw);
        self.completes_at.insert(request_key, at);
    }

    /// Whether a write with a scheduled completion is still running. A write the proxy did
    /// not see start completes at once.
    fn still_running(&self, request_key: &str) -> bool {
        self.completes_at
            .get(request_key)
            .is_some_and(|at| Instant::now() < *at)
    }

    /// Counts one answered status poll and says whether it is still among the
    /// first `limit` polls of its request id.
    fn poll_still_in_progress(&mut self, request_key: &str, limit: u32) -> bool {
        let seen = self.polls_seen.entry(request_key.to_owned()).or_insert(0);
        *seen = seen.saturating_add(1);
        *seen <= limit
    }
}

/// A ratio usable as a probability: NaN and negatives mean never.
fn unit_ratio(ratio: f64) -> f64 {
    if ratio > 0.0 {
        ratio.min(1.0)
    } else {
        0.0
    }
}

// ---------------------------------------------------------------------------
// In-progress status polls
// ---------------------------------------------------------------------------

/// A `DescribeAccountAssignment{Creation,Deletion}Status` request, recognised
/// so its answer can be rewritten.
#[derive(Clone, Copy, Debug)]
struct StatusPoll {
    /// Field of the request body holding the request id.
    request_id_field: &'static str,
    /// Field of the answer holding the status object.
    status_field: &'static str,
}

const STATUS_POLLS: &[(&str, StatusPoll)] = &[
    (
        "SWBExternalService.DescribeAccountAssignmentCreationStatus",
        StatusPoll {
            request_id_field: "AccountAssignmentCreationRequestId",
            status_field: "AccountAssignmentCreationStatus",
        },
    ),
    (
        "SWBExternalService.DescribeAccountAssignmentDeletionStatus",
        StatusPoll {
            request_id_field: "AccountAssignmentDeletionRequestId",
            status_field: "AccountAssignmentDeletionStatus",
        },
    ),
];

impl StatusPoll {
    fn recognise(target: Option<&str>) -> Option<StatusPoll> {
        let target = target?;
        STATUS_POLLS
            .iter()
            .find(|(poll_target, _)| *poll_target == target)
            .map(|(_, poll)| *poll)
    }

    /// The request id being polled, from the request or else from the answer.
    fn request_key(
        &self,
        request: &serde_json::Value,
        answer: &serde_json::Value,
    ) -> Option<String> {
        let from_request = request.get(self.request_id_field);
        let from_answer = answer
            .get(self.status_field)
            .and_then(|status| status.get("RequestId"));
        let id = from_request.or(from_answer)?.as_str()?;
        Some(format!("{}:{id}", self.status_field))
    }
}

// ---------------------------------------------------------------------------
// The proxy
// ---------------------------------------------------------------------------

type UpstreamClient = Client<HttpConnector, Full<Bytes>>;

/// Errors that end an inbound connection without an answer.
#[derive(Debug)]
enum ConnectionDrop {
    /// The configured reset fault.
    InjectedReset,
    /// The client went away while sending its request.
    InboundBody(hyper::Error),
}

impl std::fmt::Display for ConnectionDrop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectionDrop::InjectedReset => f.write_str("injected connection reset"),
            ConnectionDrop::InboundBody(error) => write!(f, "reading the request body: {error}"),
        }
    }
}

impl std::error::Error for ConnectionDrop {}

/// Where requests go, reduced to what is needed to rebuild their URIs.
#[derive(Clone, Debug)]
struct Upstream {
    scheme: hyper::http::uri::Scheme,
    authority: hyper::http::uri::Authority,
}

impl Upstream {
    fn parse(upstream: &str) -> std::io::Result<Upstream> {
        let invalid = |why: &str| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("upstream {upstream:?}: {why}"),
            )
        };
        let uri: Uri = upstream.parse().map_err(|_| invalid("not a URI"))?;
        let (Some(scheme), Some(authority)) = (uri.scheme().cloned(), uri.authority().cloned())
        else {
            return Err(invalid("expected http://host:port"));
        };
        if scheme != hyper::http::uri::Scheme::HTTP {
            return Err(invalid("only plain http is supported"));
        }
        Ok(Upstream { scheme, authority })
    }

    fn uri_for(&self, inbound: &Uri) -> Result<Uri, hyper::http::Error> {
        let path_and_query = inbound.path_and_query().map_or("/", |pq| pq.as_str());
        Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(path_and_query)
            .build()
    }
}

struct Shared {
    upstream: Upstream,
    client: UpstreamClient,
    state: Mutex<State>,
}

impl Shared {
    fn new(upstream: Upstream, config: FaultConfig) -> Shared {
        Shared {
            upstream,
            client: upstream_client(),
            state: Mutex::new(State::new(config)),
        }
    }

    /// Locks the state; a panic elsewhere while holding it leaves counters
    /// that are still meaningful, so poisoning is ignored.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn handle(
        &self,
        request: Request<Incoming>,
    ) -> Result<Response<Full<Bytes>>, ConnectionDrop> {
        let (parts, body) = request.into_parts();
        // Read the whole request first, as AWS does before it decides anything.
        let body = body
            .collect()
            .await
            .map_err(ConnectionDrop::InboundBody)?
            .to_bytes();
        let target = amz_target(&parts.headers);
        let family = ApiFamily::from_target(target.as_deref());
        let plan = self.state().plan(family, target.as_deref());

        let answer = match plan.verdict {
            Verdict::Reset => {
                sleep_unless_zero(plan.delay).await;
                return Err(ConnectionDrop::InjectedReset);
            }
            Verdict::RateLimited | Verdict::Throttle => throttling_exception(),
            Verdict::ServerError(kind) => kind.to_response(),
            Verdict::FillGap(gap) => gap.answer.to_response(),
            Verdict::Denied => aws_error(
                StatusCode::BAD_REQUEST,
                "AccessDeniedException",
                "User is not authorized to perform this action (denied by the test proxy)",
            ),
            Verdict::Forward => {
                self.forward(parts, body, family, target.as_deref(), plan)
                    .await
            }
        };
        sleep_unless_zero(plan.delay).await;
        Ok(answer)
    }

    async fn forward(
        &self,
        parts: Parts,
        body: Bytes,
        family: ApiFamily,
        target: Option<&str>,
        plan: Plan,
    ) -> Response<Full<Bytes>> {
        let poll = StatusPoll::recognise(target)
            .filter(|_| plan.in_progress_polls > 0 || plan.completion_delay.is_some());
        let start = plan
            .completion_delay
            .and_then(|range| StartedWrite::recognise(target).map(|w| (w, range)));
        let request_json = poll.map(|_| parse_json(&body));
        let (answer_parts, answer_body) = match self.exchange(parts, body).await {
            Ok(answer) => answer,
            Err(error) => {
                tracing::warn!(%error, ?target, "fault proxy: upstream request failed");
                self.state().stats.family_mut(family).upstream_errors += 1;
                return bad_gateway(&error);
            }
        };
        if let Some((write, range)) = start.filter(|_| answer_parts.status.is_success()) {
            if let Some(key) = write.request_key(&parse_json(&answer_body)) {
                self.state().schedule_completion(key, range);
            }
        }
        let answer_body = match (poll, request_json) {
            (Some(poll), Some(request_json)) if answer_parts.status.is_success() => {
                let rewrite = PollRewrite {
                    poll,
                    family,
                    limit: plan.in_progress_polls,
                    timed: plan.completion_delay.is_some(),
                };
                self.rewrite_status_poll(answer_body, &request_json, rewrite)
            }
            _ => answer_body,
        };
        Response::from_parts(answer_parts, Full::new(answer_body))
    }

    /// Sends the request upstream and collects the whole answer.
    async fn exchange(
        &self,
        parts: Parts,
        body: Bytes,
    ) -> Result<(response::Parts, Bytes), UpstreamError> {
        let request = self.upstream_request(parts, body)?;
        let answer = self
            .client
            .request(request)
            .await
            .map_err(UpstreamError::Request)?;
        let (mut parts, body) = answer.into_parts();
        let body = body
            .collect()
            .await
            .map_err(UpstreamError::Body)?
            .to_bytes();
        strip_hop_by_hop(&mut parts.headers);
        // Re-framed by hyper from the collected body, which a rewrite may resize.
        parts.headers.remove(CONTENT_LENGTH);
        Ok((parts, body))
    }

    fn upstream_request(
        &self,
        mut parts: Parts,
        body: Bytes,
    ) -> Result<Request<Full<Bytes>>, UpstreamError> {
        parts.uri = self
            .upstream
            .uri_for(&parts.uri)
            .map_err(UpstreamError::Uri)?;
        // The inbound connection may have been HTTP/1.0; the upstream hop is ours.
        parts.version = hyper::Version::HTTP_11;
        strip_hop_by_hop(&mut parts.headers);
        set_content_length(&mut parts.headers, &parts.method, body.len());
        let account = self.state().config.moto_account_id.clone();
        if let Some(account) = account {
            if let Ok(value) = HeaderValue::from_str(&account) {
                parts
                    .headers
                    .insert(HeaderName::from_static("x-moto-account-id"), value);
            }
        }
        Ok(Request::from_parts(parts, Full::new(body)))
    }

    /// Turns `SUCCEEDED` into `IN_PROGRESS` for the first polls of a request
    /// id; any answer it does not understand is passed on untouched.
    fn rewrite_status_poll(
        &self,
        body: Bytes,
        request_json: &serde_json::Value,
        rewrite: PollRewrite,
    ) -> Bytes {
        let mut answer_json = parse_json(&body);
        let Some(key) = rewrite.poll.request_key(request_json, &answer_json) else {
            return body;
        };
        let mut state = self.state();
        let running = if rewrite.timed {
            state.still_running(&key)
        } else {
            state.poll_still_in_progress(&key, rewrite.limit)
        };
        if !running {
            return body;
        }
        let status = answer_json
            .get_mut(rewrite.poll.status_field)
            .and_then(|status_object| status_object.get_mut("Status"));
        let Some(status) = status.filter(|status| status.as_str() == Some("SUCCEEDED")) else {
            return body;
        };
        *status = serde_json::Value::from("IN_PROGRESS");
        state.stats.family_mut(rewrite.family).in_progress_rewrites += 1;
        Bytes::from(answer_json.to_string())
    }
}

/// How one status-poll answer may be rewritten.
#[derive(Clone, Copy, Debug)]
struct PollRewrite {
    poll: StatusPoll,
    family: ApiFamily,
    limit: u32,
    /// By `completion_delay` rather than by poll count.
    timed: bool,
}

/// A `Create`/`DeleteAccountAssignment` answer, recognised to schedule its completion.
#[derive(Clone, Copy, Debug)]
struct StartedWrite {
    status_field: &'static str,
}

impl StartedWrite {
    fn recognise(target: Option<&str>) -> Option<StartedWrite> {
        match target? {
            "SWBExternalService.CreateAccountAssignment" => Some(StartedWrite {
                status_field: "AccountAssignmentCreationStatus",
            }),
            "SWBExternalService.DeleteAccountAssignment" => Some(StartedWrite {
                status_field: "AccountAssignmentDeletionStatus",
            }),
            _ => None,
        }
    }

    /// The same key `StatusPoll::request_key` gives the polls of this write.
    fn request_key(&self, answer: &serde_json::Value) -> Option<String> {
        let id = answer.get(self.status_field)?.get("RequestId")?.as_str()?;
        Some(format!("{}:{id}", self.status_field))
    }
}

/// Why a forwarded request got no answer from the upstream.
#[derive(Debug)]
enum UpstreamError {
    Uri(hyper::http::Error),
    Request(hyper_util::client::legacy::Error),
    Body(hyper::Error),
}

impl std::fmt::Display for UpstreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UpstreamError::Uri(error) => write!(f, "building the upstream URI: {error}"),
            UpstreamError::Request(error) => write!(f, "sending to the upstream: {error:?}"),
            UpstreamError::Body(error) => write!(f, "reading the upstream answer: {error}"),
        }
    }
}

fn upstream_client() -> UpstreamClient {
    let mut connector = HttpConnector::new();
    // Small JSON exchanges: Nagle plus delayed ACKs would add tens of ms each.
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(UPSTREAM_POOL_IDLE)
        .build(connector)
}

/// A running proxy. Dropping it stops accepting and closes its connections.
pub struct FaultProxy {
    local_addr: SocketAddr,
    shared: Arc<Shared>,
    accept_task: JoinHandle<()>,
}

impl FaultProxy {
    /// Starts a proxy on `127.0.0.1:<free port>` forwarding to `upstream`
    /// (`"http://127.0.0.1:5000"`; only its scheme and authority are used).
    pub async fn start(upstream: &str, config: FaultConfig) -> std::io::Result<FaultProxy> {
        let upstream = Upstream::parse(upstream)?;
        let listener = bind_loopback()?;
        let local_addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(upstream, config));
        let accept_task = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        Ok(FaultProxy {
            local_addr,
            shared,
            accept_task,
        })
    }

    /// The URL to give the SDK as `endpoint_url`.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn stats(&self) -> ProxyStats {
        self.shared.state().stats.clone()
    }

    /// The configuration currently in force.
    pub fn config(&self) -> FaultConfig {
        self.shared.state().config.clone()
    }

    /// Changes faults at run time. Requests already decided keep their
    /// verdict; the random streams restart from the new seed and the rate
    /// buckets start full. Counters and status-poll history are kept.
    pub fn set_config(&self, config: FaultConfig) {
        self.shared.state().apply_config(config);
    }

    /// Stops accepting, closes every open connection and waits until the
    /// accept task is gone.
    pub async fn shutdown(mut self) {
        self.accept_task.abort();
        // Cancellation is the expected outcome; anything else already ended it.
        let _ = (&mut self.accept_task).await;
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        // The accept task owns the connection tasks, so this ends them too.
        self.accept_task.abort();
    }
}

/// Binds `127.0.0.1:<free port>` with a deep accept queue: a benchmark opens
/// hundreds of connections at once, and the default backlog (128) makes the
/// kernel drop SYNs, which costs each unlucky client a one-second retransmit.
fn bind_loopback() -> std::io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
    socket.listen(LISTEN_BACKLOG)
}

/// Accepts connections until aborted. Connection tasks live in a `JoinSet`
/// owned by this task, so aborting it aborts them all.
async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    connections.spawn(serve_connection(stream, Arc::clone(&shared)));
                }
                Err(error) => {
                    tracing::warn!(%error, "fault proxy: accept failed");
                    tokio::time::sleep(ACCEPT_ERROR_BACKOFF).await;
                }
            },
            // Reap finished connections so the set does not grow without bound.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%error, "fault proxy: could not disable Nagle");
    }
    let service = service_fn(move |request| {
        let shared = Arc::clone(&shared);
        async move { shared.handle(request).await }
    });
    let served = http1::Builder::new()
        .keep_alive(true)
        // No timer is configured, and SDK keep-alive connections may idle.
        .header_read_timeout(None)
        .serve_connection(TokioIo::new(stream), service)
        .await;
    // A service error makes hyper close the socket without writing anything,
    // which is exactly the injected reset; other errors are clients leaving.
    if let Err(error) = served {
        tracing::trace!(%error, "fault proxy: connection ended");
    }
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

fn amz_target(headers: &HeaderMap) -> Option<String> {
    headers
        .get(AMZ_TARGET)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// Removes hop-by-hop headers, including those the `Connection` header names.
fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named_by_connection: Vec<HeaderName> = headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named_by_connection {
        headers.remove(name);
    }
    for name in HOP_BY_HOP_HEADERS {
        headers.remove(*name);
    }
}

/// The body was collected, so it goes out with an exact length; methods that
/// carry a body get one even when empty, as AWS SDKs send it.
fn set_content_length(headers: &mut HeaderMap, method: &Method, body_len: usize) {
    headers.remove(CONTENT_LENGTH);
    let carries_body = !matches!(
        *method,
        Method::GET | Method::HEAD | Method::DELETE | Method::OPTIONS
    );
    if body_len > 0 || carries_body {
        headers.insert(CONTENT_LENGTH, HeaderValue::from(body_len));
    }
}

fn parse_json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap_or(serde_json::Value::Null)
}

fn json_response(status: StatusCode, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(AMZ_JSON));
    response
}

/// An AWS JSON-protocol error answer, as the SDK parses it.
fn aws_error(status: StatusCode, code: &'static str, message: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({ "__type": code, "message": message }).to_string();
    let mut response = json_response(status, Bytes::from(body));
    response
        .headers_mut()
        .insert(AMZ_ERROR_TYPE, HeaderValue::from_static(code));
    response
}

fn throttling_exception() -> Response<Full<Bytes>> {
    aws_error(
        StatusCode::BAD_REQUEST,
        "ThrottlingException",
        "Rate exceeded",
    )
}

fn bad_gateway(error: &UpstreamError) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(format!("fault proxy: {error}"))));
    *response.status_mut() = StatusCode::BAD_GATEWAY;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    response
}

async fn sleep_unless_zero(delay: Duration) {
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;
    use std::sync::atomic::{AtomicU64, Ordering};

    const CREATE_STATUS: &str = "SWBExternalService.DescribeAccountAssignmentCreationStatus";
    const LIST_ASSIGNMENTS: &str = "SWBExternalService.ListAccountAssignments";
    const LIST_USERS: &str = "AWSIdentityStore.ListUsers";
    const LIST_ACCOUNTS: &str = "AWSOrganizationsV20161128.ListAccounts";
    const CREATION_SUCCEEDED: &str =
        r#"{"AccountAssignmentCreationStatus":{"Status":"SUCCEEDED","RequestId":"r1"}}"#;

    type TestClient = Client<HttpConnector, Full<Bytes>>;

    /// A stand-in for moto: counts requests and echoes what it received.
    struct EchoUpstream {
        url: String,
        requests: Arc<AtomicU64>,
        task: JoinHandle<()>,
    }

    impl EchoUpstream {
        async fn start() -> EchoUpstream {
            let listener = bind_loopback().unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            let requests = Arc::new(AtomicU64::new(0));
            let task = tokio::spawn(serve_echo(listener, Arc::clone(&requests)));
            EchoUpstream {
                url,
                requests,
                task,
            }
        }

        fn requests(&self) -> u64 {
            self.requests.load(Ordering::SeqCst)
        }
    }

    impl Drop for EchoUpstream {
        fn drop(&mut self) {
            self.task.abort();
        }
    }

    async fn serve_echo(listener: TcpListener, requests: Arc<AtomicU64>) {
        while let Ok((stream, _)) = listener.accept().await {
            let requests = Arc::clone(&requests);
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let requests = Arc::clone(&requests);
                    async move { Ok::<_, Infallible>(echo(request, &requests).await) }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    }

    async fn echo(request: Request<Incoming>, requests: &AtomicU64) -> Response<Full<Bytes>> {
        requests.fetch_add(1, Ordering::SeqCst);
        let (parts, body) = request.into_parts();
        let body = body.collect().await.unwrap().to_bytes();
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let target = header(AMZ_TARGET);
        let answer = if target == CREATE_STATUS {
            CREATION_SUCCEEDED.to_owned()
        } else {
            serde_json::json!({
                "method": parts.method.as_str(),
                "path": parts.uri.path(),
                "target": target,
                "host": header("host"),
                "probe": header("x-test-probe"),
                "moto_account": header("x-moto-account-id"),
                "body": String::from_utf8_lossy(&body),
            })
            .to_string()
        };
        let mut response = json_response(StatusCode::OK, Bytes::from(answer));
        response
            .headers_mut()
            .insert("x-upstream", HeaderValue::from_static("echo"));
        response
    }

    #[derive(Debug)]
    struct Answer {
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
    }

    impl Answer {
        fn json(&self) -> serde_json::Value {
            serde_json::from_slice(&self.body).unwrap()
        }

        fn error_type(&self) -> Option<&str> {
            self.headers
                .get(AMZ_ERROR_TYPE)
                .and_then(|value| value.to_str().ok())
        }

        fn is_throttling(&self) -> bool {
            self.status == StatusCode::BAD_REQUEST
                && self.error_type() == Some("ThrottlingException")
        }
    }

    fn test_client() -> TestClient {
        Client::builder(TokioExecutor::new()).build_http()
    }

    fn aws_request(proxy: &FaultProxy, target: &str, body: &str) -> Request<Full<Bytes>> {
        Request::post(format!("{}/", proxy.endpoint_url()))
            .header(AMZ_TARGET, target)
            .header(CONTENT_TYPE, AMZ_JSON)
            .body(Full::new(Bytes::from(body.to_owned())))
            .unwrap()
    }

    async fn send(
        client: &TestClient,
        request: Request<Full<Bytes>>,
    ) -> Result<Answer, hyper_util::client::legacy::Error> {
        let response = client.request(request).await?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await.unwrap().to_bytes();
        Ok(Answer {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    /// `send` for spawned tasks, which must own their client.
    async fn send_owned(
        client: TestClient,
        request: Request<Full<Bytes>>,
    ) -> Result<Answer, hyper_util::client::legacy::Error> {
        send(&client, request).await
    }

    async fn call(client: &TestClient, proxy: &FaultProxy, target: &str, body: &str) -> Answer {
        send(client, aws_request(proxy, target, body))
            .await
            .unwrap()
    }

    async fn start_pair(config: FaultConfig) -> (EchoUpstream, FaultProxy) {
        let upstream = EchoUpstream::start().await;
        let proxy = FaultProxy::start(&upstream.url, config).await.unwrap();
        (upstream, proxy)
    }

    #[tokio::test]
    async fn passthrough_forwards_method_path_headers_and_body() {
        let (upstream, proxy) = start_pair(FaultConfig::passthrough()).await;
        let mut request = aws_request(&proxy, LIST_ASSIGNMENTS, r#"{"InstanceArn":"arn:x"}"#);
        let headers = request.headers_mut();
        headers.insert(
            "host",
            HeaderValue::from_static("sso.eu-west-1.amazonaws.com"),
        );
        headers.insert("x-test-probe", HeaderValue::from_static("kept"));

        let answer = send(&test_client(), request).await.unwrap();

        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.headers.get("x-upstream").unwrap(), "echo");
        let echoed = answer.json();
        assert_eq!(echoed["method"], "POST");
        assert_eq!(echoed["path"], "/");
        assert_eq!(echoed["target"], LIST_ASSIGNMENTS);
        assert_eq!(echoed["host"], "sso.eu-west-1.amazonaws.com");
        assert_eq!(echoed["probe"], "kept");
        assert_eq!(echoed["body"], r#"{"InstanceArn":"arn:x"}"#);
        assert_eq!(upstream.requests(), 1);
    }

    #[tokio::test]
    async fn requests_are_routed_to_the_configured_moto_account() {
        let (_upstream, proxy) =
            start_pair(FaultConfig::passthrough().for_moto_account("123412341234")).await;
        let answer = call(&test_client(), &proxy, LIST_ASSIGNMENTS, "{}").await;
        assert_eq!(answer.json()["moto_account"], "123412341234");
    }

    #[tokio::test]
    async fn denied_targets_answer_access_denied_without_reaching_upstream() {
        let (upstream, proxy) =
            start_pair(FaultConfig::default().denying("AWSIdentityStore.ListUsers")).await;
        let client = test_client();
        let denied = call(&client, &proxy, "AWSIdentityStore.ListUsers", "{}").await;
        let allowed = call(&client, &proxy, "AWSIdentityStore.ListGroups", "{}").await;
        assert_eq!(denied.status, StatusCode::BAD_REQUEST);
        assert_eq!(denied.error_type(), Some("AccessDeniedException"));
        assert_eq!(allowed.status, StatusCode::OK);
        assert_eq!(upstream.requests(), 1);
        assert_eq!(proxy.stats().family(ApiFamily::IdentityStore).denied, 1);
    }

    #[tokio::test]
    async fn throttle_ratio_one_answers_throttling_without_reaching_upstream() {
        let (upstream, proxy) = start_pair(FaultConfig::default().with_throttle_ratio(1.0)).await;

        let answer = call(
            &test_client(),
            &proxy,
            "SWBExternalService.CreateAccountAssignment",
            "{}",
        )
        .await;

        assert!(answer.is_throttling(), "{answer:?}");
        assert_eq!(answer.headers.get(CONTENT_TYPE).unwrap(), AMZ_JSON);
        assert_eq!(answer.json()["__type"], "ThrottlingException");
        assert_eq!(answer.json()["message"], "Rate exceeded");
        assert_eq!(upstream.requests(), 0);
        assert_eq!(proxy.stats().sso_admin.throttled_injected, 1);
    }

    #[tokio::test]
    async fn server_errors_alternate_internal_and_unavailable() {
        let (upstream, proxy) =
            start_pair(FaultConfig::default().with_server_error_ratio(1.0)).await;
        let client = test_client();

        let first = call(&client, &proxy, LIST_USERS, "{}").await;
        let second = call(&client, &proxy, LIST_USERS, "{}").await;

        assert_eq!(first.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(first.error_type(), Some("InternalServerException"));
        assert_eq!(second.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(second.error_type(), Some("ServiceUnavailable"));
        assert_eq!(upstream.requests(), 0);
        assert_eq!(proxy.stats().identity_store.server_errors, 2);
    }

    #[tokio::test]
    async fn reset_ratio_one_drops_the_connection_without_answer() {
        let (upstream, proxy) = start_pair(FaultConfig::default().with_reset_ratio(1.0)).await;

        let result = send(&test_client(), aws_request(&proxy, LIST_ACCOUNTS, "{}")).await;

        let error = result.expect_err("a reset must not produce an HTTP answer");
        assert!(
            !error.is_connect(),
            "the connection was made, then dropped: {error:?}"
        );
        let hyper_error = std::error::Error::source(&error)
            .and_then(|source| source.downcast_ref::<hyper::Error>())
            .expect("a hyper protocol error");
        assert!(hyper_error.is_incomplete_message(), "{hyper_error:?}");
        assert_eq!(upstream.requests(), 0);
        assert_eq!(proxy.stats().organizations.resets, 1);
    }

    #[tokio::test]
    async fn rate_limit_lets_one_seconds_burst_through_and_throttles_the_rest() {
        const RATE: f64 = 5.0;
        const BURST: usize = 20;
        let started = Instant::now();
        let (upstream, proxy) =
            start_pair(FaultConfig::default().with_rate_limit_per_family(RATE)).await;
        let client = test_client();

        let mut calls = JoinSet::new();
        for _ in 0..BURST {
            calls.spawn(send_owned(
                client.clone(),
                aws_request(&proxy, LIST_ASSIGNMENTS, "{}"),
            ));
        }
        let answers: Vec<Answer> = calls
            .join_all()
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let elapsed = started.elapsed().as_secs_f64();

        let passed = answers
            .iter()
            .filter(|answer| answer.status == StatusCode::OK)
            .count();
        let throttled = answers
            .iter()
            .filter(|answer| answer.is_throttling())
            .count();
        // One second's worth up front, plus whatever refilled while we ran
        // (nothing measurable on loopback, but the bound stays exact on a slow box).
        let refilled = (elapsed * RATE).floor() as usize;
        assert!(passed >= RATE as usize, "the burst must pass: {passed}");
        assert!(
            passed <= RATE as usize + refilled,
            "{passed} passed in {elapsed}s"
        );
        assert!(throttled >= 1);
        assert_eq!(passed + throttled, BURST);
        assert_eq!(upstream.requests(), passed as u64);
        let stats = proxy.stats();
        assert_eq!(stats.sso_admin.rate_limited, throttled as u64);
        assert_eq!(stats.sso_admin.throttled_injected, 0);
    }

    #[tokio::test]
    async fn rate_limit_buckets_are_per_family() {
        let (_upstream, proxy) =
            start_pair(FaultConfig::default().with_rate_limit_per_family(1.0)).await;
        let client = test_client();

        let sso_first = call(&client, &proxy, LIST_ASSIGNMENTS, "{}").await;
        let sso_second = call(&client, &proxy, LIST_ASSIGNMENTS, "{}").await;
        let identity_first = call(&client, &proxy, LIST_USERS, "{}").await;

        assert_eq!(sso_first.status, StatusCode::OK);
        assert!(sso_second.is_throttling());
        assert_eq!(identity_first.status, StatusCode::OK);
    }

    #[test]
    fn token_bucket_holds_one_seconds_worth_and_refills_at_the_rate() {
        let start = Instant::now();
        let mut bucket = TokenBucket::full(5.0, start);

        let burst = (0..20).filter(|_| bucket.try_take(start)).count();
        assert_eq!(burst, 5);
        assert!(!bucket.try_take(start + Duration::from_millis(199)));
        assert!(bucket.try_take(start + Duration::from_millis(200)));
        let after_long_idle = start + Duration::from_secs(60);
        let refilled = (0..20).filter(|_| bucket.try_take(after_long_idle)).count();
        assert_eq!(refilled, 5, "the burst is capped at one second's worth");
    }

    #[test]
    fn token_bucket_below_one_per_second_still_admits_one_request() {
        let start = Instant::now();
        let mut slow = TokenBucket::full(0.5, start);
        assert!(slow.try_take(start));
        assert!(!slow.try_take(start + Duration::from_secs(1)));
        assert!(slow.try_take(start + Duration::from_secs(2)));

        let mut closed = TokenBucket::full(0.0, start);
        assert!(!closed.try_take(start + Duration::from_secs(60)));
    }

    #[tokio::test]
    async fn emulator_gaps_are_answered_without_asking_upstream() {
        let (upstream, proxy) = start_pair(FaultConfig::default()).await;
        let client = test_client();

        let applications = call(&client, &proxy, "SWBExternalService.ListApplications", "{}").await;
        let assignments = call(
            &client,
            &proxy,
            "SWBExternalService.ListApplicationAssignments",
            "{}",
        )
        .await;
        let tags = call(
            &client,
            &proxy,
            "SWBExternalService.ListTagsForResource",
            "{}",
        )
        .await;
        let boundary = call(
            &client,
            &proxy,
            "SWBExternalService.GetPermissionsBoundaryForPermissionSet",
            "{}",
        )
        .await;

        assert_eq!(applications.status, StatusCode::OK);
        assert_eq!(
            applications.json(),
            serde_json::json!({ "Applications": [] })
        );
        assert_eq!(
            assignments.json(),
            serde_json::json!({ "ApplicationAssignments": [] })
        );
        assert_eq!(tags.json(), serde_json::json!({ "Tags": [] }));
        assert_eq!(boundary.status, StatusCode::BAD_REQUEST);
        assert_eq!(boundary.error_type(), Some("ResourceNotFoundException"));
        assert_eq!(boundary.json()["message"], "Permissions boundary not found");
        assert_eq!(upstream.requests(), 0);
        assert_eq!(proxy.stats().sso_admin.gaps_filled, 4);
    }

    #[tokio::test]
    async fn emulator_gaps_are_forwarded_when_filling_is_off() {
        let (upstream, proxy) = start_pair(FaultConfig::passthrough()).await;

        let answer = call(
            &test_client(),
            &proxy,
            "SWBExternalService.ListApplications",
            "{}",
        )
        .await;

        assert_eq!(
            answer.json()["target"],
            "SWBExternalService.ListApplications"
        );
        assert_eq!(upstream.requests(), 1);
    }

    #[tokio::test]
    async fn in_progress_polls_rewrite_the_first_polls_of_each_request_id() {
        let (upstream, proxy) = start_pair(FaultConfig::default().with_in_progress_polls(2)).await;
        let client = test_client();
        let poll = |request_id: &'static str| {
            let body = format!(
                r#"{{"InstanceArn":"arn:x","AccountAssignmentCreationRequestId":"{request_id}"}}"#
            );
            let request = aws_request(&proxy, CREATE_STATUS, &body);
            let client = client.clone();
            async move {
                let answer = send(&client, request).await.unwrap();
                answer.json()["AccountAssignmentCreationStatus"]["Status"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            }
        };

        let statuses = [
            poll("r1").await,
            poll("r1").await,
            poll("r1").await,
            poll("r2").await,
        ];

        assert_eq!(
            statuses,
            ["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED", "IN_PROGRESS"]
        );
        assert_eq!(
            upstream.requests(),
            4,
            "every poll still reaches the emulator"
        );
        assert_eq!(proxy.stats().sso_admin.in_progress_rewrites, 3);
    }

    #[tokio::test]
    async fn moto_control_endpoints_pass_through_even_when_everything_faults() {
        let everything_faults = FaultConfig::default()
            .with_reset_ratio(1.0)
            .with_rate_limit_per_family(0.0)
            .with_latency(Duration::from_secs(3600));
        let (upstream, proxy) = start_pair(everything_faults).await;
        let request = Request::post(format!("{}/moto-api/reset", proxy.endpoint_url()))
            .body(Full::new(Bytes::new()))
            .unwrap();

        let answer = send(&test_client(), request).await.unwrap();

        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.json()["path"], "/moto-api/reset");
        assert_eq!(upstream.requests(), 1);
        let stats = proxy.stats();
        assert_eq!(stats.other.requests, 1);
        assert_eq!(stats.other.forwarded, 1);
        assert!(
            stats.per_operation.is_empty(),
            "no target, no operation key"
        );
    }

    #[tokio::test]
    async fn unknown_targets_are_never_faulted() {
        let (upstream, proxy) = start_pair(FaultConfig::default().with_throttle_ratio(1.0)).await;

        let answer = call(
            &test_client(),
            &proxy,
            "AWSSecurityTokenServiceV20110615.GetCallerIdentity",
            "{}",
        )
        .await;

        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(upstream.requests(), 1);
        assert_eq!(proxy.stats().other.forwarded, 1);
    }

    #[tokio::test]
    async fn stats_count_every_outcome_per_family_and_operation() {
        let (upstream, proxy) = start_pair(FaultConfig::default()).await;
        let client = test_client();

        for _ in 0..3 {
            call(&client, &proxy, LIST_ASSIGNMENTS, "{}").await;
        }
        call(&client, &proxy, "SWBExternalService.ListApplications", "{}").await;
        call(&client, &proxy, LIST_ACCOUNTS, "{}").await;
        proxy.set_config(FaultConfig::default().with_throttle_ratio(1.0));
        call(&client, &proxy, LIST_USERS, "{}").await;
        call(&client, &proxy, LIST_USERS, "{}").await;
        proxy.set_config(FaultConfig::default().with_reset_ratio(1.0));
        assert!(send(&client, aws_request(&proxy, LIST_ACCOUNTS, "{}"))
            .await
            .is_err());

        let stats = proxy.stats();
        let expected_sso = FamilyStats {
            requests: 4,
            forwarded: 3,
            gaps_filled: 1,
            ..FamilyStats::default()
        };
        let expected_identity = FamilyStats {
            requests: 2,
            throttled_injected: 2,
            ..FamilyStats::default()
        };
        let expected_organizations = FamilyStats {
            requests: 2,
            forwarded: 1,
            resets: 1,
            ..FamilyStats::default()
        };
        assert_eq!(stats.sso_admin, expected_sso);
        assert_eq!(stats.identity_store, expected_identity);
        assert_eq!(stats.organizations, expected_organizations);
        assert_eq!(stats.other, FamilyStats::default());
        assert_eq!(stats.total().requests, 8);
        assert_eq!(stats.operation_count(LIST_ASSIGNMENTS), 3);
        assert_eq!(
            stats.operation_count("SWBExternalService.ListApplications"),
            1
        );
        assert_eq!(stats.operation_count(LIST_USERS), 2);
        assert_eq!(stats.operation_count(LIST_ACCOUNTS), 2);
        assert_eq!(stats.per_operation.len(), 4);
        assert_eq!(upstream.requests(), 4);
    }

    /// Sends `count` sequential requests and names each outcome.
    async fn outcome_sequence(proxy: &FaultProxy, count: usize) -> Vec<String> {
        let client = test_client();
        let mut outcomes = Vec::with_capacity(count);
        for _ in 0..count {
            let outcome = match send(&client, aws_request(proxy, LIST_ASSIGNMENTS, "{}")).await {
                Ok(answer) => answer
                    .error_type()
                    .unwrap_or(answer.status.as_str())
                    .to_owned(),
                Err(_) => "reset".to_owned(),
            };
            outcomes.push(outcome);
        }
        outcomes
    }

    #[tokio::test]
    async fn same_seed_gives_the_same_fault_sequence() {
        let mixed = |seed| {
            FaultConfig::default()
                .with_reset_ratio(0.15)
                .with_throttle_ratio(0.2)
                .with_server_error_ratio(0.2)
                .with_seed(seed)
        };
        let (_upstream_a, proxy_a) = start_pair(mixed(42)).await;
        let (_upstream_b, proxy_b) = start_pair(mixed(42)).await;
        let (_upstream_c, proxy_c) = start_pair(mixed(7)).await;

        let first = outcome_sequence(&proxy_a, 40).await;
        let second = outcome_sequence(&proxy_b, 40).await;
        let other_seed = outcome_sequence(&proxy_c, 40).await;

        assert_eq!(first, second);
        assert_ne!(first, other_seed);
        for outcome in [
            "200",
            "reset",
            "ThrottlingException",
            "InternalServerException",
        ] {
            assert!(
                first.iter().any(|seen| seen == outcome),
                "{outcome} missing from {first:?}"
            );
        }
        assert_eq!(
            proxy_a.stats().sso_admin.requests,
            40,
            "the client must not retry resets"
        );
    }

    #[tokio::test]
    async fn set_config_restarts_the_sequence_from_the_new_seed() {
        let config = FaultConfig::default().with_throttle_ratio(0.5).with_seed(9);
        let (_upstream, proxy) = start_pair(config.clone()).await;

        let before = outcome_sequence(&proxy, 16).await;
        proxy.set_config(config);
        let after = outcome_sequence(&proxy, 16).await;

        assert_eq!(before, after);
    }

    #[tokio::test]
    async fn latency_delays_injected_errors_too() {
        let delay = Duration::from_millis(60);
        let config = FaultConfig::default()
            .with_throttle_ratio(1.0)
            .with_latency(delay)
            .with_latency_jitter(Duration::from_millis(20));
        let (_upstream, proxy) = start_pair(config).await;

        let started = Instant::now();
        let answer = call(&test_client(), &proxy, LIST_ASSIGNMENTS, "{}").await;

        assert!(answer.is_throttling());
        assert!(started.elapsed() >= delay, "{:?}", started.elapsed());
    }

    #[tokio::test]
    async fn jitter_does_not_change_the_fault_sequence() {
        let config = FaultConfig::default().with_throttle_ratio(0.5).with_seed(3);
        let (_upstream_a, steady) = start_pair(config.clone()).await;
        let jittery_config = config.with_latency_jitter(Duration::from_millis(2));
        let (_upstream_b, jittery) = start_pair(jittery_config).await;

        assert_eq!(
            outcome_sequence(&steady, 16).await,
            outcome_sequence(&jittery, 16).await
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hundreds_of_concurrent_connections_are_served() {
        const CONNECTIONS: usize = 300;
        // Latency keeps every request open at once, so the connections overlap.
        let config = FaultConfig::default().with_latency(Duration::from_millis(100));
        let (upstream, proxy) = start_pair(config).await;

        let mut calls = JoinSet::new();
        for _ in 0..CONNECTIONS {
            // A client per call: one connection each, no pooling between them.
            calls.spawn(send_owned(
                test_client(),
                aws_request(&proxy, LIST_ASSIGNMENTS, "{}"),
            ));
        }
        let answers = calls.join_all().await;

        assert!(answers
            .iter()
            .all(|answer| answer.as_ref().unwrap().status == StatusCode::OK));
        assert_eq!(upstream.requests(), CONNECTIONS as u64);
        assert_eq!(proxy.stats().sso_admin.forwarded, CONNECTIONS as u64);
    }

    #[tokio::test]
    async fn shutdown_stops_accepting_connections() {
        let (_upstream, proxy) = start_pair(FaultConfig::default()).await;
        let address = proxy.local_addr();

        proxy.shutdown().await;

        assert!(TcpStream::connect(address).await.is_err());
    }

    #[tokio::test]
    async fn start_rejects_an_upstream_that_is_not_plain_http() {
        for upstream in ["https://127.0.0.1:5000", "127.0.0.1:5000", "not a uri"] {
            let error = FaultProxy::start(upstream, FaultConfig::default())
                .await
                .err();
            assert_eq!(
                error.map(|error| error.kind()),
                Some(std::io::ErrorKind::InvalidInput),
                "{upstream}"
            );
        }
    }

    #[test]
    fn api_family_follows_the_target_prefix() {
        let family = |target| ApiFamily::from_target(Some(target));
        assert_eq!(family(LIST_ASSIGNMENTS), ApiFamily::SsoAdmin);
        assert_eq!(family(LIST_USERS), ApiFamily::IdentityStore);
        assert_eq!(family(LIST_ACCOUNTS), ApiFamily::Organizations);
        assert_eq!(
            family("AWSSecurityTokenServiceV20110615.GetCallerIdentity"),
            ApiFamily::Other
        );
        assert_eq!(ApiFamily::from_target(None), ApiFamily::Other);
    }

    #[test]
    fn rate_limited_requests_do_not_consume_a_draw() {
        let config = FaultConfig::default()
            .with_throttle_ratio(0.5)
            .with_seed(11);
        let mut unlimited = State::new(config.clone());
        let mut limited = State::new(config.with_rate_limit_per_family(1.0));

        let draws: Vec<bool> = (0..8)
            .map(|_| {
                matches!(
                    unlimited.decide(ApiFamily::SsoAdmin, None),
                    Verdict::Throttle
                )
            })
            .collect();
        let limited_draws: Vec<bool> = (0..8)
            .map(|_| {
                limited.buckets.as_mut().unwrap()[0] = TokenBucket::full(1.0, Instant::now());
                let verdict = limited.decide(ApiFamily::SsoAdmin, None);
                let refused = limited.decide(ApiFamily::SsoAdmin, None);
                assert!(matches!(refused, Verdict::RateLimited), "{refused:?}");
                matches!(verdict, Verdict::Throttle)
            })
            .collect();

        assert_eq!(draws, limited_draws);
    }
}
