//! One integration-test binary: every test runs the built `aws-mfa` the way a user does.
//! It runs on Unix; the Windows build is driven from here under Wine (`windows`).
#![cfg(unix)]
// The product reads its environment in one place (clippy.toml); tests read their own freely.
#![allow(clippy::disallowed_methods)]
// Notes of skipped tests go to stderr as they are.
#![allow(clippy::disallowed_macros)]

mod support;

mod cache;
mod console;
mod detect;
mod devices;
mod dialog;
mod dialog_text;
mod doctor;
mod env;
mod exec;
mod failures;
mod forget;
mod hardening;
mod keychain;
mod nudge;
mod policy;
mod profile_env;
mod prompt;
mod real_peers;
mod roles;
mod rotate;
mod server;
mod shells;
mod shipped;
mod signin_trust;
mod tls;
mod trust_messages;
mod verbose;

// exec --server and the SDK hand-off
mod credential_process;
// Windows under Wine.
mod windows;
