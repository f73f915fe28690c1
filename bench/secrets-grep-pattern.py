#!/usr/bin/python3
"""Print the expressions of a secret rules file (rules/secrets.toml) as one
PCRE alternation for `grep -P`, which takes a single pattern: each rule's
expression in a group of its own, its numbered back-references turned into
relative ones (\\g{-N}) so that they still name its own groups.

    secrets-grep-pattern.py rules/secrets.toml

Only what the benchmark needs: the TOML is read with a regular expression
(each [[rules]] table's regex = '''...'''), not parsed.
"""
import re
import sys

text = open(sys.argv[1]).read()
parts = []
for block in re.split(r'^\[', text, flags=re.M):
    if not block.startswith('[rules]]'):
        continue
    m = re.search(r"^regex = '''(.*?)'''", block, flags=re.M | re.S)
    if not m:
        continue
    rx = m.group(1)
    # number the capturing groups of this rule, then turn \N into a
    # reference relative to where it stands, so rules can be joined
    out, opened, i, in_class = [], 0, 0, False
    while i < len(rx):
        c = rx[i]
        if c == '\\':
            d = rx[i + 1]
            if d.isdigit() and not in_class:
                n = int(d)
                out.append('\\g{-%d}' % (opened - n + 1))
            else:
                out.append(rx[i:i + 2])
            i += 2
            continue
        if in_class:
            if c == ']':
                in_class = False
        elif c == '[':
            in_class = True
            if rx[i + 1:i + 2] == ']':
                out.append('[]')
                i += 2
                continue
        elif c == '(' and (rx[i + 1:i + 2] != '?' or rx[i + 1:i + 3] in ('?<', "?'", '?P') and rx[i + 1:i + 4] not in ('?<=', '?<!')):
            opened += 1
        out.append(c)
        i += 1
    parts.append('(?:' + ''.join(out) + ')')
print('|'.join(parts))
