#!/usr/bin/python3
"""Independent reader of the SAIF that `logmac synth --saif` writes (its own S-expression parser, nothing shared
with logmac), checked against the estimator's per-net counts (activity_<mode>.txt in the result directory).

usage: check_saif.py FILE.saif ACTIVITY.txt ACTIVITY_PER_NET_PER_CYCLE
  - the file is a SAIF 2.0 backward file with a header (SAIFVERSION "2.0", DIRECTION, DESIGN, DIVIDER, TIMESCALE,
    DURATION) and one root INSTANCE;
  - every net entry has T0, T1, TX, TC; T0 + T1 + TX = DURATION;
  - every net of the activity file appears (under its instance path) with TC = rises + falls and T1, TX equal;
  - a net seen under several names (ports of blocks) has the same numbers under each;
  - the mean TC per net per cycle (clock excluded) is the activity logmac reported.
Exit 0 on success, 1 with a message on the first failure.
"""
import re
import sys


def tokens(text):
    # "(", ")", quoted strings, and atoms; a backslash escapes the next character of an atom.
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "()":
            yield c
            i += 1
        elif c == '"':
            j = text.index('"', i + 1)
            yield ("str", text[i + 1:j])
            i = j + 1
        else:
            out = []
            while i < n and not text[i].isspace() and text[i] not in "()":
                if text[i] == "\\" and i + 1 < n:
                    out.append(text[i + 1])
                    i += 2
                else:
                    out.append(text[i])
                    i += 1
            yield "".join(out)


def parse(text):
    stack = [[]]
    for t in tokens(text):
        if t == "(":
            stack.append([])
        elif t == ")":
            if len(stack) < 2:
                raise ValueError("unbalanced ')'")
            done = stack.pop()
            stack[-1].append(done)
        else:
            stack[-1].append(t)
    if len(stack) != 1 or len(stack[0]) != 1:
        raise ValueError("unbalanced parentheses")
    return stack[0][0]


def fail(msg):
    print("FAIL saif:", msg)
    sys.exit(1)


def main():
    saif_path, act_path, want_activity = sys.argv[1], sys.argv[2], float(sys.argv[3])
    tree = parse(open(saif_path).read())
    if tree[0] != "SAIFILE":
        fail("not a SAIFILE")
    header = {}
    root = None
    for item in tree[1:]:
        if not isinstance(item, list):
            fail(f"stray atom {item!r}")
        if item[0] == "INSTANCE":
            if root is not None:
                fail("two root instances")
            root = item
        else:
            header[item[0]] = item[1:]
    if header.get("SAIFVERSION") != [("str", "2.0")]:
        fail(f"SAIFVERSION {header.get('SAIFVERSION')}")
    if header.get("DIRECTION") != [("str", "backward")]:
        fail("DIRECTION")
    for key in ("DESIGN", "DIVIDER", "TIMESCALE", "DURATION"):
        if key not in header:
            fail(f"no {key}")
    if header["TIMESCALE"] != ["1", "ps"]:
        fail(f"TIMESCALE {header['TIMESCALE']}")
    duration = int(header["DURATION"][0])
    if duration <= 0 or root is None:
        fail("no duration or no instance")

    nets = {}  # flattened name "u_acc.x[3]" -> (T0, T1, TX, TC)

    def walk(inst, path):
        for item in inst[2:]:
            if item[0] == "NET":
                for net in item[1:]:
                    name, fields = net[0], {f[0]: int(f[1]) for f in net[1:]}
                    if set(fields) != {"T0", "T1", "TX", "TC"}:
                        fail(f"net {name}: fields {sorted(fields)}")
                    if fields["T0"] + fields["T1"] + fields["TX"] != duration:
                        fail(f"net {name}: T0 + T1 + TX != DURATION")
                    full = path + name
                    if full in nets:
                        fail(f"net {full} twice")
                    nets[full] = (fields["T0"], fields["T1"], fields["TX"], fields["TC"])
            elif item[0] == "INSTANCE":
                walk(item, path + item[1] + ".")
            else:
                fail(f"unexpected {item[0]} in an instance")

    walk(root, "")
    lines = [l.split() for l in open(act_path) if not l.startswith("#")]
    m = re.search(r"window (\d+) ps, (\d+) cycles", open(act_path).readline())
    if not m or int(m.group(1)) != duration:
        fail("the activity file's window differs from DURATION")
    cycles = int(m.group(2))
    total, counted = 0, 0
    for name, rises, falls, t1, tx in lines:
        if name not in nets:
            fail(f"net {name} of the estimator is not in the SAIF")
        _, st1, stx, stc = nets[name]
        if stc != int(rises) + int(falls) or st1 != int(t1) or stx != int(tx):
            fail(f"net {name}: SAIF TC {stc} T1 {st1} TX {stx}, estimator {rises}+{falls} {t1} {tx}")
        if name != "clk_i":
            total += stc
            counted += 1
    # Every other name is an alias of one of these nets: its numbers must be one of theirs.
    values = {v for k, v in nets.items() if k in {l[0] for l in lines}}
    for k, v in nets.items():
        if v not in values:
            fail(f"name {k} has numbers no net of the estimator has")
    activity = total / counted / cycles
    if abs(activity - want_activity) > 0.0006:
        fail(f"mean activity {activity:.5f}, logmac reported {want_activity}")
    print(f"PASS saif: {len(nets)} names, {len(lines)} nets, total TC {total}, activity {activity:.4f}")


if __name__ == "__main__":
    main()
