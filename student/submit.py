"""Check your work and write the zip you hand in.

Run from the folder that contains ``student/`` (the same place as ``pytest student/``)::

    python -m student.submit                 # check, run the self-checks, write submission.zip
    python -m student.submit --out me.zip    # another name for the zip
    python -m student.submit --no-tests      # skip the public self-checks (faster)
    python -m student.submit --force         # write the zip even when a problem was found

What it does, in order:

1. **Files.** The five graded modules (``integrators.py``, ``hmc.py``, ``lotka_volterra.py``,
   ``hutchinson.py``, ``theory.py``) exist, are ordinary files and are not too large.
2. **Syntax.** Each module compiles.
3. **Import, as the grader does it.** The five modules are copied alone into a fresh folder,
   beside an empty ``__init__.py``, and imported there in a separate Python process with a
   time limit. This catches a module that imports a helper file the grader never receives,
   a bare ``import integrators`` instead of ``from . import integrators``, and slow or
   crashing code at the top level of a module.
4. **Names.** Every name the grader calls is there, with the parameter names, order and
   defaults of the handout; the yes/no answers are ``True``/``False``.
5. **Public self-checks.** ``pytest student/``, summarised (``--no-tests`` skips it).
6. **The zip.** ``submission.zip`` holds the folder ``student/``: your modules, your
   ``figures/`` and any other file of yours, without caches and without the course's own
   files (this one, ``README.md``, ``conftest.py``, ``tests/``); it is read back and
   compared with your files.

A problem in steps 1 to 4 would cost you points for a mechanical reason, not for your
mathematics: the zip is then not written (unless ``--force``) and each problem is explained.
Unfinished functions, failing self-checks and missing written answers are reported but do
not stop the zip: you may hand in partial work.

This file needs only the Python standard library (the import step needs your modules'
libraries, as ``pytest student/`` does). It is not graded.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

MODULES = ("integrators", "hmc", "lotka_volterra", "hutchinson", "theory")
"""The graded modules; nothing else in ``student/`` reaches the grader."""

MAX_MODULE_BYTES = 1_000_000
"""A larger module is not taken by the grader."""

IMPORT_LIMIT = 60.0
"""Seconds the grader allows for importing one module."""

SLOW_IMPORT = 10.0
"""Import time above which we warn: top-level code runs again for every grading process."""

SELF_CHECK_LIMIT = 600.0
"""Seconds allowed for ``pytest student/``."""

LARGE_ZIP_BYTES = 20_000_000
"""A zip above this size is probably carrying data or large figures by mistake."""

NOT_ZIPPED_DIRS = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints", ".mypy_cache"}
SHIPPED = {"README.md", "conftest.py", "submit.py", "tests"}
"""Files and folders of the course, not of your work: left out of the zip."""
NOT_ZIPPED_SUFFIXES = {".pyc", ".pyo", ".zip"}
NOT_ZIPPED_NAMES = {".DS_Store", "Thumbs.db"}

# The names the grader calls, module by module: ("def", parameters) for a function, where a
# parameter is "name" (no default), "name=<default as source text>", "name=*" (a default of
# your choice) or "**name" (extra keyword arguments must be accepted); ("class", methods) for
# a class; ("bool",) or ("bool dict", keys) for a constant.
CONTRACT: dict[str, dict[str, tuple]] = {
    "integrators": {
        "euler_step": ("def", ["q", "p", "dt", "grad_potential"]),
        "leapfrog_step": ("def", ["q", "p", "dt", "grad_potential"]),
        "simulate": ("def", ["step", "q0", "p0", "dt", "n_steps", "grad_potential"]),
        "euler_energy_ratio": ("def", ["dt"]),
    },
    "hmc": {
        "banana_log_density": ("def", ["x", "b=0.1"]),
        "banana_grad_log_density": ("def", ["x", "b=0.1"]),
        "hmc_sample": (
            "def",
            ["log_density", "grad_log_density", "x0", "n_samples", "step_size", "n_leapfrog"]
            + ["rng"],
        ),
        "random_walk_metropolis": (
            "def",
            ["log_density", "x0", "n_samples", "proposal_std", "rng"],
        ),
        "hmc_trajectory": (
            "def",
            ["grad_log_density", "x0", "p0", "step_size", "n_leapfrog"],
        ),
    },
    "lotka_volterra": {
        "lotka_volterra": (
            "def",
            ["t", "y", "alpha=1.5", "beta=1.0", "gamma=3.0", "delta=1.0"],
        ),
        "simulate_lotka_volterra": (
            "def",
            ["y0", "t", "noise_std=0.0", "seed=0", "**params"],
        ),
        "NeuralODEFunc": (
            "class",
            {"__init__": ["self", "hidden=64"], "forward": ["self", "t", "y"]},
        ),
        "train_neural_ode": ("def", ["t", "y_obs", "n_iters=*", "seed=0", "**options"]),
        "plot_phase_portrait": ("def", ["func", "y_obs=None", "ax=None"]),
    },
    "hutchinson": {
        "hutchinson_trace": (
            "def",
            ["matvec", "dim", "n_samples", "distribution='rademacher'", "generator=None"],
        ),
        "exact_divergence": ("def", ["f", "x"]),
        "hutchinson_divergence": (
            "def",
            ["f", "x", "n_samples=1", "distribution='rademacher'", "generator=None"],
        ),
    },
    "theory": {
        "RELU_FIELD_GLOBALLY_LIPSCHITZ": ("bool",),
        "relu_field_lipschitz_bound": ("def", ["W"]),
        "PICARD_LINDELOF_UNIQUE_ON_0_T": ("bool",),
        "square_field_solution": ("def", ["h0", "t"]),
        "square_field_blowup_time": ("def", ["h0"]),
        "linear_field_jacobian": ("def", ["Theta", "h"]),
        "linear_adjoint_rhs": ("def", ["Theta", "a"]),
        "probability_flow_drift": ("def", ["f", "g", "score"]),
        "langevin_probability_flow_drift": ("def", ["score_p", "score_t"]),
        "score_of_unnormalized": ("def", ["log_p_tilde", "x"]),
        "fourier_features": ("def", ["x", "B"]),
        "SPECTRAL_BIAS_ANSWERS": (
            "bool dict",
            [
                "low_frequencies_learned_first",
                "ntk_eigenvalues_decay_with_frequency",
                "pinn_residual_loss_removes_spectral_bias",
                "fourier_features_let_mlp_fit_high_frequencies",
                "larger_fourier_scale_always_better",
            ],
        ),
        "hamiltonian_time_derivative": ("def", ["H", "q", "p", "q_dot", "p_dot"]),
        "hnn_vector_field": ("def", ["H", "q", "p"]),
        "exact_trace_vjp_count": ("def", ["d"]),
        "probe_second_moment": ("def", ["i", "j"]),
        "euler_energy_after_one_step": ("def", ["q", "p", "dt"]),
        "euler_energy_after_n_steps": ("def", ["E0", "dt", "n"]),
        "FNO_NEEDS_LABELED_SOLUTIONS": ("bool",),
        "PINN_NEEDS_LABELED_SOLUTIONS": ("bool",),
    },
}

# Calls that draw from numpy's global random state; the grader's repeatability checks catch them.
GLOBAL_RANDOM_CALLS = {
    "seed",
    "rand",
    "randn",
    "randint",
    "normal",
    "uniform",
    "choice",
    "standard_normal",
    "random",
    "permutation",
    "shuffle",
    "random_sample",
}


@dataclass
class Report:
    """What the checks found."""

    problems: list[str] = field(default_factory=list)
    """each would cost points for a mechanical reason; the zip is not written"""
    warnings: list[str] = field(default_factory=list)
    """worth fixing, but the zip is written"""
    unfinished: list[str] = field(default_factory=list)
    """names still raising ``NotImplementedError`` or still ``None``"""
    bare_imports: set[str] = field(default_factory=set)
    """modules that import a sibling module by a bare name (already reported)"""

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def warn(self, text: str) -> None:
        self.warnings.append(text)


def say(text: str = "", indent: int = 0) -> None:
    """Print wrapped text (this is a command-line tool: it talks to the student)."""
    if not text:
        print()
        return
    prefix = " " * indent
    for paragraph in text.split("\n"):
        print(textwrap.fill(paragraph, 96, initial_indent=prefix, subsequent_indent=prefix + "  "))


# ---------------------------------------------------------------------------------------------
# 1-2. files and syntax


def check_files(student: Path, report: Report) -> dict[str, bytes]:
    """Read the five modules; report missing, linked, oversized or non-compiling ones."""
    sources: dict[str, bytes] = {}
    for name in MODULES:
        path = student / f"{name}.py"
        shown = f"student/{name}.py"
        if path.is_symlink():
            report.problem(
                f"{shown} is a symbolic link; the grader takes only ordinary files. Replace the "
                "link by the file itself."
            )
            continue
        if not path.is_file():
            report.problem(
                f"{shown} is missing. Every module must be handed in, even if unfinished: "
                "start again from the stub if you deleted or renamed it."
            )
            continue
        data = path.read_bytes()
        if len(data) > MAX_MODULE_BYTES:
            report.problem(
                f"{shown} is {len(data):,} bytes; the grader ignores modules larger than "
                f"{MAX_MODULE_BYTES:,} bytes. Keep data out of the module (no pasted arrays)."
            )
            continue
        try:
            compile(data, shown, "exec", dont_inherit=True)
        except SyntaxError as error:
            where = f"line {error.lineno}" if error.lineno else "somewhere"
            report.problem(
                f"{shown} has a syntax error at {where}: {error.msg}. Nothing in this module "
                "can be graded until it compiles: run `python -m py_compile "
                f"{shown}` to see it."
            )
            continue
        except ValueError as error:  # null bytes
            report.problem(f"{shown} cannot be compiled: {error}.")
            continue
        sources[name] = data
    shipped = {*MODULES, "__init__", "submit", "conftest"}
    extra = sorted(p.name for p in student.glob("*.py") if p.stem not in shipped)
    if extra:
        report.warn(
            f"{', '.join('student/' + e for e in extra)}: not graded. Only the five modules reach "
            "the grader; code your modules need must live inside them."
        )
    init = student / "__init__.py"
    if not init.is_file():
        report.warn(
            "student/__init__.py is missing: create it, empty. Without it `pytest student/` "
            "and this tool may not find your modules (the grader makes its own)."
        )
    elif init.read_text(encoding="utf-8", errors="replace").strip():
        report.warn(
            "student/__init__.py is not empty. The grader replaces it with an empty file, so "
            "nothing in it runs at grading; the import check below uses an empty one too."
        )
    return sources


def check_source_habits(sources: dict[str, bytes], report: Report) -> None:
    """Point out code patterns that the hidden checks are known to penalise."""
    for name, data in sources.items():
        tree = ast.parse(data)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in MODULES:
                        report.bare_imports.add(name)
                        report.problem(
                            f"student/{name}.py line {node.lineno}: `import {alias.name}` works "
                            "only when student/ itself is the working folder; the grader "
                            f"imports `student.{name}`. Write `from . import "
                            f"{alias.name.split('.')[0]}` instead."
                        )
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module.split(".")[0] in MODULES:
                    report.bare_imports.add(name)
                    report.problem(
                        f"student/{name}.py line {node.lineno}: `from {node.module} import ...` "
                        "fails at grading, where the package is `student`; write "
                        f"`from .{node.module} import ...` instead."
                    )
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                if (
                    isinstance(owner, ast.Attribute)
                    and isinstance(owner.value, ast.Name)
                    and owner.value.id in ("np", "numpy")
                    and owner.attr == "random"
                    and node.func.attr in GLOBAL_RANDOM_CALLS
                ):
                    report.warn(
                        f"student/{name}.py line {node.lineno}: {owner.value.id}.random."
                        f"{node.func.attr}(...) uses numpy's global random state. Draw from the "
                        "`rng` argument instead (hidden checks compare runs with the same seed)."
                    )
                if (
                    name != "lotka_volterra"
                    and isinstance(owner, ast.Name)
                    and owner.id == "torch"
                    and node.func.attr in {"manual_seed", "seed"}
                ):
                    report.warn(
                        f"student/{name}.py line {node.lineno}: torch.{node.func.attr}(...) "
                        "changes torch's global random state; use the `generator` argument."
                    )


def not_started(sources: dict[str, bytes]) -> list[str]:
    """Functions and methods whose body is still only ``raise NotImplementedError(...)``."""
    names = []
    for name, data in sources.items():
        tree = ast.parse(data)
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                methods = [m for m in node.body if isinstance(m, ast.FunctionDef)]
                if any(_only_raises_not_implemented(m) for m in methods):
                    names.append(f"{name}.{node.name}")
            elif isinstance(node, ast.FunctionDef) and _only_raises_not_implemented(node):
                names.append(f"{name}.{node.name}")
    return names


def _only_raises_not_implemented(function: ast.FunctionDef) -> bool:
    body = [
        statement
        for statement in function.body
        if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant))
        and not (
            isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.Call)
            and isinstance(statement.value.func, ast.Attribute)
            and statement.value.func.attr == "__init__"
        )
    ]
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    raised = body[0].exc
    raised = raised.func if isinstance(raised, ast.Call) else raised
    return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"


# ---------------------------------------------------------------------------------------------
# 3-4. import as the grader does, and compare the names with the contract

# Runs in a separate process inside a folder holding only student/ (five modules and an empty
# __init__.py). It prints one JSON line per event so that a hang or a crash still tells which
# module was being imported.
PROBE = r"""
import importlib, inspect, json, sys, time, traceback
sys.dont_write_bytecode = True
try:
    import matplotlib
    matplotlib.use("Agg")
