"""Linear text models served with numpy alone: TF-IDF features, then a linear score.

The models are fitted with scikit-learn (``training.py``, ``convert_baseline.py``)
and stored as plain arrays (``np.savez_compressed``): each vectorizer's terms, idf
and analyzer settings, the coefficients and intercepts. A web process reads them
with ``allow_pickle=False`` — loading a model runs no code — and never imports
scikit-learn, which would add about 95 MB to every worker that scores a comment.

TF-IDF is computed for one text at a time, repeating ``TfidfVectorizer``'s
arithmetic (analyse → counts → optional 1 + log → × idf → L2 norm); tests check
the probabilities are scikit-learn's own. This module imports only numpy and the
standard library, so the converting subprocess can use it without Django.
"""

import io
import json
import math
import re
import unicodedata
from collections import Counter

import numpy as np

from .explain import Explanation, top

# Bumped whenever the arrays stored change meaning; older files are refused.
FORMAT = 1
# np.savez writes a zip archive.
_ZIP = b"PK\x03\x04"

_NONE = (np.zeros(0, dtype=np.intp), np.zeros(0))
_WHITE_SPACES = re.compile(r"\s\s+")


class UnknownFormat(ValueError):
    """Not a model in this module's format (e.g. a pickled pipeline from an older version)."""


# Storing -------------------------------------------------------------------------


def dumps(meta: dict, arrays: dict[str, np.ndarray]) -> bytes:
    """One model as the bytes of a compressed npz: ``meta`` (JSON) beside the arrays."""
    buffer = io.BytesIO()
    write(buffer, meta, arrays)
    return buffer.getvalue()


def write(file, meta: dict, arrays: dict[str, np.ndarray]) -> None:
    meta = {"format": FORMAT} | meta
    np.savez_compressed(file, meta=np.array(json.dumps(meta)), **arrays)


