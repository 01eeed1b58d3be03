# aws-mfa shell integration for tcsh (and csh). Save it once, and source it from ~/.tcshrc:
#
#   aws-mfa init tcsh > ~/.aws-mfa.tcsh
#   source ~/.aws-mfa.tcsh                      # in ~/.tcshrc
#
# aws-mfa-session [PROFILE] [OPTIONS]   put an MFA session in this shell; OPTIONS are those
#                                       of `aws-mfa env` (-t CODE, -d 1h, -r REGION, ...)
# aws-mfa-clear                         remove the session from this shell
# aws-mfa-prompt                        print "PROFILE 42m" (or "PROFILE 11h05m") while this
#                                       shell holds a session, nothing otherwise:
#                                       alias precmd 'set prompt = "`aws-mfa-prompt` %~ %# "'
#
# tcsh has aliases, not functions: an alias is one line, and csh substitutes the variables
# of a whole line before it runs any of it. So the decisions are made by small POSIX sh
# programs kept in variables; the aliases only run them and evaluate what they print.

# The arguments: -h/--help prints the usage (as statements to evaluate), a first argument
# that is not an option names the profile; then the session's statements.
set _aws_mfa_session_sh = 'for a do case $a in -h|--help) echo "printf %s\\n \"usage: aws-mfa-session [PROFILE] [OPTIONS]\" \"Puts an MFA session in this shell. OPTIONS are those of aws-mfa env:\" \"\"; aws-mfa env --help;"; exit 0;; esac; done; case ${1-} in ""|-*) ;; *) set -- -p "$@";; esac; exec aws-mfa env --shell tcsh "$@"'

# `eval "`aws-mfa env`"` evaluates nothing on a failure but still succeeds, so the output
# is kept and evaluated only after aws-mfa succeeded: `aws-mfa-session work && terraform
# apply` stops on a failure. The code prompt goes to the terminal, so it shows inside the
# backquotes.
# Variables inside "`...`" are substituted twice (once for the quotes, once for the
# command), so the program is named in an alias of its own, which is expanded only once.
alias _aws_mfa_session_statements 'sh -c $_aws_mfa_session_sh:q aws-mfa-session \!*:q'
alias aws-mfa-session 'set _aws_mfa_out = "`_aws_mfa_session_statements \!*:q`" && eval "$_aws_mfa_out"'

# Removes every variable a session sets, and the ones it removes (AWS_PROFILE, ...).
alias aws-mfa-clear 'set _aws_mfa_out = "`aws-mfa env --unset --shell tcsh`" && eval "$_aws_mfa_out"'

# The profile and the time left, from AWS_MFA_PROFILE and AWS_CREDENTIAL_EXPIRATION
# (RFC 3339 UTC): days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil).
# Only the 19 characters the pattern checked go on to $(( )): where sh is bash, anything
# after them (`a[$(cmd)]`) would run as a command inside the arithmetic.
set _aws_mfa_prompt_sh = 'p=${AWS_MFA_PROFILE-}; [ -n "$p" ] || exit 0; e=${AWS_CREDENTIAL_EXPIRATION-}; case $e in [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*) ;; *) printf %s "$p"; exit 0;; esac; e=${e%"${e#???????????????????}"}; IFS=-T:; set -- $e; unset IFS; y=$1 m=$((1$2 - 100)) d=$((1$3 - 100)); if [ $m -le 2 ]; then y=$((y - 1)) m=$((m + 9)); else m=$((m - 3)); fi; era=$((y / 400)); yoe=$((y - era * 400)); doy=$(((153 * m + 2) / 5 + d - 1)); days=$((era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468)); now=$(date +%s) || exit 0; left=$((days * 86400 + (1$4 - 100) * 3600 + (1$5 - 100) * 60 + 1$6 - 100 - now)); if [ $left -le 0 ]; then printf "%s expired" "$p"; elif [ $left -lt 3600 ]; then printf "%s %dm" "$p" $((left / 60)); else printf "%s %dh%02dm" "$p" $((left / 3600)) $((left % 3600 / 60)); fi'
alias aws-mfa-prompt 'sh -c $_aws_mfa_prompt_sh:q'
