"""The generated rule pages: one docs/rules/<model>.md per model folder, each current, none left over."""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from riskcalc import Classification
from riskcalc.rulebook import model_ids
from tests.conftest import ROOT


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("render_rules_doc", ROOT / "scripts" / "render_rules_doc.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_one_page_per_model_and_each_is_current() -> None:
    pages = _script().pages()
    assert sorted(path.name for path in pages) == sorted(f"{model}.md" for model in model_ids())
    for path, text in pages.items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale"


def test_a_page_lists_the_schemes_u_points() -> None:
    page = (ROOT / "docs" / "rules" / "cog_aall1731.md").read_text(encoding="utf-8")
    assert "## Not confirmed in a stored source (U): for a clinician to confirm" in page
    assert "- `c.eoc_1_or_more`: Gap G1:" in page
    assert "Tiers, lowest risk first: `sr_favorable` Standard-risk favorable (standard-risk ladder)" in page


@pytest.mark.parametrize("fault", ["stale", "missing", "left over"])
def test_the_check_refuses_a_stale_missing_or_extra_page(
    fault: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = _script()
    shutil.copytree(ROOT / "docs" / "rules", tmp_path / "rules")
    monkeypatch.setattr(script, "TARGET_DIR", tmp_path / "rules")
    assert script.main(["--check"]) == 0
    page = tmp_path / "rules" / "nci_rome.md"
    if fault == "stale":
        page.write_text(page.read_text(encoding="utf-8") + "edited by hand\n", encoding="utf-8")
    elif fault == "missing":
        page.unlink()
    else:
        (tmp_path / "rules" / "bfm.md").write_text("# old\n", encoding="utf-8")
    assert script.main(["--check"]) == 1
    assert "docs/rules/ is stale" in capsys.readouterr().err


def test_the_schemes_page_example_runs_and_says_what_it_returns() -> None:
    page = (ROOT / "docs" / "schemes.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```python\n(.*?)```", page, flags=re.S)
    names: dict[str, object] = {}
    exec(compile(block, "docs/schemes.md", "exec"), names)
    result = names["c"]
    assert isinstance(result, Classification)
    assert (result.status, result.tier, result.possible_tiers, result.provisional, result.pending) == (
        "classified",
        "hr",
        ["hr", "vhr"],
        True,
        ["mrd_eoc_percent"],
    )
