"""Runs a command on a pseudo-terminal of a given size, as a person's terminal would.

usage: pty-driver.py COLUMNS ROWS -- COMMAND...

What arrives on this script's standard input is typed into the terminal (so b"\x03" is Ctrl-C, which
the terminal turns into SIGINT for the program). One control sequence is taken out of it instead:
b"\x1dR" COLUMNS "x" ROWS b"\n" resizes the terminal, which sends the program SIGWINCH. Everything the
program writes to the terminal comes out on standard output, byte for byte. The script exits with the
program's exit status (128 + N when signal N ended it).
"""
import fcntl
import os
import select
import signal
import struct
import sys
import termios


def set_size(fd, columns, rows):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


def main():
    columns, rows = int(sys.argv[1]), int(sys.argv[2])
    command = sys.argv[sys.argv.index("--") + 1:]
    master, slave = os.openpty()
    set_size(slave, columns, rows)  # before the program starts, so its first look sees the size
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        if slave > 2:
            os.close(slave)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.execvp(command[0], command)
    os.close(slave)
    stdin_open = True
    pending = b""
    status = None
    out = sys.stdout.buffer
    while True:
        readers = [master] + ([0] if stdin_open else [])
        try:
            ready, _, _ = select.select(readers, [], [], 0.1)
        except InterruptedError:
            continue
        if master in ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            if data:
                out.write(data)
                out.flush()
            elif status is not None:
                break
        if 0 in ready:
            data = os.read(0, 65536)
            if not data:
                stdin_open = False
            pending += data
            while pending:
                at = pending.find(b"\x1dR")
                if at < 0:
                    os.write(master, pending)
                    pending = b""
                elif at > 0:
                    os.write(master, pending[:at])
                    pending = pending[at:]
                else:
                    end = pending.find(b"\n")
                    if end < 0:
                        break
                    c, r = pending[2:end].split(b"x")
                    set_size(master, int(c), int(r))
                    pending = pending[end + 1:]
        if status is None:
            done, code = os.waitpid(pid, os.WNOHANG)
            if done:
                status = code
        if status is not None and master not in ready:
            # The program is gone and nothing more is waiting on the terminal.
            break
    if os.WIFSIGNALED(status):
        # Said on the driver's own standard error (merged into what the test reads): a program ended by a
        # signal ran none of its own stop (Java's shutdown hooks), though its exit code looks the same.
        sys.stderr.write("pty-driver: the program was ended by signal %d\n" % os.WTERMSIG(status))
        sys.stderr.flush()
        sys.exit(128 + os.WTERMSIG(status))
    sys.exit(os.WEXITSTATUS(status))


main()
