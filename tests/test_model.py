import numpy as np
import pytest

from speechmusic.core.errors import ParameterError, SpeechMusicError
from speechmusic.core.model import LogisticRegression, cross_entropy, sigmoid


def _data(m=200, n=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n))
    y = (X @ np.arange(1, n + 1) + 0.3 > 0).astype(int)
    return X, y


def test_sigmoid_is_stable_and_correct():
    z = np.array([-1000.0, -1.0, 0.0, 2.0, 1000.0])
    s = sigmoid(z)
    assert np.isfinite(s).all()
    np.testing.assert_allclose(s, [0.0, 1 / (1 + np.e), 0.5, 1 / (1 + np.exp(-2)), 1.0])


def test_first_cost_from_zero_weights_is_log2():
    X, y = _data()
    model = LogisticRegression(num_iterations=1).fit(X, y)
    assert model.costs_[0] == pytest.approx(np.log(2))


def test_matches_the_lab_equations_step_by_step():
    X, y = _data(m=30, n=4)
    lr = 0.1
    w, b = np.zeros((4, 1)), 0.0
    Xc, Y = X.T, y.reshape(1, -1)
    for _ in range(3):
        A = 1 / (1 + np.exp(-(w.T @ Xc + b)))
        dw = Xc @ (A - Y).T / 30
        db = np.sum(A - Y) / 30
        w, b = w - lr * dw, b - lr * db
    model = LogisticRegression(learning_rate=lr, num_iterations=3).fit(X, y)
    np.testing.assert_allclose(model.coef_, w[:, 0], rtol=1e-12)
    assert model.intercept_ == pytest.approx(b)


def test_learns_and_cost_decreases():
    X, y = _data()
    model = LogisticRegression(learning_rate=0.5, num_iterations=1000).fit(X, y)
    assert model.score(X, y) > 0.95
    assert all(a >= b for a, b in zip(model.costs_, model.costs_[1:]))
    assert len(model.costs_) == 10


def test_predict_proba_columns_and_threshold():
    X, y = _data()
    model = LogisticRegression(learning_rate=0.5, num_iterations=200).fit(X, y)
    proba = model.predict_proba(X)
    assert proba.shape == (200, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.predict(X), (proba[:, 1] > 0.5).astype(int))


def test_standardize_uses_training_statistics():
    X, y = _data()
    X = X * np.array([1000.0, 0.001, 1, 1, 1])
    model = LogisticRegression(learning_rate=0.5, num_iterations=500, standardize=True).fit(X, y)
    np.testing.assert_allclose(model.mean_, X.mean(axis=0))
    assert model.score(X, y) > 0.95


def test_validation_errors():
    X, y = _data()
    with pytest.raises(ParameterError, match="learning_rate"):
        LogisticRegression(learning_rate=-1).fit(X, y)
    with pytest.raises(ParameterError, match="at least two classes"):
        LogisticRegression().fit(X, np.full(len(y), 5))
    with pytest.raises(ParameterError, match="rows"):
        LogisticRegression().fit(X, y[:-1])
    with pytest.raises(ParameterError, match="NaN"):
        LogisticRegression().fit(np.full_like(X, np.nan), y)
    with pytest.raises(SpeechMusicError, match="not trained"):
        LogisticRegression().predict(X)
    model = LogisticRegression(num_iterations=5).fit(X, y)
    with pytest.raises(ParameterError, match="features"):
        model.predict(X[:, :3])


def test_save_load_roundtrip_with_metadata(tmp_path):
    X, y = _data()
    model = LogisticRegression(learning_rate=0.3, num_iterations=50, standardize=True).fit(X, y)
    path = model.save(tmp_path / "m.npz", feature_kind="pooled", class_names=["music", "speech"])
    loaded, meta = LogisticRegression.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert meta["feature_kind"] == "pooled" and meta["class_names"] == ["music", "speech"]
    with pytest.raises(FileExistsError):
        model.save(path)


