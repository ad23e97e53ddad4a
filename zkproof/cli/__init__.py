"""The ``zkproof`` command line (click): one module per noun, assembled in ``main``."""
