//! The `breakglass` command. All work happens in the library; see `src/cli/`.

#[macro_use]
mod cli;

use std::process::ExitCode;

use breakglass::exit::Exit;
use clap::Parser;

fn main() -> ExitCode {
    // Before any secret exists in memory: no core dumps, not dumpable, memory locked out of swap.
    let hardening = breakglass::platform::hardening::harden_process();
    if let Some(warning) = hardening.dump_warning() {
        errln_prefixed!(cli::style::warning_prefix(), "{warning}");
    }
    let parsed = match cli::Cli::try_parse() {
        Ok(parsed) => parsed,
        Err(error) if !error.use_stderr() => {
            // --help and --version: our own text.
            let _ = error.print();
            return ExitCode::from(Exit::Ok.code());
        }
        Err(error) => {
            // A usage error quotes the argument as given, which may hold an escape sequence
            // or be 100 000 characters long: each line is escaped and shortened like ours.
            for line in error.render().to_string().lines() {
                errln!("{line}");
            }
            return ExitCode::from(Exit::Usage.code());
        }
    };
    if parsed.handles_secrets()
        && let Some(warning) = hardening.memory_warning()
    {
        errln_prefixed!(cli::style::warning_prefix(), "{warning}");
    }
    match cli::run(parsed) {
        Ok(()) => ExitCode::from(Exit::Ok.code()),
        Err(failure) => {
            errln_prefixed!(cli::style::error_prefix(), "{}", failure.message);
            ExitCode::from(failure.code.code())
        }
    }
}
