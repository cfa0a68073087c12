//! `breakglass generate passphrase`: candidates on stdout, one per line; strength on stderr.

use breakglass::exit::Exit;
use breakglass::kinds::passphrase::generate::{self as passphrase, Policy, Style};

use super::{Failure, GeneratePassphraseArgs, PassphraseArgs};

/// Resolves the passphrase flags into a policy.
pub fn policy(args: &PassphraseArgs) -> Result<Policy, Failure> {
    let forbidden = match &args.account {
        Some(account) => passphrase::forbidden_terms(account)
            .map_err(|error| Failure::new(Exit::Usage, format!("--account: {error}")))?,
        None => Vec::new(),
    };
    let style = if args.words { Style::Words } else { Style::Chars };
    Ok(Policy {
        style,
        bits: args.bits,
        forbidden,
    })
}

/// Runs `generate passphrase`.
pub fn passphrase(args: GeneratePassphraseArgs) -> Result<(), Failure> {
    let policy = policy(&args.passphrase)?;
    let mut bits = 0;
    for _ in 0..args.count {
        let generated =
            passphrase::generate(&policy).map_err(|error| Failure::new(Exit::BadRequest, error.to_string()))?;
        bits = generated.whole_bits();
        outln!("{}", generated.text.expose());
    }
    errln!(
        "{}, {bits} bits of entropy each, meeting Entra's password rules.",
        breakglass::wording::count(args.count as usize, "passphrase", "passphrases")
    );
    Ok(())
}
