"""R2D2's learner: the DQN family's learner (prioritized sampling, one
tf.function step, clipping, target copies, priority write-back, counting,
logging) with the sequence loss of `agents.r2d2.losses`."""

from agents.dqn import learner as dqn_learner
from agents.r2d2 import losses


class R2D2Learner(dqn_learner.DQNLearner):
  """Consumes batches of sequences [B, L, ...]; see `agents.r2d2.sequences`."""

  LOSS = losses.R2D2Loss
