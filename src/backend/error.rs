//! Why a load or a write failed, phrased for the administrator: what happened, what it affects
//! and what to do. The AWS layer translates SDK errors into these.

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("no AWS credentials were found (tried {tried}). {hint}")]
    NoCredentials { tried: String, hint: String },

    #[error("the AWS credentials could not be loaded: {cause} (tried {tried}). {hint}")]
    CredentialsUnavailable {
        cause: String,
        tried: String,
        hint: String,
    },

    #[error("cannot reach AWS at {endpoint}: {detail} (after {attempts} attempts). Check --endpoint-url, --region and the network (a proxy is taken from HTTPS_PROXY).")]
    Unreachable {
        endpoint: String,
        detail: String,
        attempts: u32,
    },

    #[error("the AWS session has expired or its credentials are not valid ({detail}). {hint}")]
    ExpiredCredentials { detail: String, hint: String },

    #[error("access denied: the caller may not call {action}. Affected: {affects}. Grant {action} (for reading, the AWS managed policies AWSSSOReadOnly and AWSSSODirectoryReadOnly cover it) and run again.{detail}", detail = fmt_detail(.detail))]
    AccessDenied {
        action: String,
        affects: String,
        detail: Option<String>,
    },

    #[error("no IAM Identity Center instance is visible in region {region}. Check --region (Identity Center lives in one region) and that the credentials belong to the management or delegated administrator account.")]
    NoInstance { region: String },

    #[error("{count} IAM Identity Center instances are visible; choose one with --instance-arn:\n{list}", count = .arns.len(), list = .arns.iter().map(|a| format!("  {a}")).collect::<Vec<_>>().join("\n"))]
    SeveralInstances { arns: Vec<String> },

    #[error("instance {requested} was not found; visible instances: {visible}", visible = if .visible.is_empty() { "none".to_owned() } else { .visible.join(", ") })]
    InstanceNotFound {
        requested: String,
        visible: Vec<String>,
    },

    #[error("{action} kept failing after {attempts} attempts ({detail}). Affected: {affects}. Nothing was written; run again, or lower --max-rps-* if other tools share the API budget.")]
    GaveUp {
        action: String,
        attempts: u32,
        affects: String,
        detail: String,
    },

    #[error("{action} failed: {detail}. Affected: {affects}.")]
    Api {
        action: String,
        affects: String,
        detail: String,
    },

    #[error("invalid configuration: {0}")]
    Config(String),
}

fn fmt_detail(detail: &Option<String>) -> String {
    match detail {
        Some(d) => format!(" (AWS said: {d})"),
        None => String::new(),
    }
}
