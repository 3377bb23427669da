"""Exercise 08: plausible wrong answers fail in ``check`` and in ``dlcourse grade``; the solution passes.

Each fixture is a namespace as a student's notebook would hold it. The message must say
what is wrong (a distinctive phrase is asserted) without giving the answer's code.
"""

from __future__ import annotations

import math
import re

import keras
import nbformat
import numpy as np
import pytest

from dlcourse.checking import Status, FunctionQuestion, ValueQuestion, questions_for

PASS = Status.PASSED  # the verdict of a right answer
from dlcourse.exercises import answer_id, exercise_id
import judging
from judging import equals_anything
from judging import ROOT, solution_namespace


NB = "08_augmentation_schedules_early_stopping"
L = keras.layers


def rejected(qid: str, namespace: dict, phrase: str) -> None:
    judging.assert_rejected(NB, qid, namespace, phrase)


def accepted(qid: str, namespace: dict) -> None:
    judging.assert_accepted(NB, qid, namespace)


# --------------------------------------------------------------------------- q1: the augmentation pipeline


def pipeline(flip="horizontal", shift=(0.1, 0.1), rotation=0.05, zoom=(0.1,), order=(0, 1, 2, 3)):
    layers = [L.RandomFlip(flip), L.RandomTranslation(*shift), L.RandomRotation(rotation), L.RandomZoom(*zoom)]
    return keras.Sequential([layers[i] for i in order])


def test_q1_the_solution_passes():
    accepted("q1_augment", {"augment": pipeline()})
    accepted("q1_augment", {"augment": pipeline(shift=((-0.1, 0.1), (-0.1, 0.1)), zoom=(0.1, 0.1))})  # same ranges, spelled out


@pytest.mark.parametrize("augment, phrase", [
    (pipeline(order=(0, 2, 1, 3)), "in that order"),
    (pipeline(flip="horizontal_and_vertical"), "mode 'horizontal_and_vertical'"),
    (pipeline(rotation=0.18), "fraction of a full turn"),  # 18 (degrees) read as a percentage
    (pipeline(shift=((0.0, 0.1), (0.0, 0.1))), "in both directions"),  # shifts one way only
    (pipeline(shift=(0.2, 0.2)), "up to 10 % of the height"),
    (pipeline(zoom=((-0.1, 0.0),)), "in and out by up to 10 %"),  # zooms in only
    (keras.Sequential([L.RandomFlip("horizontal"), L.RandomTranslation(0.1, 0.1), L.RandomRotation(0.05)]), "in that order"),
])
def test_q1_wrong_pipelines_fail(augment, phrase):
    rejected("q1_augment", {"augment": augment}, phrase)


# --------------------------------------------------------------------------- q2: the callbacks

CB = keras.callbacks


def lesson_callbacks(plateau=None, stopping=None):
    return [CB.ReduceLROnPlateau(**{"monitor": "val_loss", "factor": 0.1, "patience": 3, **(plateau or {})}),
            CB.EarlyStopping(**{"monitor": "val_loss", "patience": 5, "restore_best_weights": True, **(stopping or {})})]


def test_q2_the_solution_passes():
    accepted("q2_callbacks", {"callbacks": lesson_callbacks()})
    accepted("q2_callbacks", {"callbacks": lesson_callbacks()[::-1]})  # the order of the list does not matter


@pytest.mark.parametrize("callbacks, phrase", [
    (lesson_callbacks(stopping={"restore_best_weights": False}), "keeps the weights of the last epoch"),
    (lesson_callbacks(stopping={"monitor": "val_accuracy"}), "watches 'val_accuracy'"),
    (lesson_callbacks(plateau={"monitor": "loss"}), "watches 'loss'"),
    (lesson_callbacks(stopping={"mode": "max"}), "a loss improves when it falls"),
    (lesson_callbacks(plateau={"patience": 5}, stopping={"patience": 3}), "ReduceLROnPlateau waits 5 epochs"),
    (lesson_callbacks(stopping={"patience": 4}), "EarlyStopping waits 4 epochs"),  # off by one
    (lesson_callbacks(plateau={"factor": 0.5}), "multiplies the learning rate by 0.5"),
    (lesson_callbacks(stopping={"min_delta": 0.01}), "EarlyStopping min_delta"),  # a setting the lesson leaves alone
    (lesson_callbacks(plateau={"cooldown": 2}), "ReduceLROnPlateau cooldown"),
    (lesson_callbacks() + [CB.EarlyStopping()], "exactly one ReduceLROnPlateau and one EarlyStopping"),
    (lesson_callbacks()[1], "expected a list of two callbacks"),
])
def test_q2_wrong_callbacks_fail(callbacks, phrase):
    rejected("q2_callbacks", {"callbacks": callbacks}, phrase)


