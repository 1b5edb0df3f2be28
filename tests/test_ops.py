import numpy
import pytest
from thinc.api import NumpyOps, get_current_ops

from zhpolicy.ops import OPS_NAME, MatmulNumpyOps, fast_cpu_ops


@pytest.mark.parametrize("trans1,trans2", [(False, False), (True, False), (False, True), (True, True)])
def test_gemm_matches_thincs_own(trans1, trans2):
    rng = numpy.random.default_rng(0)
    x = rng.random((7, 5), dtype="float32")
    y = rng.random((5, 3), dtype="float32")
    x = numpy.ascontiguousarray(x.T) if trans1 else x
    y = numpy.ascontiguousarray(y.T) if trans2 else y
    expected = NumpyOps().gemm(x, y, trans1=trans1, trans2=trans2)
    ops = MatmulNumpyOps()
    numpy.testing.assert_allclose(ops.gemm(x, y, trans1=trans1, trans2=trans2), expected, rtol=1e-5)
    out = numpy.zeros_like(expected)
    assert ops.gemm(x, y, out=out, trans1=trans1, trans2=trans2) is out
    numpy.testing.assert_allclose(out, expected, rtol=1e-5)


def test_fast_ops_apply_only_inside_the_block():
    before = get_current_ops().name
    with fast_cpu_ops():
        assert get_current_ops().name == OPS_NAME
    assert get_current_ops().name == before