except ImportError:
    pass

def emit(**message):
    print(json.dumps(message), flush=True)

def describe(value):
    if inspect.isclass(value):
        methods = {}
        for method in ("__init__", "forward"):
            if hasattr(value, method):
                methods[method] = parameters(getattr(value, method))
        bases = [f"{c.__module__}.{c.__qualname__}" for c in inspect.getmro(value)]
        return {"kind": "class", "methods": methods, "bases": bases}
    if callable(value):
        return {"kind": "def", "parameters": parameters(value)}
    if isinstance(value, bool) or value is None:
        return {"kind": "value", "type": type(value).__name__, "value": value}
    if isinstance(value, dict):
        return {"kind": "value", "type": "dict",
                "keys": sorted(map(str, value)),
                "bools": all(isinstance(v, bool) for v in value.values()),
                "nones": [str(k) for k, v in value.items() if v is None],
                "strings": all(isinstance(v, str) for v in value.values()),
                "blank": [str(k) for k, v in value.items()
                          if isinstance(v, str) and not v.strip()]}
    return {"kind": "value", "type": type(value).__name__}

def parameters(function):
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    return [
        {"name": p.name, "kind": p.kind.name,
         "default": None if p.default is inspect.Parameter.empty else repr(p.default)}
        for p in signature.parameters.values()
    ]

