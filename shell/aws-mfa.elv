# aws-mfa shell integration for elvish. One line in ~/.config/elvish/rc.elv loads it:
#
#   eval (aws-mfa init elvish | slurp)
#
# aws-mfa-session [PROFILE] [OPTIONS]   put an MFA session in this shell; OPTIONS are those
#                                       of `aws-mfa env` (-t CODE, -d 1h, -r REGION, ...)
# aws-mfa-clear                         remove the session from this shell
# aws-mfa-prompt                        print "PROFILE 42m" (or "PROFILE 11h05m") while this
#                                       shell holds a session, nothing otherwise:
#                                       set edit:prompt = { aws-mfa-prompt; put ' > ' }

use math
use re
use str

# A failing aws-mfa raises an exception before anything is evaluated, so
# `aws-mfa-session work; terraform apply` stops on a failure. The code prompt goes to the
# terminal, so it shows while the output is captured.
fn aws-mfa-session {|@args|
  for arg $args {
    if (or (eq $arg -h) (eq $arg --help)) {
      echo 'usage: aws-mfa-session [PROFILE] [OPTIONS]'
      echo 'Puts an MFA session in this shell. OPTIONS are those of aws-mfa env:'
      echo ''
      e:aws-mfa env --help
      return
    }
  }
  # A first argument that is not an option names the profile.
  if (and (> (count $args) 0) (not-eq $args[0] '') (not (str:has-prefix $args[0] -))) {
    set args = [-p $@args]
  }
  var out = (e:aws-mfa env --shell elvish $@args | slurp)
  eval $out
}

# Removes every variable a session sets, and the ones it removes (AWS_PROFILE, ...).
fn aws-mfa-clear {
  var out = (e:aws-mfa env --unset --shell elvish | slurp)
  eval $out
}

# The profile and the time left, from AWS_MFA_PROFILE and AWS_CREDENTIAL_EXPIRATION
# (RFC 3339 UTC).
fn aws-mfa-prompt {
  if (or (not (has-env AWS_MFA_PROFILE)) (eq $E:AWS_MFA_PROFILE '')) {
    return
  }
  var profile = $E:AWS_MFA_PROFILE
  var expiry = $E:AWS_CREDENTIAL_EXPIRATION
  if (not (re:match '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}' $expiry)) {
    print $profile
    return
  }
  var y m d hh mm ss = (re:split '[-T:]' $expiry[0..19] | each {|n| exact-num (num $n) })
  # Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil, years >= 0).
  if (<= $m 2) {
    set y m = (- $y 1) (+ $m 9)
  } else {
    set m = (- $m 3)
  }
  var era = (math:trunc (/ $y 400))
  var yoe = (- $y (* $era 400))
  var doy = (+ (math:trunc (/ (+ (* 153 $m) 2) 5)) $d -1)
  var days = (+ (* $era 146097) (* $yoe 365) (math:trunc (/ $yoe 4)) (- (math:trunc (/ $yoe 100))) $doy -719468)
  var now = (exact-num (num (e:date +%s)))
  var left = (- (+ (* $days 86400) (* $hh 3600) (* $mm 60) $ss) $now)
  if (<= $left 0) {
    print $profile expired
  } elif (< $left 3600) {
    printf '%s %dm' $profile (math:trunc (/ $left 60))
  } else {
    printf '%s %dh%02dm' $profile (math:trunc (/ $left 3600)) (math:trunc (/ (% $left 3600) 60))
  }
}

# Code evaluated from rc.elv lives in a namespace of its own: the REPL gets the functions
# through the line editor (there is none under `elvish -c`).
try {
  eval 'edit:add-var aws-mfa-session~ $s; edit:add-var aws-mfa-clear~ $c; edit:add-var aws-mfa-prompt~ $p' &ns=(ns [&s=$aws-mfa-session~ &c=$aws-mfa-clear~ &p=$aws-mfa-prompt~])
} catch {
}
