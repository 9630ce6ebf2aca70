"""CI's static check of the Python versions that pyproject.toml promises.

Only Python 3.11 runs here, so the other supported versions are checked without running them:
1. vermin: no syntax and no standard-library use above the floor of `requires-python`;
2. pip (`install --dry-run --only-binary=:all:`): the core dependencies and everything they
   need resolve to wheels for every supported version on Linux x86_64, macOS arm64 and Windows,
   and every extra's own pins have a wheel on Linux (`--no-deps`: resolving the transformers
   extra in full would download a CUDA build of torch per version).
It reads the installed package's metadata (run it after `pip install -e .`). Exit 1 on a failure.
"""

import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import metadata, requires

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

PACKAGE = "spacy_ner_plugin"
SOURCES = ["spacy_ner_plugin", "tests", "bench", "scripts"]
# pip widens macOS and manylinux2014 tags to older ones itself, but not the newer manylinux_2_X.
PLATFORMS = {
    "linux": [f"manylinux_2_{glibc}_x86_64" for glibc in (28, 27, 24, 17)]
    + ["manylinux2014_x86_64"],
    "macos": ["macosx_14_0_arm64"],
    "windows": ["win_amd64"],
}
# Dependencies known to ship no wheel for a version; pip builds them from their sdist there.
NO_WHEEL = {
    ("floret", "3.13"): "floret 0.10.5 has wheels up to 3.12; on 3.13 pip builds it (C++)",
}


def supported_versions(spec: SpecifierSet) -> list[str]:
    """The 3.x minor versions `requires-python` admits."""
    return [f"3.{minor}" for minor in range(6, 20) if spec.contains(f"3.{minor}.0")]


def requirements(extras: bool) -> list[Requirement]:
    """The package's own pins: those of the core install, or those of every extra."""
    found = []
    for line in requires(PACKAGE) or []:
        req = Requirement(line)
        if (req.marker is not None and "extra ==" in str(req.marker)) == extras:
            req.marker = None
            found.append(req)
    return found


def resolves(reqs: list[Requirement], version: str, platform: str, deps: bool) -> tuple[bool, str]:
    """Whether pip finds wheels for `reqs` (with what they need, if `deps`) for `version` on
    `platform`."""
    args = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "-q"]
    args += ["--only-binary=:all:", "--python-version", version]
    args += [] if deps else ["--no-deps"]
    for tag in PLATFORMS[platform]:
        args += ["--platform", tag]
    with tempfile.TemporaryDirectory() as target:
        args += ["--target", target, *(str(req) for req in reqs)]
        out = subprocess.run(args, capture_output=True, text=True)
    errors = [line for line in out.stderr.splitlines() if line.startswith("ERROR")]
    return out.returncode == 0, "; ".join(errors)


def main() -> int:
    spec = SpecifierSet(metadata(PACKAGE)["Requires-Python"])
    versions = supported_versions(spec)
    floor = versions[0]
    print(f"requires-python {spec}: {', '.join(versions)}", flush=True)
    vermin = [shutil.which("vermin") or "vermin", f"--target={floor}-", "--violations"]
    vermin += ["--eval-annotations", "--no-tips", "-q", *SOURCES]
    failed = subprocess.run(vermin).returncode != 0
    print(f"vermin --target={floor}-: {'FAILED' if failed else 'ok'}", flush=True)
    jobs = [("linux", False), ("macos", False), ("windows", False), ("linux", True)]
    for version in versions:
        for platform, extras in jobs:
            reqs = requirements(extras)
            for req in reqs:
                if (req.name, version) in NO_WHEEL:
                    print(f"  note {version}: {NO_WHEEL[req.name, version]}")
            reqs = [req for req in reqs if (req.name, version) not in NO_WHEEL]
            ok, errors = resolves(reqs, version, platform, deps=not extras)
            failed |= not ok
            name = "the extras' own pins" if extras else "core, with what it needs"
            print(f"{version} {platform:<8} {name}: {'ok' if ok else 'FAILED ' + errors}")
            sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
