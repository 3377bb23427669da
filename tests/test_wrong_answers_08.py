"""Exercise 08: plausible wrong answers fail in ``check`` and in ``dlcourse grade``; the solution passes.

Each fixture is a namespace as a student's notebook would hold it. The message must say
what is wrong (a distinctive phrase is asserted) without giving the answer's code.

Question 3 is early stopping's rule as a function: every misreading below is kept as a fixture
(``MISREADINGS``), must fail in the grader on every draw of hidden cases, and must answer at least
one hidden history of every draw differently from the right rule. The right rule itself is
Keras's: the solution agrees with Keras's own ``EarlyStopping`` on every case.
"""

from __future__ import annotations

import ast
import math
import re

import keras
import nbformat
import numpy as np
import pytest

from dlcourse.checking import Status, FunctionQuestion, ValueQuestion, questions_for

PASS = Status.PASSED  # the verdict of a right answer
from dlcourse.exercises import answer_id, exercise_id
from dlcourse.questions import nb08_augmentation_schedules_early_stopping as module
import judging
from judging import equals_anything
from judging import ROOT, solution_namespace


NB = "08_augmentation_schedules_early_stopping"
CB = keras.callbacks
CELLS = nbformat.read(ROOT / "solutions" / f"{NB}.ipynb", as_version=4).cells


def rejected(qid: str, namespace: dict, phrase: str) -> None:
    judging.assert_rejected(NB, qid, namespace, phrase)


def accepted(qid: str, namespace: dict) -> None:
    judging.assert_accepted(NB, qid, namespace)


def assigned_in_solution(name: str):
    """The literal value the solution notebook assigns to ``name`` (a set-up constant or a literal answer)."""
    for cell in CELLS:
        if cell.cell_type != "code":
            continue
        for node in ast.parse(re.sub(r"^\s*[!%].*$", "", cell.source, flags=re.M)).body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                return ast.literal_eval(node.value)
    raise LookupError(name)


# --------------------------------------------------------------------------- q1: which augmentations keep the label

SOLUTION_KEEPS = assigned_in_solution("keeps_label")


def keeps(**changes):
    """The solution's answer with some data sets' sets replaced."""
    return {**{name: set(kept) for name, kept in SOLUTION_KEEPS.items()}, **changes}


def test_q1_the_solution_passes():
    accepted("q1_keeps_label", {"keeps_label": SOLUTION_KEEPS})
    # lists, tuples and frozensets say the same, in any order
    accepted("q1_keeps_label", {"keeps_label": {name: sorted(kept, reverse=True) for name, kept in SOLUTION_KEEPS.items()}})
    accepted("q1_keeps_label", {"keeps_label": {name: frozenset(kept) for name, kept in reversed(SOLUTION_KEEPS.items())}})
    assert {name: set(kept) for name, kept in SOLUTION_KEEPS.items()} == module.KEEPS_LABEL


EVERYTHING = set(module.AUGMENTATIONS)
GEOMETRY = EVERYTHING - {"hue"}


@pytest.mark.parametrize("answer, phrase", [
    # the lesson's CIFAR-10 pipeline (mirror, shift, tilt) taken for every data set
    ({name: {"mirror", "tilt", "shift"} for name in module.KEEPS_LABEL}, "for 'traffic_signs' you keep"),
    # "an upside-down ship is still a ship": the label kept, realism forgotten
    (keeps(cifar10={"mirror", "upside_down", "any_rotation", "tilt", "shift"}), "for 'cifar10' you keep"),
    # a hue shift thought harmless for photos of things
    (keeps(cifar10={"mirror", "tilt", "shift", "hue"}), "for 'cifar10' you keep"),
    # "a mirrored sign is still a sign"
    (keeps(traffic_signs={"mirror", "tilt", "shift"}), "for 'traffic_signs' you keep"),
    # colour thought irrelevant to signs
    (keeps(traffic_signs={"tilt", "shift", "hue"}), "for 'traffic_signs' you keep"),
    # satellite photos treated like photos taken by people
    (keeps(aerial={"mirror", "tilt", "shift"}), "for 'aerial' you leave out"),
    # colour thought irrelevant seen from above
    (keeps(aerial=EVERYTHING), "for 'aerial' you keep"),
    # digits treated like CIFAR-10 objects
    (keeps(house_numbers={"mirror", "tilt", "shift", "hue"}), "for 'house_numbers' you keep"),
    # "colour is never safe"
    (keeps(house_numbers={"tilt", "shift"}), "for 'house_numbers' you leave out"),
    # only geometry, everywhere
    ({name: GEOMETRY for name in module.KEEPS_LABEL}, "for 'cifar10' you keep"),
    # nothing at all: safe, and useless
    ({name: set() for name in module.KEEPS_LABEL}, "for 'cifar10' you leave out"),
], ids=["lesson's pipeline everywhere", "cifar10 upside down", "cifar10 hue", "signs mirrored", "signs hue",
        "aerial like cifar10", "aerial hue", "house numbers mirrored", "house numbers no hue", "geometry everywhere",
        "nothing"])
