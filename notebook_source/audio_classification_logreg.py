# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] only="solution"
# > **Solution notebook.** This is the worked solution, generated from
# > `notebook_source/audio_classification_logreg.py` by `.venv/bin/python -m speechmusic.commands.build_notebooks`. Learners work in
# > `audio_classification_logreg.ipynb` at the top of the repository.

# %% [markdown]
# # Speech or music? Logistic regression from scratch
#
# You will build a classifier that listens to a 3-second clip and says whether it is **speech**
# ($y = 1$) or **music** ($y = 0$). The classifier is logistic regression, the smallest "neural
# network" there is: one neuron with a sigmoid. You will write every part of it yourself with
# NumPy — the forward pass, the cost, the gradients, gradient descent — and then train it on real
# spectrograms, look inside what it learned, and try it on your own recordings.
#
# **What you will practise**
# - turning audio into a fixed-size array of numbers (a mel-spectrogram) and into a vector;
# - writing vectorised code: no Python loop over examples;
# - the logistic-regression recipe: initialise, compute cost and gradients, update, predict;
# - reading a cost curve, choosing a learning rate, spotting overfitting.
#
# **How the exercises work.** Each exercise is a cell with
#
# ```python
# # (≈ 2 lines of code)
# # YOUR CODE STARTS HERE
#
# # YOUR CODE ENDS HERE
# ```
#
# Write your code between the two marker lines; the hint says roughly how many lines the reference
# solution needs (more is fine). Do not rename the functions or change their parameters: the test
# cell after each exercise calls them by name, and so does the instructor's grader. A test either
# prints **All tests passed!** in green or stops with a message that says what it expected, what
# it got and the most likely cause. Cells run top to bottom: if something says a name is not
# defined, run the cells above it first.

# %% [markdown]
# ## 0 - Before you start: get the data
#
# The notebook reads its clips from the `data/` folder of the repository (or from the folder named
# by the environment variable `SPEECHMUSIC_DATA`). If you have not fetched any data yet, run one of
# these in a terminal, in the repository folder, then come back and run the cells below:
#
# | command | what you get |
# | --- | --- |
# | `.venv/bin/python download_samples.py` and choose **3** | the quick start: real speech (LibriSpeech) and real music; needs the internet |
# | `.venv/bin/python download_samples.py --source synthetic` | a synthetic dataset generated on your machine in seconds, offline |
#
# `.venv/bin/python test_setup.py` checks that everything is in place. You can also add your own
# recordings: see `.venv/bin/speechmusic prepare --help`.

# %% [markdown]
# ## 1 - Packages
#
# - [numpy](https://numpy.org) for arrays and linear algebra;
# - [matplotlib](https://matplotlib.org) for plots;
# - `audio_utils` (in this repository) loads the dataset and turns any audio file into the
#   lab's features; `public_tests` holds the tests you will run after each exercise;
# - a few helpers from the `speechmusic` package this repository installs (decoding audio,
#   computing features for many clips at once).
#
# The first cell finds the repository folder, so that the notebook works wherever it was opened
# from and the paths you type later are relative to the repository.

# %%
import os
import sys
from pathlib import Path

LAB_ROOT = next(
    (folder for folder in (Path.cwd(), *Path.cwd().parents)
     if (folder / "audio_utils.py").is_file() and (folder / "public_tests.py").is_file()),
    None,
)
if LAB_ROOT is not None:
    os.chdir(LAB_ROOT)
    if str(LAB_ROOT) not in sys.path:
        sys.path.insert(0, str(LAB_ROOT))
    print(f"working in {LAB_ROOT}")
else:
    print("audio_utils.py and public_tests.py are not in this folder or above it: the imports below "
          "only work if they are on the Python path. Open the notebook from the speechmusic repository.")

# %%
import numpy as np
import matplotlib.pyplot as plt
import librosa
from IPython.display import Audio, display

from audio_utils import load_dataset, load_audio_file, DEFAULT_PARAMS
from public_tests import *
from speechmusic.core.audio import decode, load_clip
from speechmusic.data.dataset import load_split
from speechmusic.core.features import batch_features

SR = DEFAULT_PARAMS.sample_rate  # 22050 samples per second
SECONDS_PER_FRAME = DEFAULT_PARAMS.hop_length / SR  # 512 / 22050 s, about 23 ms
# Centre frequency (Hz) of each of the 128 mel bands, to label plot axes.
MEL_CENTRES_HZ = librosa.mel_frequencies(n_mels=DEFAULT_PARAMS.n_mels + 2, fmin=DEFAULT_PARAMS.fmin, fmax=SR / 2)[1:-1]


def show_spectrogram(S, title="", ax=None, **imshow_options):
    """Draw a (n_mels, frames) spectrogram: low frequencies at the bottom, time in seconds."""
    ax = ax if ax is not None else plt.gca()
    options = {"cmap": "magma", "vmin": 0.0, "vmax": 1.0} | imshow_options
    image = ax.imshow(S, origin="lower", aspect="auto",
                      extent=[0, S.shape[1] * SECONDS_PER_FRAME, 0, S.shape[0]], **options)
    ticks = [0, 16, 32, 48, 64, 80, 96, 112, 127]
    ax.set_yticks([t + 0.5 for t in ticks])
    ax.set_yticklabels([f"{MEL_CENTRES_HZ[t]:.0f}" for t in ticks])
    ax.set_xlabel("time (s)")
    ax.set_ylabel("frequency (Hz)")
    ax.set_title(title)
    return image


def play(signal):
    """An audio player for a mono signal at the lab's sample rate."""
    return Audio(signal, rate=SR)

# %% [markdown]
# ## 2 - The dataset
#
# ### 2.1 - From sound to a picture: the mel-spectrogram
#
# A recording is a long list of air-pressure samples: 22050 per second here, so a 3-second clip
# is 66150 numbers. Those numbers wiggle too fast to say much on their own. What tells speech from
# music is *which frequencies* are present and *how they change over time*. A spectrogram shows
# exactly that:
#
# 1. **Cut the clip into short overlapping frames.** Each frame is 2048 samples (93 ms); a new one
#    starts every 512 samples (23 ms). A 3-second clip gives 130 frames.
# 2. **Measure the energy at each frequency in each frame** with a Fourier transform. Within
#    93 ms a voice or a note is nearly steady, so the spectrum of a frame is meaningful.
# 3. **Group the frequencies into 128 mel bands.** Our ears tell 100 Hz from 200 Hz easily but
#    hardly hear the difference between 8000 Hz and 8100 Hz. The mel scale follows that: bands are
#    narrow at low frequencies and wide at high ones (roughly linear below 1 kHz and logarithmic
#    above), so 128 numbers describe a frame the way a listener would.
# 4. **Take decibels and scale to $[0, 1]$.** Loudness is perceived logarithmically, so the
#    energies are converted to dB relative to the loudest point of the clip. Everything more than
#    80 dB below it is treated as silence. The result is mapped linearly to $[0, 1]$: 1 is the
#    loudest point of the clip, 0 is silence.
#
# Each clip becomes an array of shape $(128, 130)$: 128 mel bands (rows, low frequencies first)
# by 130 time frames (columns). Drawn as an image, you can *see* the sound. Speech shows stacks of
# harmonics that glide up and down (the pitch of the voice) under broad bright bands (the
# resonances of the mouth, which shape the vowels), bursts of high-frequency noise for consonants
# such as "s", and gaps between syllables and words. Music tends to have steady horizontal lines
# (held notes and their harmonics), regular vertical strokes (drums), and fewer silences.
#
# ### 2.2 - Loading the data
#
# `load_dataset()` returns five things:
# - `train_set_x_orig`: the training spectrograms, shape `(m_train, 128, 130)`;
# - `train_set_y`: their labels, shape `(1, m_train)`, 1 for speech and 0 for music;
# - `test_set_x_orig`, `test_set_y`: the same for the test set;
# - `classes`: `np.array([b"music", b"speech"])`, so `classes[label]` names a label.
#
# The first load computes every spectrogram (a few seconds per hundred clips) and caches them
# under `data/.cache`; later loads are almost instant. If this cell says there is no data, see
# section 0.

# %%
train_set_x_orig, train_set_y, test_set_x_orig, test_set_y, classes = load_dataset()

for name, labels in (("training", train_set_y), ("test", test_set_y)):
    print(f"{name} set: {labels.shape[1]} clips, {int(np.sum(labels == 1))} speech and {int(np.sum(labels == 0))} music")

