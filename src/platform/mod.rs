//! What differs per operating system, one module per platform. Callers name
//! `crate::platform::windows::…` behind a `#[cfg(windows)]` call site of their own.

#[cfg(windows)]
pub mod windows;
