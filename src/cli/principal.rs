//! `cutover user ...` and `cutover group ...`: one directory change at a time, through the same
//! plan, confirmation, journal and engine as a changes file.

use super::directory::{execute, one_off_journal, read_state, say, WriteFlags};
use super::LiveArgs;
use crate::apply::directory::ONE_OFF;
use crate::aws::AwsBackend;
use crate::backend::directory::DirectoryWriter;
use crate::directory::fields::UserFields;
use crate::directory::plan::{plan, Found};
use crate::directory::{render, Change, DirectoryState};
use anyhow::{bail, Result};
use clap::{Args, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Clone, Args)]
pub struct UserAttributes {
    #[arg(long, value_name = "TEXT")]
    pub display_name: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub given_name: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub family_name: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub middle_name: Option<String>,
    /// An email address; repeat for more (the first is the primary one).
    #[arg(long = "email", value_name = "ADDRESS")]
    pub emails: Vec<String>,
    /// A phone number; repeat for more (the first is the primary one).
    #[arg(long = "phone", value_name = "NUMBER")]
    pub phone_numbers: Vec<String>,
    #[arg(long, value_name = "TEXT")]
    pub nick_name: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub user_type: Option<String>,
    #[arg(long, value_name = "TAG")]
    pub preferred_language: Option<String>,
    #[arg(long, value_name = "TAG")]
    pub locale: Option<String>,
    #[arg(long, value_name = "ZONE")]
    pub timezone: Option<String>,
    #[arg(long, value_name = "URL")]
    pub profile_url: Option<String>,
    #[arg(long, value_name = "URL")]
    pub website: Option<String>,
}

impl UserAttributes {
    fn fields(&self) -> UserFields {
        let list = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
        UserFields {
            display_name: self.display_name.clone(),
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            middle_name: self.middle_name.clone(),
            emails: list(&self.emails),
            phone_numbers: list(&self.phone_numbers),
            nick_name: self.nick_name.clone(),
            title: self.title.clone(),
            user_type: self.user_type.clone(),
            preferred_language: self.preferred_language.clone(),
            locale: self.locale.clone(),
            timezone: self.timezone.clone(),
            profile_url: self.profile_url.clone(),
            website: self.website.clone(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user in the identity store (checked first: an existing user name, compared case-insensitively, is not created twice).
    Create {
        #[arg(long, value_name = "NAME")]
        user_name: String,
        #[command(flatten)]
        attributes: UserAttributes,
        #[command(flatten)]
        flags: WriteFlags,
    },
    /// Change attributes of a user (named by id, user name or display name); only the attributes given change.
    Update {
        user: String,
        #[command(flatten)]
        attributes: UserAttributes,
        #[command(flatten)]
        flags: WriteFlags,
    },
    /// Delete a user (named by id, user name or display name).
    Delete {
        user: String,
        #[command(flatten)]
        flags: WriteFlags,
    },
    /// List the groups a user is a member of (read-only).
    Groups { user: String },
}

#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Create a group.
    Create {
        name: String,
        #[arg(long, value_name = "TEXT")]
        description: Option<String>,
        #[command(flatten)]
        flags: WriteFlags,
    },
    /// Rename a group or change its description.
    Update {
        group: String,
        /// The new display name.
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        #[arg(long, value_name = "TEXT")]
        description: Option<String>,
        #[command(flatten)]
        flags: WriteFlags,
    },
    /// Delete a group (named by id or display name).
    Delete {
        group: String,
        #[command(flatten)]
        flags: WriteFlags,
    },
    /// List a group's members (read-only).
    Members { group: String },
    /// Add users (by id, user name or display name) to a group.
    AddMember {
        group: String,
        #[arg(required = true)]
        users: Vec<String>,
        #[command(flatten)]
        flags: WriteFlags,
    },
    /// Remove users from a group.
    RemoveMember {
        group: String,
        #[arg(required = true)]
        users: Vec<String>,
        #[command(flatten)]
        flags: WriteFlags,
    },
}

pub async fn run_user(live: &LiveArgs, command: UserCommand) -> Result<ExitCode> {
    let backend = AwsBackend::connect(live.options()).await?;
    let (changes, flags) = match command {
        UserCommand::Groups { user } => return user_groups(&backend, &user).await,
        UserCommand::Create {
            user_name,
            attributes,
            flags,
        } => (
            vec![Change::CreateUser {
                user_name,
                fields: attributes.fields(),
            }],
            flags,
        ),
        UserCommand::Update {
            user,
            attributes,
            flags,
        } => (
            vec![Change::UpdateUser {
                user,
                fields: attributes.fields(),
            }],
            flags,
        ),
        UserCommand::Delete { user, flags } => (vec![Change::DeleteUser { user }], flags),
    };
    changes_now(&backend, &changes, &flags).await
}

pub async fn run_group(live: &LiveArgs, command: GroupCommand) -> Result<ExitCode> {
    let backend = AwsBackend::connect(live.options()).await?;
    let (changes, flags) = match command {
        GroupCommand::Members { group } => return group_members(&backend, &group).await,
        GroupCommand::Create {
            name,
            description,
            flags,
        } => (vec![Change::CreateGroup { name, description }], flags),
        GroupCommand::Update {
            group,
            name,
            description,
            flags,
        } => {
            if name.is_none() && description.is_none() {
                bail!("pass --name NEW and/or --description TEXT: there is nothing to change");
            }
            (
                vec![Change::UpdateGroup {
                    group,
                    new_name: name,
                    description,
                }],
                flags,
            )
        }
        GroupCommand::Delete { group, flags } => (vec![Change::DeleteGroup { group }], flags),
        GroupCommand::AddMember {
            group,
            users,
            flags,
        } => (
            users
                .into_iter()
                .map(|user| Change::AddMember {
                    group: group.clone(),
                    user,
                })
                .collect(),
            flags,
        ),
        GroupCommand::RemoveMember {
            group,
            users,
            flags,
        } => (
            users
                .into_iter()
                .map(|user| Change::RemoveMember {
                    group: group.clone(),
                    user,
                })
                .collect(),
            flags,
        ),
    };
    changes_now(&backend, &changes, &flags).await
}

/// Plans `changes` against the live directory, refuses when any is refused, else runs them.
pub async fn changes_now<W: DirectoryWriter>(
    writer: &W,
    changes: &[Change],
    flags: &WriteFlags,
) -> Result<ExitCode> {
    let state = read_state(writer, |s| s.groups_to_read(changes)).await?;
    let planned = plan(&state, changes);
    let label = |i: usize| {
        if changes.len() == 1 {
            String::new()
        } else {
            format!("#{}", i + 1)
        }
    };
    say(&render::plan(&planned, &label));
    if planned.refused().next().is_some() {
        bail!("refused: see above (nothing was written)");
    }
    let steps: Vec<_> = planned.steps().cloned().collect();
    let journal = flags
        .journal
        .clone()
        .unwrap_or_else(|| one_off_journal(&writer.identity_store_id()));
    execute(writer, &state, &steps, flags, journal, ONE_OFF).await
}

fn one_user<'s>(state: &'s DirectoryState, name: &str) -> Result<&'s crate::model::User> {
    match state.find_user(name) {
        Found::One(user) => Ok(user),
        Found::None => bail!(
            "no user {} (by id, user name or display name)",
            render::shown(name)
        ),
        Found::Several(n) => bail!("{n} users are named {}: name it by id", render::shown(name)),
    }
}

