//! What the benches share: the ceremony they seal.

use breakglass::ceremony::seal::{self, CeremonyRecord, CeremonyRequest, CustodianSpec, SecretInput};
use breakglass::paper::render::Paper;

/// A k-of-n ceremony of `secret` for custodians "Custodian 1".."Custodian n", on A4 with the
/// default instructions, at a fixed time (so runs are comparable).
pub fn request(label: &str, custodians: usize, threshold: u8, secret: SecretInput) -> CeremonyRequest {
    CeremonyRequest {
        label: label.into(),
        threshold,
        custodians: (1..=custodians)
            .map(|i| CustodianSpec::named(format!("Custodian {i}")))
            .collect(),
        paper: Paper::A4,
        secret,
        other_templates: Vec::new(),
        instructions: seal::DEFAULT_INSTRUCTIONS.into(),
        created: 1_795_609_845,
        account: None,
        record: CeremonyRecord::default(),
    }
}
