//! Reading a file that came from outside: a manifest, a policy, a log, a template, a secret, a
//! passphrase file, an identity, a scan. Every such file may be hostile, so each is read through
//! [`read`] with a limit that fits its kind, and only if it is a regular file: a named pipe
//! (FIFO) would block the open or the read forever, a device such as `/dev/zero` never ends, and
//! a sparse file claims gigabytes it has never written.
//!
//! The kind is checked before opening (so a FIFO is never opened for reading), the open itself
//! does not block on Unix (`O_NONBLOCK`, in case the file was swapped for a FIFO in between),
//! the opened handle is checked again, and at most `limit + 1` bytes are read whatever the size
//! the file claims.

use std::fs::{self, File, Metadata};
use std::io::Read;
use std::path::Path;

use zeroize::Zeroizing;

use crate::platform::terminal::is_invisible;

/// Largest policy, answers or maturity model (text a person wrote).
pub const TEXT_LIMIT: u64 = 256 * 1024;
/// Largest sheet or runbook template.
pub const TEMPLATE_LIMIT: u64 = 256 * 1024;
/// Largest passphrase, password or identity file.
pub const SECRET_FILE_LIMIT: u64 = 64 * 1024;

/// Why an outside file was not read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// A directory, FIFO, socket or device: never opened for reading.
    #[error("it is {0}, not a regular file")]
    NotAFile(&'static str),
    /// Larger than anything of its kind.
    #[error("it is larger than {}, too large for what it should be", size(*.0))]
    TooLarge(u64),
    /// Expected text, found other bytes.
    #[error("it is not UTF-8 text")]
    NotText,
    /// The operating system refused.
    #[error("{}", io_reason(.0))]
    Io(#[from] std::io::Error),
}

/// Why the operating system refused, in the same words wherever a file or folder is read and on
/// every platform: "not found", "permission denied", else the OS's own text.
pub fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "not found".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => error.to_string(),
    }
}

impl InputError {
    /// The operating system's error kind, when the OS refused (e.g. `NotFound`).
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        match self {
            Self::Io(error) => Some(error.kind()),
            _ => None,
        }
    }
}

/// `1 MiB`, `256 KiB`, `12 bytes`.
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1024 * 1024 && b % (1024 * 1024) == 0 => format!("{} MiB", b / (1024 * 1024)),
        b if b >= 1024 && b % 1024 == 0 => format!("{} KiB", b / 1024),
        b => format!("{b} bytes"),
    }
}

/// What a non-regular file is, in words.
fn describe(metadata: &Metadata) -> &'static str {
    let kind = metadata.file_type();
    if kind.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
    }
    "not a regular file (a device, pipe or socket)"
}

/// Refuses anything but a regular file, saying what it is.
pub fn check_regular(metadata: &Metadata) -> Result<(), InputError> {
    match metadata.is_file() {
        true => Ok(()),
        false => Err(InputError::NotAFile(describe(metadata))),
    }
}

/// The file's metadata if it is a regular file (following symbolic links), without opening it.
pub fn regular_file(path: &Path) -> Result<Metadata, InputError> {
    let metadata = fs::metadata(path)?;
    check_regular(&metadata)?;
    Ok(metadata)
}

/// Opens a regular file for reading: refused before opening when it is anything else, opened
/// without blocking, and checked again once open.
pub fn open(path: &Path) -> Result<File, InputError> {
    regular_file(path)?;
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits());
    }
    let file = options.open(path)?;
    check_regular(&file.metadata()?)?;
    Ok(file)
}

/// Reads at most `limit` bytes from `reader` into `buffer`, failing if there are more.
fn read_limited(reader: impl Read, limit: u64, buffer: &mut Vec<u8>) -> Result<(), InputError> {
    reader.take(limit.saturating_add(1)).read_to_end(buffer)?;
    if buffer.len() as u64 > limit {
        return Err(InputError::TooLarge(limit));
    }
    Ok(())
}

/// The whole of a regular file of at most `limit` bytes.
pub fn read(path: &Path, limit: u64) -> Result<Vec<u8>, InputError> {
    let file = open(path)?;
    if file.metadata()?.len() > limit {
        return Err(InputError::TooLarge(limit));
    }
    let mut bytes = Vec::new();
    read_limited(file, limit, &mut bytes)?;
    Ok(bytes)
}

/// Like [`read`], for a UTF-8 text file (a template).
pub fn read_text(path: &Path, limit: u64) -> Result<String, InputError> {
    String::from_utf8(read(path, limit)?).map_err(|_| InputError::NotText)
}

/// Like [`read`], for a file holding a secret: every buffer it passed through is wiped.
pub fn read_secret(path: &Path, limit: u64) -> Result<Zeroizing<Vec<u8>>, InputError> {
    let file = open(path)?;
    if file.metadata()?.len() > limit {
        return Err(InputError::TooLarge(limit));
    }
    // Reserved up front so that growing the buffer never leaves a copy behind.
    let mut bytes = Zeroizing::new(Vec::with_capacity(limit.saturating_add(1).min(1 << 20) as usize));
    read_limited(file, limit, &mut bytes)?;
    Ok(bytes)
}

/// Reads a secret from standard input, at most `limit` bytes.
pub fn read_secret_stdin(limit: u64) -> Result<Zeroizing<Vec<u8>>, InputError> {
    let mut bytes = Zeroizing::new(Vec::with_capacity(limit.saturating_add(1).min(1 << 20) as usize));
    read_limited(std::io::stdin().lock(), limit, &mut bytes)?;
    Ok(bytes)
}