for name in sys.argv[1:]:
    emit(event="start", module=name)
    started = time.monotonic()
    try:
        module = importlib.import_module("student." + name)
    except BaseException as error:
        frames = [f for f in traceback.extract_tb(error.__traceback__)
                  if "/student/" in f.filename.replace("\\", "/")]
        where = f"{frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
        emit(event="failed", module=name, error=f"{type(error).__name__}: {error}"[:500],
             where=where)
        continue
    names = {key: describe(value) for key, value in vars(module).items()
             if not key.startswith("_")}
    emit(event="imported", module=name, seconds=time.monotonic() - started, names=names)
"""


def import_like_the_grader(sources: dict[str, bytes], report: Report) -> dict[str, dict]:
    """Import each module from a folder that holds only what the grader receives."""
    found: dict[str, dict] = {}
    if not sources:
        return found
    with tempfile.TemporaryDirectory(prefix="practice07-submit-") as temporary:
        root = Path(temporary)
        package = root / "student"
        package.mkdir()
        (package / "__init__.py").write_text("")
        for name, data in sources.items():
            (package / f"{name}.py").write_bytes(data)
        environment = dict(os.environ, PYTHONPATH=str(root), PYTHONDONTWRITEBYTECODE="1")
        environment.pop("PYTHONSTARTUP", None)
        hidden_root = f"{root}{os.sep}"
        command = [sys.executable, "-c", PROBE, *sources]
        limit = IMPORT_LIMIT * len(sources)
        process = subprocess.Popen(
            command,
            cwd=root,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            stdout, stderr = process.communicate(timeout=limit)
            timed_out = False
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
            timed_out = True

    stdout = stdout.replace(hidden_root, "")  # show student/x.py, not the temporary folder
    current = None
    for line in stdout.splitlines():
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue  # a module printed something at import
        if not isinstance(message, dict) or "event" not in message:
            continue
        module = message.get("module")
        if message["event"] == "start":
            current = module
        elif message["event"] == "failed":
            current = None
            if module in report.bare_imports and message["error"].startswith("ModuleNotFound"):
                continue  # already explained, with the fix
            where = f" (at {message['where']})" if message.get("where") else ""
            hint = import_hint(module, message["error"])
            report.problem(
                f"student/{module}.py cannot be imported the way the grader imports it: "
                f"{message['error']}{where}. {hint}".rstrip()
            )
        elif message["event"] == "imported":
            current = None
            found[module] = message["names"]
            seconds = message.get("seconds", 0.0)
            if seconds > IMPORT_LIMIT:
                report.problem(
                    f"importing student/{module}.py took {seconds:.0f} s; the grader stops an "
                    f"import after {IMPORT_LIMIT:.0f} s. Move long computations (training, "
                    "sampling, plots) into functions or under `if __name__ == '__main__':`."
                )
            elif seconds > SLOW_IMPORT:
                report.warn(
                    f"importing student/{module}.py took {seconds:.0f} s. Top-level code runs "
                    "every time the grader starts your module: keep long computations inside "
                    "functions."
                )
    if current is not None:
        what = (
            f"did not finish within {limit:.0f} s"
            if timed_out
            else "stopped the Python process (a crash or an exit call at the top level)"
        )
        report.problem(
            f"importing student/{current}.py {what}. The grader would lose the whole module. "
            "Look for code at the top level of the module that runs long or calls exit()."
        )
    elif process.returncode not in (0, None) and not timed_out and len(found) < len(sources):
        tail = stderr.strip().splitlines()[-1:] or ["no message"]
        report.problem(f"the import check itself failed: {tail[0]}")
    return found


LIBRARIES = ("numpy", "sympy", "torch", "torchdiffeq", "matplotlib", "tqdm")
"""Libraries the grader offers besides the standard library."""


def import_hint(module: str, error: str) -> str:
    """A sentence on how to fix a failed import, from the error's text."""
    if error.startswith(("ModuleNotFoundError", "ImportError")):
        missing = error.split("'")[1] if "'" in error else ""
        if missing.split(".")[0] in LIBRARIES:
            return (
                f"`{missing}` is not installed in the Python that ran this check "
                f"({sys.executable}): activate the environment you work in, or run "
                "`pip install -r requirements.txt`, then try again."
            )
        if missing.split(".")[0] in MODULES or missing.startswith("student."):
            return (
                "Import your other modules with `from . import name`; only the five graded "
                "modules reach the grader, so helper files of your own are not there."
            )
        if missing and not missing.startswith("student"):
            top = missing.split(".")[0]
            return (
                f"If `{top}` is a file of yours, move what you need into student/{module}.py: "
                "the grader receives only the five modules. If it is a library: the grader "
                f"offers {', '.join(LIBRARIES)} and the standard library."
            )
    return f'Run `python -c "import student.{module}"` from this folder to see the traceback.'


