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
