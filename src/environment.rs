//! The process environment, read once when a run starts (`Environment::of_process`) and
//! handed to whatever needs a variable: no module reads it behind its caller's back
//! (`clippy.toml` forbids `std::env::var*` elsewhere), and a test hands in its own.
//!
//! Two readers are outside this rule on purpose: clap (`env = …` on an argument) and the
//! SDK's config loader in `aws/`, which finds endpoint settings its own way.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};

use crate::error::Error;

/// The variables of one run.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    vars: HashMap<OsString, OsString>,
}

impl Environment {
    /// This process's environment, as it is now.
    #[allow(clippy::disallowed_methods)]
    pub fn of_process() -> Self {
        Environment::from_pairs(std::env::vars_os())
    }

    /// An environment holding `pairs` only.
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<OsString>,
        V: Into<OsString>,
    {
        Environment {
            vars: pairs
                .into_iter()
                .map(|(name, value)| (key(name.into()), value.into()))
                .collect(),
        }
    }

    /// This environment with `name` set to `value`.
    #[cfg(test)]
    pub(crate) fn with(&self, name: &str, value: impl Into<OsString>) -> Self {
        let mut changed = self.clone();
        changed.vars.insert(key(name.into()), value.into());
        changed
    }

    /// The value of `name` when it is set, even to nothing.
    pub fn os(&self, name: &str) -> Option<&OsStr> {
        self.vars.get(&key(name.into())).map(OsString::as_os_str)
    }

    /// The value of `name` when it is set to something.
    pub fn non_empty_os(&self, name: &str) -> Option<&OsStr> {
        self.os(name).filter(|value| !value.is_empty())
    }

    /// The value of `name` when it is set to something in UTF-8 (what `std::env::var`
    /// gives, with an empty value read as unset).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.non_empty_os(name)?.to_str()
    }

    /// `get`, but a value that is not UTF-8 is an error rather than unset: for a variable
    /// whose silent absence would change what is done (`AWS_PROFILE`).
    pub fn get_utf8(&self, name: &'static str) -> Result<Option<&str>, Error> {
        match self.non_empty_os(name) {
            None => Ok(None),
            Some(value) => value.to_str().map(Some).ok_or(Error::NotUtf8Variable(name)),
        }
    }

    /// The first of `names` that `get` finds.
    pub fn first(&self, names: &[&str]) -> Option<&str> {
        names.iter().find_map(|name| self.get(name))
    }

    /// The variables whose name and value are UTF-8, as the SDK's profile loader takes them.
    pub fn utf8_vars(&self) -> HashMap<String, String> {
        self.vars
            .iter()
            .filter_map(|(name, value)| Some((name.to_str()?.into(), value.to_str()?.into())))
            .collect()
    }
}

/// A variable's name as it is looked up: Windows ignores case in names (`Path` is `PATH`).
fn key(name: OsString) -> OsString {
    if crate::platform::VARIABLE_NAMES_IGNORE_CASE {
        name.to_ascii_uppercase()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_read_as_unset_except_where_asked_for() {
        let env = Environment::from_pairs([("EMPTY", ""), ("SET", "x")]);
        assert_eq!(env.os("EMPTY"), Some(OsStr::new("")));
        assert_eq!(env.non_empty_os("EMPTY"), None);
        assert_eq!(env.get("EMPTY"), None);
        assert_eq!(env.get("SET"), Some("x"));
        assert_eq!(env.get("MISSING"), None);
        assert_eq!(env.first(&["MISSING", "EMPTY", "SET"]), Some("x"));
    }

    #[cfg(unix)]
    #[test]
    fn a_value_that_is_not_utf8_is_unset_or_an_error_as_asked() {
        use std::os::unix::ffi::OsStringExt;
        let env = Environment::from_pairs([("AWS_PROFILE", OsString::from_vec(vec![0xff]))]);
        assert_eq!(env.get("AWS_PROFILE"), None);
        assert!(matches!(
            env.get_utf8("AWS_PROFILE"),
            Err(Error::NotUtf8Variable("AWS_PROFILE"))
        ));
        assert!(env.utf8_vars().is_empty());
    }

    #[test]
    fn with_changes_a_copy() {
        let env = Environment::from_pairs([("A", "1")]);
        let changed = env.with("A", "2");
        assert_eq!((env.get("A"), changed.get("A")), (Some("1"), Some("2")));
    }
}
