//! What a ceremony leaves for auditors: the public manifest, the tamper-evident log, drill
//! records and reports, the status of every ceremony, and the maturity self-assessment.

pub mod assess;
pub mod audit;
pub mod drill;
pub mod manifest;
pub mod status;
