"""Single-bug variants of ``solutions/lotka_volterra.py`` (question 2.1): in the field, the
simulation, the learned field's module, the training loop and the plot."""

from tests.variants import Variant

VARIANTS = [
    # the field
    Variant(
        name="lv-gamma-delta-exchanged",
        module="lotka_volterra",
        old="d_predator = delta * prey * predator - gamma * predator",
        new="d_predator = gamma * prey * predator - delta * predator",
        question="2.1",
        bug="the predator equation with gamma and delta in each other's places",
    ),
    Variant(
        name="lv-field-rebuilt-from-floats",
        module="lotka_volterra",
        old="return torch.stack([d_prey, d_predator], dim=-1).to(y.dtype)",
        new="return torch.tensor(torch.stack([d_prey, d_predator], dim=-1).tolist(), "
        "dtype=y.dtype)",
        question="2.1",
        bug="the field rebuilt with torch.tensor from Python numbers, so no gradient flows",
    ),
    Variant(
        name="lv-state-before-time",
        module="lotka_volterra",
        old="def lotka_volterra(\n    t: Tensor,\n    y: Tensor,",
        new="def lotka_volterra(\n    y: Tensor,\n    t: Tensor,",
        question="2.1",
        bug="the field takes (y, t) instead of the (t, y) that odeint passes",
    ),
    # the simulation
    Variant(
        name="simulate-rk4-at-data-spacing",
        module="lotka_volterra",
        old='method="dopri5", rtol=TRUE_SOLVE_RTOL, atol=TRUE_SOLVE_ATOL',
        new='method="rk4"',
        question="2.1",
        bug="ground truth from fixed-step rk4 at the observation spacing",
    ),
    Variant(
        name="simulate-variance-for-std",
        module="lotka_volterra",
        old="y_obs = y_true + noise_std * noise",
        new="y_obs = y_true + noise_std**2 * noise",
        question="2.1",
        bug="noise scaled by the variance instead of the standard deviation",
    ),
    Variant(
        name="simulate-global-random-state",
        module="lotka_volterra",
        old="noise = torch.randn(y_true.shape, generator=generator, dtype=y_true.dtype)",
        new="noise = torch.randn(y_true.shape, dtype=y_true.dtype)",
        question="2.1",
        bug="noise drawn from torch's global generator instead of the seeded one",
    ),
    Variant(
        name="simulate-parameters-dropped",
        module="lotka_volterra",
        old="return lotka_volterra(t, y, **params)",
        new="return lotka_volterra(t, y)",
        question="2.1",
        bug="the rates passed to simulate_lotka_volterra never reach the field",
    ),
    # the learned field's module
    Variant(
        name="neural-func-batch-axis-added",
        module="lotka_volterra",
        old="return (self.scale * self.net(z)).to(y.dtype)",
        new="return (self.scale * self.net(z)).to(y.dtype).reshape(-1, 2)",
        question="2.1",
        bug="forward flattens its output to (N, 2), so a (2,) state gives (1, 2)",
    ),
    # the training loop
    Variant(
        name="train-losses-as-tensors",
        module="lotka_volterra",
        old="losses.append(loss.item())",
        new="losses.append(loss.detach())",
        question="2.1",
        bug="the losses kept as tensors instead of Python floats",
    ),
    Variant(
        name="train-gradients-zeroed-before-step",
        module="lotka_volterra",
        old="        optimizer.zero_grad()\n        loss.backward()\n        optimizer.step()\n"
        "        schedule.step()",
        new="        loss.backward()\n        optimizer.zero_grad()\n        optimizer.step()\n"
        "        schedule.step()",
        question="2.1",
        bug="gradients zeroed between backward and step in the short-window phase, so it "
        "learns nothing",
        needs_training=True,
    ),
    Variant(
        name="train-fits-standardized-data",
        module="lotka_volterra",
        old="    func.set_standardization(y_obs)\n",
        new="    func.set_standardization(y_obs)\n    y_obs = (y_obs - func.shift) / func.scale\n",
        question="2.1",
        bug="training fits the standardized observations, so the returned field describes "
        "standardized states while it is used on populations",
        needs_training=True,
    ),
    # the plot
    Variant(
        name="plot-trajectory-axes-swapped",
        module="lotka_volterra",
        old="trajectory[:, 0], trajectory[:, 1], color=",
        new="trajectory[:, 1], trajectory[:, 0], color=",
        question="2.1",
        bug="the trajectory drawn with predators on the horizontal axis",
    ),
    Variant(
        name="plot-observations-missing",
        module="lotka_volterra",
        old='ax.scatter(*y_obs.numpy().T, s=12, color="black", zorder=3, label="observations")',
        new="pass  # the observations are not drawn",
        question="2.1",
        bug="the observations are not drawn",
    ),
]