def test_load_refuses_other_files(tmp_path):
    (tmp_path / "junk.npz").write_bytes(b"junk")
    with pytest.raises(SpeechMusicError, match="not a speechmusic model"):
        LogisticRegression.load(tmp_path / "junk.npz")
    with pytest.raises(SpeechMusicError, match="no such model"):
        LogisticRegression.load(tmp_path / "none.npz")
    np.savez(tmp_path / "future.npz", coef=np.zeros(2), intercept=np.array(0.0), meta=np.array('{"format": 99}'))
    with pytest.raises(SpeechMusicError, match="format 99"):
        LogisticRegression.load(tmp_path / "future.npz")


def test_cross_entropy_finite_at_extremes():
    assert np.isfinite(cross_entropy(np.array([0.0, 1.0]), np.array([1, 0])))


@pytest.mark.parametrize("shape", [(30, 200), (200, 30)], ids=["m<n", "m>n"])
@pytest.mark.parametrize("standardize", [False, True], ids=["raw", "standardized"])
def test_gram_and_plain_forms_train_the_same_model(monkeypatch, shape, standardize):
    import speechmusic.core.model as model_module

    rng = np.random.default_rng(3)
    m, n = shape
    X = rng.random((m, n)) * rng.uniform(0.5, 3.0, size=n)  # unequal column scales for standardize
    y = (X[:, :5].sum(axis=1) + rng.normal(scale=0.5, size=m) > np.median(X[:, :5].sum(axis=1))).astype(int)
    fitted = {}
    for form in ("plain", "gram"):
        monkeypatch.setattr(model_module, "_choose_form", lambda *args, form=form: form)
        fitted[form] = LogisticRegression(learning_rate=0.05, num_iterations=300, standardize=standardize,
                                          record_every=7).fit(X, y)
    plain, gram = fitted["plain"], fitted["gram"]
    assert plain.coef_.shape == gram.coef_.shape == (n,)
    assert np.abs(plain.coef_).max() > 1e-3  # it really trained: equality of zeros would prove nothing
    np.testing.assert_allclose(gram.coef_, plain.coef_, rtol=1e-9, atol=1e-9 * np.abs(plain.coef_).max())
    assert gram.intercept_ == pytest.approx(plain.intercept_, rel=1e-9, abs=1e-12)
    assert len(gram.costs_) == len(plain.costs_) == 43
    np.testing.assert_allclose(gram.costs_, plain.costs_, rtol=1e-9)
    assert plain.costs_[-1] < plain.costs_[0]


def test_form_choice_follows_the_documented_rule():
    from speechmusic.core.model import GRAM_MAX_SAMPLES, _choose_form

    assert _choose_form(120, 16640, 2000) == "gram"  # the lab
    assert _choose_form(200, 30, 2000) == "plain"  # more examples than features
    assert _choose_form(120, 200, 2000) == "plain"  # m not clearly smaller than n
    assert _choose_form(120, 16640, 1) == "plain"  # building X X^T would cost more than it saves
    assert _choose_form(120, 16640, 0) == "plain"
    assert _choose_form(GRAM_MAX_SAMPLES + 1, 10**6, 2000) == "plain"  # X X^T would be too large


def test_unknown_form_is_refused():
    from speechmusic.core.model import _gradient_descent

    with pytest.raises(ParameterError, match="form"):
        _gradient_descent(np.zeros((2, 3)), np.zeros(2), learning_rate=0.1, num_iterations=1, record_every=1,
                          form="fast")


def test_two_classes_other_than_0_and_1_are_learned_from_the_labels():
    X, y = _data()
    lab = LogisticRegression(learning_rate=0.5, num_iterations=300).fit(X, y)
    named = LogisticRegression(learning_rate=0.5, num_iterations=300).fit(X, np.where(y == 1, "speech", "music"))
    assert named.classes_.tolist() == ["music", "speech"]
    # The same problem, the same weights: only the names of the classes differ.
    np.testing.assert_array_equal(named.coef_, lab.coef_)
    assert set(named.predict(X).tolist()) <= {"music", "speech"}
    np.testing.assert_array_equal(named.predict(X) == "speech", lab.predict(X) == 1)


