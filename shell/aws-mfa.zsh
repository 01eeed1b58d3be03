# aws-mfa shell integration for zsh. One line in ~/.zshrc loads it:
#
#   eval "$(aws-mfa init zsh)"
#
# aws-mfa-session [PROFILE] [OPTIONS]   put an MFA session in this shell; OPTIONS are those
#                                       of `aws-mfa env` (-t CODE, -d 1h, -r REGION, ...)
# aws-mfa-clear                         remove the session from this shell
# aws-mfa-prompt                        print "PROFILE 42m" (or "PROFILE 11h05m") while this
#                                       shell holds a session, nothing otherwise, with `%`
#                                       doubled for prompt expansion:
#                                       setopt prompt_subst; PROMPT='$(aws-mfa-prompt) %~ %# '

# `eval "$(aws-mfa env)"` returns 0 even when aws-mfa failed, so the output is captured and
# evaluated only after aws-mfa succeeded: `aws-mfa-session work && terraform apply` stops
# on a failure. The code prompt goes to the terminal, so it shows inside `$(...)`.
aws-mfa-session() {
  emulate -L zsh
  local arg out
  for arg in "$@"; do
    if [[ $arg == (-h|--help) ]]; then
      print -r -- 'usage: aws-mfa-session [PROFILE] [OPTIONS]'
      print -r -- 'Puts an MFA session in this shell. OPTIONS are those of aws-mfa env:'
      print
      command aws-mfa env --help
      return
    fi
  done
  # A first argument that is not an option names the profile.
  if [[ -n ${1-} && ${1-} != -* ]]; then
    set -- -p "$@"
  fi
  out=$(command aws-mfa env --shell zsh "$@") || return
  eval "$out"
}

# Removes every variable a session sets, and the ones it removes (AWS_PROFILE, ...).
aws-mfa-clear() {
  emulate -L zsh
  local out
  out=$(command aws-mfa env --unset --shell zsh) || return
  eval "$out"
}

# The profile and the time left, from AWS_MFA_PROFILE and AWS_CREDENTIAL_EXPIRATION
# (RFC 3339 UTC). Shell arithmetic only: a prompt runs it often, so no `date` process.
aws-mfa-prompt() {
  emulate -L zsh
  local profile=${AWS_MFA_PROFILE-} expiry=${AWS_CREDENTIAL_EXPIRATION-}
  [[ -n $profile ]] || return 0
  profile=${profile//\%/%%}
  if [[ ! $expiry =~ '^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})' ]]; then
    print -rn -- "$profile"
    return 0
  fi
  local -i y=10#$match[1] m=10#$match[2] d=10#$match[3]
  local -i hh=10#$match[4] mm=10#$match[5] ss=10#$match[6]
  # Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil, years >= 0).
  if (( m <= 2 )); then
    y=$(( y - 1 )) m=$(( m + 9 ))
  else
    m=$(( m - 3 ))
  fi
  local -i era=$(( y / 400 ))
  local -i yoe=$(( y - era * 400 ))
  local -i doy=$(( (153 * m + 2) / 5 + d - 1 ))
  local -i days=$(( era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468 ))
  zmodload -F zsh/datetime p:EPOCHSECONDS 2>/dev/null || return 0
  local -i left=$(( days * 86400 + hh * 3600 + mm * 60 + ss - EPOCHSECONDS ))
  if (( left <= 0 )); then
    print -rn -- "$profile expired"
  elif (( left < 3600 )); then
    print -rn -- "$profile $(( left / 60 ))m"
  else
    printf '%s %dh%02dm' "$profile" $(( left / 3600 )) $(( left % 3600 / 60 ))
  fi
}
