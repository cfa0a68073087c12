//! `breakglass signin-check`: record a sign-in validation of the emergency account (or app),
//! done on the online machine, in the ceremony's log, so `status` can say when the next is due.

use std::path::{Path, PathBuf};

use breakglass::evidence::audit;
use breakglass::evidence::json::Schema;
use breakglass::evidence::json::log::RecordJson;
use breakglass::evidence::json::reports::SigninBody;
use breakglass::evidence::signin::SigninCheck;
use breakglass::exit::Exit;
use breakglass::platform::clock;

use super::Failure;

/// Yes or no, as a person answers.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Answer {
    Yes,
    No,
}

impl Answer {
    fn yes(self) -> bool {
        matches!(self, Self::Yes)
    }
}

#[derive(Debug, clap::Args)]
pub struct SigninCheckArgs {
    /// manifest.json of the ceremony whose secret was signed in with.
    #[arg(long, value_name = "FILE")]
    manifest: PathBuf,
    /// Did the sign-in and one administrative task work?
    #[arg(long, value_enum, value_name = "yes|no")]
    signed_in: Answer,
    /// Did the sign-in alert reach its people (runbook, section 8)?
    #[arg(long, value_enum, value_name = "yes|no")]
    alert_fired: Answer,
    #[command(flatten)]
    record: super::log::RecordArgs,
    /// Print one JSON document (schema breakglass.signin-check/1, docs/JSON.md) instead of text;
    /// the exit code is unchanged.
    #[arg(long)]
    json: bool,
}

/// Runs `signin-check`.
pub fn run(args: SigninCheckArgs) -> Result<(), Failure> {
    let log_path = args.record.log_path(&args.manifest);
    let mut body = SigninBody {
        log: log_path.display().to_string(),
        record: None,
    };
    let outcome = check_and_record(&args, &log_path, &mut body);
    if args.json {
        return super::json::finish(Schema::SigninCheck, body, outcome);
    }
    outcome
}

fn check_and_record(args: &SigninCheckArgs, log_path: &Path, body: &mut SigninBody) -> Result<(), Failure> {
    let manifest = super::read_manifest(&args.manifest)?;
    let check = SigninCheck {
        signed_in: args.signed_in.yes(),
        alert_fired: args.alert_fired.yes(),
        operator: args.record.operator(),
        note: args.record.note(),
    };
    let now = clock::now_unix();
    let entry = audit::append(log_path, check.record(&manifest, now))
        .map_err(|error| Failure::new(Exit::Log, format!("the sign-in check was not recorded: {error}")))?;
    body.record = Some(RecordJson::from(&entry));
    if !args.json {
        outln!(
            "Sign-in check of ceremony {} recorded as record {} of {} (hash {}).",
            manifest.ceremony().display(),
            entry.record.seq,
            log_path.display(),
            &entry.hash[..16]
        );
        if check.exit().is_ok() {
            outln!(
                "Next sign-in check due by {} (every {} days).",
                clock::date(now + i64::from(breakglass::evidence::signin::INTERVAL_DAYS) * 86_400),
                breakglass::evidence::signin::INTERVAL_DAYS
            );
        }
    }
    match check.problem() {
        None => Ok(()),
        Some(problem) => Err(Failure::new(check.exit(), problem)),
    }
}
