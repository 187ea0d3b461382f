#!/usr/bin/env python3
"""Drive a command on a pseudo-terminal, as a user at a keyboard would.

  pty-run.py [--expect TEXT | --send TEXT]... -- COMMAND [ARG...]

The steps run in order: --expect waits (10 s at most) until TEXT has
appeared in the output, --send types TEXT (backslash escapes: \\r, \\x10).
Then it waits for COMMAND to end, prints everything it wrote, and exits
with its exit code (124 when a step or the end timed out). The terminal
is 31 rows by 97 columns.
"""
import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time


def read_some(fd, out, timeout):
    r, _, _ = select.select([fd], [], [], timeout)
    if not r:
        return True
    try:
        data = os.read(fd, 4096)
    except OSError:
        return False
    if not data:
        return False
    out.extend(data)
    return True


def main():
    argv = sys.argv[1:]
    sep = argv.index("--")
    steps, cmd = argv[:sep], argv[sep + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 31, 97, 0, 0))
        os.execvp(cmd[0], cmd)
    out = bytearray()
    alive = True
    for kind, text in zip(steps[::2], steps[1::2]):
        data = text.encode().decode("unicode_escape").encode("latin-1")
        if kind == "--send":
            os.write(fd, data)
            continue
        deadline = time.time() + 10
        while data not in out:
            if time.time() > deadline or not alive:
                sys.stdout.write(out.decode(errors="replace"))
                sys.stderr.write("pty-run: timed out waiting for %r\n" % text)
                return 124
            alive = read_some(fd, out, 0.1)
    deadline = time.time() + 10
    while alive and time.time() < deadline:
        alive = read_some(fd, out, 0.1)
    done, status = os.waitpid(pid, os.WNOHANG)
    while done == 0 and time.time() < deadline:
        time.sleep(0.05)
        done, status = os.waitpid(pid, os.WNOHANG)
    sys.stdout.write(out.decode(errors="replace"))
    if done == 0:
        sys.stderr.write("pty-run: the command did not end\n")
        return 124
    return os.waitstatus_to_exitcode(status)


sys.exit(main())
