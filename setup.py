"""Build the optional native kernel (``zkproof._native``) with the machine's C compiler.

Only the C extension lives here (setuptools' stable ``Extension`` form); all metadata is in
pyproject.toml. If the compiler fails, the install still succeeds and zkproof falls back to its
pure-Python kernel, saying so once at import (see ``zkproof.kernel``). Set
``ZKPROOF_REQUIRE_NATIVE=1`` to make a failed build an error instead (CI does).
"""

import os
import sys
from pathlib import Path

from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext

SOURCES = sorted(str(p) for p in Path("zkproof/_native").glob("*.c"))
# the group FFT links the kernel's thread pool / CPU-feature detection (threads.c) as well
GFFT_SOURCES = sorted(str(p) for p in Path("zkproof/_native/groupfft").glob("*.c"))
if GFFT_SOURCES:
    GFFT_SOURCES.append("zkproof/_native/threads.c")
FLAGS = ["-O3", "-g0", "-std=c11", "-pthread", "-Wall", "-Wno-unused-function"]
HEADERS = sorted(str(p) for p in Path("zkproof/_native").rglob("*.h"))  # rebuild on header edits


class OptionalBuildExt(build_ext):
    def run(self):
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001 - any compiler failure means "no native kernel"
            if os.environ.get("ZKPROOF_REQUIRE_NATIVE"):
                raise
            print(f"WARNING: native kernel not built ({exc}); zkproof will use pure Python",
                  file=sys.stderr)

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as exc:  # noqa: BLE001
            if os.environ.get("ZKPROOF_REQUIRE_NATIVE"):
                raise
            print(f"WARNING: native kernel not built ({exc}); zkproof will use pure Python",
                  file=sys.stderr)


ext_modules = []
if SOURCES:
    ext_modules.append(Extension(
        "zkproof._native.kernel",
        sources=SOURCES,
        depends=HEADERS,
        include_dirs=["zkproof/_native"],
        extra_compile_args=FLAGS,
        extra_link_args=["-pthread"],
    ))
if GFFT_SOURCES:  # the ceremony's group FFT (prepare phase2), same field/curve headers
    ext_modules.append(Extension(
        "zkproof._native.groupfft",
        sources=GFFT_SOURCES,
        depends=HEADERS,
        include_dirs=["zkproof/_native", "zkproof/_native/groupfft"],
        extra_compile_args=FLAGS,
        extra_link_args=["-pthread"],
    ))

# circuits/ (top level, the project layout) is installed as zkproof.circuits.
packages = find_packages(include=["zkproof", "zkproof.*"]) + ["zkproof.circuits"]
package_dir = {"zkproof.circuits": "circuits"}

setup(ext_modules=ext_modules, cmdclass={"build_ext": OptionalBuildExt},
      packages=packages, package_dir=package_dir)
