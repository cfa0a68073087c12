//! Opening custodian-protected shares: ask for (or read) exactly the passphrases and identities
//! the given sheets need, and name the custodian when one is wrong.

use std::io::IsTerminal;
use std::path::PathBuf;

use breakglass::ceremony::verify::{self, InputReport, LockedShare};
use breakglass::crypto::protect::{self, Identities, Lock, ProtectError};
use breakglass::crypto::secret::SecretString;
use breakglass::evidence::manifest::Manifest;
use breakglass::exit::Exit;
use breakglass::platform::input;

use super::Failure;

/// Attempts at a passphrase typed on the terminal.
const PASSPHRASE_ATTEMPTS: usize = 3;

/// Keys for protected shares (shared by verify, recover, drill and reseal).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ShareKeyArgs {
    /// Read the passphrase of protected share INDEX from FILE instead of asking on the terminal
    /// (repeatable; for scripted drills: the file is as secret as the passphrase).
    #[arg(long = "share-passphrase-file", value_name = "INDEX=FILE")]
    pub passphrase_files: Vec<String>,
    /// An age identity file that opens recipient-protected shares (repeatable): age-keygen output,
    /// or a plugin identity such as age-plugin-yubikey's.
    #[arg(long = "identity", short = 'i', value_name = "FILE")]
    pub identities: Vec<PathBuf>,
}

impl ShareKeyArgs {
    fn passphrase_file(&self, index: u8) -> Result<Option<PathBuf>, Failure> {
        let files = super::indexed_options(
            &self.passphrase_files,
            "--share-passphrase-file",
            "2=ben-passphrase.txt",
        )?;
        Ok(files
            .into_iter()
            .find(|(wanted, _)| *wanted == usize::from(index))
            .map(|(_, path)| PathBuf::from(path)))
    }
}

/// Reads a secret line a person wrote into a file (a custodian's new passphrase, a .pfx
/// password): one line of printable text, its byte-order mark and line ending dropped
/// ([`input::typed_line`]), so what is sealed is what the person can read and type.
pub fn read_secret_line(path: &std::path::Path, what: &str) -> Result<SecretString, Failure> {
    let bytes = read_secret_file(path, what)?;
    let line = input::typed_line(&bytes).map_err(|error| {
        Failure::new(
            Exit::Unreadable,
            format!("{} cannot be used as {what}: {error}", path.display()),
        )
    })?;
    Ok(SecretString::new(line.to_owned()))
}

fn read_secret_file(path: &std::path::Path, what: &str) -> Result<zeroize::Zeroizing<Vec<u8>>, Failure> {
    input::read_secret(path, input::SECRET_FILE_LIMIT).map_err(|error| {
        Failure::new(
            Exit::Unreadable,
            format!("cannot read {what} from {}: {error}; check the path", path.display()),
        )
    })
}

/// The passphrases to try for a share from a `--share-passphrase-file`: the line as a person
/// reads it ([`input::typed_line`]: no byte-order mark, no line ending) and, when that differs
/// or is refused, the file's text exactly as an older breakglass sealed it (only the line
/// ending dropped), so a passphrase once sealed from such a file still opens.
fn share_passphrases(path: &std::path::Path) -> Result<Vec<SecretString>, Failure> {
    let bytes = read_secret_file(path, "the share passphrase")?;
    let typed = input::typed_line(&bytes);
    let exact = std::str::from_utf8(&bytes).map(|text| text.trim_end_matches(['\r', '\n']));
    let mut candidates = Vec::new();
    if let Ok(line) = typed {
        candidates.push(SecretString::new(line.to_owned()));
    }
    match exact {
        Ok(exact) if typed != Ok(exact) => candidates.push(SecretString::new(exact.to_owned())),
        Ok(_) => {}
        Err(_) if candidates.is_empty() => {
            return Err(Failure::new(
                Exit::Unreadable,
                format!(
                    "{} cannot be used as the share passphrase: {}",
                    path.display(),
                    typed.expect_err("text that is not UTF-8 is not a typed line")
                ),
            ));
        }
        Err(_) => {}
    }
    Ok(candidates)
}

fn who(locked: &LockedShare, manifest: Option<&Manifest>) -> String {
    match manifest.and_then(|m| m.custodian_name(locked.index)) {
        Some(name) => format!("share {} ({name})", locked.index),
        None => format!("share {}", locked.index),
    }
}

fn holder(locked: &LockedShare, manifest: Option<&Manifest>) -> String {
    manifest
        .and_then(|m| m.custodian_name(locked.index))
        .map(str::to_owned)
        .unwrap_or_else(|| "its custodian".into())
}

