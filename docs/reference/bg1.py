#!/usr/bin/env python3
"""Independent reader of breakglass paper format BG1, written from docs/FORMAT.md alone.

It exists so that sheets stay readable without breakglass: give it typed sheets or the text of
their QR codes (e.g. from `zbarimg --raw`), and it checks every line and prints each block's
bytes as hex. Standard library only (Python 3.8+).

    python3 docs/reference/bg1.py typed-1.txt typed-2.txt ...

Output, one line per block:  <ceremony> SHARE <index> <hex>,  <ceremony> PSHARE <index> <hex>   or   <ceremony> VAULT <i>/<m> <hex>
"""

import sys

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
QR_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
BYTES_PER_LINE = 25


def symbol_value(c):
    c = c.upper()
    c = {"O": "0", "I": "1", "L": "1"}.get(c, c)
    return ALPHABET.index(c) if c in ALPHABET else None


def crc15_can(data):
    """CRC-15/CAN: poly 0x4599, init 0, no reflection, no final xor."""
    crc = 0
    for byte in data:
        crc ^= byte << 7
        for _ in range(8):
            crc = ((crc << 1) ^ 0x4599) if crc & 0x4000 else (crc << 1)
            crc &= 0x7FFF
    return crc


def line_check(header_body, number, data):
    crc = crc15_can(bytes([number]) + bytes(QR_ALPHANUMERIC.index(c) for c in header_body + data))
    return "".join(ALPHABET[(crc >> shift) & 31] for shift in (10, 5, 0))


def decode_base32(symbols, byte_len):
    bits, value, out = 0, 0, bytearray()
    for c in symbols:
        value = (value << 5) | symbol_value(c)
        bits += 5
        if bits >= 8:
            bits -= 8
            out.append((value >> bits) & 0xFF)
    if len(out) > byte_len:
        out = out[:byte_len]
    if bits and value & ((1 << bits) - 1):
        raise ValueError("non-zero padding")
    return bytes(out)


def repair_header(typed):
    """Upper-cases a typed header and reads O as 0, I and L as 1 where only digits or base32
    symbols stand (after BG, the ceremony id, the numbers of K N S C B, the check symbols);
    the block kind (SHARE, PSHARE, VAULT) is left as typed."""
    fields = typed.upper().split("-")
    if len(fields) != 8:
        return typed.upper()
    repair = lambda text: text.replace("O", "0").replace("I", "1").replace("L", "1")
    version = "BG" + repair(fields[0][2:]) if fields[0].startswith("BG") else fields[0]
    numbers = [f[:1] + repair(f[1:]) for f in fields[3:7]]
    return "-".join([version, fields[1], repair(fields[2])] + numbers + [repair(fields[7])])


def split_blocks(text):
    blocks = []
    wanted = 0
    for physical in text.splitlines():
        line = physical.strip()
        if line.upper().startswith("BG"):
            words = line.split()
            header, inline = repair_header(words[0]), [w.upper() for w in words[1:]]
            try:
                announced = -(-int(header.rsplit("-", 2)[1][1:]) // BYTES_PER_LINE)
            except (IndexError, ValueError):
                announced = 99
            blocks.append((header, inline))
            wanted = 0 if inline else announced
            continue
        compact = "".join(c for c in line if not c.isspace() and c != "-").upper()
        if compact and blocks and wanted > 0:
            blocks[-1][1].append(compact)
            wanted -= 1
    return blocks


def decode_block(header, lines):
    malformed = f"header {header}: malformed; type it exactly as printed, with its 7 dashes and no spaces"
    if "-" not in header or any(c not in QR_ALPHANUMERIC for c in header):
        raise ValueError(malformed)
    body, check = header.rsplit("-", 1)
    if line_check(body, 0, "") != check:
        raise ValueError(f"header {header}: check characters do not match")
    fields = body.split("-")
    if fields[0] != "BG1" or len(fields) != 7:
        raise ValueError(malformed)
    byte_len = int(fields[6][1:])
    count = -(-byte_len // BYTES_PER_LINE)
    if len(lines) != count:
        raise ValueError(f"block {header}: {len(lines)} lines, expected {count}")
    data = bytearray()
    for number, line in enumerate(lines, start=1):
        here = min(BYTES_PER_LINE, byte_len - (number - 1) * BYTES_PER_LINE)
        symbols = -(-here * 8 // 5)
        canonical = "".join(ALPHABET[symbol_value(c)] for c in line)
        if len(canonical) != 2 + symbols + 3 or canonical[:2] != f"{number:02d}":
            raise ValueError(f"block {header}: line {number:02d} is malformed")
        if line_check(body, number, canonical[2:2 + symbols]) != canonical[2 + symbols:]:
            raise ValueError(f"block {header}: line {number:02d}: check characters do not match")
        data += decode_base32(canonical[2:2 + symbols], here)
    kind, ceremony, part = fields[1], fields[2], fields[5][1:]
    return ceremony, kind, part, bytes(data)


def main(paths):
    status = 0
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        for header, lines in split_blocks(text):
            try:
                ceremony, kind, part, data = decode_block(header, lines)
                print(ceremony, kind, part, data.hex())
            except ValueError as error:
                print(f"{path}: {error}", file=sys.stderr)
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
