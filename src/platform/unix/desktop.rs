//! The desktop around us on Unix: macOS's own, or on Linux and the BSDs a freedesktop one
//! (X11 or Wayland, a Secret Service keychain).

/// The keychain `keychain.rs` reaches, in words, for messages.
#[cfg(target_os = "macos")]
pub const KEYCHAIN_NAME: &str = "the macOS Keychain";
#[cfg(not(target_os = "macos"))]
pub const KEYCHAIN_NAME: &str = "the Secret Service keychain";

/// The programs that can show a code dialog, in the order tried (`mfa/dialog.rs` drives
/// each; on a KDE desktop it tries kdialog first).
#[cfg(target_os = "macos")]
pub const DIALOG_PROGRAMS: &[&str] = &["osascript"];
#[cfg(not(target_os = "macos"))]
pub const DIALOG_PROGRAMS: &[&str] = &["zenity", "kdialog"];

/// Whether a dialog needs an X11 or Wayland display (`DISPLAY` or `WAYLAND_DISPLAY` set).
pub const DIALOG_NEEDS_DISPLAY: bool = cfg!(not(target_os = "macos"));

/// What would make a code dialog possible here, for the error when there is neither a
/// terminal nor a desktop.
#[cfg(target_os = "macos")]
pub const DIALOG_NEEDS: &str = "a dialog needs osascript and a logged-in desktop session";
#[cfg(not(target_os = "macos"))]
pub const DIALOG_NEEDS: &str =
    "a dialog needs DISPLAY or WAYLAND_DISPLAY set and zenity or kdialog on PATH";

/// The program and arguments that open `url` in the default browser, without a shell.
pub fn url_opener(url: &str) -> (&'static str, Vec<String>) {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    (program, vec![url.to_owned()])
}

/// The program and arguments that show a desktop notification (`title`, then `text`),
/// without a shell: the text travels as arguments, never as script source.
pub fn notifier(title: &str, text: &str) -> Notifier {
    if cfg!(target_os = "macos") {
        Notifier {
            program: "osascript",
            args: [
                "-e",
                "on run argv",
                "-e",
                "display notification (item 2 of argv) with title (item 1 of argv)",
                "-e",
                "end run",
                title,
                text,
            ]
            .map(str::to_owned)
            .to_vec(),
            env: Vec::new(),
        }
    } else {
        // freedesktop's notification service, through libnotify's command.
        Notifier {
            program: "notify-send",
            args: vec!["--app-name=aws-mfa".into(), title.into(), text.into()],
            env: Vec::new(),
        }
    }
}

/// A notification as a command to start and not wait for.
pub struct Notifier {
    pub program: &'static str,
    pub args: Vec<String>,
    /// Variables the program reads its text from.
    pub env: Vec<(&'static str, String)>,
}
