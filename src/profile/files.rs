//! The profile files on disk: found as the SDK finds them, read and checked here, then
//! parsed by the SDK's own parser from memory.
//!
//! The SDK's loader is an `async fn` that only reads files; it is polled once here, so the
//! cached path needs no tokio runtime.

use std::borrow::Cow;
use std::future::Future;
use std::path::PathBuf;
use std::task::{Context, Poll, Waker};

use aws_config::profile::ProfileSet;
use aws_runtime::env_config::file::EnvConfigFiles;
use aws_types::os_shim_internal::{Env as SdkEnv, Fs};

use crate::environment::Environment;
use crate::error::Error;

/// Set by `exec --server` for its child, whose `AWS_SHARED_CREDENTIALS_FILE` is an empty
/// file (so that SDKs take the endpoint's credentials): the credentials file aws-mfa read,
/// so aws-mfa run inside the child (`env --refresh`, `doctor`, another profile) reads it too.
pub const REAL_CREDENTIALS_FILE: &str = "AWS_MFA_SHARED_CREDENTIALS_FILE";

/// Reads and parses the files the SDK would read (`AWS_CONFIG_FILE`,
/// `AWS_SHARED_CREDENTIALS_FILE` honoured); inside an `exec --server` child, the user's
/// real credentials file.
pub(super) fn read(env: &Environment) -> Result<ProfileSet, Error> {
    let env = loader_env(env);
    parse(&checked_files(&paths_in(&env))?, &env)
}

/// Where the profile files are: found as the SDK finds them (`~` under the SDK's home
/// directory); inside an `exec --server` child, the user's real credentials file.
pub struct FilePaths {
    pub config: PathBuf,
    pub credentials: PathBuf,
}

pub fn paths(env: &Environment) -> FilePaths {
    paths_in(&loader_env(env))
}

fn paths_in(env: &SdkEnv) -> FilePaths {
    let home = aws_runtime::fs_util::home_dir(env, aws_runtime::fs_util::Os::real());
    let at = |variable: &str, default: &str| {
        let named = env.get(variable).ok();
        expand_home(named.as_deref().unwrap_or(default), home.as_deref())
    };
    FilePaths {
        config: at(CONFIG.0, CONFIG.1),
        credentials: at(CREDENTIALS.0, CREDENTIALS.1),
    }
}

/// The most of a profile file that is read: far more than any profile file (a thousand
/// profiles fit in a few hundred KiB).
pub const FILE_LIMIT: u64 = 16 * 1024 * 1024;

/// Each file's variable, and where it is when that is unset.
const CONFIG: (&str, &str) = ("AWS_CONFIG_FILE", "~/.aws/config");
const CREDENTIALS: (&str, &str) = ("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials");

/// The environment as the SDK's loader is given it: with `AWS_SHARED_CREDENTIALS_FILE` at
/// the user's real credentials file inside an `exec --server` child.
fn loader_env(env: &Environment) -> SdkEnv {
    let mut vars = env.utf8_vars();
    if let Some(path) =
        real_credentials_file(env).and_then(|p| p.into_os_string().into_string().ok())
    {
        vars.insert(CREDENTIALS.0.into(), path);
    }
    SdkEnv::from(vars)
}

