//! Windows under Wine: `aws-mfa.exe` built for `x86_64-pc-windows-gnu` and run by `wine64`
//! from this Linux test binary, with small Windows programs (`windows/*.c`, built with
//! mingw) as its children and parents.
//!
//! Needs the Rust target, `x86_64-w64-mingw32-gcc` and `wine64`: missing ones are skipped
//! with a note; with `CI` set they are required. The first test builds the exe (`cargo
//! build --target x86_64-pc-windows-gnu`, minutes from cold) and makes a private Wine
//! prefix under the target directory; later runs reuse both.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use super::peers::on_path;
use super::{BIN, Outcome, TestEnv};

pub const TARGET: &str = "x86_64-pc-windows-gnu";
const MINGW_GCC: &str = "x86_64-w64-mingw32-gcc";

/// Everything a Windows test needs, made once per test run.
pub struct Wine {
    loader: PathBuf,
    prefix: PathBuf,
    /// aws-mfa.exe, the stand-in bcryptprimitives.dll, winchild.exe and its copies.
    dir: PathBuf,
    /// `winchild hold`, its stdin piped from this process (see `hold`).
    _keeper: Option<std::process::Child>,
}

/// The Wine setup, or `None` (with a note) when a part is missing outside CI.
pub fn wine() -> Option<&'static Wine> {
    static WINE: OnceLock<Result<Wine, String>> = OnceLock::new();
    match WINE.get_or_init(Wine::set_up) {
        Ok(wine) => Some(wine),
        Err(missing) if std::env::var_os("CI").is_some() => {
            panic!("{missing} is required when CI is set; .ci/run installs it")
        }
        Err(missing) => {
            eprintln!("note: {missing} is not installed; skipping this Windows test");
            None
        }
    }
}

/// A path as the Windows program sees it: Wine maps `/` to drive `Z:`.
pub fn wine_path(path: &Path) -> String {
    format!(
        "Z:{}",
        path.to_str().expect("UTF-8 path").replace('/', "\\")
    )
}

impl Wine {
    fn set_up() -> Result<Wine, String> {
        let loader = ["/usr/lib/wine/wine64", "/usr/bin/wine64"]
            .map(PathBuf::from)
            .into_iter()
            .find(|p| p.is_file())
            .ok_or("wine64 (Debian: apt-get install wine64)")?;
        let gcc = on_path(MINGW_GCC)
            .ok_or("x86_64-w64-mingw32-gcc (Debian: apt-get install gcc-mingw-w64-x86-64)")?;
        if !target_installed() {
            return Err(format!(
                "the Rust target {TARGET} (rustup target add {TARGET})"
            ));
        }
        // BIN is TARGET_DIR/PROFILE/aws-mfa: the Windows build goes to the same target dir.
        let profile_dir = Path::new(BIN).parent().expect("profile dir");
        let target_dir = profile_dir.parent().expect("target dir");
        let release = profile_dir.ends_with("release");
        let windows_dir = target_dir.join(TARGET);
        build_exe(target_dir, release);
        let dir = windows_dir.join("wine-tests");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("wine test dir");
        let built = windows_dir.join(if release { "release" } else { "debug" });
        std::fs::copy(built.join("aws-mfa.exe"), dir.join("aws-mfa.exe")).expect("copy exe");
        let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/support/windows");
        compile(
            &gcc,
            &sources.join("bcryptprimitives.c"),
            &dir.join("bcryptprimitives.dll"),
            &["-shared", "-ladvapi32"],
        );
        compile(
            &gcc,
            &sources.join("winchild.c"),
            &dir.join("winchild.exe"),
            &["-municode", "-lws2_32"],
        );
        // The parent a shell would be: `env` detects the shell by its parent's name.
        for shell in ["pwsh.exe", "powershell.exe"] {
            std::fs::copy(dir.join("winchild.exe"), dir.join(shell)).expect("copy winchild");
        }
        let mut wine = Wine {
            loader,
            prefix: windows_dir.join("wine-prefix"),
            dir,
            _keeper: None,
        };
        wine.make_prefix();
        wine._keeper = Some(wine.hold());
        Ok(wine)
    }

