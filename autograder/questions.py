"""The handout's questions: ids, titles and the points each is worth (100 in all)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    """One question of the handout."""

    id: str
    """the handout's number, e.g. ``"2.2"``; every grader test name starts with it"""
    title: str
    """a short title, for tables and feedback"""
    points: float
    """what the question is worth; the grader tests of the question add up to this"""


QUESTIONS: tuple[Question, ...] = (
    Question("1.1", "Picard–Lindelöf and Neural ODEs", 6),
    Question("1.2", "The adjoint of a linear ODE", 5),
    Question("1.3", "Score models and Langevin dynamics", 6),
    Question("1.4", "Spectral bias and Fourier features", 5),
    Question("1.5", "Conservation in Hamiltonian neural networks", 5),
    Question("1.6", "Divergence and Hutchinson's estimator", 8),
    Question("1.7", "Forward Euler and energy", 10),
    Question("1.8", "Neural operators and PINNs", 3),
    Question("2.1", "Lotka–Volterra with a Neural ODE", 26),
    Question("2.2", "HMC on the banana", 26),
)

BY_ID: dict[str, Question] = {question.id: question for question in QUESTIONS}
TOTAL_POINTS: float = sum(question.points for question in QUESTIONS)