def test_q1_wrong_decisions_fail(answer, phrase):
    rejected("q1_keeps_label", {"keeps_label": answer}, phrase)


@pytest.mark.parametrize("answer, phrase", [
    ({"mirror", "tilt", "shift"}, "expected a dict from each data set's name"),
    ({name: kept for name, kept in keeps().items() if name != "aerial"}, "missing: ['aerial']"),
    ({**keeps(), "svhn": {"tilt"}}, "not one of them: ['svhn']"),
    (keeps(cifar10="mirror, tilt, shift"), "expected a set of augmentation names, found a str"),
    (keeps(cifar10={"flip", "tilt", "shift"}), "'flip' is not one of the augmentations"),
    (keeps(cifar10=[keras.layers.RandomFlip("horizontal")]), "named by strings, found a RandomFlip"),
])
def test_q1_answers_of_the_wrong_shape_fail(answer, phrase):
    rejected("q1_keeps_label", {"keeps_label": answer}, phrase)


def test_q1_objects_that_lie_fail():
    class Answer(dict):  # a dict that says it equals the answer
        def __eq__(self, other):
            return True

        __hash__ = None

    rejected("q1_keeps_label", {"keeps_label": Answer(keeps())}, "expected a dict from each data set's name")
    AnyName = equals_anything(str, "AnyName")
    rejected("q1_keeps_label", {"keeps_label": keeps(cifar10={AnyName("x"), "tilt", "shift"})},
             "named by strings, found a AnyName")


# --------------------------------------------------------------------------- q2: the callbacks, from the pilot curve

PILOT = assigned_in_solution("PILOT_VAL_LOSS")


def callbacks_with(stopping=None, plateau=None):
    return [CB.EarlyStopping(**{"monitor": "val_loss", "patience": 4, "restore_best_weights": True, **(stopping or {})}),
            CB.ReduceLROnPlateau(**{"monitor": "val_loss", "factor": 0.1, "patience": 2, **(plateau or {})})]


def with_pilot(callbacks, pilot=PILOT):
    return {"callbacks": callbacks, "PILOT_VAL_LOSS": pilot}


def test_q2_the_solution_passes():
    accepted("q2_callbacks", with_pilot(callbacks_with()))
    accepted("q2_callbacks", with_pilot(callbacks_with()[::-1]))  # the order of the list does not matter
    assert module.smallest_patience(PILOT) == 4


# The patience of EarlyStopping as each misreading of "epochs without improvement" reads it off the pilot curve.

def gaps(values, improves):
    """The runs of epochs without improvement before the curve's (first) lowest value, by ``improves``."""
    runs, count, best = [], 0, values[0]
    for value in values[1:int(np.argmin(values)) + 1]:
        if improves(value, best):
            runs.append(count)
            count, best = 0, value
        else:
            count += 1
    return [r for r in runs if r] or [0]


def rises_in_a_row(values):
    runs, count = [0], 0
    for previous, value in zip(values, values[1:int(np.argmin(values)) + 1]):
        count = count + 1 if value > previous else 0
        runs.append(count)
    return max(runs)


LOWER = lambda value, best: value < best  # noqa: E731
PATIENCE_MISREADINGS = {
    "the longest wobble, without the +1": max(gaps(PILOT, LOWER)),
    "a tie counted as an improvement": max(gaps(PILOT, lambda value, best: value <= best)) + 1,
    "only rises in a row counted": rises_in_a_row(PILOT) + 1,
    "the first wobble": gaps(PILOT, LOWER)[0] + 1,
    "the last wobble": gaps(PILOT, LOWER)[-1] + 1,
    "the lesson's patience": 5,
}


