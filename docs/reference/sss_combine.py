#!/usr/bin/env python3
"""Rebuild a breakglass vault key from k share blocks, without breakglass. Standard library only.

This is the second, independent half of recovery (docs/reference/bg1.py is the first): it is
written from docs/FORMAT.md and from the published algorithms, and uses no breakglass code.
Read docs/RECOVERY-WITHOUT-BREAKGLASS.md first.

    python3 docs/reference/bg1.py typed-1.txt typed-3.txt typed-5.txt > blocks.txt
    python3 docs/reference/sss_combine.py blocks.txt > key.txt        # the age identity
    python3 docs/reference/sss_combine.py --vault vault.age blocks.txt  # the age file
    age -d -i key.txt vault.age

Input: every argument is either one share as 226 hex digits (113 bytes; spaces allowed inside
quotes) or a file holding bg1.py output (`<ceremony> SHARE <i> <hex>`, `<ceremony> VAULT <c>/<m>
<hex>`) or bare share hex, one per line; `-` or no argument at all reads standard input.

Combining (the share format of dsprenkels/sss, "Share block data" in docs/FORMAT.md):
  byte 0 of a share is x (its index), bytes 1-32 are y (32 key-share bytes), bytes 33-112 are a
  NaCl secretbox shared by all shares: a 16-byte Poly1305 tag, then 64 bytes of XSalsa20
  ciphertext.
  1. K = the 32 bytes obtained by Lagrange interpolation at x = 0, byte position by byte
     position, in GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1 (0x11B); bit b of a
     byte is the coefficient of x^b (the library's bitslicing does not change this mapping).
  2. XSalsa20 with key K and a 24-byte all-zero nonce: keystream bytes 0-31 are the one-time
     Poly1305 key, bytes 32-95 decrypt the 64 ciphertext bytes. The tag (Poly1305 over the 64
     ciphertext bytes) must match, or the shares are too few, from another ceremony, or damaged:
     the script then refuses. With more shares than needed, it also tries subsets and names the
     shares that do not belong.
  3. The 64-byte plaintext is the 32-byte vault key followed by 32 zero bytes (checked).
  4. The vault key is printed as an age identity: Bech32 (BIP-173 checksum, not bech32m) of the
     32 bytes with HRP "age-secret-key-", upper-cased: AGE-SECRET-KEY-1...

--vault FILE writes the age file instead: one sheet's VAULT chunks concatenated in chunk order
(every sheet carries the same chunks; copies are checked to agree), checked against the ceremony
id (the first 10 Crockford base32 symbols of its SHA-256).

--self-test checks the arithmetic against the test vector of the sss library and BIP-173.

Errors are one line on standard error, with exit status 1.
"""

import hashlib
import hmac
import itertools
import os
import struct
import sys

# --- GF(2^8), AES polynomial ------------------------------------------------------------------


def gf_mul(a, b):
    """Product in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1 (0x11B)."""
    result = 0
    while b:
        if b & 1:
            result ^= a
        a <<= 1
        if a & 0x100:
            a ^= 0x11B
        b >>= 1
    return result


def gf_inv(a):
    """Inverse in GF(2^8): a^254 (a must not be 0)."""
    result, power, exponent = 1, a, 254
    while exponent:
        if exponent & 1:
            result = gf_mul(result, power)
        power = gf_mul(power, power)
        exponent >>= 1
    return result


def lagrange_at_zero(points):
    """points: [(x, y_bytes)], distinct non-zero x. Returns the bytes of the polynomial at 0.

    f(0) = sum_i y_i * prod_{j != i} x_j / (x_i - x_j); in GF(2^8) minus is XOR.
    """
    size = len(points[0][1])
    secret = bytearray(size)
    for i, (xi, yi) in enumerate(points):
        num, den = 1, 1
        for j, (xj, _) in enumerate(points):
            if i != j:
                num = gf_mul(num, xj)
                den = gf_mul(den, xi ^ xj)
        basis = gf_mul(num, gf_inv(den))
        for position in range(size):
            secret[position] ^= gf_mul(basis, yi[position])
    return bytes(secret)


# --- Salsa20 / HSalsa20 / XSalsa20 --------------------------------------------------------------

SIGMA = struct.unpack("<4I", b"expand 32-byte k")
MASK32 = 0xFFFFFFFF


