# aws-mfa shell integration for nushell. Save it once, and source it from config.nu:
#
#   aws-mfa init nu | save -f ($nu.default-config-dir | path join aws-mfa.nu)
#   source aws-mfa.nu                           # in config.nu
#
# aws-mfa-session [PROFILE] [OPTIONS]   put an MFA session in this shell; OPTIONS are those
#                                       of `aws-mfa env` (-t CODE, -d 1h, -r REGION, ...)
# aws-mfa-clear                         remove the session from this shell
# aws-mfa-prompt                        print "PROFILE 42m" (or "PROFILE 11h05m") while this
#                                       shell holds a session, nothing otherwise:
#                                       $env.PROMPT_COMMAND_RIGHT = {|| aws-mfa-prompt }
#
# nushell cannot evaluate a string in the running shell, so these read `aws-mfa env
# --shell json` (each variable to its value, null for each one to remove) as data.

# Applies `aws-mfa env --shell json` output: values are set, nulls removed. A failing
# aws-mfa is an error before anything changes, so `aws-mfa-session work; terraform apply`
# stops on a failure. The code prompt goes to the terminal while the output is captured.
def --env _aws-mfa-apply [changes: record] {
    let changes = ($changes | transpose name value)
    let removed = ($changes | where value == null | get name)
    let set = ($changes | where value != null)
    if ($set | is-not-empty) {
        load-env ($set | transpose -r -d)
    }
    hide-env -i ...$removed
}

# Put an MFA session in this shell: aws-mfa-session [PROFILE] [OPTIONS]
def --env --wrapped aws-mfa-session [...args: string] {
    if ('-h' in $args) or ('--help' in $args) {
        let usage = [
            'usage: aws-mfa-session [PROFILE] [OPTIONS]'
            'Puts an MFA session in this shell. OPTIONS are those of aws-mfa env:'
            ''
            (^aws-mfa env --help)
        ]
        return ($usage | str join "\n")
    }
    # A first argument that is not an option names the profile.
    let args = if ($args | is-not-empty) and ($args.0 != '') and not ($args.0 | str starts-with '-') {
        ['-p'] ++ $args
    } else {
        $args
    }
    _aws-mfa-apply (^aws-mfa env --shell json ...$args | from json)
}

# Remove the aws-mfa session from this shell (and AWS_PROFILE, ...)
def --env aws-mfa-clear [] {
    _aws-mfa-apply (^aws-mfa env --unset --shell json | from json)
}

# Print the aws-mfa session profile and the time left
def aws-mfa-prompt [] {
    let profile = ($env.AWS_MFA_PROFILE? | default '')
    if $profile == '' {
        return ''
    }
    let expiry = (try { $env.AWS_CREDENTIAL_EXPIRATION | into datetime } catch { null })
    if $expiry == null {
        return $profile
    }
    let left = (($expiry - (date now)) / 1sec | math floor)
    if $left <= 0 {
        $'($profile) expired'
    } else if $left < 3600 {
        $'($profile) ($left // 60)m'
    } else {
        let minutes = ($left mod 3600 // 60 | fill -a right -c '0' -w 2)
        $'($profile) ($left // 3600)h($minutes)m'
    }
}
