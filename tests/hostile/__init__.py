"""A battery of hostile and broken submissions, each beside the honest one it imitates.

Every attack is the reference solution with something hostile added to
``student/integrators.py`` (at import, or in ``euler_energy_ratio``, which only two checks
of question 1.7 call), or a zip whose members play tricks on intake. Each attack names the
honest submission with the same real work: the reference itself when the attack adds
nothing to the work (printing a lot, starting a daemon), the reference without a working
``integrators.py`` (``"no-integrators"``) when the attack replaces the module's work by a
lie or a crash at import, or the reference with ``euler_energy_ratio`` removed
(``"no-ratio"``) when the attack replaces that one function.

Attacks are graded on questions 1.7 (``integrators.py`` and two functions of ``theory.py``,
10 points) and 1.8 (``theory.py`` only, 3 points): an attack must never score more than its
honest twin, and must never cost 1.8 anything.

Every file an attack tries to leave behind and every process it starts carries ``MARKER``
in its name or command line, so that ``leftovers`` can look for them after grading.
"""

from __future__ import annotations

import io
import json
import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
MODULES = ("integrators", "hmc", "lotka_volterra", "hutchinson", "theory")
QUESTIONS = {"1.7", "1.8"}
MARKER = "P07HOSTILE"
HONEST = ("reference", "no-integrators", "no-ratio")


@dataclass(frozen=True)
class Attack:
    """One hostile or broken submission."""

    name: str
    """a short identifier"""
    threat: str
    """the family: exit, resource, tamper, forge, theft, zip, outlive"""
    what: str
    """what it does, in words"""
    honest: str
    """the honest twin (one of ``HONEST``)"""
    prelude: str = ""
    """code put at the top of ``integrators.py`` (runs at import)"""
    ratio: str = ""
    """a body that replaces ``euler_energy_ratio(dt)`` (runs when graded)"""
    zip_members: tuple = ()
    """for zip attacks: extra ``(name, bytes, mode)`` members; mode 0 means a regular file"""
    drop_modules: tuple = ()
    """reference modules left out of the zip"""
    as_zip: bool = False
    """submit as a zip rather than a folder"""
    slow: bool = False
    """takes tens of seconds (hangs until a time limit)"""
    notes_must_list: tuple = field(default_factory=tuple)
    """names that must appear in the feedback's list of files not graded"""


def reference_files() -> dict[str, bytes]:
    return {f"{m}.py": (SOLUTIONS / f"{m}.py").read_bytes() for m in MODULES}


def honest_files(kind: str) -> dict[str, bytes]:
    """The honest twins: the reference, it without integrators.py, or without the ratio."""
    files = reference_files()
    if kind == "no-integrators":
        del files["integrators.py"]
    elif kind == "no-ratio":
        files["integrators.py"] += (
            b"\n\ndef euler_energy_ratio(dt):\n    raise NotImplementedError\n"
        )
    return files


def hostile_files(attack: Attack) -> dict[str, bytes]:
    files = reference_files()
    text = files["integrators.py"].decode("utf-8")
    if attack.prelude:
        # after the module docstring and __future__ import, before everything else
        head, sep, rest = text.partition("from __future__ import annotations\n")
        text = head + sep + "\n" + attack.prelude.strip("\n") + "\n\n" + rest
    if attack.ratio:
        body = "\n".join("    " + line for line in attack.ratio.strip("\n").split("\n"))
        text += "\n\ndef euler_energy_ratio(dt):\n" + body + "\n"
    files["integrators.py"] = text.encode("utf-8")
    for name in attack.drop_modules:
        files.pop(f"{name}.py", None)
    return files


def write_folder(folder: Path, files: dict[str, bytes]) -> Path:
    package = folder / "student"
    package.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (package / name).write_bytes(data)
    return folder


def write_zip(path: Path, files: dict[str, bytes], extra: tuple = ()) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(f"student/{name}", data)
        for name, data, mode in extra:
            info = zipfile.ZipInfo(name if isinstance(name, str) else name.decode("cp437"))
            if isinstance(name, bytes):
                info.filename = name.decode("cp437")
                info.flag_bits &= ~0x800
            if mode:
                info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    path.write_bytes(buffer.getvalue())
    return path


def build(attack: Attack, where: Path) -> Path:
    """Write the attack's submission under ``where`` and return its path."""
    where.mkdir(parents=True, exist_ok=True)
    files = hostile_files(attack)
    if attack.as_zip or attack.zip_members:
        return write_zip(where / f"{attack.name}.zip", files, attack.zip_members)
    return write_folder(where / attack.name, files)