def check_names(found: dict[str, dict], report: Report) -> None:
    """Compare what each imported module defines with the contract."""
    for module, contract in CONTRACT.items():
        if module not in found:
            continue
        names = found[module]
        for name, expected in contract.items():
            where = f"{module}.{name}"
            actual = names.get(name)
            if actual is None:
                report.problem(
                    f"{where} is missing. The grader calls it by this exact name: restore it "
                    "(if you renamed it, rename it back; helpers may have any other name)."
                )
                continue
            kind = expected[0]
            if kind == "def":
                if actual["kind"] != "def":
                    report.problem(f"{where} should be a function, but it is not callable.")
                    continue
                for text in compare_parameters(actual["parameters"], expected[1]):
                    report.problem(f"{where}: {text}")
            elif kind == "class":
                if actual["kind"] != "class":
                    report.problem(f"{where} should be a class.")
                    continue
                if "torch.nn.modules.module.Module" not in actual.get("bases", []):
                    report.problem(f"{where} should be a subclass of torch.nn.Module.")
                for method, parameters in expected[1].items():
                    got = actual["methods"].get(method)
                    if got is None:
                        report.problem(f"{where}.{method} is missing.")
                        continue
                    for text in compare_parameters(got, parameters):
                        report.problem(f"{where}.{method}: {text}")
            elif kind == "bool":
                if actual.get("type") == "NoneType":
                    report.unfinished.append(where)
                elif actual.get("type") != "bool":
                    report.problem(
                        f"{where} is a {actual.get('type')}; the grader expects True or False "
                        "(without quotes)."
                    )
            elif kind == "bool dict":
                if actual.get("type") == "NoneType":
                    report.unfinished.append(where)
                    continue
                if actual.get("type") != "dict":
                    report.problem(
                        f"{where} is a {actual.get('type')}; the grader expects a dict."
                    )
                    continue
                missing = sorted(set(expected[1]) - set(actual["keys"]))
                extra = sorted(set(actual["keys"]) - set(expected[1]))
                if missing or extra:
                    report.problem(
                        f"{where} must have exactly the five keys of the handout; missing "
                        f"{missing or 'none'}, unexpected {extra or 'none'}."
                    )
                elif not actual["bools"]:
                    if actual["nones"]:
                        report.unfinished.append(f"{where}[{', '.join(actual['nones'])}]")
                    else:
                        report.problem(f"{where}: every value must be True or False.")