fn locked_failure(message: String) -> Failure {
    Failure::new(Exit::ShareLocked, message)
}

/// Opens every protected share among the inputs (those of the manifest's ceremony, when one is
/// given), replacing them by plain shares for the quorum proof.
pub fn unlock_all(
    reports: &mut [InputReport],
    manifest: Option<&Manifest>,
    keys: &ShareKeyArgs,
) -> Result<(), Failure> {
    let mut locked = verify::locked_shares(reports);
    if let Some(manifest) = manifest {
        let ceremony = manifest.ceremony();
        locked.retain(|share| share.ceremony == *ceremony);
    }
    if locked.is_empty() {
        return Ok(());
    }
    let identities = Identities::read(&keys.identities).map_err(|error| match error {
        // The file is fine; the share cannot be opened on this machine.
        ProtectError::IdentityPluginMissing { .. } => locked_failure(error.to_string()),
        _ => Failure::new(Exit::Unreadable, error.to_string()),
    })?;
    for share in &locked {
        let who = who(share, manifest);
        let lock = protect::lock_of(&share.protected).map_err(|error| {
            Failure::new(
                Exit::Damaged,
                format!(
                    "{who}: {error} ({}); rescan or retype that sheet",
                    share.input.display()
                ),
            )
        })?;
        let opened = match lock {
            Lock::Passphrase => open_with_passphrase(share, &who, &holder(share, manifest), keys)?,
            Lock::Identity(kind) => {
                if identities.is_empty() {
                    return Err(locked_failure(format!(
                        "{who} is protected by an age identity ({kind}): give {}'s identity file with --identity FILE",
                        holder(share, manifest)
                    )));
                }
                protect::unlock_with_identities(&share.protected, &identities, share.index).map_err(
                    |error| match error {
                        // The message already names the fix; the identity file may well be the right one.
                        ProtectError::Plugin(_) | ProtectError::PluginMissing(_) => {
                            locked_failure(format!("{who}: {error}"))
                        }
                        _ => locked_failure(format!(
                            "{who}: {error}; give {}'s own identity file with --identity FILE",
                            holder(share, manifest)
                        )),
                    },
                )?
            }
        };
        verify::unlock_share(reports, share, &opened);
        errln!("Opened protected {who}.");
    }
    Ok(())
}

fn open_with_passphrase(
    share: &LockedShare,
    who: &str,
    holder: &str,
    keys: &ShareKeyArgs,
) -> Result<breakglass::crypto::secret::SecretBytes, Failure> {
    let explain = |error: ProtectError, source: &str| match error {
        ProtectError::WrongPassphrase => locked_failure(format!(
            "{who}: wrong passphrase{source}; ask {holder} for the passphrase they chose at the ceremony"
        )),
        other => locked_failure(format!("{who}: {other}")),
    };
    if let Some(path) = keys.passphrase_file(share.index)? {
        let mut result = Err(ProtectError::WrongPassphrase);
        for passphrase in share_passphrases(&path)? {
            result = protect::unlock_with_passphrase(&share.protected, &passphrase, share.index);
            if !matches!(result, Err(ProtectError::WrongPassphrase)) {
                break;
            }
        }
        return result.map_err(|error| explain(error, &format!(" in {}", path.display())));
    }
    if !std::io::stdin().is_terminal() {
        return Err(locked_failure(format!(
            "{who} is protected by a passphrase: run on a terminal so {holder} can type it, or give --share-passphrase-file {}=FILE",
            share.index
        )));
    }
    let mut last = None;
    for attempt in 1..=PASSPHRASE_ATTEMPTS {
        let typed = rpassword::prompt_password(format!("{holder}, type the passphrase of {who}: "))
            .map_err(|error| locked_failure(format!("cannot read the passphrase of {who}: {error}")))?;
        let typed = SecretString::new(typed);
        match protect::unlock_with_passphrase(&share.protected, &typed, share.index) {
            Ok(opened) => return Ok(opened),
            Err(ProtectError::WrongPassphrase) if attempt < PASSPHRASE_ATTEMPTS => {
                errln!("Wrong passphrase for {who}; try again ({attempt} of {PASSPHRASE_ATTEMPTS}).");
            }
            Err(error) => {
                last = Some(error);
                break;
            }
        }
    }
    Err(explain(
        last.unwrap_or(ProtectError::WrongPassphrase),
        &format!(" ({PASSPHRASE_ATTEMPTS} attempts)"),
    ))
}
