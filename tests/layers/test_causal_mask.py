"""The raster-order mask, checked entry by entry against its definition."""

import numpy as np
import pytest

from pixeldist.layers import causal_conv_mask, channel_group


def test_grey_mask_a_and_b():
    a = causal_conv_mask((3, 3), 1, 1, "A")[..., 0, 0]
    b = causal_conv_mask((3, 3), 1, 1, "B")[..., 0, 0]
    np.testing.assert_array_equal(a, [[1, 1, 1], [1, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(b, [[1, 1, 1], [1, 1, 0], [0, 0, 0]])


@pytest.mark.parametrize("mask_type", ["A", "B"])
def test_rgb_groups_at_the_centre(mask_type):
    mask = causal_conv_mask((5, 5), 3, 6, mask_type, num_channel_groups=3)
    centre = mask[2, 2]  # [in=3, out=6]; out groups: 0,0,1,1,2,2
    for c_in in range(3):
        for c_out in range(6):
            g_out = c_out // 2
            allowed = c_in < g_out if mask_type == "A" else c_in <= g_out
            assert centre[c_in, c_out] == allowed
    # Off-centre entries ignore groups: everything earlier, nothing later.
    assert mask[:2].all() and mask[2, :2].all()
    assert not mask[3:].any() and not mask[2, 3:].any()


def test_channel_group_of_channel_major_logits():
    # 3 channels × 4 levels laid out c-major fall into groups 0, 0, 0, 0, 1, ...
    np.testing.assert_array_equal(
        channel_group(np.arange(12), 12, 3), np.repeat([0, 1, 2], 4)
    )


@pytest.mark.parametrize(
    "kwargs", [dict(mask_type="C"), dict(kernel_size=(2, 3)), dict(kernel_size=(3, 4))]
)
def test_bad_arguments(kwargs):
    args = dict(kernel_size=(3, 3), in_channels=1, out_channels=1, mask_type="A")
    args.update(kwargs)
    with pytest.raises(ValueError):
        causal_conv_mask(**args)
