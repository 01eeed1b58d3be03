# aws-mfa shell integration for xonsh. One line in ~/.xonshrc loads it:
#
#   execx($(aws-mfa init xonsh))
#
# aws-mfa-session [PROFILE] [OPTIONS]   put an MFA session in this shell; OPTIONS are those
#                                       of `aws-mfa env` (-t CODE, -d 1h, -r REGION, ...)
# aws-mfa-clear                         remove the session from this shell
# aws-mfa-prompt                        print "PROFILE 42m" (or "PROFILE 11h05m") while this
#                                       shell holds a session, nothing otherwise:
#                                       $PROMPT = lambda: $(aws-mfa-prompt) + ' > '


def _aws_mfa_statements(args):
    """Runs `aws-mfa env ARGS` and evaluates its output only when it succeeded, so that
    `aws-mfa-session work && terraform apply` stops on a failure. The code prompt goes to
    the terminal, and errors to stderr, while the output is captured."""
    import subprocess

    done = subprocess.run(["aws-mfa", "env", "--shell", "xonsh", *args], stdout=subprocess.PIPE)
    if done.returncode == 0:
        execx(done.stdout.decode("ascii"))
    return done.returncode


def _aws_mfa_session(args, stdin=None, stdout=None):
    if "-h" in args or "--help" in args:
        import subprocess

        usage = (
            "usage: aws-mfa-session [PROFILE] [OPTIONS]\n"
            "Puts an MFA session in this shell. OPTIONS are those of aws-mfa env:\n\n"
        )
        done = subprocess.run(["aws-mfa", "env", "--help"], stdout=subprocess.PIPE, text=True)
        stdout.write(usage + done.stdout)
        stdout.flush()
        return done.returncode
    # A first argument that is not an option names the profile.
    if args and args[0] and not args[0].startswith("-"):
        args = ["-p", *args]
    return _aws_mfa_statements(args)


def _aws_mfa_clear(args):
    """Removes every variable a session sets, and the ones it removes (AWS_PROFILE, ...)."""
    return _aws_mfa_statements(["--unset"])


def _aws_mfa_prompt(args, stdin=None, stdout=None):
    """The profile and the time left, from AWS_MFA_PROFILE and AWS_CREDENTIAL_EXPIRATION
    (RFC 3339 UTC)."""
    import datetime

    profile = ${...}.get("AWS_MFA_PROFILE", "")
    if not profile:
        return 0
    try:
        expiry = datetime.datetime.strptime(
            ${...}.get("AWS_CREDENTIAL_EXPIRATION", "")[:19], "%Y-%m-%dT%H:%M:%S"
        ).replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        expiry = None
    if expiry is None:
        shown = profile
    else:
        left = int((expiry - datetime.datetime.now(datetime.timezone.utc)).total_seconds())
        if left <= 0:
            shown = f"{profile} expired"
        elif left < 3600:
            shown = f"{profile} {left // 60}m"
        else:
            shown = f"{profile} {left // 3600}h{left % 3600 // 60:02d}m"
    # Written to the stream xonsh hands the alias: `$(aws-mfa-prompt)` captures it.
    stdout.write(shown)
    stdout.flush()
    return 0


# The environment is the shell's own (`${...}`) from any thread, so the aliases stay
# threadable: xonsh 0.13 sometimes loses what an unthreadable alias writes into `$(...)`.
aliases["aws-mfa-session"] = _aws_mfa_session
aliases["aws-mfa-clear"] = _aws_mfa_clear
aliases["aws-mfa-prompt"] = _aws_mfa_prompt
