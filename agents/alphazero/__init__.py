"""AlphaZero (Silver et al. 2018): self-play with Monte-Carlo tree search
guided by a policy/value network, learning from (position, search policy,
game outcome).

  games       tic-tac-toe and Connect Four in NumPy (canonical boards)
  references  random, perfect (tic-tac-toe minimax) and pure-MCTS opponents
  config      AlphaZeroConfig
  mcts        PUCT search over a game with a network's priors and values
  network     the Sonnet network (learner) and its NumPy forward (actors)
  self_play   a self-play actor: games to replay items
  learner     the TF2 learner (cross-entropy + value + L2)
  matches     games between players: evaluation against the references
"""