# --------------------------------------------------------------------------- q3: reading the early-stopping run

STOPPED_RUN = [2.0, 1.8, 1.6, 1.55, 1.58, 1.6, 1.62, 1.7, 1.75]  # best at epoch 4, then 5 epochs without improvement
ACCURACY = [0.2, 0.3, 0.35, 0.38, 0.39, 0.41, 0.40, 0.39, 0.38]  # best at epoch 6: another column


def run_state(val_loss, limit, *, restore=True, val_accuracy=None):
    """The namespace after question 2's cell: the callbacks' state and the History of the run."""
    callbacks = lesson_callbacks(stopping={"restore_best_weights": restore})
    stopper = callbacks[1]
    best = int(np.argmin(val_loss))
    patience_ran_out = len(val_loss) - 1 - best >= stopper.patience
    stopper.best_epoch, stopper.stopped_epoch = best, (len(val_loss) - 1 if patience_ran_out else 0)
    stopper.best_weights = [np.zeros(2)] if restore else None
    history = CB.History()
    history.history = {"loss": list(np.linspace(2, 1, len(val_loss))), "val_loss": list(val_loss),
                       "val_accuracy": list(val_accuracy or np.linspace(0.2, 0.4, len(val_loss)))}
    history.params = {"epochs": limit, "steps": 10, "verbose": 0}
    return {"callbacks": callbacks, "es_history": history}


def test_q3_right_readings_pass():
    accepted("q3_restored_epoch", {**run_state(STOPPED_RUN, 40), "restored_epoch": 4, "stopped_early": True})
    accepted("q3_restored_epoch", {**run_state([2.0, 1.9, 1.8], 3), "restored_epoch": 3, "stopped_early": False})
    # without restore_best_weights the model holds the last epoch's weights: judged by the student's own callbacks
    accepted("q3_restored_epoch", {**run_state(STOPPED_RUN, 40, restore=False), "restored_epoch": 9, "stopped_early": True})


@pytest.mark.parametrize("answer, phrase", [
    ({"restored_epoch": 3, "stopped_early": True}, "one less than the epoch"),  # counted from 0
    ({"restored_epoch": 9, "stopped_early": True}, "the last one trained"),
    ({"restored_epoch": 6, "stopped_early": True}, "not by another column"),  # the best val_accuracy
    ({"restored_epoch": 4, "stopped_early": False}, "`stopped_early` is False"),
    ({"restored_epoch": 4}, "also set `stopped_early`"),
    ({"restored_epoch": 4, "stopped_early": "yes"}, "should be True or False"),
    ({"restored_epoch": 4.0, "stopped_early": True}, "a whole epoch number"),
])
def test_q3_wrong_readings_of_a_stopped_run_fail(answer, phrase):
    rejected("q3_restored_epoch", {**run_state(STOPPED_RUN, 40, val_accuracy=ACCURACY), **answer}, phrase)


def test_q3_patience_running_out_on_the_last_allowed_epoch_accepts_both_readings():
    for stopped_early in (True, False):
        accepted("q3_restored_epoch", {**run_state(STOPPED_RUN, len(STOPPED_RUN)), "restored_epoch": 4, "stopped_early": stopped_early})


def test_q3_a_run_that_reached_its_limit_did_not_stop_early():
    rejected("q3_restored_epoch", {**run_state([2.0, 1.9, 1.8], 3), "restored_epoch": 3, "stopped_early": True},
             "`stopped_early` is True")


def test_q3_needs_the_run_of_question_2():
    rejected("q3_restored_epoch", {"restored_epoch": 4, "stopped_early": True}, "run question 2's cell first")


