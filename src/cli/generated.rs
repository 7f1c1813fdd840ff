//! `cutover completions SHELL` and `cutover man`: generated from the same clap definitions that
//! parse the command line, so they cannot drift from it.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for (bash, zsh, fish, powershell, elvish).
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The completion script for `shell`.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut command = super::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "cutover", &mut out);
    out
}

/// The man page (roff) of cutover and its subcommands, one page with a section per command.
pub fn man_page() -> std::io::Result<Vec<u8>> {
    let command = super::Cli::command();
    let mut out = Vec::new();
    let man = clap_mangen::Man::new(command.clone());
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    render_subcommands(&command, "cutover", &mut out)?;
    man.render_version_section(&mut out)?;
    Ok(out)
}

/// A section per subcommand (and per nested subcommand), with its synopsis and options.
fn render_subcommands(
    command: &clap::Command,
    path: &str,
    out: &mut Vec<u8>,
) -> std::io::Result<()> {
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("{path} {}", sub.get_name());
        let sub = sub.clone().bin_name(name.clone());
        out.extend_from_slice(format!(".SH \"{}\"\n", name.to_uppercase()).as_bytes());
        let man = clap_mangen::Man::new(sub.clone());
        if let Some(about) = sub.get_long_about().or(sub.get_about()) {
            out.extend_from_slice(format!("{}\n.PP\n", roff_text(&about.to_string())).as_bytes());
        }
        man.render_synopsis_section(out)?;
        man.render_options_section(out)?;
        render_subcommands(&sub, &name, out)?;
    }
    Ok(())
}

/// Plain text as roff: a leading `.` or `'` would start a request, a backslash an escape.
fn roff_text(text: &str) -> String {
    text.lines()
        .map(|line| {
            let line = line.replace('\\', "\\e");
            if line.starts_with('.') || line.starts_with('\'') {
                format!("\\&{line}")
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_generate_for_every_shell_and_know_every_command() {
        let commands: Vec<String> = super::super::Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_owned())
            .collect();
        assert!(commands.contains(&"doctor".to_owned()), "{commands:?}");
        for shell in [
            Shell::Bash,
            Shell::Zsh,
            Shell::Fish,
            Shell::PowerShell,
            Shell::Elvish,
        ] {
            let script = String::from_utf8(completions(shell)).unwrap();
            for command in &commands {
                assert!(
                    script.contains(command.as_str()),
                    "{shell}: no {command} in the completions"
                );
            }
            // Option values come from the definitions too.
            assert!(script.contains("read-only"), "{shell}: no mode values");
            assert!(script.contains("instance-arn"), "{shell}: no live flags");
        }
    }

    #[test]
    fn the_man_page_has_a_section_per_command() {
        let page = String::from_utf8(man_page().unwrap()).unwrap();
        assert!(page.starts_with(".ie"), "{}", &page[..80]);
        for section in [
            ".SH NAME",
            ".SH SYNOPSIS",
            "\"CUTOVER EXPORT\"",
            "\"CUTOVER IAM-POLICY\"",
            "\"CUTOVER DEV SEED\"",
        ] {
            assert!(page.contains(section), "no {section} in the man page");
        }
        assert!(page.contains("\\-\\-max\\-rps\\-sso\\-admin"));
    }

    #[test]
    fn roff_text_cannot_start_a_request() {
        assert_eq!(roff_text(".TH x\n'y\\z"), "\\&.TH x\n\\&'y\\ez");
    }
}