@pytest.mark.parametrize("name", PATIENCE_MISREADINGS)
def test_q2_each_misreading_of_the_pilot_curve_fails(name):
    patience = PATIENCE_MISREADINGS[name]
    assert patience != module.smallest_patience(PILOT), name  # the pilot curve tells this misreading apart
    phrase = "a smaller patience reaches it too" if patience > 4 else "before its lowest validation loss (epoch 14)"
    rejected("q2_callbacks", with_pilot(callbacks_with({"patience": patience}, {"patience": max(patience - 2, 0)})), phrase)


@pytest.mark.parametrize("callbacks, phrase", [
    # the lowered rate counted from the epoch the rate drops: it trains one epoch only
    (callbacks_with(plateau={"patience": 3}), "the lowered rate trains 1 epoch(s)"),
    (callbacks_with(plateau={"patience": 4}), "the lowered rate trains 0 epoch(s)"),  # both wait as long
    (callbacks_with(plateau={"patience": 5}), "the lowered rate trains 0 epoch(s)"),  # the rate would drop too late
    (callbacks_with(plateau={"patience": 1}), "can give the current rate longer"),
    (callbacks_with(stopping={"restore_best_weights": False}), "the weights of the last epoch it trained"),
    (callbacks_with(stopping={"monitor": "val_accuracy"}), "watches 'val_accuracy'"),
    (callbacks_with(plateau={"monitor": "loss"}), "watches 'loss'"),
    (callbacks_with(stopping={"mode": "max"}), "a loss improves when it falls"),
    (callbacks_with(plateau={"factor": 0.5}), "multiplies the learning rate by 0.5"),
    (callbacks_with(stopping={"min_delta": 0.01}), "EarlyStopping min_delta"),
    (callbacks_with(plateau={"cooldown": 2}), "ReduceLROnPlateau cooldown"),
    (callbacks_with(stopping={"patience": 4.0}), "a whole number of epochs, found 4.0"),
    (callbacks_with() + [CB.EarlyStopping()], "exactly one ReduceLROnPlateau and one EarlyStopping"),
    (callbacks_with()[0], "expected a list of two callbacks"),
], ids=["lowered rate 1 epoch", "same patience", "plateau waits longer", "lowered too early", "no restore",
        "val_accuracy", "training loss", "mode max", "factor", "min_delta", "cooldown", "float patience",
        "three callbacks", "not a list"])
def test_q2_wrong_callbacks_fail(callbacks, phrase):
    rejected("q2_callbacks", with_pilot(callbacks), phrase)


def test_q2_needs_the_pilot_curve():
    rejected("q2_callbacks", {"callbacks": callbacks_with()}, "run the cell of the pilot curve first")


def test_q2_the_grader_reads_the_pilot_curve_of_the_set_up_not_the_students():
    # the lesson's patience 5 with a pilot curve rebound so that 5 is right: the student's own check reads their
    # namespace and agrees; the grader reads the set-up as the solution's run has it
    bent = [2.0, 1.9, 1.95, 1.94, 1.93, 1.92, 1.8, 1.9]  # four epochs without a new low, then the lowest
    assert module.smallest_patience(bent) == 5
    namespace = with_pilot(callbacks_with({"patience": 5}, {"patience": 3}), bent)
    assert judging.by_check(NB, "q2_callbacks", namespace).status == PASS
    status, message = judging.by_grader(NB, "q2_callbacks", namespace, setup={"PILOT_VAL_LOSS": PILOT})
    assert status != PASS and "a smaller patience reaches it too" in message, message


def _pretending(model_class, **settings):
    """An object that isinstance() takes for ``model_class`` (its ``__class__`` says so), with ``settings``."""
    class Pretender:
        __class__ = model_class

    pretender = Pretender()
    pretender.__dict__.update(settings)
    return pretender


def test_q2_a_callback_that_only_says_it_is_early_stopping_fails():
    plateau = callbacks_with()[1]
    fake = _pretending(CB.EarlyStopping, monitor="val_loss", mode="auto", patience=4, restore_best_weights=True,
                       min_delta=0.0, baseline=None, start_from_epoch=0)
    assert isinstance(fake, CB.EarlyStopping)  # what the check must not believe
    rejected("q2_callbacks", with_pilot([fake, plateau]), "exactly one ReduceLROnPlateau and one EarlyStopping")