# %% [markdown]
# The arrays come without the file names. To *listen* to a clip, the next cell asks the dataset
# which file each example came from (same order as the arrays).

# %%
_, _, train_paths = load_split(None, "train", progress=False)
_, _, test_paths = load_split(None, "test", progress=False)
assert len(train_paths) == train_set_y.shape[1] and len(test_paths) == test_set_y.shape[1]

# %% [markdown]
# Here is one clip of each class. Look for the harmonics, the gaps, the steady notes; then listen.

# %%
first_music = int(np.flatnonzero(train_set_y[0] == 0)[0])
first_speech = int(np.flatnonzero(train_set_y[0] == 1)[0])

fig, axes = plt.subplots(1, 2, figsize=(13, 4), constrained_layout=True)
for ax, index in zip(axes, (first_music, first_speech)):
    label = int(train_set_y[0, index])
    image = show_spectrogram(train_set_x_orig[index], f"training clip {index}: y = {label} ({classes[label].decode()})", ax)
fig.colorbar(image, ax=axes, label="level (0 = silence, 1 = loudest)")
plt.show()

for index in (first_music, first_speech):
    print(f"clip {index} ({classes[train_set_y[0, index]].decode()}): {train_paths[index].name}")
    display(play(load_clip(train_paths[index])))

# %% [markdown]
# Change `index` to look at and listen to other training clips.

# %%
index = 0
show_spectrogram(train_set_x_orig[index], f"training clip {index}: y = {train_set_y[0, index]} "
                 f"({classes[train_set_y[0, index]].decode()})")
plt.show()
display(play(load_clip(train_paths[index])))

# %% [markdown]
# ### 2.3 - Exercise 1: the dimensions of the data
#
# Many bugs in deep learning come from arrays of the wrong shape, so it pays to know your
# dimensions. Find
# - `m_train`, the number of training clips;
# - `m_test`, the number of test clips;
# - `n_mels`, the number of mel bands (rows of one spectrogram);
# - `time_steps`, the number of time frames (columns of one spectrogram).
#
# `train_set_x_orig` has shape `(m_train, n_mels, time_steps)`; `X.shape` is a tuple you can
# index, e.g. `X.shape[0]`.

# %% tags=["exercise"]
### BEGIN SOLUTION
#: m_train = ...
#: m_test = ...
#: n_mels = ...
#: time_steps = ...
m_train = train_set_x_orig.shape[0]
m_test = test_set_x_orig.shape[0]
n_mels = train_set_x_orig.shape[1]
time_steps = train_set_x_orig.shape[2]
### END SOLUTION
require_exercise(1, globals())  # says so if the four lines above are not written yet

print(f"training clips:   m_train = {m_train}")
print(f"test clips:       m_test = {m_test}")
print(f"mel bands:        n_mels = {n_mels}")
print(f"time frames:      time_steps = {time_steps}")
print(f"train_set_x_orig: {train_set_x_orig.shape}    train_set_y: {train_set_y.shape}")
print(f"test_set_x_orig:  {test_set_x_orig.shape}    test_set_y:  {test_set_y.shape}")

# %%
dimensions_test(train_set_x_orig, test_set_x_orig, m_train, m_test, n_mels, time_steps)

# %% [markdown]
# With the lab's settings every clip is $128 \times 130$: the clip length and the feature settings
# are fixed, so clips are always comparable.
#
# ### 2.4 - Exercise 2: one column per clip
#
# Logistic regression takes each example as a **vector** of features $x \in \mathbb{R}^{n}$ and
# computes one weighted sum $w^T x + b$. It has no notion of rows and columns of an image, so
# we lay each spectrogram out as one long vector of $n = 128 \times 130 = 16640$ numbers, and put
# the vectors of all clips side by side: the training set becomes a matrix of shape
# $(16640, m_{train})$, **one column per clip**. That layout lets us process every clip at once
# with one matrix product, instead of a Python loop over clips.
#
# Reshape `train_set_x_orig` and `test_set_x_orig` into `train_set_x_flatten` and
# `test_set_x_flatten`. A handy trick: `X.reshape(X.shape[0], -1)` keeps the first axis and lets
# NumPy work out the length of the other one (`-1`), giving one *row* per clip; `.T` then turns
# rows into columns.
#
# (Careful: `X.reshape(-1, m)` has the same shape but mixes numbers of different clips in each
# column. The order matters later too: we will fold the learned weights back into a
# $128 \times 130$ picture.)

# %% tags=["exercise"]
### BEGIN SOLUTION
#: train_set_x_flatten = ...
#: test_set_x_flatten = ...
train_set_x_flatten = train_set_x_orig.reshape(train_set_x_orig.shape[0], -1).T
test_set_x_flatten = test_set_x_orig.reshape(test_set_x_orig.shape[0], -1).T
### END SOLUTION
require_exercise(2, globals())  # says so if the two lines above are not written yet

print(f"train_set_x_flatten: {train_set_x_flatten.shape}    train_set_y: {train_set_y.shape}")
print(f"test_set_x_flatten:  {test_set_x_flatten.shape}    test_set_y:  {test_set_y.shape}")

# %%
flatten_test(train_set_x_orig, test_set_x_orig, train_set_x_flatten, test_set_x_flatten)

# %% [markdown]
# **Do the features need scaling?** Gradient descent works best when the features have
# comparable, small ranges. Image pixels (0 to 255) are usually divided by 255 first. Our
# spectrograms are *already* in $[0, 1]$ (that is what step 4 of section 2.1 did), so we use them
# as they are:

# %%
train_set_x = train_set_x_flatten
test_set_x = test_set_x_flatten
print(f"feature range: {train_set_x.min():.2f} to {train_set_x.max():.2f}, mean {train_set_x.mean():.3f}")

# %% [markdown]
# ## 3 - The learning algorithm
#
# For one clip with feature vector $x^{(i)}$ (a column of `train_set_x`), logistic regression
# computes
#
# $$z^{(i)} = w^T x^{(i)} + b \qquad\qquad \hat{y}^{(i)} = a^{(i)} = \sigma(z^{(i)})$$
#
# where $w \in \mathbb{R}^{16640}$ holds one weight per time-frequency cell and $b$ is a single
# number (the bias). The weighted sum $z$ collects evidence: a cell with a positive weight pushes
# towards "speech" when it is bright, one with a negative weight pushes towards "music". The
# sigmoid $\sigma$ turns that evidence into a probability $a = P(y = 1 \mid x)$, the model's
# belief that the clip is speech. Each prediction is scored with the **cross-entropy loss**
#
# $$\mathcal{L}(a^{(i)}, y^{(i)}) = - y^{(i)} \log a^{(i)} - (1 - y^{(i)}) \log(1 - a^{(i)})$$
#
# which is small when the model gives a high probability to the right answer and grows without
# bound when it is confidently wrong. The **cost** is the average loss over the $m$ training
# clips:
#
# $$J(w, b) = \frac{1}{m} \sum_{i=1}^{m} \mathcal{L}(a^{(i)}, y^{(i)})$$
#
# Training means finding the $w$ and $b$ that make $J$ small. The steps are:
# 1. initialise the parameters;
# 2. repeat: compute the cost and its gradient (propagation), then take a small step downhill
#    (gradient descent);
# 3. use the learned parameters to predict labels.
#
# You will write each step as a function, then put them together in `model()`.
#
# ### 3.1 - Exercise 3: sigmoid
#
# $$\sigma(z) = \frac{1}{1 + e^{-z}}$$
#
# Why this function? It squashes any real number into $(0, 1)$, it is $0.5$ at $z = 0$ (no
# evidence either way), and it is smooth, so small changes of $w$ make small changes of the
# output — which is what gradient descent needs. Its inverse, $z = \log\frac{a}{1-a}$, is the
# "log-odds": $z$ measures evidence on a scale where adding is natural.
#
# Implement `sigmoid(z)` so that it works for a single number and for a NumPy array of any shape
# (applied to every element). Use `np.exp`, not `math.exp`: the latter only accepts single
# numbers.

# %% tags=["exercise"]
def sigmoid(z):
    """
    The logistic function 1 / (1 + e^(-z)), applied to every element of z.

    Parameters
    ----------
    z : number or numpy array of any shape

    Returns
    -------
    s : number or numpy array of the same shape as z, values between 0 and 1
    """
    ### BEGIN SOLUTION
    #: s = ...
    s = 1 / (1 + np.exp(-z))
    ### END SOLUTION
    return s

