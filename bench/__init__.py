"""`python -m bench`: the product against its own physical limits, every figure as a ratio.

One module per measurement (render, pdf, scale, archive, api); `env` holds what they share: a
fresh database and broker per stage, child processes whose peak memory is read before they stop.
"""
