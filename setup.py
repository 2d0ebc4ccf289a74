"""distrl: distributed deep-RL architectures as Launchpad programs.

Install the pinned working set first (the Makefile does both):
  pip install --no-deps -r requirements/py310.lock
  pip install --no-deps -e .
"""

import setuptools

setuptools.setup(
    name='distrl',
    version='0.1.0',
    description='Distributed deep-RL architectures as Launchpad programs.',
    packages=setuptools.find_packages(include=['agents', 'agents.*',
                                               'programs', 'programs.*',
                                               'launch', 'launch.*']),
    python_requires='>=3.10,<3.11',
    install_requires=[
        'dm-launchpad==0.5.2', 'dm-reverb==0.7.2', 'dm-acme==0.4.0',
        'tensorflow==2.8.4', 'dm-sonnet==2.0.0', 'trfl==1.2.0',
        'dm-env', 'numpy', 'bsuite', 'gymnasium', 'MinAtar', 'dm-control',
    ],
    extras_require={'test': ['pytest']},
)
