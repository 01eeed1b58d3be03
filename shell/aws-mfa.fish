# aws-mfa shell integration for fish. One line in ~/.config/fish/config.fish loads it:
#
#   aws-mfa init fish | source
#
# aws-mfa-session [PROFILE] [OPTIONS]   put an MFA session in this shell; OPTIONS are those
#                                       of `aws-mfa env` (-t CODE, -d 1h, -r REGION, ...)
# aws-mfa-clear                         remove the session from this shell
# aws-mfa-prompt                        print "PROFILE 42m" (or "PROFILE 11h05m") while this
#                                       shell holds a session, nothing otherwise

# `aws-mfa env | source` would evaluate nothing on a failure but still succeed, so the
# output is captured and sourced only after aws-mfa succeeded: `aws-mfa-session work; and
# terraform apply` stops on a failure. The code prompt goes to the terminal, so it shows
# inside `(...)`.
function aws-mfa-session --description 'Put an MFA session in this shell: aws-mfa-session [PROFILE] [OPTIONS]'
    if contains -- -h $argv; or contains -- --help $argv
        printf '%s\n' 'usage: aws-mfa-session [PROFILE] [OPTIONS]' \
            'Puts an MFA session in this shell. OPTIONS are those of aws-mfa env:' ''
        command aws-mfa env --help
        return
    end
    set -l args $argv
    # A first argument that is not an option names the profile.
    if set -q args[1]; and test -n "$args[1]"; and not string match -q -- '-*' $args[1]
        set args -p $args
    end
    # `set` returns the status of its command substitution; the output comes back one
    # line an element (empty lines too) and is joined again before it is sourced.
    set -l out (command aws-mfa env --shell fish $args)
    or return
    string join \n -- $out | source
end

# Removes every variable a session sets, and the ones it removes (AWS_PROFILE, ...).
function aws-mfa-clear --description 'Remove the aws-mfa session from this shell'
    set -l out (command aws-mfa env --unset --shell fish)
    or return
    string join \n -- $out | source
end

# The profile and the time left, from AWS_MFA_PROFILE and AWS_CREDENTIAL_EXPIRATION
# (RFC 3339 UTC).
function aws-mfa-prompt --description 'Print the aws-mfa session profile and the time left'
    set -q AWS_MFA_PROFILE[1]; and test -n "$AWS_MFA_PROFILE"; or return 0
    set -l profile "$AWS_MFA_PROFILE"
    set -l expiry
    set -q AWS_CREDENTIAL_EXPIRATION[1]; and set expiry "$AWS_CREDENTIAL_EXPIRATION"
    set -l parts (string match -r -- '^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})' "$expiry")
    if not set -q parts[7]
        printf '%s' $profile
        return 0
    end
    set -l y $parts[2]
    set -l m $parts[3]
    # Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil, years >= 0).
    if test $m -le 2
        set y (math $y - 1)
        set m (math $m + 9)
    else
        set m (math $m - 3)
    end
    set -l era (math -s0 $y / 400)
    set -l yoe (math $y - $era \* 400)
    set -l doy (math -s0 "(153 * $m + 2) / 5 + $parts[4] - 1")
    set -l leap (math -s0 $yoe / 4)
    set -l century (math -s0 $yoe / 100)
    set -l days (math "$era * 146097 + $yoe * 365 + $leap - $century + $doy - 719468")
    set -l now (date +%s); or return 0
    set -l left (math "$days * 86400 + $parts[5] * 3600 + $parts[6] * 60 + $parts[7] - $now")
    if test $left -le 0
        printf '%s expired' $profile
    else if test $left -lt 3600
        printf '%s %dm' $profile (math -s0 $left / 60)
    else
        printf '%s %dh%02dm' $profile (math -s0 $left / 3600) (math -s0 "$left % 3600 / 60")
    end
end
