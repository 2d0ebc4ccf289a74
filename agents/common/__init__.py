"""Building blocks shared by every agent, one concept per module.

  environments          name -> dm_env.Environment (float32 observations)
  batched_environments  N environments stepped together, auto-reset
  environment_loop      drives a batched environment with a batched actor
  networks              Sonnet pieces: the shared torso; an LSTM that resets
                        at episode starts (ResetCore); Conv2D (sonnet
                        2.0.0's fails on 3.10)
  weights               network weights as NumPy; seeded initialisation
  variable_client       background variable fetches (daemon thread)
  loggers               terminal + CSV + TensorBoard logger per node group
  budget                when a run is over (steps, seconds, target return)
  replay                Reverb helpers: bounded flush, table rates, the
                        replay table preset, item and priority writers
  priorities            importance weights; R2D2's sequence priority
  actor_critic          the policy + value network of IMPALA and A3C
  value_rescaling       h(x) and its exact inverse (R2D2)
  optimizers            NumPy Adam / RMSProp / SGD for parameter servers
  parameter_server      sharded parameters: shards, client, stale drops,
                        synchronous rounds (A2C)
  wire                  arrays as bytes for calls into Courier nodes
  lazy                  package attributes that load their module on use
"""
