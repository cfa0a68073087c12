//! A ceremony from request to proof: the rules every ceremony obeys, the policy file and the
//! request built from it (or from `seal`'s flags), sealing, the files a seal writes (after its
//! self-check reads every sheet back), verifying sheets against the threshold, the one verdict
//! on a set of sheets, and handing a recovered secret out per kind.

pub mod files;
pub mod policy;
pub mod recover;
pub mod request;
pub mod rules;
pub mod seal;
pub mod selfcheck;
pub mod verdict;
pub mod verify;
