"""The documentation is executed or checked, so it cannot drift from the code."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_readme_api_example_runs() -> None:
    (example,) = _blocks("python")
    exec(compile(example, "README.md", "exec"), {})


def test_quick_start_is_two_commands_and_ci_runs_the_test_one() -> None:
    quick_start = README.split("## Quick start", 1)[1]
    commands = [line for line in _blocks("bash")[0].splitlines() if line.strip()]
    assert quick_start.index("```bash") < quick_start.index("## ")
    assert len(commands) == 2
    assert commands[0].startswith("./scripts/")
    assert commands[1] == "./scripts/run-tests"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert [line for line in ci.splitlines() if line.startswith("./")] == ["./scripts/run-tests"]


def test_rules_doc_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "render_rules_doc.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_no_machine_paths_in_project_text() -> None:
    for path in [ROOT / "README.md", *ROOT.glob("docs/*.md"), *ROOT.glob("rules/**/*.yaml")]:
        text = path.read_text(encoding="utf-8")
        assert "/work/" not in text and "/tmp/" not in text, path
