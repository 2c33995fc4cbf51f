"""Processes that evaluate queries or parse untrusted data cannot open network connections.

Why: pyoxigraph follows ``SERVICE <url>`` over HTTP, so a query that slips past the query guard
(:func:`emskg.sparql.guard`) would make the server fetch any address it can reach — internal ones
included (server-side request forgery). The guard decides from a parse of the query; this module
is the second, independent layer: once :func:`deny_network` has run, the kernel refuses to create
any socket but a Unix-domain one in this process and in every process it starts, so no parser, no
library and no future engine feature can reach the network, whatever the query says.

How: a seccomp-BPF filter (Linux ≥ 3.5, no privileges needed once ``no_new_privs`` is set) that
answers ``socket(2)`` with ``EACCES`` unless the address family is ``AF_UNIX`` (the worker pipes
and ``multiprocessing`` use that), and refuses ``io_uring_setup(2)`` (io_uring can create sockets
without the ``socket`` system call). A filter cannot be removed, so it is applied only in processes
that never need the network: query workers, validation workers, and the one-shot CLI commands.

Where the kernel or architecture does not support it (not Linux, not x86-64 or AArch64, seccomp
disabled), :func:`deny_network` returns ``False`` and logs a warning; the parse-based guard still
refuses every query that fetches.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import struct
import sys

__all__ = ["deny_network", "network_denied", "SandboxUnavailable"]

log = logging.getLogger("emskg.sandbox")

# <linux/filter.h>, <linux/seccomp.h>, <linux/audit.h>
_BPF_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_BPF_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_BPF_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_BPF_RET_K = 0x06  # BPF_RET | BPF_K
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
# struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]
_OFF_NR, _OFF_ARCH, _OFF_ARG0 = 0, 4, 16
_AF_UNIX = 1  # <sys/socket.h> on Linux (the only system this filter is for); spares importing socket

#: machine -> (AUDIT_ARCH_*, socket nr, io_uring_setup nr, first nr of a foreign ABI or None)
_ARCHES: dict[str, tuple[int, int, int, int | None]] = {
    "x86_64": (0xC000003E, 41, 425, 0x40000000),  # x32 syscalls carry bit 30: refuse them wholesale
    "aarch64": (0xC00000B7, 198, 425, None),
}

_denied = False


class SandboxUnavailable(RuntimeError):
    """The kernel refused the filter (seccomp disabled, or an unsupported architecture)."""


def _stmt(code: int, k: int) -> bytes:
    return struct.pack("HBBI", code, 0, 0, k)


def _jump(code: int, k: int, jt: int, jf: int) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def _program(arch: int, nr_socket: int, nr_io_uring: int, foreign: int | None) -> bytes:
    """The BPF program: allow everything except non-Unix sockets, io_uring and foreign ABIs."""
    deny = _SECCOMP_RET_ERRNO | errno.EACCES
    insns = [
        _stmt(_BPF_LD_W_ABS, _OFF_ARCH),
        _jump(_BPF_JEQ_K, arch, 1, 0),                 # our ABI: go on; another one: deny
        _stmt(_BPF_RET_K, deny),
        _stmt(_BPF_LD_W_ABS, _OFF_NR),
    ]
    if foreign is not None:
        insns += [_jump(_BPF_JGE_K, foreign, 0, 1), _stmt(_BPF_RET_K, deny)]
    insns += [
        _jump(_BPF_JEQ_K, nr_io_uring, 0, 1),
        _stmt(_BPF_RET_K, deny),
        _jump(_BPF_JEQ_K, nr_socket, 1, 0),            # socket(2): check the family; else allow
        _stmt(_BPF_RET_K, _SECCOMP_RET_ALLOW),
        _stmt(_BPF_LD_W_ABS, _OFF_ARG0),              # the low 32 bits of the family argument
        _jump(_BPF_JEQ_K, _AF_UNIX, 0, 1),
        _stmt(_BPF_RET_K, _SECCOMP_RET_ALLOW),
        _stmt(_BPF_RET_K, deny),
    ]
    return b"".join(insns)


def deny_network(*, required: bool = False) -> bool:
    """Forbid this process and its future children to open any non-Unix socket (irreversibly).

    Returns ``True`` once the filter is in place (also when it already was), ``False`` when this
    platform cannot do it (logged as a warning). With ``required=True`` that case raises
    :class:`SandboxUnavailable` instead.
    """
    global _denied
    if _denied:
        return True
    machine = os.uname().machine
    arch = _ARCHES.get(machine) if sys.platform == "linux" else None
    if arch is None:
        return _unavailable(f"no seccomp filter for {sys.platform}/{machine}", required)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError) as exc:
        return _unavailable(f"prctl is not available ({exc})", required)
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    code = _program(*arch)
    buffer = ctypes.create_string_buffer(code, len(code))

    class _Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = _Prog(len(code) // 8, ctypes.addressof(buffer))
    if prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return _unavailable(f"PR_SET_NO_NEW_PRIVS failed ({errno.errorcode.get(ctypes.get_errno(), '?')})", required)
    if prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0) != 0:
        return _unavailable(f"seccomp filter refused ({errno.errorcode.get(ctypes.get_errno(), '?')})", required)
    _denied = True
    return True


def network_denied() -> bool:
    """Whether :func:`deny_network` has put the filter in place in this process."""
    return _denied


def _unavailable(reason: str, required: bool) -> bool:
    if required:
        raise SandboxUnavailable(f"cannot deny network access: {reason}")
    log.warning("network sandbox unavailable (%s); relying on the query guard alone", reason)
    return False