def build_honest(kind: str, where: Path, as_zip: bool = False) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    if as_zip:
        return write_zip(where / f"honest-{kind}.zip", honest_files(kind))
    return write_folder(where / f"honest-{kind}", honest_files(kind))


# --------------------------------------------------------------------------------------------
# what is left behind


def leftover_processes() -> list[str]:
    """Processes started by attacks: marked command lines or the sandbox's user ids."""
    from autograder.engine.sandbox import UID_BASE

    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as stream:
                cmdline = stream.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{entry}/stat", "rb") as stream:
                state = stream.read().rpartition(b")")[2].split()[0]
            owner = os.stat(f"/proc/{entry}").st_uid
        except OSError:
            continue
        if state == b"Z":
            continue
        if (MARKER in cmdline and "pytest" not in cmdline) or owner >= UID_BASE:
            found.append(f"{entry} uid={owner} {cmdline[:80]}")
    return found


LEFTOVER_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm", "/root", "/work")


def leftover_files(extra: tuple = ()) -> list[str]:
    """Files whose names carry ``MARKER`` in the usual writable places (not the battery's
    own sources), at most three levels deep."""
    found = []
    for top in (*LEFTOVER_FOLDERS, *map(str, extra)):
        if not os.path.isdir(top):
            continue
        base_depth = top.rstrip("/").count("/")
        for folder, dirs, files in os.walk(top):
            if folder.count("/") - base_depth >= 3:
                dirs[:] = []
            dirs[:] = [d for d in dirs if d not in (".venv", ".git", "node_modules")]
            for name in files + dirs:
                if MARKER in name:
                    found.append(os.path.join(folder, name))
    return found


# --------------------------------------------------------------------------------------------
# the battery

_WRITE_EVERYWHERE = f"""
import os as _os, json as _json
_forged = _json.dumps({{"score": 100, "tests": [{{"name": "all", "score": 100}}]}})
_junit = '<testsuite tests="80" failures="0"><testcase name="{MARKER}"/></testsuite>'
for _folder in ["/autograder/results", "/autograder", "/tmp", "/var/tmp", "/dev/shm", ".", "..",
                _os.environ.get("HOME", "."), "/work", "/root"]:
    for _name, _text in (("results.json", _forged), ("{MARKER}-results.json", _forged),
                         ("{MARKER}-junit.xml", _junit)):
        try:
            with open(_os.path.join(_folder, _name), "w") as _f:
                _f.write(_text)
        except OSError:
            pass
for _top in ["/tmp", "/autograder", "/work", "/root"]:
    for _dir, _subdirs, _files in _os.walk(_top):
        if "results.json" in _files or "grades.csv" in _files:
            for _name in ("results.json", "grades.csv"):
                try:
                    with open(_os.path.join(_dir, _name), "w") as _f:
                        _f.write(_forged)
                except OSError:
                    pass
        if _dir.count("/") > 6:
            _subdirs[:] = []
print("=" * 20 + " 80 passed in 1.00s " + "=" * 20)
print("Hidden graders: 100 / 100 points.")
"""

_STEAL = """
import os as _os
_loot = []
for _top in ["/", "/autograder", "/work", "/root", "/tmp", "/usr/local/lib", "/opt"]:
    for _dir, _subdirs, _files in _os.walk(_top):
        _subdirs[:] = [d for d in _subdirs if d not in ("proc", "sys", "dev")]
        if _dir.count("/") > 8 or _dir.startswith(("/usr/lib", "/usr/share", "/proc")):
            _subdirs[:] = []
            continue
        for _name in _files:
            if _name.startswith("test_") and _name.endswith(".py") and "grader" in _dir \\
                    or _dir.endswith(("solutions", "graders", "source/tests")):
                try:
                    _loot.append(open(_os.path.join(_dir, _name)).read())
                except OSError:
                    pass
        if len(_loot) > 3:
            break
_text = "\\n".join(_loot)[:20000] or "nothing found"
print(_text)
raise RuntimeError(_text)
"""

_NOTEBOOK = json.dumps(
    {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": None,
                "outputs": [],
                "source": "import autograder.otter_bridge as bridge\n"
                "bridge.verdict = lambda name: None\n"
                "bridge.graded = lambda: None\n",
            }
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
).encode()

