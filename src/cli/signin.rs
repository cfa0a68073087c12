//! `breakglass signin-check`: record a sign-in validation of the emergency account (or app),
//! done on the online machine, in the ceremony's log, so `status` can say when the next is due.

use std::path::PathBuf;

use breakglass::evidence::audit;
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
    /// Print the record as JSON (docs/JSON.md) instead of text.
    #[arg(long)]
    json: bool,
}

/// `signin-check --json` (docs/JSON.md).
#[derive(serde::Serialize)]
struct Document {
    schema: &'static str,
    breakglass_version: &'static str,
    exit_code: Exit,
    error: Option<serde_json::Value>,
    log: String,
    record: serde_json::Value,
}

/// Runs `signin-check`.
pub fn run(args: SigninCheckArgs) -> Result<(), Failure> {
    let manifest = super::read_manifest(&args.manifest)?;
    let check = SigninCheck {
        signed_in: args.signed_in.yes(),
        alert_fired: args.alert_fired.yes(),
        operator: args.record.operator(),
        note: args.record.note(),
    };
    let now = clock::now_unix();
    let log_path = args.record.log_path(&args.manifest);
    let entry = audit::append(&log_path, check.record(&manifest, now))
        .map_err(|error| Failure::new(Exit::Log, format!("the sign-in check was not recorded: {error}")))?;
    if args.json {
        let mut record = serde_json::to_value(&entry.record).expect("a record serialises");
        record["hash"] = serde_json::Value::String(entry.hash.clone());
        let failure = check
            .problem()
            .map(|message| serde_json::json!({"code": check.exit(), "message": message}));
        let document = Document {
            schema: "breakglass.signin-check/1",
            breakglass_version: env!("CARGO_PKG_VERSION"),
            exit_code: check.exit(),
            error: failure,
            log: log_path.display().to_string(),
            record,
        };
        outln!(
            "{}",
            serde_json::to_string_pretty(&document).expect("a document serialises")
        );
    } else {
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
