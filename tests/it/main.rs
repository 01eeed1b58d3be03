//! One integration-test binary: every test runs the built `aws-mfa` the way a user does.
//! It runs on Unix; the Windows build is driven from here under Wine (`windows`).
#![cfg(unix)]

mod support;

mod cache;
mod detect;
mod devices;
mod doctor;
mod env;
mod exec;
mod failures;
mod integration;
mod prompt;
mod real_peers;
mod roles;
mod server;
mod shells;
mod verbose;

// Windows under Wine.
mod windows;
