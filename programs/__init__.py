"""Program graphs: one module per architecture, wiring only.

`PROGRAMS` maps a program name to (make_program, config class); every
make_program has the signature `make_program(config, environment_name, *,
num_actors, budget, logdir, start_time) -> lp.Program`. Shared node builders
live in `programs.nodes`.
"""

from agents.a3c import config as a3c_config
from agents.alphazero import config as alphazero_config
from agents.dpg import config as dpg_config
from agents.dqn import config as dqn_config
from agents.es import config as es_config
from agents.impala import config as impala_config
from agents.lspi import config as lspi_config
from agents.ppo import config as ppo_config
from agents.r2d2 import config as r2d2_config
from agents.value_iteration import config as value_iteration_config
from programs import a3c as a3c_program
from programs import alphazero as alphazero_program
from programs import apex as apex_program
from programs import apex_dpg as apex_dpg_program
from programs import dpg_r as dpg_r_program
from programs import dqn as dqn_program
from programs import es as es_program
from programs import gorila as gorila_program
from programs import impala as impala_program
from programs import lspi as lspi_program
from programs import ppo as ppo_program
from programs import r2d2 as r2d2_program
from programs import value_iteration as value_iteration_program

PROGRAMS = {
    'impala': (impala_program.make_program, impala_config.IMPALAConfig),
    'dqn': (dqn_program.make_program, dqn_config.DQNConfig),
    'apex': (apex_program.make_program, dqn_config.ApexConfig),
    'gorila': (gorila_program.make_program, dqn_config.GorilaConfig),
    'r2d2': (r2d2_program.make_program, r2d2_config.R2D2Config),
    'a3c': (a3c_program.make_program, a3c_config.A3CConfig),
    'a2c': (a3c_program.make_program, a3c_config.A2CConfig),
    'es': (es_program.make_program, es_config.ESConfig),
    'ppo': (ppo_program.make_program, ppo_config.PPOConfig),
    'appo': (ppo_program.make_program, ppo_config.APPOConfig),
    'apex_dpg': (apex_dpg_program.make_program, dpg_config.ApexDPGConfig),
    'dpg_r': (dpg_r_program.make_program, dpg_config.DPGRConfig),
    'lspi': (lspi_program.make_program, lspi_config.LSPIConfig),
    'value_iteration': (value_iteration_program.make_program,
                        value_iteration_config.ValueIterationConfig),
    'alphazero': (alphazero_program.make_program,
                  alphazero_config.AlphaZeroConfig),
}
