"""Correct ``lotka_volterra.py`` modules written differently from the reference, and two
cheats, for the 2.1 graders' false-fail and false-pass tests.

Each correct module takes other choices than the reference where the contract leaves a
choice: how the field is written, which adaptive solver simulates and how tightly, how the
noise is drawn, the network, the training recipe and its solver, the plot's artists. A
window-only recipe, which the handout warns against, is right everywhere but in its fit of
the whole trajectory. The cheats learn nothing (or only four rates) and must lose the
training checks.
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent
CORRECT = ("handout_recipe", "growing_windows", "fine_steps")
"""complete modules that should earn full marks in 2.1"""
WINDOWS_ONLY = ("windows_only",)
"""complete modules, right everywhere but whose training never sees the whole trajectory:
they may lose the whole-trajectory checks and nothing else"""
WINDOW_SCHEDULES = (
    "schedule = [(5, 32, 5e-3), (20, 32, 2e-3), (len(t) - 1, 1, 5e-4)]",
    "schedule = [(5, 32, 5e-3), (15, 32, 2e-3), (40, 16, 5e-4)]",
)
"""``windows_only`` is ``growing_windows`` with its last, whole-trajectory stage replaced
by windows of 40 steps: the first schedule is replaced by the second"""
CHEATS = ("known_field", "rates_only")
"""blocks that replace the learned field and training of ``handout_recipe``"""


def module_text(name: str) -> str:
    """The full ``lotka_volterra.py`` of an alternative: a correct module as it is, the
    window-only one as ``growing_windows`` with another schedule, a cheat as
    ``handout_recipe`` with its ``NeuralODEFunc`` and ``train_neural_ode`` replaced."""
    if name in CORRECT:
        return (HERE / f"{name}.py").read_text()
    if name == "windows_only":
        text = (HERE / "growing_windows.py").read_text()
        whole, windows = WINDOW_SCHEDULES
        assert text.count(whole) == 1, "growing_windows.py no longer holds its schedule"
        return text.replace(whole, windows)
    base = (HERE / "handout_recipe.py").read_text()
    start = base.index("class NeuralODEFunc(nn.Module):")
    end = base.index("def plot_phase_portrait(")
    block = (HERE / f"{name}.py").read_text()
    body = block[block.index("class NeuralODEFunc(nn.Module):") :]
    return base[:start] + body + "\n\n" + base[end:]
