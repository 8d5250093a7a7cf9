"""Small synthetic articles and a CLI runner shared by the batch and scale tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PEOPLE = [("Maria Lopez", "the mayor"), ("James Okafor", "the senator"), ("Anna Weber", "the minister"),
          ("Tom Reyes", "the governor"), ("Lena Fischer", "the ambassador"), ("Omar Haddad", "the spokesman")]
TOPICS = ["the budget", "the new bridge", "school funding", "the trade deal", "water prices", "the election"]


def article(i: int) -> str:
    name, role = PEOPLE[i % len(PEOPLE)]
    topic = TOPICS[(i // len(PEOPLE)) % len(TOPICS)]
    return (f"Debate over {topic} heats up, day {i}\n\n"
            f"{name}, {role}, spoke about {topic} in Paris on Monday, report {i}.\n\n"
            f"\u201cWe will not accept {topic} as it stands,\u201d {name} said. \u201cNot today, not ever.\u201d\n\n"
            f"Critics said the plan for {topic} would cost the United States {i + 2} million dollars.\n")


def run(args: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, **kwargs)
