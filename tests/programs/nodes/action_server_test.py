"""The action server against a live Reverb queue, called by many slots at
once: every slot gets its own actions, one network call serves several
slots, and each slot's unrolls are the ones its caller saw."""

import threading

from absl.testing import absltest
import numpy as np
import reverb
import tensorflow as tf
import tree

from agents.common import actor_critic
from agents.common import batched_environments
from agents.common import central_inference
from agents.common import unrolls
from agents.common import weights
from agents.common import wire
from agents.impala import config as config_lib
from programs.nodes import action_server as action_server_lib

CONFIG = config_lib.IMPALAConfig(unroll_length=4, hidden_sizes=(16,),
                                 variable_update_period=1, seed=3)
SHAPE, NUM_ACTIONS = (4,), 2  # CartPole.
NUM_WORKERS, SLOT_ENVS = 3, (3, 2)  # Alternating: two halves per worker.
NUM_STEPS = 2 * CONFIG.unroll_length


class Source:
  """A variable source serving fixed weights (as a variable server)."""

  def __init__(self, arrays):
    self._arrays = arrays

  def get_variables(self, names):
    return [self._arrays for _ in names]


class ActionServerTest(absltest.TestCase):

  def test_each_slot_gets_its_own_actions_and_unrolls(self):
    table = unrolls.queue_tables(SHAPE, NUM_ACTIONS, CONFIG, max_size=1000)
    server = reverb.Server(table)
    self.addCleanup(server.stop)
    client = reverb.Client(f'localhost:{server.port}')
    # Weights other than the seeded initial ones: the server must take them.
    probe = actor_critic.make_network(
        SHAPE, NUM_ACTIONS, config_lib.IMPALAConfig(hidden_sizes=(16,),
                                                    seed=9))
    slot_envs = list(SLOT_ENVS) * NUM_WORKERS

    def make_policy(variable_source, replay, should_stop):
      policy = central_inference.make_central_policy(
          variable_source, replay, should_stop, observation_shape=SHAPE,
          num_actions=NUM_ACTIONS, slot_envs=slot_envs, config=CONFIG,
          seed=0)
      policy.update(wait=True)  # Served weights from the first action on.
      return policy

    actions_server = action_server_lib.ActionServer(
        make_policy, Source(weights.get_weights(probe)),
        reverb.Client(f'localhost:{server.port}'),
        batch_slots=NUM_WORKERS)
    stop = threading.Event()
    inference = threading.Thread(target=actions_server.run_inference,
                                 args=(stop,), daemon=True)
    inference.start()
    self.addCleanup(stop.set)
    observations = {}  # slot -> [T + 1 of [B_slot, 4]]
    actions = {}  # slot -> [T of [B_slot]]

    def run_slot(slot):
      env = batched_environments.make_batched_environment(
          'cartpole', slot_envs[slot], 100 + slot)
      observation = env.reset()
      observations[slot], actions[slot] = [observation], []
      action = actions_server.reset(slot, wire.pack(
          [observation]))
      for _ in range(NUM_STEPS):
        actions[slot].append(np.asarray(action))
        step = env.step(action)
        observations[slot].append(step[0])
        action = actions_server.step(slot, wire.pack(
            list(step)))

    # One thread per slot: the calls of all slots overlap.
    threads = [threading.Thread(target=run_slot, args=(s,))
               for s in range(len(slot_envs))]
    for thread in threads:
      thread.start()
    for thread in threads:
      thread.join(timeout=120)
    # The server records a batch after answering it: its last batch is in
    # the queue once the inference thread has ended.
    stop.set()
    inference.join(timeout=60)
    stats = actions_server.stats()
    self.assertEqual(stats['requests'], len(slot_envs) * (NUM_STEPS + 1))
    self.assertLess(stats['batches'], stats['requests'])  # Batched.

    # Every written unroll is one environment's window of one slot, with
    # the actions its caller got and the logits of the served weights.
    expected = {}
    for slot, n in enumerate(slot_envs):
      obs = np.stack(observations[slot])  # [NUM_STEPS + 1, B, 4]
      act = np.stack(actions[slot])  # [NUM_STEPS, B]
      for b in range(n):
        for k in range(NUM_STEPS // CONFIG.unroll_length):
          window = slice(k * CONFIG.unroll_length,
                         (k + 1) * CONFIG.unroll_length)
          expected[(slot, b, k)] = (
              obs[k * CONFIG.unroll_length:
                  (k + 1) * CONFIG.unroll_length + 1, b], act[window, b])
    size = client.server_info()[unrolls.QUEUE_TABLE].current_size
    self.assertEqual(size, len(expected))
    signature = unrolls.signature(SHAPE, NUM_ACTIONS, CONFIG)
    found = set()
    for sample in client.sample(unrolls.QUEUE_TABLE, num_samples=size,
                                emit_timesteps=False):
      item = tree.unflatten_as(signature, [np.asarray(x) for x in
                                           sample.data])
      matches = [key for key, (obs, _) in expected.items()
                 if np.array_equal(obs, item['observation'])]
      self.assertLen(matches, 1)
      key = matches[0]
      np.testing.assert_array_equal(item['action'], expected[key][1],
                                    err_msg=str(key))
      (logits, _), _ = probe.step(tf.constant(item['observation'][:-1]),
                                  tf.zeros(CONFIG.unroll_length, tf.bool),
                                  ())
      np.testing.assert_allclose(item['behaviour_logits'], logits,
                                 rtol=1e-5, atol=1e-5)
      found.add(key)
    self.assertLen(found, len(expected))


if __name__ == '__main__':
  absltest.main()
