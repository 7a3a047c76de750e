#!/usr/bin/env python3
"""help2scd.py SEGWATCH OUTDIR [--scdoc SCDOC]

The man pages are made from the --help texts, their one source, so the two
cannot drift: `segwatch help` names the commands, `segwatch help CMD` (and
`segwatch help policy VERB`) is each page's text. Each becomes
OUTDIR/segwatch[-CMD[-VERB]].1.scd (scdoc(5)), and with --scdoc the page
itself, OUTDIR/....1.

A --help is read by its layout (src/cli): "usage:" lines, prose paragraphs,
option lines ("  -x, --long ARG   text", continued further right),
"commands:"/"verbs:" lists, "examples:" and the "exit codes" block.
"""
import re
import subprocess
import sys

OPTION = re.compile(r"^ {2,6}(-[^ ].*?)(?: {2,}(.*))?$")
ITEM = re.compile(r"^  ([a-z][a-z-]*) +(.*)$")


def esc(text):
    """Text for scdoc: its markup characters taken literally."""
    return re.sub(r"([\\*_])", r"\\\1", text)


def run_help(sw, *topic):
    out = subprocess.run([sw, "help", *topic], check=True, capture_output=True, text=True)
    return out.stdout


def items(text, heading):
    """(name, summary) of the list under HEADING: in a --help."""
    found, res = False, []
    for line in text.splitlines():
        if line == heading:
            found = True
        elif found and not line.strip():
            break
        elif found and (m := ITEM.match(line)):
            res.append((m.group(1), m.group(2)))
    return res


def term(spec):
    """"-r, --read FILE" -> "*-r, --read* FILE"."""
    words = spec.split(" ")
    n = 0
    while n < len(words) and words[n].startswith("-"):
        n += 1
    names, arg = " ".join(words[:n]), " ".join(words[n:])
    return f"*{esc(names)}*" + (f" {esc(arg)}" if arg else "")


def literal(lines):
    body = [line.rstrip() for line in lines]
    indent = min((len(x) - len(x.lstrip()) for x in body if x.strip()), default=0)
    return ["```"] + [x[indent:] for x in body] + ["```", ""]


def paragraph(lines):
    """Prose is reflowed; a block laid out in columns is kept as it is."""
    if any(x.startswith(" ") or re.search(r"\S {2,}\S", x) for x in lines):
        return literal(lines)
    # one line: scdoc reads a line that starts with "-" or "." as a list item
    return [esc(" ".join(x.strip() for x in lines)), ""]


def option_text(desc):
    """An option's lines: reflowed, unless laid out in columns (kept, line by line).
    Continued lines carry no tab: scdoc 1.11 would print it."""
    if not desc:
        return "(no description)"
    if not any(re.search(r"\S {2,}\S", x) for x in desc[1:]):
        return esc(" ".join(desc))
    return "++\n".join(esc(x) for x in desc)