def _three_classes(seed=3, m=300):
    rng = np.random.default_rng(seed)
    centres = np.array([[2.0, 0, 0, 0], [-1, 2, 0, 0], [-1, -2, 0, 0]])
    y = rng.integers(0, 3, m)
    return centres[y] + rng.normal(size=(m, 4)), y


def test_several_classes_softmax_reaches_the_optimum_of_the_cross_entropy():
    X, y = _three_classes()
    model = LogisticRegression(learning_rate=0.5, num_iterations=3000).fit(X, y)
    assert model.classes_.tolist() == [0, 1, 2] and model.coef_.shape == (4, 3) and model.intercept_.shape == (3,)
    P = model.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    # At the optimum the gradient of the cost vanishes: X^T (P - Y) / m = 0 and sum(P - Y) / m = 0.
    Y = np.eye(3)[y]
    assert np.abs(X.T @ (P - Y) / len(y)).max() < 1e-3 and np.abs((P - Y).mean(axis=0)).max() < 1e-3
    assert model.score(X, y) > 0.9
    assert model.costs_[0] == pytest.approx(np.log(3))  # zero weights: every class 1/3
    assert all(b <= a + 1e-12 for a, b in zip(model.costs_, model.costs_[1:]))


def test_several_classes_gram_and_plain_forms_give_the_same_iterates():
    from speechmusic.core.model import _gradient_descent

    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 60))
    Y = np.eye(3)[rng.integers(0, 3, 20)]
    weights = rng.uniform(0.5, 1.5, 20)
    plain = _gradient_descent(X, Y, learning_rate=0.1, num_iterations=50, record_every=10, form="plain",
                              sample_weight=weights)
    gram = _gradient_descent(X, Y, learning_rate=0.1, num_iterations=50, record_every=10, form="gram",
                             sample_weight=weights)
    np.testing.assert_allclose(plain[0], gram[0], atol=1e-10)
    np.testing.assert_allclose(plain[1], gram[1], atol=1e-12)
    np.testing.assert_allclose(plain[2], gram[2], rtol=1e-10)


def test_several_classes_weights_count_like_repeated_examples():
    X, y = _three_classes(m=60)
    twice = LogisticRegression(learning_rate=0.3, num_iterations=200).fit(np.vstack([X, X[:10]]),
                                                                         np.concatenate([y, y[:10]]))
    weights = np.ones(60)
    weights[:10] = 2
    weighted = LogisticRegression(learning_rate=0.3, num_iterations=200).fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(weighted.coef_, twice.coef_, atol=1e-10)


def test_several_classes_save_load_roundtrip_and_old_versions_refuse_the_file(tmp_path):
    X, y = _three_classes()
    names = np.array(["speech", "music", "noise"])[y]
    model = LogisticRegression(learning_rate=0.3, num_iterations=100, standardize=True).fit(X, names)
    path = model.save(tmp_path / "m3.npz", note="x")
    loaded, meta = LogisticRegression.load(path)
    assert loaded.classes_.tolist() == ["music", "noise", "speech"] and meta["format"] == 2
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    # A two-class file keeps format 1, which every earlier version reads.
    two = LogisticRegression(num_iterations=5).fit(X, (y == 0).astype(int))
    assert LogisticRegression.load(two.save(tmp_path / "m2.npz"))[1]["format"] == 1
    # Weights that do not fit the classes are refused, not half-used.
    with np.load(path) as data:
        arrays = dict(data)
    arrays["coef"] = arrays["coef"][:, :2]
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(SpeechMusicError, match="do not fit"):
        LogisticRegression.load(tmp_path / "bad.npz")