def test_q2_a_list_that_lies_about_its_length_fails():
    class Two(list):
        def __len__(self):
            return 2

    rejected("q2_callbacks", with_pilot(Two(callbacks_with() + [CB.EarlyStopping()])), "expected a list of two callbacks")


# --------------------------------------------------------------------------- q3: early stopping's rule

QID = "q3_restored_epoch"


def outcome_with(*, column="val_loss", improves="keras", counter="since_best", stop_shift=0, never_stops=False,
                 held="keras 3", from_zero=False, stop_test="at least"):
    """A stopping_outcome that follows Keras 3's rule except where a keyword says otherwise."""
    def stopping_outcome(history, patience, min_delta, restore_best_weights):
        sign = -1 if column == "val_accuracy" else 1  # an accuracy improves when it rises
        values = [sign * v for v in history[column]]
        best = lowest = previous = None
        best_epoch, wait, trained, stopped = 0, 0, len(values), False
        for epoch, value in enumerate(values):
            reference = lowest if improves == "lowest so far" else best
            delta = 0.0 if improves == "no min_delta" else min_delta
            better = reference is None or (value <= reference - delta if improves == "tie" else value < reference - delta)
            if better:
                best, best_epoch = value, epoch
            lowest = value if lowest is None else min(lowest, value)
            if counter == "since_best":
                wait = 0 if better else wait + 1
            else:  # rises in a row
                wait = wait + 1 if previous is not None and value > previous else 0
            previous = value
            if stop_test == "equal":  # stops when the count of epochs without improvement equals the patience
                stops = wait == patience + stop_shift
            elif stop_test == "zero is never":  # patience 0 read as no early stopping
                stops = patience > 0 and wait >= patience + stop_shift
            else:  # Keras 3: patience 0 acts as 1 (the count is at least 1 when an epoch does not improve)
                stops = wait >= max(patience + stop_shift, 1)
            if not never_stops and stops:
                trained, stopped = epoch + 1, True
                break
        val_loss, best_restored = history["val_loss"], best_epoch + 1
        restored = {
            "keras 3": best_restored if restore_best_weights else trained,
            "keras 2": best_restored if restore_best_weights and stopped else trained,
            "always": best_restored,
            "last": trained,
            "minus patience": trained - patience if restore_best_weights else trained,
            "lowest trained": int(np.argmin(val_loss[:trained])) + 1 if restore_best_weights else trained,
            "lowest of the curve": int(np.argmin(val_loss)) + 1 if restore_best_weights else trained,
            "training loss": int(np.argmin(history["loss"][:trained])) + 1,
            "val_accuracy": int(np.argmax(history["val_accuracy"][:trained])) + 1,
        }[held]
        return {"epochs_trained": trained, "restored_epoch": restored - 1 if from_zero else restored}
    return stopping_outcome


MISREADINGS = {
    "the last epoch": {"held": "last"},
    "counted from 0": {"from_zero": True},
    "the lowest training loss": {"held": "training loss"},
    "the highest validation accuracy": {"held": "val_accuracy"},
    "epochs trained minus patience": {"held": "minus patience"},
    "restored only if the patience ran out (Keras 2)": {"held": "keras 2"},
    "restored whatever the setting": {"held": "always"},
    "the lowest value of the epochs trained": {"held": "lowest trained"},
    "the lowest value of the whole curve": {"held": "lowest of the curve"},
    "patience plus one": {"stop_shift": 1},
    "patience minus one": {"stop_shift": -1},
    "only rises in a row counted": {"counter": "rises"},
    "never stops": {"never_stops": True},
    "a tie counted as an improvement": {"improves": "tie"},
    "min_delta ignored": {"improves": "no min_delta"},
    "min_delta from the lowest value so far": {"improves": "lowest so far"},
    "watches the training loss": {"column": "loss"},
    "watches the validation accuracy": {"column": "val_accuracy"},
    # found by a helper that attacked the question without reading its checks: they differ only at patience 0
    "stops when the count equals the patience": {"stop_test": "equal"},
    "patience 0 read as no early stopping": {"stop_test": "zero is never"},
}


