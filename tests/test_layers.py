"""The layer rules of ARCHITECTURE.md, enforced by import-linter (contracts in pyproject.toml)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_no_base_context_imports_a_domain_app_built_on_it():
    linter = Path(sys.executable).parent / "lint-imports"

    result = subprocess.run([str(linter)], cwd=ROOT, capture_output=True, text=True,  # noqa: S603
                            check=False)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
