use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = aws_mfa::cli::Cli::parse();
    if aws_mfa::verbose::wanted(&cli) {
        aws_mfa::verbose::init();
    }
    match aws_mfa::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("aws-mfa: {err}");
            if let Some(hint) = err.hint() {
                eprintln!("  hint: {hint}");
            }
            ExitCode::from(err.exit_code())
        }
    }
}
