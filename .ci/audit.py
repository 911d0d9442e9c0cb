"""Known vulnerabilities of the installed packages, with pip-audit; fails only on a finding.

pip-audit asks PyPI for each installed version's advisories. Where that data cannot be
had (a mirror without it, no network), the package is reported as not audited rather
than failing the build; a vulnerability that is found always fails it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "audit.json"
        done = subprocess.run(
            [
                *(sys.executable, "-m", "pip_audit", "--progress-spinner", "off", "--desc", "on"),
                *("--format", "json", "--output", str(report)),
            ],
            capture_output=True,
            text=True,
            timeout=900,
        )
        if not report.exists():
            print(f"pip-audit could not run (exit {done.returncode}):", file=sys.stderr)
            print(done.stderr.strip()[-2000:], file=sys.stderr)
            return 0
        dependencies = json.loads(report.read_text())["dependencies"]
    found = [d for d in dependencies if d.get("vulns")]
    audited = [d for d in dependencies if "skip_reason" not in d]
    for dep in found:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    print(
        f"pip-audit: {len(audited)} of {len(dependencies)} installed packages audited, "
        f"{len(found)} with a known vulnerability; {len(dependencies) - len(audited)} "
        "could not be audited (no advisory data reachable for them)"
    )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
