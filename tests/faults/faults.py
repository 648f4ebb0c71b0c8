#!/usr/bin/python3
"""Fault suite of logmac (issue 10): hostile input and failing output, checked against the contract.

Every case runs the built `logmac` with a time limit and checks:
  - no signal death, no hang (each case has a timeout);
  - exit status 0, or 2 for bad input / an I/O error (1 only where a mismatch is possible: eval with ACC);
  - on exit 2: exactly one line on stderr, starting with "logmac: ", at most MAX_MESSAGE bytes, valid
    UTF-8 without raw control characters (NUL, ESC, CR, C1, ...), naming what is wrong where the case says;
  - a failed write leaves nothing under the final name and no temporary file.
Cases are generated deterministically from --seed; each group prints how many cases it ran.

usage: faults.py GROUP --logmac PATH [--source DIR] [--seed S] [--cases N]
groups: spec eval tables liberty inputs writes tmpfs contract caches interrupt children
exit status: 0 all cases pass, 1 a case failed, 77 skipped (tmpfs: no way to mount one here)
"""
import argparse
import concurrent.futures
import json
import os
import random
import re
import resource
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time

SYSTEM_DEVICES = ("/dev/null", "/dev/full", "/dev/zero")  # must stay devices, whatever logmac does
MAX_MESSAGE = 1024       # bytes of one error line (the CLI cuts quoted values well below this)
MAX_LINE = 65536         # eval: longest accepted input line (sim/vectors.hpp kMaxVectorLineBytes)
CASE_TIMEOUT = 20        # seconds per case (a loaded shared machine; typical cases take milliseconds)
INT_RE = re.compile(r"^(0|-?[1-9][0-9]{0,17})$")  # the documented integer grammar (README "Contract")

# Strings that are not integers under the documented grammar, though some parsers accept them.
BAD_INTS = ["", " 8", "8 ", "+8", "08", "010", "0x10", "0X1f", "1e3", "8.0", "-0", "00", "-", "--8", "\t8",
            "8\n", "\u0668", "\uff18", "0b101", "1_000", "NaN", "inf", "9" * 30, "-" + "9" * 30, "8,", "0o7",
            "١٢", "8\x1b[31m"]