def compare_parameters(actual: list[dict] | None, expected: list[str]) -> list[str]:
    """Differences between a signature and the contract's parameter list, in words."""
    if actual is None:
        return []  # a builtin or C function: nothing to compare
    problems = []
    positional = [p for p in actual if p["kind"] in ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD")]
    has_var_keyword = any(p["kind"] == "VAR_KEYWORD" for p in actual)
    wanted = [e for e in expected if not e.startswith("**")]
    for index, entry in enumerate(wanted):
        name, _, default = entry.partition("=")
        if index >= len(positional):
            problems.append(
                f"parameter `{name}` is missing (expected parameters: {', '.join(expected)})."
            )
            break
        got = positional[index]
        if got["name"] != name:
            problems.append(
                f"parameter {index + 1} is `{got['name']}`, expected `{name}` (the grader passes "
                f"some arguments by name; keep the order {', '.join(expected)})."
            )
            break
        if default and default != "*" and got["default"] != default:
            shown = "no default" if got["default"] is None else f"default {got['default']}"
            problems.append(f"`{name}` has {shown}; the handout's default is {default}.")
        if not default and got["default"] is not None:
            pass  # a default where none is required is harmless
        if default == "*" and got["default"] is None:
            problems.append(f"`{name}` needs a default value (your choice).")
    extra = [p for p in positional[len(wanted) :] if p["default"] is None]
    if extra and not problems:
        names = ", ".join(f"`{p['name']}`" for p in extra)
        problems.append(
            f"extra parameter(s) {names} without a default: the grader does not pass them. "
            "Give them defaults or remove them."
        )
    for entry in expected:
        if entry.startswith("**") and not has_var_keyword:
            problems.append(f"it must accept `{entry}` (extra keyword arguments), as in the stub.")
    return problems


# ---------------------------------------------------------------------------------------------
# 5. public self-checks


def run_self_checks(parent: Path) -> tuple[str, list[str]]:
    """Run ``pytest student/``; return its count line and its lines per module and check."""
    command = [sys.executable, "-m", "pytest", "student", "-p", "no:cacheprovider", "-q"]
    environment = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    try:
        completed = subprocess.run(
            command,
            cwd=parent,
            env=environment,
            capture_output=True,
            text=True,
            timeout=SELF_CHECK_LIMIT,
        )
    except subprocess.TimeoutExpired:
        return f"the self-checks did not finish within {SELF_CHECK_LIMIT:.0f} s", []
    if "No module named pytest" in completed.stderr:
        return "pytest is not installed (pip install pytest), so the self-checks did not run", []
    lines = completed.stdout.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if "public self-checks" in line)
    except StopIteration:
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
        return "they did not report (pytest said: " + " / ".join(tail) + ")", []
    section, summary = [], ""
    for line in lines[start + 1 :]:
        if line.startswith("Public self-checks passing"):
            summary = line.strip()
            break
        if line.strip() and not line.startswith(("For the full traceback", "NOT IMPLEMENTED:")):
            section.append(line)
    return summary or "they did not report a count", section