# %%
sigmoid_test(sigmoid)

print("sigmoid(0) = " + str(sigmoid(0)))
print("sigmoid([-1, 0, 2]) = " + str(sigmoid(np.array([-1.0, 0.0, 2.0]))))

# %%
z_values = np.linspace(-8, 8, 200)
plt.figure(figsize=(6, 3))
plt.plot(z_values, sigmoid(z_values))
plt.axhline(0.5, color="gray", linewidth=0.5)
plt.axvline(0.0, color="gray", linewidth=0.5)
plt.xlabel("z = w^T x + b (evidence for speech)")
plt.ylabel("sigmoid(z) = P(speech)")
plt.title("The sigmoid turns evidence into a probability")
plt.show()

# %% [markdown]
# ### 3.2 - Exercise 4: initializing the parameters
#
# Implement `initialize_with_zeros(dim)`: return `w`, a column vector of zeros of shape
# `(dim, 1)`, and `b = 0.0`, a float. Look up `np.zeros` if needed; note that its shape argument is
# a tuple.
#
# Starting from all zeros is fine for logistic regression: the cost $J$ is convex (shaped like a
# bowl, with no misleading local minima), so gradient descent reaches the same solution from any
# start, and zeros mean "no opinion yet" — every clip starts at probability 0.5. (Networks with
# hidden layers cannot start at zero, because all hidden units would then learn the same thing.)

# %% tags=["exercise"]
def initialize_with_zeros(dim):
    """
    Starting parameters: all weights zero, bias zero.

    Parameters
    ----------
    dim : int
        The number of features (one weight per feature).

    Returns
    -------
    w : numpy array of shape (dim, 1), all zeros
    b : float, 0.0
    """
    ### BEGIN SOLUTION
    #: w = ...
    #: b = ...
    w = np.zeros((dim, 1))
    b = 0.0
    ### END SOLUTION
    return w, b

# %%
initialize_with_zeros_test_1(initialize_with_zeros)
initialize_with_zeros_test_2(initialize_with_zeros)

toy_w, toy_b = initialize_with_zeros(2)
print("w = " + str(toy_w))
print("b = " + str(toy_b))

# %% [markdown]
# ### 3.3 - Exercise 5: forward and backward propagation
#
# `propagate(w, b, X, Y)` computes the cost and its gradient for the whole training set at once.
# With `X` of shape $(n, m)$ (one column per clip) and `Y` of shape $(1, m)$:
#
# **Forward propagation**
# - $A = \sigma(w^T X + b) = (a^{(1)}, a^{(2)}, \ldots, a^{(m)})$, shape $(1, m)$: one probability
#   per clip. $w^T X$ is a matrix product, `np.dot(w.T, X)` or `w.T @ X`; adding the number $b$
#   adds it to every entry.
# - $J = -\frac{1}{m} \sum_{i=1}^{m} \left( y^{(i)} \log a^{(i)} + (1 - y^{(i)}) \log(1 - a^{(i)}) \right)$,
#   a single number. Element-wise products (`*`) and `np.log` compute every term; `np.sum`
#   adds them up.
#
# **Backward propagation.** The derivative of the loss with respect to $z$ is remarkably simple,
# $\frac{\partial \mathcal{L}}{\partial z^{(i)}} = a^{(i)} - y^{(i)}$: the prediction error. By the
# chain rule ($z = w^T x + b$), averaged over the clips:
#
# $$\frac{\partial J}{\partial w} = \frac{1}{m} X (A - Y)^T \qquad\qquad \frac{\partial J}{\partial b} = \frac{1}{m} \sum_{i=1}^m (a^{(i)} - y^{(i)})$$
#
# The first is a matrix product of shapes $(n, m)$ and $(m, 1)$, giving $(n, 1)$ — the same shape
# as $w$, as every gradient must be. Each weight's gradient is the average, over clips, of its
# feature times the error: a cell that is bright in clips the model gets wrong gets a big
# correction.

# %% tags=["exercise"]
def propagate(w, b, X, Y):
    """
    The cost J of parameters (w, b) on a set of examples, and its gradient.

    Parameters
    ----------
    w : numpy array of shape (n, 1)
        Weights, one per feature.
    b : float
        Bias.
    X : numpy array of shape (n, m)
        Features, one column per example.
    Y : numpy array of shape (1, m)
        True labels: 1 for speech, 0 for music.

    Returns
    -------
    grads : dict
        "dw": dJ/dw, a numpy array of shape (n, 1) like w;
        "db": dJ/db, a float like b.
    cost : float
        The cross-entropy cost J, averaged over the m examples.
    """
    m = X.shape[1]

    # Forward: the probabilities A, shape (1, m), then the cost
    ### BEGIN SOLUTION
    #: A = ...
    #: cost = ...
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    ### END SOLUTION

    # Backward: the gradients dw, shape (n, 1), and db, a number
    ### BEGIN SOLUTION
    #: dw = ...
    #: db = ...
    dw = np.dot(X, (A - Y).T) / m
    db = np.sum(A - Y) / m
    ### END SOLUTION

    grads = {"dw": dw, "db": db}
    return grads, cost

# %%
propagate_test(propagate)

toy_w = np.array([[0.5], [-1.0]])
toy_b = 0.25
toy_X = np.array([[1.0, -2.0, 0.5], [2.0, 0.5, -1.5]])
toy_Y = np.array([[1, 0, 1]])
toy_grads, toy_cost = propagate(toy_w, toy_b, toy_X, toy_Y)
print("dw = " + str(toy_grads["dw"]))
print("db = " + str(toy_grads["db"]))
print("cost = " + str(toy_cost))

# %% [markdown]
# ### 3.4 - Exercise 6: optimization
#
# Gradient descent repeats two steps: compute the gradient at the current parameters, then move
# the parameters a small step in the opposite direction, the direction in which the cost
# decreases fastest:
#
# $$w := w - \alpha \, dw \qquad\qquad b := b - \alpha \, db$$
#
# The **learning rate** $\alpha$ sets the step size: too small and training crawls; too large and
# each step overshoots the bottom of the bowl, so the cost jumps around or blows up.
#
# Complete `optimize`: in each iteration, call `propagate`, then update `w` and `b`. The code
# around your lines records the cost every 100 iterations in `costs` (for plotting the learning
# curve) and prints it when `print_cost` is True.

# %% tags=["exercise"]
def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    """
    Learn w and b by batch gradient descent, starting from the values given.

    Parameters
    ----------
    w : numpy array of shape (n, 1)
        Starting weights.
    b : float
        Starting bias.
    X : numpy array of shape (n, m)
        Training features, one column per example.
    Y : numpy array of shape (1, m)
        Training labels (1 speech, 0 music).
    num_iterations : int
        Number of gradient steps.
    learning_rate : float
        Step size alpha of the update w := w - alpha * dw.
    print_cost : bool
        Print the cost every 100 iterations.

    Returns
    -------
    params : dict
        The learned "w" and "b".
    grads : dict
        "dw" and "db" of the last iteration.
    costs : list
        The cost at iterations 0, 100, 200, ... (for the learning curve).
    """
    costs = []

    for i in range(num_iterations):
        # The cost and the gradient at the current w, b
        ### BEGIN SOLUTION
        #: grads, cost = ...
        grads, cost = propagate(w, b, X, Y)
        ### END SOLUTION

        # The two derivatives
        dw = grads["dw"]
        db = grads["db"]

        # One step downhill, of size learning_rate
        ### BEGIN SOLUTION
        #: w = ...
        #: b = ...
        w = w - learning_rate * dw
        b = b - learning_rate * db
        ### END SOLUTION

        # Keep the cost every 100 iterations, for the learning curve
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost:f}")

    params = {"w": w, "b": b}
    grads = {"dw": dw, "db": db}
    return params, grads, costs

# %%
optimize_test(optimize)

toy_params, toy_grads, toy_costs = optimize(toy_w, toy_b, toy_X, toy_Y, num_iterations=101, learning_rate=0.1)
print("w = " + str(toy_params["w"]))
print("b = " + str(toy_params["b"]))
print("dw = " + str(toy_grads["dw"]))
print("db = " + str(toy_grads["db"]))
print("costs = " + str([float(c) for c in toy_costs]))