/// Parses the profile files in `fs` (an in-memory file system) with the SDK's parser.
pub(super) fn parse(fs: &Fs, env: &SdkEnv) -> Result<ProfileSet, Error> {
    let files = EnvConfigFiles::default();
    let load = aws_config::profile::load(fs, env, &files, None::<Cow<'static, str>>);
    match poll_once(load) {
        Some(Ok(set)) => Ok(set),
        // The SDK's own text is "could not parse profile file"; the file, the line and
        // what is wrong there are in its source.
        Some(Err(e)) => Err(Error::ProfileFiles(
            std::iter::successors(Some(&e as &dyn std::error::Error), |e| e.source())
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(": ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        )),
        None => Err(Error::ProfileFiles(
            "the SDK's profile loader did not finish in one step".into(),
        )),
    }
}

/// The credentials file an `exec --server` child was handed over from its aws-mfa, when
/// there is one.
fn real_credentials_file(env: &Environment) -> Option<PathBuf> {
    env.non_empty_os(REAL_CREDENTIALS_FILE)
        .map(PathBuf::from)
        .filter(|path| path.is_file())
}

/// The credentials file this process reads, as an absolute path when it exists: what a
/// child whose `AWS_SHARED_CREDENTIALS_FILE` points elsewhere is handed in
/// `REAL_CREDENTIALS_FILE`.
pub fn credentials_file(env: &Environment) -> Option<PathBuf> {
    std::path::absolute(paths(env).credentials)
        .ok()
        .filter(|path| path.is_file())
}

/// The two files, as messages name them.
pub(super) fn names(env: &Environment) -> String {
    let name = |var: &str, default: &str| env.get(var).unwrap_or(default).to_owned();
    let credentials = match real_credentials_file(env) {
        Some(path) => path.display().to_string(),
        None => name("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"),
    };
    format!(
        "{} or {credentials}",
        name("AWS_CONFIG_FILE", "~/.aws/config"),
    )
}

/// The profile files, read here so the SDK's parser gets only what was checked: each must
/// be a regular file (a FIFO or `/dev/zero` would hang the read), of a sane size, and
/// valid UTF-8 (the SDK would silently read a file with one bad byte as empty, losing
/// `mfa_serial`, `region` and roles).
fn checked_files(paths: &FilePaths) -> Result<Fs, Error> {
    let mut contents = std::collections::HashMap::new();
    for ((variable, default), path) in [(CONFIG, &paths.config), (CREDENTIALS, &paths.credentials)]
    {
        let refused = |why: String, hint: String| Error::ProfileFile {
            path: path.display().to_string(),
            why,
            hint,
        };
        let data = match crate::regular_file::read(path, FILE_LIMIT) {
            Ok(data) => data,
            // A missing file is an empty one, as for the SDK.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(refused(
                    e.to_string(),
                    format!(
                        "point {variable} at your {default} file (a regular file), or unset it"
                    ),
                ));
            }
        };
        if let Err(e) = std::str::from_utf8(&data) {
            let line = data[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            return Err(refused(
                format!("line {line} is not valid UTF-8"),
                format!(
                    "save the file as UTF-8: retype the characters on line {line} (an editor in another encoding, or a stray byte, put them there)"
                ),
            ));
        }
        contents.insert(path.clone().into_os_string(), data);
    }
    Ok(Fs::from_raw_map(contents))
}

/// `~/…` under the home directory, as the SDK expands it.
fn expand_home(path: &str, home: Option<&str>) -> std::path::PathBuf {
    let path = std::path::Path::new(path);
    let mut components = path.components();
    match (components.next(), home) {
        (Some(std::path::Component::Normal(first)), Some(home)) if first == "~" => {
            let mut expanded = std::path::PathBuf::from(home);
            expanded.extend(components);
            expanded
        }
        _ => path.to_owned(),
    }
}

/// Polls a future once. The SDK's profile loader reads files synchronously inside its
/// `async fn`, so one poll finishes it without an executor.
fn poll_once<F: Future>(future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}

/// `FILE line N: KEY` for every key line of `profile` in the AWS files (no value shown):
/// the lines `aws-mfa add` asks to delete. Read as lines, not parsed: the SDK's parser
/// keeps no line numbers.
pub fn plain_text_key_lines(profile: &str, env: &Environment) -> Vec<String> {
    let paths = paths(env);
    let mut found = Vec::new();
    for (path, is_config) in [(paths.credentials, false), (paths.config, true)] {
        // Read as the profile reader reads: a FIFO named there must not hang `add`.
        let Some(text) = crate::regular_file::read(&path, FILE_LIMIT)
            .ok()
            .and_then(|data| String::from_utf8(data).ok())
        else {
            continue;
        };
        for (number, key) in key_lines(&text, profile, is_config) {
            found.push(format!("{} line {number}: {key}", path.display()));
        }
    }
    found
}

/// Line numbers and key names of the key lines under `profile`'s section.
fn key_lines(text: &str, profile: &str, is_config: bool) -> Vec<(usize, String)> {
    const KEYS: [&str; 3] = [
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
    ];
    let mut inside = false;
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(header) = line.strip_prefix('[') {
            let name = header.split(']').next().unwrap_or_default().trim();
            // config: [profile NAME] or [default]; credentials: [NAME].
            inside = match (is_config, name.strip_prefix("profile")) {
                (true, Some(rest)) if rest.starts_with(char::is_whitespace) => {
                    rest.trim() == profile
                }
                (true, _) => name == "default" && profile == "default",
                (false, _) => name == profile,
            };
            continue;
        }
        if !inside {
            continue;
        }
        let key = line.split('=').next().unwrap_or_default().trim();
        if line.contains('=') && KEYS.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            lines.push((i + 1, key.to_ascii_lowercase()));
        }
    }
    lines
}

/// The profile files of a unit test, given as text, parsed as `read` parses them.
#[cfg(test)]
pub(super) fn parse_texts(config: &str, credentials: &str) -> Result<ProfileSet, Error> {
    let fs = Fs::from_slice(&[("/config", config), ("/credentials", credentials)]);
    let env = SdkEnv::from_slice(&[
        ("AWS_CONFIG_FILE", "/config"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/credentials"),
    ]);
    parse(&fs, &env)
}

#[cfg(test)]
mod tests {
    use super::key_lines;

    #[test]
    fn finds_the_key_lines_of_one_profile() {
        let credentials = "[default]\naws_access_key_id = A\n[work]\n# note\nAWS_Access_Key_ID=B\naws_secret_access_key = s\nregion = x\n[other]\naws_secret_access_key = t\n";
        assert_eq!(
            key_lines(credentials, "work", false),
            [
                (5, "aws_access_key_id".to_owned()),
                (6, "aws_secret_access_key".to_owned())
            ]
        );
        let config = "[profile work]\naws_secret_access_key = s\n[work]\naws_access_key_id = A\n[default]\naws_access_key_id = D\n";
        assert_eq!(
            key_lines(config, "work", true),
            [(2, "aws_secret_access_key".to_owned())]
        );
        assert_eq!(
            key_lines(config, "default", true),
            [(6, "aws_access_key_id".to_owned())]
        );
    }
}