def keras_outcome(history, patience, min_delta, restore_best_weights):
    """What Keras's own EarlyStopping does on ``history``: driven epoch by epoch on a model whose weights are
    set, before each epoch's end, to that epoch's number, so that the weights it holds at the end say which."""
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    stopper = CB.EarlyStopping(monitor="val_loss", patience=patience, min_delta=min_delta,
                               restore_best_weights=restore_best_weights)
    stopper.set_model(model)
    model.stop_training = False
    stopper.on_train_begin()
    for epoch in range(len(history["val_loss"])):
        model.set_weights([np.full((1, 1), epoch + 1.0)])
        stopper.on_epoch_end(epoch, {column: values[epoch] for column, values in history.items()})
        if model.stop_training:
            break
    stopper.on_train_end()
    return {"epochs_trained": epoch + 1, "restored_epoch": int(model.get_weights()[0][0, 0])}


def all_cases(seeds):
    question = questions_for(NB)[QID]
    cases = [c.args for c in question.public]
    for seed in seeds:
        cases += [args for args, _ in question.hidden(np.random.default_rng(seed))]
    return cases


def test_q3_the_solution_and_the_reference_pass():
    accepted(QID, solution_namespace(NB))
    accepted(QID, {"stopping_outcome": outcome_with()})


def test_q3_the_solution_is_keras_own_rule():
    """On the public cases and 40 draws of hidden ones, the solution says what Keras's EarlyStopping does, and
    so does the rule question 2 is graded with (module.keras_early_stopping)."""
    solution = solution_namespace(NB)["stopping_outcome"]
    for args in all_cases(range(40)):
        expected = keras_outcome(*args)
        assert solution(*args) == expected, args
        trained, best = module.keras_early_stopping(args[0]["val_loss"], args[1], args[2])
        assert {"epochs_trained": trained, "restored_epoch": best + 1 if args[3] else trained} == expected


@pytest.mark.parametrize("name", MISREADINGS)
@pytest.mark.parametrize("seed", [0, 1, 2024])
def test_q3_each_misreading_fails_in_the_grader(name, seed):
    namespace = {"stopping_outcome": outcome_with(**MISREADINGS[name])}
    status, message = judging.by_grader(NB, QID, namespace, judging.grading_cases(NB, QID, seed=seed))
    assert status != PASS, message


# the misreadings the public cases show to the student, with what check names
SHOWN_BY_CHECK = {
    "the last epoch": "'restored_epoch'",
    "counted from 0": "'restored_epoch'",
    "the lowest training loss": "'restored_epoch'",
    "the highest validation accuracy": "'restored_epoch'",
    "restored only if the patience ran out (Keras 2)": "'restored_epoch'",
    "restored whatever the setting": "'restored_epoch'",
    "the lowest value of the epochs trained": "'restored_epoch'",
    "the lowest value of the whole curve": "'restored_epoch'",
    "epochs trained minus patience": "'restored_epoch'",
    "patience plus one": "'epochs_trained'",
    "patience minus one": "'epochs_trained'",
    "only rises in a row counted": "'epochs_trained'",
    "never stops": "'epochs_trained'",
    "min_delta ignored": "'epochs_trained'",
    "min_delta from the lowest value so far": "'epochs_trained'",
    "watches the training loss": "'epochs_trained'",
    "watches the validation accuracy": "'epochs_trained'",
}


@pytest.mark.parametrize("name", SHOWN_BY_CHECK)
def test_q3_misreadings_the_public_cases_show_fail_in_check_too(name):
    rejected(QID, {"stopping_outcome": outcome_with(**MISREADINGS[name])}, SHOWN_BY_CHECK[name])


def test_q3_a_tie_is_caught_by_the_hidden_cases():
    """The public cases have no tie (the question's words settle it: a tie is not below the best); the hidden
    ones always do, so the grader catches the tie-as-improvement misreading that check lets through."""
    namespace = {"stopping_outcome": outcome_with(improves="tie")}
    judging.assert_only_hidden_cases_reject(NB, QID, namespace)


