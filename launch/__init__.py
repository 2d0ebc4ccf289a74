"""The launch layer: `python -m launch --program=impala --env=catch ...`.

  config.py     LaunchConfig (what runs where, budget, resources per group),
                its checks, hyperparameter overrides, JSON launch files
  isolation.py  private network namespace for local launches
  __main__.py   the absl CLI
  configs/      example launch config files
"""
