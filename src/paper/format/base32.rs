//! Crockford base32: the data alphabet of the paper format.
//!
//! Chosen because every symbol is in QR's alphanumeric set (5 bits in 5.5 bits of QR capacity),
//! it has no case, and it leaves out I, L, O and U so that handwriting and OCR confusions can be
//! repaired on input (I and L read as 1, O as 0). Bits are taken most significant first; a final
//! partial symbol is padded with zero bits, which the decoder insists on.

/// The 32 symbols, in value order.
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Value of one symbol, after the lenient input mapping (case, I/L -> 1, O -> 0).
pub fn symbol_value(symbol: char) -> Option<u8> {
    let upper = symbol.to_ascii_uppercase();
    let canonical = match upper {
        'O' => '0',
        'I' | 'L' => '1',
        other => other,
    };
    ALPHABET
        .iter()
        .position(|&candidate| candidate as char == canonical)
        .map(|value| value as u8)
}

/// Number of symbols needed for `byte_len` bytes.
pub fn encoded_len(byte_len: usize) -> usize {
    (byte_len * 8).div_ceil(5)
}

/// Encodes bytes as Crockford symbols without separators or padding characters.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(encoded_len(bytes.len()));
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Why a run of symbols did not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base32Error {
    /// The symbol at this zero-based position is not in the alphabet.
    BadSymbol(usize),
    /// The symbol count cannot come from whole bytes.
    BadLength,
    /// The bits after the last whole byte are not zero.
    NonZeroPadding,
}

/// Decodes exactly `byte_len` bytes from `symbols`, which must have the canonical length.
pub fn decode(symbols: &str, byte_len: usize) -> Result<Vec<u8>, Base32Error> {
    if symbols.chars().count() != encoded_len(byte_len) {
        return Err(Base32Error::BadLength);
    }
    let mut out = Vec::with_capacity(byte_len);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for (position, symbol) in symbols.chars().enumerate() {
        let value = symbol_value(symbol).ok_or(Base32Error::BadSymbol(position))?;
        buffer = ((buffer << 5) | u32::from(value)) & 0xFFFF;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            if out.len() < byte_len {
                out.push((buffer >> bits) as u8);
            }
        }
    }
    if bits > 0 && buffer & ((1 << bits) - 1) != 0 {
        return Err(Base32Error::NonZeroPadding);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(encode(b""), "");
        assert_eq!(encode(&[0]), "00");
        assert_eq!(encode(&[0xFF]), "ZW");
        assert_eq!(encode(b"foobar"), "CSQPYRK1E8");
        assert_eq!(decode("CSQPYRK1E8", 6).unwrap(), b"foobar");
    }

    #[test]
    fn lenient_symbols_are_repaired() {
        assert_eq!(decode("csqpyrkie8", 6).unwrap(), b"foobar");
        assert_eq!(decode("CSQPYRKLE8", 6).unwrap(), b"foobar");
        assert_eq!(symbol_value('o'), Some(0));
        assert_eq!(symbol_value('U'), None);
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(decode("ZZ", 1), Err(Base32Error::NonZeroPadding));
        assert_eq!(decode("Z", 1), Err(Base32Error::BadLength));
        assert_eq!(decode("0U", 1), Err(Base32Error::BadSymbol(1)));
    }

    #[test]
    fn round_trips_every_length() {
        for len in 0..64 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(decode(&encode(&bytes), len).unwrap(), bytes);
        }
    }
}