def _rotl(value, shift):
    return ((value << shift) | (value >> (32 - shift))) & MASK32


def _salsa_rounds(state):
    x = list(state)
    for _ in range(10):  # 20 rounds = 10 double rounds
        for a, b, c, d in ((0, 4, 8, 12), (5, 9, 13, 1), (10, 14, 2, 6), (15, 3, 7, 11),
                           (0, 1, 2, 3), (5, 6, 7, 4), (10, 11, 8, 9), (15, 12, 13, 14)):
            x[b] ^= _rotl((x[a] + x[d]) & MASK32, 7)
            x[c] ^= _rotl((x[b] + x[a]) & MASK32, 9)
            x[d] ^= _rotl((x[c] + x[b]) & MASK32, 13)
            x[a] ^= _rotl((x[d] + x[c]) & MASK32, 18)
    return x


def _salsa_state(key, sixteen):
    k = struct.unpack("<8I", key)
    n = struct.unpack("<4I", sixteen)
    return [SIGMA[0], k[0], k[1], k[2], k[3], SIGMA[1], n[0], n[1],
            n[2], n[3], SIGMA[2], k[4], k[5], k[6], k[7], SIGMA[3]]


def hsalsa20(key, nonce16):
    """HSalsa20: 32-byte subkey from a 32-byte key and a 16-byte input."""
    x = _salsa_rounds(_salsa_state(key, nonce16))
    return struct.pack("<8I", *(x[i] for i in (0, 5, 10, 15, 6, 7, 8, 9)))


def salsa20_stream(key, nonce8, length):
    """Salsa20/20 keystream from block counter 0."""
    out = bytearray()
    counter = 0
    while len(out) < length:
        state = _salsa_state(key, nonce8 + struct.pack("<Q", counter))
        mixed = _salsa_rounds(state)
        out += struct.pack("<16I", *((m + s) & MASK32 for m, s in zip(mixed, state)))
        counter += 1
    return bytes(out[:length])


def xsalsa20_stream(key, nonce24, length):
    return salsa20_stream(hsalsa20(key, nonce24[:16]), nonce24[16:], length)


# --- Poly1305 ------------------------------------------------------------------------------------


def poly1305(key, message):
    r = int.from_bytes(key[:16], "little") & 0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF
    s = int.from_bytes(key[16:32], "little")
    p = (1 << 130) - 5
    acc = 0
    for start in range(0, len(message), 16):
        block = message[start:start + 16] + b"\x01"
        acc = (acc + int.from_bytes(block, "little")) * r % p
    return ((acc + s) & ((1 << 128) - 1)).to_bytes(16, "little")


def secretbox_open(box, key):
    """NaCl crypto_secretbox (XSalsa20-Poly1305), all-zero nonce; box = tag(16) || ciphertext.

    Returns the plaintext, or None when the tag does not match.
    """
    tag, ciphertext = box[:16], box[16:]
    stream = xsalsa20_stream(key, bytes(24), 32 + len(ciphertext))
    if not hmac.compare_digest(poly1305(stream[:32], ciphertext), tag):
        return None
    return bytes(c ^ k for c, k in zip(ciphertext, stream[32:]))


# --- Bech32 (BIP-173) ----------------------------------------------------------------------------

BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _bech32_polymod(values):
    generator = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            checksum ^= generator[i] if (top >> i) & 1 else 0
    return checksum


def bech32_encode_5bit(hrp, data5):
    """Bech32 string (lower case) of an HRP and 5-bit values; constant 1 (BIP-173, not bech32m)."""
    hrp = hrp.lower()
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    polymod = _bech32_polymod(expanded + list(data5) + [0] * 6) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(BECH32_CHARSET[v] for v in list(data5) + checksum)


