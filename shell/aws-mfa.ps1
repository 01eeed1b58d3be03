# aws-mfa shell integration for PowerShell (pwsh 7, Windows PowerShell 5.1). One line in
# $PROFILE loads it:
#
#   aws-mfa init pwsh | Out-String | Invoke-Expression
#
# aws-mfa-session [PROFILE] [OPTIONS]   put an MFA session in this shell; OPTIONS are those
#                                       of `aws-mfa env` (-t CODE, -d 1h, -r REGION, ...)
# aws-mfa-clear                         remove the session from this shell
# aws-mfa-prompt                        "PROFILE 42m" (or "PROFILE 11h05m") while this shell
#                                       holds a session, nothing otherwise:
#                                       function prompt { "$(aws-mfa-prompt) PS $PWD> " }

# `aws-mfa env | Out-String | Invoke-Expression` evaluates nothing on a failure but still
# succeeds, so the output is captured and evaluated only after aws-mfa succeeded. A
# failure is thrown: `aws-mfa-session work && terraform apply` stops there (a plain
# function cannot set $? to false for its caller, and an advanced one would take -p, -d,
# -v for its own common parameters). The code prompt goes to the console, not the
# pipeline.
function aws-mfa-session {
    $arguments = @($args | ForEach-Object { "$_" })
    if ($arguments -contains '-h' -or $arguments -contains '--help') {
        'usage: aws-mfa-session [PROFILE] [OPTIONS]'
        'Puts an MFA session in this shell. OPTIONS are those of aws-mfa env:'
        ''
        & aws-mfa env --help
        return
    }
    # A first argument that is not an option names the profile.
    if ($arguments.Count -gt 0 -and $arguments[0] -ne '' -and -not $arguments[0].StartsWith('-')) {
        $arguments = @('-p') + $arguments
    }
    $out = & aws-mfa env --shell pwsh @arguments | Out-String
    if ($LASTEXITCODE -ne 0) {
        throw "aws-mfa-session: no session: aws-mfa env exited with $LASTEXITCODE"
    }
    Invoke-Expression $out
}

# Removes every variable a session sets, and the ones it removes (AWS_PROFILE, ...).
function aws-mfa-clear {
    $out = & aws-mfa env --unset --shell pwsh | Out-String
    if ($LASTEXITCODE -ne 0) {
        throw "aws-mfa-clear: aws-mfa env --unset exited with $LASTEXITCODE"
    }
    Invoke-Expression $out
}

# The profile and the time left, from AWS_MFA_PROFILE and AWS_CREDENTIAL_EXPIRATION
# (RFC 3339 UTC).
function aws-mfa-prompt {
    $profileName = $Env:AWS_MFA_PROFILE
    if (-not $profileName) {
        return
    }
    $expiry = [DateTimeOffset]::MinValue
    $styles = [Globalization.DateTimeStyles]::AssumeUniversal
    $culture = [Globalization.CultureInfo]::InvariantCulture
    if (-not [DateTimeOffset]::TryParse("$Env:AWS_CREDENTIAL_EXPIRATION", $culture, $styles, [ref]$expiry)) {
        return $profileName
    }
    $left = [long][Math]::Floor(($expiry - [DateTimeOffset]::UtcNow).TotalSeconds)
    if ($left -le 0) {
        return "$profileName expired"
    }
    if ($left -lt 3600) {
        return '{0} {1}m' -f $profileName, [Math]::Floor($left / 60)
    }
    return '{0} {1}h{2:00}m' -f $profileName, [Math]::Floor($left / 3600), [Math]::Floor(($left % 3600) / 60)
}
