//! The code asked in a desktop dialog, when there is no terminal but a desktop: IDEs and GUI
//! tools run `credential_process` without one.
//!
//! Linux and the BSDs: `DISPLAY` or `WAYLAND_DISPLAY` set, and `zenity` or `kdialog` on PATH
//! (kdialog first on a KDE desktop); macOS: `osascript`; Windows: a WinForms box from
//! PowerShell. The dialog program prints the code on its stdout; its argv holds only the
//! profile name, the device and fixed text, never a secret. It runs with a time limit, and
//! its Cancel ends the run.

use std::ffi::OsStr;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::MfaCode;
use crate::environment::Environment;
use crate::error::Error;

/// How long a dialog may stay open before it counts as not answered.
const ANSWER_TIME: Duration = Duration::from_secs(120);

/// The program that shows the dialog.
#[derive(Debug, Clone)]
enum Program {
    Zenity(PathBuf),
    Kdialog(PathBuf),
    Osascript(PathBuf),
    PowerShell(PathBuf),
}

/// A dialog that asks for codes for one profile.
#[derive(Debug)]
pub struct Dialog {
    program: Program,
    profile: String,
    /// Why the previous code was not taken, shown in the next dialog.
    note: Option<String>,
}

impl Dialog {
    /// The dialog this desktop offers, if any.
    pub fn find(profile: &str, env: &Environment) -> Option<Self> {
        let program = find_program(env)?;
        Some(Dialog {
            program,
            profile: profile.to_owned(),
            note: None,
        })
    }

    /// The program's file name, for `-v`.
    pub fn name(&self) -> String {
        let (Program::Zenity(path)
        | Program::Kdialog(path)
        | Program::Osascript(path)
        | Program::PowerShell(path)) = &self.program;
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// Says why a code was not taken: on stderr, and in the next dialog.
    pub fn say(&mut self, line: &str) {
        let said = line.trim_start_matches("aws-mfa: ");
        crate::error::say(said);
        self.note = Some(said.to_owned());
    }

    /// Shows the dialog and reads the code it prints.
    pub fn ask_code(&mut self, device: &str) -> Result<MfaCode, Error> {
        let title = format!("aws-mfa: MFA code for profile '{}'", self.profile);
        let mut text = format!(
            "Enter the MFA code for profile '{}'\nDevice: {device}",
            self.profile
        );
        if let Some(note) = self.note.take() {
            text = format!("{note}\n\n{text}");
        }
        let program = self.name();
        let failed = |why: String| Error::Dialog {
            program: program.clone(),
            why,
        };
        let mut command = self.command(&title, &text);
        let answer = run_bounded(&mut command, self.script()).map_err(failed)?;
        match answer.status {
            Some(0) => MfaCode::parse(&answer.stdout),
            // zenity, kdialog, osascript and our PowerShell script: 1 is Cancel (or the
            // window closed), unless the program could not reach the desktop at all.
            Some(1) if !answer.stderr.contains("cannot open display") => {
                Err(Error::DialogCancelled {
                    profile: self.profile.clone(),
                })
            }
            // zenity's own time limit.
            Some(5) => Err(failed("nobody answered it".into())),
            status => Err(failed(format!(
                "it ended with {}{}",
                status.map_or("a signal".to_owned(), |s| format!("exit status {s}")),
                last_line(&answer.stderr)
                    .map(|l| format!(": {l}"))
                    .unwrap_or_default()
            ))),
        }
    }

    fn command(&self, title: &str, text: &str) -> Command {
        match &self.program {
            // `--text=` and `--title=` keep a value that starts with `-` a value. The entry
            // dialog's text is not markup, but it is read twice (zenity 3.44): `\n`, `\t`,
            // `\101` are decoded (g_strcompress), and `_` marks a mnemonic. The title is
            // shown as it is.
            Program::Zenity(path) => {
                let mut command = Command::new(path);
                command.args([
                    "--entry".to_owned(),
                    format!("--title={title}"),
                    format!("--text={}", zenity_text(text)),
                    "--width=420".to_owned(),
                ]);
                command
            }
            Program::Kdialog(path) => {
                let mut command = Command::new(path);
                command.args(["--title", title, "--inputbox", text]);
                command
            }
            // The texts travel as arguments of the script, never inside its source.
            Program::Osascript(path) => {
                let mut command = Command::new(path);
                command.args([
                    "-e",
                    "on run argv",
                    "-e",
                    "display dialog (item 1 of argv) default answer \"\" with title (item 2 of argv) buttons {\"Cancel\", \"OK\"} default button \"OK\" cancel button \"Cancel\"",
                    "-e",
                    "return text returned of result",
                    "-e",
                    "end run",
                    text,
                    title,
                ]);
                command
            }
            // The script comes on stdin (`-Command -`), the texts in the environment.
            Program::PowerShell(path) => {
                let mut command = Command::new(path);
                command
                    .args(["-NoProfile", "-NonInteractive", "-Command", "-"])
                    .env("AWS_MFA_DIALOG_TITLE", title)
                    .env("AWS_MFA_DIALOG_TEXT", text);
                command
            }
        }
    }

    /// What the program reads on stdin: the PowerShell script, nothing for the others.
    fn script(&self) -> Option<&'static str> {
        matches!(self.program, Program::PowerShell(_)).then_some(WINFORMS_SCRIPT)
    }
}

