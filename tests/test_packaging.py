"""The package as others install it: a wheel built from this checkout, in a fresh virtual environment, used
from a folder that is not the checkout. The rule files must travel inside the wheel (riskcalc/rules)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"

pytestmark = pytest.mark.slow


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def test_every_rules_folder_is_a_package_of_the_wheel() -> None:
    """A new scheme folder under rules/ must be listed in pyproject.toml, or the wheel would ship without it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    folders = {
        "riskcalc.rules" + "".join(f".{part}" for part in path.relative_to(RULES).parts)
        for path in [RULES, *sorted(p for p in RULES.rglob("*") if p.is_dir() and p.name != "__pycache__")]
    }
    assert folders <= listed, f"add to [tool.setuptools] packages: {sorted(folders - listed)}"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(ROOT)], cwd=out)
    (built,) = out.glob("riskcalc-*.whl")
    return built


def test_the_wheel_carries_every_rule_file_and_py_typed(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        f"riskcalc/rules/{p.relative_to(RULES).as_posix()}" for p in RULES.rglob("*") if p.suffix in (".yaml", ".md")
    }
    assert expected and expected <= names
    assert "riskcalc/py.typed" in names and "riskcalc/__main__.py" in names


def test_wheel_in_a_fresh_venv_assesses_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    build_env = dict(os.environ)
    if sys.version_info >= (3, 13):  # durable_rules' C extension builds on 3.13 only with this mapping (README)
        build_env["CPPFLAGS"] = f"{build_env.get('CPPFLAGS', '')} -DPyEval_CallObject=PyObject_CallObject".strip()
    _run(
        [str(python), "-m", "pip", "install", "--quiet", "-c", str(ROOT / "constraints.txt"), str(wheel)],
        cwd=tmp_path,
        env=build_env,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "RISKCALC_RULES_DIR")}
    code = (
        "from riskcalc import Patient, assess\n"
        "from riskcalc.rulebook import rules_root\n"
        "r = assess(Patient(age_years=12, wbc_10e9_per_l=5))\n"
        "print(r.group.value, r.provisional, r.model_version, rules_root().parent.name)\n"
    )
    done = _run([str(python), "-c", code], cwd=elsewhere, env=env)
    version = _run(
        [
            sys.executable,
            "-c",
            "from riskcalc import assess, Patient; print(assess(Patient(age_years=1, wbc_10e9_per_l=1)).model_version)",
        ],
        cwd=ROOT,
    ).stdout.strip()
    assert done.stdout.split() == ["high", "False", version, "riskcalc"]  # the rules inside the installed package
    script = _run(
        [str(venv / "bin" / "riskcalc"), "assess", "--age-years", "12", "--wbc-10e9-per-l", "5"], cwd=elsewhere, env=env
    )
    assert "High" in script.stdout and "B-ALL" in script.stdout
    module = _run([str(python), "-m", "riskcalc", "schema"], cwd=elsewhere, env=env)
    assert '"age_years"' in module.stdout
