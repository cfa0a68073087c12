//! What a ceremony leaves for auditors: the public manifest, the tamper-evident log, drill
//! records and reports, sign-in checks, the status of every ceremony, the maturity self-assessment,
//! and the `--json` documents that report them.

pub mod assess;
pub mod audit;
pub mod drill;
pub mod envelope;
pub mod json;
pub mod manifest;
pub mod signin;
pub mod status;
