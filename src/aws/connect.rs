//! From command-line options to configured SDK clients and a chosen Identity Center instance.
//! Credentials come from the standard AWS chain (environment, profiles, SSO, IMDS).

use super::call::{call, FailureKind, RetryPolicy};
use super::pacing::FamilyGate;
use crate::backend::BackendError;
use crate::model::InstanceInfo;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::ProvideCredentials;
use std::time::Duration;

pub use super::call::CREDENTIALS_HINT;

/// What every live command needs to reach an instance.
#[derive(Clone, Debug)]
pub struct LiveOptions {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub instance_arn: Option<String>,
    pub max_rps_sso_admin: f64,
    pub max_rps_identitystore: f64,
    pub max_rps_organizations: f64,
    /// Requests outstanding per API family at most.
    pub max_in_flight: usize,
    pub retry: RetryPolicy,
    /// Replaces the SDK's HTTP client. For tests of paths the emulator lacks, with the SDK's
    /// own test clients; `None` in the product.
    pub http_client: Option<aws_sdk_ssoadmin::config::SharedHttpClient>,
    /// Replaces the standard credential chain (tests that act as several emulated accounts at
    /// once, where environment variables would be shared); `None` in the product.
    pub credentials: Option<aws_credential_types::provider::SharedCredentialsProvider>,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            profile: None,
            region: None,
            endpoint_url: None,
            instance_arn: None,
            max_rps_sso_admin: 18.0,
            max_rps_identitystore: 18.0,
            // Organizations allows far fewer reads per second than Identity Center.
            max_rps_organizations: 4.0,
            max_in_flight: 16,
            retry: RetryPolicy::default(),
            http_client: None,
            credentials: None,
        }
    }
}

/// The three API families and their gates.
pub struct Gates {
    pub sso_admin: FamilyGate,
    pub identitystore: FamilyGate,
    pub organizations: FamilyGate,
}

impl Gates {
    pub fn new(options: &LiveOptions) -> Self {
        Gates {
            sso_admin: FamilyGate::new(
                "sso-admin",
                options.max_rps_sso_admin,
                options.max_in_flight,
            ),
            identitystore: FamilyGate::new(
                "identitystore",
                options.max_rps_identitystore,
                options.max_in_flight,
            ),
            organizations: FamilyGate::new(
                "organizations",
                options.max_rps_organizations,
                options.max_in_flight.min(4),
            ),
        }
    }

    pub fn all(&self) -> [&FamilyGate; 3] {
        [&self.sso_admin, &self.identitystore, &self.organizations]
    }

    pub fn total_calls(&self) -> u64 {
        self.all().iter().map(|g| g.calls()).sum()
    }

    pub fn total_throttles(&self) -> u64 {
        self.all().iter().map(|g| g.throttles()).sum()
    }
}

/// Configured clients for one instance.
pub struct Clients {
    pub sso_admin: aws_sdk_ssoadmin::Client,
    pub identitystore: aws_sdk_identitystore::Client,
    pub organizations: aws_sdk_organizations::Client,
    pub region: String,
}

/// Loads the SDK configuration with our retry and timeout policy. SDK retries are off: our
/// `call` retries through the rate limiter and counts what it retries.
pub async fn sdk_config(options: &LiveOptions) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(30))
                .build(),
        );
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &options.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some(client) = &options.http_client {
        loader = loader.http_client(client.clone());
    }
    if let Some(credentials) = &options.credentials {
        loader = loader.credentials_provider(credentials.clone());
    }
    loader.load().await
}

/// Builds clients and checks, before any API call, that there are credentials to sign with.
pub async fn clients(options: &LiveOptions) -> Result<Clients, BackendError> {
    let config = checked_config(options).await?;
    Ok(Clients::new(&config))
}

