"""scripts/find-python: any Python 3.12 or newer on PATH or under pyenv, or a clear message."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "find-python"


def find_python(path, home):
    environment = {"PATH": path, "HOME": str(home), "PYENV_ROOT": str(home / "pyenv")}
    return subprocess.run(["/bin/bash", SCRIPT], env=environment, capture_output=True, text=True)


def test_a_new_enough_python_on_path_is_found_whatever_its_minor_version(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3.14").symlink_to(sys.executable)

    found = find_python(f"{bin_dir}:/usr/bin:/bin", tmp_path)

    assert found.returncode == 0
    assert os.path.realpath(found.stdout.strip()) == os.path.realpath(sys.executable)


def test_pyenv_versions_are_found_under_pyenv_root(tmp_path):
    version = tmp_path / "pyenv" / "versions" / "3.13.9" / "bin"
    version.mkdir(parents=True)
    (version / "python3").symlink_to(sys.executable)

    found = find_python("/usr/bin:/bin", tmp_path)

    assert found.returncode == 0
    assert os.path.realpath(found.stdout.strip()) == os.path.realpath(sys.executable)


def test_without_one_it_says_how_to_get_one(tmp_path):
    only_old = tmp_path / "bin"
    only_old.mkdir()
    for tool in ("cat", "grep", "ls", "sort"):
        (only_old / tool).symlink_to(shutil.which(tool))
    (only_old / "python3").write_text("#!/bin/sh\nexit 1\n")  # "too old" to the check
    (only_old / "python3").chmod(0o755)

    found = find_python(str(only_old), tmp_path)

    assert found.returncode == 1
    assert "No Python 3.12 or newer" in found.stderr
    assert "pyenv install" in found.stderr
