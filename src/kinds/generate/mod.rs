//! Generating new breakglass secrets. Randomness comes only from the OS CSPRNG (`ring`).

pub mod certificate;
pub mod passphrase;