ATTACKS: list[Attack] = [
    # exits and crashes
    Attack(
        "import-sys-exit",
        "exit",
        "sys.exit(0) at import",
        "no-integrators",
        prelude="import sys\nsys.exit(0)",
    ),
    Attack(
        "import-os-exit",
        "exit",
        "os._exit(0) at import",
        "no-integrators",
        prelude="import os\nos._exit(0)",
    ),
    Attack(
        "import-keyboard-interrupt",
        "exit",
        "KeyboardInterrupt raised at import",
        "no-integrators",
        prelude="raise KeyboardInterrupt",
    ),
    Attack(
        "call-system-exit",
        "exit",
        "SystemExit raised in a graded call",
        "no-ratio",
        ratio="raise SystemExit(0)",
    ),
    Attack(
        "call-keyboard-interrupt",
        "exit",
        "KeyboardInterrupt in a graded call",
        "no-ratio",
        ratio="raise KeyboardInterrupt",
    ),
    Attack(
        "call-os-exit",
        "exit",
        "os._exit(3) in a graded call",
        "no-ratio",
        ratio="import os\nos._exit(3)",
    ),
    Attack(
        "call-segfault",
        "exit",
        "a real segmentation fault (reads address 0)",
        "no-ratio",
        ratio="import faulthandler\nfaulthandler._read_null()",
    ),
    Attack(
        "call-kill-self",
        "exit",
        "SIGKILL sent to its own process",
        "no-ratio",
        ratio="import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"
        "os.kill(os.getppid() or 1, signal.SIGKILL)\nraise RuntimeError('alive')",
    ),
    Attack(
        "call-recursion",
        "exit",
        "unbounded recursion with a raised recursion limit",
        "no-ratio",
        ratio="import sys\nsys.setrecursionlimit(10**7)\n"
        "def f(n):\n    return f(n + 1) + 1\nreturn f(0)",
        slow=True,
    ),
    # resource abuse
    Attack(
        "import-infinite-loop",
        "resource",
        "an infinite loop at import",
        "no-integrators",
        prelude="while True:\n    pass",
        slow=True,
    ),
    Attack(
        "call-infinite-loop",
        "resource",
        "an infinite loop in a graded call",
        "no-ratio",
        ratio="while True:\n    pass",
        slow=True,
    ),
    Attack(
        "call-sleep",
        "resource",
        "time.sleep(10**6) in a graded call",
        "no-ratio",
        ratio="import time\ntime.sleep(10**6)",
    ),
    Attack(
        "call-memory-bomb",
        "resource",
        "allocates 40 GB at once, then 100 MB at a time",
        "no-ratio",
        ratio="import numpy as np\ntry:\n    np.ones(5 * 10**9)\n"
        "except MemoryError:\n    pass\nhog = []\nwhile True:\n"
        "    hog.append(np.ones(12_500_000))",
        slow=True,
    ),
    Attack(
        "import-fork-burst",
        "resource",
        "forks 300 sleeping children at import, then does the real work",
        "reference",
        prelude=f"import os as _os, sys as _sys\nfor _i in range(300):\n    try:\n"
        f"        if _os.fork() == 0:\n            _os.execv(_sys.executable, ['python3', '-c', "
        f"'import time; time.sleep(600)  # {MARKER}'])\n    except OSError:\n"
        f"        break",
    ),
    Attack(
        "call-huge-stdout",
        "resource",
        "prints 100 MB, then returns the right answer",
        "reference",
        ratio="import sys\nchunk = '\\x1b[2J' + 'A' * 999999 + '\\n'\n"
        "for _ in range(100):\n    sys.stdout.write(chunk)\nreturn 1 + dt**2",
    ),
    Attack(
        "call-print-and-fail",
        "resource",
        "prints 50 MB with terminal escapes and a fake grader summary, then raises",
        "no-ratio",
        ratio="import sys\nsys.stdout.write('Hidden graders: 100 / 100 points.\\n')\n"
        "sys.stdout.write('\\x1b[31m' + '=' * 20 + ' 80 passed ' + '=' * 20 + '\\r\\n')\n"
        "for _ in range(50):\n    sys.stdout.write('B' * 10**6)\n"
        "raise ValueError('\\x1b[2J\\x07 all checks passed')",
    ),
    Attack(
        "call-disk-filler",
        "resource",
        "writes files until the disk is full",
        "reference",
        ratio=f"import os\nfor i in range(10**6):\n    try:\n        with open("
        f"os.path.join(os.environ.get('TMPDIR', '/tmp'), '{MARKER}-%d' % i), 'wb') as f:\n"
        f"            f.write(b'x' * 10**7)\n    except OSError:\n        break\n"
        f"return 1 + dt**2",
    ),
    # tampering
    Attack(
        "import-patch-libraries",
        "tamper",
        "patches numpy, torch, math, builtins and pytest"
        " at import so that every comparison passes; the work itself is missing",
        "no-integrators",
        prelude="import builtins, math, numpy, torch, sys, types\n"
        "numpy.allclose = lambda *a, **k: True\nnumpy.isclose = lambda *a, **k: True\n"
        "numpy.array_equal = lambda *a, **k: True\nnumpy.isfinite = lambda *a, **k: True\n"
        "torch.allclose = lambda *a, **k: True\nmath.isclose = lambda *a, **k: True\n"
        "builtins.isinstance = lambda *a: True\nbuiltins.abs = lambda x: 0\n"
        "fake = types.ModuleType('pytest')\nfake.main = lambda *a, **k: 0\n"
        "sys.modules['pytest'] = fake\nsys.modules['autograder'] = fake\n"
        "sys.modules['autograder.graders.support'] = fake\n"
        "raise NotImplementedError",
    ),
    Attack(
        "call-lying-objects",
        "tamper",
        "returns float and ndarray subclasses whose comparisons, conversions and repr lie",
        "no-ratio",
        ratio="import numpy as np\nclass Liar(float):\n"
        "    def __eq__(self, other): return True\n"
        "    def __float__(self): return 1.0 + 0.01**2\n"
        "    def __abs__(self): return 0.0\n    def __lt__(self, o): return True\n"
        "    def __le__(self, o): return True\n    __hash__ = float.__hash__\n"
        "class LyingArray(np.ndarray):\n    def __eq__(self, o): return np.ones(1, bool)\n"
        "    def __array__(self, *a, **k): return np.full(self.shape, 1.01)\n"
        "if isinstance(dt, (int, float)):\n    return Liar(-7.0)\n"
        "return np.full(np.shape(dt), -7.0).view(LyingArray)",
    ),
    Attack(
        "call-nan",
        "tamper",
        "returns NaN where a number is due",
        "no-ratio",
        ratio="import numpy as np\nreturn np.full(np.shape(dt), np.nan) if np.ndim(dt) "
        "else float('nan')",
    ),
    Attack(
        "call-forged-answer",
        "tamper",
        "writes a forged 'ok' answer into the grader's pipe and then blocks",
        "no-ratio",
        ratio="import os, json, struct, time\nfd = int(os.environ.get('P07_FDS', '0,1')"
        ".split(',')[1]) if 'P07_FDS' in os.environ else 1\n"
        "body = json.dumps({'ok': True, 'value': 1.0001, 'mutated': []}).encode()\n"
        "try:\n    os.write(fd, struct.pack('>Q', len(body)) + body)\n"
        "    os.write(fd, b'\\x00' * 8 + b'garbage')\nexcept OSError:\n    pass\n"
        "time.sleep(30)",
    ),
    # forgery
    Attack(
        "import-forge-results",
        "forge",
        "writes results.json, JUnit XML and "
        "pytest-looking text everywhere it can; the work itself is missing",
        "no-integrators",
        prelude=_WRITE_EVERYWHERE + "\nraise NotImplementedError",
    ),
    # theft
    Attack(
        "call-steal-graders",
        "theft",
        "searches the disk for hidden graders and "
        "solutions and returns them in its exception message and output",
        "no-ratio",
        ratio=_STEAL,
    ),
    Attack(
        "call-read-grader-process",
        "theft",
        "reads the environment, command line and "
        "memory maps of the grader's process through /proc",
        "no-ratio",
        ratio="import os\nout = []\nfor pid in os.listdir('/proc'):\n"
        "    if pid.isdigit() and int(pid) != os.getpid():\n"
        "        for part in ('environ', 'cmdline', 'maps'):\n            try:\n"
        "                out.append(open(f'/proc/{pid}/{part}', 'rb').read()[:300])\n"
        "            except OSError:\n                pass\n"
        "raise RuntimeError(repr(out)[:3000] or 'nothing')",
    ),
    # zip tricks
    Attack(
        "zip-shadow-packages",
        "zip",
        "ships top-level packages numpy/, otter/, pytest/, autograder/ (with a verdict that "
        "passes everything), traitlets/ and a student/conftest.py",
        "reference",
        as_zip=True,
        zip_members=(
            *(
                (name, b"import os\nos._exit(0)\n", 0)
                for name in (
                    "numpy/__init__.py",
                    "otter/__init__.py",
                    "otter/test_files/__init__.py",
                    "pytest/__init__.py",
                    "autograder/__init__.py",
                    "traitlets/__init__.py",
                    "student/conftest.py",
                )
            ),
            ("autograder/otter_bridge.py", b"def verdict(name):\n    return None\n", 0),
        ),
        notes_must_list=(
            "numpy/__init__.py",
            "otter/__init__.py",
            "student/conftest.py",
            "autograder/otter_bridge.py",
        ),
    ),
    Attack(
        "zip-top-level-modules",
        "zip",
        "ships top-level conftest.py, sitecustomize.py and usercustomize.py",
        "reference",
        as_zip=True,
        zip_members=tuple(
            (name, b"import os\nos._exit(0)\n", 0)
            for name in ("conftest.py", "sitecustomize.py", "usercustomize.py")
        ),
        notes_must_list=("conftest.py", "sitecustomize.py", "usercustomize.py"),
    ),
    Attack(
        "zip-path-traversal",
        "zip",
        "members named ../../, absolute paths and "
        "student/../ that would land outside the submission folder",
        "reference",
        as_zip=True,
        zip_members=(
            (f"../../tmp/{MARKER}-traversal.py", b"x = 1\n", 0),
            (f"/tmp/{MARKER}-absolute.py", b"x = 1\n", 0),
            ("student/../../integrators.py", b"import os\nos._exit(0)\n", 0),
            ("student/sub/../../../etc/cron.d/x", b"* * * * * root true\n", 0),
        ),
    ),
    Attack(
        "zip-symlink-module",
        "zip",
        "student/integrators.py is a symbolic link to the "
        "reference solution on the grading machine",
        "no-integrators",
        as_zip=True,
        drop_modules=("integrators",),
        zip_members=(
            (
                "student/integrators.py",
                str(SOLUTIONS / "integrators.py").encode(),
                stat.S_IFLNK | 0o777,
            ),
            ("student/link-to-root", b"/", stat.S_IFLNK | 0o777),
        ),
    ),
    Attack(
        "zip-duplicate-module",
        "zip",
        "two student/integrators.py members, the second one hostile",
        "reference",
        as_zip=True,
        zip_members=(("student/integrators.py", b"import os\nos._exit(0)\n", 0),),
    ),
    Attack(
        "zip-non-utf8-names",
        "zip",
        "member names in raw bytes, with terminal escapes and control characters",
        "reference",
        as_zip=True,
        zip_members=(
            (b"student/\xff\xfe\x80bad.py", b"x = 1\n", 0),
            ("student/\x1b[2Jclear\rscreen.py", b"x = 1\n", 0),
            ("student/" + "n" * 300 + ".py", b"x = 1\n", 0),
        ),
    ),
    Attack(
        "zip-oversized-module",
        "zip",
        "a 3 MB second student/theory.py and a 300 MB member that compresses to almost nothing",
        "reference",
        as_zip=True,
        zip_members=(
            ("student/theory.py", b"#" * 3_000_000, 0),
            ("student/bomb.bin", b"\0" * 300_000_000, 0),
        ),
    ),
    Attack(
        "zip-top-level-notebook",
        "zip",
        "a top-level notebook that Otter would run as the submission, patching the bridge "
        "so that every check passes",
        "reference",
        as_zip=True,
        zip_members=(("takeover.ipynb", _NOTEBOOK, 0),),
        notes_must_list=("takeover.ipynb",),
    ),
    # processes that outlive grading
    Attack(
        "import-daemon",
        "outlive",
        "starts a detached double-forked daemon at import "
        "(new session, ignores SIGHUP) that writes marker files, then does the real work",
        "reference",
        prelude=f"import sys as _sys, subprocess as _sp\n"
        f"_sp.Popen([_sys.executable, '-c', 'import os, time, signal\\n"
        f"signal.signal(signal.SIGHUP, signal.SIG_IGN)\\n"
        f"if os.fork(): os._exit(0)\\nos.setsid()\\n"
        f"for i in range(600):\\n"
        f'    open("/tmp/{MARKER}-daemon", "w").write(str(i)); time.sleep(1)\\n'
        f"# {MARKER}'], start_new_session=True, stdin=_sp.DEVNULL, stdout=_sp.DEVNULL, "
        f"stderr=_sp.DEVNULL)",
    ),
]


BY_NAME = {attack.name: attack for attack in ATTACKS}
