#!/usr/bin/env python3
"""Send one crafted BOOTP/DHCP datagram, good or hostile, for the relay tests.

    dhcp_craft.py --to ADDR [--dev DEV] [--src ADDR] [--sport N] [field options]

Fields default to a well-formed DHCPDISCOVER with the broadcast flag clear.
--raw HEX sends exactly those bytes. Prints nothing; exits 0 once sent.
"""
import argparse
import socket
import struct
import sys

COOKIE = b"\x63\x82\x53\x63"


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def build(a):
    chaddr = mac(a.chaddr).ljust(16, b"\0")
    hdr = struct.pack(
        "!BBBBIHH4s4s4s4s16s64s128s",
        a.op, a.htype, a.hlen, a.hops, a.xid, 0, a.flags,
        socket.inet_aton(a.ciaddr), socket.inet_aton(a.yiaddr),
        socket.inet_aton("0.0.0.0"), socket.inet_aton(a.giaddr),
        chaddr, a.sname.encode().ljust(64, b"\0"), a.file.encode().ljust(128, b"\0"))
    opts = b""
    if a.type:
        opts += bytes([53, 1, a.type])
    for o in a.opt:
        code, _, val = o.partition(":")
        v = bytes.fromhex(val)
        opts += bytes([int(code), len(v)]) + v
    opts += bytes.fromhex(a.rawopts)
    if not a.no_end:
        opts += b"\xff"
    pkt = hdr + (b"" if a.no_cookie else COOKIE) + opts
    if a.pad_to and len(pkt) < a.pad_to:
        pkt += b"\0" * (a.pad_to - len(pkt))
    if a.truncate is not None:
        pkt = pkt[:a.truncate]
    return pkt


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--to", required=True)
    p.add_argument("--port", type=int, default=67)
    p.add_argument("--dev")
    p.add_argument("--src", default="0.0.0.0")
    p.add_argument("--sport", type=int, default=0)
    p.add_argument("--op", type=int, default=1)
    p.add_argument("--htype", type=int, default=1)
    p.add_argument("--hlen", type=int, default=6)
    p.add_argument("--hops", type=int, default=0)
    p.add_argument("--xid", type=lambda s: int(s, 0), default=0x12345678)
    p.add_argument("--flags", type=lambda s: int(s, 0), default=0)
    p.add_argument("--ciaddr", default="0.0.0.0")
    p.add_argument("--yiaddr", default="0.0.0.0")
    p.add_argument("--giaddr", default="0.0.0.0")
    p.add_argument("--chaddr", default="02:00:00:00:00:01")
    p.add_argument("--sname", default="")
    p.add_argument("--file", default="")
    p.add_argument("--type", type=int, default=1)
    p.add_argument("--opt", action="append", default=[], help="CODE:HEX")
    p.add_argument("--rawopts", default="", help="hex bytes after the options")
    p.add_argument("--no-end", action="store_true")
    p.add_argument("--no-cookie", action="store_true")
    p.add_argument("--pad-to", type=int, default=300)
    p.add_argument("--truncate", type=int)
    p.add_argument("--raw", help="send these hex bytes as they are")
    p.add_argument("--count", type=int, default=1)
    a = p.parse_args()

    pkt = bytes.fromhex(a.raw) if a.raw is not None else build(a)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if a.dev:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.dev.encode())
    s.bind((a.src, a.sport))
    for _ in range(a.count):
        s.sendto(pkt, (a.to, a.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
