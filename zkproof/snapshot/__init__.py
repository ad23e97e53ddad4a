"""Stage ① of the pipeline: input files in, validated (SPEC §3, §6).

Formats are documented in ``docs/formats.md`` with a JSON Schema each in ``zkproof/schemas``.
Every loader raises ``zkproof.errors.InputError(file, field, reason)`` on the first problem:
one line naming the file, the line (for JSON Lines) and the field.
"""
