"""Evolution Strategies (Salimans et al. 2017): workers send noise indices
and returns (scalars), a master steps Adam on the centered-rank gradient
estimate and broadcasts theta. NumPy only: no TensorFlow on any ES node.

  from agents import es
  config = es.ESConfig(sigma=0.02, pairs_per_worker=16)

Modules: config (ESConfig), maths (noise table, centered ranks, gradient),
policy (batched NumPy MLP, observation statistics), master (ESMaster, a
parameter-server shard fed with returns), worker (ESWorker, evaluation
actor).
"""

from agents.es.config import ESConfig  # pylint: disable=unused-import