# %% [markdown]
# ### 3.5 - Exercise 7: predict
#
# The learned $w$ and $b$ give a probability for each clip, $A = \sigma(w^T X + b)$. Turn it into
# a label: 1 (speech) if $a > 0.5$, else 0 (music). Return an array of shape $(1, m)$, like `Y`.
# A comparison such as `A > 0.5` gives an array of booleans; `.astype(float)` (or `np.where`)
# turns it into 0s and 1s, without a loop.
#
# (Thresholding $a$ at 0.5 is the same as thresholding $z$ at 0: the model says "speech" when the
# evidence is positive.)

# %% tags=["exercise"]
def predict(w, b, X):
    """
    Labels of the examples in X according to the parameters (w, b).

    Parameters
    ----------
    w : numpy array of shape (n, 1)
    b : float
    X : numpy array of shape (n, m), one column per example

    Returns
    -------
    Y_prediction : numpy array of shape (1, m)
        1 (speech) where the probability sigmoid(w^T x + b) is above 0.5, else 0 (music).
    """
    # Compute the vector A of probabilities that each clip is speech
    ### BEGIN SOLUTION
    #: A = ...
    A = sigmoid(np.dot(w.T, X) + b)
    ### END SOLUTION

    # Convert the probabilities A into labels: 1 where A > 0.5, 0 elsewhere
    ### BEGIN SOLUTION
    #: Y_prediction = ...
    Y_prediction = (A > 0.5).astype(float)
    ### END SOLUTION

    return Y_prediction

# %%
predict_test(predict)

toy_w = np.array([[0.3], [-0.6]])
toy_b = 0.1
toy_X = np.array([[1.0, -1.1, 3.2], [-1.2, 2.0, 0.1]])
print("predictions = " + str(predict(toy_w, toy_b, toy_X)))

# %% [markdown]
# **Recap.** You have written the whole learning machine:
# - initialise $(w, b)$;
# - optimise them iteratively: compute the cost and its gradient, update the parameters;
# - use the learned $(w, b)$ to predict the labels of new examples.
#
# ## 4 - Putting it together: the model
#
# ### 4.1 - Exercise 8: model
#
# Implement `model()` using the functions above:
# - initialise the parameters with `initialize_with_zeros` (how many features are there?);
# - train them with `optimize`, passing on `num_iterations`, `learning_rate` and `print_cost`;
# - take the trained `w` and `b` from the returned `params`;
# - predict the labels of the test set (`Y_prediction_test`) and of the training set
#   (`Y_prediction_train`).

# %% tags=["exercise"]
def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005, print_cost=False):
    """
    Train logistic regression from zeros on the training set and predict both sets.

    Parameters
    ----------
    X_train : numpy array of shape (n, m_train)
    Y_train : numpy array of shape (1, m_train)
    X_test : numpy array of shape (n, m_test)
    Y_test : numpy array of shape (1, m_test)
    num_iterations : int
        Gradient steps, passed on to optimize.
    learning_rate : float
        Step size, passed on to optimize.
    print_cost : bool
        Passed on to optimize.

    Returns
    -------
    d : dict
        "costs", "Y_prediction_test", "Y_prediction_train", "w", "b", "learning_rate",
        "num_iterations".
    """
    ### BEGIN SOLUTION
    #: w, b = ...
    #: params, grads, costs = ...
    #: w = ...
    #: b = ...
    #: Y_prediction_test = ...
    #: Y_prediction_train = ...
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations=num_iterations,
                                    learning_rate=learning_rate, print_cost=print_cost)
    w = params["w"]
    b = params["b"]
    Y_prediction_test = predict(w, b, X_test)
    Y_prediction_train = predict(w, b, X_train)
    ### END SOLUTION

    d = {"costs": costs,
         "Y_prediction_test": Y_prediction_test,
         "Y_prediction_train": Y_prediction_train,
         "w": w,
         "b": b,
         "learning_rate": learning_rate,
         "num_iterations": num_iterations}
    return d

# %%
model_test(model)

# %% [markdown]
# ### 4.2 - Choosing the learning rate and the number of iterations for audio
#
# Why does `model()` default to `learning_rate=0.005`, when the tiny test inputs above are happy
# with 0.3? A rate that large is far too large here. The reason is the size and sign of our
# features: 16640 of them, all between 0 and 1 and about 0.4 on average. Changing every weight by a small $\delta$ changes $z = w^T x + b$ by
# about $16640 \times 0.4 \times \delta \approx 6700\,\delta$ for *every* clip at once — the cost is
# extremely steep in that direction.
#
# How steep, exactly? Near the start (all probabilities 0.5) the curvature of $J$ in its steepest
# direction is $\lambda_{max} / 4$, where $\lambda_{max}$ is the largest eigenvalue of
# $\frac{1}{m} X X^T$ (1/4 is the largest value of the sigmoid's slope,
# $\sigma'(z) = \sigma(z)(1 - \sigma(z))$, reached at $z = 0$). On a bowl of curvature $L$, gradient descent
# gets closer to the bottom at every step only if $\alpha < 2 / L$; here that is
# $\alpha < 8 / \lambda_{max}$. The next cell measures $\lambda_{max}$ on your data with a few
# steps of the power method (multiply a vector by the matrix again and again: it lines up with the
# steepest direction).

# %%
def largest_eigenvalue(X, steps=30):
    """Largest eigenvalue of X X^T / m, by power iteration (X has one column per example)."""
    vector = np.ones((X.shape[0], 1)) / np.sqrt(X.shape[0])
    for _ in range(steps):
        product = X @ (X.T @ vector) / X.shape[1]
        eigenvalue = float(np.linalg.norm(product))
        vector = product / eigenvalue
    return eigenvalue


curvature = largest_eigenvalue(train_set_x)
print(f"largest eigenvalue of X X^T / m: {curvature:.0f}")
print(f"gradient descent decreases the cost from the very first step for learning rates below 8 / {curvature:.0f} = {8 / curvature:.4f}")

# %% [markdown]
# That bound is a little pessimistic for the logistic cost: as soon as predictions move away from
# 0.5, $\sigma'$ shrinks and the bowl flattens, so a rate somewhat above the bound overshoots for
# a while and then settles (you will see this in section 5.1). Measured on the lab's
# datasets (real recordings and the synthetic set, $\lambda_{max} \approx 2400$ to $2900$, bound
# $\approx 0.003$):
#
# | learning rate | what happens |
# | --- | --- |
# | 0.5 or 0.05 | the first steps overshoot wildly, probabilities hit exactly 0 or 1 and the cost becomes `nan` |
# | 0.01 | the cost jumps to 1.6 to 6 times its starting value and needs 20 to 100 steps to come back down |
# | **0.005** | on the real recordings we tried the cost falls from the first step; on the synthetic set it rises to about 2.4 times its start for some 40 steps, then falls steadily. After 2000 steps the cost is 2 to 3 times lower than with 0.002 |
# | 0.002 or 0.003 | the cost falls at every step on all our datasets, but more slowly: 0.002 needs about 2.5 times as many iterations to get as far as 0.005 |
#
# We use **`learning_rate = 0.005`** (the largest round value that always settled quickly, and
# `model()`'s default) and
# **`num_iterations = 2000`**: by then every training clip is classified correctly, the cost
# still falls but slowly (halving it takes thousands more steps), and the test accuracy changes by
# at most a clip or two with more iterations. Training takes a few seconds on a hundred clips and
# grows in proportion to the number of clips.

# %%
learning_rate = 0.005
num_iterations = 2000

logistic_regression_model = model(train_set_x, train_set_y, test_set_x, test_set_y,
                                  num_iterations=num_iterations, learning_rate=learning_rate, print_cost=True)

# %%
def accuracy(Y_prediction, Y):
    """Percentage of clips whose predicted label equals the true label."""
    return 100 * float(np.mean(Y_prediction == Y))


train_accuracy = accuracy(logistic_regression_model["Y_prediction_train"], train_set_y)
test_accuracy = accuracy(logistic_regression_model["Y_prediction_test"], test_set_y)
print(f"train accuracy: {train_accuracy:.1f} %")
print(f"test accuracy: {test_accuracy:.1f} %")

# %% [markdown]
# The learning curve: the cost recorded every 100 iterations. It should fall quickly at first and
# then flatten. A curve that goes up, zig-zags or ends in `nan` means the learning rate is too
# large.

# %%
plt.figure(figsize=(7, 4))
plt.plot(np.arange(len(logistic_regression_model["costs"])) * 100, np.squeeze(logistic_regression_model["costs"]))
plt.ylabel("cost J")
plt.xlabel("iterations")
plt.title(f"Learning rate = {logistic_regression_model['learning_rate']}")
plt.show()