/// Why a file meant to hold one line of text typed by a person (a passphrase, a PIN, a password,
/// a client secret, a TOTP seed) was refused. The messages name a character by its position and
/// code point only, never the text around it, since the text is a secret.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum LineError {
    /// UTF-16 text (what Windows PowerShell 5's `>` and `Out-File` write).
    #[error(
        "it is UTF-16 text (as Windows PowerShell 5 writes with > or Out-File); save it as UTF-8, e.g. with Set-Content -Encoding utf8"
    )]
    Utf16,
    /// Bytes that are not UTF-8.
    #[error("it is not UTF-8 text; save it as plain UTF-8 text")]
    NotText,
    /// A second line after the first.
    #[error("it holds more than one line; put the value alone on one line")]
    Lines,
    /// A control character (tab, escape, NUL) or an invisible format mark (zero-width space,
    /// direction mark, a byte-order mark inside the text): nobody can read it from paper or a
    /// screen, so nobody could type it back.
    #[error(
        "character {position} is U+{code:04X}, a control or invisible character that cannot be read from paper or typed back; remove it"
    )]
    Unprintable {
        /// Position of the character, from 1.
        position: usize,
        /// Its code point.
        code: u32,
    },
}

/// The UTF-8 byte-order mark Windows editors put at the start of text files.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// `bytes` without a leading UTF-8 byte-order mark: it says how the file is encoded and is never
/// part of the text (Notepad and PowerShell write it; JSON readers refuse it).
pub fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM).unwrap_or(bytes)
}

/// The one line of text a person put in a file (a passphrase, PIN, password, client secret or
/// TOTP seed): a leading byte-order mark and the line ending (LF or CR LF) are dropped; UTF-16,
/// bytes that are not UTF-8, a second line and any control or invisible character are refused,
/// since they would seal or compare something other than what the person can see and type.
pub fn typed_line(bytes: &[u8]) -> Result<&str, LineError> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(LineError::Utf16);
    }
    let text = std::str::from_utf8(without_bom(bytes)).map_err(|_| LineError::NotText)?;
    let line = text.trim_end_matches(['\r', '\n']);
    if line.contains(['\r', '\n']) {
        return Err(LineError::Lines);
    }
    match line.chars().enumerate().find(|(_, c)| is_invisible(*c)) {
        Some((index, c)) => Err(LineError::Unprintable {
            position: index + 1,
            code: u32::from(c),
        }),
        None => Ok(line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_regular_file_up_to_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        fs::write(&path, b"twelve bytes").unwrap();
        assert_eq!(read(&path, 12).unwrap(), b"twelve bytes");
        assert_eq!(read_secret(&path, 12).unwrap().as_slice(), b"twelve bytes");
        let error = read(&path, 11).unwrap_err();
        assert!(matches!(error, InputError::TooLarge(11)), "{error}");
        assert_eq!(
            error.to_string(),
            "it is larger than 11 bytes, too large for what it should be"
        );
        assert!(matches!(read(&dir.path().join("missing"), 1), Err(InputError::Io(_))));
    }

    #[test]
    fn a_sparse_file_is_refused_by_its_claimed_size_without_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sparse");
        File::create(&path).unwrap().set_len(3 << 30).unwrap();
        let error = read(&path, 1024 * 1024).unwrap_err();
        assert_eq!(
            error.to_string(),
            "it is larger than 1 MiB, too large for what it should be"
        );
    }

    #[test]
    fn directories_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let error = read(dir.path(), 1).unwrap_err();
        assert_eq!(error.to_string(), "it is a directory, not a regular file");
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_fifos_are_refused_without_blocking() {
        let error = read(Path::new("/dev/zero"), 1024).unwrap_err();
        assert_eq!(error.to_string(), "it is a device, not a regular file");
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        let error = read(&fifo, 1024).unwrap_err();
        assert_eq!(error.to_string(), "it is a named pipe (FIFO), not a regular file");
        // Through a symbolic link too.
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&fifo, &link).unwrap();
        assert!(matches!(read_secret(&link, 1024), Err(InputError::NotAFile(_))));
    }

    #[test]
    fn a_typed_line_loses_its_bom_and_line_ending_and_keeps_nothing_unseen() {
        assert_eq!(typed_line(b"Correct-Horse\r\n"), Ok("Correct-Horse"));
        assert_eq!(typed_line(b"\xEF\xBB\xBFCorrect-Horse\n"), Ok("Correct-Horse"));
        assert_eq!(typed_line("Łukasz-Ωμέγα\n".as_bytes()), Ok("Łukasz-Ωμέγα"));
        assert_eq!(typed_line(b"\xFF\xFEa\x00b\x00"), Err(LineError::Utf16));
        assert_eq!(typed_line(b"abc\xFF"), Err(LineError::NotText));
        assert_eq!(typed_line(b"first\nsecond\n"), Err(LineError::Lines));
        assert_eq!(typed_line(b"first\rsecond"), Err(LineError::Lines));
        for (text, position, code) in [
            ("ab\x1b[2Jc", 3, 0x1b),
            ("a\tb", 2, 9),
            ("a\0b", 2, 0),
            ("pass\u{200B}word", 5, 0x200B),
            ("\u{202E}drowssap", 1, 0x202E),
            ("a\u{FEFF}b", 2, 0xFEFF),
            ("a\u{AD}b", 2, 0xAD),
        ] {
            let expected = Err(LineError::Unprintable { position, code });
            assert_eq!(typed_line(text.as_bytes()), expected, "{text:?}");
        }
        let message = typed_line("hunter2\u{200B}".as_bytes()).unwrap_err().to_string();
        assert!(message.starts_with("character 8 is U+200B"), "{message}");
        assert!(!message.contains("hunter"), "{message}");
    }
}
