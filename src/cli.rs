//! The command line, as clap sees it.

use std::ffi::OsString;

use clap::{Args, Parser, Subcommand};

use crate::shell::{self, Shell};

/// `aws-mfa --version`: the version, the commit and the target of this build (build.rs);
/// `-V` and the manual page name the version alone.
const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("AWS_MFA_COMMIT"),
    " ",
    env!("AWS_MFA_TARGET"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "aws-mfa",
    version,
    long_version = LONG_VERSION,
    about = "Temporary AWS credentials from your long-term keys and an MFA code, handed over through the environment only",
    long_about = None,
    after_help = EXAMPLES,
    after_long_help = EXAMPLES,
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Whether the command line asks for `-v`.
    pub fn verbose(&self) -> bool {
        match &self.command {
            Command::Env(args) => args.session.verbose,
            Command::Exec(args) => args.session.verbose,
            Command::CredentialProcess(args) => args.verbose,
            Command::Console(args) => args.session.verbose,
            Command::Rotate(args) => args.verbose,
            _ => false,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print statements that set (or with --unset, remove) the session variables
    ///
    /// bash/zsh: eval "$(aws-mfa env)"; fish: aws-mfa env | source;
    /// PowerShell: aws-mfa env | Out-String | Invoke-Expression
    Env(EnvArgs),
    /// Run a command (or a subshell) with the session in its environment
    Exec(ExecArgs),
    /// Print the session as credential_process JSON (for ~/.aws/config)
    ///
    /// credential_process = aws-mfa credential-process --profile NAME
    CredentialProcess(SessionArgs),
    /// List cached sessions: profile, identity, expiry, time left (never a secret)
    Status(StatusArgs),
    /// Forget the cached session(s) of a profile, or all of them
    Clear(ClearArgs),
    /// Check the setup and say what is wrong and how to fix it
    Doctor(DoctorArgs),
    /// Print the IAM policy that denies everything but MFA set-up until MFA is used
    ///
    /// The seed article's DenyAllExceptListedIfNoMFA. With it attached, long-term keys
    /// alone can only set up and see an MFA device, change the password, and call
    /// sts:GetSessionToken; everything else needs the MFA session aws-mfa gets.
    ///
    /// Create it, then attach it to the group your IAM users are in:
    ///
    ///   aws iam create-policy --policy-name DenyAllExceptListedIfNoMFA \
    ///     --policy-document "$(aws-mfa policy)"
    ///   aws iam attach-group-policy --group-name GROUP \
    ///     --policy-arn arn:aws:iam::ACCOUNT:policy/DenyAllExceptListedIfNoMFA
    ///
    /// --strict leaves out iam:ChangePassword and iam:GetAccountPasswordPolicy: a password
    /// cannot be changed without MFA, so a leaked password alone cannot be turned into a new
    /// one; the price is that a new user cannot set a first password before an MFA device
    /// is assigned.
    ///
    /// `aws-mfa doctor` says whether the policy (or one like it) is in force for your keys.
    #[command(verbatim_doc_comment)]
    Policy(PolicyArgs),
    /// Print the shell integration: aws-mfa-session, aws-mfa-clear, aws-mfa-prompt
    ///
    /// In the rc file: eval "$(aws-mfa init bash)" (or zsh); aws-mfa init fish | source;
    /// aws-mfa init pwsh | Out-String | Invoke-Expression
    Init(InitArgs),
    /// Print a completion script (profile names complete too)
    Completions(CompletionsArgs),
    /// Store a profile's long-term keys in the OS keychain (asks for them, the secret hidden)
    ///
    /// Keys in ~/.aws/credentials come first: delete them there afterwards (add names the
    /// lines). Scripts: AWS_ACCESS_KEY_ID=AKIA... AWS_SECRET_ACCESS_KEY=... aws-mfa add NAME --from-env
    Add(AddArgs),
    /// Forget a profile's keys in the OS keychain, and its cached sessions
    Remove(RemoveArgs),
    /// Replace a profile's long-term key in the OS keychain with a new one, under one MFA session
    ///
    /// ListAccessKeys, CreateAccessKey, wait until the new key works, store it in the
    /// keychain, and only then delete the old key (--keep-old deactivates it) and forget the
    /// sessions made from it. If storing fails, the new key is deleted again and the old one
    /// still works. Keys in ~/.aws/credentials are refused: aws-mfa add them first. `doctor`
    /// shows the key's age.
    Rotate(RotateArgs),
    /// Open the AWS console signed in with a role profile's credentials (or print the URL)
    Console(ConsoleArgs),
    /// Print the manual page (roff): aws-mfa man | man -l -
    Man(ManArgs),
    /// Print the profile names, one a line, for the completion scripts
    #[command(name = "__profiles", hide = true)]
    Profiles(ProfilesArgs),
}

/// What `aws-mfa --help` ends with: the lines people come to copy.
pub const EXAMPLES: &str = "\
Examples:
  eval \"$(aws-mfa env)\"                          bash, zsh, sh: this shell gets a session
  aws-mfa env | source                           fish
  aws-mfa env | Out-String | Invoke-Expression   PowerShell
  aws-mfa exec -- terraform plan                 one command with a session, the shell untouched
  aws-mfa exec -p admin -- aws s3 ls             a role profile (role_arn + source_profile)
  aws-mfa env --unset                            the statements that drop the session again

  In ~/.aws/config, for the SDKs and tools that read profiles (AWS_PROFILE=work):
    [profile work]
    credential_process = aws-mfa credential-process --profile admin

The whole manual: aws-mfa man | man -l -";

#[derive(Debug, Args)]
pub struct StatusArgs {}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The profile to check [default: $AWS_PROFILE, else $AWS_MFA_PROFILE, else default]
    #[arg(short, long, value_name = "NAME")]
    pub profile: Option<String>,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The profile whose keys to forget
    #[arg(id = "profile_name", value_name = "PROFILE")]
    pub profile: String,
}

#[derive(Debug, Args)]
pub struct ManArgs {}

#[derive(Debug, Args)]
pub struct ProfilesArgs {}

#[derive(Debug, Args)]
pub struct ClearArgs {
    /// The profile whose sessions to forget [default: $AWS_PROFILE, else $AWS_MFA_PROFILE,
    /// else default]
    #[arg(short, long, value_name = "NAME", conflicts_with = "all")]
    pub profile: Option<String>,

    /// Forget every cached session
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The profile the keys belong to (it need not be in the profile files)
    #[arg(id = "profile_name", value_name = "PROFILE")]
    pub profile: String,

    /// Take the keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead of asking
    #[arg(long)]
    pub from_env: bool,
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    /// The profile whose keychain-held key to replace
    #[arg(id = "profile_name", value_name = "PROFILE")]
    pub profile: String,

    /// Deactivate the old key instead of deleting it (it can be made active again in IAM)
    #[arg(long)]
    pub keep_old: bool,

    /// The 6-digit MFA code, when no cached MFA session is left; skips every prompt
    #[arg(short, long = "token-code", value_name = "CODE")]
    pub token_code: Option<String>,

    /// MFA device ARN (or hardware serial) [default: mfa_serial of the profile]
    #[arg(long, value_name = "ARN")]
    pub mfa_serial: Option<String>,

    /// Give up on each call to AWS after this many seconds (the new key is waited for up
    /// to a minute besides)
    #[arg(long, value_name = "SECS", default_value = "15", allow_negative_numbers = true, value_parser = crate::duration::parse_timeout)]
    pub timeout: std::time::Duration,

    /// Show each step on stderr, secrets redacted
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Leave out iam:ChangePassword and iam:GetAccountPasswordPolicy (no password change
    /// without MFA)
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The shell to integrate with
    #[arg(value_parser = shell::with_init())]
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_parser = shell::with_completions())]
    pub shell: Shell,
}