# %% [markdown]
# ## 5 - Further analysis
#
# ### 5.1 - Comparing learning rates
#
# The plot on the left trains the model with three learning rates and overlays their learning
# curves. The one on the right zooms in on the first 40 steps, recording the cost at *every* step
# (the cost list of `optimize` only keeps one value per 100 steps, which hides what happens at the
# start). Look for the overshoot of the larger rates.

# %%
compared_rates = [0.01, 0.005, 0.002]
rate_models = {}
for rate in compared_rates:
    if rate == learning_rate:
        rate_models[rate] = logistic_regression_model  # already trained above
    else:
        rate_models[rate] = model(train_set_x, train_set_y, test_set_x, test_set_y,
                                  num_iterations=num_iterations, learning_rate=rate)


def first_costs(rate, steps=40):
    """The cost at every step of the first `steps` steps of gradient descent."""
    weights, bias = initialize_with_zeros(train_set_x.shape[0])
    history = []
    with np.errstate(all="ignore"):  # large rates overflow on purpose here
        for _ in range(steps):
            gradients, step_cost = propagate(weights, bias, train_set_x, train_set_y)
            history.append(step_cost)
            weights = weights - rate * gradients["dw"]
            bias = bias - rate * gradients["db"]
    return np.array(history, dtype=float)


fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4), constrained_layout=True)
for rate, trained in rate_models.items():
    left.plot(np.arange(len(trained["costs"])) * 100, np.squeeze(trained["costs"]), label=f"{rate}")
    print(f"learning rate {rate}: final cost {trained['costs'][-1]:.4f}, "
          f"train {accuracy(trained['Y_prediction_train'], train_set_y):.1f} %, "
          f"test {accuracy(trained['Y_prediction_test'], test_set_y):.1f} %")
left.set_xlabel("iterations")
left.set_ylabel("cost J")
left.set_yscale("log")
left.legend(title="learning rate")
left.set_title("Learning curves (one point per 100 iterations)")
for rate in (0.05, 0.01, 0.005, 0.002):
    history = first_costs(rate)
    right.plot(np.where(np.isfinite(history), history, np.nan), marker=".", label=f"{rate}")
    if not np.all(np.isfinite(history)):
        print(f"learning rate {rate}: the cost became nan or inf after {int(np.argmin(np.isfinite(history)))} steps")
right.set_xlabel("step")
right.set_ylabel("cost J")
right.set_yscale("log")
right.legend(title="learning rate")
right.set_title("The first 40 steps")
plt.show()

# %% [markdown]
# **Interpretation.**
# - A larger learning rate reaches a low cost sooner, as long as it is stable. Past the stability
#   limit the cost first jumps up (the step overshoots the bottom of the bowl and lands high on
#   the other side) and, further still, never recovers.
# - A low training cost is not the goal in itself: compare the test accuracies printed above.
#   Once every training clip is on the right side of the boundary, further descent mostly makes
#   the model *more confident*, not more correct.
#
# ### 5.2 - Training versus test: what overfitting looks like here
#
# Our model has 16641 parameters and sees only a few hundred clips at most: it can memorise the
# training set. The next cell trains once more with the chosen settings and, every 50 iterations,
# measures the cost and the accuracy on both sets.

# %%
def training_history(X_train, Y_train, X_test, Y_test, rate, iterations, every=50):
    """Train from zeros, recording cost and accuracy on both sets every `every` iterations."""
    weights, bias = initialize_with_zeros(X_train.shape[0])
    history = {"iteration": [], "train cost": [], "test cost": [], "train accuracy": [], "test accuracy": []}
    for i in range(iterations + 1):
        gradients, train_cost = propagate(weights, bias, X_train, Y_train)
        if i % every == 0:
            history["iteration"].append(i)
            history["train cost"].append(train_cost)
            history["test cost"].append(propagate(weights, bias, X_test, Y_test)[1])
            history["train accuracy"].append(accuracy(predict(weights, bias, X_train), Y_train))
            history["test accuracy"].append(accuracy(predict(weights, bias, X_test), Y_test))
        weights = weights - rate * gradients["dw"]
        bias = bias - rate * gradients["db"]
    return history


history = training_history(train_set_x, train_set_y, test_set_x, test_set_y, learning_rate, num_iterations)

fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4), constrained_layout=True)
for split in ("train", "test"):
    left.plot(history["iteration"], history[f"{split} cost"], label=split)
    right.plot(history["iteration"], history[f"{split} accuracy"], label=split)
left.set_xlabel("iterations")
left.set_ylabel("cost J")
left.set_title("Cost")
left.legend()
right.set_xlabel("iterations")
right.set_ylabel("accuracy (%)")
right.set_title("Accuracy")
right.legend()
plt.show()

best = int(np.argmin(history["test cost"]))
print(f"test cost is lowest at iteration {history['iteration'][best]}: {history['test cost'][best]:.3f} "
      f"(at the end: {history['test cost'][-1]:.3f})")

# %% [markdown]
# **Reading the curves.** The training cost keeps falling and the training accuracy reaches
# 100 %: the model fits the clips it trains on perfectly. The test curves tell the truth about
# new clips. Typically the test accuracy rises quickly and then stalls well below 100 %, and the
# test cost stops falling or even rises while the training cost still falls. That gap is
# **overfitting**: many of the 16641 weights are tuned to details of particular training clips
# (this cough at 1.3 s, that drum hit at 2.1 s) that tell nothing about other recordings. More
# data, fewer parameters (see the bonus, section 5.6) or a penalty on large weights (regularisation)
# reduce it.
#
# ### 5.3 - What does the model listen for?
#
# Each weight belongs to one time-frequency cell, so we can fold $w$ back into a $128 \times 130$
# picture. Red cells push towards **speech** when they are bright, blue cells towards **music**.
# The right-hand plot averages the weights of each mel band over time: which frequency ranges
# count as evidence for which class.

# %%
weights = logistic_regression_model["w"]
bias = logistic_regression_model["b"]
weight_image = weights.reshape(n_mels, time_steps)
limit = float(np.abs(weight_image).max())

fig, (left, right) = plt.subplots(1, 2, figsize=(14, 4.5), gridspec_kw={"width_ratios": [3, 1]}, constrained_layout=True)
image = show_spectrogram(weight_image, "learned weights w (red: speech, blue: music)", left, cmap="RdBu_r", vmin=-limit, vmax=limit)
fig.colorbar(image, ax=left, label="weight")
band_profile = weight_image.mean(axis=1)
right.barh(np.arange(n_mels) + 0.5, band_profile, height=1.0, color=np.where(band_profile > 0, "tab:red", "tab:blue"))
right.set_ylim(0, n_mels)
ticks = [0, 16, 32, 48, 64, 80, 96, 112, 127]
right.set_yticks([t + 0.5 for t in ticks])
right.set_yticklabels([f"{MEL_CENTRES_HZ[t]:.0f}" for t in ticks])
right.axvline(0, color="gray", linewidth=0.5)
right.set_xlabel("mean weight over time")
right.set_title("per mel band")
plt.show()

for name, band in (("most speech-like", int(np.argmax(band_profile))), ("most music-like", int(np.argmin(band_profile)))):
    print(f"{name} band: {band} (around {MEL_CENTRES_HZ[band]:.0f} Hz), mean weight {band_profile[band]:+.4f}")
print(f"bias b = {bias:+.3f}")

# %% [markdown]
# **How to read it.**
# - Along the **frequency axis** the picture is structured: whole horizontal stripes are red or
#   blue. These are the frequency ranges where energy (relative to the loudest part of the clip)
#   is typical of one class. Speech puts its energy in the range of voice harmonics and mouth
#   resonances (a few hundred Hz to about 4 kHz) and leaves the rest quiet; music often fills the
#   high frequencies (cymbals, bright instruments) and the low bass, and keeps them filled.
#   Remember that each spectrogram is scaled to its own loudest point: a band that is *relatively*
#   quiet in speech and loud in music carries a blue weight.
# - Along the **time axis** there is little consistent structure: a weight at 1.3 s is as likely
#   red as its neighbour at 1.4 s is blue. Nothing about *when* a syllable or a note happens within
#   a clip can tell speech from music, so these fluctuations are the model memorising its training
#   clips — the overfitting of section 5.2, made visible. This suggests describing each band by
#   statistics over time instead (the bonus, section 5.6, does exactly that).
#
# ### 5.4 - Mistakes: clips the model gets wrong
#
# Listening to the errors is the best way to understand a classifier. Below are the misclassified
# test clips (up to four), with the model's probability of speech.

