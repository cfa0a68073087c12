//! Splitting the vault key k-of-n and putting it back together.
//!
//! Wraps the `shamirsecretsharing` crate (the Rust binding of dsprenkels/sss): GF(2^8) Shamir
//! shares of a random 32-byte key, plus an XSalsa20-Poly1305 copy of the 64-byte data under that
//! key, so combining is authenticated. Its `combine_shares` only says "did not work"; this module
//! adds which sheets agree with each other, so a forged or damaged share can be named.

use shamirsecretsharing::{DATA_SIZE, SHARE_SIZE, combine_shares, create_shares};
use zeroize::Zeroizing;

use crate::crypto::secret::VaultKey;

/// One custodian's share: 113 bytes, the first of which is its index (x coordinate, 1..=n).
#[derive(Clone, PartialEq, Eq)]
pub struct Share(Zeroizing<Vec<u8>>);

impl std::fmt::Debug for Share {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Share(#{}, [redacted])", self.index())
    }
}

impl Share {
    /// Wraps share bytes read from a sheet; `None` unless exactly 113 bytes with index >= 1.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        (bytes.len() == SHARE_SIZE && bytes[0] != 0).then(|| Self(Zeroizing::new(bytes.to_vec())))
    }

    /// The share's index (1..=n), also printed on its sheet.
    pub fn index(&self) -> u8 {
        self.0[0]
    }

    /// The share bytes as printed.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Errors from splitting or combining.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShareError {
    /// k or n out of range.
    #[error("threshold {threshold} of {shares} is not possible: need 2 <= threshold <= shares <= 255")]
    BadParameters {
        /// k.
        threshold: usize,
        /// n.
        shares: usize,
    },
    /// Fewer distinct shares than the threshold.
    #[error("{have} distinct {} present, {need} needed", if *have == 1 { "share" } else { "shares" })]
    TooFew {
        /// Distinct shares given.
        have: usize,
        /// Threshold.
        need: usize,
    },
    /// A quorum of shares was present but no k of them combine.
    #[error(
        "no {need} of the shares combine into the vault key: shares are damaged, forged or from different ceremonies"
    )]
    NoAgreement {
        /// Threshold.
        need: usize,
    },
    /// The combined data is not a vault key (padding not zero): built by something else.
    #[error("the shares combine, but not into a breakglass vault key")]
    NotAVaultKey,
}

/// Splits the vault key into `shares` shares, any `threshold` of which rebuild it. The 32-byte
/// key is followed by 32 zero bytes to make the library's 64-byte input.
pub fn split(key: &VaultKey, threshold: u8, shares: u8) -> Result<Vec<Share>, ShareError> {
    if threshold < 2 || threshold > shares {
        return Err(ShareError::BadParameters {
            threshold: threshold.into(),
            shares: shares.into(),
        });
    }
    let mut data = Zeroizing::new([0u8; DATA_SIZE]);
    data[..32].copy_from_slice(key.expose());
    let made = create_shares(&data[..], shares, threshold).map_err(|_| ShareError::BadParameters {
        threshold: threshold.into(),
        shares: shares.into(),
    })?;
    Ok(made.into_iter().map(|bytes| Share(Zeroizing::new(bytes))).collect())
}