def test_q3_a_real_run_is_judged_by_its_own_state():
    """A real (tiny) fit with the lesson's callbacks; the solution's reading of its table passes."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 6)).astype("float32")
    y = (x[:, 0] > 0).astype(int)
    model = keras.Sequential([keras.Input((6,)), L.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy")
    callbacks = lesson_callbacks()
    history = model.fit(x[:60], y[:60], epochs=12, batch_size=30, validation_data=(x[60:], y[60:] ^ 1),  # flipped labels: it gets worse
                        callbacks=callbacks, verbose=0)
    val_loss = history.history["val_loss"]
    reading = {"restored_epoch": int(np.argmin(val_loss)) + 1, "stopped_early": len(val_loss) < 12}
    assert reading["stopped_early"], val_loss  # the fixture is meant to stop early
    accepted("q3_restored_epoch", {"callbacks": callbacks, "es_history": history, **reading})
    rejected("q3_restored_epoch", {"callbacks": callbacks, "es_history": history, **reading,
                                   "restored_epoch": len(val_loss)}, "the last one trained")


# --------------------------------------------------------------------------- q4, q5: the schedules


def test_q4_and_q5_the_solution_passes():
    namespace = solution_namespace(NB)
    accepted("q4_step_decay", {"step_decay": namespace["step_decay"]})
    accepted("q5_cosine_decay", {"cosine_decay": namespace["cosine_decay"]})


@pytest.mark.parametrize("step_decay, phrase", [
    (lambda epoch, initial, drop, every: initial * drop ** ((epoch + 1) // every), "step_decay(9, 0.1, 0.5, 10): expected 0.1"),  # epochs from 1
    (lambda epoch, initial, drop, every: initial * drop ** math.ceil(epoch / every), "step_decay(9, 0.1, 0.5, 10): expected 0.1"),
    (lambda epoch, initial, drop, every: initial * drop ** (epoch / every), "expected 0.1, found"),  # no whole blocks
    (lambda epoch, initial, drop, every: initial * drop ** (epoch // every - 1), "step_decay(0, 0.1, 0.5, 10): expected 0.1, found 0.2"),
])
def test_q4_wrong_step_decays_fail(step_decay, phrase):
    rejected("q4_step_decay", {"step_decay": step_decay}, phrase)


def cosine(clamp=True, squeeze=True, divide=lambda a, b: a / b):
    def cosine_decay(step, initial, decay_steps, alpha):
        progress = divide(min(step, decay_steps) if clamp else step, decay_steps)
        wave = 0.5 * (1 + math.cos(math.pi * progress))
        return initial * ((1 - alpha) * wave + alpha if squeeze else wave + alpha)
    return cosine_decay


@pytest.mark.parametrize("cosine_decay, phrase", [
    (cosine(clamp=False), "cosine_decay(200, 0.001, 100, 0.1): expected 0.0001"),  # the decay restarts after its end
    (cosine(squeeze=False), "cosine_decay(50, 0.001, 100, 0.1): expected 0.00055"),  # alpha added on top
    (cosine(divide=lambda a, b: a // b), "cosine_decay(50, 0.001, 100, 0.0): expected 0.0005"),  # integer division
])
def test_q5_wrong_cosine_decays_fail(cosine_decay, phrase):
    rejected("q5_cosine_decay", {"cosine_decay": cosine_decay}, phrase)


# --------------------------------------------------------------------------- the notebook's questions as a whole

CODE_IN_TEXT = re.compile(r"[A-Za-z_]\w*\(|\w=|==|\*\*|//|\bkeras\.|\blayers\.|\[[^\]]*\d")


def test_no_hint_contains_code():
    for question in questions_for(NB).values():
        if isinstance(question, (FunctionQuestion, ValueQuestion)):
            assert question.hint and not CODE_IN_TEXT.search(question.hint), (question.id, question.hint)


def test_written_questions_have_a_rubric():
    for question in questions_for(NB).values():
        if not isinstance(question, (FunctionQuestion, ValueQuestion)):
            assert len(question.rubric.split()) > 30, question.id


def test_headings_state_the_points_of_the_question_modules():
    questions = questions_for(NB)
    stated, seen = None, {}
    for cell in nbformat.read(ROOT / "solutions" / f"{NB}.ipynb", as_version=4).cells:
        points = re.search(r"^#+ Question \d+ \((\d+(?:\.\d+)?) points?", cell.source, re.M) if cell.cell_type == "markdown" else None
        if points:
            stated = float(points[1])
        qid = exercise_id(cell) or answer_id(cell)
        if qid:
            seen[qid] = stated
            stated = None
    assert seen == {qid: float(q.points) for qid, q in questions.items()}


# --------------------------------------------------------------------------- decided outside the kernel


_AnyCount = equals_anything(int, "_AnyCount")


def _pretending(model_class, **settings):
    """An object that isinstance() takes for ``model_class`` (its ``__class__`` says so), with ``settings``."""
    class Pretender:
        __class__ = model_class

    pretender = Pretender()
    pretender.__dict__.update(settings)
    return pretender


def test_q1_a_pipeline_that_only_says_it_is_a_keras_model_fails():
    right = pipeline()
    fake = _pretending(keras.Sequential, layers=right.layers)
    assert isinstance(fake, keras.Model)  # what the check must not believe
    rejected("q1_augment", {"augment": fake}, "expected a Keras Sequential model made of preprocessing layers")


def test_q1_look_alike_layers_from_a_rebound_keras_fail():
    # the set-up's `keras` rebound to a look-alike: a layer of Keras's name that is not Keras's layer
    class RandomFlip(L.RandomFlip):
        def __eq__(self, other):
            return True

        __hash__ = object.__hash__

    augment = keras.Sequential([RandomFlip("horizontal"), L.RandomTranslation(0.1, 0.1), L.RandomRotation(0.05),
                                L.RandomZoom(0.1)])
    rejected("q1_augment", {"augment": augment, "keras": None}, "RandomFlip (not a Keras layer)")


def test_q2_a_callback_that_only_says_it_is_early_stopping_fails():
    plateau = lesson_callbacks()[0]
    fake = _pretending(CB.EarlyStopping, monitor="val_loss", mode="auto", patience=5, restore_best_weights=True,
                       min_delta=0.0, baseline=None, start_from_epoch=0)
    assert isinstance(fake, CB.EarlyStopping)  # what the check must not believe
    rejected("q2_callbacks", {"callbacks": [plateau, fake]}, "exactly one ReduceLROnPlateau and one EarlyStopping")


def test_q2_a_list_that_lies_about_its_length_fails():
    class Two(list):
        def __len__(self):
            return 2

    rejected("q2_callbacks", {"callbacks": Two(lesson_callbacks() + [CB.EarlyStopping()])}, "expected a list of two callbacks")


def test_q3_the_grader_takes_the_limit_from_the_set_up_not_from_the_students_namespace():
    # the student rebinds ES_MAX_EPOCHS to where their run happened to end: "both readings are right" in their
    # own check, which reads their namespace; the grader reads the set-up as the solution's run has it
    namespace = {**run_state(STOPPED_RUN, len(STOPPED_RUN)), "ES_MAX_EPOCHS": len(STOPPED_RUN),
                 "restored_epoch": 4, "stopped_early": False}
    assert judging.by_check(NB, "q3_restored_epoch", namespace).status == PASS
    status, message = judging.by_grader(NB, "q3_restored_epoch", namespace, setup={"ES_MAX_EPOCHS": 40})
    assert status != PASS and "the set-up cell's limit ES_MAX_EPOCHS is 40" in message, message


def test_q3_a_number_that_says_it_equals_anything_fails():
    rejected("q3_restored_epoch", {**run_state(STOPPED_RUN, 40), "restored_epoch": _AnyCount(1), "stopped_early": True},
             "a whole epoch number")


def test_q3_a_forged_run_state_fails():
    state = run_state(STOPPED_RUN, 40)
    history = state["es_history"]

    class History:  # a look-alike of Keras's History: its numbers are whatever the student says
        pass

    forged = History()
    forged.history, forged.params = {**history.history, "val_loss": [1.0] * 9}, history.params
    rejected("q3_restored_epoch", {**state, "es_history": forged, "restored_epoch": 1, "stopped_early": True},
             "run question 2's cell first")
    stopper = _pretending(CB.EarlyStopping, monitor="val_loss", restore_best_weights=True, best_epoch=0,
                          stopped_epoch=8, best_weights=[np.zeros(2)])
    rejected("q3_restored_epoch", {**state, "callbacks": [state["callbacks"][0], stopper], "restored_epoch": 1,
                                   "stopped_early": True}, "run question 2's cell first")


def test_q3_an_early_stopping_state_edited_to_fit_a_wrong_answer_fails():
    state = run_state(STOPPED_RUN, 40)
    state["callbacks"][1].best_epoch = 5  # so that epoch 6 (the best val_accuracy) would look right
    rejected("q3_restored_epoch", {**state, "restored_epoch": 6, "stopped_early": True}, "but its History's val_loss")
    state = run_state(STOPPED_RUN, 40)
    state["callbacks"][1].stopped_epoch = 3
    rejected("q3_restored_epoch", {**state, "restored_epoch": 4, "stopped_early": True}, "stopped at another epoch")
