//! The user attributes a command or a CSV row sets, and how they compare with, become and
//! change an identity store user: a spec to create it, the `UpdateUser` operations that bring
//! an existing user to them, and those operations applied to a user (the simulation, and the
//! check that a second run finds nothing left to change).

use crate::backend::directory::{AttributeUpdate, UserSpec};
use crate::model::{Email, PersonName, Typed, User, UserProfile};
use serde_json::{json, Value};

/// `None` leaves an attribute as it is; for the emails and phone numbers an empty list is not
/// a value (the identity store would refuse it) and counts as `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserFields {
    pub display_name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub middle_name: Option<String>,
    /// The first is the primary one.
    pub emails: Option<Vec<String>>,
    pub phone_numbers: Option<Vec<String>>,
    pub nick_name: Option<String>,
    pub title: Option<String>,
    pub user_type: Option<String>,
    pub preferred_language: Option<String>,
    pub locale: Option<String>,
    pub timezone: Option<String>,
    pub profile_url: Option<String>,
    pub website: Option<String>,
}

/// The simple string attributes: API path, the field of [`UserFields`], the user's value.
type Simple = (
    &'static str,
    fn(&UserFields) -> &Option<String>,
    fn(&User) -> Option<&String>,
);

const SIMPLE: &[Simple] = &[
    (
        "displayName",
        |f| &f.display_name,
        |u| u.display_name.as_ref(),
    ),
    (
        "nickName",
        |f| &f.nick_name,
        |u| u.profile.nick_name.as_ref(),
    ),
    ("title", |f| &f.title, |u| u.profile.title.as_ref()),
    (
        "userType",
        |f| &f.user_type,
        |u| u.profile.user_type.as_ref(),
    ),
    (
        "preferredLanguage",
        |f| &f.preferred_language,
        |u| u.profile.preferred_language.as_ref(),
    ),
    ("locale", |f| &f.locale, |u| u.profile.locale.as_ref()),
    ("timezone", |f| &f.timezone, |u| u.profile.timezone.as_ref()),
    (
        "profileUrl",
        |f| &f.profile_url,
        |u| u.profile.profile_url.as_ref(),
    ),
    ("website", |f| &f.website, |u| u.profile.website.as_ref()),
];

type NamePart = (
    &'static str,
    fn(&UserFields) -> &Option<String>,
    fn(&PersonName) -> Option<&String>,
);

const NAME_PARTS: &[NamePart] = &[
    (
        "name.givenName",
        |f| &f.given_name,
        |n| n.given_name.as_ref(),
    ),
    (
        "name.familyName",
        |f| &f.family_name,
        |n| n.family_name.as_ref(),
    ),
    (
        "name.middleName",
        |f| &f.middle_name,
        |n| n.middle_name.as_ref(),
    ),
];

fn emails_of(values: &[String]) -> Vec<Email> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| Email {
            value: v.clone(),
            kind: Some("work".to_owned()),
            primary: i == 0,
        })
        .collect()
}

fn phones_of(values: &[String]) -> Vec<Typed> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| Typed {
            value: v.clone(),
            kind: Some("work".to_owned()),
            display: None,
            primary: i == 0,
        })
        .collect()
}

fn emails_json(emails: &[Email]) -> Value {
    Value::Array(
        emails
            .iter()
            .map(|e| {
                let mut v = json!({"value": e.value, "primary": e.primary});
                if let Some(kind) = &e.kind {
                    v["type"] = json!(kind);
                }
                v
            })
            .collect(),
    )
}

fn phones_json(phones: &[Typed]) -> Value {
    Value::Array(
        phones
            .iter()
            .map(|p| {
                let mut v = json!({"value": p.value, "primary": p.primary});
                if let Some(kind) = &p.kind {
                    v["type"] = json!(kind);
                }
                v
            })
            .collect(),
    )
}

fn present(list: &Option<Vec<String>>) -> Option<&Vec<String>> {
    list.as_ref().filter(|l| !l.is_empty())
}