def parse(text):
    """The sections of one --help, in scdoc lines."""
    sec = {"SYNOPSIS": [], "DESCRIPTION": [], "OPTIONS": [], "LIST": [], "EXAMPLES": [],
           "NOTES": [], "EXIT STATUS": []}
    lines = text.splitlines()
    mode, para, opt, list_heading = None, [], None, None
    seen_options = False

    def flush_para():
        nonlocal para
        if para:
            sec["NOTES" if seen_options else "DESCRIPTION"].extend(paragraph(para))
        para = []

    def flush_opt():
        nonlocal opt
        if opt:
            spec, desc = opt
            sec["OPTIONS"].append(term(spec))
            sec["OPTIONS"].append("\t" + option_text([d for d in desc if d]))
            sec["OPTIONS"].append("")
        opt = None

    for line in lines:
        if mode == "exit":
            if line.strip():
                sec["EXIT STATUS"].append(line)
            continue
        if line.startswith("exit codes"):
            flush_para(), flush_opt()
            mode = "exit"
            continue
        if line.startswith("usage: "):
            mode = "usage"
            sec["SYNOPSIS"].append(line[len("usage: "):].strip())
            continue
        if mode == "usage" and line.strip().startswith("segwatch "):
            sec["SYNOPSIS"].append(line.strip())
            continue
        if mode == "usage" and line.startswith(" ") and line.strip():
            sec["SYNOPSIS"][-1] += " " + line.strip()
            continue
        if line in ("examples:", "example:"):
            flush_para(), flush_opt()
            mode = "examples"
            continue
        if mode == "examples":
            if line.strip():
                sec["EXAMPLES"].append(line)
                continue
            mode = None
            continue
        if line in ("commands:", "verbs:"):
            flush_para(), flush_opt()
            mode, list_heading = "list", line[:-1]
            continue
        if mode == "list":
            if (m := ITEM.match(line)):
                sec["LIST"] += [f"*{esc(m.group(1))}*", "\t" + esc(m.group(2)), ""]
                continue
            mode = None
        if not line.strip():
            flush_para(), flush_opt()
            mode = None
            continue
        if (m := OPTION.match(line)):
            flush_para(), flush_opt()
            seen_options = True
            opt = (m.group(1).strip(), [m.group(2) or ""])
            mode = "option"
            continue
        if mode == "option" and line.startswith("        "):
            opt[1].append(line.strip())
            continue
        if mode == "option":
            flush_opt()
            mode = None
        if re.match(r"^[a-z]+:$", line):  # "filters:", "output:": a heading of options
            flush_para()
            sec["OPTIONS"] += [f"## {line[:-1].upper()}", ""]
            continue
        para.append(line)
    flush_para(), flush_opt()
    return sec, list_heading


def page(name, summary, text, see_also):
    sec, list_heading = parse(text)
    out = [f"{name}(1)", "", "# NAME", "", f"{name} - {esc(summary)}", "", "# SYNOPSIS", ""]
    out += literal(sec["SYNOPSIS"])
    if sec["DESCRIPTION"]:
        out += ["# DESCRIPTION", ""] + sec["DESCRIPTION"]
    if sec["LIST"]:
        out += [f"# {list_heading.upper()}", ""] + sec["LIST"]
    if sec["OPTIONS"]:
        out += ["# OPTIONS", ""] + sec["OPTIONS"]
    if sec["NOTES"]:
        out += ["# NOTES", ""] + sec["NOTES"]
    if sec["EXAMPLES"]:
        out += ["# EXAMPLES", ""] + literal(sec["EXAMPLES"])
    if sec["EXIT STATUS"]:
        out += ["# EXIT STATUS", "", "docs/exit-codes.md has the whole table.", ""]
        out += literal(sec["EXIT STATUS"])
    out += ["# SEE ALSO", "", ", ".join(f"*{esc(p)}*(1)" for p in see_also), ""]
    return "\n".join(out)


def main():
    if len(sys.argv) not in (3, 5) or (len(sys.argv) == 5 and sys.argv[3] != "--scdoc"):
        sys.exit(__doc__.splitlines()[0])
    sw, outdir = sys.argv[1], sys.argv[2]
    scdoc = sys.argv[4] if len(sys.argv) == 5 else None
    top = run_help(sw)
    cmds = [(c, s) for c, s in items(top, "commands:") if c not in ("help", "version")]
    pages = [("segwatch", "watch east-west traffic between containers", top,
              [f"segwatch-{c}" for c, _ in cmds])]
    for cmd, summary in cmds:
        text = run_help(sw, cmd)
        verbs = items(text, "verbs:")
        pages.append((f"segwatch-{cmd}", summary, text,
                      ["segwatch"] + [f"segwatch-{cmd}-{v}" for v, _ in verbs]))
        for verb, vsum in verbs:
            pages.append((f"segwatch-{cmd}-{verb}", vsum, run_help(sw, cmd, verb),
                          ["segwatch", f"segwatch-{cmd}"]))
    for name, summary, text, see in pages:
        src = page(name, summary, text, see)
        with open(f"{outdir}/{name}.1.scd", "w") as f:
            f.write(src)
        if scdoc:
            with open(f"{outdir}/{name}.1", "w") as f:
                subprocess.run([scdoc], input=src, text=True, stdout=f, check=True)


if __name__ == "__main__":
    main()
