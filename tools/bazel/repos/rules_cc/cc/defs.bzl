"""The C++ rules as Bazel 4.2.3's own @bazel_tools loads them: the native ones.

The rules_cc revision that Bazel 4.2.3 pins (b1c40e1d, 2021) only wraps the
native rules, as these do (without its migration tag). Bazel's cc toolchain
configuration (@bazel_tools//tools/cpp and the generated @local_config_cc)
loads cc_toolchain, cc_toolchain_suite and cc_library from here, and every
target's toolchain resolution loads that package, py_test included.
"""

def cc_binary(**attrs):
    native.cc_binary(**attrs)

def cc_test(**attrs):
    native.cc_test(**attrs)

def cc_library(**attrs):
    native.cc_library(**attrs)

def cc_import(**attrs):
    native.cc_import(**attrs)

def cc_proto_library(**attrs):
    native.cc_proto_library(**attrs)

def cc_toolchain(**attrs):
    native.cc_toolchain(**attrs)

def cc_toolchain_suite(**attrs):
    native.cc_toolchain_suite(**attrs)

def fdo_prefetch_hints(**attrs):
    native.fdo_prefetch_hints(**attrs)

def fdo_profile(**attrs):
    native.fdo_profile(**attrs)

def objc_library(**attrs):
    native.objc_library(**attrs)

def objc_import(**attrs):
    native.objc_import(**attrs)
