"""IMPALA's network: the actor-critic network it shares with A3C
(`agents.common.actor_critic`), under the names IMPALA's code uses."""

from agents.common.actor_critic import ActorCriticNetwork as IMPALANetwork  # pylint: disable=unused-import
from agents.common.actor_critic import make_network  # pylint: disable=unused-import
from agents.common.actor_critic import State  # pylint: disable=unused-import
