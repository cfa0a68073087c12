//! A ceremony from request to proof: the policy that describes it, sealing (with its
//! self-check that reads every sheet back), and verifying sheets against the threshold.

pub mod files;
pub mod names;
pub mod policy;
pub mod recover;
pub mod request;
pub mod rules;
pub mod seal;
pub mod selfcheck;
pub mod verdict;
pub mod verify;
