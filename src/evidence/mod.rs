//! What a ceremony leaves for auditors: the public manifest, the tamper-evident log, drill
//! records and reports, sign-in checks, the status of every ceremony, and the maturity self-assessment.

pub mod assess;
pub mod audit;
pub mod drill;
pub mod envelope;
pub mod manifest;
pub mod signin;
pub mod status;
