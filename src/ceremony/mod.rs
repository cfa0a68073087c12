//! A ceremony from request to proof: the policy that describes it, sealing (with its
//! self-check that reads every sheet back), and verifying sheets against the threshold.

pub mod names;
pub mod policy;
pub mod seal;
pub mod selfcheck;
pub mod verify;
