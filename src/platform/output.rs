//! Writing a ceremony's files so that nothing is overwritten and nothing half-written is left
//! looking complete.
//!
//! Files are written into a hidden staging directory beside the target, synced, checked, and
//! only then is the staging directory renamed to the target in one step. If anything fails the
//! staging directory is removed and the target is untouched.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Output failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// The target exists and is not an empty directory.
    #[error("{0} already exists and is not empty; choose a new --out directory (nothing was written)")]
    Exists(PathBuf),
    /// The target file exists; it is never replaced.
    #[error("{0} already exists; choose another file name or move it away (nothing was written)")]
    FileExists(PathBuf),
    /// The name given for a new file or folder is one Windows cannot hold, so the ceremony's
    /// files could not be copied to (or opened on) a Windows machine.
    #[error(
        "{0}: Windows cannot hold a file or folder of this name (CON, PRN, AUX, NUL, COM1 to COM9 or LPT1 to LPT9, with any extension; a name ending in a dot or a space; < > : \" | ? * or a control character); choose another name (nothing was written)"
    )]
    NotPortable(PathBuf),
    /// The folder a new file should go into does not exist (or is not a folder).
    #[error("the folder {0} does not exist; create it first or choose another place (nothing was written)")]
    NoFolder(PathBuf),
    /// The target is a symbolic link (perhaps dangling): never written through.
    #[error("{0} is a symbolic link; give the real path (nothing was written)")]
    Link(PathBuf),
    /// A file system operation failed.
    #[error("cannot write {path}: {reason}; check free space and permissions (nothing was left behind)")]
    Io {
        /// What was being written.
        path: PathBuf,
        /// The OS's reason.
        reason: String,
    },
}

fn io_error(path: &Path, error: std::io::Error) -> OutputError {
    OutputError::Io {
        path: path.to_owned(),
        reason: error.to_string(),
    }
}

/// A directory being filled; becomes the target on [`Staging::commit`].
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    target: PathBuf,
    committed: bool,
}

/// Whether a file or folder called `name` can exist on Windows as well: not a device name
/// (`CON`, `PRN`, `AUX`, `NUL`, `COM1`..`COM9`, `LPT1`..`LPT9`, with any extension, in any case),
/// not ending in a dot or a space, no `< > : " / \ | ? *` and no control character. Ceremony
/// files travel between Linux and Windows machines on USB sticks.
pub fn is_portable_name(name: &str) -> bool {
    const DEVICES: [&str; 4] = ["CON", "PRN", "AUX", "NUL"];
    let stem = name
        .split('.')
        .next()
        .unwrap_or_default()
        .trim_end_matches(' ')
        .to_ascii_uppercase();
    let numbered = |prefix: &str| {
        stem.strip_prefix(prefix).is_some_and(|rest| {
            matches!(
                rest,
                "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "¹" | "²" | "³"
            )
        })
    };
    !name.is_empty()
        && !DEVICES.contains(&stem.as_str())
        && !numbered("COM")
        && !numbered("LPT")
        && !name.ends_with(['.', ' '])
        && !name.chars().any(|c| c.is_control() || "<>:\"/\\|?*".contains(c))
}

/// The last part of `path` when it is a name Windows can hold, else [`OutputError::NotPortable`]
/// (`.` and `..` are left to the checks that follow).
fn check_portable(path: &Path) -> Result<(), OutputError> {
    match path.file_name() {
        Some(name) if !is_portable_name(&name.to_string_lossy()) => Err(OutputError::NotPortable(path.to_owned())),
        _ => Ok(()),
    }
}

/// Checks, before any work is done, that a new file can be created at `path` without replacing
/// anything: nothing is there (not even a dangling symbolic link, a named pipe or a folder), the
/// folder it goes into exists, and its name is one Windows can hold too.
pub fn check_new_file(path: &Path) -> Result<(), OutputError> {
    check_portable(path)?;
    let folder = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !fs::metadata(folder).is_ok_and(|metadata| metadata.is_dir()) {
        return Err(OutputError::NoFolder(folder.to_owned()));
    }
    match fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_symlink() => Err(OutputError::Link(path.to_owned())),
        Ok(_) => Err(OutputError::FileExists(path.to_owned())),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(io_error(path, error)),
    }
}

/// Checks that `target` is absent or an empty directory (not a symbolic link to one: the
/// staged directory could not replace it), with a name Windows can hold too.
pub fn check_target(target: &Path) -> Result<(), OutputError> {
    check_portable(target)?;
    if fs::symlink_metadata(target).is_ok_and(|metadata| metadata.file_type().is_symlink()) {
        return Err(OutputError::Link(target.to_owned()));
    }
    match fs::read_dir(target) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(OutputError::Exists(target.to_owned()));
            }
            Ok(())
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(_) if target.exists() => Err(OutputError::Exists(target.to_owned())),
        Err(error) => Err(io_error(target, error)),
    }
}

#[cfg(unix)]
fn restrict_dir(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o700))
}

/// Windows ignores mode bits: an access list granting only the current user, passed on to the
/// files created inside.
#[cfg(windows)]
fn restrict_dir(path: &Path) -> std::io::Result<()> {
    crate::platform::acl::restrict_to_owner(path, true)
}