@pytest.mark.parametrize("seed", range(20))
def test_q3_every_draw_of_hidden_cases_separates_each_misreading(seed):
    """In every draw, each misreading answers at least one hidden history differently from the right rule."""
    cases = questions_for(NB)[QID].hidden(np.random.default_rng(seed))
    right = [outcome_with()(*args) for args, _ in cases]
    for name, misreading in MISREADINGS.items():
        assert [outcome_with(**misreading)(*args) for args, _ in cases] != right, name


# The smoke run of question 2 (DLCOURSE_BUDGET=smoke, seed 42, patience 4 and 2): three epochs whose validation
# loss fell every time, the limit reached. The old question graded `restored_epoch` on this run alone, where the
# last epoch, the lowest training loss and the highest validation accuracy are all right.
SMOKE_RUN = {"accuracy": [0.0917, 0.1458, 0.2042], "loss": [2.2966, 2.2333, 2.1884],
             "val_accuracy": [0.1167, 0.1333, 0.1667], "val_loss": [2.2975, 2.2860, 2.2246]}


def test_q3_a_smoke_run_cannot_tell_the_misreadings_apart_but_the_question_does():
    right = outcome_with()(SMOKE_RUN, 4, 0.0, True)
    assert right == {"epochs_trained": 3, "restored_epoch": 3}
    alike = [name for name, misreading in MISREADINGS.items() if outcome_with(**misreading)(SMOKE_RUN, 4, 0.0, True) == right]
    assert {"the last epoch", "the lowest training loss", "the highest validation accuracy",
            "restored only if the patience ran out (Keras 2)", "patience plus one", "never stops"} <= set(alike)
    for name in alike:
        status, message = judging.by_grader(NB, QID, {"stopping_outcome": outcome_with(**MISREADINGS[name])})
        assert status != PASS, (name, message)


def test_q3_answers_of_the_wrong_shape_fail():
    def as_tuple(history, patience, min_delta, restore_best_weights):
        outcome = outcome_with()(history, patience, min_delta, restore_best_weights)
        return outcome["epochs_trained"], outcome["restored_epoch"]

    def old_names(history, patience, min_delta, restore_best_weights):
        outcome = outcome_with()(history, patience, min_delta, restore_best_weights)
        return {"restored_epoch": outcome["restored_epoch"], "stopped_early": outcome["epochs_trained"] < len(history["loss"])}

    rejected(QID, {"stopping_outcome": as_tuple}, "expected a dict")
    rejected(QID, {"stopping_outcome": old_names}, "expected keys ['epochs_trained', 'restored_epoch']")


def test_q3_numbers_that_say_they_equal_anything_fail():
    AnyCount = equals_anything(int, "AnyCount")

    def lying(history, patience, min_delta, restore_best_weights):
        return {"epochs_trained": AnyCount(1), "restored_epoch": AnyCount(1)}

    rejected(QID, {"stopping_outcome": lying}, "expected")


def test_q3_a_function_that_edits_the_history_fails():
    def popping(history, patience, min_delta, restore_best_weights):  # right numbers, the caller's history emptied
        outcome = outcome_with()(history, patience, min_delta, restore_best_weights)
        history["val_loss"].clear()
        return outcome

    rejected(QID, {"stopping_outcome": popping}, "changed its argument 1 in place")


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
    for cell in CELLS:
        points = re.search(r"^#+ Question \d+ \((\d+(?:\.\d+)?) points?", cell.source, re.M) if cell.cell_type == "markdown" else None
        if points:
            stated = float(points[1])
        qid = exercise_id(cell) or answer_id(cell)
        if qid:
            seen[qid] = stated
            stated = None
    assert seen == {qid: float(q.points) for qid, q in questions.items()}


def test_no_question_copies_a_lesson_cell():
    """Issue 26: an exercise that repeats the lesson's code asks nothing. No line of an answer in the solution
    that calls something may be a line of the lesson's code (comments left out)."""
    def lines(source):  # the lines that call something: the code, not its brackets
        return {line.split("#")[0].strip() for line in source.splitlines() if "(" in line.split("#")[0]}

    lesson = [lines(c.source) for c in nbformat.read(ROOT / "lessons" / f"{NB}.ipynb", as_version=4).cells
              if c.cell_type == "code"]
    for cell in CELLS:
        if exercise_id(cell):
            answer = lines(cell.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0])
            for code in lesson:
                assert not answer & code, (exercise_id(cell), sorted(answer & code))
