//! A profile's own variables: `aws_mfa_env =` followed by indented `NAME = value` lines (the
//! AWS config file's sub-properties; the SDK's parser hands them over as one value, a line
//! per entry). `env` sets them with the session and records their names in
//! `AWS_MFA_ENV_NAMES`, so that switching profile or `env --unset` removes those, and only
//! those.

use std::borrow::Cow;

use crate::environment::Environment;
use crate::error::{Error, escape_controls};
use crate::session::EnvChange;

/// The profile key.
pub const KEY: &str = "aws_mfa_env";

/// Where the names of the variables a profile set are kept (space-separated), for the next
/// `env` and `env --unset`.
pub const NAMES_VAR: &str = "AWS_MFA_ENV_NAMES";

/// The variables of one profile, and those the environment says the last profile set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileEnv {
    /// `(NAME, value)` in the order the profile gives them, `~` expanded.
    pub set: Vec<(String, String)>,
    /// Names the last profile set (`AWS_MFA_ENV_NAMES`), valid names only.
    pub previous: Vec<String>,
    /// Whether `AWS_MFA_ENV_NAMES` is in the environment at all.
    pub recorded: bool,
}

impl ProfileEnv {
    /// `set` for the session about to be handed over, `previous` from `env`.
    pub fn new(set: Vec<(String, String)>, env: &Environment) -> Self {
        let (previous, recorded) = previous_names(env);
        ProfileEnv {
            set,
            previous,
            recorded,
        }
    }

    /// The changes after the session's own: the last profile's variables that this one does
    /// not set are removed, this one's are set, and their names recorded.
    pub fn changes(&self) -> Vec<EnvChange> {
        let mut changes: Vec<EnvChange> = self
            .previous
            .iter()
            .filter(|old| !self.set.iter().any(|(name, _)| name == *old))
            .map(|old| EnvChange::unset(old.clone()))
            .collect();
        changes.extend(
            self.set
                .iter()
                .map(|(name, value)| EnvChange::set(name.clone(), value.clone())),
        );
        if !self.set.is_empty() {
            changes.push(EnvChange::set(NAMES_VAR, names_of(&self.set)));
        } else if self.recorded {
            changes.push(EnvChange::unset(NAMES_VAR));
        }
        changes
    }
}

/// `env --unset`'s part: the variables the last profile set, and their record.
pub fn unset_previous(env: &Environment) -> Vec<EnvChange> {
    let (previous, recorded) = previous_names(env);
    let mut changes: Vec<EnvChange> = previous.into_iter().map(EnvChange::unset).collect();
    if recorded {
        changes.push(EnvChange::unset(NAMES_VAR));
    }
    changes
}

/// `status`'s line about this shell, when a profile's variables are in it.
pub fn status_line(env: &Environment) -> Option<String> {
    let (previous, _) = previous_names(env);
    if previous.is_empty() {
        return None;
    }
    let profile = env
        .get(crate::session::MFA_PROFILE)
        .map(|name| format!(" of profile '{}'", escape_controls(name)))
        .unwrap_or_default();
    Some(format!(
        "this shell holds the {KEY} variables{profile}: {}\n",
        previous.join(" ")
    ))
}

/// The names in `AWS_MFA_ENV_NAMES` that could have been set (anything else is ignored: a
/// name goes into shell statements unquoted), and whether it is set at all.
fn previous_names(env: &Environment) -> (Vec<String>, bool) {
    let Some(value) = env.os(NAMES_VAR) else {
        return (Vec::new(), false);
    };
    let mut names: Vec<String> = Vec::new();
    for name in value.to_str().unwrap_or_default().split_whitespace() {
        if refusal(name).is_none() && !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    (names, true)
}

fn names_of(set: &[(String, String)]) -> String {
    let names: Vec<&str> = set.iter().map(|(name, _)| name.as_str()).collect();
    names.join(" ")
}

/// Why `name` cannot be set from a profile, if it cannot.
fn refusal(name: &str) -> Option<&'static str> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Some(
            "it is not a variable name (a letter or _, then letters, digits and _; no spaces)",
        );
    }
    // Any case: Windows does not tell `aws_region` from `AWS_REGION`.
    if name.len() >= 4 && name[..4].eq_ignore_ascii_case("AWS_") {
        return Some(
            "names starting with AWS_ belong to the session aws-mfa hands over and to the AWS SDKs",
        );
    }
    None
}