/// Text for zenity's `--entry --text`, shown as it is: zenity first decodes C escapes
/// (`g_strcompress`: `\\` stands for a backslash), then reads `_` as a mnemonic marker
/// (`__` stands for an underscore). A profile `prod_admin` or a device `…\t…` would
/// otherwise show as something else.
fn zenity_text(text: &str) -> String {
    text.replace('\\', "\\\\").replace('_', "__")
}

/// A WinForms box: a label, a text field, OK and Cancel. Prints the text on OK; exits 1 on
/// Cancel. One line: `-Command -` runs stdin line by line.
const WINFORMS_SCRIPT: &str = "Add-Type -AssemblyName System.Windows.Forms; $f = New-Object System.Windows.Forms.Form; $f.Text = $Env:AWS_MFA_DIALOG_TITLE; $f.Width = 460; $f.Height = 210; $f.StartPosition = 'CenterScreen'; $f.TopMost = $true; $f.FormBorderStyle = 'FixedDialog'; $l = New-Object System.Windows.Forms.Label; $l.Text = $Env:AWS_MFA_DIALOG_TEXT; $l.Left = 12; $l.Top = 12; $l.Width = 420; $l.Height = 60; $t = New-Object System.Windows.Forms.TextBox; $t.Left = 12; $t.Top = 80; $t.Width = 420; $ok = New-Object System.Windows.Forms.Button; $ok.Text = 'OK'; $ok.Left = 270; $ok.Top = 120; $ok.DialogResult = 'OK'; $no = New-Object System.Windows.Forms.Button; $no.Text = 'Cancel'; $no.Left = 355; $no.Top = 120; $no.DialogResult = 'Cancel'; $f.Controls.AddRange(@($l, $t, $ok, $no)); $f.AcceptButton = $ok; $f.CancelButton = $no; $f.Add_Shown({ $t.Select() }); if ($f.ShowDialog() -eq 'OK') { [Console]::Out.WriteLine($t.Text); exit 0 } else { exit 1 }\n";

/// The dialog program for this desktop, if there is a desktop and a program.
fn find_program(env: &Environment) -> Option<Program> {
    let desktop = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|var| env.non_empty_os(var).is_some());
    if crate::platform::DIALOG_NEEDS_DISPLAY && !desktop {
        return None;
    }
    let kde = env
        .os("XDG_CURRENT_DESKTOP")
        .and_then(|d| d.to_str())
        .is_some_and(|d| d.contains("KDE"));
    let mut names = crate::platform::DIALOG_PROGRAMS.to_vec();
    if kde {
        // A stable sort: kdialog first, the rest in the platform's order.
        names.sort_by_key(|name| *name != "kdialog");
    }
    names.into_iter().find_map(|name| {
        let path = on_path(name, env.os("PATH"))?;
        Some(match name {
            "osascript" => Program::Osascript(path),
            "powershell.exe" => Program::PowerShell(path),
            "kdialog" => Program::Kdialog(path),
            _ => Program::Zenity(path),
        })
    })
}

/// The first executable file called `name` in PATH.
fn on_path(name: &str, path: Option<&OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path?)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(name))
        .find(|candidate| crate::platform::is_executable(candidate))
}

/// What a dialog program did.
struct Answer {
    status: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the dialog program with a time limit, feeding it `input`, and collects both of its
/// streams.
fn run_bounded(command: &mut Command, input: Option<&str>) -> Result<Answer, String> {
    let mut child = command
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start it: {e}"))?;
    if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
        use std::io::Write;
        stdin
            .write_all(text.as_bytes())
            .map_err(|e| format!("cannot hand it its script: {e}"))?;
    }
    let reader = |stream: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut stream) = stream {
                let _ = stream.read_to_end(&mut text);
            }
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = reader(child.stdout.take().map(|s| Box::new(s) as _));
    let stderr = reader(child.stderr.take().map(|s| Box::new(s) as _));
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < ANSWER_TIME => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "nobody answered it in {}",
                    crate::duration::span(ANSWER_TIME.as_secs())
                ));
            }
            Err(e) => return Err(format!("cannot wait for it: {e}")),
        }
    };
    Ok(Answer {
        status: status.code(),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

/// The last non-empty line of a program's stderr, escaped for the terminal.
fn last_line(text: &str) -> Option<String> {
    let line = text.lines().rev().find(|l| !l.trim().is_empty())?;
    Some(line.trim().escape_debug().to_string())
}

#[cfg(test)]
mod tests {
    use super::zenity_text;

    #[test]
    fn zenity_is_given_text_it_shows_as_it_is() {
        assert_eq!(
            zenity_text("profile 'prod_admin'\nDevice: a\\tb\\101"),
            "profile 'prod__admin'\nDevice: a\\\\tb\\\\101"
        );
    }
}