/// Options shared by every command that hands out a session.
#[derive(Debug, Clone, Default, Args)]
pub struct SessionArgs {
    /// Profile whose long-term keys (or role) to use [default: $AWS_PROFILE, else
    /// $AWS_MFA_PROFILE, else default]
    #[arg(short, long, value_name = "NAME")]
    pub profile: Option<String>,

    /// The 6-digit MFA code; skips every prompt
    #[arg(short, long = "token-code", value_name = "CODE")]
    pub token_code: Option<String>,

    /// MFA device ARN (or hardware serial) [default: mfa_serial of the profile or its source]
    #[arg(long, value_name = "ARN")]
    pub mfa_serial: Option<String>,

    /// Length of the credentials: seconds (43200) or 15m, 1h, 12h, 36h [default: the
    /// profile's duration_seconds, else 12h (role: 1h)]
    #[arg(short, long, value_name = "DUR", allow_negative_numbers = true, value_parser = crate::duration::parse_option)]
    pub duration: Option<crate::duration::Length>,

    /// Region for STS and for the exported AWS_REGION [default: the profile's region,
    /// else $AWS_REGION / $AWS_DEFAULT_REGION]
    #[arg(short, long, value_name = "REGION")]
    pub region: Option<String>,

    /// Ignore a cached session and ask for a new code
    #[arg(long)]
    pub refresh: bool,

