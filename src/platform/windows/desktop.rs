//! The desktop around us on Windows: the Credential Manager, PowerShell's WinForms for a
//! dialog, the shell's URL handler.

/// The keychain `keychain.rs` reaches, in words, for messages.
pub const KEYCHAIN_NAME: &str = "the Windows Credential Manager";

/// The programs that can show a code dialog, in the order tried (`mfa/dialog.rs` drives
/// each: here a WinForms box).
pub const DIALOG_PROGRAMS: &[&str] = &["powershell.exe"];

/// Whether a dialog needs an X11 or Wayland display: not here.
pub const DIALOG_NEEDS_DISPLAY: bool = false;

/// What would make a code dialog possible here, for the error when there is neither a
/// terminal nor a desktop.
pub const DIALOG_NEEDS: &str = "a dialog needs powershell.exe on PATH and a desktop session";

/// The program and arguments that open `url` in the default browser, without a shell:
/// `cmd /c start` would read the `&` of the URL as a command separator.
pub fn url_opener(url: &str) -> (&'static str, Vec<String>) {
    (
        "rundll32.exe",
        vec!["url.dll,FileProtocolHandler".to_owned(), url.to_owned()],
    )
}

/// A balloon from the notification area, through PowerShell's WinForms; the title and text
/// travel in variables, never in the script's source.
const BALLOON: &str = "Add-Type -AssemblyName System.Windows.Forms, System.Drawing; \
$n = New-Object System.Windows.Forms.NotifyIcon; \
$n.Icon = [System.Drawing.SystemIcons]::Information; \
$n.BalloonTipTitle = $Env:AWS_MFA_NOTIFY_TITLE; \
$n.BalloonTipText = $Env:AWS_MFA_NOTIFY_TEXT; \
$n.Visible = $true; \
$n.ShowBalloonTip(10000); \
Start-Sleep -Seconds 10; \
$n.Dispose()";

/// The program and arguments that show a desktop notification (`title`, then `text`).
pub fn notifier(title: &str, text: &str) -> Notifier {
    Notifier {
        program: "powershell.exe",
        args: [
            "-NoProfile",
            "-NonInteractive",
            "-WindowStyle",
            "Hidden",
            "-Command",
            BALLOON,
        ]
        .map(str::to_owned)
        .to_vec(),
        env: vec![
            ("AWS_MFA_NOTIFY_TITLE", title.to_owned()),
            ("AWS_MFA_NOTIFY_TEXT", text.to_owned()),
        ],
    }
}

/// A notification as a command to start and not wait for.
pub struct Notifier {
    pub program: &'static str,
    pub args: Vec<String>,
    /// Variables the program reads its text from.
    pub env: Vec<(&'static str, String)>,
}