/// The SDK configuration, once it is known to have a region and credentials to sign with.
pub async fn checked_config(options: &LiveOptions) -> Result<SdkConfig, BackendError> {
    let config = sdk_config(options).await;
    if config.region().is_none() {
        return Err(BackendError::Config(
            "no AWS region is set: pass --region, set AWS_REGION, or set region in the profile"
                .to_owned(),
        ));
    }
    check_credentials(&config, options).await?;
    Ok(config)
}

impl Clients {
    /// Clients for a configuration from [`checked_config`] (which made sure it has a region).
    pub fn new(config: &SdkConfig) -> Clients {
        Clients {
            sso_admin: aws_sdk_ssoadmin::Client::new(config),
            identitystore: aws_sdk_identitystore::Client::new(config),
            organizations: aws_sdk_organizations::Client::new(config),
            region: config.region().map(|r| r.to_string()).unwrap_or_default(),
        }
    }
}

/// Where the SDK's credential chain looked, for a message that says what to provide.
fn sources_tried(options: &LiveOptions) -> String {
    match &options.profile {
        Some(profile) => format!(
            "the profile {:?} in ~/.aws/config and ~/.aws/credentials: keys, SSO, credential_process, role assumption",
            crate::text::inert(profile)
        ),
        None => "environment variables (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), the default profile in ~/.aws/config and ~/.aws/credentials (keys, SSO, credential_process), web identity (AWS_WEB_IDENTITY_TOKEN_FILE), ECS container credentials, EC2 instance metadata".to_owned(),
    }
}