#[cfg(not(any(unix, windows)))]
fn restrict_dir(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Creates a file that only the owner can read (mode 0600; on Windows an access list granting
/// only the current user, set before anything is written), failing if it exists.
pub fn create_private_file(path: &Path) -> std::io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    #[cfg(windows)]
    crate::platform::acl::restrict_to_owner(path, false)?;
    Ok(file)
}

impl Staging {
    /// Starts staging for `target` (which must be absent or empty).
    pub fn begin(target: &Path) -> Result<Self, OutputError> {
        check_target(target)?;
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        fs::create_dir_all(parent).map_err(|error| io_error(parent, error))?;
        let dir = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(|error| io_error(&dir, error))?;
        }
        fs::create_dir(&dir).map_err(|error| io_error(target, error))?;
        restrict_dir(&dir).map_err(|error| io_error(target, error))?;
        Ok(Self {
            dir,
            target: target.to_owned(),
            committed: false,
        })
    }

    /// The staging directory (for re-reading what was written).
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Writes one file (mode 0600) and syncs it. A failure names the file by its final path
    /// (the user never asked for the hidden staging directory).
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, OutputError> {
        let path = self.dir.join(name);
        let failed = |error| io_error(&self.target.join(name), error);
        let mut file = create_private_file(&path).map_err(failed)?;
        file.write_all(bytes).map_err(failed)?;
        file.sync_all().map_err(failed)?;
        Ok(path)
    }

    /// Moves the staging directory into place.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        check_target(&self.target)?;
        if self.target.exists() {
            fs::remove_dir(&self.target).map_err(|error| io_error(&self.target, error))?;
        }
        fs::rename(&self.dir, &self.target).map_err(|error| io_error(&self.target, error))?;
        self.committed = true;
        Ok(self.target.clone())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Writes `bytes` to `path` atomically (temp file + rename), mode 0600, never replacing an
/// existing file.
pub fn write_new_file(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    check_new_file(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = create_private_file(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::hard_link(&temp, path)?;
        Ok(())
    })();
    let _ = fs::remove_file(&temp);
    result.map_err(|error: std::io::Error| {
        if error.kind() == std::io::ErrorKind::AlreadyExists {
            OutputError::FileExists(path.to_owned())
        } else {
            io_error(path, error)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("bg-output-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn staging_commits_into_absent_or_empty_target_only() {
        let root = scratch("commit");
        let target = root.join("envelopes");
        let staging = Staging::begin(&target).unwrap();
        staging.write("a.txt", b"one").unwrap();
        assert!(!target.exists());
        staging.commit().unwrap();
        assert_eq!(fs::read(target.join("a.txt")).unwrap(), b"one");
        assert!(matches!(Staging::begin(&target), Err(OutputError::Exists(_))));
        let empty = root.join("empty");
        fs::create_dir(&empty).unwrap();
        Staging::begin(&empty).unwrap().commit().unwrap();
    }

    #[test]
    fn abandoned_staging_leaves_nothing() {
        let root = scratch("abandon");
        let target = root.join("envelopes");
        {
            let staging = Staging::begin(&target).unwrap();
            staging.write("a.txt", b"one").unwrap();
        }
        assert_eq!(fs::read_dir(&root).unwrap().count(), 0);
    }

    #[test]
    fn new_files_never_replace_existing_ones() {
        let root = scratch("newfile");
        let path = root.join("secret.txt");
        write_new_file(&path, b"first").unwrap();
        assert!(matches!(
            write_new_file(&path, b"second"),
            Err(OutputError::FileExists(_))
        ));
        assert_eq!(fs::read(&path).unwrap(), b"first");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn names_windows_keeps_for_devices_or_cannot_hold_are_not_portable() {
        for name in [
            "CON",
            "con",
            "Con.txt",
            "nul.tar.gz",
            "AUX",
            "prn.md",
            "COM1",
            "lpt9.pdf",
            "COM\u{b9}",
            "out.",
            "out ",
            "a:b",
            "a?b",
            "a|b",
            "a\u{1}b",
            "",
        ] {
            assert!(!is_portable_name(name), "{name:?}");
        }
        for name in [
            "envelopes",
            "console.md",
            "com10",
            "lpt",
            "nul-report.md",
            "drill-2026-11-29.pdf",
            ".hidden",
            "Sørensen",
        ] {
            assert!(is_portable_name(name), "{name:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_new_file_is_checked_before_any_work_is_done() {
        let root = scratch("check-new");
        assert!(check_new_file(&root.join("report.md")).is_ok());
        fs::write(root.join("taken.md"), b"x").unwrap();
        assert!(matches!(
            check_new_file(&root.join("taken.md")),
            Err(OutputError::FileExists(_))
        ));
        std::os::unix::fs::symlink(root.join("nowhere.md"), root.join("dangling.md")).unwrap();
        assert!(matches!(
            check_new_file(&root.join("dangling.md")),
            Err(OutputError::Link(_))
        ));
        assert!(matches!(
            check_new_file(&root.join("missing/report.md")),
            Err(OutputError::NoFolder(_))
        ));
        assert!(matches!(
            check_new_file(&root.join("taken.md/report.md")),
            Err(OutputError::NoFolder(_))
        ));
        assert!(matches!(
            check_new_file(&root.join("CON.md")),
            Err(OutputError::NotPortable(_))
        ));
        fs::create_dir(root.join("empty")).unwrap();
        std::os::unix::fs::symlink(root.join("empty"), root.join("linked")).unwrap();
        assert!(matches!(check_target(&root.join("linked")), Err(OutputError::Link(_))));
        assert!(check_target(&root.join("empty")).is_ok());
        assert!(matches!(
            check_target(&root.join("out.")),
            Err(OutputError::NotPortable(_))
        ));
        assert!(matches!(
            write_new_file(&root.join("dangling.md"), b"y"),
            Err(OutputError::Link(_))
        ));
        assert!(!root.join("nowhere.md").exists(), "nothing written through the link");
        fs::remove_dir_all(&root).unwrap();
    }
}
