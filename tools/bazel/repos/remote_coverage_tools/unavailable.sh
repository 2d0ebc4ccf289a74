#!/bin/sh
echo "bazel coverage needs Bazel's remote_coverage_tools, which this offline" >&2
echo "workspace does not have (tools/bazel/README.md)." >&2
exit 1
