"""The run report: what the CLI, the report formats and the HTTP API consume, importable for free."""

from __future__ import annotations

import subprocess
import sys

import pytest

import emskg
from emskg import FileReport, RunReport, ValidationResult


def _result(severity: str) -> ValidationResult:
    return ValidationResult("urn:x", None, severity, "m", "urn:shape")


@pytest.mark.parametrize(("files", "fail_on", "code"), [
    ((FileReport("a", True),), "violation", 0),
    ((FileReport("a", True, (_result("Warning"),)),), "violation", 0),
    ((FileReport("a", True, (_result("Warning"),)),), "warning", 1),
    ((FileReport("a", False, (_result("Violation"),)),), "violation", 1),
    ((FileReport("a", True), FileReport("b", False, error="b: no such file")), "violation", 2),
])
def test_exit_codes(files: tuple[FileReport, ...], fail_on: str, code: int) -> None:
    assert RunReport(files).exit_code(fail_on) == code


def test_an_unknown_threshold_is_a_value_error_naming_no_cli_flag() -> None:
    with pytest.raises(ValueError, match="fail_on takes one of violation, warning") as raised:
        RunReport(()).exit_code("info")
    assert "--" not in str(raised.value)


def test_the_model_and_the_root_api_import_nothing_heavy() -> None:
    code = ("import sys; from emskg import RunReport, FileReport, ValidationResult, Suggestion; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pyoxigraph', 'rdflib', 'pyshacl', 'fastapi')"
            " or m.startswith('emskg.')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['emskg._version', 'emskg.validation', 'emskg.validation.model']"


def test_the_root_exports_the_validator_lazily() -> None:
    from emskg.validation.validator import Validator

    assert emskg.Validator is Validator
    assert {"Validator", "RunReport", "FileReport", "ValidationResult", "Suggestion"} <= set(emskg.__all__)
    with pytest.raises(AttributeError):
        emskg.validate  # noqa: B018  (the old module path is gone; the root API is the way in)