# ---------------------------------------------------------------------------------------------
# 6. the zip


def files_to_zip(student: Path) -> list[Path]:
    """Your files under ``student/``: not the course's (``SHIPPED``), caches, zips or links."""
    chosen = []
    for path in sorted(student.rglob("*")):
        relative = path.relative_to(student)
        if any(part in NOT_ZIPPED_DIRS for part in relative.parts) or relative.parts[0] in SHIPPED:
            continue
        if path.is_symlink() or not path.is_file():
            continue
        if path.suffix in NOT_ZIPPED_SUFFIXES or path.name in NOT_ZIPPED_NAMES:
            continue
        chosen.append(path)
    return chosen


def write_zip(student: Path, out: Path) -> int:
    """Write ``out`` with ``student/...`` inside, verify it, and return its size in bytes."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files_to_zip(student):
            archive.write(path, "student/" + path.relative_to(student).as_posix())
    with zipfile.ZipFile(partial) as archive:
        for name in MODULES:
            member = f"student/{name}.py"
            if (student / f"{name}.py").is_file():
                if archive.read(member) != (student / f"{name}.py").read_bytes():
                    raise RuntimeError(f"{member} in the zip differs from your file")
    os.replace(partial, out)
    return out.stat().st_size


def check_written_work(student: Path, found: dict[str, dict], report: Report) -> None:
    """The written answers and figures are read by a TA: say when they are missing."""
    written = found.get("theory", {}).get("WRITTEN_ANSWERS")
    if written is not None:
        if written.get("type") != "dict" or not written.get("strings"):
            report.problem(
                "theory.WRITTEN_ANSWERS must stay a dict of strings, one per item; the TA "
                "reads your written answers from it."
            )
        elif written.get("blank"):
            report.unfinished.append(f"theory.WRITTEN_ANSWERS[{', '.join(written['blank'])}]")
    else:
        text = student / "written.md"
        if not text.is_file() or not text.read_text(errors="replace").strip():
            report.warn(
                "student/written.md is missing or empty: your written answers (derivations, "
                "explanations, the 2.2 comparison) go there, and a TA grades them."
            )
    figures = student / "figures"
    if not figures.is_dir() or not any(figures.glob("*.png")):
        report.warn(
            "student/figures/ has no PNG files: the handout's figures go there (the notebook "
            "assignment/practice07.ipynb saves them there for you)."
        )


# ---------------------------------------------------------------------------------------------


def find_student_folder() -> Path:
    """The ``student/`` folder this file lives in."""
    return Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m student.submit",
        description="Check your student/ folder and write the zip you hand in.",
    )
    parser.add_argument(
        "--out",
        default=None,
        help="the zip to write (default: submission.zip beside student/)",
    )
    parser.add_argument(
        "--no-tests", action="store_true", help="skip the public self-checks (pytest student/)"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="write the zip even when a problem was found (you will lose points for it)",
    )
    args = parser.parse_args(argv)

    student = find_student_folder()
    parent = student.parent
    out = Path(args.out) if args.out else parent / "submission.zip"
    report = Report()
    started = time.monotonic()

    say(f"Checking {student}")
    say()
    say("1-2. files and syntax", 0)
    sources = check_files(student, report)
    check_source_habits(sources, report)
    say(f"{len(sources)} of {len(MODULES)} modules found and compiled", 4)

    say("3. importing the modules as the grader does (only the five modules, in a fresh folder)")
    found = import_like_the_grader(sources, report)
    say(f"{len(found)} of {len(sources)} imported", 4)

    say("4. names and parameters")
    before = len(report.problems)
    check_names(found, report)
    say(f"{len(report.problems) - before} problem(s) with names or parameters", 4)
    report.unfinished = not_started(sources) + report.unfinished

    summary, section = "skipped (--no-tests)", []
    if not args.no_tests:
        say("5. public self-checks (pytest student/) ...")
        summary, section = run_self_checks(parent)
        for line in section:  # unfinished names are listed once, below
            if "NOT IMPLEMENTED" not in line:
                print("    " + line)
    say(f"self-checks: {summary}", 4)
    check_written_work(student, found, report)

    say()
    if report.unfinished:
        say(
            f"Not done yet ({len(report.unfinished)} names; they score nothing, and you may "
            "still hand in):"
        )
        by_module: dict[str, list[str]] = {}
        for name in report.unfinished:
            module, _, rest = name.partition(".")
            by_module.setdefault(module, []).append(rest)
        for module in MODULES:
            if module in by_module:
                say(f"{module}: {', '.join(by_module[module])}", 2)
        say()
    for text in report.warnings:
        say("warning: " + text)
    if report.warnings:
        say()
    if report.problems:
        say(f"{len(report.problems)} problem(s) that would cost points for a mechanical reason:")
        for text in report.problems:
            say("- " + text, 2)
        say()
        if not args.force:
            say(
                "No zip written. Fix the problems above and run `python -m student.submit` "
                "again (or add --force to write the zip anyway)."
            )
            return 1
        say("--force: writing the zip anyway.")

    size = write_zip(student, out)
    say(f"Wrote {out} ({size / 1000:.0f} kB, {time.monotonic() - started:.0f} s).")
    if size > LARGE_ZIP_BYTES:
        say(
            "warning: the zip is large; check that student/ holds no data files or huge "
            "figures you did not mean to hand in."
        )
    say("Upload this zip to Gradescope (or hand it to your TA). It holds the folder student/.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
