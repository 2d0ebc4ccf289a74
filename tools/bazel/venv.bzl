"""@distrl_venv: the pinned venv's interpreter as Bazel's Python toolchain.

A local repository rule (nothing is downloaded): it finds `.venv/bin/python`
in the workspace (made by `make .venv/.installed-lock`) and declares a
py_runtime with its absolute path, so every py_binary and py_test runs on
the venv and its site-packages (TensorFlow, Launchpad, Reverb, pytest).
"""

_BUILD = """\
load("@bazel_tools//tools/python:toolchain.bzl", "py_runtime_pair")

py_runtime(
    name = "py3_runtime",
    interpreter_path = "{python}",
    python_version = "PY3",
    stub_shebang = "#!{python}",
)

py_runtime_pair(
    name = "runtime_pair",
    py3_runtime = ":py3_runtime",
)

toolchain(
    name = "toolchain",
    toolchain = ":runtime_pair",
    toolchain_type = "@bazel_tools//tools/python:toolchain_type",
)
"""

def _venv_python_impl(rctx):
    workspace = rctx.path(Label("@//:WORKSPACE")).dirname
    python = workspace.get_child(rctx.attr.venv).get_child("bin").get_child("python")
    if not python.exists:
        fail("%s is missing: run `make .venv/.installed-lock` (or `make bazel-test`) first." % python)
    result = rctx.execute([str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
    if result.return_code != 0 or result.stdout.strip() != rctx.attr.python_version:
        fail("%s is not Python %s: %s%s" % (python, rctx.attr.python_version, result.stdout, result.stderr))
    rctx.file("WORKSPACE", 'workspace(name = "%s")\n' % rctx.name)
    rctx.file("BUILD.bazel", _BUILD.format(python = str(python)))

venv_python = repository_rule(
    implementation = _venv_python_impl,
    attrs = {
        "venv": attr.string(default = ".venv"),
        "python_version": attr.string(default = "3.10"),
    },
    local = True,
)