    /// The first Windows program of a prefix starts the Wine server and its services,
    /// which inherit its standard handles and outlive it: started by a test, they would
    /// hold that test's pipes open, and the test would wait for them. So a program of
    /// ours starts them, with no pipes of any test, and keeps them up: `winchild hold`
    /// reads a pipe whose other end closes when this test process ends (then Wine stops
    /// a few seconds later, as usual).
    fn hold(&self) -> std::process::Child {
        self.base_command(&self.dir.join("winchild.exe"))
            .arg("hold")
            .env("HOME", self.prefix.with_extension("home"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start wine64")
    }

    /// Creates the private prefix once (about 15 s), before tests start Wine in parallel.
    fn make_prefix(&self) {
        let status = self
            .base_command(&self.dir.join("winchild.exe"))
            .args(["exit", "0"])
            .env("HOME", self.prefix.with_extension("home"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("start wine64");
        assert!(
            status.success(),
            "a Windows program runs under Wine: {status}"
        );
    }

    fn base_command(&self, program: &Path) -> Command {
        let mut command = Command::new(&self.loader);
        command
            .arg(program)
            .env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            // No Mono or Gecko installer dialogs when the prefix is made.
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=");
        command
    }

    /// The test directory: the exe, the DLL, winchild.exe, pwsh.exe, powershell.exe.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn exe(&self) -> PathBuf {
        self.dir.join("aws-mfa.exe")
    }

    /// `winchild.exe` as the Windows program sees it.
    pub fn winchild(&self) -> String {
        wine_path(&self.dir.join("winchild.exe"))
    }

    /// `wine64 PROGRAM` in the test's environment: the AWS files and the cache as `Z:\…`
    /// paths, nothing inherited but what `TestEnv::command` passes.
    pub fn command(&self, env: &TestEnv, program: &Path) -> Command {
        let mut command = env.command(&self.loader);
        command
            .arg(program)
            .env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env(
                "AWS_CONFIG_FILE",
                wine_path(&env.home().join(".aws/config")),
            )
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                wine_path(&env.home().join(".aws/credentials")),
            )
            .env("AWS_MFA_CACHE_DIR", wine_path(&env.cache_dir()))
            .env("AWS_MFA", wine_path(&self.exe()));
        command
    }

    /// `aws-mfa.exe ARGS…` under Wine. The exit code is Wine's: the low 8 bits of the
    /// Windows code (`run_windows` sees all of it).
    pub fn run(&self, env: &TestEnv, args: &[&str]) -> Outcome {
        env.output(self.command(env, &self.exe()).args(args))
    }

    /// `aws-mfa.exe ARGS…` started by a Windows parent (`winchild run`), which reports the
    /// whole 32-bit exit code: returned with the outcome (whose stderr ends with its line).
    pub fn run_windows(&self, env: &TestEnv, args: &[&str]) -> (Outcome, u32) {
        let exe = wine_path(&self.exe());
        let out = env.output(
            self.command(env, &self.dir.join("winchild.exe"))
                .args(["run", &exe])
                .args(args),
        );
        let code = out
            .stderr
            .lines()
            .last()
            .and_then(|line| line.strip_prefix("exit code "))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("the Windows parent reports the code: {out:#?}"));
        (out, code)
    }
}

fn target_installed() -> bool {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    Command::new(rustc)
        .args(["--print", "target-libdir", "--target", TARGET])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        .is_some_and(|libdir| {
            std::fs::read_dir(libdir).is_ok_and(|entries| {
                entries
                    .flatten()
                    .any(|e| e.file_name().to_string_lossy().starts_with("libstd-"))
            })
        })
}

/// The exe from this source tree, so the tests never run a stale one.
fn build_exe(target_dir: &Path, release: bool) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["build", "--bin", "aws-mfa", "--target", TARGET])
        .arg("--target-dir")
        .arg(target_dir);
    if release {
        command.arg("--release");
    }
    let status = command.status().expect("start cargo");
    assert!(status.success(), "cargo build --target {TARGET}: {status}");
}

fn compile(gcc: &Path, source: &Path, output: &Path, flags: &[&str]) {
    let out = Command::new(gcc)
        .args(["-O2", "-Wall", "-Werror", "-o"])
        .arg(output)
        .arg(source)
        .args(flags)
        .output()
        .expect("start mingw gcc");
    assert!(
        out.status.success(),
        "{}: {}",
        source.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}