impl UserFields {
    /// Whether no attribute is set.
    pub fn is_empty(&self) -> bool {
        let mut empty = self.clone();
        empty.emails = present(&self.emails).cloned();
        empty.phone_numbers = present(&self.phone_numbers).cloned();
        empty == UserFields::default()
    }

    /// What `CreateUser` is sent for a new user with these attributes.
    pub fn spec(&self, user_name: &str) -> UserSpec {
        let name = PersonName {
            formatted: None,
            given_name: self.given_name.clone(),
            middle_name: self.middle_name.clone(),
            family_name: self.family_name.clone(),
            honorific_prefix: None,
            honorific_suffix: None,
        };
        UserSpec {
            user_name: user_name.to_owned(),
            display_name: self.display_name.clone(),
            name: (name != PersonName::default()).then_some(name),
            emails: present(&self.emails)
                .map(|e| emails_of(e))
                .unwrap_or_default(),
            profile: UserProfile {
                nick_name: self.nick_name.clone(),
                profile_url: self.profile_url.clone(),
                user_type: self.user_type.clone(),
                title: self.title.clone(),
                preferred_language: self.preferred_language.clone(),
                locale: self.locale.clone(),
                timezone: self.timezone.clone(),
                website: self.website.clone(),
                phone_numbers: present(&self.phone_numbers)
                    .map(|p| phones_of(p))
                    .unwrap_or_default(),
                ..UserProfile::default()
            },
        }
    }

    /// The operations that give `user` these attributes; empty when it has them already.
    /// Emails and phone numbers compare by their values in order (kinds are not compared).
    pub fn updates(&self, user: &User) -> Vec<AttributeUpdate> {
        let mut updates = Vec::new();
        for (path, wanted, has) in SIMPLE {
            if let Some(value) = wanted(self) {
                if has(user) != Some(value) {
                    updates.push(AttributeUpdate {
                        path: (*path).to_owned(),
                        value: Some(json!(value)),
                    });
                }
            }
        }
        let name = user.name.clone().unwrap_or_default();
        for (path, wanted, has) in NAME_PARTS {
            if let Some(value) = wanted(self) {
                if has(&name) != Some(value) {
                    updates.push(AttributeUpdate {
                        path: (*path).to_owned(),
                        value: Some(json!(value)),
                    });
                }
            }
        }
        if let Some(emails) = present(&self.emails) {
            let current: Vec<&String> = user.emails.iter().map(|e| &e.value).collect();
            if current != emails.iter().collect::<Vec<_>>() {
                updates.push(AttributeUpdate {
                    path: "emails".to_owned(),
                    value: Some(emails_json(&emails_of(emails))),
                });
            }
        }
        if let Some(phones) = present(&self.phone_numbers) {
            let current: Vec<&String> = user
                .profile
                .phone_numbers
                .iter()
                .map(|p| &p.value)
                .collect();
            if current != phones.iter().collect::<Vec<_>>() {
                updates.push(AttributeUpdate {
                    path: "phoneNumbers".to_owned(),
                    value: Some(phones_json(&phones_of(phones))),
                });
            }
        }
        updates
    }
}

/// The operations a group update sends: a new display name, a new description.
pub fn group_updates(
    current_name: &str,
    current_description: Option<&str>,
    new_name: Option<&str>,
    description: Option<&str>,
) -> Vec<AttributeUpdate> {
    let mut updates = Vec::new();
    if let Some(name) = new_name.filter(|n| *n != current_name) {
        updates.push(AttributeUpdate {
            path: "displayName".to_owned(),
            value: Some(json!(name)),
        });
    }
    if let Some(description) = description.filter(|d| Some(*d) != current_description) {
        updates.push(AttributeUpdate {
            path: "description".to_owned(),
            value: Some(json!(description)),
        });
    }
    updates
}

fn string(value: &Option<Value>) -> Option<String> {
    value.as_ref().and_then(Value::as_str).map(str::to_owned)
}

