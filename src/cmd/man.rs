//! `aws-mfa man`: one manual page for the whole program, as roff (`aws-mfa man | man -l -`).
//!
//! clap_mangen writes a page per command; a tool this small reads better as one page, so
//! each command's synopsis, description and options follow the top-level sections.

use clap::CommandFactory;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};

use crate::cli::Cli;
use crate::error::Error;

pub fn run() -> Result<(), Error> {
    super::print(&page())
}

pub fn page() -> String {
    let mut cmd = Cli::command();
    cmd.build();
    let top = Man::new(cmd.clone()).manual("User Commands");
    let mut out = Vec::new();
    top.render_title(&mut out).expect("render to memory");
    top.render_name_section(&mut out).expect("render to memory");
    top.render_synopsis_section(&mut out)
        .expect("render to memory");
    top.render_description_section(&mut out)
        .expect("render to memory");
    top.render_options_section(&mut out)
        .expect("render to memory");

    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("aws-mfa {}", sub.get_name());
        let mut heading = Roff::new();
        heading.control("SH", [name.to_uppercase().as_str()]);
        heading.to_writer(&mut out).expect("render to memory");
        let man = Man::new(sub.clone());
        let mut body = Vec::new();
        man.render_synopsis_section(&mut body)
            .expect("render to memory");
        man.render_description_section(&mut body)
            .expect("render to memory");
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            man.render_options_section(&mut body)
                .expect("render to memory");
        }
        // Each command's parts become paragraphs of its own section.
        let body = String::from_utf8(body).expect("roff is UTF-8");
        for line in body.lines() {
            match line.strip_prefix(".SH ") {
                Some(title) if title != "DESCRIPTION" && title != "SYNOPSIS" => {
                    out.extend_from_slice(format!(".SS {title}\n").as_bytes());
                }
                Some(_) => out.extend_from_slice(b".PP\n"),
                None => out.extend_from_slice(format!("{line}\n").as_bytes()),
            }
        }
    }

    let mut integration = Roff::new();
    integration.control("SH", ["SHELL INTEGRATION"]);
    integration.text([roman(
        "One line in the shell's startup file defines aws-mfa-session [PROFILE] [OPTIONS] \
         (a session in this shell, evaluated only when aws-mfa succeeded), aws-mfa-clear \
         (remove it) and aws-mfa-prompt (the profile and the time left, for a prompt):",
    )]);
    for line in [
        "eval \"$(aws-mfa init bash)\"      # ~/.bashrc",
        "eval \"$(aws-mfa init zsh)\"       # ~/.zshrc",
        "aws-mfa init fish | source       # ~/.config/fish/config.fish",
        "aws-mfa init pwsh | Out-String | Invoke-Expression   # $PROFILE",
    ] {
        integration.control("IP", []);
        integration.text([bold(line)]);
    }
    integration.to_writer(&mut out).expect("render to memory");
    top.render_version_section(&mut out)
        .expect("render to memory");
    // Every piece rendered on its own starts with roff's apostrophe preamble: keep one.
    let page = String::from_utf8(out).expect("roff is UTF-8");
    format!("{APOSTROPHES}{}", page.replace(APOSTROPHES, ""))
}

/// What the roff crate writes first, so that `'` prints as an apostrophe.
const APOSTROPHES: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
