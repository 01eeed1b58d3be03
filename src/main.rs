use std::error::Error as _;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match aws_mfa::cli::Cli::try_parse() {
        Ok(cli) => cli,
        // A value aws-mfa checks itself (--timeout, -d) is refused in its own words.
        Err(e) => match e
            .source()
            .and_then(|s| s.downcast_ref::<aws_mfa::error::Error>())
        {
            Some(err) => {
                err.print_report();
                return ExitCode::from(err.exit_code());
            }
            None => e.exit(),
        },
    };
    if cli.verbose() {
        aws_mfa::verbose::init();
    }
    match aws_mfa::run(cli) {
        Ok(code) => code,
        Err(err) => {
            err.print_report();
            ExitCode::from(err.exit_code())
        }
    }
}
