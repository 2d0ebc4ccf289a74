"""The Java rules as Bazel 4.2.3's own @bazel_tools loads them: the native ones.

The rules_java revision that Bazel 4.2.3 pins (7cf3cefd, 2020) only wraps
the native rules, as these do. Every target's toolchain resolution parses
@bazel_tools//tools/jdk (a registered toolchain package), which loads
java_import, java_runtime and java_toolchain from here; no Java is built.
"""

def java_binary(**attrs):
    native.java_binary(**attrs)

def java_import(**attrs):
    native.java_import(**attrs)

def java_library(**attrs):
    native.java_library(**attrs)

def java_lite_proto_library(**attrs):
    native.java_lite_proto_library(**attrs)

def java_proto_library(**attrs):
    native.java_proto_library(**attrs)

def java_test(**attrs):
    native.java_test(**attrs)

def java_package_configuration(**attrs):
    native.java_package_configuration(**attrs)

def java_plugin(**attrs):
    native.java_plugin(**attrs)

def java_runtime(**attrs):
    native.java_runtime(**attrs)

def java_toolchain(**attrs):
    native.java_toolchain(**attrs)
