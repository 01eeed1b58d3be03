//! What to do about each failure: the `hint:` line under its message.

use super::Error;

impl Error {
    /// What to do about it, when there is something to say.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::UnknownProfile { known, .. } if known.is_empty() => Some(
                "add the profile to ~/.aws/credentials (aws_access_key_id, aws_secret_access_key) or choose one with -p".into(),
            ),
            Error::UnknownProfile { known, .. } => {
                Some(format!("known profiles: {}", known.join(", ")))
            }
            Error::ProfileFiles(_) => Some(
                "fix the file at the line named: [default] or [profile NAME] headers in config, [NAME] in credentials, then 'key = value' lines".into(),
            ),
            Error::BrokenProfile { hint, .. } => Some(hint.clone()),
            Error::Rotate { hint, .. } => hint.clone(),
            Error::NoKeys { profile, .. } => Some(format!(
                "store them in the OS keychain with 'aws-mfa add {profile}' (it asks for the access key id and the secret), or put aws_access_key_id and aws_secret_access_key under the profile in ~/.aws/credentials"
            )),
            Error::TemporaryKeys { .. } => Some(
                "use the profile that holds your IAM user's access key; temporary keys cannot ask for an MFA session".into(),
            ),
            Error::InvalidCode(_) => Some("type the 6 digits your authenticator shows now".into()),
            Error::InvalidDuration { .. } => Some(
                "give seconds (43200) or a span such as 15m, 1h, 12h, 36h".into(),
            ),
            Error::InvalidTimeout(_) => Some("give the seconds to wait for AWS in all, such as --timeout 30".into()),
            Error::NoTerminal => Some(format!(
                "pass the code with -t CODE, set mfa_process in the profile, or run it in a terminal; without a terminal, {}",
                crate::platform::DIALOG_NEEDS
            )),
            Error::CodeNeeded {
                profile,
                no_session,
            } => Some(format!(
                "run 'aws-mfa env --refresh -p {profile}{}' in another terminal, or set mfa_process in the profile",
                if *no_session { " --no-session" } else { "" }
            )),
            Error::Sts { hint, .. } => hint.clone(),
            Error::MfaProcess { command: None, .. } => Some(
                "write mfa_process as a program and its arguments, unquoted, such as 'mfa_process = op item get AWS --otp'; keep a TOTP seed in a file or a password manager, not on the line (other users see it in ps)".into(),
            ),
            Error::MfaProcess { .. } => Some(
                "run the mfa_process command by hand to see what it prints: one 6-digit code".into(),
            ),
            Error::CodeReused => Some("wait for the next code (a new one every 30 seconds)".into()),
            Error::NoDevice { .. } => Some(
                "assign a virtual or hardware TOTP device to your IAM user (IAM console → Security credentials → Assign MFA device), or set mfa_serial".into(),
            ),
            Error::UnknownShell { names, .. } => Some(format!("name it with --shell {names}")),
            Error::ProfileFile { hint, .. } => Some(hint.clone()),
            Error::NotUtf8Variable(name) => Some(format!(
                "set {name} to a profile name in plain text (as in [profile NAME]), or unset it"
            )),
            Error::CmdHasNoEval => Some(
                "in PowerShell: aws-mfa env | Out-String | Invoke-Expression; in cmd.exe: aws-mfa exec -- COMMAND (or aws-mfa exec for a cmd.exe with the session)".into(),
            ),
            Error::Exec { not_found: true, .. } => {
                Some("check the command's name and your PATH".into())
            }
            Error::SeveralDevices { devices, .. } => Some(format!(
                "choose one with --mfa-serial {}, or set mfa_serial under the profile in ~/.aws/config",
                devices.first().map_or("ARN", String::as_str)
            )),
            Error::Unrepresentable { name, .. } => Some(format!(
                "run the command with 'aws-mfa exec -- CMD', which hands {name} over unchanged, or write for another shell with --shell"
            )),
            Error::Exec { .. } => Some(
                "name a program you may run: a file with execute permission (chmod +x), or run a script through its interpreter (sh FILE)".into(),
            ),
            Error::Keychain { .. } => Some(
                "unlock the keychain (Linux: a Secret Service such as GNOME Keyring, KWallet or KeePassXC must be running in your session) and try again; or keep the keys in ~/.aws/credentials".into(),
            ),
            Error::InvalidKeychainTimeout(_) => Some("give the seconds to wait for the keychain, such as AWS_MFA_KEYCHAIN_TIMEOUT=30".into()),
            Error::KeychainChanged { .. } => Some("run the command again".into()),
            Error::BadAccessKey { .. } => Some(
                "give the access key id of your IAM user: 20 characters starting with AKIA (IAM console → Security credentials → Access keys)".into(),
            ),
            Error::BadSecretKey { .. } => Some(
                "give the secret access key AWS showed once, beside the access key id, when the key was created (a lost one cannot be shown again: create a new key)".into(),
            ),
            Error::KeysPrompt(_) => Some(
                "run it in a terminal, or pass the keys in the environment: AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… aws-mfa add PROFILE --from-env".into(),
            ),
            Error::NotInKeychain { .. } => Some("'aws-mfa add PROFILE' stores a profile's keys there".into()),
            Error::ConsoleNeedsRole { profile } => Some(format!(
                "use a role profile: in ~/.aws/config, [profile NAME] with role_arn = arn:aws:iam::ACCOUNT:role/ROLE and source_profile = {profile}, then 'aws-mfa console -p NAME'"
            )),
            Error::SignIn { hint, .. } => hint.clone(),
            Error::Browser { .. } => Some(
                "set BROWSER to your browser's command, or use --print and open the URL yourself".into(),
            ),
            Error::DialogCancelled { .. } => Some(
                "run it again and enter the code, or pass it with -t CODE".into(),
            ),
            Error::Dialog { .. } => Some(
                "pass the code with -t CODE, set mfa_process in the profile, or run it in a terminal".into(),
            ),
            Error::CompletionScript { .. } => Some(
                "this aws-mfa was built with a clap_complete whose scripts it does not know: build it with the versions in its Cargo.lock".into(),
            ),
            _ => None,
        }
    }
}