# %%
test_probabilities = sigmoid(np.dot(weights.T, test_set_x) + bias)[0]
test_predictions = logistic_regression_model["Y_prediction_test"][0].astype(int)
wrong = np.flatnonzero(test_predictions != test_set_y[0])
print(f"{len(wrong)} of {m_test} test clips are misclassified")

for index in wrong[:4]:
    true_label, predicted = int(test_set_y[0, index]), int(test_predictions[index])
    plt.figure(figsize=(7, 3))
    show_spectrogram(test_set_x_orig[index], f"test clip {index}: is {classes[true_label].decode()}, "
                     f"predicted {classes[predicted].decode()} (P(speech) = {test_probabilities[index]:.2f})")
    plt.show()
    print(test_paths[index].name)
    display(play(load_clip(test_paths[index])))

# %% [markdown]
# Some things to listen for: speech over background music or noise, singing (a voice that holds
# notes like an instrument), rap or poetry with a strong rhythm, solo instruments that are
# "speech-like" (a single melodic line with pauses), very quiet or very short clips.
#
# ### 5.5 - Confusion matrix
#
# Accuracy hides *which* mistakes the model makes. The confusion matrix counts the test clips by
# true class (rows) and predicted class (columns): the diagonal holds the correct answers.

# %%
confusion = np.zeros((2, 2), dtype=int)
for true_label, predicted in zip(test_set_y[0], test_predictions):
    confusion[true_label, predicted] += 1

fig, ax = plt.subplots(figsize=(4.5, 4))
ax.imshow(confusion, cmap="Blues")
for row in range(2):
    for column in range(2):
        ax.text(column, row, str(confusion[row, column]), ha="center", va="center", fontsize=16,
                color="white" if confusion[row, column] > confusion.max() / 2 else "black")
names = [name.decode() for name in classes]
ax.set_xticks([0, 1])
ax.set_xticklabels(names)
ax.set_yticks([0, 1])
ax.set_yticklabels(names)
ax.set_xlabel("predicted")
ax.set_ylabel("true")
ax.set_title("Test set")
plt.show()

for label, name in enumerate(names):
    found = confusion[label, label]
    recall = found / max(1, confusion[label].sum())
    precision = found / max(1, confusion[:, label].sum())
    print(f"{name}: recall {100 * recall:.1f} % (of the {name} clips, how many were found), "
          f"precision {100 * precision:.1f} % (of the clips called {name}, how many were)")

# %% [markdown]
# ### 5.6 - Bonus: features that ignore *when*
#
# Section 5.3 showed that the flattened spectrogram gives the model 130 separate weights for each
# mel band, one per time frame, although *when* a sound happens inside a clip says nothing about
# its class. What does matter is **how much** energy each band has and **how much it moves**:
# speech switches on and off at the rate of syllables (3 to 6 times a second), a held chord does
# not.
#
# **Bonus exercise: time-pooled features.** Implement `pool_features(X_orig)`: for each clip and
# each mel band, the **mean** and the **standard deviation** of the band over time (the time axis
# is `axis=2` of `X_orig`). Stack the 128 means on top of the 128 standard deviations, one
# **column** per clip, to get an array of shape $(256, m)$. `np.mean`, `np.std` (its default
# `ddof=0`) and `np.concatenate` are all you need.

# %% tags=["bonus"]
def pool_features(X_orig):
    """
    Summarise each mel band of each clip by its mean and standard deviation over time.

    Parameters
    ----------
    X_orig : numpy array of shape (m, n_mels, time_steps)

    Returns
    -------
    pooled : numpy array of shape (2 * n_mels, m)
        For each clip (column): the n_mels band means, then the n_mels band standard deviations.
    """
    ### BEGIN SOLUTION
    #: band_means = ...
    #: band_stds = ...
    #: pooled = ...
    band_means = X_orig.mean(axis=2)
    band_stds = X_orig.std(axis=2)
    pooled = np.concatenate([band_means, band_stds], axis=1).T
    ### END SOLUTION
    return pooled

# %% tags=["bonus"]
pool_features_test(pool_features)

# %% [markdown]
# ### 5.7 - Standardising the features
#
# The same `model()` works unchanged on pooled features: only the number of features differs (256
# instead of 16640). But look at their scales first (the next cell prints them for your data).
# The band means are levels between 0 and 1, typically around 0.4; the band standard deviations
# are smaller, typically around 0.1. And what tells one clip from another is not the level itself
# but how much a feature differs from clip to clip, which is smaller still: a few hundredths to
# about a tenth, next to a level shared by every clip.
#
# Gradient descent takes one step size for every weight. With features of such different sizes,
# the cost is a long, narrow valley rather than a round bowl: steep along the large,
# shared levels (they move $z$ for every clip at once and dictate how small the learning rate
# must be), nearly flat along the small spreads that carry most of the information. A learning
# rate safe for the steep direction crawls along the flat ones, so after a few thousand steps the
# weights of the informative features have hardly moved.
#
# The fix is to **standardise** each feature: subtract its mean and divide by its standard
# deviation, so that over the training clips every feature has mean 0 and standard deviation 1.
# A weight then means the same thing for every feature (evidence per "one standard deviation
# above the typical clip"), and the cost becomes a much rounder bowl, in which one learning rate
# suits every direction.
#
# **The mean and standard deviation come from the training set only**, and the *same* numbers
# are then applied to the training set, the test set and every new recording:
# - the test set stands in for recordings the model has never met. Statistics computed on it
#   would let information about the test clips leak into the model, and the test accuracy would
#   no longer measure how it does on new audio;
# - a new recording (section 6) arrives alone: it has no statistics of its own to standardise
#   with, only the training set's;
# - the model's weights were learned on features scaled by the training statistics; scaling new
#   features differently would change what every weight means.
#
# So the two vectors `feature_mean` and `feature_std` become part of the trained model, just like
# `w` and `b`.

# %% tags=["bonus"]
require_bonus(pool_features)  # this cell and the next two need the bonus: they say so until it is done

pooled_train = pool_features(train_set_x_orig)
pooled_test = pool_features(test_set_x_orig)

# One mean and one standard deviation per feature (per row), over the training clips only.
feature_mean = pooled_train.mean(axis=1, keepdims=True)  # shape (256, 1)
feature_std = pooled_train.std(axis=1, keepdims=True)
feature_std[feature_std == 0] = 1.0  # a feature that never changes: leave it alone, rather than divide by 0


def standardize(pooled):
    """Scale pooled features (one column per clip) with the training set's statistics."""
    return (pooled - feature_mean) / feature_std


standard_train = standardize(pooled_train)
standard_test = standardize(pooled_test)

for name, features in (("raw", pooled_train), ("standardised", standard_train)):
    for rows, what in ((slice(0, n_mels), "band means"), (slice(n_mels, None), "band standard deviations")):
        values = features[rows]
        print(f"{name:>12} {what:<24}: median {np.median(values):+.2f}, from clip to clip they vary by "
              f"{np.median(values.std(axis=1)):.3f} (median over the features)")
print(f"standardised test features: mean {standard_test.mean():+.2f}, standard deviation {standard_test.std():.2f} "
      f"(close to, but not exactly, 0 and 1: they were scaled with the training statistics)")

# %% [markdown]
# How much rounder is the bowl? The curvature of the cost in each direction of weight space
# comes from an eigenvalue of $\frac{1}{m} X X^T$ (section 4.2 measured only the largest one).
# The learning rate must stay below $8 / \lambda_{max}$ because of the steepest direction; along
# a direction with a hundred times smaller eigenvalue, each step then covers a hundred times less
# of the way. The next cell computes all 256 eigenvalues for both versions of the features with
# `np.linalg.eigvalsh` (fine for a $256 \times 256$ matrix; the $16640 \times 16640$ one of the
# flat features is why section 4.2 used the power method), and trains the same `model()` on both,
# each with a learning rate at half its stability bound and the same number of steps.

# %% tags=["bonus"]
require_bonus(pool_features)


def curvatures(X):
    """All eigenvalues of X X^T / m, largest first (X has one column per example)."""
    return np.linalg.eigvalsh(X @ X.T / X.shape[1])[::-1]


