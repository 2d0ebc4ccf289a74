"""The node library: the nodes every program's graph is made of, one
concept per module. Shared code builds *nodes* (`build_*`), never graphs:
each `programs/<arch>.py` spells out its own groups and edges.

  lifecycle        failure reporting, the exit watchdog, the stop: `guarded`,
                   `Stopped`, `StoppableClient` (every call between nodes),
                   `BoundedCourierNode` (handles with call timeouts)
  budget           when a run is over (steps, seconds, target return)
  counter          the `counter` node (counts, clock, budget watch) and the
                   client other nodes count through
  variable_server  the `variable_server` node; `variable_source` for readers
  parameter_shard  the `parameter_server` nodes: gradient shards, ES master
  learner_runner   the `learner` node: serves and steps an agent's learner
  unroll_learners  a queue's learner (IMPALA, central A2C) as its node
                   builds it, alone or as a data-parallel replica
  all_reduce       the `all_reduce` node: the mean gradient of K learner
                   replicas per update
  action_server    the `action_server` node: batched central inference
  env_worker       the TF-free environment workers of central inference
  actor_runner     the `actor`/`worker` node: steps a batched actor
  es_worker        ES's `worker` node: task, evaluate, report
  evaluator        the `evaluator` node, and the target-return stop
  loggers          terminal + CSV + TensorBoard rows per node group
                   (appended to when a run resumes)
  replay_rates     a Reverb table's size and rates for learners' logs
  replay           the `replay` node (a Reverb table or queue), imported
                   only where it runs; with a schedule, it restores and
                   saves Reverb checkpoints
  checkpoints      numbered, hashed, atomic saves per node under
                   <logdir>/checkpoints; the learner, counter and parameter
                   servers restore at start and save by period and at stop

Node builders take picklable values and handles; networks, environments and
clients are made in the node's own process. Nodes with nothing to compute
(counter, variable server) never import TensorFlow, and neither does the
launcher that builds the graph.
"""
