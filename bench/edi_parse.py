"""How the X12 parser scales with the number of transaction sets in one functional group.

Times `edi.x12.parse_interchange` (envelope checks and the 997 mapping of every set) on interchanges of
1,000 / 10,000 / 100,000 minimal `ST*997` sets, against a baseline over the same text: `str.split` into
segments and elements and nothing else. The ratio parser / baseline stays flat when the parser is linear
in the number of sets (a quadratic parser's ratio grows tenfold with each tenfold size).

    .venv/bin/python bench/edi_parse.py                       # 1k, 10k, 100k, best of 3
    .venv/bin/python bench/edi_parse.py --sets 1000 5000 --repeat 5

Pure Python: no database, no Django settings.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from edi import x12  # noqa: E402

ISA = "ISA*00*          *00*          *ZZ*ACMEEDI        *ZZ*NORTHWIND      *261127*0800*U*00401*000000001*0*P*>~\n"


def interchange_of_997s(sets: int) -> str:
    """One FA group of `sets` 997s, each acknowledging a PO group: what a partner's bulk 997 file looks like."""
    body = "".join(f"ST*997*{n:04d}~\nAK1*PO*{n}~\nAK9*A*1*1*1~\nSE*4*{n:04d}~\n" for n in range(1, sets + 1))
    return f"{ISA}GS*FA*ACMEEDI*NORTHWIND*20261127*0800*1*X*004010~\n{body}GE*{sets}*1~\nIEA*1*000000001~\n"


def baseline(text: str) -> int:
    """The least any reader must do: split into segments, then elements."""
    return sum(1 for segment in text.split("~") if segment.strip("\r\n").split("*"))


def best_of(repeat: int, work, text: str) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work(text)
        best = min(best, time.perf_counter() - started)
    return best


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    print(f"{'sets':>8} {'bytes':>10} {'parse s':>9} {'split s':>9} {'ratio':>7} {'parse µs/set':>13} {'problems':>9}")
    for sets in args.sets:
        text = interchange_of_997s(sets)
        parsed = x12.parse_interchange(text)  # warm-up, and proof it read every set
        assert len(parsed.transaction_sets) == sets, len(parsed.transaction_sets)
        parse_s = best_of(args.repeat, x12.parse_interchange, text)
        split_s = best_of(args.repeat, baseline, text)
        print(
            f"{sets:>8,} {len(text):>10,} {parse_s:>9.3f} {split_s:>9.4f} {parse_s / split_s:>7.1f} {parse_s / sets * 1e6:>13.1f} {len(parsed.problems):>9}"
        )


if __name__ == "__main__":
    main()
