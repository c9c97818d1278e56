#!/usr/bin/env python3
"""A flame graph (SVG) from `perf script` output, with no dependency besides Python 3.

    perf record -F 2000 --call-graph dwarf -o perf.data -- target/release/snowform -C DIR validate
    perf script -i perf.data | python3 benches/flamegraph.py --title "validate" \
        --root snowform::cli::main > graph.svg

Stacks are folded (root first), frames are named by function with Rust hashes and generic
arguments cut short, and each box's width is its share of the samples. `--fold FILE` also
writes the folded stacks (one `frame;frame;... count` line each) for other tools.
"""

import argparse
import html
import re
import sys
from collections import defaultdict

HASH = re.compile(r"::h[0-9a-f]{16}$")


def short(name: str) -> str:
    name = HASH.sub("", name.strip())
    # Closures and generics make names unreadable in a box; keep their outline.
    out, depth = [], 0
    for ch in name:
        if ch == "<":
            if depth == 0:
                out.append("<")
            depth += 1
        elif ch == ">":
            depth -= 1
            if depth == 0:
                out.append("..>")
        elif depth == 0:
            out.append(ch)
    name = "".join(out)
    name = name.replace(";", ":")
    # Parser combinators' names run to hundreds of characters: their start says enough.
    return name if len(name) <= 120 else name[:117] + "..."


def fold(lines, root=None):
    """perf script's samples: a header line, then one frame a line (leaf first), then a blank.
    With `root`, a stack through that frame starts at it (the runtime's frames above it
    are cut away)."""
    stacks = defaultdict(int)
    frames = []
    in_sample = False

    def add(frames):
        stack = list(reversed(frames))
        if root and root in stack:
            stack = stack[stack.index(root):]
        stacks[";".join(stack)] += 1

    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if frames:
                add(frames)
            frames, in_sample = [], False
            continue
        if not line.startswith((" ", "\t")):
            in_sample = True
            frames = []
            continue
        if in_sample:
            parts = line.strip().split(None, 1)
            if len(parts) < 2:
                continue
            sym = parts[1]
            sym = re.sub(r"\s+\([^)]*\)$", "", sym)  # the (dso) at the end
            sym = re.sub(r"\+0x[0-9a-f]+$", "", sym)
            frames.append(short(sym) if sym != "[unknown]" else "[unknown]")
    if frames:
        add(frames)
    return stacks


def tree(stacks):
    root = {"n": 0, "c": {}}
    for stack, count in stacks.items():
        node = root
        node["n"] += count
        for frame in stack.split(";"):
            node = node["c"].setdefault(frame, {"n": 0, "c": {}})
            node["n"] += count
    return root


def color(name: str) -> str:
    h = sum(ord(c) for c in name)
    if name.startswith(("snowform::", "<snowform::")):
        return f"rgb({220 + h % 35},{110 + h % 90},{40 + h % 40})"
    if name.startswith(("hcl", "<hcl")):
        return f"rgb({80 + h % 40},{150 + h % 60},{200 + h % 55})"
    return f"rgb({200 + h % 55},{170 + h % 60},{90 + h % 50})"


def svg(root, title, width=1600, row=16, min_px=2.0):
    total = root["n"] or 1
    boxes = []
    max_depth = 0

    def walk(node, name, x, depth):
        nonlocal max_depth
        w = node["n"] / total * width
        if w < min_px:
            return
        max_depth = max(max_depth, depth)
        if name is not None:
            boxes.append((x, depth, w, name, node["n"]))
        cx = x
        for child_name, child in sorted(node["c"].items()):
            walk(child, child_name, cx, depth + 1)
            cx += child["n"] / total * width

    walk(root, None, 0.0, 0)
    height = (max_depth + 3) * row
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="monospace" font-size="11">',
        f'<text x="4" y="{row - 3}" font-size="13">{html.escape(title)} '
        f"({total} samples; width = share of samples, root at the bottom)</text>",
    ]
    for x, depth, w, name, n in boxes:
        y = height - depth * row
        label = name if len(name) * 6.5 < w - 4 else name[: max(0, int((w - 4) / 6.5) - 2)] + ".."
        pct = 100.0 * n / total
        out.append(
            f'<g><title>{html.escape(name)} ({n} samples, {pct:.2f}%)</title>'
            f'<rect x="{x:.2f}" y="{y}" width="{w:.2f}" height="{row - 1}" '
            f'fill="{color(name)}"/>'
        )
        if w > 20:
            out.append(f'<text x="{x + 2:.2f}" y="{y + row - 4}">{html.escape(label)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--title", default="flame graph")
    ap.add_argument("--fold", help="also write the folded stacks here")
    ap.add_argument("--root", help="start the stacks that pass through this frame at it")
    ap.add_argument("--min-px", type=float, default=2.0, help="leave out narrower boxes")
    args = ap.parse_args()
    stacks = fold(sys.stdin, args.root)
    if args.fold:
        with open(args.fold, "w") as f:
            for stack, count in sorted(stacks.items()):
                f.write(f"{stack} {count}\n")
    sys.stdout.write(svg(tree(stacks), args.title, min_px=args.min_px))


if __name__ == "__main__":
    main()
