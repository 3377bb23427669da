import os
import random

import numpy as np
import pytest

from dlcourse.reproducibility import seed_everything


def test_reseeding_repeats_python_and_numpy_draws():
    seed_everything(3, keras=False)
    first = (random.random(), np.random.rand(4))
    seed_everything(3, keras=False)
    second = (random.random(), np.random.rand(4))
    assert first[0] == second[0] and np.array_equal(first[1], second[1])
    seed_everything(4, keras=False)
    assert random.random() != first[0]


def test_reseeding_repeats_keras_draws():
    import keras

    seed_everything(7)
    a = keras.random.uniform((5,)).numpy()
    seed_everything(7)
    b = keras.random.uniform((5,)).numpy()
    assert np.array_equal(a, b)


def test_tensorflow_is_quieted():
    seed_everything(0, keras=False)
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "2"


@pytest.mark.parametrize("bad", [-1, 1.5, "42", True])
def test_bad_seed_is_refused(bad):
    with pytest.raises(ValueError, match="non-negative integer"):
        seed_everything(bad, keras=False)


def test_only_the_known_no_gpu_lines_are_dropped_from_stderr(capfd):
    from dlcourse.reproducibility import without_no_gpu_noise

    with without_no_gpu_noise():
        os.write(2, b"I0000 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.\n")
        os.write(2, b"E0000 something really went wrong\n")
    err = capfd.readouterr().err
    assert "something really went wrong" in err and "cuda drivers" not in err


def test_onednn_is_asked_for_by_name_and_a_users_setting_wins(monkeypatch):
    from dlcourse.reproducibility import quiet_tensorflow

    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    quiet_tensorflow()
    assert os.environ["TF_ENABLE_ONEDNN_OPTS"] == "0"  # the course's default: TensorFlow's plain kernels
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS")
    quiet_tensorflow(onednn=True)
    assert os.environ["TF_ENABLE_ONEDNN_OPTS"] == "1"
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")  # set by the user (or the test suite): left alone
    quiet_tensorflow(onednn=True)
    assert os.environ["TF_ENABLE_ONEDNN_OPTS"] == "0"


def test_the_onednn_notice_is_dropped_and_other_lines_kept(capfd):
    from dlcourse.reproducibility import without_no_gpu_noise

    with without_no_gpu_noise():
        os.write(2, b"I0000 port.cc:153] oneDNN custom operations are on. You may see slightly different numerical "
                    b"results due to floating-point round-off errors from different computation orders.\n")
        os.write(2, b"W0000 oneDNN: a real warning\n")
    err = capfd.readouterr().err
    assert "custom operations are on" not in err and "a real warning" in err
