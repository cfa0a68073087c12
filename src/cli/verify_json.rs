//! `breakglass verify --json`: the same checks, as one JSON document on standard output
//! (schema `breakglass.verify/1`, docs/JSON.md). Public facts only: no share, vault byte or
//! secret is ever in it.

use breakglass::ceremony::verdict::health_warning;
use breakglass::ceremony::verify::ReadOptions;
use breakglass::evidence::json::Schema;
use breakglass::evidence::json::inputs::{InputJson, QuorumFacts, QuorumJson};
use breakglass::evidence::json::reports::VerifyBody;

use super::sheets::{self, Collected};
use super::{Failure, VerifyArgs};

fn body(collected: &Collected, manifest_path: Option<String>, failed: bool) -> VerifyBody {
    let manifest = collected.manifest.as_ref();
    VerifyBody {
        verified: !failed,
        manifest: manifest_path,
        inputs: collected
            .reports
            .iter()
            .map(|report| InputJson::new(report, manifest))
            .collect(),
        quorum: collected.outcome.as_ref().ok().map(|proof| {
            let facts = QuorumFacts {
                ceremony: proof.ceremony.as_str(),
                threshold: proof.threshold,
                shares: proof.shares,
                agreeing: &proof.agreeing,
                disagreeing: &proof.disagreeing,
                recipient: &proof.recipient,
                payload_kind: proof.payload.kind.as_str(),
            };
            QuorumJson::new(&facts, manifest)
        }),
        warnings: collected
            .reports
            .iter()
            .filter_map(|report| health_warning(report, manifest))
            .collect(),
    }
}

/// Runs `verify --json`: one document on stdout whatever happens after argument parsing, and
/// the same exit code (and one-line message on stderr) as without `--json`.
pub fn run(args: &VerifyArgs, options: ReadOptions, seen: &mut super::log::Seen) -> Result<(), Failure> {
    let manifest_path = args.manifest.as_ref().map(|path| path.display().to_string());
    let collected = args
        .manifest
        .as_deref()
        .map(super::read_manifest)
        .transpose()
        .and_then(|manifest| {
            super::verify::envelope_warnings(args, manifest.as_ref())?;
            sheets::collect(&args.inputs, manifest, &args.keys, options)
        });
    let collected = match collected {
        Ok(collected) => collected,
        Err(failure) => {
            let body = VerifyBody {
                verified: false,
                manifest: manifest_path,
                inputs: Vec::new(),
                quorum: None,
                warnings: Vec::new(),
            };
            return super::json::finish(Schema::Verify, body, Err(failure));
        }
    };
    if let Ok(proof) = &collected.outcome {
        seen.ceremony = Some(proof.ceremony.as_str().to_owned());
        seen.shares = proof.agreeing.clone();
        seen.check_operator(&args.log, proof.payload.secret.expose());
    }
    let failure = collected.verdict().map(Failure::from);
    let mut body = body(&collected, manifest_path, failure.is_some());
    // The envelopes were parsed when the manifest was read; a bad one failed above.
    body.warnings
        .extend(super::verify::envelope_warnings(args, collected.manifest.as_ref()).unwrap_or_default());
    super::json::finish(Schema::Verify, body, failure.map_or(Ok(()), Err))
}