raw_eigenvalues = curvatures(pooled_train)
standard_eigenvalues = curvatures(standard_train)

plt.figure(figsize=(7, 3.5))
for name, eigenvalues in (("raw", raw_eigenvalues), ("standardised", standard_eigenvalues)):
    plt.semilogy(eigenvalues / eigenvalues[0], label=name)
    print(f"{name:>12} pooled features: largest eigenvalue {eigenvalues[0]:6.1f}; directions at least 1 % as "
          f"steep as the steepest: {int(np.sum(eigenvalues >= 0.01 * eigenvalues[0]))} of {len(eigenvalues)}")
plt.axhline(0.01, color="gray", linestyle="--", linewidth=0.8)
plt.xlabel("direction (sorted, steepest first)")
plt.ylabel("curvature / steepest curvature")
plt.title("How round is the bowl?")
plt.legend()
plt.show()

raw_rate = float(f"{4 / raw_eigenvalues[0]:.1g}")  # half the bound 8 / lambda_max, to one significant digit
pooled_rate = float(f"{4 / standard_eigenvalues[0]:.1g}")
pooled_iterations = 2000

raw_pooled_model = model(pooled_train, train_set_y, pooled_test, test_set_y,
                         num_iterations=pooled_iterations, learning_rate=raw_rate)
pooled_model = model(standard_train, train_set_y, standard_test, test_set_y,
                     num_iterations=pooled_iterations, learning_rate=pooled_rate)
pooled_w, pooled_b = pooled_model["w"], pooled_model["b"]

print(f"raw pooled features:          learning rate {raw_rate}, "
      f"final cost {raw_pooled_model['costs'][-1]:.3f}, "
      f"train {accuracy(raw_pooled_model['Y_prediction_train'], train_set_y):.1f} %, "
      f"test {accuracy(raw_pooled_model['Y_prediction_test'], test_set_y):.1f} %")
print(f"standardised pooled features: learning rate {pooled_rate}, "
      f"final cost {pooled_model['costs'][-1]:.3f}, "
      f"train {accuracy(pooled_model['Y_prediction_train'], train_set_y):.1f} %, "
      f"test {accuracy(pooled_model['Y_prediction_test'], test_set_y):.1f} %")
print()
print(f"flat model (section 4) test accuracy: {test_accuracy:.1f} %")
print(f"pooled model test accuracy: {accuracy(pooled_model['Y_prediction_test'], test_set_y):.1f} %")

# %% [markdown]
# **What changed.**
# - **Invariance.** Shift a clip by half a second and its flattened vector changes completely,
#   while its pooled vector barely moves (section 6 shows it on your own recording). The pooled
#   model cannot latch onto the timing of particular events in particular training clips; the
#   flat one can, and does (section 5.3).
# - **Fewer parameters.** 257 instead of 16641: with a few hundred training clips, the flat
#   model can fit anything, including noise; the pooled one has to find a rule that holds across
#   clips.
# - **The right statistics.** The standard deviation over time directly measures what the flat
#   model could only approximate with many weights: how much a band fluctuates. The on/off rhythm
#   of syllables gives speech large standard deviations in the voice bands.
# - **Standardisation.** With the raw pooled features one direction, all features rising
#   together (the shared level), is far steeper than any other, so it sets the learning rate, and
#   the directions that tell clips apart, tens to thousands of times flatter, hardly move in 2000
#   steps: the cost stays much higher, and the test accuracy is usually lower (on the synthetic
#   datasets of seeds 0 to 4, 87 % on average instead of 91 %). Standardised, the steepest
#   direction is not less steep (many bands rise and fall together), but many more directions are
#   comparably steep, so the same 2000 steps get much further. Nothing about the model changed,
#   only the units its features are measured in.
# - **What is lost.** Pooling throws away the order of events (a rising melody and a falling one
#   look alike) and is blind to anything that only shows up in how bands change *together*.
#
# ### 5.8 - Cross-check with scikit-learn
#
# A from-scratch implementation deserves a check against a trusted library. scikit-learn's
# `LogisticRegression` fits the same model (a weight per feature plus a bias, sigmoid,
# cross-entropy cost) with a cleverer optimiser (L-BFGS, which also uses curvature information)
# and, by default, a penalty on large weights. With `C` very large the penalty practically
# vanishes, so both minimise the same cost $J$. Note that scikit-learn wants one **row** per
# example and labels as a flat vector, hence the transposes. It gets the same standardised
# features.

# %% tags=["bonus"]
require_bonus(pool_features)

import warnings
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", ConvergenceWarning)
    reference = LogisticRegression(C=1e6, max_iter=5000).fit(standard_train.T, train_set_y[0])
if any(issubclass(warning.category, ConvergenceWarning) for warning in caught):
    print("(scikit-learn did not fully converge: on separable data the cost has no finite minimum)")


def stable_cost(weights, bias, X, Y):
    """The cost J, computed without log(0): -log(sigmoid(z)) = log(1 + e^(-z)) = np.logaddexp(0, -z)."""
    z = np.dot(weights.T, X) + bias
    return float(np.mean(Y * np.logaddexp(0, -z) + (1 - Y) * np.logaddexp(0, z)))


sk_test_predictions = reference.predict(standard_test.T)
ours_test_predictions = pooled_model["Y_prediction_test"][0]
sk_weights = reference.coef_.reshape(-1, 1)
sk_bias = float(reference.intercept_[0])
our_cost = stable_cost(pooled_w, pooled_b, standard_train, train_set_y)
sk_cost = stable_cost(sk_weights, sk_bias, standard_train, train_set_y)

print(f"test accuracy, ours: {accuracy(ours_test_predictions, test_set_y[0]):.1f} %   "
      f"scikit-learn: {accuracy(sk_test_predictions, test_set_y[0]):.1f} %")
print(f"test clips on which both agree: {accuracy(ours_test_predictions, sk_test_predictions):.1f} %")
print(f"training cost J, ours after {pooled_iterations} steps: {our_cost:.4f}   scikit-learn: {sk_cost:.4f}")
print(f"correlation between the two weight vectors: {np.corrcoef(pooled_w[:, 0], sk_weights[:, 0])[0, 1]:.2f}")

# %% [markdown]
# (The cost is computed here with `np.logaddexp`, because scikit-learn's confident weights push
# some probabilities to exactly 0 or 1, where `np.log` in `propagate` would give `-inf`.)
#
# The two models should agree on most test clips, and their weights should point in a similar
# direction. scikit-learn reaches a lower training cost: it keeps optimising where our fixed
# number of gradient steps stopped. On data that a line separates perfectly, the cost keeps
# falling as the weights grow, so the two optimisers stop at different points along the way, and
# the clips they disagree on are those close to the boundary. With very few training clips these
# differences grow. If the weights are not even correlated, suspect a bug in one of your
# functions (the tests above would normally catch it).
#
# ## 6 - Test with your own audio
#
# ### 6.1 - One recording, two models
#
# Record yourself talking or play some music (any format the lab reads: wav, flac, ogg, mp3),
# put the file in the repository folder (or anywhere) and write its path below. `load_audio_file`
# decodes it, converts it to mono at 22050 Hz, picks a 3-second window (the middle of the
# non-silent part, for a longer file) and computes the same $128 \times 130$ spectrogram as for
# the dataset (`load_audio_file(path, sr=22050, duration=3.0, n_mels=128)` says the same with the
# settings spelt out).
#
# Both of your models then listen to it: the flat model of section 4 and, if you did the bonus,
# the pooled model of section 5.7 (its features standardised with the *training* statistics).
# Until you set a path that exists, the cell uses a test clip on which the two models disagree,
# if there is one.

# %%
my_audio_file = "my_audio.wav"  # change this to the name of your file

pooled_ready = "pooled_model" in globals()
flat_test_labels = logistic_regression_model["Y_prediction_test"][0]
if not Path(my_audio_file).is_file():
    disagree = np.flatnonzero(flat_test_labels != pooled_model["Y_prediction_test"][0]) if pooled_ready else []
    example = int(disagree[0]) if len(disagree) else m_test - 1
    print(f"{my_audio_file} not found: using test clip {example} "
          f"({'the models disagree on it' if len(disagree) else 'the last one'}, it is "
          f"{classes[test_set_y[0, example]].decode()}). Set my_audio_file to your own recording.")
    my_audio_file = test_paths[example]


