"""distrl agents: one package per architecture, TF2 + Sonnet + NumPy only.

Nothing under `agents/` imports Launchpad: every agent is importable and
testable in one process. Shared building blocks live in `agents.common`.

  from agents import impala
  config = impala.IMPALAConfig(learning_rate=1e-3)
"""
