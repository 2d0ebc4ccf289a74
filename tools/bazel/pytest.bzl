"""py_pytest: a py_test that runs one test module under pytest."""

UNIT = "not learning and not launch"

def py_pytest(name, src, deps = [], markers = UNIT, data = [], **kwargs):
    """One test module, run by tools/bazel/pytest_main.py.

    Args:
      name: the target, the module's name.
      src: the module, e.g. "losses_test.py".
      deps: the libraries it imports (its own package's among them).
      markers: a pytest -m expression; by default the unit tests only
        (the `learning` and `launch` markers are deselected). None runs
        every test in the module.
      data: files it reads.
      **kwargs: py_test's other attributes (size, tags, shard_count...).
    """
    args = []
    if markers:
        args = ["-m", "'%s'" % markers]
    native.py_test(
        name = name,
        srcs = [src, "//tools/bazel:pytest_main.py"],
        main = "//tools/bazel:pytest_main.py",
        args = args + ["$(rootpath %s)" % src],
        data = data + ["//:pytest.ini"],
        deps = deps + ["//tools/bazel:pytest_main"],
        python_version = "PY3",
        srcs_version = "PY3",
        **kwargs
    )