def to_5bit(data):
    """Bytes to 5-bit groups, most significant bit first, last group padded with zero bits."""
    value, bits, out = 0, 0, []
    for byte in data:
        value = (value << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            out.append((value >> bits) & 31)
    if bits:
        out.append((value << (5 - bits)) & 31)
    return out


def age_identity(key32):
    return bech32_encode_5bit("age-secret-key-", to_5bit(key32)).upper()


# --- Input ---------------------------------------------------------------------------------------


class Failure(Exception):
    """One-line error for the user."""


CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def parse_hex(text, where):
    compact = "".join(text.split())
    try:
        return bytes.fromhex(compact)
    except ValueError:
        raise Failure(f"{where}: not hexadecimal") from None


def read_inputs(arguments):
    """Returns (shares, chunks): shares = [(ceremony or None, bytes)], chunks = [(ceremony, c, m, bytes)]."""
    shares, chunks = [], []

    def add_line(line, where):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            return
        if len(fields) == 4 and fields[1] == "SHARE":
            data = parse_hex(fields[3], where)
            if not fields[2].isdigit() or len(data) != 113 or data[0] != int(fields[2]):
                raise Failure(f"{where}: share {fields[2]} is not a 113-byte share with that index")
            shares.append((fields[0], data))
        elif len(fields) == 4 and fields[1] == "VAULT":
            chunk, _, count = fields[2].partition("/")
            if not (chunk.isdigit() and count.isdigit() and 1 <= int(chunk) <= int(count)):
                raise Failure(f"{where}: bad vault chunk number {fields[2]}")
            chunks.append((fields[0], int(chunk), int(count), parse_hex(fields[3], where)))
        else:
            data = parse_hex(line, where)
            if len(data) != 113:
                raise Failure(f"{where}: a share is 113 bytes (226 hex digits), this is {len(data)} bytes")
            shares.append((None, data))

    for argument in arguments or ["-"]:
        compact = "".join(argument.split())
        if len(compact) == 226 and all(c in "0123456789abcdefABCDEF" for c in compact):
            add_line(compact, "argument")
            continue
        if argument == "-":
            text, name = sys.stdin.read(), "stdin"
        else:
            if not os.path.isfile(argument):
                raise Failure(f"{argument}: neither a 226-digit share nor a file")
            with open(argument, encoding="utf-8") as handle:
                text, name = handle.read(), argument
        for number, line in enumerate(text.splitlines(), start=1):
            add_line(line, f"{name}:{number}")
    return shares, chunks


def one_ceremony(ceremonies, what):
    named = sorted({c for c in ceremonies if c is not None})
    if len(named) > 1:
        raise Failure(f"{what} of {len(named)} ceremonies ({', '.join(named)}): give the sheets of one ceremony")
    return named[0] if named else None


# --- Recovery ------------------------------------------------------------------------------------

SUBSET_LIMIT = 20000


def combine(shares):
    """shares: list of distinct 113-byte shares. Returns (64-byte data, shares used) or raises."""
    attempts = 0
    for size in range(len(shares), 0, -1):
        for subset in itertools.combinations(shares, size):
            attempts += 1
            if attempts > SUBSET_LIMIT:
                break
            key = lagrange_at_zero([(s[0], s[1:33]) for s in subset])
            plain = secretbox_open(subset[0][33:113], key)
            if plain is not None:
                return plain, subset
    raise Failure(
        "Poly1305 tag does not match: these shares do not rebuild a key "
        "(fewer than the threshold, from different ceremonies, or damaged)"
    )


def recover_identity(shares):
    by_index = {}
    for _, data in shares:
        if data[0] == 0:
            raise Failure("a share with index 0 is not valid")
        known = by_index.setdefault(data[0], data)
        if known != data:
            raise Failure(f"two different shares carry index {data[0]}: type each sheet once")
    if not by_index:
        raise Failure("no share given (expected bg1.py output or 226-digit share hex)")
    distinct = [by_index[i] for i in sorted(by_index)]
    plain, used = combine(distinct)
    if any(plain[32:]):
        raise Failure("the shares combine, but not into a breakglass vault key (bytes 32-63 are not zero)")
    left_out = sorted(set(by_index) - {s[0] for s in used})
    note = ""
    if left_out:
        numbers = ", ".join(map(str, left_out))
        note = f"; share {numbers} does not belong and was left out" if len(left_out) == 1 else \
            f"; shares {numbers} do not belong and were left out"
    print(f"shares {', '.join(str(s[0]) for s in used)} combine; tag verified{note}", file=sys.stderr)
    return age_identity(plain[:32])


def ceremony_id(data):
    digest = int.from_bytes(hashlib.sha256(data).digest(), "big")
    return "".join(CROCKFORD[(digest >> (256 - 5 * (i + 1))) & 31] for i in range(10))


def assemble_vault(chunks):
    ceremony = one_ceremony([c[0] for c in chunks], "vault chunks")
    if not chunks:
        raise Failure("no VAULT lines given (expected bg1.py output)")
    counts = {c[2] for c in chunks}
    if len(counts) != 1:
        raise Failure("vault chunks disagree on how many chunks there are")
    count = counts.pop()
    pieces = {}
    for _, chunk, _, data in chunks:
        if pieces.setdefault(chunk, data) != data:
            raise Failure(f"two copies of vault chunk {chunk}/{count} differ: retype it from a sheet")
    missing = [str(c) for c in range(1, count + 1) if c not in pieces]
    if missing:
        chunks = "vault chunk" if len(missing) == 1 else "vault chunks"
        raise Failure(f"{chunks} {', '.join(missing)} of {count} missing")
    vault = b"".join(pieces[c] for c in range(1, count + 1))
    if ceremony is not None and ceremony_id(vault) != ceremony:
        raise Failure(f"the vault's SHA-256 does not match ceremony id {ceremony}")
    return vault


# --- Self-test -----------------------------------------------------------------------------------

# Test vector of the sss library (shares of 64 bytes of 42, threshold 4): x || y of shares 1, 2, 3
# and 5, and the secretbox they all carry.
SSS_VECTOR_KEYSHARES = (
    "01e871ea0dcb8cd9129e4c8d30f506d1ff9466c208651ee3e6d51626f0c9f0a940",
    "028054e5b9379078fbaf888d232ddd6575d46101d8e56175f7f7ca251f2570206f",
    "03386d812f3d41a11b9eaad7136fcbd6d015d3c64c04a31bcf1ac03cd5988fbd6e",
    "0570f3ea28ef05eee69c9e608bb537b1111197ebee2a9de84b61ee89732bc977f8",
)
SSS_VECTOR_BOX = (
    "92eeed45ce71f8bbc97d517415a7bb268b69bf6452390ac6c9897933d8cfbb9ed60bd761362d0b4ca9c7fb68"
    "4604b83a65b0a53f8f892a9487390b1f7f33d27599361c2f7256d9aca28e8fe635514131"
)


def self_test():
    def check(condition, what):
        if not condition:
            raise Failure(f"self-test failed: {what}")

    keyshares = [bytes.fromhex(h) for h in SSS_VECTOR_KEYSHARES]
    box = bytes.fromhex(SSS_VECTOR_BOX)
    check(gf_mul(0x57, 0x83) == 0xC1, "GF(2^8) product (FIPS-197 example)")
    check(all(gf_mul(a, gf_inv(a)) == 1 for a in range(1, 256)), "GF(2^8) inverse")
    key = lagrange_at_zero([(s[0], s[1:]) for s in keyshares])
    check(secretbox_open(box, key) == bytes([42]) * 64, "sss test vector (4 of 5)")
    three = lagrange_at_zero([(s[0], s[1:]) for s in keyshares[:3]])
    check(secretbox_open(box, three) is None, "3 shares of a 4-of-5 set must fail")
    check(bech32_encode_5bit("abcdef", range(32)) == "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", "BIP-173")
    print("self-test passed", file=sys.stderr)


def main(argv):
    arguments = list(argv)
    vault_out = None
    if arguments[:1] == ["--self-test"]:
        self_test()
        return 0
    if arguments[:1] == ["--vault"]:
        if len(arguments) < 2:
            raise Failure("--vault needs the file to write, e.g. --vault vault.age")
        vault_out, arguments = arguments[1], arguments[2:]
    if any(a.startswith("--") for a in arguments):
        raise Failure("usage: sss_combine.py [--vault OUT | --self-test] [SHARE-HEX | FILE | -]...")
    shares, chunks = read_inputs(arguments)
    if vault_out is not None:
        vault = assemble_vault(chunks)
        with open(vault_out, "wb") as handle:
            handle.write(vault)
        print(f"wrote {vault_out}: {len(vault)} bytes", file=sys.stderr)
        return 0
    one_ceremony([s[0] for s in shares], "shares")
    print(recover_identity(shares))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Failure as failure:
        print(f"sss_combine.py: error: {failure}", file=sys.stderr)
        sys.exit(1)
    except OSError as error:
        print(f"sss_combine.py: error: {error.filename or ''}: {error.strerror}", file=sys.stderr)
        sys.exit(1)
    except UnicodeDecodeError:
        print("sss_combine.py: error: an input file is not text (expected bg1.py output)", file=sys.stderr)
        sys.exit(1)
