//! Names the build for `aws-mfa --version`: the commit it was built from and the target it
//! was built for (`aws-mfa 0.1.0 (abc1234 x86_64-unknown-linux-musl)`).
//!
//! The commit comes from `AWS_MFA_COMMIT` when set, else from git (a clone, `cargo install
//! --git`), else from the `.cargo_vcs_info.json` cargo writes into a published crate;
//! without any of them it reads `unknown`.

// Cargo hands a build script its input in variables (clippy.toml's rule is for src/).
#![allow(clippy::disallowed_methods)]

use std::process::Command;

fn main() {
    println!("cargo::rerun-if-env-changed=AWS_MFA_COMMIT");
    let target = std::env::var("TARGET").expect("cargo sets TARGET for build scripts");
    let commit = match std::env::var("AWS_MFA_COMMIT") {
        Ok(commit) if !commit.is_empty() => commit,
        _ => git_commit()
            .or_else(published_commit)
            .unwrap_or_else(|| "unknown".to_owned()),
    };
    println!("cargo::rustc-env=AWS_MFA_COMMIT={commit}");
    println!("cargo::rustc-env=AWS_MFA_TARGET={target}");
}

/// The abbreviated commit of HEAD; and, so that a new commit rebuilds, the files git moves
/// when HEAD changes (HEAD itself, the branch it names, packed refs), where they exist.
fn git_commit() -> Option<String> {
    // Only this package's own repository, not one it happens to be unpacked inside.
    let top = git(&["rev-parse", "--show-toplevel"])?;
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").ok()?;
    if std::fs::canonicalize(top).ok()? != std::fs::canonicalize(manifest_dir).ok()? {
        return None;
    }
    let commit = git(&["rev-parse", "--short=7", "HEAD"])?;
    let mut watched = vec![git(&["rev-parse", "--git-path", "HEAD"])?];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.push(git(&["rev-parse", "--git-path", &branch])?);
    }
    watched.push(git(&["rev-parse", "--git-path", "packed-refs"])?);
    // A file that does not exist would make cargo rerun this script, and rebuild the
    // crate, on every build.
    for path in watched.iter().filter(|p| std::path::Path::new(p).exists()) {
        println!("cargo::rerun-if-changed={path}");
    }
    Some(commit)
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.trim().to_owned())
}

/// `"sha1": "…"` from the `.cargo_vcs_info.json` of a crate cargo packaged from git.
fn published_commit() -> Option<String> {
    let text = std::fs::read_to_string(".cargo_vcs_info.json").ok()?;
    let (_, rest) = text.split_once("\"sha1\"")?;
    let hex: String = rest
        .chars()
        .skip_while(|c| !c.is_ascii_hexdigit())
        .take_while(char::is_ascii_hexdigit)
        .collect();
    (hex.len() >= 7).then(|| hex[..7].to_owned())
}
