"""Articles in: read, clean, chunk, embed and store them in Chroma.

Importing this package loads no model and touches no disk.
"""
