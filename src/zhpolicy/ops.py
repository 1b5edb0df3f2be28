"""A thinc CPU backend whose matrix products go through numpy's BLAS.

thinc's NumpyOps multiplies matrices with blis. On the machines this project
is built on (AMD EPYC virtual CPUs) blis reaches about 19 GFLOP/s on the
tok2vec's shapes against about 45 for numpy's OpenBLAS on one thread, and the
whole pipeline tags about 1.8 times faster with this backend. Everything else
is NumpyOps. The weights are the same: a pipeline trained or loaded under
these ops is an ordinary spaCy pipeline.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy
from thinc.api import NumpyOps, registry, use_ops

OPS_NAME = "zhpolicy_numpy"


@registry.ops("ZhpolicyNumpyOps")
class MatmulNumpyOps(NumpyOps):
    name = OPS_NAME

    def gemm(self, x, y, out=None, trans1=False, trans2=False):
        a = x.T if trans1 else x
        b = y.T if trans2 else y
        if out is None:
            return numpy.matmul(a, b)
        numpy.matmul(a, b, out=out)
        return out


@contextmanager
def fast_cpu_ops():
    """Models built inside this block (spacy.load, spacy train) keep these ops."""
    with use_ops(OPS_NAME):
        yield