fn typed_list(value: &Option<Value>) -> Vec<(String, Option<String>, bool)> {
    value
        .as_ref()
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| {
                    Some((
                        item.get("value")?.as_str()?.to_owned(),
                        item.get("type").and_then(Value::as_str).map(str::to_owned),
                        item.get("primary")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `updates` applied to `user` the way the identity store applies them (for the paths
/// [`UserFields::updates`] produces). `Err` names a path this does not know.
pub fn apply_user_updates(user: &mut User, updates: &[AttributeUpdate]) -> Result<(), String> {
    for update in updates {
        let value = string(&update.value);
        let name = user.name.get_or_insert_with(PersonName::default);
        match update.path.as_str() {
            "userName" => user.user_name = value.unwrap_or_default(),
            "displayName" => user.display_name = value,
            "nickName" => user.profile.nick_name = value,
            "title" => user.profile.title = value,
            "userType" => user.profile.user_type = value,
            "preferredLanguage" => user.profile.preferred_language = value,
            "locale" => user.profile.locale = value,
            "timezone" => user.profile.timezone = value,
            "profileUrl" => user.profile.profile_url = value,
            "website" => user.profile.website = value,
            "name.givenName" => name.given_name = value,
            "name.familyName" => name.family_name = value,
            "name.middleName" => name.middle_name = value,
            "emails" => {
                user.emails = typed_list(&update.value)
                    .into_iter()
                    .map(|(value, kind, primary)| Email {
                        value,
                        kind,
                        primary,
                    })
                    .collect()
            }
            "phoneNumbers" => {
                user.profile.phone_numbers = typed_list(&update.value)
                    .into_iter()
                    .map(|(value, kind, primary)| Typed {
                        value,
                        kind,
                        display: None,
                        primary,
                    })
                    .collect()
            }
            other => return Err(format!("unknown attribute path {other}")),
        }
        if user.name.as_ref() == Some(&PersonName::default()) {
            user.name = None;
        }
    }
    Ok(())
}

/// A user as `CreateUser` with `spec` leaves it (the simulation).
pub fn user_from_spec(user_id: &str, spec: &UserSpec) -> User {
    User {
        user_id: user_id.into(),
        user_name: spec.user_name.clone(),
        display_name: spec.display_name.clone(),
        name: spec.name.clone(),
        emails: spec.emails.clone(),
        external_ids: Vec::new(),
        status: Some("ENABLED".to_owned()),
        profile: spec.profile.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> UserFields {
        UserFields {
            display_name: Some("Ana Chen".into()),
            given_name: Some("Ana".into()),
            family_name: Some("Chen".into()),
            emails: Some(vec!["ana@example.com".into(), "a.chen@example.com".into()]),
            title: Some("Engineer".into()),
            ..UserFields::default()
        }
    }

    #[test]
    fn a_created_user_needs_no_update_and_a_changed_one_exactly_the_changed_attributes() {
        let user = user_from_spec("u-1", &fields().spec("ana"));
        assert!(fields().updates(&user).is_empty());
        assert_eq!(user.primary_email(), Some("ana@example.com"));
        let change = UserFields {
            family_name: Some("Chen-Li".into()),
            emails: Some(vec!["ana@new.example".into()]),
            title: Some("Engineer".into()),
            ..UserFields::default()
        };
        let updates = change.updates(&user);
        let paths: Vec<&str> = updates.iter().map(|u| u.path.as_str()).collect();
        assert_eq!(paths, ["name.familyName", "emails"]);
        let mut changed = user.clone();
        apply_user_updates(&mut changed, &updates).unwrap();
        assert!(change.updates(&changed).is_empty());
        assert_eq!(changed.name.unwrap().given_name.as_deref(), Some("Ana"));
        assert_eq!(changed.emails.len(), 1);
    }

    #[test]
    fn empty_lists_are_no_value() {
        let f = UserFields {
            emails: Some(Vec::new()),
            ..UserFields::default()
        };
        assert!(f.is_empty());
        assert!(f.spec("x").emails.is_empty());
    }

    #[test]
    fn group_updates_send_only_what_differs() {
        assert!(group_updates("ops", Some("d"), Some("ops"), Some("d")).is_empty());
        let u = group_updates("ops", None, Some("platform"), Some("on call"));
        assert_eq!(u.len(), 2);
        assert_eq!(u[0].value, Some(json!("platform")));
    }
}
