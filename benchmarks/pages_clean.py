"""Cleaning of the 40 annotated raw pages: metadata and furniture figures of check_pages on a fresh run.

    python benchmarks/pages_clean.py [--errors]

Copies ../shared/pages/d*.txt to a temporary folder, runs `python -m pipeline run` on it, and scores the
output with ../shared/bench/check_pages.py (headline, standfirst, published, authors, non-body lines
removed, body lines kept; quotes and entities too).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT.parent / "shared" / "pages"
CHECK = ROOT.parent / "shared" / "bench" / "check_pages.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="print every miss check_pages finds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        seeds, out = Path(tmp) / "pages", Path(tmp) / "out"
        seeds.mkdir()
        for page in sorted(PAGES.glob("d*.txt")):
            shutil.copy(page, seeds)
        subprocess.run([sys.executable, "-m", "pipeline", "run", "--seeds", str(seeds), "--out", str(out)],
                       check=True, cwd=ROOT)
        subprocess.run([sys.executable, str(CHECK), str(PAGES / "gold.jsonl"), str(out), *(["--errors"] if args.errors else [])],
                       cwd=ROOT, check=False)  # its exit code also judges quotes, which are not ours


if __name__ == "__main__":
    main()