    /// Neither read nor write the cache
    #[arg(long)]
    pub no_cache: bool,

    /// Role profiles: assume the role directly with the MFA code (up to the role's own
    /// maximum; a prompt per role) instead of from the cached MFA session
    #[arg(long)]
    pub no_session: bool,

    /// Give up on AWS after this many seconds in total
    #[arg(long, value_name = "SECS", default_value = "15", allow_negative_numbers = true, value_parser = crate::duration::parse_timeout)]
    pub timeout: std::time::Duration,

    /// Show each step on stderr, secrets redacted
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    #[command(flatten)]
    pub session: SessionArgs,

    /// The shell to write for [default: the calling shell]
    #[arg(short, long, value_enum)]
    pub shell: Option<Shell>,

    /// Print statements that remove the session variables instead
    #[arg(long)]
    pub unset: bool,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    #[command(flatten)]
    pub session: SessionArgs,

    /// Serve credentials that refresh themselves to the command from a loopback endpoint
    /// (AWS_CONTAINER_CREDENTIALS_FULL_URI) instead of fixed keys: for long runs
    #[arg(long, conflicts_with = "no_cache")]
    pub server: bool,

    /// The command and its arguments [default: a subshell]
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub command: Vec<OsString>,
}

#[derive(Debug, Args)]
pub struct ConsoleArgs {
    #[command(flatten)]
    pub session: SessionArgs,

    /// Print the sign-in URL instead of opening the browser (it signs in whoever opens it
    /// within 15 minutes: keep it to yourself)
    #[arg(long)]
    pub print: bool,

    /// The console page to open [default: the partition's console, https://console.aws.amazon.com/]
    #[arg(long, value_name = "URL")]
    pub destination: Option<String>,
}

/// The MFA session `rotate` signs with: the profile's own, for the one code it asks.
impl From<&RotateArgs> for crate::plan::SessionOptions {
    fn from(args: &RotateArgs) -> Self {
        crate::plan::SessionOptions {
            profile: Some(args.profile.clone()),
            token_code: args.token_code.clone(),
            mfa_serial: args.mfa_serial.clone(),
            duration: None,
            region: None,
            refresh: false,
            no_cache: false,
            no_session: false,
            timeout: args.timeout,
        }
    }
}

/// The session options as plain values, for the commands and what they call.
impl From<&SessionArgs> for crate::plan::SessionOptions {
    fn from(args: &SessionArgs) -> Self {
        crate::plan::SessionOptions {
            profile: args.profile.clone(),
            token_code: args.token_code.clone(),
            mfa_serial: args.mfa_serial.clone(),
            duration: args.duration.clone(),
            region: args.region.clone(),
            refresh: args.refresh,
            no_cache: args.no_cache,
            no_session: args.no_session,
            timeout: args.timeout,
        }
    }
}