/// Combines exactly these shares; `None` if they do not rebuild a key.
fn combine_exact(shares: &[&Share]) -> Option<Result<VaultKey, ShareError>> {
    let inputs: Vec<Zeroizing<Vec<u8>>> = shares.iter().map(|share| share.0.clone()).collect();
    let plain: Vec<Vec<u8>> = inputs.iter().map(|input| input.to_vec()).collect();
    let result = combine_shares(&plain);
    for mut copy in plain {
        zeroize::Zeroize::zeroize(&mut copy);
    }
    let data = Zeroizing::new(result.ok()??);
    if data.len() != DATA_SIZE || data[32..].iter().any(|&byte| byte != 0) {
        return Some(Err(ShareError::NotAVaultKey));
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(&data[..32]);
    let vault_key = VaultKey::from_bytes(key);
    zeroize::Zeroize::zeroize(&mut key);
    Some(Ok(vault_key))
}

/// Where a share's copy of the secretbox starts (after its index and 32 key-share bytes).
const BOX_START: usize = 33;

/// Combines `share` with `helpers` whose secretbox copies are blanked, so that only `share`'s
/// own copy can open: proves that copy, not just its key-share bytes.
fn combine_with_own_box(share: &Share, helpers: &[&Share]) -> Option<Result<VaultKey, ShareError>> {
    let blanked: Vec<Share> = helpers
        .iter()
        .map(|helper| {
            let mut bytes = helper.0.clone();
            bytes[BOX_START..].fill(0);
            Share(bytes)
        })
        .collect();
    let trial: Vec<&Share> = std::iter::once(share).chain(&blanked).collect();
    combine_exact(&trial)
}

/// The outcome of combining: the key, and which shares were shown to belong to it.
#[derive(Debug)]
pub struct Combined {
    /// The rebuilt vault key.
    pub key: VaultKey,
    /// Indices of the shares that took part in a successful combination, ascending.
    pub agreeing: Vec<u8>,
    /// Indices of shares that do not combine with the agreeing ones (damaged or forged).
    pub disagreeing: Vec<u8>,
}

/// Combines `shares` (distinct indices, at least `threshold` of them). Tries k-subsets until
/// one combines, then tests every other share against k-1 agreeing ones, so that every share
/// given is either proven or named as not belonging.
pub fn combine(shares: &[Share], threshold: u8) -> Result<Combined, ShareError> {
    let need = usize::from(threshold);
    if shares.len() < need {
        return Err(ShareError::TooFew {
            have: shares.len(),
            need,
        });
    }
    let mut found = None;
    for subset in Subsets::new(shares.len(), need).take(SUBSET_LIMIT) {
        let picked: Vec<&Share> = subset.iter().map(|&i| &shares[i]).collect();
        match combine_exact(&picked) {
            Some(Ok(key)) => {
                found = Some((key, subset));
                break;
            }
            Some(Err(error)) => return Err(error),
            None => continue,
        }
    }
    let (key, base) = found.ok_or(ShareError::NoAgreement { need })?;
    // Every share, the base ones too, must rebuild the key with its own secretbox copy: the
    // documented recovery without breakglass opens the box of whichever share comes first, so a
    // share whose copy was altered is not sound even though the library would try the others'.
    let mut agreeing = Vec::new();
    let mut disagreeing = Vec::new();
    for (position, share) in shares.iter().enumerate() {
        let helpers: Vec<&Share> = base
            .iter()
            .filter(|&&i| i != position)
            .take(need - 1)
            .map(|&i| &shares[i])
            .collect();
        match combine_with_own_box(share, &helpers) {
            Some(Ok(other)) if other.same_as(&key) => agreeing.push(share.index()),
            _ => disagreeing.push(share.index()),
        }
    }
    agreeing.sort_unstable();
    disagreeing.sort_unstable();
    Ok(Combined {
        key,
        agreeing,
        disagreeing,
    })
}

/// Upper bound on subsets tried, so hostile input with many shares cannot stall recovery.
const SUBSET_LIMIT: usize = 20_000;

/// Lexicographic k-subsets of 0..n.
struct Subsets {
    current: Option<Vec<usize>>,
    n: usize,
}

impl Subsets {
    fn new(n: usize, k: usize) -> Self {
        Self {
            current: (k <= n).then(|| (0..k).collect()),
            n,
        }
    }
}

impl Iterator for Subsets {
    type Item = Vec<usize>;

    fn next(&mut self) -> Option<Vec<usize>> {
        let current = self.current.take()?;
        let k = current.len();
        let mut next = current.clone();
        let mut position = k;
        while position > 0 {
            position -= 1;
            if next[position] < self.n - k + position {
                next[position] += 1;
                for later in position + 1..k {
                    next[later] = next[later - 1] + 1;
                }
                self.current = Some(next);
                break;
            }
        }
        Some(current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> VaultKey {
        VaultKey::from_bytes(core::array::from_fn(|i| i as u8 + 1))
    }

    #[test]
    fn any_k_of_n_rebuilds_and_k_minus_one_does_not() {
        let shares = split(&key(), 3, 5).unwrap();
        assert_eq!(shares.iter().map(Share::index).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        for subset in Subsets::new(5, 3) {
            let picked: Vec<Share> = subset.iter().map(|&i| shares[i].clone()).collect();
            let combined = combine(&picked, 3).unwrap();
            assert!(combined.key.same_as(&key()));
            assert!(combined.disagreeing.is_empty());
        }
        for subset in Subsets::new(5, 2) {
            let picked: Vec<Share> = subset.iter().map(|&i| shares[i].clone()).collect();
            assert_eq!(
                combine(&picked, 3).unwrap_err(),
                ShareError::TooFew { have: 2, need: 3 }
            );
            assert!(combine_exact(&picked.iter().collect::<Vec<_>>()).is_none());
        }
    }

    #[test]
    fn a_forged_share_is_named() {
        let shares = split(&key(), 2, 4).unwrap();
        let mut forged = shares[2].as_bytes().to_vec();
        forged[5] ^= 0x40;
        let given = vec![
            shares[0].clone(),
            shares[1].clone(),
            Share::from_bytes(&forged).unwrap(),
            shares[3].clone(),
        ];
        let combined = combine(&given, 2).unwrap();
        assert!(combined.key.same_as(&key()));
        assert_eq!(combined.agreeing, [1, 2, 4]);
        assert_eq!(combined.disagreeing, [3]);
    }

    #[test]
    fn a_share_whose_own_secretbox_copy_was_altered_is_named() {
        let shares = split(&key(), 2, 3).unwrap();
        for (position, at) in [(0, 40), (1, 112), (2, 33)] {
            let mut given = shares.clone();
            let mut altered = given[position].as_bytes().to_vec();
            altered[at] ^= 1;
            given[position] = Share::from_bytes(&altered).unwrap();
            let combined = combine(&given, 2).unwrap();
            assert!(combined.key.same_as(&key()));
            assert_eq!(
                combined.disagreeing,
                [position as u8 + 1],
                "byte {at} of share {}",
                position + 1
            );
            assert_eq!(combined.agreeing.len(), 2);
        }
    }

    #[test]
    fn shares_of_two_ceremonies_do_not_combine() {
        let one = split(&key(), 2, 3).unwrap();
        let two = split(&VaultKey::from_bytes([9; 32]), 2, 3).unwrap();
        let given = vec![one[0].clone(), two[1].clone()];
        assert_eq!(combine(&given, 2).unwrap_err(), ShareError::NoAgreement { need: 2 });
    }

    #[test]
    fn parameters_are_checked() {
        assert!(split(&key(), 1, 3).is_err());
        assert!(split(&key(), 4, 3).is_err());
        assert!(Share::from_bytes(&[0; 113]).is_none());
        assert!(Share::from_bytes(&[1; 112]).is_none());
    }

    /// Exhaustive for n <= 12: every k-subset rebuilds the key and every (k-1)-subset fails.
    #[test]
    fn every_k_subset_recovers_and_every_smaller_subset_fails() {
        for (threshold, shares) in [(2u8, 5u8), (3, 5), (5, 5), (4, 8), (2, 12), (6, 12), (11, 12)] {
            let made = split(&key(), threshold, shares).unwrap();
            for subset in Subsets::new(usize::from(shares), usize::from(threshold)) {
                let picked: Vec<&Share> = subset.iter().map(|&i| &made[i]).collect();
                assert!(
                    combine_exact(&picked).unwrap().unwrap().same_as(&key()),
                    "{threshold}-of-{shares} {subset:?}"
                );
            }
            for subset in Subsets::new(usize::from(shares), usize::from(threshold) - 1) {
                let picked: Vec<&Share> = subset.iter().map(|&i| &made[i]).collect();
                assert!(
                    combine_exact(&picked).is_none(),
                    "{threshold}-of-{shares} {subset:?} must fail"
                );
            }
        }
    }

    #[test]
    fn subsets_are_complete() {
        assert_eq!(Subsets::new(5, 3).count(), 10);
        assert_eq!(Subsets::new(12, 6).count(), 924);
        assert_eq!(Subsets::new(3, 4).count(), 0);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]

        /// For n <= 12: a random k-subset (in random order) rebuilds the key, and a random
        /// (k-1)-subset is refused.
        #[test]
        fn any_k_subset_recovers_and_fewer_fail(
            key in any::<[u8; 32]>(),
            (shares, threshold) in (2u8..=12).prop_flat_map(|n| (Just(n), 2u8..=n)),
            seed in any::<u64>(),
        ) {
            let key = VaultKey::from_bytes(key);
            let made = split(&key, threshold, shares).unwrap();
            let mut order: Vec<usize> = (0..usize::from(shares)).collect();
            let mut state = seed | 1;
            for i in (1..order.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                order.swap(i, (state % (i as u64 + 1)) as usize);
            }
            let chosen: Vec<Share> = order.iter().take(usize::from(threshold)).map(|&i| made[i].clone()).collect();
            let combined = combine(&chosen, threshold).unwrap();
            prop_assert!(combined.key.same_as(&key));
            prop_assert!(combined.disagreeing.is_empty());
            let fewer: Vec<&Share> = chosen.iter().take(usize::from(threshold) - 1).collect();
            prop_assert!(combine_exact(&fewer).is_none());
        }
    }
}
