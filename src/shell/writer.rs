//! What a writer file declares about its shell: everything aws-mfa knows of it, read by
//! `env`, `exec`, `init`, `completions`, `man` and the shell detection. A writer file holds
//! one `Writer` per shell it writes for (`posix.rs` three), and `mod.rs` lists them.

use crate::error::Error;
use crate::session::EnvChange;

/// One shell, as its writer file describes it.
pub struct Writer {
    /// The name `--shell`, `init` and `completions` take.
    pub name: &'static str,
    /// Other names they take (`powershell`, `csh`, `nushell`).
    pub aliases: &'static [&'static str],
    /// `env --shell`'s note on it, where the name does not say it all.
    pub help: Option<&'static str>,
    /// How the calling process is known to be this shell.
    pub detect: Detect,
    /// The ordered changes as text, in one piece; a value the shell cannot carry exactly is
    /// refused, never printed wrong. The flag says whether the shell runs in a UTF-8 locale
    /// (only tcsh cares).
    pub render: fn(&[EnvChange], bool) -> Result<String, Error>,
    /// How the shell evaluates `aws-mfa env`, for the manual's examples; `None` where it
    /// cannot evaluate text (nushell) or is no shell (JSON).
    pub eval: Option<Eval>,
    /// `aws-mfa init`: for a shell with functions of its own.
    pub init: Option<Init>,
    /// `aws-mfa completions`: for a shell clap_complete (or a companion crate) writes for.
    pub completions: Option<Completions>,
}

/// The program names of a shell, as the parent process (or `$SHELL`) names it.
pub struct Detect {
    /// Base names: no directory, no login shell's `-`, no `.exe`, lower case.
    pub programs: &'static [&'static str],
    /// The process is named after its whole command line (`xonsh --no-rc -c …`): a name
    /// that is one of `programs` and a space is this shell too, started again by the first
    /// of `programs`.
    pub by_command_line: bool,
    /// The shell also runs as its interpreter's script, and is known by that command line.
    pub hosted: Option<Hosted>,
}

impl Detect {
    /// A shell known by these program names only.
    pub const fn programs(programs: &'static [&'static str]) -> Detect {
        Detect {
            programs,
            by_command_line: false,
            hosted: None,
        }
    }

    /// Whether `base` (normalised as `programs` are) names this shell.
    pub fn knows(&self, base: &str) -> bool {
        self.programs.iter().any(|program| {
            base == *program
                || (self.by_command_line
                    && base
                        .strip_prefix(program)
                        .is_some_and(|rest| rest.starts_with(' ')))
        })
    }
}

/// A shell that runs as a script of an interpreter (xonsh: `python3 -m xonsh`); only Linux
/// tells a parent's command line (`platform::ParentProcess::args`).
pub struct Hosted {
    /// How the interpreter's program name begins (`python`).
    pub interpreter: &'static str,
    /// Whether the interpreter's command line runs the shell.
    pub runs: fn(&[&str]) -> bool,
}

/// The line that puts a session in the shell, for the manual.
pub struct Eval {
    /// The line itself (`eval "$(aws-mfa env)"`).
    pub line: &'static str,
    /// Who it is for, as the manual names them (shells sharing a line share its comment).
    pub who: &'static str,
}

/// `aws-mfa init`: the shell's integration script and the line that loads it.
pub struct Init {
    /// The script, kept as a real file in `shell/` and embedded with `include_str!`.
    pub script: &'static str,
    /// The line for the shell's startup file (`eval "$(aws-mfa init bash)"`).
    pub line: &'static str,
    /// Where that line goes (`~/.bashrc`), or what to do next.
    pub place: &'static str,
}

/// `aws-mfa completions`: clap_complete's script, taught to complete profile names.
pub struct Completions {
    /// What writes the script.
    pub generator: &'static (dyn clap_complete::Generator + Sync),
    /// The shell as error messages name its script (clap_complete's name for it).
    pub called: &'static str,
    /// The generated script with `completion::PLACEHOLDER` answered by `aws-mfa
    /// __profiles`; an error when the script does not look as expected.
    pub profile_names: fn(&str) -> Result<String, Error>,
}
