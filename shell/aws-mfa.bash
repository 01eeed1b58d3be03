# shellcheck shell=bash
# aws-mfa shell integration for bash. One line in ~/.bashrc loads it:
#
#   eval "$(aws-mfa init bash)"
#
# aws-mfa-session [PROFILE] [OPTIONS]   put an MFA session in this shell; OPTIONS are those
#                                       of `aws-mfa env` (-t CODE, -d 1h, -r REGION, ...)
# aws-mfa-clear                         remove the session from this shell
# aws-mfa-prompt                        print "PROFILE 42m" (or "PROFILE 11h05m") while this
#                                       shell holds a session, nothing otherwise:
#                                       PS1='$(aws-mfa-prompt) \w \$ '

# `eval "$(aws-mfa env)"` returns 0 even when aws-mfa failed, so the output is captured and
# evaluated only after aws-mfa succeeded: `aws-mfa-session work && terraform apply` stops
# on a failure. The code prompt goes to the terminal, so it shows inside `$(...)`.
aws-mfa-session() {
  local arg out
  for arg in "$@"; do
    case ${arg} in
    -h | --help)
      printf '%s\n' 'usage: aws-mfa-session [PROFILE] [OPTIONS]' \
        'Puts an MFA session in this shell. OPTIONS are those of aws-mfa env:' ''
      command aws-mfa env --help
      return
      ;;
    *) ;;
    esac
  done
  # A first argument that is not an option names the profile.
  case ${1-} in
  '' | -*) ;;
  *) set -- -p "$@" ;;
  esac
  out=$(command aws-mfa env --shell bash "$@") || return
  eval "${out}"
}

# Removes every variable a session sets, and the ones it removes (AWS_PROFILE, ...).
aws-mfa-clear() {
  local out
  out=$(command aws-mfa env --unset --shell bash) || return
  eval "${out}"
}

# The profile and the time left, from AWS_MFA_PROFILE and AWS_CREDENTIAL_EXPIRATION
# (RFC 3339 UTC). Plain bash arithmetic: a prompt runs it often, so no `date` process.
aws-mfa-prompt() {
  local profile=${AWS_MFA_PROFILE-} expiry=${AWS_CREDENTIAL_EXPIRATION-}
  if [[ -z ${profile} ]]; then
    return 0
  fi
  local re='^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})'
  if [[ ! ${expiry} =~ ${re} ]]; then
    printf '%s' "${profile}"
    return 0
  fi
  local y=$((10#${BASH_REMATCH[1]})) m=$((10#${BASH_REMATCH[2]})) d=$((10#${BASH_REMATCH[3]}))
  local hh=$((10#${BASH_REMATCH[4]})) mm=$((10#${BASH_REMATCH[5]})) ss=$((10#${BASH_REMATCH[6]}))
  # Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil, years >= 0).
  if ((m <= 2)); then
    y=$((y - 1))
    m=$((m + 9))
  else
    m=$((m - 3))
  fi
  local era=$((y / 400))
  local yoe=$((y - era * 400))
  local doy=$(((153 * m + 2) / 5 + d - 1))
  local days=$((era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468))
  local now=${EPOCHSECONDS-}
  if [[ -z ${now} ]]; then
    now=$(date +%s) || return 0
  fi
  local left=$((days * 86400 + hh * 3600 + mm * 60 + ss - now))
  if ((left <= 0)); then
    printf '%s expired' "${profile}"
  elif ((left < 3600)); then
    printf '%s %dm' "${profile}" "$((left / 60))"
  else
    printf '%s %dh%02dm' "${profile}" "$((left / 3600))" "$((left % 3600 / 60))"
  fi
}