/// Prints `title` (given the count) and one sorted line per `(name, id)`.
fn print_listing(title: impl Fn(usize) -> String, entries: Vec<(&str, &str)>) {
    let mut lines: Vec<String> = entries
        .into_iter()
        .map(|(name, id)| format!("  {}  {id}", render::shown(name)))
        .collect();
    lines.sort();
    say(&title(lines.len()));
    for line in lines {
        say(&line);
    }
}

async fn user_groups<W: DirectoryWriter>(writer: &W, name: &str) -> Result<ExitCode> {
    let state = read_state(writer, |_| Vec::new()).await?;
    let user = one_user(&state, name)?;
    let memberships = writer.list_groups_of(&user.user_id).await?;
    let entries = memberships
        .iter()
        .map(|m| {
            let name = state
                .groups
                .iter()
                .find(|g| g.group_id == m.group_id)
                .map_or("", |g| g.display_name.as_str());
            (name, m.group_id.as_str())
        })
        .collect();
    print_listing(
        |n| {
            format!(
                "{} ({}) is a member of {}:",
                render::shown(&user.user_name),
                user.user_id,
                crate::humanize::counted(n, "group")
            )
        },
        entries,
    );
    Ok(ExitCode::SUCCESS)
}

async fn group_members<W: DirectoryWriter>(writer: &W, name: &str) -> Result<ExitCode> {
    let state = read_state(writer, |_| Vec::new()).await?;
    let group = match state.find_group(name) {
        Found::One(group) => group,
        Found::None => bail!("no group {} (by id or display name)", render::shown(name)),
        Found::Several(n) => bail!(
            "{n} groups are named {}: name it by id",
            render::shown(name)
        ),
    };
    let members = writer.list_members(&group.group_id).await?;
    let entries = members
        .iter()
        .map(|m| {
            let name = state
                .users
                .iter()
                .find(|u| u.user_id == m.user_id)
                .map_or("", |u| u.user_name.as_str());
            (name, m.user_id.as_str())
        })
        .collect();
    print_listing(
        |n| {
            format!(
                "Group {} ({}) has {}:",
                render::shown(&group.display_name),
                group.group_id,
                crate::humanize::counted(n, "member")
            )
        },
        entries,
    );
    Ok(ExitCode::SUCCESS)
}
