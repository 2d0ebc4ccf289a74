"""LSPI (Lagoudakis & Parr 2003) as map-reduce (Li & Schuurmans 2011): K
mappers each hold a shard of transitions and return their partial LSTD-Q
sums (A_k, b_k) under the current weights; a reducer adds them, solves for
new weights and stops once the greedy policy holds. NumPy only.

  from agents import lspi
  config = lspi.LSPIConfig(num_samples=5_000)
  a_k, b_k = lspi.shard_statistics(shard, weights, config.discount)

Modules: config (LSPIConfig), lstdq (shards, the map and reduce steps,
`lspi`: the single-process reference). The chain walk it is tested on is
`agents.common.chain_walk`.
"""

# pylint: disable=unused-import
from agents.lspi.config import LSPIConfig
from agents.lspi.lstdq import greedy_actions
from agents.lspi.lstdq import lspi
from agents.lspi.lstdq import LSPIResult
from agents.lspi.lstdq import make_shard
from agents.lspi.lstdq import partial_statistics
from agents.lspi.lstdq import Shard
from agents.lspi.lstdq import shard_ranges
from agents.lspi.lstdq import shard_statistics
from agents.lspi.lstdq import solve
from agents.lspi.lstdq import stop_reason
from agents.lspi.lstdq import sum_statistics
