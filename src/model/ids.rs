//! Identifier newtypes. Identity Center hands out opaque strings for every object; keeping them
//! apart in the type system stops a group id from being passed where a user id is expected.
//! ARNs are never parsed: their shape differs between AWS and emulators, and the API treats them
//! as opaque.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        /// Lets maps keyed by the id be searched with a `&str` (the derived `Hash`, `Eq`
        /// and `Ord` are the string's, so the two agree).
        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }
    };
}

string_id!(
    /// Identity store user id (immutable; a recreated user gets a new one).
    UserId
);
string_id!(
    /// Identity store group id (immutable; a recreated group gets a new one).
    GroupId
);
string_id!(
    /// The id of a user *or* a group, as stored in an assignment. It may no longer resolve.
    PrincipalId
);
string_id!(
    /// A permission set ARN, treated as an opaque string.
    PermissionSetArn
);
string_id!(
    /// A 12-digit AWS account id.
    AccountId
);
string_id!(
    /// An Identity Center application ARN, treated as an opaque string.
    ApplicationArn
);

impl From<&UserId> for PrincipalId {
    fn from(id: &UserId) -> Self {
        Self(id.0.clone())
    }
}

impl From<&GroupId> for PrincipalId {
    fn from(id: &GroupId) -> Self {
        Self(id.0.clone())
    }
}
