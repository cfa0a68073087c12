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
        Err(error) => {
            let _ = error.print();
            let exit = if error.use_stderr() { Exit::Usage } else { Exit::Ok };
            return ExitCode::from(exit.code());
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