/// Reads `aws_mfa_env`'s value (one `NAME = value` per line) as `profile` gives it. `home`
/// is what a leading `~` stands for. A bad line is an error naming the line, never its value.
pub fn parse(
    profile: &str,
    value: &str,
    home: Option<&str>,
) -> Result<Vec<(String, String)>, Error> {
    let mut vars: Vec<(String, String)> = Vec::new();
    let lines = value.lines().map(str::trim).filter(|line| !line.is_empty());
    for (number, line) in lines.enumerate() {
        let broken = |why: String| Error::BrokenProfile {
            profile: profile.to_owned(),
            why: format!("line {} of its {KEY} {why}", number + 1),
            hint: format!(
                "under '{KEY} =' put indented lines 'NAME = value' (for example '  KUBECONFIG = ~/.kube/{profile}'), names without the AWS_ prefix"
            ),
        };
        let Some((name, rest)) = line.split_once('=') else {
            return Err(broken("has no '=' (NAME = value)".into()));
        };
        let name = name.trim();
        if let Some(why) = refusal(name) {
            return Err(broken(format!("('{} = …'): {why}", escape_controls(name))));
        }
        if vars.iter().any(|(seen, _)| seen == name) {
            return Err(broken(format!("('{name} = …'): {name} is set twice")));
        }
        vars.push((name.to_owned(), expand_home(rest.trim(), home).into_owned()));
    }
    Ok(vars)
}

impl super::ProfileFiles<'_> {
    /// `profile`'s own `aws_mfa_env`, checked; `-v` lists the names.
    pub(super) fn extra_env_of(&self, profile: &str) -> Result<Vec<(String, String)>, Error> {
        let Some(value) = self.get(profile, KEY) else {
            return Ok(Vec::new());
        };
        let vars = parse(profile, &value, self.env.first(&["HOME", "USERPROFILE"]))?;
        tracing::info!("profile '{profile}': {KEY} sets {}", names_of(&vars));
        Ok(vars)
    }
}

/// `~` and `~/…` (or `~\…` on Windows) with the home directory, as a shell does in an
/// assignment's value; anything else as it is.
fn expand_home<'v>(value: &'v str, home: Option<&str>) -> Cow<'v, str> {
    let Some(rest) = value.strip_prefix('~') else {
        return Cow::Borrowed(value);
    };
    match home {
        Some(home) if rest.is_empty() || rest.starts_with(std::path::is_separator) => {
            Cow::Owned(format!("{home}{rest}"))
        }
        _ => Cow::Borrowed(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_variables_with_home_expanded() {
        let vars = parse(
            "prod",
            "\nKUBECONFIG = ~/.kube/prod\nTF_WORKSPACE=prod\n_X = a = b\nHOME_ONLY = ~\nUSER_HOME = ~bob/x",
            Some("/home/me"),
        )
        .unwrap();
        let pairs: Vec<(&str, &str)> = vars.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        assert_eq!(
            pairs,
            [
                ("KUBECONFIG", "/home/me/.kube/prod"),
                ("TF_WORKSPACE", "prod"),
                ("_X", "a = b"),
                ("HOME_ONLY", "/home/me"),
                ("USER_HOME", "~bob/x"),
            ]
        );
    }

    #[test]
    fn bad_names_are_refused_naming_the_line_not_the_value() {
        for (value, says) in [
            (
                "A = 1\nAWS_REGION = s3cret",
                "line 2 of its aws_mfa_env ('AWS_REGION = …'): names starting with AWS_",
            ),
            (
                "aws_profile = s3cret",
                "line 1 of its aws_mfa_env ('aws_profile = …'): names starting with AWS_",
            ),
            (
                "1X = s3cret",
                "line 1 of its aws_mfa_env ('1X = …'): it is not a variable name",
            ),
            (
                "MY VAR = s3cret",
                "line 1 of its aws_mfa_env ('MY VAR = …'): it is not a variable name",
            ),
            (
                "A = 1\nB = 2\nA = s3cret",
                "line 3 of its aws_mfa_env ('A = …'): A is set twice",
            ),
            ("s3cret", "line 1 of its aws_mfa_env has no '='"),
        ] {
            let err = parse("prod", value, None).unwrap_err();
            let text = err.to_string();
            assert!(text.contains(says), "{text}");
            assert!(
                text.starts_with("profile 'prod' cannot be used: "),
                "{text}"
            );
            assert!(!text.contains("s3cret"), "{text}");
        }
    }

    #[test]
    fn switching_removes_only_what_the_last_profile_set() {
        let env = Environment::from_pairs([(NAMES_VAR, "KUBECONFIG OLD_ONLY bad;name AWS_X")]);
        let new = ProfileEnv::new(vec![("KUBECONFIG".into(), "/k".into())], &env);
        assert_eq!(
            new.changes(),
            [
                EnvChange::unset("OLD_ONLY"),
                EnvChange::set("KUBECONFIG", "/k"),
                EnvChange::set(NAMES_VAR, "KUBECONFIG"),
            ]
        );
        let none = ProfileEnv::new(Vec::new(), &env);
        assert_eq!(
            none.changes(),
            [
                EnvChange::unset("KUBECONFIG"),
                EnvChange::unset("OLD_ONLY"),
                EnvChange::unset(NAMES_VAR),
            ]
        );
        assert!(
            ProfileEnv::new(Vec::new(), &Environment::default())
                .changes()
                .is_empty()
        );
        assert_eq!(unset_previous(&env), none.changes());
    }
}
