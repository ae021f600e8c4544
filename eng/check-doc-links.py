#!/usr/bin/env python3
"""Checks that every relative link (and #anchor) in the repository's Markdown files resolves: python3 eng/check-doc-links.py [root]"""
import os, re, sys
root = sys.argv[1] if len(sys.argv) > 1 else "."
def slug(h):
    h = re.sub(r"`", "", h.strip().lower())
    h = re.sub(r"[^\w\- ]", "", h)          # GitHub drops punctuation, keeps word chars, hyphens, spaces
    return h.replace(" ", "-")
def anchors(path):
    out, seen, fence = set(), {}, False
    for line in open(path, encoding="utf-8"):
        if line.startswith("```"): fence = not fence
        if fence: continue
        m = re.match(r"#{1,6}\s+(.*)", line)
        if m:
            s = slug(m.group(1)); n = seen.get(s, 0); seen[s] = n + 1
            out.add(s if n == 0 else f"{s}-{n}")
    return out
bad = checked = 0
for dp, dns, fns in os.walk(root):
    dns[:] = [d for d in dns if d not in (".git", "bin", "obj", "node_modules", "artifacts")]
    for fn in fns:
        if not fn.endswith(".md"): continue
        f = os.path.join(dp, fn); fence = False
        for i, line in enumerate(open(f, encoding="utf-8"), 1):
            if line.startswith("```"): fence = not fence
            if fence: continue
            for target in re.findall(r"\]\(([^)\s]+)\)", line):
                if re.match(r"[a-z]+:", target): continue
                checked += 1
                path, _, anchor = target.partition("#")
                dest = os.path.normpath(os.path.join(dp, path)) if path else f
                if not os.path.exists(dest):
                    print(f"{f}:{i}: missing file {target}"); bad += 1; continue
                if anchor and dest.endswith(".md") and anchor not in anchors(dest):
                    print(f"{f}:{i}: missing anchor {target}"); bad += 1
print(f"{checked} relative links checked, {bad} broken"); sys.exit(1 if bad else 0)