def flat_speech_probability(spectrograms):
    """P(speech) of the flat model, for spectrograms of shape (m, n_mels, time_steps)."""
    return sigmoid(np.dot(weights.T, spectrograms.reshape(len(spectrograms), -1).T) + bias)[0]


def pooled_speech_probability(spectrograms):
    """P(speech) of the pooled model: pool, standardise with the training statistics, then w, b."""
    return sigmoid(np.dot(pooled_w.T, standardize(pool_features(spectrograms))) + pooled_b)[0]


my_spectrogram = load_audio_file(my_audio_file)
show_spectrogram(my_spectrogram, f"{Path(my_audio_file).name}")
plt.show()
display(play(load_clip(my_audio_file)))

my_models = {"flat (section 4)": flat_speech_probability}
if pooled_ready:
    my_models["pooled, standardised (5.7)"] = pooled_speech_probability
else:
    print("(the pooled model is not trained: do the bonus in section 5.6 to compare the two)")
for name, speech_probability in my_models.items():
    probability = float(speech_probability(my_spectrogram[np.newaxis])[0])
    print(f'{name:>27}: "{classes[int(probability > 0.5)].decode()}"  (P(speech) = {probability:.2f})')

# %% [markdown]
# **When the two models disagree**, the next cell usually shows why. It plays the same 3 seconds
# with their start moved: the spectrogram is rolled in time (what falls off the end comes back at
# the start), a few tenths of a second at a time. Every sound is still there, only *when* it
# happens changes.

# %%
shift_frames = np.arange(0, time_steps, 5)
rolled = np.stack([np.roll(my_spectrogram, shift, axis=1) for shift in shift_frames])

plt.figure(figsize=(9, 3.5))
for name, speech_probability in my_models.items():
    plt.plot(shift_frames * SECONDS_PER_FRAME, speech_probability(rolled), marker=".", label=name)
plt.axhline(0.5, color="gray", linestyle="--")
plt.ylim(-0.05, 1.05)
plt.xlabel("start moved by (s)")
plt.ylabel("P(speech)")
plt.title(f"{Path(my_audio_file).name}, rolled in time")
plt.legend()
plt.show()

flat_rolled = flat_speech_probability(rolled)
print(f"flat model: P(speech) from {flat_rolled.min():.2f} to {flat_rolled.max():.2f}; "
      f'it answers "speech" for {int(np.sum(flat_rolled > 0.5))} of {len(rolled)} shifts')
if pooled_ready:
    pooled_rolled = pooled_speech_probability(rolled)
    print(f"pooled model: P(speech) from {pooled_rolled.min():.2f} to {pooled_rolled.max():.2f}")

# %% [markdown]
# **Reading it.** The pooled model's line is flat: a band's mean and spread over the clip do not
# depend on when things happen, so moving the sounds changes nothing. The flat model's answer
# moves, sometimes across 0.5: the same sounds, a fraction of a second earlier or later, meet
# other weights, and section 5.3 showed that along time those weights are mostly memorised
# details of training clips. That is the usual reason for a disagreement: the flat model's
# verdict on your recording partly depends on where its syllables or notes happened to fall.
#
# Other reasons, which affect both models:
# - **The recording is ambiguous**: speech over music, singing, rap, a solo instrument playing
#   short phrases with pauses (speech-like spreads), a monotonous voice in a reverberant room
#   (music-like). Listen to it.
# - **It is unlike every training clip**: another microphone, a phone line, background noise,
#   another language or instrument. Both models were trained on a few hundred clips of a few
#   kinds; outside them, neither has learned anything.
#
# When they disagree, the pooled model is usually the better bet (it did better on the test set
# and does not care where in the window sounds fall), but it is not an oracle: add recordings
# like yours to `data/` and retrain (section 7).
#
# ### 6.2 - A longer recording, window by window
#
# The models only ever see 3 seconds. To follow a longer recording (a podcast with music breaks,
# a radio show), slide a 3-second window along it, one second at a time, and classify every
# window. Set `long_audio_file` to a recording of your own; until then the cell builds a
# 15-second example by joining five test clips (music, speech, speech, music, speech), so you can
# check the answer. (For hours-long files, the command `.venv/bin/speechmusic segment` does the
# same in bounded memory and smooths the decisions.)

# %%
long_audio_file = None  # e.g. "my_radio_show.mp3"
MAX_SECONDS = 600  # only the first 10 minutes, to keep memory and time small

if long_audio_file is not None:
    long_signal = decode(long_audio_file, sample_rate=SR, duration=MAX_SECONDS)
    true_segments = []
    title = Path(long_audio_file).name
else:
    music_clips = [test_paths[i] for i in np.flatnonzero(test_set_y[0] == 0)]
    speech_clips = [test_paths[i] for i in np.flatnonzero(test_set_y[0] == 1)]
    plan = [("music", music_clips[0]), ("speech", speech_clips[0]), ("speech", speech_clips[1 % len(speech_clips)]),
            ("music", music_clips[1 % len(music_clips)]), ("speech", speech_clips[2 % len(speech_clips)])]
    long_signal = np.concatenate([load_clip(path) for _, path in plan])
    clip_seconds = DEFAULT_PARAMS.duration
    true_segments = [(k * clip_seconds, (k + 1) * clip_seconds, name) for k, (name, _) in enumerate(plan)]
    title = "five test clips joined together"


def classify_windows(signal, window_seconds=3.0, hop_seconds=1.0, batch=64):
    """P(speech) of each model for each window; returns (window centres in s, {model: probabilities})."""
    window = int(round(window_seconds * SR))
    hop = int(round(hop_seconds * SR))
    if len(signal) < window:
        signal = np.pad(signal, (0, window - len(signal)))
    starts = np.arange(0, len(signal) - window + 1, hop)
    probabilities = {name: [] for name in my_models}
    for first in range(0, len(starts), batch):  # a batch at a time, to bound memory
        chunk = np.stack([signal[s : s + window] for s in starts[first : first + batch]])
        spectrograms = batch_features(chunk)  # (windows, 128, 130), like load_audio_file for each
        for name, speech_probability in my_models.items():
            probabilities[name].append(speech_probability(spectrograms))
    return (starts + window / 2) / SR, {name: np.concatenate(p) for name, p in probabilities.items()}


centres, window_probabilities = classify_windows(long_signal)

fig, (top, bottom) = plt.subplots(2, 1, figsize=(13, 5), sharex=True, constrained_layout=True)
time_axis = np.arange(len(long_signal)) / SR
top.plot(time_axis, long_signal, linewidth=0.3, color="gray")
for start, end, name in true_segments:
    top.axvspan(start, end, color="tab:red" if name == "speech" else "tab:blue", alpha=0.15)
    top.text((start + end) / 2, 0.9 * np.abs(long_signal).max(), name, ha="center")
top.set_ylabel("waveform")
top.set_title(f"{title}: shaded = true class" if true_segments else title)
for name, probabilities in window_probabilities.items():
    bottom.plot(centres, probabilities, marker="o", label=name)
bottom.axhline(0.5, color="gray", linestyle="--")
bottom.set_ylim(-0.05, 1.05)
bottom.set_xlabel("time (s), window centre")
bottom.set_ylabel("P(speech)")
bottom.legend()
plt.show()
display(play(long_signal))

# %% [markdown]
# Windows that straddle a change contain a bit of both classes, so their probabilities sit in
# between: the boundaries are only known to about a window's length. Real segmenters smooth the
# decisions over time (a clip of speech is rarely interrupted by one second of music).
#
# ## 7 - Summary and what next
#
# - Audio becomes a fixed-size picture (the mel-spectrogram), and a picture becomes a vector.
# - Logistic regression is a weighted sum of evidence squashed by a sigmoid; its parameters are
#   learned by gradient descent on the cross-entropy cost, with no loop over examples.
# - The learning rate must respect the steepness of the cost, which depends on the features.
# - A model with many more parameters than examples fits the training set perfectly and
#   generalises less well; features built on what really distinguishes the classes help more
#   than more iterations.
# - Features on very different scales slow gradient descent down; standardising them with the
#   training set's statistics (and applying the same numbers to every new clip) fixes it.
#
# Where to go from here: try other learning rates and iteration counts; add your own recordings
# to `data/` (`.venv/bin/speechmusic prepare --help`) and retrain; train and evaluate the
# reference model from the command line (`.venv/bin/speechmusic train`,
# `.venv/bin/speechmusic evaluate`) and segment a long recording (`.venv/bin/speechmusic segment`).
