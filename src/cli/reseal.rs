//! `breakglass reseal`: from a quorum of an old ceremony's sheets, seal the same secret anew
//! (new vault key, new shares, possibly new custodians or threshold) under a policy.

use breakglass::ceremony::request::PolicySource;
use breakglass::ceremony::verdict;
use breakglass::exit::Exit;

use super::policy::{self, PolicyRun};
use super::verify::{self, Report};
use super::{Failure, ResealArgs};

/// Runs `reseal`.
pub fn run(args: ResealArgs) -> Result<(), Failure> {
    super::air_gap_preflight(args.require_offline)?;
    // Everything that can be checked before custodians hand over their sheets is checked first.
    let policy = policy::load(&args.policy)?;
    let out = policy::output_dir(&args.policy, &policy, args.out.as_ref())?;
    super::seal::check_out(&out)?;
    let old_manifest = args
        .manifest
        .as_ref()
        .map(|path| super::read_manifest(path))
        .transpose()?;
    let (proof, problem) = verify::gather(&args.inputs, old_manifest.clone(), &args.keys, Report::Stderr)?;
    let replaced_display = proof.ceremony.display();
    let payload = proof.payload;
    let run = PolicyRun {
        seal_serials: &args.seal_serials,
        custodian_passphrase_files: &args.custodian_passphrase_files,
    };
    let (mut request, templates) =
        policy::request(&args.policy, &policy, run, PolicySource::Recovered(Box::new(payload)))?;
    request.record.replaces = Some(proof.ceremony.clone());
    let new_manifest = super::seal::seal_and_write(request, &out, &templates, false)?;
    // As `recover`: the new ceremony is sealed from the sheets that agree, and the exit code
    // still says that not every input was sound (exit 0 means every input is sound); the old
    // ceremony's log records that code.
    let outcome = verdict::done_despite(problem, "the new ceremony was still sealed, from the sheets that agree");
    let recorded = match &outcome {
        Ok(()) => (Exit::Ok, None),
        Err(problem) => (problem.exit, Some(problem.message.clone())),
    };
    if let (Some(path), Some(old)) = (&args.manifest, &old_manifest) {
        let log = breakglass::evidence::audit::default_path(path);
        match breakglass::evidence::audit::record_reseal(
            &log,
            old,
            new_manifest.ceremony_id.as_str(),
            breakglass::evidence::audit::login_name(),
            recorded,
            breakglass::platform::clock::now_unix(),
        ) {
            Ok(entry) => errln!(
                "Recorded the re-seal as record {} of {}.",
                entry.record.seq,
                log.display()
            ),
            Err(error) => {
                errln!("warning: the new ceremony is sealed, but the old ceremony's log could not record it: {error}")
            }
        }
    }
    errln!(
        "This ceremony replaces {replaced_display}: destroy every sheet of {replaced_display} (they still open the same secret), and record it in the ceremony log."
    );
    outcome.map_err(Failure::from)
}
