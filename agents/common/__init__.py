"""Building blocks shared by every agent, one concept per module.

  environments          name -> dm_env.Environment (float32 observations)
  batched_environments  N environments stepped together, auto-reset
  loggers               terminal + CSV + TensorBoard logger per node group
  budget                when a run is over (steps or seconds)
"""