def loads(source) -> tuple[dict, dict[str, np.ndarray]]:
    """(meta, arrays) from bytes or a path; never unpickles anything."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if not data.startswith(_ZIP):
            raise UnknownFormat("not a numpy model (an older pickled one?): retrain it")
        source = io.BytesIO(data)
    with np.load(source, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    meta = json.loads(str(arrays.pop("meta")))
    if meta.get("format") != FORMAT:
        raise UnknownFormat(f"model format {meta.get('format')!r}, expected {FORMAT}")
    return meta, arrays


def _terms_arrays(terms: list[str]) -> dict[str, np.ndarray]:
    # One UTF-8 string and each term's length: any character survives, NUL included
    # (numpy's fixed-width strings would drop trailing NULs).
    return {
        "text": np.frombuffer("".join(terms).encode("utf-8"), dtype=np.uint8),
        "lengths": np.array([len(term) for term in terms], dtype=np.int64),
    }


def _terms(text: np.ndarray, lengths: np.ndarray) -> list[str]:
    joined = text.tobytes().decode("utf-8")
    ends = np.cumsum(lengths).tolist()
    return [joined[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]


def vectorizer_arrays(vectorizer, prefix: str) -> tuple[dict, dict[str, np.ndarray]]:
    """A fitted ``TfidfVectorizer`` as (settings, arrays), refusing what is not repeated here.

    Reads the vectorizer's attributes only; scikit-learn itself is not imported.
    """
    unsupported = {
        "a callable analyzer": callable(vectorizer.analyzer),
        "a custom preprocessor": vectorizer.preprocessor is not None,
        "a custom tokenizer": vectorizer.tokenizer is not None,
        "a callable strip_accents": callable(vectorizer.strip_accents),
        "a norm other than l2": vectorizer.norm != "l2",
        "binary counts": vectorizer.binary,
        "input other than text": vectorizer.input != "content",
    }
    refused = [what for what, present in unsupported.items() if present]
    if refused:
        raise ValueError("Cannot store a vectorizer with " + ", ".join(refused))
    terms = [""] * len(vectorizer.vocabulary_)
    for term, column in vectorizer.vocabulary_.items():
        terms[column] = term
    stop_words = vectorizer.get_stop_words() if vectorizer.analyzer == "word" else None
    settings = {
        "prefix": prefix,
        "analyzer": vectorizer.analyzer,
        "lowercase": bool(vectorizer.lowercase),
        "strip_accents": vectorizer.strip_accents or None,
        "token_pattern": vectorizer.token_pattern,
        "stop_words": sorted(stop_words) if stop_words is not None else None,
        "ngram_range": list(vectorizer.ngram_range),
        "sublinear_tf": bool(vectorizer.sublinear_tf),
        "use_idf": bool(vectorizer.use_idf),
    }
    arrays = {f"{prefix}.{name}": value for name, value in _terms_arrays(terms).items()}
    if vectorizer.use_idf:
        arrays[f"{prefix}.idf"] = np.asarray(vectorizer.idf_, dtype=np.float64)
    return settings, arrays


# Features ------------------------------------------------------------------------


def _strip_accents_ascii(s):
    return unicodedata.normalize("NFKD", s).encode("ASCII", "ignore").decode("ASCII")


def _strip_accents_unicode(s):
    if s.isascii():
        return s
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


_ACCENTS = {None: None, "ascii": _strip_accents_ascii, "unicode": _strip_accents_unicode}


def _word_ngrams(tokens, stop_words, min_n, max_n):
    if stop_words is not None:
        tokens = [w for w in tokens if w not in stop_words]
    if max_n == 1:
        return tokens
    grams = list(tokens) if min_n == 1 else []
    for n in range(max(min_n, 2), min(max_n + 1, len(tokens) + 1)):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


def _char_ngrams(text, min_n, max_n):
    text = _WHITE_SPACES.sub(" ", text)
    grams = list(text) if min_n == 1 else []
    for n in range(max(min_n, 2), min(max_n + 1, len(text) + 1)):
        grams.extend(text[i : i + n] for i in range(len(text) - n + 1))
    return grams


def _char_wb_ngrams(text, min_n, max_n):
    grams = []
    for word in _WHITE_SPACES.sub(" ", text).split():
        word = " " + word + " "
        for n in range(min_n, max_n + 1):
            grams.extend(word[i : i + n] for i in range(max(1, len(word) - n + 1)))
            if len(word) <= n:  # a short word counts once, as itself
                break
    return grams


class Tfidf:
    """One vectorizer's TF-IDF for one text at a time; columns start at ``offset``."""

    def __init__(self, settings: dict, arrays: dict[str, np.ndarray], *, offset: int = 0):
        prefix = settings["prefix"]
        self.terms = _terms(arrays[f"{prefix}.text"], arrays[f"{prefix}.lengths"])
        self.vocabulary = {term: column for column, term in enumerate(self.terms)}
        self.idf = arrays[f"{prefix}.idf"] if settings["use_idf"] else None
        self.sublinear = settings["sublinear_tf"]
        self.offset = offset
        self.analyze = self._analyzer(settings)

    def __len__(self):
        return len(self.terms)

    @staticmethod
    def _analyzer(settings):
        lower, accents = settings["lowercase"], _ACCENTS[settings["strip_accents"]]
        min_n, max_n = settings["ngram_range"]

        def preprocess(text):
            text = text.lower() if lower else text
            return accents(text) if accents else text

        if settings["analyzer"] == "word":
            tokenize = re.compile(settings["token_pattern"]).findall
            stop = settings["stop_words"]
            stop = frozenset(stop) if stop is not None else None
            return lambda text: _word_ngrams(tokenize(preprocess(text)), stop, min_n, max_n)
        ngrams = {"char": _char_ngrams, "char_wb": _char_wb_ngrams}[settings["analyzer"]]
        return lambda text: ngrams(preprocess(text), min_n, max_n)

    def transform(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(columns, weights) of the text's features present in the vocabulary."""
        return self.weigh(self.analyze(text))

    def weigh(self, terms) -> tuple[np.ndarray, np.ndarray]:
        """(columns, weights) for the terms the analyzer found in a text."""
        vocabulary = self.vocabulary
        counts = Counter(column for term in terms if (column := vocabulary.get(term)) is not None)
        if not counts:
            return _NONE
        columns = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        weights = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        if self.sublinear:
            weights = np.log(weights) + 1.0
        if self.idf is not None:
            weights = weights * self.idf[columns]
        norm = math.sqrt(float(weights @ weights))
        if norm:
            weights = weights / norm
        return columns + self.offset, weights


# Models --------------------------------------------------------------------------


def _exp(value):
    return math.exp(max(-700.0, min(700.0, value)))


def site_model_bytes(words, chars, coef, intercept) -> bytes:
    """A fitted word + character-n-gram logistic regression, as ``SiteModel`` reads it."""
    word_settings, word_arrays = vectorizer_arrays(words, "words")
    char_settings, char_arrays = vectorizer_arrays(chars, "chars")
    if char_settings["analyzer"] != "char_wb":
        raise ValueError("A site model's character n-grams must stay within words (char_wb).")
    meta = {"model": "site", "vectorizers": [word_settings, char_settings]}
    arrays = word_arrays | char_arrays
    arrays["coef"] = np.asarray(coef, dtype=np.float64).ravel()
    arrays["intercept"] = np.asarray(intercept, dtype=np.float64).ravel()[:1]
    return dumps(meta, arrays)


class SiteModel:
    """A site's logistic regression over word and character TF-IDF, with explanations."""

    def __init__(self, meta, arrays, *, label: str, pk: int | None = None):
        if meta.get("model") != "site":
            raise UnknownFormat(f"not a site model: {meta.get('model')!r}")
        self.label = label
        self.pk = pk
        word_settings, char_settings = meta["vectorizers"]
        self.words = Tfidf(word_settings, arrays)
        self.chars = Tfidf(char_settings, arrays, offset=len(self.words))
        self.coef = arrays["coef"]
        self.intercept = float(arrays["intercept"][0])

    @classmethod
    def from_bytes(cls, blob: bytes, *, label: str, pk: int | None = None) -> "SiteModel":
        meta, arrays = loads(blob)
        return cls(meta, arrays, label=label, pk=pk)

    def score(self, text: str) -> tuple[float, Explanation]:
        words, chars = self.words, self.chars
        # char_wb n-grams never cross a space: a text's n-grams are its words' n-grams,
        # so each word is analysed once, for the weights and for the explanation.
        by_token = {token: chars.analyze(token) for token in set(text.split())}
        word_columns, word_weights = words.transform(text)
        char_columns, char_weights = chars.weigh(
            [gram for token in text.split() for gram in by_token[token]]
        )
        columns = np.concatenate([word_columns, char_columns])
        contributions = np.concatenate([word_weights, char_weights]) * self.coef[columns]
        raw = self.intercept + float(contributions.sum())
        probability = 1.0 / (1.0 + _exp(-raw))
        return probability, top(self._by_word(by_token, columns, contributions))

    def _by_word(self, by_token, columns, contributions):
        """Word features as themselves; each character n-gram shared among the words holding it."""
        n_words = len(self.words)
        holders = {}
        for token, grams in by_token.items():
            shown = re.sub(r"^\W+|\W+$", "", token.lower())
            if shown:
                for gram in grams:
                    holders.setdefault(gram, set()).add(shown)
        for column, value in zip(columns.tolist(), contributions.tolist(), strict=True):
            if column < n_words:
                yield self.words.terms[column], value
                continue
            words = holders.get(self.chars.terms[column - n_words], ())
            for shown in words:
                yield shown, value / len(words)


class CalibratedEnsemble:
    """Linear SVMs each calibrated by a sigmoid, their probabilities averaged
    (scikit-learn's ``CalibratedClassifierCV(method="sigmoid")``, binary)."""

    def __init__(self, meta, arrays):
        if meta.get("model") != "calibrated-linear":
            raise UnknownFormat(f"not a calibrated linear model: {meta.get('model')!r}")
        [settings] = meta["vectorizers"]
        self.meta = meta
        self.tfidf = Tfidf(settings, arrays)
        self.coef = arrays["coef"]
        self.intercept = arrays["intercept"]
        self.a = arrays["a"]
        self.b = arrays["b"]
        # Each word's explanation: its share of the average raw score.
        self.mean_coef = self.coef.mean(axis=0)

    def score(self, text: str) -> tuple[float, Explanation]:
        columns, weights = self.tfidf.transform(text)
        margins = self.coef[:, columns] @ weights + self.intercept
        probability = float(np.mean(1.0 / (1.0 + np.exp(self.a * margins + self.b))))
        contributions = weights * self.mean_coef[columns]
        terms = self.tfidf.terms
        return probability, top(
            (terms[c], float(v)) for c, v in zip(columns.tolist(), contributions, strict=True)
        )
