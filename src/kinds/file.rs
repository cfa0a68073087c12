//! Any file, sealed byte for byte and written back under its original name. A kind written by a
//! newer version is recovered the same way (see [`super::of`]).

use super::import::{ImportError, ImportOptions, ProvidedSecret};
use super::recovery::{HandOut, RecoverError};
use super::{Kind, Profile};
use crate::ceremony::seal::slug_or;
use crate::crypto::payload::Payload;
use crate::crypto::secret::SecretString;
use crate::evidence::manifest::Manifest;

/// The file kind.
pub struct File;

/// The recovered file's name: the original's, made safe (and prefixed when it is a name Windows
/// keeps for a device, such as `con.txt`), else `secret.bin`.
fn file_name(payload: &Payload) -> String {
    let name = safe_name(payload);
    if crate::platform::output::is_portable_name(&name) {
        name
    } else {
        format!("recovered-{name}")
    }
}

fn safe_name(payload: &Payload) -> String {
    match &payload.file_name {
        Some(original) => {
            let (stem, extension) = original.rsplit_once('.').unwrap_or((original, ""));
            let (stem, extension) = (slug_or(stem, "secret"), slug_or(extension, ""));
            if extension.is_empty() {
                stem
            } else {
                format!("{stem}.{extension}")
            }
        }
        None => "secret.bin".to_owned(),
    }
}

/// What is fixed about a file.
pub const PROFILE: Profile = Profile::new("file", "a file").keeping_file_name();

impl Kind for File {
    fn import(&self, provided: ProvidedSecret, _: &ImportOptions) -> Result<ProvidedSecret, ImportError> {
        Ok(provided)
    }

    fn hand_out(&self, payload: &Payload, _: Option<&SecretString>, _: i64) -> Result<HandOut, RecoverError> {
        Ok(HandOut {
            files: vec![(file_name(payload), payload.secret.duplicate())],
            printed: payload.secret.duplicate(),
            notes: Vec::new(),
        })
    }

    fn using_it(&self, _: &Manifest) -> String {
        "`breakglass recover --out DIR` writes the sealed file back under its original name, on the offline computer."
            .into()
    }

    fn replacing_it(&self, _: &Manifest) -> String {
        "2. Replace the recovered secret wherever it is used, and seal the replacement in the new ceremony.".into()
    }

    fn profile(&self) -> &'static Profile {
        &PROFILE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::secret::SecretBytes;
    use crate::kinds::SecretKind;

    fn named(name: &str) -> Payload {
        Payload {
            kind: SecretKind::File,
            label: String::new(),
            file_name: Some(name.to_owned()),
            metadata: Vec::new(),
            secret: SecretBytes::from_slice(b"x"),
        }
    }

    #[test]
    fn a_recovered_file_never_takes_a_name_windows_keeps_for_a_device() {
        assert_eq!(file_name(&named("recovery-codes.txt")), "recovery-codes.txt");
        assert_eq!(file_name(&named("CON.txt")), "recovered-con.txt");
        assert_eq!(file_name(&named("nul")), "recovered-nul");
        assert_eq!(file_name(&named("com1.key")), "recovered-com1.key");
        assert_eq!(file_name(&named("../../etc/passwd.")), "etc-passwd");
    }
}