/// An error and its sources as one short line of their Display texts: no Debug output, and
/// not the kilobytes a chain of provider errors can hold.
fn short_chain(error: &(dyn std::error::Error + 'static)) -> String {
    const LIMIT: usize = 300;
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(e) = next {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    let line = crate::text::inert(&parts.join(": ").replace('\n', " ")).into_owned();
    match line.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

async fn check_credentials(config: &SdkConfig, options: &LiveOptions) -> Result<(), BackendError> {
    let Some(provider) = config.credentials_provider() else {
        return Err(BackendError::NoCredentials {
            tried: sources_tried(options),
            hint: CREDENTIALS_HINT.to_owned(),
        });
    };
    match provider.provide_credentials().await {
        Ok(credentials) => {
            if let Some(expiry) = credentials.expiry() {
                if expiry <= std::time::SystemTime::now() {
                    return Err(BackendError::ExpiredCredentials {
                        detail: "the credentials' expiry time has passed".to_owned(),
                        hint: CREDENTIALS_HINT.to_owned(),
                    });
                }
            }
            Ok(())
        }
        Err(CredentialsError::CredentialsNotLoaded(_)) => Err(BackendError::NoCredentials {
            tried: sources_tried(options),
            hint: CREDENTIALS_HINT.to_owned(),
        }),
        Err(error) => {
            // The whole chain, Debug included, goes to the log only.
            tracing::warn!(
                "credentials: {}",
                aws_sdk_ssoadmin::error::DisplayErrorContext(&error)
            );
            Err(BackendError::CredentialsUnavailable {
                cause: short_chain(&error),
                tried: sources_tried(options),
                hint: CREDENTIALS_HINT.to_owned(),
            })
        }
    }
}

/// Finds the instance to work on: the one named by `--instance-arn`, or the only one visible.
pub async fn choose_instance(
    clients: &Clients,
    gates: &Gates,
    options: &LiveOptions,
) -> Result<InstanceInfo, BackendError> {
    let instances = list_instances(
        clients,
        gates,
        &options.retry,
        options.endpoint_url.as_deref(),
    )
    .await?;
    pick_instance(instances, options.instance_arn.as_deref(), &clients.region)
}

/// Every instance the caller can see in the clients' Region. `endpoint` (the `--endpoint-url`,
/// if any) only names what could not be reached.
pub async fn list_instances(
    clients: &Clients,
    gates: &Gates,
    retry: &RetryPolicy,
    endpoint: Option<&str>,
) -> Result<Vec<InstanceInfo>, BackendError> {
    let mut instances = Vec::new();
    let mut next_token: Option<String> = None;
    // The first request: an endpoint that cannot be reached is said after a few seconds, not
    // after the full retry budget a throttled load deserves.
    let probe = RetryPolicy {
        max_attempts: retry.max_attempts.min(3),
        max_delay: retry.max_delay.min(Duration::from_secs(1)),
        ..retry.clone()
    };
    loop {
        let list = || {
            clients
                .sso_admin
                .list_instances()
                .set_next_token(next_token.clone())
                .send()
        };
        let page = match call(&gates.sso_admin, &probe, "sso:ListInstances", list).await {
            // An endpoint that answered (throttling, 5xx) gets the full retry budget: only
            // silence is cut short.
            Err(f)
                if !f.no_answer
                    && matches!(f.kind, FailureKind::Throttled | FailureKind::Transient) =>
            {
                call(&gates.sso_admin, retry, "sso:ListInstances", list).await
            }
            other => other,
        }
        .map_err(|f| {
            if f.no_answer {
                BackendError::Unreachable {
                    endpoint: endpoint.map(str::to_owned).unwrap_or_else(|| {
                        format!("the Identity Center endpoint of {}", clients.region)
                    }),
                    detail: f.message,
                    attempts: f.attempts,
                }
            } else {
                f.into_backend_error("instance")
            }
        })?;
        for meta in page.instances() {
            if let (Some(arn), Some(store)) = (meta.instance_arn(), meta.identity_store_id()) {
                instances.push(InstanceInfo {
                    instance_arn: arn.to_owned(),
                    identity_store_id: store.to_owned(),
                    region: Some(clients.region.clone()),
                    owner_account_id: meta.owner_account_id().map(str::to_owned),
                });
            }
        }
        next_token = page.next_token().map(str::to_owned);
        if next_token.is_none() {
            break;
        }
    }
    Ok(instances)
}

pub(crate) fn pick_instance(
    mut instances: Vec<InstanceInfo>,
    requested: Option<&str>,
    region: &str,
) -> Result<InstanceInfo, BackendError> {
    if let Some(requested) = requested {
        return match instances.iter().position(|i| i.instance_arn == requested) {
            Some(index) => Ok(instances.swap_remove(index)),
            None => Err(BackendError::InstanceNotFound {
                requested: requested.to_owned(),
                visible: instances.into_iter().map(|i| i.instance_arn).collect(),
            }),
        };
    }
    match instances.len() {
        0 => Err(BackendError::NoInstance {
            region: region.to_owned(),
        }),
        1 => Ok(instances.remove(0)),
        _ => Err(BackendError::SeveralInstances {
            arns: instances.into_iter().map(|i| i.instance_arn).collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(arn: &str) -> InstanceInfo {
        InstanceInfo {
            instance_arn: arn.to_owned(),
            identity_store_id: "d-1".to_owned(),
            region: None,
            owner_account_id: None,
        }
    }

    #[test]
    fn picks_the_only_instance_or_explains_why_not() {
        assert!(matches!(
            pick_instance(vec![], None, "eu-west-1"),
            Err(BackendError::NoInstance { .. })
        ));
        assert_eq!(
            pick_instance(vec![instance("a")], None, "r")
                .unwrap()
                .instance_arn,
            "a"
        );
        let err = pick_instance(vec![instance("a"), instance("b")], None, "r").unwrap_err();
        assert!(err.to_string().contains("--instance-arn"), "{err}");
        assert_eq!(
            pick_instance(vec![instance("a"), instance("b")], Some("b"), "r")
                .unwrap()
                .instance_arn,
            "b"
        );
        let err = pick_instance(vec![instance("a")], Some("z"), "r").unwrap_err();
        assert!(err.to_string().contains("z was not found"), "{err}");
    }
}
