"""Measurements taken on the child side, where student objects live.

Some properties cannot be read from a return value alone: whether gradients flow back to
the inputs, what a returned module or matplotlib Axes contains, how a student's vector field
behaves under a solver. Each probe here runs such a measurement and returns plain data
(numbers, arrays, strings) for the graders to judge. Probes judge nothing themselves.

Every probe takes the server first (for kept objects) and then decoded arguments.

Limitations
-----------
Probes run in the same process as student code, so they use the libraries as that code
left them. ``capture_libraries`` keeps the solver the probes use (``torchdiffeq.odeint``)
as it was before any student module was imported, so replacing that public function does
not reach them; a submission that rewrites torch's or torchdiffeq's internals could still
bias a measurement. Judging happens on the grader side, out of reach, on the plain data
returned.
"""

from __future__ import annotations

import io

MAX_ITEMS = 50
TRUSTED: dict = {}
"""library functions captured before student code runs (see ``capture_libraries``)"""


def capture_libraries() -> None:
    """Keep the library functions the probes call as they are now, before any student
    module is imported: later replacements of ``torchdiffeq.odeint`` do not reach them."""
    import torchdiffeq

    TRUSTED.setdefault("odeint", torchdiffeq.odeint)


def _odeint():
    """The solver the probes use: the captured one, or torchdiffeq's if none was captured."""
    if "odeint" not in TRUSTED:
        capture_libraries()
    return TRUSTED["odeint"]


def vjp(server, function, args, kwargs=None, cotangent=None):
    """Call ``function(*args, **kwargs)`` and back-propagate ``sum(cotangent * output)``.

    Gradients are taken with respect to every argument tensor that requires gradients and to
    the parameters of every ``torch.nn.Module`` among the arguments.

    Returns a dict: ``output`` (tensor), ``has_grad_fn`` (bool), ``grads`` (one entry per
    positional argument, ``None`` where it is not a tensor requiring gradients or received
    no gradient), ``kwarg_grads`` (the same by keyword) and ``param_grads`` (a list per
    module argument, ``None`` for parameters that received no gradient).
    """
    import torch

    kwargs = kwargs or {}
    output = function(*args, **kwargs)
    if not isinstance(output, torch.Tensor):
        raise TypeError(f"expected a tensor, got {type(output).__name__}")
    answer = {"output": output.detach(), "has_grad_fn": output.grad_fn is not None}

    leaves, slots = [], []
    for key, value in list(enumerate(args)) + list(kwargs.items()):
        if isinstance(value, torch.Tensor) and value.requires_grad:
            leaves.append(value)
            slots.append(("arg", key))
        elif isinstance(value, torch.nn.Module):
            for parameter in value.parameters():
                leaves.append(parameter)
                slots.append(("param", key))
    grads = [None] * len(leaves)
    if leaves and output.grad_fn is not None:
        weight = torch.ones_like(output) if cotangent is None else cotangent.to(output.dtype)
        grads = torch.autograd.grad(
            (output * weight).sum(), leaves, allow_unused=True, retain_graph=False
        )

    answer["grads"] = [None] * len(args)
    answer["kwarg_grads"] = {}
    param_grads: dict = {}
    for (kind, key), grad in zip(slots, grads, strict=True):
        grad = None if grad is None else grad.detach()
        if kind == "param":
            param_grads.setdefault(key, []).append(grad)
        elif isinstance(key, int):
            answer["grads"][key] = grad
        else:
            answer["kwarg_grads"][key] = grad
    answer["param_grads"] = list(param_grads.values())
    return answer


def module_summary(server, module):
    """What a ``torch.nn.Module`` holds: its class, parameter count, dtypes, trainability."""
    import torch

    if not isinstance(module, torch.nn.Module):
        return {"is_module": False, "type": type(module).__name__}
    parameters = list(module.parameters())
    return {
        "is_module": True,
        "type": type(module).__name__,
        "n_parameters": int(sum(p.numel() for p in parameters)),
        "n_tensors": len(parameters),
        "dtypes": sorted({str(p.dtype).replace("torch.", "") for p in parameters}),
        "all_trainable": all(p.requires_grad for p in parameters),
    }


def solve(server, field, y0, t, method="dopri5", rtol=1e-9, atol=1e-11):
    """Integrate ``dy/dt = field(t, y)`` from ``y0`` at times ``t`` with torchdiffeq."""
    import torch

    with torch.no_grad():
        return _odeint()(field, y0, t, method=method, rtol=rtol, atol=atol)


def axes_summary(server, axes, png_dpi=80):
    """Describe a matplotlib Axes structurally, plus its figure as PNG bytes.

    Returns labels, the lines (label and data, capped), the collections by class name, the
    patches by class name, the legend's texts, and ``png`` as a uint8 array.
    """
    import numpy as np
    from matplotlib.axes import Axes

    if not isinstance(axes, Axes):
        return {"is_axes": False, "type": type(axes).__name__}
    lines = []
    for line in axes.get_lines()[:MAX_ITEMS]:
        x = np.asarray(line.get_xdata(), dtype=float).ravel()[:5000]
        y = np.asarray(line.get_ydata(), dtype=float).ravel()[:5000]
        lines.append({"label": str(line.get_label()), "x": x, "y": y})
    legend = axes.get_legend()
    buffer = io.BytesIO()
    axes.figure.savefig(buffer, format="png", dpi=png_dpi)
    return {
        "is_axes": True,
        "xlabel": str(axes.get_xlabel()),
        "ylabel": str(axes.get_ylabel()),
        "title": str(axes.get_title()),
        "lines": lines,
        "collections": [type(c).__name__ for c in axes.collections][:MAX_ITEMS],
        "patches": [type(p).__name__ for p in axes.patches][:MAX_ITEMS],
        "legend": [] if legend is None else [str(t.get_text()) for t in legend.get_texts()],
        "png": np.frombuffer(buffer.getvalue(), dtype=np.uint8),
    }


