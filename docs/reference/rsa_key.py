#!/usr/bin/env python3
"""Rebuilds the RSA private key of a breakglass `certificate` payload, without breakglass.

A certificate payload (docs/FORMAT.md, "Payload") holds only the two primes p and q. This script
computes the rest of the key (n = p*q, e = 65537, d = e^-1 mod lcm(p-1, q-1), and the CRT values)
and prints it as a PEM "RSA PRIVATE KEY" (PKCS#1) that openssl and every TLS library read.
Standard library only (Python 3.8+).

    python3 rsa_key.py payload.txt > key.pem
    openssl pkcs12 -export -inkey key.pem -in cert.cer -out app.pfx    # cert.cer: beside the manifest

It checks that n has the payload's cert-key-bits. With the certificate at hand (cert.cer, kept
beside manifest.json; it is public), `openssl x509 -noout -modulus -in cert.cer` and
`openssl rsa -noout -modulus -in key.pem` must print the same modulus.
"""

import base64
import sys

E = 65537


def payload_fields(raw):
    head, sep, secret = raw.partition(b"\n\n")
    if not sep:
        raise ValueError("not a breakglass payload (no empty line after the header)")
    fields = {}
    for line in head.decode("utf-8").splitlines():
        key, _, value = line.partition(": ")
        fields[key] = value
    if fields.get("breakglass-payload") != "1":
        raise ValueError("not a breakglass payload (first line must be 'breakglass-payload: 1')")
    if fields.get("kind") != "certificate":
        raise ValueError(f"payload kind is {fields.get('kind')!r}, not 'certificate'")
    length = int(fields["length"])
    if len(secret) != length:
        raise ValueError(f"payload holds {len(secret)} secret bytes, its header says {length}")
    return fields, secret


def der_length(length):
    if length < 0x80:
        return bytes([length])
    octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(octets)]) + octets


def der_integer(value):
    octets = value.to_bytes(value.bit_length() // 8 + 1, "big")
    return b"\x02" + der_length(len(octets)) + octets


def rsa_private_key_der(p, q):
    n = p * q
    lcm = (p - 1) * (q - 1) // gcd(p - 1, q - 1)
    d = pow(E, -1, lcm)
    body = b"".join(
        der_integer(v) for v in (0, n, E, d, p, q, d % (p - 1), d % (q - 1), pow(q, -1, p))
    )
    return n, b"\x30" + der_length(len(body)) + body


def gcd(a, b):
    while b:
        a, b = b, a % b
    return a


def main(path):
    with open(path, "rb") as handle:
        fields, secret = payload_fields(handle.read())
    bits = int(fields["cert-key-bits"])
    half = bits // 16
    if len(secret) != 2 * half:
        raise ValueError(f"expected two primes of {half} bytes each, found {len(secret)} bytes")
    p, q = int.from_bytes(secret[:half], "big"), int.from_bytes(secret[half:], "big")
    n, der = rsa_private_key_der(p, q)
    if n.bit_length() != bits:
        raise ValueError(f"p*q has {n.bit_length()} bits, the payload says {bits}")
    text = base64.encodebytes(der).decode().replace("\n", "")
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    print("-----BEGIN RSA PRIVATE KEY-----")
    print("\n".join(lines))
    print("-----END RSA PRIVATE KEY-----")
    print(f"RSA-{bits} key of {fields.get('cert-subject', '?')}, serial {fields.get('cert-serial', '?')}", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: rsa_key.py payload.txt > key.pem", file=sys.stderr)
        sys.exit(2)
    try:
        main(sys.argv[1])
    except (OSError, ValueError, KeyError) as error:
        print(f"rsa_key.py: error: {error}", file=sys.stderr)
        sys.exit(1)
