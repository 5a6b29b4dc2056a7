"""The reference's contents for the notebook cells a student fills in (tagged ``answer:NAME``).

Used only to execute the handout notebook against the reference solutions, so that every
curve of every figure is drawn (``autograder.notebook.reference_answers``).
"""

ANSWERS = {
    "variance_per_probe": '''\
def variance_per_probe(A, distribution):
    """Var[eps^T A eps] for one probe: 2 ||S||_F^2 (Gaussian), minus 2 sum S_ii^2 (Rademacher).

    S = (A + A^T) / 2 is the symmetric part of A; only it enters eps^T A eps.
    """
    S = (A + A.T) / 2
    frobenius = float((S**2).sum())
    if distribution == "gaussian":
        return 2 * frobenius
    return 2 * (frobenius - float((torch.diagonal(S) ** 2).sum()))
''',
    "sampler_settings": """\
HMC_STEP_SIZE = 0.2
HMC_N_LEAPFROG = 80
# Proportional to the marginal standard deviations: Var x1 = 100, Var x2 = 1 + 2 b^2 10^4.
RWM_PROPOSAL_STD = 0.8 * np.array([10.0, np.sqrt(1 + 2 * 0.1**2 * 1e4)])
""",
}
