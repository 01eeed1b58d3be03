//! What the writers' completion parts share: clap_complete's dynamic completion
//! (`ArgValueCandidates`) is still behind its `unstable-dynamic` feature, so `aws-mfa
//! completions` writes the static script with one placeholder value for the profile
//! option, and each writer swaps its shell's spelling of that value for a call to the
//! hidden `aws-mfa __profiles` (`Completions::profile_names`).

use crate::error::Error;

/// Stands in for the profile names while clap_complete writes the script.
pub const PLACEHOLDER: &str = "__AWS_MFA_PROFILES__";

/// Swaps every occurrence of `from` for `to`; the script must have contained it.
pub fn swap(shell: &'static str, generated: &str, from: &str, to: &str) -> Result<String, Error> {
    if !generated.contains(from) {
        return Err(changed_shape(shell, from));
    }
    Ok(generated.replace(from, to))
}

/// clap_complete's script lacks a piece aws-mfa changes (another clap_complete version).
pub fn changed_shape(shell: &'static str, missing: &str) -> Error {
    Error::CompletionScript {
        shell,
        why: format!("clap_complete's script changed shape: {missing:?} not found"),
    }
}