def constant(server, module, name):
    """The value of the module-level name ``student.<module>.<name>`` (e.g. a bool answer).

    The value is returned as it is and encoded like any answer (plain data, or a handle for
    an object the encoder cannot express). A missing name raises ``AttributeError``, so that
    the check reading it fails with that message.
    """
    target = server.import_module(module)
    try:
        return getattr(target, name)
    except AttributeError:
        raise AttributeError(f"student/{module}.py has no `{name}`") from None


# --------------------------------------------------------------------------------------------
# section 2.2: samplers run with a scripted generator, and many short chains at once


def scripted_run(server, function, args, rng_position, normals, uniform, block=None):
    """Call ``function(*args)`` with a ``ScriptedGenerator`` at ``args[rng_position]``.

    Returns the function's value and how it used the generator: ``normals_drawn``,
    ``uniforms_drawn`` (counts of values) and ``other_calls`` (names of other sampling
    methods called). ``normals``, ``uniform`` and ``block`` are as in
    ``fixtures.ScriptedGenerator``.
    """
    from .fixtures import ScriptedGenerator

    rng = ScriptedGenerator(normals, uniform, block)
    call_args = list(args)
    call_args[rng_position] = rng
    value = function(*call_args)
    return {
        "value": value,
        "normals_drawn": rng.normals_drawn,
        "uniforms_drawn": rng.uniforms_drawn,
        "other_calls": sorted(set(rng.other_calls)),
    }


def last_states(server, function, args, x0_position, rng_position, starts, seed):
    """Run a sampler once per row of ``starts`` and return the last row of each chain.

    Chain ``j`` is ``function(*args)`` with ``args[x0_position] = starts[j]`` (a fresh copy)
    and ``args[rng_position]`` a ``numpy.random.Generator`` seeded from the ``j``-th child of
    ``numpy.random.SeedSequence(seed)``, so the chains are independent.

    Returns ``last`` (shape ``(len(starts), d)``, NaN rows for chains whose return value
    could not be read as ``(samples of shape (n, d), rate)``), ``n_unreadable`` and
    ``problem`` (a description of the first unreadable return, or "").
    """
    import numpy as np

    starts = np.asarray(starts, dtype=float)
    streams = np.random.SeedSequence(int(seed)).spawn(len(starts))
    last = np.full(starts.shape, np.nan)
    n_unreadable, problem = 0, ""
    for j, (start, stream) in enumerate(zip(starts, streams, strict=True)):
        call_args = list(args)
        call_args[x0_position] = start.copy()
        call_args[rng_position] = np.random.default_rng(stream)
        value = function(*call_args)
        try:
            samples = np.asarray(value[0], dtype=float)
            if len(value) != 2 or samples.ndim != 2 or samples.shape[1] != starts.shape[1]:
                raise ValueError(f"samples of shape {samples.shape}")
            last[j] = samples[-1]
        except (TypeError, ValueError, IndexError) as error:
            n_unreadable += 1
            problem = problem or f"{type(error).__name__}: {error}"
    return {"last": last, "n_unreadable": n_unreadable, "problem": problem[:200]}


# --------------------------------------------------------------------------------------------
# section 2.1: rollouts of a learned planar field, and the points of a phase portrait


def rollouts(server, field, starts, t, method="dopri5", rtol=1e-6, atol=1e-8):
    """Solve ``dy/dt = field(t, y)`` over ``t`` from each row of ``starts``, one at a time.

    Each start is solved on its own, so that a field that mishandles batches is judged on
    what it does with single states. A solve that raises (``underflow in dt`` when the
    field blows up, an exception in the field) or returns a value of the wrong shape leaves
    a NaN path, and the first such problem is described.

    Returns ``paths`` (shape ``(len(starts), len(t), 2)``, float64) and ``problem`` ("" when
    every solve worked).
    """
    import numpy as np
    import torch

    odeint = _odeint()
    paths = np.full((len(starts), len(t), 2), np.nan)
    problem = ""
    for k, start in enumerate(starts):
        try:
            with torch.no_grad():
                path = odeint(field, start.clone(), t, method=method, rtol=rtol, atol=atol)
            if not isinstance(path, torch.Tensor) or tuple(path.shape) != (len(t), 2):
                raise ValueError(f"a solve of shape {tuple(getattr(path, 'shape', ()))}")
            paths[k] = path.detach().to(torch.float64).numpy()
        except Exception as error:  # the student's field failed under the solver
            problem = problem or f"{type(error).__name__}: {str(error)[:200]}"
    return {"paths": paths, "problem": problem}


def axes_points(server, axes):
    """The point sets (``get_offsets``) of each collection of a matplotlib Axes, e.g. the
    points of ``scatter``: a list of ``{"type": class name, "offsets": (n, 2) array}``,
    each capped at 5000 points."""
    import numpy as np
    from matplotlib.axes import Axes

    if not isinstance(axes, Axes):
        return []
    found = []
    for collection in axes.collections[:MAX_ITEMS]:
        try:
            offsets = np.asarray(collection.get_offsets(), dtype=float).reshape(-1, 2)
        except (AttributeError, TypeError, ValueError):
            continue
        if offsets.size:
            found.append({"type": type(collection).__name__, "offsets": offsets[:5000]})
    return found