def fnv1a64(data, h=0xcbf29ce484222325):
    """64-bit FNV-1a (util/hash.hpp), computed here independently."""
    for c in data:
        h = ((h ^ c) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def hasher_hex(data):
    """util::Hasher().add(data).hex(): two FNV-1a lanes, the field's length mixed into the first."""
    m, prime = 0xFFFFFFFFFFFFFFFF, 0x100000001b3
    h1, h2 = 0xcbf29ce484222325, 0x84222325cbf29ce4
    for c in data:
        h1 = ((h1 ^ c) * prime) & m
        h2 = (((h2 ^ c) * prime) + 0x9e3779b97f4a7c15) & m
    for c in f"|{len(data)}|".encode():
        h1 = ((h1 ^ c) * prime) & m
    return f"{h1:016x}{h2:016x}"


def dead_pid():
    """The PID of a process that has ended (for temporaries named after a dead process)."""
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def proc_stat(pid):
    """(parent pid, start time, command name) of a process, None if it is gone."""
    try:
        text = open(f"/proc/{pid}/stat", "rb").read().decode(errors="replace")
    except OSError:
        return None
    comm = text[text.index("(") + 1:text.rindex(")")]
    rest = text[text.rindex(")") + 2:].split()
    return int(rest[1]), rest[19], comm


def proc_start(pid):
    st = proc_stat(pid)
    return st[1] if st and proc_state(pid) != "Z" else None


def proc_state(pid):
    try:
        text = open(f"/proc/{pid}/stat", "rb").read().decode(errors="replace")
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()[0]


def descendants(root):
    """pid -> (start time, command name) of every live descendant of root."""
    parent = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = proc_stat(int(d))
            if st:
                parent[int(d)] = st
    out, frontier = {}, {root}
    while frontier:
        nxt = set()
        for pid, (ppid, start, comm) in parent.items():
            if ppid in frontier and pid not in out:
                out[pid] = (start, comm)
                nxt.add(pid)
        frontier = nxt
    return out


class Failure(Exception):
    pass


class Result:
    def __init__(self, rc, out, err, seconds, timed_out):
        self.rc, self.out, self.err, self.seconds, self.timed_out = rc, out, err, seconds, timed_out


def run(cmd, stdin=None, timeout=CASE_TIMEOUT, mem_limit=None, stdin_file=None, stdout_file=None, cwd=None):
    """Runs cmd (list of str/bytes); stdin bytes or a file path; returns Result."""
    def limits():
        if mem_limit:
            resource.setrlimit(resource.RLIMIT_AS, (mem_limit, mem_limit))
    t0 = time.monotonic()
    fin = os.open(stdin_file, os.O_RDONLY) if stdin_file else None  # a directory too
    fout = open(stdout_file, "wb") if stdout_file else None
    try:
        p = subprocess.Popen(cmd, stdin=fin if fin is not None else (subprocess.PIPE if stdin is not None else subprocess.DEVNULL),
                             stdout=fout if fout else subprocess.PIPE, stderr=subprocess.PIPE,
                             preexec_fn=limits if mem_limit else None, cwd=cwd)
        try:
            out, err = p.communicate(stdin, timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            p.kill()
            try:  # an orphan of the killed process may hold the pipes open: do not wait for it
                out, err = p.communicate(timeout=5)
            except subprocess.TimeoutExpired:
                out, err = b"", b"(output lost: the pipes stayed open after the kill)"
                p.wait()
            timed_out = True
    finally:
        if fin is not None:
            os.close(fin)
        if fout:
            fout.close()
    return Result(p.returncode, out or b"", err or b"", time.monotonic() - t0, timed_out)


def bad_chars(err):
    """Raw control characters in a message (other than its final newline), or invalid UTF-8."""
    try:
        text = err.decode("utf-8")
    except UnicodeDecodeError as e:
        return f"invalid UTF-8 at byte {e.start}"
    for i, ch in enumerate(text[:-1] if text.endswith("\n") else text):
        o = ord(ch)
        if o < 0x20 or o == 0x7f or 0x80 <= o <= 0x9f:
            return f"raw control character U+{o:04X} at {i}"
    return None


def show(b, n=300):
    return repr(b[:n]) + ("..." if len(b) > n else "")


def check_basic(name, r, allowed=(0, 2)):
    if r.timed_out:
        raise Failure(f"{name}: no result after {CASE_TIMEOUT} s (hang)")
    if r.rc < 0:
        raise Failure(f"{name}: killed by signal {-r.rc}; stderr {show(r.err)}")
    if r.rc not in allowed:
        raise Failure(f"{name}: exit {r.rc}, allowed {allowed}; stderr {show(r.err)}")


def check_error(name, r, *needles, status=2):
    """Exit `status`, one bounded, clean line on stderr that contains every needle."""
    check_basic(name, r, allowed=(status,))
    err = r.err
    if err.count(b"\n") != 1 or not err.endswith(b"\n"):
        raise Failure(f"{name}: stderr is not exactly one line: {show(err)}")
    if len(err) > MAX_MESSAGE:
        raise Failure(f"{name}: message of {len(err)} bytes (limit {MAX_MESSAGE}): {show(err)}")
    if not err.startswith(b"logmac: "):
        raise Failure(f"{name}: message does not start with 'logmac: ': {show(err)}")
    why = bad_chars(err)
    if why:
        raise Failure(f"{name}: {why} in {show(err)}")
    for n in needles:
        if n.encode() not in err:
            raise Failure(f"{name}: message does not name {n!r}: {show(err)}")


def check_contract(name, r, allowed=(0, 2)):
    """Any outcome the contract allows: 0 with a quiet stderr, or a proper error line."""
    check_basic(name, r, allowed)
    if r.rc == 2:
        check_error(name, r)
    elif r.rc == 0 and r.err:
        raise Failure(f"{name}: exit 0 with a message: {show(r.err)}")


class Suite:
    def __init__(self, logmac, source, seed, cases, workdir):
        self.L, self.src, self.seed, self.cases, self.tmp = logmac, source, seed, cases, workdir
        self.ran = 0
        self.failures = []
        self.lock = threading.Lock()

    def case(self, fn, *a):
        with self.lock:
            self.ran += 1
        try:
            fn(*a)
        except Failure as e:
            with self.lock:
                self.failures.append(str(e))

    def parallel(self, fn, items):
        """Runs fn(item) for every item on all cores; failures are collected, not raised."""
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as ex:
            for _ in ex.map(lambda it: self.case(fn, it), items):
                pass

    def spec_json(self, spec):
        r = run([self.L, "spec", spec])
        if r.rc != 0:
            raise RuntimeError(f"spec {spec}: {r.err!r}")
        return json.loads(r.out)

    # ------------------------------------------------------------------------------------------ spec
    def group_spec(self):
        rng = random.Random(self.seed)
        bases = ["fxp:w=8", "fxp:w=16,f=8,wacc=40,ovf=wrap,pipe=0", "pot:w=8,we=3", "apot:w=6,we=2",
                 "log2lin:w=8,f=1", "log2lin:w=6,signed=0,fsr=3,sqrt2bits=4", "lns:w=16,f=8",
                 "lns:w=12,f=4,delta=lut:64", "lns:w=10,f=3,delta=mitchell,underflow=flush", "lns:w=12,delta=exact",
                 "lns2lin:w=12", "lns2lin:w=8,exp2=mitchell,fexp=3"]
        keys = ["w", "f", "wacc", "facc", "pipe", "ovf", "we", "fsr", "signed", "sqrt2bits", "delta", "dmax",
                "underflow", "fexp", "exp2", "W", "", "ww", "w ", " w", "x" * 300]
        fifo = os.path.join(self.tmp, "fifo.csv")
        os.mkfifo(fifo)
        specials = ["pwl:/dev/zero", "pwl:" + self.tmp, "pwl:/nonexistent/t.csv", "pwl:" + fifo, "pwl:", "pwl:qaa ",
                    "lut:0", "lut:3", "lut:65536", "lut:131072", "lut:064", "lut:-4", "lut:0x40", "exact\n", "EXACT",
                    "mitchell ", "lut:", "pwl:qaa,", "lut:64 "]

        def mutate(s):
            kind = rng.randrange(12)
            items = s.split(":", 1)[1].split(",") if ":" in s else []
            head = s.split(":", 1)[0]
            if kind == 0 and items:  # an int value replaced by a malformed or out-of-range one
                i = rng.randrange(len(items))
                k = items[i].split("=", 1)[0]
                v = rng.choice(BAD_INTS + [str(rng.randint(-100, 100)), str(rng.choice([2 ** 31, -2 ** 31 - 1, 2 ** 63]))])
                items[i] = f"{k}={v}"
            elif kind == 1:  # stray commas
                items.insert(rng.randrange(len(items) + 1), "")
            elif kind == 2:  # a random byte (no NUL: argv cannot carry one)
                p = rng.randrange(len(s) + 1)
                return s[:p] + chr(rng.choice(list(range(1, 32)) + [127, 0x85, 0x9b, 0xe9, 0x2028])) + s[p:]
            elif kind == 3 and len(s) > 2:  # a cut
                a = rng.randrange(len(s))
                return s[:a] + s[a + rng.randint(1, 5):]
            elif kind == 4 and items:  # a key twice
                items.append(rng.choice(items))
            elif kind == 5:  # a random key
                items.insert(rng.randrange(len(items) + 1), f"{rng.choice(keys)}={rng.randint(-3, 40)}")
            elif kind == 6:  # huge key or value, or a newline in it
                big = rng.choice(["k" * 30000, "7" * 5000, "a\nb", "x\r\ny", "\x1b[2J"])  # argv: < 128 KiB
                items.insert(rng.randrange(len(items) + 1), rng.choice([f"{big}=1", f"w={big}", big]))
            elif kind == 7:
                head = rng.choice(["LNS", "lns ", "", "fxp2", "lns:lns", " fxp", "fxp\n", "pwl"])
            elif kind == 8:  # delta values
                items = [it for it in items if not it.startswith("delta=")] + ["delta=" + rng.choice(specials)]
                if not any(it.startswith("w=") for it in items):
                    items.append("w=12")
                head = "lns"
            elif kind == 9 and items:  # a key without value or '='
                i = rng.randrange(len(items))
                items[i] = items[i].split("=", 1)[0] + rng.choice(["", "=", "==", "=8=9"])
            elif kind == 10:  # every int key at a random value near its range
                items = [it.split("=")[0] + "=" + str(rng.randint(-2, 70)) if it.split("=")[0] in
                         ("w", "f", "wacc", "facc", "we", "fexp", "sqrt2bits") else it for it in items]
            else:
                return s.replace(":", rng.choice(["::", ";", "", ": "]), 1)
            return head + ":" + ",".join(items)

        # Plausible specs from the listed keys and ranges (`spec --list`): exercise the cross-key rules of
        # each variant's derive(); a third of them then get one mutation.
        listing = {}
        for ln in run([self.L, "spec", "--list"]).out.decode().splitlines():
            m = re.match(r"^(\w+): ", ln)
            if m:
                cur = listing.setdefault(m.group(1), [])
                continue
            m = re.match(r"^  (\w+)\s+(-?\d+)\.\.(-?\d+)\s", ln)
            if m:
                cur.append((m.group(1), int(m.group(2)), int(m.group(3))))
                continue
            m = re.match(r"^  (\w+)\s+(\S+\|\S+)\s", ln)
            if m:
                cur.append((m.group(1), m.group(2).split("|"), None))
        table = os.path.join(self.src, "pwl/tables/lns_w12_f4_k16_p2.csv")

        def plausible():
            v = rng.choice(sorted(listing))
            items = []
            for key, lo, hi in listing[v]:
                if key != "w" and rng.random() < 0.5:
                    continue
                if hi is None:
                    items.append(f"{key}={rng.choice(lo)}")
                elif rng.random() < 0.8:
                    items.append(f"{key}={rng.randint(lo, hi)}")
                else:
                    items.append(f"{key}={rng.choice([lo - 1, lo, hi, hi + 1])}")
            if v == "lns" and rng.random() < 0.6:
                items.append("delta=" + rng.choice(["pwl:qaa", "exact", "mitchell", f"lut:{2 ** rng.randint(0, 17)}",
                                                    "pwl:" + table]))
            rng.shuffle(items)
            return v + ":" + ",".join(items)

        cases = []
        for i in range(self.cases):
            if i % 2:
                s = plausible()
                if rng.random() < 0.33:
                    s = mutate(s)
            else:
                s = rng.choice(bases)
                for _ in range(rng.randint(1, 3)):
                    s = mutate(s)
            cases.append((i, s))
        accepted = []

        def one(c):
            i, s = c
            r = run([self.L, "spec", s.encode("utf-8", "surrogateescape")])
            check_contract(f"spec case {i} {s[:80]!r}", r)
            if r.rc == 0:
                accepted.append(s)
                j = json.loads(r.out)
                r2 = run([self.L, "spec", j["spec"]])  # the canonical form parses to itself
                if r2.rc != 0 or json.loads(r2.out) != j:
                    raise Failure(f"spec case {i} {s[:80]!r}: canonical form {j['spec']!r} does not round-trip")
            # The documented integer grammar: a malformed integer value of a known key is always refused.
            body = s.split(":", 1)[1] if ":" in s else ""
            for it in body.split(","):
                k, eq, v = it.partition("=")
                if eq and k in ("w", "f", "wacc", "facc", "pipe", "we", "fsr", "signed", "sqrt2bits", "dmax",
                                "fexp") and not INT_RE.match(v) and r.rc == 0:
                    raise Failure(f"spec case {i} {s[:80]!r}: {k}={v!r} is not an integer but was accepted")

        self.parallel(one, cases)
        print(f"spec: {len(cases)} fuzzed specs ({len(accepted)} accepted and round-tripped), seed {self.seed}")

    # ------------------------------------------------------------------------------------------ eval
    def group_eval(self):
        rng = random.Random(self.seed)
        specs = ["fxp:w=5", "lns:w=10,f=3", "log2lin:w=6,f=1", "apot:w=5,we=2", "lns2lin:w=8"]
        info, base = {}, {}
        for s in specs:
            j = self.spec_json(s)
            info[s] = j
            path = os.path.join(self.tmp, f"v{len(base)}.txt")
            r = run([self.L, "vectors", "--mac", s, "--random", "40", "--seed", "3", "-o", path])
            if r.rc != 0:
                raise RuntimeError(f"vectors {s}: {r.err!r}")
            base[s] = open(path, "rb").read().split(b"\n")[:-1]

        def field_ok(tok, bits):
            return 1 <= len(tok) <= 16 and re.fullmatch(rb"[0-9a-fA-F]+", tok) and int(tok, 16) < (1 << bits)

        def expect(lines, j):
            """The documented grammar, independently: ('error', lineno) or ('ok', has_acc)."""
            has_acc = False
            for n, ln in enumerate(lines, 1):
                if len(ln) > MAX_LINE:
                    return "error", n
                if ln.startswith(b"# logmac vectors spec="):
                    if re.split(rb"[ \t\r]", ln[len(b"# logmac vectors spec="):])[0] != j["spec"].encode():
                        return "error", n
                body = ln.split(b"#", 1)[0]
                toks = [t for t in re.split(rb"[ \t\r]+", body) if t]
                if not toks:
                    continue
                if len(toks) not in (3, 4) or toks[0] not in (b"0", b"1"):
                    return "error", n
                if not field_ok(toks[1], j["wa"]) or not field_ok(toks[2], j["wb"]):
                    return "error", n
                if len(toks) == 4:
                    if not field_ok(toks[3], j["wacc"]):
                        return "error", n
                    has_acc = True
            return "ok", has_acc

        noise = [b"", b"zz", b"0x1f", b"-1", b"1f" * 9, b"0" * 17, b"1\x00", b"\x00", b"\x1b[31m", b"\r", b"\xff\xfe",
                 b"\xc3\xa9", b"#", b"1 2 3 4 5", b"2", b"01", b"\t", b"\x0b", b"\x0c", b"ffffffffffffffff"]

        def mutate(lines, s):
            lines = list(lines)
            kind = rng.randrange(9)
            i = rng.randrange(2, len(lines))  # not the header
            toks = lines[i].split(b" ")
            if kind == 0:
                toks[rng.randrange(len(toks))] = rng.choice(noise)
                lines[i] = b" ".join(toks)
            elif kind == 1:
                p = rng.randrange(len(lines[i]) + 1)
                lines[i] = lines[i][:p] + bytes([rng.randrange(256)]) + lines[i][p:]
            elif kind == 2:
                lines[i] = lines[i] + b" " + rng.choice(noise)
            elif kind == 3:
                lines[i] = b" ".join(toks[:rng.randrange(len(toks))])
            elif kind == 4:  # a long line: below and above the cap
                n = rng.choice([MAX_LINE - 40, MAX_LINE + 1, 5 * MAX_LINE])
                lines[i] = lines[i] + b" #" + b"x" * n
            elif kind == 5:  # a header for another spec, or this one
                other = rng.choice(specs)
                lines.insert(i, b"# logmac vectors spec=" + info[other]["spec"].encode() + b" wa=1")
            elif kind == 6:
                lines[i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 40)))
            elif kind == 7:  # a flipped hex digit: a valid line whose ACC may now mismatch
                if len(toks) == 4 and toks[3]:
                    t = bytearray(toks[3])
                    t[-1] = ord(rng.choice("0123456789abcdef"))
                    toks[3] = bytes(t)
                lines[i] = b" ".join(toks)
            else:
                lines[i] = lines[i].replace(b" ", rng.choice([b"\t", b"  ", b" \r ", b"\x00"]))
            return lines

        cases = []
        for n in range(self.cases):
            s = rng.choice(specs)
            lines = base[s]
            for _ in range(rng.randint(1, 2)):
                lines = mutate(lines, s)
            cases.append((n, s, lines))
        counts = {"error": 0, "ok": 0, "mismatch": 0}

        def one(c):
            n, s, lines = c
            data = b"\n".join(lines) + b"\n"
            r = run([self.L, "eval", "--mac", s], stdin=data)
            kind, detail = expect(data.split(b"\n")[:-1], info[s])
            name = f"eval case {n} ({s})"
            if kind == "error":
                check_error(name, r, f"stdin:{detail}:")
                counts["error"] += 1
            else:
                check_basic(name, r, allowed=(0, 1) if detail else (0,))
                if r.rc == 1:
                    counts["mismatch"] += 1
                    for ln in r.err.decode().splitlines():
                        if not re.fullmatch(r"stdin:\d+: model [0-9a-f]+, file [0-9a-f]+|eval: \d+ of the checked lines differ "
                                            r"from the model( \(the first \d+ shown\))?", ln):
                            raise Failure(f"{name}: unexpected mismatch report line {ln!r}")
                else:
                    counts["ok"] += 1
                    if r.err:
                        raise Failure(f"{name}: exit 0 with a message {show(r.err)}")

        self.parallel(one, cases)
        print(f"eval: {len(cases)} fuzzed inputs ({counts['error']} rejected, {counts['ok']} accepted, "
              f"{counts['mismatch']} mismatches), seed {self.seed}")

    # ---------------------------------------------------------------------------------------- tables
    def group_tables(self):
        rng = random.Random(self.seed)
        base = open(os.path.join(self.src, "pwl/tables/lns_w12_f4_k16_p2.csv"), "rb").read()
        rows = [ln for ln in base.split(b"\n") if ln and not ln.startswith(b"#")]
        header, data = rows[0], rows[1:]
        t = self.tmp
        fixed = {
            "empty": (b"", "no segments"),
            "header only": (header + b"\n", "no segments"),
            "no header": (b"\n".join(data) + b"\n", "header"),
            "plus only": (b"\n".join([header] + [r for r in data if r.startswith(b"plus")]) + b"\n", "both plus and minus"),
            "bad fn": (header + b"\nplux,0,10,1,4\nminus,0,10,1,-4\n", "fn must be"),
            "short row": (header + b"\nplus,0,10\n", "columns"),
            "float bp": (header + b"\nplus,0,1.5,1,4\nminus,0,10,1,-4\n", "integer"),
            "hex bp": (header + b"\nplus,0,0x10,1,4\nminus,0,10,1,-4\n", "integer"),
            "leading zero": (header + b"\nplus,0,010,1,4\nminus,0,10,1,-4\n", "integer"),
            "huge bp": (header + b"\nplus,0,99999999999999999999,1,4\nminus,0,10,1,-4\n", "upper_bp"),
            "negative bp": (header + b"\nplus,0,-5,1,4\nminus,0,10,1,-4\n", "upper_bp"),
            "bad shift": (header + b"\nplus,0,10,99,4\nminus,0,10,1,-4\n", "shift"),
            "shift garbage": (header + b"\nplus,0,10,1*2,4\nminus,0,10,1,-4\n", "shift"),
            "nul byte": (header + b"\nplus,0,1\x000,1,4\nminus,0,10,1,-4\n", "NUL"),
            "long line": (header + b"\n#" + b"x" * 100000 + b"\n" + b"\n".join(data) + b"\n", "longer than"),
            "binary": (bytes(rng.randrange(256) for _ in range(3000)), None),
            "4000 segments": (header + b"\n" + b"".join(b"plus,%d,%d,3,40\nminus,%d,%d,3,-40\n" % (i, i, i, i)
                                                       for i in range(4000)), "64"),
            "65 segments": (header + b"\n" + b"".join(b"plus,%d,%d,3,40\nminus,%d,%d,3,-40\n" % (i, i, i, i)
                                                     for i in range(65)), "64"),
            "too big": (b"#" + b"y" * 79 + b"\n" + (b"#" + b"z" * 99 + b"\n") * 20000 + base, "bytes"),
        }
        ok_variants = {
            "crlf": base.replace(b"\n", b"\r\n"),
            "spaces around cells": base.replace(b",", b" , "),
            "64 segments": header + b"\n" + b"".join(b"plus,%d,%d,3,40\nminus,%d,%d,3,-40\n" % (i, i, i, i)
                                                      for i in range(64)),
        }
        n = 0

        def spec_of(path):
            return f"lns:w=12,f=4,delta=pwl:{path}"

        for name, (text, needle) in fixed.items():
            p = os.path.join(t, f"tab{n}.csv")
            n += 1
            open(p, "wb").write(text)
            r = run([self.L, "spec", spec_of(p)], timeout=10)
            self.case(lambda: check_error(f"table {name}", r, *([needle] if needle else [])))
            self.case(lambda: r.seconds < 5 or (_ for _ in ()).throw(Failure(f"table {name}: took {r.seconds:.1f} s")))
        for name, text in ok_variants.items():
            p = os.path.join(t, f"tab{n}.csv")
            n += 1
            open(p, "wb").write(text)
            r = run([self.L, "spec", spec_of(p)])
            self.case(lambda: check_basic(f"table {name} (valid)", r, allowed=(0,)))
        # Random byte edits of a valid table: any outcome the contract allows, quickly.
        cases = []
        for i in range(self.cases):
            b = bytearray(base)
            for _ in range(rng.randint(1, 4)):
                op = rng.randrange(3)
                p = rng.randrange(len(b))
                if op == 0:
                    b[p] = rng.randrange(256)
                elif op == 1:
                    del b[p:p + rng.randint(1, 8)]
                else:
                    b[p:p] = rng.choice([b",", b"\n", b"-", b"9" * 25, b"+", b" ", b"\x00", b"#"])
            p = os.path.join(t, f"rnd{i}.csv")
            open(p, "wb").write(bytes(b))
            cases.append((i, p))

        def one(c):
            i, p = c
            r = run([self.L, "spec", spec_of(p)])
            check_contract(f"table edit {i}", r)
            if r.seconds > 5:
                raise Failure(f"table edit {i}: took {r.seconds:.1f} s")

        self.parallel(one, cases)
        print(f"tables: {len(fixed)} malformed tables rejected, {len(ok_variants)} valid variants accepted, "
              f"{len(cases)} random edits, seed {self.seed}")

    # --------------------------------------------------------------------------------------- liberty
    def group_liberty(self):
        lib_path = "/usr/share/qflow/tech/osu018/osu018_stdcells.lib"
        if run([self.L, "synth", "--help"]).rc != 0 or not os.path.exists(lib_path):
            print("SKIP liberty: logmac was built without the synthesis flow or the osu018 library is missing")
            sys.exit(77)
        rng = random.Random(self.seed)
        base = open(lib_path, "rb").read()
        nowork = os.path.join(self.tmp, "no-such-workload.txt")

        def synth(path):  # a library the reader accepts ends at the (missing) workload instead: no tool runs
            return run([self.L, "synth", "--mac", "fxp:w=4", "--liberty", path, "--workload", nowork, "--no-cache"])

        def sub(old, new, count=1):
            assert old in base, old
            return base.replace(old, new, count)

        fixed = {
            "nul byte": (base[:5000] + b"\x00" + base[5000:], "NUL"),
            "control byte": (base[:5000] + b"\x01" + base[5000:], "control"),
            "negative capacitance": (re.sub(rb"capacitance : [0-9.]+", b"capacitance : -0.01", base, count=1),
                                     "capacitance"),
            "negative area": (re.sub(rb"area : [0-9.]+", b"area : -32", base, count=1), "area"),
            "nan leakage": (re.sub(rb"cell_leakage_power : [0-9.]+", b"cell_leakage_power : nan", base, count=1),
                            "not a number"),
            "negative leakage": (re.sub(rb"cell_leakage_power : [0-9.]+", b"cell_leakage_power : -1", base, count=1),
                                 "leakage"),
            "negative index": (re.sub(rb"index_1 \(\"[0-9.]+", b'index_1 ("-0.5', base, count=1), "index"),
            "inf voltage": (re.sub(rb"nom_voltage : [0-9.]+", b"nom_voltage : inf", base, count=1), "number"),
            "zero time unit": (sub(b'time_unit : "1ns"', b'time_unit : "0ns"'), "time_unit"),
            "empty": (b"", "library"),
            "truncated": (base[: len(base) // 2], None),
            "binary": (bytes(rng.randrange(256) for _ in range(4096)), None),
        }
        n = 0
        for name, (text, needle) in fixed.items():
            p = os.path.join(self.tmp, f"lib{n}.lib")
            n += 1
            open(p, "wb").write(text)
            r = synth(p)
            self.case(lambda: check_error(f"liberty {name}", r, "liberty", *([needle] if needle else [])))
        # The unmodified library is accepted (the run then stops at the missing workload).
        r = synth(lib_path)
        self.case(lambda: check_error("liberty osu018 (valid)", r, "workload"))
        cases = []
        last = base.rfind(b"}")
        for i in range(self.cases):
            kind = rng.randrange(3)
            if kind == 0:
                text = base[: rng.randrange(last)]  # truncated anywhere before the closing brace: never valid
            elif kind == 1:
                b = bytearray(base)
                for _ in range(rng.randint(1, 3)):
                    b[rng.randrange(len(b))] = rng.randrange(256)
                text = bytes(b)
            else:
                p = rng.randrange(len(base))
                text = base[:p] + rng.choice([b"{", b"}", b"(", b"\"", b";", b"/*", b"-", b"e999"]) + base[p:]
            p = os.path.join(self.tmp, f"rnd{i}.lib")
            open(p, "wb").write(text)
            cases.append((i, kind, p))

        def one(c):
            i, kind, p = c
            r = synth(p)
            if kind == 0:
                check_error(f"liberty truncated {i}", r, "liberty")
            else:  # an edit may keep the file valid: then the missing workload is the error
                check_error(f"liberty edit {i}", r)
            os.unlink(p)

        self.parallel(one, cases)
        print(f"liberty: {len(fixed)} malformed libraries rejected, {len(cases)} random truncations and edits, "
              f"seed {self.seed}")

    # ---------------------------------------------------------------------------------------- inputs
    def group_inputs(self):
        t = self.tmp
        fifo = os.path.join(t, "fifo")
        os.mkfifo(fifo)
        d = os.path.join(t, "dir.csv")
        os.mkdir(d)
        has_synth = run([self.L, "synth", "--help"]).rc == 0
        for path, needle in [("/dev/zero", "not a regular file"), (d, "is a directory"), (fifo, "not a regular file"),
                             ("/nonexistent/t.csv", "No such file")]:
            r = run([self.L, "spec", f"lns:w=12,f=4,delta=pwl:{path}"], timeout=10)
            self.case(check_error, f"table {path}", r, needle)
            if has_synth:
                r = run([self.L, "synth", "--mac", "fxp:w=4", "--liberty", path, "--workload", "/nonexistent/w.txt",
                         "--no-cache"], timeout=10)
                self.case(check_error, f"liberty {path}", r, "liberty", needle)
        if has_synth:
            r = run([self.L, "synth", "--mac", "fxp:w=4", "--workload", "/dev/zero", "--no-cache"], timeout=10)
            self.case(check_error, "synth --workload /dev/zero", r, "workload")
        # eval on stdin: a directory, endless zeros (bounded time and memory), endless newlines (fine, empty).
        r = run([self.L, "eval", "--mac", "fxp:w=4"], stdin_file=t)
        self.case(check_error, "eval < directory", r, "cannot read stdin", "Is a directory")
        sanitized = os.environ.get("LOGMAC_FAULTS_SANITIZED") == "1"  # ASan maps terabytes: no address-space limit
        r = run([self.L, "eval", "--mac", "fxp:w=4"], stdin_file="/dev/zero", timeout=10,
                mem_limit=None if sanitized else 1 << 30)
        self.case(check_error, "eval < /dev/zero", r, "stdin:1:", "longer than")
        self.case(lambda: r.seconds < 5 or (_ for _ in ()).throw(Failure(f"eval < /dev/zero took {r.seconds:.1f} s")))
        r = run([self.L, "eval", "--mac", "fxp:w=4"], stdin=b"\n" * 1000000 + b"1 3 3\n")  # 3/8 * 3/8
        self.case(lambda: check_basic("eval of blank lines", r, allowed=(0,)) or (
            r.out.split() == [b"00009", b"0.140625"] or
            (_ for _ in ()).throw(Failure(f"eval of blank lines printed {show(r.out)}"))))
        # A vector file for another spec (item 8): refused with one line naming both.
        v = os.path.join(t, "v.txt")
        run([self.L, "vectors", "--mac", "lns:w=16,f=8", "--random", "2000", "-o", v])
        r = run([self.L, "eval", "--mac", "lns:w=16,f=7"], stdin_file=v)
        self.case(check_error, "eval of another spec's vectors", r, "f=8", "f=7", "stdin:1:")
        r = run([self.L, "eval", "--mac", "lns:w=16,f=8"], stdin_file=v)
        self.case(check_basic, "eval of its own vectors", r, (0,))
        # Stray positional arguments: every command refuses them (before doing any work).
        for cmd in (["eval", "--mac", "fxp:w=4"], ["vectors", "--mac", "fxp:w=4", "--random", "3"],
                    ["bench", "--mac", "fxp:w=4", "--dots", "1", "--reps", "1"], ["accuracy", "--count", "1"],
                    ["spec", "fxp:w=4"], ["rtl", "--mac", "fxp:w=4", "-o", os.path.join(t, "rtl")],
                    ["cosim", "--mac", "fxp:w=4", "--random", "3"], ["pwl", "--w", "8", "--f", "2", "--segments", "2",
                                                                     "-o", os.path.join(t, "p.csv")],
                    ["synth", "--mac", "fxp:w=4"], ["compare", "-o", os.path.join(t, "cmp")]):
            r = run([self.L] + cmd + ["stray"], stdin=b"", timeout=20)
            self.case(check_error, f"{cmd[0]} with a stray argument", r, "unexpected argument 'stray'")
        print(f"inputs: {self.ran} cases (non-regular tables, liberty files and stdin; foreign vector headers; "
              f"stray arguments)")

    # ---------------------------------------------------------------------------------------- writes
    def expect_write_failure(self, name, r, final, dirpath):
        check_error(name, r)
        if final and os.path.exists(final) and os.path.isfile(final):
            raise Failure(f"{name}: {final} exists after a failed write")
        if dirpath:
            litter = [f for f in os.listdir(dirpath) if ".tmp" in f]
            if litter:
                raise Failure(f"{name}: temporary files left behind: {litter}")

    def write_cases(self, full_file, target_dir=None):
        """Every command's writes onto `full_file` (as stdout) and, if given, into the full `target_dir`."""
        L = self.L
        v = os.path.join(self.tmp, "in.txt")
        run([L, "vectors", "--mac", "fxp:w=6", "--random", "50000", "-o", v])
        stdout_cmds = {
            "spec": [L, "spec", "lns:w=16,f=8"],
            "spec --list": [L, "spec", "--list"],
            "--help": [L, "--help"],
            "eval --help": [L, "eval", "--help"],
            "vectors": [L, "vectors", "--mac", "fxp:w=6", "--random", "50000"],
            "accuracy": [L, "accuracy", "--mac", "fxp:w=8", "--count", "10"],
            "bench": [L, "bench", "--mac", "fxp:w=8", "--dots", "1", "--reps", "1"],
            "rtl paths": [L, "rtl", "--mac", "fxp:w=4", "-o", os.path.join(self.tmp, "rtl-ok")],
        }
        for name, cmd in stdout_cmds.items():
            r = run(cmd, stdout_file=full_file)
            self.case(self.expect_write_failure, f"{name} > {full_file}", r, None, None)
        r = run([L, "eval", "--mac", "fxp:w=6"], stdin_file=v, stdout_file=full_file)
        self.case(self.expect_write_failure, f"eval > {full_file}", r, None, None)
        if not target_dir:
            return
        files = {
            "vectors -o": lambda p: [L, "vectors", "--mac", "fxp:w=6", "--random", "100000", "-o", p],
            "accuracy --csv": lambda p: [L, "accuracy", "--mac", "fxp:w=8", "--count", "10", "--csv", p],
        }
        for name, cmd in files.items():
            p = os.path.join(target_dir, "out.txt")
            r = run(cmd(p), stdout_file="/dev/null")
            self.case(self.expect_write_failure, f"{name} {p}", r, p, target_dir)
        r = run([L, "rtl", "--mac", "lns:w=16,f=8,delta=exact", "-o", target_dir], stdout_file="/dev/null")
        self.case(self.expect_write_failure, f"rtl -o {target_dir}", r, None, target_dir)
        written = [f for f in os.listdir(target_dir) if f.endswith(".v")]
        self.case(lambda: not written or (_ for _ in ()).throw(Failure(f"rtl -o {target_dir}: left {written}")))

    def device(self, name, minor, works):
        """A private node of /dev/NAME for -o targets when we may make one, so that a writer that wrongly
        renames over its target (as logmac did before issue 10, as root: `vectors -o /dev/null` replaced
        /dev/null by a regular file) replaces that node and not the system's device. Else /dev/NAME."""
        if os.geteuid() == 0:
            node = os.path.join(self.tmp, name)
            try:
                os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
                fd = os.open(node, os.O_WRONLY)
                try:
                    if works(fd):
                        return node
                finally:
                    os.close(fd)
            except OSError:
                pass
        return "/dev/" + name

    def full_device(self):
        def fails(fd):
            try:
                os.write(fd, b"x")
            except OSError as e:
                return e.errno == 28  # ENOSPC: a working full device (not on a nodev mount)
            return False
        return self.device("full", 7, fails)

    def null_device(self):
        return self.device("null", 3, lambda fd: os.write(fd, b"x") == 1)

    def group_writes(self):
        L, t = self.L, self.tmp
        full = self.full_device()
        # A full device as stdout and as a named output.
        self.write_cases(full)
        for name, cmd in {"vectors -o FULL": [L, "vectors", "--mac", "fxp:w=6", "--random", "1000", "-o", full],
                          "accuracy --csv FULL": [L, "accuracy", "--mac", "fxp:w=8", "--count", "5", "--csv", full]}.items():
            r = run(cmd, stdout_file="/dev/null")
            self.case(check_error, f"{name} ({full})", r, full)
            self.case(lambda: stat.S_ISCHR(os.stat(full).st_mode) or
                      (_ for _ in ()).throw(Failure(f"{name}: {full} is no longer a device (replaced by a rename)")))
        # A mismatch (1) and lost output together: the lost output wins (2), and is said.
        r = run([L, "eval", "--mac", "fxp:w=4"], stdin=b"0 3 3 0\n0 1 1 55\n", stdout_file=full)
        self.case(lambda: check_basic("eval with mismatches > FULL", r, (2,)) or
                  r.err.rstrip(b"\n").split(b"\n")[-1].startswith(b"logmac: cannot write to standard output") or
                  (_ for _ in ()).throw(Failure(f"eval with mismatches > {full}: {show(r.err)}")))
        # Named outputs that cannot be files: a directory, a missing directory.
        r = run([L, "vectors", "--mac", "fxp:w=4", "--random", "5", "-o", t])
        self.case(check_error, "vectors -o DIR", r, "Is a directory")
        r = run([L, "vectors", "--mac", "fxp:w=4", "--random", "5", "-o", "/nonexistent/v.txt"])
        self.case(check_error, "vectors -o missing dir", r, "/nonexistent/v.txt")
        # Devices that are not regular files are written in place: a null device works and stays a device.
        null = self.null_device()
        r = run([L, "vectors", "--mac", "fxp:w=4", "--random", "5", "-o", null])
        self.case(check_basic, f"vectors -o {null}", r, (0,))
        self.case(lambda: stat.S_ISCHR(os.stat(null).st_mode) or
                  (_ for _ in ()).throw(Failure(f"vectors -o {null}: no longer a device (replaced by a rename)")))
        # A closed pipe (`| head -1`): quiet exit 0, nothing on stderr.
        for name, cmd in {"vectors | head": f"'{L}' vectors --mac fxp:w=8 --random 10000000 | head -1",
                          "spec --list | head": f"'{L}' spec --list | head -1",
                          "eval | head": f"'{L}' vectors --mac fxp:w=8 --random 200000 -o {t}/big.txt && "
                                         f"'{L}' eval --mac fxp:w=8 < {t}/big.txt | head -1"}.items():
            p = subprocess.run(["bash", "-c", "set -o pipefail; " + cmd + "; echo \"status=${PIPESTATUS[0]}\" >&2"],
                               capture_output=True, timeout=CASE_TIMEOUT)
            err = p.stderr.decode(errors="replace").strip()
            self.case(lambda: err == "status=0" or (_ for _ in ()).throw(Failure(f"{name}: stderr/status {err!r}")))
        print(f"writes: {self.ran} cases (a full device as stdout and as -o/--csv, directories, closed pipes)")

    def group_tmpfs(self):
        mnt = os.path.join(self.tmp, "mnt")
        os.mkdir(mnt)
        if os.environ.get("LOGMAC_FAULTS_IN_NS") != "1":
            mounted = os.geteuid() == 0 and subprocess.run(
                ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt], capture_output=True).returncode == 0
            if not mounted:
                # Without root: a private user + mount namespace, if the kernel allows it.
                if shutil.which("unshare") and subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode == 0:
                    env = dict(os.environ, LOGMAC_FAULTS_IN_NS="1")
                    os.rmdir(mnt)
                    return subprocess.run(["unshare", "-rm", sys.executable] + sys.argv, env=env).returncode or "passed"
                print("SKIP tmpfs: cannot mount a tmpfs here (needs root or unprivileged user namespaces); "
                      "the /dev/full cases of the 'writes' group still ran")
                return 77
        else:
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt], check=True)
        try:
            # Fill the file system, then every write into it must fail cleanly.
            fd = os.open(os.path.join(mnt, "filler"), os.O_WRONLY | os.O_CREAT)
            try:
                while True:
                    os.write(fd, b"x" * 4096)
            except OSError:
                pass
            os.close(fd)
            self.write_cases(os.path.join(mnt, "stdout.txt"), mnt)
            # A VCD onto the full file system (Verilator's writer used to deadlock there): an error, no hang.
            # Not in the sanitized build: its harness libraries cannot link into the (unsanitized) simulator.
            trace = os.path.join(mnt, "t.vcd")
            if os.environ.get("LOGMAC_FAULTS_SANITIZED") == "1":
                print("tmpfs: cosim --trace-file case skipped in the sanitized build (its simulator cannot link)")
            else:
                r = run([self.L, "cosim", "--mac", "fxp:w=4", "--rtl", self.broken_rtl("fxp:w=4"), "--random", "200",
                         "--engine", "lean", "--cache", os.path.join(self.tmp, "cosim-cache"), "--trace", "--trace-file",
                         trace], timeout=240)
                self.case(check_basic, "cosim --trace-file on the full tmpfs", r, (2,))
                self.case(lambda: b"the trace could not be written" in r.err and not os.path.exists(trace) and not [
                    f for f in os.listdir(mnt) if ".tmp" in f] or
                    (_ for _ in ()).throw(Failure(f"cosim --trace-file on the full tmpfs: {show(r.err)}, "
                                                  f"files {os.listdir(mnt)}")))
            # compare's reports and pwl's table onto the full file system: exit 2 (lost output), nothing left.
            out = os.path.join(mnt, "cmp")
            r = run([self.L, "compare", "--mac", "fxp:w=4", "--sim", "zero", "--cache",
                     os.path.join(self.tmp, "synth-cache"), "-o", out], timeout=240)
            self.case(check_basic, "compare -o on the full tmpfs", r, (2,))
            self.case(lambda: r.err.rstrip(b"\n").split(b"\n")[-1].startswith(b"logmac: ") and not [
                f for d, _, fs in os.walk(mnt) for f in fs if ".tmp" in f] or
                (_ for _ in ()).throw(Failure(f"compare -o on the full tmpfs: {show(r.err[-300:])}")))
            p = os.path.join(mnt, "t.csv")
            r = run([self.L, "pwl", "--w", "8", "--f", "2", "--segments", "2", "--objective", "max", "--quiet",
                     "-o", p])
            self.case(self.expect_write_failure, "pwl -o on the full tmpfs", r, p, mnt)
            os.unlink(os.path.join(mnt, "filler"))
            # An almost empty 64 KiB file system: a 2 MB vector file does not fit, a small one does.
            p = os.path.join(mnt, "v.txt")
            r = run([self.L, "vectors", "--mac", "fxp:w=6", "--random", "100000", "-o", p])
            self.case(self.expect_write_failure, "vectors -o onto a 64 KiB tmpfs", r, p, mnt)
            r = run([self.L, "vectors", "--mac", "fxp:w=6", "--random", "100", "-o", p])
            self.case(check_basic, "small vectors -o onto the tmpfs", r, (0,))
            self.case(lambda: os.path.getsize(p) > 1000 or (_ for _ in ()).throw(Failure("small vector file empty")))
        finally:
            subprocess.run(["umount", mnt])
        print(f"tmpfs: {self.ran} cases on a full 64 KiB tmpfs")

    # -------------------------------------------------------------------------------------- children
    def fake_tool(self, bindir, name, body):
        os.makedirs(bindir, exist_ok=True)
        path = os.path.join(bindir, name)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n" + body)
        os.chmod(path, 0o755)

    def check_tool_failure(self, name, r, *needles, limit_s=None):
        """Exit 1 (a tool failed), the first line of the error names the tool; no hang beyond the limit."""
        check_basic(name, r, (1,))
        lines = [ln for ln in r.err.split(b"\n") if ln.startswith(b"logmac: ")]
        if not lines:
            raise Failure(f"{name}: no 'logmac: ' error line: {show(r.err)}")
        for n in needles:
            if n.encode() not in lines[0]:
                raise Failure(f"{name}: the error line does not name {n!r}: {show(lines[0])}")
        if limit_s is not None and r.seconds > limit_s + 15:
            raise Failure(f"{name}: took {r.seconds:.1f} s with a time limit of {limit_s} s")

    def no_survivors(self, name, marker):
        """No process whose command line holds `marker` (a fake tool's directory) is still running."""
        time.sleep(0.3)
        left = []
        for d in os.listdir("/proc"):
            if d.isdigit() and proc_state(int(d)) not in (None, "Z"):
                try:
                    cmd = open(f"/proc/{d}/cmdline", "rb").read()
                except OSError:
                    continue
                if marker.encode() in cmd:
                    left.append(f"{d}: {cmd.replace(chr(0).encode(), b' ')[:100]!r}")
        if left:
            raise Failure(f"{name}: processes survived: {left}")

    def group_children(self):
        """Child tools that fail or hang: exit 1 with the tool named, a time limit (LOGMAC_TIME_LIMIT here), no
        survivors; a trace that cannot be written is said to be one."""
        L, t = self.L, self.tmp
        failing, hanging = os.path.join(t, "failing-bin"), os.path.join(t, "hanging-bin")
        self.fake_tool(failing, "yosys", 'if [ "$1" = "-V" ]; then echo "Yosys 0.0 (fake, failing)"; exit 0; fi\n'
                                         'echo "fake yosys: failing on purpose" >&2\nexit 3\n')
        self.fake_tool(failing, "gnuplot", 'echo "fake gnuplot: failing on purpose" >&2\nexit 4\n')
        self.fake_tool(hanging, "yosys", 'if [ "$1" = "-V" ]; then echo "Yosys 0.0 (fake, hanging)"; exit 0; fi\n'
                                         f'sleep 600 # {hanging}\n')
        env_fail = dict(os.environ, PATH=failing + ":" + os.environ["PATH"], LOGMAC_CACHE_DIR=os.path.join(t, "c1"))
        env_hang = dict(os.environ, PATH=hanging + ":" + os.environ["PATH"], LOGMAC_CACHE_DIR=os.path.join(t, "c2"),
                        LOGMAC_TIME_LIMIT="2")

        def run_env(cmd, env, timeout=240):
            old = dict(os.environ)
            os.environ.clear()
            os.environ.update(env)
            try:
                return run(cmd, timeout=timeout)
            finally:
                os.environ.clear()
                os.environ.update(old)

        r = run_env([L, "synth", "--mac", "fxp:w=4", "--sim", "zero"], env_fail)
        self.case(self.check_tool_failure, "synth with a failing yosys", r, "yosys", "exit status 3")
        r = run_env([L, "compare", "--mac", "fxp:w=4", "--sim", "zero", "-o", os.path.join(t, "cmp1")], env_fail)
        self.case(self.check_tool_failure, "compare with a failing yosys", r, "yosys")
        r = run_env([L, "pwl", "--report", "--report-formats", "8/2", "--report-segments", "2", "--report-objectives",
                     "max", "--area", "--quiet"], env_fail)
        self.case(self.check_tool_failure, "pwl --report --area with a failing yosys (not 2: no bad input)", r, "yosys")
        # gnuplot failing after a real synthesis: the tables are written, the plot failure is exit 1.
        env_plot = dict(env_fail, PATH=os.path.join(t, "gnuplot-only") + ":" + os.environ["PATH"])
        self.fake_tool(os.path.join(t, "gnuplot-only"), "gnuplot", 'echo "fake gnuplot: failing" >&2\nexit 4\n')
        out = os.path.join(t, "cmp2")
        r = run_env([L, "compare", "--mac", "fxp:w=4", "--sim", "zero", "-o", out], env_plot)
        self.case(self.check_tool_failure, "compare with a failing gnuplot", r, "plot", "gnuplot")
        self.case(lambda: os.path.exists(os.path.join(out, "compare.csv")) and not os.path.exists(
            os.path.join(out, "compare.png")) and not [f for f in os.listdir(out) if ".tmp" in f] or
            (_ for _ in ()).throw(Failure(f"compare with a failing gnuplot: files {sorted(os.listdir(out))}")))
        r = run_env([L, "pwl", "--report", "--report-formats", "8/2", "--report-segments", "2", "--report-objectives",
                     "max", "--quiet", "--report-plot", os.path.join(t, "p.png")], env_plot)
        self.case(self.check_tool_failure, "pwl --report-plot with a failing gnuplot", r, "gnuplot")

        # A hanging tool is stopped at the time limit, with everything it started.
        r = run_env([L, "synth", "--mac", "fxp:w=4", "--sim", "zero"], env_hang, timeout=60)
        self.case(lambda: self.check_tool_failure("synth with a hanging yosys", r, "yosys", "time limit", limit_s=2))
        self.case(self.no_survivors, "synth with a hanging yosys", hanging)

        # A cached simulator that hangs (its entry record forged to match): stopped at the time limit, exit 1.
        cache = os.path.join(t, "cosim-cache")
        cosim = [L, "cosim", "--mac", "fxp:w=4", "--random", "50", "--engine", "lean", "--cache", cache]
        r = run(cosim, timeout=240)
        self.case(check_basic, "cosim build", r, (0,))
        if r.rc == 0:
            entry = self.cosim_entry(cache)
            sim = os.path.join(entry, "sim")
            with open(sim, "w") as f:
                f.write(f"#!/bin/sh\nsleep 600 # {entry}\n")
            data = open(sim, "rb").read()
            with open(os.path.join(entry, "entry.txt"), "w") as f:
                f.write(f"logmac-cosim-entry 1\nsim {len(data)} {fnv1a64(data):016x}\n")
            r = run_env(cosim, dict(os.environ, LOGMAC_TIME_LIMIT="2"), timeout=60)
            self.case(lambda: self.check_tool_failure("cosim with a hanging simulator", r, "time limit", "not a pass",
                                                      limit_s=2))
            self.case(self.no_survivors, "cosim with a hanging simulator", entry)

        # --trace onto a full device: an error that says the trace could not be written, never a hang.
        broken = self.broken_rtl("fxp:w=4")
        full = self.full_device()
        r = run([L, "cosim", "--mac", "fxp:w=4", "--rtl", broken, "--random", "200", "--engine", "lean", "--cache",
                 cache, "--trace", "--trace-file", full], timeout=240)
        self.case(check_basic, f"cosim --trace-file {full}", r, (2,))
        self.case(lambda: b"logmac: cosim: the trace could not be written" in r.err and b"No space" in r.err or
                  (_ for _ in ()).throw(Failure(f"cosim --trace-file {full}: {show(r.err)}")))
        print(f"children: {self.ran} cases (failing and hanging yosys, gnuplot and simulator; trace onto {full})")

    def broken_rtl(self, spec):
        """The generated RTL of spec with its first ' + ' (outside comments) turned into ' - ': it mismatches."""
        gen = os.path.join(self.tmp, "gen-" + re.sub(r"\W", "_", spec))
        os.makedirs(gen, exist_ok=True)
        r = run([self.L, "rtl", "--mac", spec, "-o", "."], cwd=gen)
        if r.rc != 0:
            raise RuntimeError(f"rtl {spec}: {r.err!r}")
        src = [f for f in os.listdir(gen) if f.endswith(".v")][0]
        lines = open(os.path.join(gen, src)).read().split("\n")
        for i, ln in enumerate(lines):
            if " + " in ln and not ln.lstrip().startswith("//"):
                lines[i] = ln.replace(" + ", " - ", 1)
                break
        path = os.path.join(self.tmp, "broken-" + src)
        with open(path, "w") as f:
            f.write("\n".join(lines))
        return path

    # ---------------------------------------------------------------------------------------- caches
    def cosim_entry(self, cache):
        entries = [os.path.join(cache, d) for d in os.listdir(cache)
                   if os.path.isdir(os.path.join(cache, d)) and re.search(r"-[0-9a-f]{32}$", d)]
        if len(entries) != 1:
            raise Failure(f"cosim cache {cache}: expected one entry, found {sorted(os.listdir(cache))}")
        return entries[0]

    def group_caches(self):
        """Corrupted cache entries of both caches are detected and rebuilt (never trusted, never fatal); stale
        temporaries of dead processes are removed by the next run, those of live ones kept."""
        L, t = self.L, self.tmp
        spec, vectors = "fxp:w=4", 300
        cache = os.path.join(t, "cosim-cache")
        cosim = [L, "cosim", "--mac", spec, "--random", str(vectors), "--engine", "lean", "--cache", cache]
        pass_re = re.compile(rf"^PASS \S+: {vectors} vectors ".encode(), re.M)

        def cosim_passes(name, rebuilt):
            r = run(cosim, timeout=240)
            check_basic(name, r, (0,))
            if not pass_re.search(r.out):
                raise Failure(f"{name}: exit 0 without a PASS line for {vectors} vectors: {show(r.out)}")
            if rebuilt and b"cosim: built " not in r.err:
                raise Failure(f"{name}: the broken entry was not rebuilt: {show(r.err, 600)}")
            sim = os.path.join(self.cosim_entry(cache), "sim")
            if not os.access(sim, os.X_OK) or os.path.getsize(sim) < 10000:
                raise Failure(f"{name}: the entry's simulator is not a built binary afterwards")

        self.case(cosim_passes, "cosim: first build", True)
        dead = dead_pid()

        def corrupt(how):
            sim = os.path.join(self.cosim_entry(cache), "sim")
            if how == "empty":
                open(sim, "wb").close()
            elif how == "half-written":
                size = os.path.getsize(sim)
                os.truncate(sim, size // 2)
            elif how == "deleted":
                os.unlink(sim)
            elif how == "not executable":
                os.chmod(sim, 0o644)
            elif how == "a program that passes without a record (entry record forged)":
                # Matches its (forged) entry record, so only the missing evidence can reveal it.
                with open(sim, "w") as f:
                    f.write("#!/bin/sh\necho PASS\nexit 0\n")
                data = open(sim, "rb").read()
                with open(os.path.join(os.path.dirname(sim), "entry.txt"), "w") as f:
                    f.write(f"logmac-cosim-entry 1\nsim {len(data)} {fnv1a64(data):016x}\n")
            elif how == "stale temporaries":
                for d in (f"x.tmp-{dead}", f"run-{dead}-123", f"y.tmp-{dead}-0", f"run-{os.getpid()}-7"):
                    os.makedirs(os.path.join(cache, d, "obj"))

        for how in ("empty", "half-written", "deleted", "not executable",
                    "a program that passes without a record (entry record forged)", "stale temporaries"):
            def one(how=how):
                try:
                    corrupt(how)
                except OSError as e:  # the previous case left no usable entry
                    raise Failure(f"cosim cache: {how}: cannot corrupt the entry ({e}): the last case did not repair it")
                cosim_passes(f"cosim cache: {how}", how != "stale temporaries")
            self.case(one)
        left = sorted(d for d in os.listdir(cache) if ".tmp" in d or d.startswith("run-"))
        self.case(lambda: left == [f"run-{os.getpid()}-7"] or
                  (_ for _ in ()).throw(Failure(f"cosim cache: temporaries left {left} (only the live process's "
                                                f"run-{os.getpid()}-7 should stay)")))

        # The synthesis cache: truncated or edited records are a miss, recomputed, never reported.
        scache = os.path.join(t, "synth-cache")
        synth = [L, "synth", "--mac", spec, "--sim", "zero", "--cache", scache]

        def report(r):
            return b"\n".join(ln for ln in r.out.split(b"\n") if not ln.startswith(b"files "))

        r0 = run(synth, timeout=240)
        self.case(check_basic, "synth: first run", r0, (0,))
        if r0.rc != 0:
            return
        entry = [os.path.join(scache, d) for d in os.listdir(scache) if re.search(r"-[0-9a-f]{32}$", d)][0]
        record = os.path.join(entry, "result.txt")
        good = open(record, "rb").read()

        def with_checksum(body):
            return body + f"checksum {hasher_hex(body)}\n".encode()

        body = good[:good.index(b"checksum ")]
        if with_checksum(body) != good:
            raise RuntimeError("faults.py's checksum of result.txt differs from logmac's (hasher_hex is stale)")

        def edit(key, value):
            return re.sub(rb"^" + key + rb" .*$", key + b" " + value, body, count=1, flags=re.M)

        # (More edits, each field's parse and the re-sealed cases: logmac_unit_tests.synth_steps; each one here
        # costs a synthesis.)
        edits = {
            "cut short": good[:-25],
            "area 1 (checksum kept)": edit(b"area_um2", b"1") + good[len(body):],
            "energy nan (checksum recomputed)": with_checksum(edit(b"energy_pj_per_mac", b"nan")),
            "a field missing (checksum recomputed)": with_checksum(re.sub(rb"^cells .*\n", b"", body, flags=re.M)),
            "cell types dropped (checksum recomputed)": with_checksum(re.sub(rb"^cell .*\n", b"", body, flags=re.M)),
            "empty": b"",
        }

        def recomputed(name, text):
            with open(record, "wb") as f:
                f.write(text)
            r = run(synth, timeout=240)
            check_basic(name, r, (0,))
            if b"unusable" not in r.err:
                raise Failure(f"{name}: the record was used (no 'unusable ... running again' note): {show(r.err)}")
            if report(r) != report(r0):
                raise Failure(f"{name}: the report differs from the first run's:\n{show(report(r), 2000)}\n"
                              f"vs\n{show(report(r0), 2000)}")
            again = open(record, "rb").read()
            if again[:again.index(b"elapsed_s ")] != good[:good.index(b"elapsed_s ")]:
                raise Failure(f"{name}: the rewritten record differs from the first one")

        for name, text in edits.items():
            self.case(recomputed, f"synth cache: {name}", text)
        for d in (f"m.tmp-{dead}-0", f"m.tmp-{os.getpid()}-0"):
            os.makedirs(os.path.join(scache, d, "rtl"))
        r = run(synth, timeout=240)
        self.case(check_basic, "synth cache: hit with stale temporaries", r, (0,))
        left = sorted(d for d in os.listdir(scache) if ".tmp" in d)
        self.case(lambda: left == [f"m.tmp-{os.getpid()}-0"] or
                  (_ for _ in ()).throw(Failure(f"synth cache: temporaries left {left}")))
        print(f"caches: {self.ran} cases (cosim entries emptied, cut, deleted, not executable, forged; synth records "
              f"cut and edited; stale temporaries)")

    # ------------------------------------------------------------------------------------- interrupt
    def interrupt_run(self, name, cmd, cache, tools):
        """Starts cmd, sends SIGINT once one of `tools` runs below it; checks that logmac ends by the signal
        within the grace period, that none of its descendants survives, and that the cache holds no litter."""
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        seen = {}  # pid -> (start time, name) of every descendant observed
        t0, sent = time.monotonic(), None
        while p.poll() is None and time.monotonic() - t0 < 240:
            for pid, (start, comm) in descendants(p.pid).items():
                seen[pid] = (start, comm)
            if sent is None and any(comm in tools for _, comm in seen.values()):
                p.send_signal(2)
                sent = time.monotonic()
            if sent is not None and time.monotonic() - sent > 10:
                break
            time.sleep(0.005)
        if sent is None:
            p.kill()
            p.wait()
            raise Failure(f"{name}: no {'/'.join(tools)} process seen (the run ended first, exit {p.returncode})")
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            raise Failure(f"{name}: logmac still running 10 s after SIGINT")
        ended = time.monotonic() - sent
        err = p.stderr.read()
        p.stderr.close()
        if p.returncode != -2:
            raise Failure(f"{name}: exit {p.returncode} after SIGINT, expected death by SIGINT: {show(err)}")
        time.sleep(0.5)
        alive = [f"{pid} ({comm})" for pid, (start, comm) in seen.items() if proc_start(pid) == start]
        if alive:
            raise Failure(f"{name}: children alive 0.5 s after logmac ended: {alive}")
        litter = [os.path.relpath(os.path.join(d, f), cache) for d, dirs, files in os.walk(cache)
                  for f in dirs + files if ".tmp" in f or re.match(r"run-\d+-", f)]
        if litter:
            raise Failure(f"{name}: temporaries left in the cache: {litter}")
        return ended, sorted({comm for _, comm in seen.values()})

    def group_interrupt(self):
        """SIGINT to a running synth and a running (uncached) cosim: children gone, no litter, and a clean rerun
        gives what an uninterrupted run gives."""
        L, t = self.L, self.tmp

        def report(out):
            return b"\n".join(ln for ln in out.split(b"\n") if not ln.startswith(b"files "))

        def synth_case():
            ref = run([L, "synth", "--mac", "fxp:w=8", "--sim", "zero", "--cache", os.path.join(t, "sref")], timeout=240)
            check_basic("synth reference run", ref, (0,))
            cache = os.path.join(t, "sint")
            cmd = [L, "synth", "--mac", "fxp:w=8", "--sim", "zero", "--cache", cache]
            ended, names = self.interrupt_run("synth SIGINT", cmd, cache, {"yosys", "yosys-abc", "sta"})
            again = run(cmd, timeout=240)
            check_basic("synth rerun after SIGINT", again, (0,))
            if report(again.out) != report(ref.out):
                raise Failure(f"synth rerun after SIGINT differs from the uninterrupted run:\n{show(again.out, 3000)}")
            print(f"  synth: ended {ended:.2f} s after SIGINT (children seen: {', '.join(names)})")

        def cosim_case():
            spec = "lns:w=10,f=3"
            ref = run([L, "cosim", "--mac", spec, "--random", "2000", "--cache", os.path.join(t, "cref")], timeout=300)
            check_basic("cosim reference run", ref, (0,))
            cache = os.path.join(t, "cint")
            cmd = [L, "cosim", "--mac", spec, "--random", "2000", "--cache", cache]
            ended, names = self.interrupt_run("cosim SIGINT", cmd, cache, {"cc1plus"})
            again = run(cmd, timeout=300)
            check_basic("cosim rerun after SIGINT", again, (0,))
            strip = lambda out: re.sub(rb" in [0-9.]+ s, [0-9]+ vectors/s", b"", out)
            if strip(again.out) != strip(ref.out) or b"PASS" not in again.out:
                raise Failure(f"cosim rerun after SIGINT: {show(again.out)} vs uninterrupted {show(ref.out)}")
            print(f"  cosim: ended {ended:.2f} s after SIGINT (children seen: {', '.join(names)})")

        def killed_case():
            # SIGKILL leaves no chance to clean up: the next run removes what the dead process left and passes.
            spec = "fxp:w=6"
            cache = os.path.join(t, "ckill")
            cmd = [L, "cosim", "--mac", spec, "--random", "500", "--cache", cache]
            p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            t0 = time.monotonic()
            while p.poll() is None and time.monotonic() - t0 < 240:
                if any(comm == "cc1plus" for _, comm in descendants(p.pid).values()):
                    break
                time.sleep(0.005)
            p.kill()
            p.wait()
            dead = p.pid
            left = [f for f in os.listdir(cache) if f"-{dead}" in f]
            if not left:
                raise Failure("cosim SIGKILL: nothing left behind to clean (the case proves nothing)")
            time.sleep(1)
            again = run(cmd, timeout=300)
            check_basic("cosim rerun after SIGKILL", again, (0,))
            stale = [f for f in os.listdir(cache) if f"-{dead}" in f]
            if stale or b"PASS" not in again.out:
                raise Failure(f"cosim rerun after SIGKILL: left {stale} (had {left}); {show(again.out)}")
            print(f"  cosim SIGKILL: the rerun removed {left} and passed")

        for fn in (synth_case, cosim_case, killed_case):
            self.case(fn)
        print(f"interrupt: {self.ran} cases (SIGINT to synth and to an uncached cosim, SIGKILL to a cosim, then "
              f"clean reruns)")

    # -------------------------------------------------------------------------------------- contract
    def group_contract(self):
        """Fixed cases of item 7: escaping, cutting, the integer grammar in specs and options."""
        L = self.L
        r = run([L, "spec", "lns:w=16,f=8,a\nb=1"])
        self.case(check_error, "newline in a key", r, "unknown key", "\\n")
        r = run([L, "spec", "lns:w=16," + "k" * 100000 + "=1"])
        self.case(check_error, "100k-character key", r, "unknown key", "bytes")
        r = run([L, "spec", "lns:w=16,f=\x1b[2J8"])
        self.case(check_error, "escape sequence in a value", r, "\\x1b")
        r = run([L, "eval", "--mac", "fxp:w=4"], stdin=b"1 3\x003 3\n")
        self.case(check_error, "NUL in an eval field", r, "\\x00", "stdin:1:")
        r = run([L, "eval", "--mac", "fxp:w=4"], stdin=b"1 \x1b[31mzz 3\n")
        self.case(check_error, "escape sequence in an eval field", r, "\\x1b[31mzz")
        r = run([L, "frob\x1bnicate"])
        self.case(check_error, "control byte in a subcommand", r, "frob\\x1bnicate")
        r = run([L, "vectors", "--mac", "fxp:w=4", "--bogus\x07"])
        self.case(check_error, "control byte in an option", r, "--bogus\\x07")
        for spec in ["fxp:w=8,", ",fxp:w=8", "fxp:,w=8", "fxp:w=8,,pipe=1", "fxp:=8", "fxp:w=8,=1"]:
            r = run([L, "spec", spec])
            self.case(check_error, f"stray comma or empty key {spec!r}", r)
        for bad in BAD_INTS:
            if "\x00" in bad:
                continue
            r = run([L, "spec", f"fxp:w={bad}"])
            self.case(check_error, f"spec w={bad!r}", r, "w=")
            for opt, cmd in (("--seed", ["vectors", "--mac", "fxp:w=4", "--random", "3", "--seed", bad]),
                             ("--random", ["vectors", "--mac", "fxp:w=4", "--random", bad]),
                             ("--count", ["accuracy", "--mac", "fxp:w=4", "--count", bad])):
                r = run([L] + cmd, stdout_file="/dev/null")
                self.case(check_error, f"{opt} {bad!r}", r, opt)
        for good in ["0", "7", "-3"]:
            r = run([L, "spec", f"log2lin:w=6,fsr={good}"])
            self.case(check_basic, f"spec fsr={good}", r, (0,))
        r = run([L, "vectors", "--mac", "fxp:w=4", "--random", "3", "--seed", "0"])
        self.case(check_basic, "--seed 0", r, (0,))
        print(f"contract: {self.ran} cases (escaping, long values, stray commas, integer grammar in specs and options)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("group", choices=["spec", "eval", "tables", "liberty", "inputs", "writes", "tmpfs", "contract",
                                      "caches", "interrupt", "children"])
    ap.add_argument("--logmac", required=True)
    ap.add_argument("--source", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=1000)
    a = ap.parse_args()
    t0 = time.monotonic()
    broken = [d for d in SYSTEM_DEVICES if not stat.S_ISCHR(os.stat(d).st_mode)]
    if broken:  # the cases below would not mean what they say, and the machine needs repair first
        print(f"{', '.join(broken)} not a device (replaced by a file?): restore with mknod before testing")
        sys.exit(1)
    work = tempfile.mkdtemp(prefix="logmac-faults-")
    try:
        s = Suite(os.path.abspath(a.logmac), os.path.abspath(a.source), a.seed, a.cases, work)
        status = getattr(s, "group_" + a.group)()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for d in SYSTEM_DEVICES:
        if not stat.S_ISCHR(os.stat(d).st_mode):
            s.failures.append(f"{d} is no longer a device after the {a.group} cases")
    if status == "passed":  # the group ran in a private namespace and reported there
        sys.exit(0)
    if status is not None:
        sys.exit(status)
    for f in s.failures[:30]:
        print("FAIL", f)
    print(f"{a.group}: {s.ran} checks, {len(s.failures)} failed, {time.monotonic() - t0:.1f} s")
    if s.ran == 0:
        print("no case ran: that is not a pass")
        sys.exit(1)
    sys.exit(1 if s.failures else 0)


if __name__ == "__main__":
    main()
