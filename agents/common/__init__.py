"""Building blocks shared by every agent, one concept per module. No
Launchpad: run infrastructure (budget, loggers, the runners' loop) lives in
`programs.nodes`.

  environments          name -> dm_env.Environment (float32 observations);
                        specs; the discrete-actions check
  batched_environments  N environments stepped together, auto-reset
  acme_actor            a batched actor run the acme way (one dm_env
                        environment, acme.EnvironmentLoop)
  config_checks         the checks every config's __post_init__ runs
  networks              Sonnet pieces: the shared torso; an LSTM that resets
                        at episode starts (ResetCore); Conv2D (sonnet
                        2.0.0's fails on 3.10)
  weights               network weights as NumPy; seeded initialisation
  variable_client       background variable fetches (daemon thread)
  replay_tables         the replay table preset (uniform / prioritized,
                        rate limiters)
  replay_writers        bounded flush; rows of arrays inserted as items
  replay_samples        sample keys/probabilities; priority write-back
  priorities            importance weights; R2D2's sequence priority
  actor_critic          the policy + value network of IMPALA and A3C
  unroll_actor          the batched actor writing unrolls (IMPALA, PPO,
                        A3C's workers); unrolls: the queue's items
  unroll_learner        one update per batch of unrolls for any
                        actor-critic loss; data-parallel replicas
  central_inference     an action server's batched policy;
                        inference_modes: the config fields it reads
  synchronous_sampling  actors that wait for the learner's next policy
  value_rescaling       h(x) and its exact inverse (R2D2)
  optimizers            a config's optimizer options; Sonnet's optimizer
                        for learners; NumPy Adam / RMSProp / SGD for
                        parameter servers
  parameter_server      sharded parameters: shards, client, stale drops,
                        synchronous rounds (A2C), bounded waits for updates
  wire                  arrays as bytes for calls into Courier nodes
  lazy                  package attributes that load their module on use
"""
